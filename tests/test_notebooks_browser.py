"""A notebook post in Chromium: desktop and phone, light and dark (see tests/test_browser.py).

The notebooks test site is served on 127.0.0.1; the notebook post (a plot and
printed text) and the text notebook are opened and must load nothing from another
host, log no console error, fail no request, not scroll sideways and have zero
axe-core violations.
"""

from __future__ import annotations

import sys

import pytest
from checkers import AXE, CHROMIUM, REPO, need_browser
from conftest import assert_clean, run_sphinx
from test_notebooks import TODAY, make_site

sys.path.insert(0, str(REPO / "tools"))
from siteserver import CHROMIUM_ARGS, serve  # noqa: E402

pytestmark = pytest.mark.browser

PAGES = {"notebook": "posts/2024/plotting-losses/", "text-notebook": "posts/2024/executed-text-notebook/"}
CASES = [
    pytest.param(path, width, mode, id=f"{name}-{width}-{mode}")
    for name, path in PAGES.items()
    for width in (1280, 390)
    for mode in ("light", "dark")
]
_AXE_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(
  v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("notebooks-browser")
    built = assert_clean(run_sphinx(make_site(work / "src"), work / "out", env=TODAY))
    with serve(built.outdir) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize(("path", "width", "mode"), CASES)
def test_a_notebook_post_is_clean_in_the_browser(browser, server, path, width, mode):
    foreign, console, failed = [], [], []
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)

    def only_local(route):
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("console", lambda m: m.type in ("error", "warning") and console.append(m.text))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    response = page.goto(server.url + path, wait_until="networkidle")
    assert response is not None and response.status == 200
    assert page.evaluate("document.querySelector('.cell_output img, .cell_output pre') !== null")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(_AXE_RUN)
    context.close()
    assert (foreign, console, failed, overflow, violations) == ([], [], [], 0, [])
