"""Every task of the blog, as a nox session. CI, Read the Docs and Pages call these too.

nox -s build    the published site, strict, into _build/html
nox -s tests    the whole test suite
nox -s freeze   execute the notebook posts whose code changed; their outputs into _freeze/ (commit it)
nox -s serve    live preview on http://127.0.0.1:8000 that rebuilds on save (drafts too)
nox -s new -- "Post title"    start a new post, as a draft
nox -s lint     ruff
nox -s bench    build times against plain Sphinx (-- --sizes 100 --runs 3)
nox -s audit    the post page's weight, requests and Lighthouse scores, served gzipped
nox -s screenshots    every page, desktop and phone, light and dark, into screenshots/
nox -s lock     re-resolve requirements/*.txt after editing pyproject.toml (changes no pin it need not)
nox -s upgrade  re-resolve requirements/*.txt to the newest versions, then build strictly and run the tests
nox -s lowest   the lowest versions pyproject.toml allows, and the tests that need no browser

Every session installs the exact versions of the lock, requirements/<group>.txt,
one file per dependency group of pyproject.toml; CI, Read the Docs and the
Pages workflow install from the same files.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nox

nox.options.sessions = ["build", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
BUILD = ROOT / "_build"
#: The lock: the exact version of every package, one file per dependency group of pyproject.toml.
LOCK = ROOT / "requirements"
#: The groups of pyproject.toml, in the order they are locked.
GROUPS = ("site", "serve", "test", "notebooks", "lint", "nox", "lock")
#: One set of versions for every Python the blog supports (3.11 and newer) and every system:
#: the lowest supported Python, and no second version of a package for newer Pythons.
LOCK_OPTIONS = [
    "--universal",
    "--fork-strategy",
    "fewest",
    "--python-version",
    "3.11",
    "--no-header",
    "--quiet",
]
#: Strict: every warning is an error, every cross-reference is checked.
STRICT = ["-W", "--keep-going", "-n"]


def install_group(session: nox.Session, group: str) -> None:
    """Install the exact versions of *group* from its lock file, requirements/<group>.txt."""
    session.install("-r", str(LOCK / f"{group}.txt"))


@nox.session
def build(session: nox.Session) -> None:
    """Build the published site into _build/html, swapping it in only when the build succeeds.

    Incremental when the last build's site and doctrees are there: Sphinx reads only the changed
    sources and writes only the pages that change, into copies of both (times kept, as Sphinx
    compares them), swapped in together once the build succeeds. So a failed build leaves the last
    site and the doctrees that describe it untouched (the next build starts from them again);
    without them, the build is clean. With ``BLOG_DEPLOY_CACHE=1`` (the Pages workflow, which
    restores both from its cache into a fresh checkout), the files unchanged since the last such
    build get their times back before it, and their contents and times are recorded after it:
    ``tools/deploycache.py``, run by this session's Python, whose installed templates Sphinx
    compares too.
    """
    install_group(session, "site")
    install_npm_site(session)
    deploycache = ["python", str(ROOT / "tools" / "deploycache.py"), "--root", str(ROOT), "--installed"]
    deploy = os.environ.get("BLOG_DEPLOY_CACHE") == "1"
    if deploy:
        session.run(*deploycache, "restore")
    # (final, staging) of the site, then of its doctrees: the site is swapped in first, so that an
    # interruption between the two leaves older doctrees, which only make the next build do more.
    folders = [(BUILD / "html", BUILD / "html.new"), (BUILD / "doctrees", BUILD / "doctrees.new")]
    for _final, staging in folders:
        shutil.rmtree(staging, ignore_errors=True)
    if all(final.is_dir() for final, _staging in folders):
        for final, staging in folders:
            shutil.copytree(final, staging, symlinks=True)
    try:
        session.run(
            "sphinx-build",
            "-b",
            "dirhtml",
            *STRICT,
            "-d",
            str(folders[1][1]),
            str(ROOT),
            str(folders[0][1]),
            *session.posargs,
        )
    except BaseException:
        for _final, staging in folders:  # no half-written site lying around
            shutil.rmtree(staging, ignore_errors=True)
        raise
    # A failed build stops above and leaves the previous site untouched; a good one
    # replaces it in two renames, so no half-written site is ever at _build/html.
    for final, staging in folders:
        old = final.with_name(final.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    session.log(f"site written to {folders[0][0].relative_to(ROOT)}")
    if deploy:
        session.run(*deploycache, "save")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite (real Sphinx builds, feeds parsed as XML, a real browser)."""
    install_group(session, "test")
    install_npm_checkers(session)
    session.run("pytest", *session.posargs)


