"""Shared fixtures: real Sphinx builds of the real site and of small test sites.

- ``site``: the real blog, built once per test session the way ``nox -s build``
  builds it (dirhtml, ``-W --keep-going -n``), in a temporary folder.
- ``build_root("name")``: a small test site from ``tests/roots/test-<name>/``,
  copied to a temporary folder and built strictly; gives a :class:`BuiltSite`.

Both run ``sphinx-build`` in this process (quicker than a subprocess per build):
blogext.core.ablogadapter empties ABlog's global state (``Blog._dict``) when a build
starts, and the autouse fixture below clears it around every test too.
"""

from __future__ import annotations

import contextlib
import difflib
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"
# The blog's packages (blogext, blogcli) and bench/ importable by every test module, whatever runs first.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
STRICT = ["-W", "--keep-going", "-n"]
ATOM = "{http://www.w3.org/2005/Atom}"

pytest_plugins = ("sphinx.testing.fixtures",)

# The tests read Sphinx's output as text. Sphinx colours it when CI=true (as CI
# sets it) or FORCE_COLOR is set; every build the tests start inherits this.
os.environ["NO_COLOR"] = "1"
os.environ.pop("FORCE_COLOR", None)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot=...)`` finds its ``test-*`` roots."""
    return ROOTS


@pytest.fixture(autouse=True)
def _reset_ablog():
    """ABlog keeps its posts in a class attribute; clear it around every test."""
    from ablog.blog import Blog

    Blog._dict.clear()
    yield
    Blog._dict.clear()


@dataclass
class BuiltSite:
    """The output of one ``sphinx-build`` run."""

    srcdir: Path
    outdir: Path
    returncode: int
    stdout: str
    stderr: str
    _soups: dict[str, BeautifulSoup] = field(default_factory=dict, repr=False)

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "WARNING" in line or "ERROR" in line]

    def path(self, url_path: str) -> Path:
        """The file a URL path such as ``posts/2023/x/`` is served from."""
        target = self.outdir / url_path.lstrip("/")
        return target / "index.html" if url_path.endswith("/") or not url_path else target

    def html(self, url_path: str) -> BeautifulSoup:
        if url_path not in self._soups:
            self._soups[url_path] = BeautifulSoup(self.path(url_path).read_text("utf-8"), "html.parser")
        return self._soups[url_path]

    def feed(self, url_path: str) -> etree._Element:
        return etree.parse(str(self.outdir / url_path)).getroot()

    def files(self, pattern: str = "**/*") -> list[Path]:
        return sorted(p for p in self.outdir.glob(pattern) if p.is_file())


def run_sphinx(
    srcdir: Path,
    outdir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    builder: str = "dirhtml",
    timeout: float | None = None,
) -> BuiltSite:
    """Run ``sphinx-build`` strictly, as the nox build session does.

    In this process (ABlog's global state is reset when a build starts, by blogext.core.ablogadapter), with
    the environment variables of a fresh process: the blog's own (``BLOG_*``, the base URLs) are
    those of *env* only. ``BLOG_TEST_SUBPROCESS=1`` runs each build in a subprocess instead, and so
    does a *timeout* (seconds): a build that hangs then fails the test.
    """
    argv = [
        "-b",
        builder,
        *STRICT,
        "-d",
        str(outdir.with_name(outdir.name + ".doctrees")),
        *args,
        str(srcdir),
        str(outdir),
    ]
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    for name in ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL", "BLOG_PAGES_REPOSITORY", "BLOG_CANONICAL_URL"):
        if env is None or name not in env:
            full_env.pop(name, None)
    if os.environ.get("BLOG_TEST_SUBPROCESS") == "1" or timeout is not None:
        cmd = [sys.executable, "-m", "sphinx", *argv]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout, check=False)
        return BuiltSite(srcdir, outdir, proc.returncode, proc.stdout, proc.stderr)
    return BuiltSite(srcdir, outdir, *_build_in_process(argv, full_env))


def _build_in_process(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    """``sphinx-build argv`` in this process, under *environ*: (exit status, stdout, stderr)."""
    from sphinx.cmd.build import build_main

    saved_environ, saved_path = dict(os.environ), list(sys.path)
    os.environ.clear()
    os.environ.update(environ)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = build_main(argv)
            except SystemExit as stop:  # blogext.core.errors.BuildStopped: the message, then exit status 1
                if isinstance(stop.code, int | None):
                    code = stop.code or 0
                else:
                    print(stop.code, file=sys.stderr)
                    code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.path[:] = saved_path
    return code, out.getvalue(), err.getvalue()


def copy_site(dest: Path) -> Path:
    """Copy the real site's sources (not builds, caches or tests) to *dest*."""
    ignore = shutil.ignore_patterns(
        "_build",
        ".nox",
        ".git",
        "tests",
        "node_modules",
        ".venv",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        "screenshots",
    )
    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> BuiltSite:
    """The real blog, built once, strictly. Fails the tests that use it if the build warns."""
    work = tmp_path_factory.mktemp("site")
    built = run_sphinx(REPO, work / "html")
    assert built.returncode == 0, built.stderr
    assert built.warnings == [], "\n".join(built.warnings)
    return built


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole session (Playwright's sync API runs one
    instance per process, so every browser test module shares it). Skips or fails without it."""
    from checkers import CHROMIUM, need_browser

    need_browser()
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tools"))
    from siteserver import CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def build_root(tmp_path) -> Callable[..., BuiltSite]:
    """Build ``tests/roots/test-<name>`` in a temporary copy; asserts nothing about success."""

    def _build(
        name: str, *args: str, env: dict[str, str] | None = None, builder: str = "dirhtml"
    ) -> BuiltSite:
        src = tmp_path / f"src-{name}"
        if not src.exists():
            shutil.copytree(ROOTS / f"test-{name}", src)
        return run_sphinx(src, tmp_path / f"out-{name}-{builder}", *args, env=env, builder=builder)

    return _build


def load_noxfile(folder: Path):
    """The noxfile of *folder*, imported as a module to call its sessions' code. nox's registry of
    sessions is emptied first, so loading a noxfile again registers nothing twice."""
    import importlib.util

    import nox.registry

    nox.registry.reset()
    spec = importlib.util.spec_from_file_location("copied_noxfile", folder / "noxfile.py")
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)
    return noxfile


def assert_clean(built: BuiltSite) -> BuiltSite:
    """A build that succeeded with zero warnings."""
    assert built.returncode == 0, built.stderr
    assert built.warnings == [], "\n".join(built.warnings)
    return built


def feed_entries(feed: etree._Element) -> list[etree._Element]:
    return feed.findall(f"{ATOM}entry")


def entry_titles(feed: etree._Element) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in feed_entries(feed)]


class NoxSession:
    """What the noxfile's sessions use of a nox session, for calling a session's code in a test: ``run``
    runs the command for real (in the folder ``chdir`` names, with *env*); ``install`` and npm are only
    recorded in ``skipped`` (the test environment has the packages; an ``npm ci`` would replace the
    checkout's node_modules, which the browser tests use)."""

    def __init__(self, env: dict[str, str], posargs: list[str] | None = None):
        self.env, self.posargs = env, posargs or []
        self.skipped: list[tuple[str, ...]] = []
        self._cwd: Path | None = None

    def install(self, *args: str) -> None:
        self.skipped.append(("install", *args))

    def run(self, *cmd: str, **kwargs) -> None:
        if cmd[0] == "npm":
            self.skipped.append(cmd)
            return
        env = {**self.env, **kwargs.get("env", {})}
        proc = subprocess.run(cmd, cwd=self._cwd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise RuntimeError(f"{cmd[0]} failed with exit code {proc.returncode}:\n{proc.stderr[-3000:]}")

    def log(self, *args) -> None:
        pass

    def warn(self, *args) -> None:
        pass

    @contextlib.contextmanager
    def chdir(self, folder):
        before, self._cwd = self._cwd, Path(folder)
        try:
            yield
        finally:
            self._cwd = before


# -- Test sites made from the roots, and what they build ----------------------------------------------
# Shared by the test modules (none imports another): a root with the real site's settings and look, the
# differences of two outputs, notebooks written cell by cell, the pages of an output and their URLs.

#: The day most test sites are built on (their posts are dated before it, their scheduled ones after).
TODAY = {"BLOG_TODAY": "2024-06-01"}
#: Pseudo-host an output's pages are served at, to resolve their links (anything else is external).
HERE = "http://site.invalid/"

#: What of the real site the test sites take over, so they build with its machinery.
SITE_PARTS = ("conf.py", "_templates", "_static")


def make_site(root: str, dest: Path) -> Path:
    """Copy ``tests/roots/test-<root>`` to *dest*, with the real site's conf.py, templates and styles."""
    shutil.copytree(ROOTS / f"test-{root}", dest)
    for part in SITE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, dest / part)
    return dest


def tree_differences(left: Path, right: Path) -> list[str]:
    """How two output trees differ: files only on one side, and files whose bytes differ (with a diff)."""

    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    mine, theirs = files(left), files(right)
    problems = [f"only in the incremental build: {p}" for p in sorted(mine - theirs)]
    problems += [f"only in the clean build: {p}" for p in sorted(theirs - mine)]
    for name in sorted(mine & theirs):
        a, b = (left / name).read_bytes(), (right / name).read_bytes()
        if a == b:
            continue
        try:
            diff = difflib.unified_diff(
                a.decode().splitlines(),
                b.decode().splitlines(),
                "incremental/" + name,
                "clean/" + name,
                n=1,
                lineterm="",
            )
            problems.append("\n".join(list(diff)[:40]))
        except UnicodeDecodeError:
            problems.append(f"{name}: binary files differ")
    return problems


def notebook(metadata: dict, cells: list[dict]) -> str:
    """A Jupyter notebook's JSON, with *metadata* and *cells* (:func:`markdown_cell`, :func:`code_cell`)."""
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}, indent=1)


