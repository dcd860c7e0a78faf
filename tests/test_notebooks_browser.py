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
from checkers import CHROMIUM, REPO, add_axe, need_browser
from conftest import TODAY, make_site, run_sphinx

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
            add_axe(page)
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
        built = run_sphinx(make_site("notebooks", work / "src"), work / "out", env=TODAY)
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


# -- Outputs made safe: tests/roots/test-nboutputs (rich outputs, and one attack per cell) ------------------

OUTPUT_PAGES = ("posts/2024/hostile-outputs/", "posts/2024/rich-outputs/")


def _visit_outputs(base: str) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    seen = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for path in OUTPUT_PAGES:
            found: dict = {"foreign": [], "console": [], "dialogs": [], "failed": []}
            context = browser.new_context(viewport={"width": 1280, "height": 900})

            def only_local(route, found=found):
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    found["foreign"].append(route.request.url)
                    route.abort()

            context.route("**/*", only_local)
            page = context.new_page()
            page.on("dialog", lambda d, f=found: (f["dialogs"].append(d.message), d.dismiss()))
            page.on("console", lambda m, f=found: m.type == "error" and f["console"].append(m.text))
            page.on("pageerror", lambda e, f=found: f["console"].append(str(e)))
            page.on(
                "response", lambda r, f=found: r.status >= 400 and f["failed"].append(f"{r.status} {r.url}")
            )
            response = page.goto(base + path, wait_until="networkidle")
            page.wait_for_timeout(300)  # handlers of images and SVGs that would fire late
            found["status"] = response.status if response else None
            found["tables"] = page.locator("article table.dataframe").count()
            found["table_visible"] = (
                found["tables"] > 0 and page.locator("article table.dataframe").is_visible()
            )
            found["styled"] = page.evaluate(
                "(() => { const c = document.querySelector('#T_losses_row0_col1');"
                " return c ? getComputedStyle(c).backgroundColor : null })()"
            )
            found["images"] = page.evaluate(
                "[...document.querySelectorAll('article .cell_output img')]"
                ".map(i => i.complete && i.naturalWidth)"
            )
            context.close()
            seen[path] = found
        browser.close()
    return seen


@pytest.fixture(scope="module")
def output_visits(tmp_path_factory):
    need_browser()
    work = tmp_path_factory.mktemp("nboutputs-browser")

    built = run_sphinx(make_site("nboutputs", work / "src"), work / "out", env=TODAY)
    assert built.returncode != 0  # the hostile notebook fails the build; its page is written, safe
    with serve(built.outdir) as server, ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_visit_outputs, server.url).result()


@pytest.mark.parametrize("path", OUTPUT_PAGES, ids=["hostile", "rich"])
def test_notebook_outputs_run_nothing_and_load_nothing_from_another_host(output_visits, path):
    seen = output_visits[path]
    assert seen["status"] == 200
    assert (seen["dialogs"], seen["foreign"], seen["console"], seen["failed"]) == ([], [], [], [])


def test_the_dataframe_and_its_styles_show_in_the_browser(output_visits):
    seen = output_visits["posts/2024/rich-outputs/"]
    assert seen["tables"] == 1 and seen["table_visible"]
    assert seen["styled"] == "rgb(8, 48, 107)"  # the Styler's rule for its cell, #08306b
    assert seen["images"] and all(seen["images"])  # the SVG and the PNG drawn