def install_npm_checkers(session: nox.Session, folder: Path = ROOT) -> None:
    """``npm ci`` in *folder* unless node_modules is up to date (the checkers, or Lighthouse for audit)."""
    installed = folder / "node_modules" / ".package-lock.json"
    manifest = json.loads((folder / "package.json").read_text())
    names = [*manifest.get("dependencies", {}), *manifest.get("devDependencies", {})]
    if (
        installed.is_file()
        and installed.stat().st_mtime >= (folder / "package-lock.json").stat().st_mtime
        and all((folder / "node_modules" / name).is_dir() for name in names)
    ):
        return
    if shutil.which("npm") is None:
        session.warn("npm is missing: the browser tests will skip (apt-get install nodejs npm)")
        return
    with session.chdir(folder):
        session.run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", external=True)


#: What ``npm ci --omit=dev`` installs for every build: KaTeX, which draws the site's math when it is
#: built (blogext.markup.math), mermaid, which the site serves to pages with a diagram, in the site's own
#: build that esbuild makes of it (blogext.markup.diagrams), and plotly.js and Vega, which it serves to pages
#: with an interactive figure (blogext.markup.interactive).
SITE_PACKAGES = (
    "katex/dist/katex.min.css",
    "mermaid/dist/mermaid.esm.min.mjs",
    "esbuild/package.json",
    "plotly.js-strict-dist-min/plotly-strict.min.js",
    "vega/build/vega.min.js",
    "vega-lite/build/vega-lite.min.js",
    "vega-interpreter/build/vega-interpreter.min.js",
    "vega-embed/build/vega-embed.min.js",
)


def install_npm_site(session: nox.Session) -> None:
    """``npm ci --omit=dev`` unless the site's npm packages are installed: always, as nearly every
    post has math, which is drawn at build time (a site without math or diagrams loads neither)."""
    if all((ROOT / "node_modules" / name).is_file() for name in SITE_PACKAGES):
        return
    if shutil.which("npm") is None:
        session.warn(
            "npm is missing: a post with math or a mermaid diagram fails the build (apt-get install npm)"
        )
        return
    with session.chdir(ROOT):
        session.run("npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts", external=True)


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview: one process rebuilds on save and reloads the page; shows drafts, with a banner.

    ``nox -s serve -- --port 8001`` to serve elsewhere; see ``python -m blogcli.preview --help``.
    A notebook post whose code changed is executed on save, as ``nox -s freeze`` would (its venv
    has the ``notebooks`` group too: the same kernel and libraries), and frozen into _freeze/.
    """
    session.install("-r", str(LOCK / "serve.txt"), "-r", str(LOCK / "notebooks.txt"))
    install_npm_site(session)
    session.run(
        "python",
        "-m",
        "blogcli.preview",
        str(ROOT),
        str(BUILD / "preview"),
        "--doctrees",
        str(BUILD / "preview-doctrees"),
        *session.posargs,
        env={"BLOG_PREVIEW": "1"},
    )


@nox.session
def freeze(session: nox.Session) -> None:
    """Execute the notebook posts whose code (or kernel) changed since they were frozen, in a venv of
    the ``notebooks`` group; their outputs go to _freeze/, to commit. Builds never execute.

    ``nox -s freeze -- --force`` executes every one; ``-- posts/2024/x.md`` only that post.
    """
    install_group(session, "notebooks")
    session.run("python", "-m", "blogcli.freezenotebooks", str(ROOT), *session.posargs)


@nox.session(venv_backend="none")
def new(session: nox.Session) -> None:
    """Start a new post: nox -s new -- "Post title" writes posts/<year>/<slug>.md, a draft dated today."""
    session.run(sys.executable, "-m", "blogcli.newpost", *session.posargs, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Time the blog's builds against plain Sphinx on synthetic blogs.

    For one size: ``nox -s bench -- --sizes 100 --runs 3``.
    """
    install_group(session, "test")  # the site, and Playwright for the search rows (Chromium)
    install_npm_site(session)  # the synthetic posts have math and mermaid diagrams
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
    install_npm_site(session)
    site = BUILD / "screenshots"
    shutil.rmtree(site, ignore_errors=True)
    doctrees = str(BUILD / "screenshots-doctrees")
    session.run("sphinx-build", "-b", "dirhtml", *STRICT, "-q", "-d", doctrees, str(ROOT), str(site))
    session.run("python", str(ROOT / "tools" / "screenshots.py"), "--site", str(site), *session.posargs)