def markdown_cell(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code_cell(source: str, outputs: list[dict], tags: tuple[str, ...] = ()) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": metadata,
        "outputs": outputs,
        "source": source,
    }


KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


ZERO_DIVISION = {
    "output_type": "error",
    "ename": "ZeroDivisionError",
    "evalue": "division by zero",
    "traceback": ["ZeroDivisionError: division by zero"],
}


def html_pages(outdir: Path) -> list[Path]:
    """The HTML pages of an output folder, ``_static/`` aside."""
    return sorted(p for p in outdir.rglob("*.html") if "_static" not in p.relative_to(outdir).parts)


def url_of(outdir: Path, page: Path) -> str:
    """The URL of *page* when *outdir* is served at :data:`HERE`."""
    rel = page.relative_to(outdir).as_posix()
    return HERE + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def failed(site: BuiltSite) -> str:
    """The messages of a build that must have failed."""
    assert site.returncode != 0, "the build should have failed"
    return site.stderr


def replace_text(path: Path, old: str, new: str) -> None:
    """Replace *old* (which must be there) with *new* in the file *path*."""
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), "utf-8")


#: The attributes whose URLs :func:`broken_links` follows.
LINK_ATTRS = ("href", "src")


class ServedFiles:
    """The built files, for resolving URLs against them."""

    def __init__(self, outdir: Path):
        self.outdir = outdir

    def file_for(self, url: str) -> Path | None:
        path = unquote(urlsplit(url).path)[len(urlsplit(HERE).path) :]
        target = self.outdir / path
        if path.endswith("/") or path == "":
            target = target / "index.html"
        if target.is_file():
            return target
        if target.is_dir() and (target / "index.html").is_file():
            return target / "index.html"
        return None

    @cache  # noqa: B019 - one Site per test
    def ids(self, page: Path) -> frozenset[str]:
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        return frozenset(el["id"] for el in soup.find_all(id=True)) | frozenset(
            el["name"] for el in soup.find_all("a", attrs={"name": True})
        )


