"""Every page of every built site, in Chromium: nothing requested from another host, rich posts drawn.

The pages are found in the output folders (every ``.html`` outside ``_static``), not
listed by hand: the real site and every test site under tests/roots that builds
cleanly with the site's rich-post features (test-rich, built here). Each page is
opened once, at the phone width; any request to a host other than the local
server fails the test, naming the page and the URL.

Then the rich posts are checked as a reader sees them: the MathML is drawn (it
has a size), the mermaid diagram becomes an SVG in light and in dark mode, from
the site's own copy of mermaid, and the tabs switch.
"""

from __future__ import annotations

import shutil
import sys

import pytest
from checkers import CHROMIUM, REPO, need_browser
from conftest import ROOTS, assert_clean, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import CHROMIUM_ARGS, serve  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("rich-browser")
    shutil.copytree(ROOTS / "test-rich", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def pages_of(outdir) -> list[str]:
    """URL paths of every page of a built site."""
    found = []
    for page in sorted(outdir.rglob("*.html")):
        relative = page.relative_to(outdir)
        if relative.parts[0] in ("_static", "_images", "_sources"):
            continue
        path = relative.as_posix()
        found.append(path[: -len("index.html")] if path.endswith("index.html") else path)
    return found


def offsite_requests(browser, outdir, width: int = 390, mode: str = "light") -> dict[str, list[str]]:
    """Page -> the URLs it requested from another host, for every page of the site in *outdir*."""
    found: dict[str, list[str]] = {}
    with serve(outdir) as server:
        context = browser.new_context(viewport={"width": width, "height": 844}, color_scheme=mode)
        current: list[str] = []

        def only_local(route):
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                current.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        for path in pages_of(outdir):
            current.clear()
            page.goto(server.url + path, wait_until="networkidle")
            if current:
                found[path] = list(current)
        context.close()
    return found


def test_every_page_of_the_real_site_requests_nothing_from_another_host(chromium, site):
    assert len(pages_of(site.outdir)) > 20
    assert offsite_requests(chromium, site.outdir) == {}


def test_every_page_of_the_rich_test_site_requests_nothing_from_another_host(chromium, rich_site):
    pages = pages_of(rich_site.outdir)
    assert "posts/2024/diagram/" in pages and "posts/2024/math/" in pages
    assert offsite_requests(chromium, rich_site.outdir, width=1280, mode="dark") == {}


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_rich_posts_are_drawn_in_the_browser(chromium, rich_site, mode):
    with serve(rich_site.outdir) as server:
        context = browser_context(chromium, mode)
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto(server.url + "posts/2024/math/", wait_until="networkidle")
        width = page.evaluate("document.querySelector('div.math math').getBoundingClientRect().width")
        assert width > 50, "the MathML is not drawn"
        colour = page.evaluate("getComputedStyle(document.querySelector('article math')).color")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert colour != background

        page.goto(server.url + "posts/2024/diagram/", wait_until="networkidle")
        page.wait_for_selector("pre.mermaid svg", timeout=15000)
        assert page.evaluate("document.querySelectorAll('pre.mermaid svg .node').length") >= 5
        assert any("/_static/mermaid/" in url for url in requested)
        if mode == "dark":  # drawn in mermaid's dark theme, and not inverted again by the theme's filter
            box = "document.querySelector('pre.mermaid svg .node rect')"
            fill = page.evaluate(f"getComputedStyle({box}).fill")
            channels = [int(part) for part in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]
            assert sum(channels) / 3 < 128, f"the diagram's boxes are light in dark mode: {fill}"
            svg = "document.querySelector('pre.mermaid svg')"
            assert page.evaluate(f"getComputedStyle({svg}).filter") == "none"

        page.goto(server.url + "posts/2024/layout/", wait_until="networkidle")
        page.click("text=conda")
        assert page.is_visible("text=conda install scikit-learn")
        assert not page.is_visible("text=pip install scikit-learn")
        assert errors == []
        context.close()


def browser_context(browser, mode: str):
    return browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
