"""A notebook post in Chromium: desktop and phone, light and dark (see tests/test_browser.py).

The notebooks test site is served on 127.0.0.1; the notebook post (a plot and
printed text) and the text notebook are opened and must load nothing from another
host, log no console error, fail no request, not scroll sideways and have zero
axe-core violations.

This module drives its own Chromium from a thread of its own: Playwright's sync API
runs one instance per thread, and tests/test_browser.py keeps one open on the main
thread for the whole session.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from checkers import AXE, CHROMIUM, REPO, need_browser
from conftest import run_sphinx
from test_notebooks import TODAY, make_site

sys.path.insert(0, str(REPO / "tools"))
from siteserver import CHROMIUM_ARGS, serve  # noqa: E402

pytestmark = pytest.mark.browser

PAGES = {"notebook": "posts/2024/plotting-losses/", "text-notebook": "posts/2024/executed-text-notebook/"}
CASES = [
    (path, width, mode) for path in PAGES.values() for width in (1280, 390) for mode in ("light", "dark")
]
_AXE_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(
  v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""


def _visit_all(base: str) -> dict[tuple[str, int, str], dict]:
    from playwright.sync_api import sync_playwright

    seen = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for path, width, mode in CASES:
            found: dict = {"foreign": [], "console": [], "failed": []}
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)

            def only_local(route, found=found):
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    found["foreign"].append(route.request.url)
                    route.abort()

            context.route("**/*", only_local)
            page = context.new_page()
            page.on(
                "console", lambda m, f=found: m.type in ("error", "warning") and f["console"].append(m.text)
            )
            page.on(
                "response", lambda r, f=found: r.status >= 400 and f["failed"].append(f"{r.status} {r.url}")
            )
            response = page.goto(base + path, wait_until="networkidle")
            found["status"] = response.status if response else None
            found["outputs"] = page.evaluate(
                "document.querySelectorAll('.cell_output img, .cell_output pre').length"
            )
            found["overflow"] = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            page.add_script_tag(path=str(AXE))
            found["violations"] = page.evaluate(_AXE_RUN)
            context.close()
            seen[(path, width, mode)] = found
        browser.close()
    return seen


@pytest.fixture(scope="module")
def visits(tmp_path_factory):
    need_browser()
    work = tmp_path_factory.mktemp("notebooks-browser")
    # In a subprocess: the notebook's execution (nbclient's event loop) stays out of this process.
    os.environ["BLOG_TEST_SUBPROCESS"], saved = "1", os.environ.get("BLOG_TEST_SUBPROCESS")
    try:
        built = run_sphinx(make_site(work / "src"), work / "out", env=TODAY)
    finally:
        if saved is None:
            del os.environ["BLOG_TEST_SUBPROCESS"]
        else:
            os.environ["BLOG_TEST_SUBPROCESS"] = saved
    # The kernel's own log line (ipykernel on TCP) reaches the subprocess's stderr; it is not Sphinx's.
    assert built.returncode == 0, built.stderr
    assert [w for w in built.warnings if not w.startswith("[IPKernelApp]")] == []
    with serve(built.outdir) as server, ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_visit_all, server.url).result()


@pytest.mark.parametrize(
    ("path", "width", "mode"), CASES, ids=[f"{p.split('/')[2]}-{w}-{m}" for p, w, m in CASES]
)
def test_a_notebook_post_is_clean_in_the_browser(visits, path, width, mode):
    seen = visits[(path, width, mode)]
    assert seen["status"] == 200 and seen["outputs"] >= 1
    assert (seen["foreign"], seen["console"], seen["failed"]) == ([], [], [])
    assert seen["overflow"] == 0
    assert seen["violations"] == []