def broken_links(outdir: Path) -> list[str]:
    """Every internal href/src of every page that leads nowhere, as ``page: attr=value (why)``."""
    site = ServedFiles(outdir)
    broken = []
    for page in html_pages(outdir):
        base = url_of(outdir, page)
        if page.name == "404.html":
            base = HERE  # served at every missing URL: its links are absolute
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for element in soup.find_all(True):
            for attr in LINK_ATTRS:
                value = element.get(attr)
                if value is None:
                    continue
                if element.name == "link" and "canonical" in element.get("rel", []):
                    continue  # the published address, checked by test_site.py
                target = urljoin(base, value.strip())
                if not target.startswith(HERE):
                    continue  # another site, mailto:, data:, javascript:
                where = f"{page.relative_to(outdir).as_posix()}: {attr}={value!r}"
                file = site.file_for(target)
                if file is None:
                    broken.append(f"{where} (no such file)")
                    continue
                fragment = unquote(urlsplit(target).fragment)
                if fragment and file.suffix == ".html" and fragment not in site.ids(file):
                    broken.append(f"{where} (no id {fragment!r} in {file.relative_to(outdir).as_posix()})")
    return broken


def bundle_text(outdir: Path) -> str:
    """Every file of the Pagefind bundle, hidden ones too, decompressed where Pagefind compressed it."""
    texts = []
    for path in sorted((outdir / "pagefind").rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        texts.append(path.as_posix() + "\n" + data.decode("utf-8", "replace"))
    return "\n".join(texts)
