"""Every task of the blog, as a nox session. CI, Read the Docs and Pages call these too.

    nox -s build    the published site, strict, into _build/html
    nox -s tests    the whole test suite
    nox -s serve    live preview on http://127.0.0.1:8000 that rebuilds on save
    nox -s lint     ruff
"""

from __future__ import annotations

import shutil
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
    session.run(
        "sphinx-build", "-b", "dirhtml", *STRICT, "-d", str(BUILD / "doctrees"), str(ROOT), str(staging),
        *session.posargs,
    )
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
    session.run("pytest", *session.posargs)


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview: rebuilds on save and reloads the browser."""
    install_group(session, "serve")
    session.run(
        "sphinx-autobuild", "-b", "dirhtml", "--port", "8000", "--host", "127.0.0.1",
        "--watch", "blogext", "--watch", "_templates", "--watch", "_static",
        "-d", str(BUILD / "preview-doctrees"), str(ROOT), str(BUILD / "preview"),
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Static checks of the Python code."""
    install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