def compile_lock(session: nox.Session, *options: str) -> None:
    """Resolve every group of pyproject.toml into requirements/<group>.txt (no index URL, no path)."""
    install_group(session, "lock")
    LOCK.mkdir(exist_ok=True)
    with session.chdir(ROOT):
        for group in GROUPS:
            target = LOCK / f"{group}.txt"
            session.run(
                "uv",
                "pip",
                "compile",
                "--group",
                group,
                *LOCK_OPTIONS,
                *options,
                "-o",
                str(target.relative_to(ROOT)),
            )


@nox.session
def lock(session: nox.Session) -> None:
    """Re-resolve the lock after an edit of pyproject.toml, keeping every pin that still fits.

    ``nox -s lock -- --upgrade-package sphinx`` moves one package to its newest version.
    """
    compile_lock(session, *session.posargs)


@nox.session
def upgrade(session: nox.Session) -> None:
    """Move the lock to the newest versions pyproject.toml allows, then build strictly and run the tests.

    One command, and the change is a diff of requirements/*.txt to review. Run weekly by
    .github/workflows/upgrade.yml. ``nox -s upgrade -- -m "not browser"`` passes options to pytest.
    """
    compile_lock(session, "--upgrade")
    install_group(session, "test")
    install_npm_checkers(session)
    site = BUILD / "upgrade"
    shutil.rmtree(site, ignore_errors=True)
    doctrees = str(BUILD / "upgrade-doctrees")
    session.run("sphinx-build", "-b", "dirhtml", *STRICT, "-q", "-d", doctrees, str(ROOT), str(site))
    session.run("pytest", *session.posargs)


@nox.session
def lowest(session: nox.Session) -> None:
    """The lowest versions pyproject.toml allows, and every test that needs no browser.

    Proves the lower bounds true: each package the blog names directly at its lowest
    allowed version; what those need, at the newest that fits. CI runs it.
    """
    install_group(session, "lock")
    # A folder of its own outside the checkout: the lock is read once, then thrown away.
    lowest_lock = Path(tempfile.mkdtemp(prefix="blog-lowest-")) / "lowest.txt"
    python = session.run("python", "-c", "import sys; print(sys.executable)", silent=True).strip()
    with session.chdir(ROOT):
        session.run(
            "uv", "pip", "compile", "--group", "test", "--resolution", "lowest-direct",
            "--python", python, "--no-header", "--quiet", "-o", str(lowest_lock),
        )  # fmt: skip
    session.install("-r", str(lowest_lock))
    session.run("pip", "freeze", "--all")  # the versions tested, in the log
    session.run("pytest", "-m", "not browser", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Static checks of the Python code."""
    install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
