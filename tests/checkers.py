"""The outside tools the browser and HTML tests use, and what to do when one is missing.

- Chromium (Debian's, at /usr/bin/chromium), driven by Playwright;
- axe-core and the Nu Html Checker (vnu-jar), from npm (``npm ci`` installs
  them from package-lock.json into node_modules/);
- Java, to run the Nu Html Checker.

Without one of them the tests that need it skip, saying how to install it.
With ``BLOG_REQUIRE_BROWSER=1`` (CI sets it in .ci/run) they fail instead, so
CI can never pass by skipping them.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
from siteserver import CHROMIUM as CHROMIUM_PATH  # noqa: E402

CHROMIUM = Path(CHROMIUM_PATH)
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = (
    "install them with `apt-get install chromium default-jre-headless nodejs npm`, "
    "then `npm ci` at the top of the repository (nox -s tests runs it)"
)


#: The blog's own code: the Sphinx extension (``blogext`` and its subpackages) and the author's programs.
PACKAGES = ("blogext", "blogcli")


def blog_modules() -> dict[str, Path]:
    """Every module of the blog's own code by its short name (``posts``), packages' ``__init__`` aside.

    Short names are unique across the packages: the docs and the checks name a module by it."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if path.name != "__init__.py":
                assert path.stem not in found, f"two modules named {path.stem}: {found[path.stem]}, {path}"
                found[path.stem] = path
    return found


def blog_packages() -> dict[str, Path]:
    """Every package of the blog's own code by its dotted name (``blogext.core``)."""
    return {
        ".".join(init.parent.relative_to(REPO).parts): init.parent
        for package in PACKAGES
        for init in sorted((REPO / package).rglob("__init__.py"))
    }


def required() -> bool:
    """Whether a missing tool fails the tests instead of skipping them."""
    return os.environ.get("BLOG_REQUIRE_BROWSER", "") == "1"


def missing(what: str) -> None:
    """Skip the current test because *what* is missing, or fail under BLOG_REQUIRE_BROWSER=1."""
    message = f"{what} is missing: {INSTALL}"
    if required():
        pytest.fail(f"{message} (BLOG_REQUIRE_BROWSER=1: the browser tests must run)", pytrace=False)
    pytest.skip(message)


def need_browser() -> None:
    """Chromium, Playwright and axe-core, or skip/fail."""
    if not CHROMIUM.is_file():
        missing(f"Chromium ({CHROMIUM})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright Python package (pip install --group test)")
    if not AXE.is_file():
        missing(f"axe-core ({AXE.relative_to(REPO)})")


def need_vnu() -> str:
    """The java command and the Nu Html Checker, or skip/fail. Returns the java command."""
    java = shutil.which("java")
    if java is None:
        missing("Java (the java command)")
    if not VNU.is_file():
        missing(f"the Nu Html Checker ({VNU.relative_to(REPO)})")
    return java


def add_axe(page) -> None:
    """axe-core in *page*, evaluated through the browser's debugging protocol: not an inline script, which
    the page's Content-Security-Policy blocks, so the page is checked under its real policy."""
    page.evaluate(_axe_source())


@functools.cache
def _axe_source() -> str:
    return AXE.read_text("utf-8")


def _theirs(message: str) -> bool:
    """The theme's note on a first visit, and the browser's on the favicon the test sites lack (a
    failed request to the site is caught by its response)."""
    return message.startswith(("Got invalid theme mode", "Failed to load resource"))


def open_watched(browser, url: str, width: int = 1280, mode: str = "light"):
    """*url* opened at *width* in *mode*, everything it does watched: ``(context, page, seen)``, where
    ``seen`` holds the URLs requested, the bytes of each response, the errors (page errors, console
    errors, responses of 400 or more) and the dialogs opened (dismissed)."""
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=mode)
    page = context.new_page()
    seen = {"requests": [], "sizes": {}, "errors": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("response", lambda r: seen["sizes"].__setitem__(r.url, len(r.body() or b"")))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and not _theirs(m.text) and seen["errors"].append(m.text))
    page.on("response", lambda r: r.status >= 400 and seen["errors"].append(f"{r.status} {r.url}"))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(url, wait_until="networkidle")
    return context, page, seen


def run_vnu(java: str, files: list[Path]) -> list[dict]:
    """The Nu Html Checker's error messages for *files*."""
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stderr or proc.stdout)
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
