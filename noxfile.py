"""Every task of the blog, as a nox session. CI, Read the Docs and Pages call these too.

nox -s build    the published site, strict, into _build/html
nox -s tests    the whole test suite
nox -s serve    live preview on http://127.0.0.1:8000 that rebuilds on save (drafts too)
nox -s new -- "Post title"    start a new post, as a draft
nox -s lint     ruff
nox -s bench    build times against plain Sphinx (-- --sizes 100 --runs 3)
nox -s audit    the post page's weight, requests and Lighthouse scores, served gzipped
nox -s screenshots    every page, desktop and phone, light and dark, into screenshots/
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nox

nox.options.sessions = ["build", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "_build"
#: Strict: every warning is an error, every cross-reference is checked.
STRICT = ["-W", "--keep-going", "-n"]


def install_group(session: nox.Session, group: str) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session
def build(session: nox.Session) -> None:
    """Build the published site into _build/html, swapping it in only when the build succeeds."""
    install_group(session, "site")
    staging = BUILD / "html.new"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        session.run(
            "sphinx-build",
            "-b",
            "dirhtml",
            *STRICT,
            "-d",
            str(BUILD / "doctrees"),
            str(ROOT),
            str(staging),
            *session.posargs,
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # no half-written site lying around
        raise
    # A failed build stops above and leaves the previous site untouched; a good one
    # replaces it in two renames, so no half-written site is ever at _build/html.
    final, old = BUILD / "html", BUILD / "html.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    session.log(f"site written to {final.relative_to(ROOT)}")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite (real Sphinx builds, feeds parsed as XML, a real browser)."""
    install_group(session, "test")
    install_npm_checkers(session)
    session.run("pytest", *session.posargs)


def install_npm_checkers(session: nox.Session, folder: Path = ROOT) -> None:
    """``npm ci`` in *folder* unless node_modules is up to date (the checkers, or Lighthouse for audit)."""
    installed = folder / "node_modules" / ".package-lock.json"
    if installed.is_file() and installed.stat().st_mtime >= (folder / "package-lock.json").stat().st_mtime:
        return
    if shutil.which("npm") is None:
        session.warn("npm is missing: the browser tests will skip (apt-get install nodejs npm)")
        return
    with session.chdir(folder):
        session.run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", external=True)


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview: rebuilds on save and reloads the browser; shows drafts, with a banner."""
    install_group(session, "serve")
    session.run(
        "sphinx-autobuild",
        "-b",
        "dirhtml",
        "--port",
        "8000",
        "--host",
        "127.0.0.1",
        "--watch",
        "blogext",
        "--watch",
        "_templates",
        "--watch",
        "_static",
        "-d",
        str(BUILD / "preview-doctrees"),
        str(ROOT),
        str(BUILD / "preview"),
        *session.posargs,
        env={"BLOG_PREVIEW": "1"},
    )


@nox.session(venv_backend="none")
def new(session: nox.Session) -> None:
    """Start a new post: nox -s new -- "Post title" writes posts/<year>/<slug>.md, a draft dated today."""
    session.run(sys.executable, "-m", "blogext.newpost", *session.posargs, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Time the blog's builds against plain Sphinx on synthetic blogs.

    For one size: ``nox -s bench -- --sizes 100 --runs 3``.
    """
    install_group(session, "site")
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)


@nox.session
def audit(session: nox.Session) -> None:
    """Build the site, serve it gzipped, print the post page's weight, requests and Lighthouse scores."""
    install_group(session, "site")
    install_npm_checkers(session, ROOT / "tools" / "lighthouse")
    site = BUILD / "audit"
    shutil.rmtree(site, ignore_errors=True)
    doctrees = str(BUILD / "audit-doctrees")
    session.run("sphinx-build", "-b", "dirhtml", *STRICT, "-q", "-d", doctrees, str(ROOT), str(site))
    session.run("python", str(ROOT / "tools" / "audit.py"), "--site", str(site), *session.posargs)


@nox.session
def screenshots(session: nox.Session) -> None:
    """Build the site, then screenshot its pages into screenshots/: desktop and phone, light and dark."""
    install_group(session, "test")
    site = BUILD / "screenshots"
    shutil.rmtree(site, ignore_errors=True)
    doctrees = str(BUILD / "screenshots-doctrees")
    session.run("sphinx-build", "-b", "dirhtml", *STRICT, "-q", "-d", doctrees, str(ROOT), str(site))
    session.run("python", str(ROOT / "tools" / "screenshots.py"), "--site", str(site), *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Static checks of the Python code."""
    install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
