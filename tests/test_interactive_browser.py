"""Interactive figures as readers see them, in Chromium (tests/roots/test-interactive, under its policy).

A Plotly figure and an Altair chart are drawn (an SVG of a size) by the site's copies of their libraries,
fetched only once the reader scrolls near them, with no request to another host, no console error (the
policy forbids eval) and no accessibility violation, at 1280 and 390 px, light and dark; a theme switch
draws them again; a page without figures fetches none of it.
"""

from __future__ import annotations

import sys

import pytest
from checkers import REPO, add_axe, open_watched
from conftest import assert_clean, make_site, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

pytestmark = pytest.mark.browser

TODAY = {"BLOG_TODAY": "2024-06-01"}
POST = "posts/2024/interactive-figures/"
DRAWN = "() => [...document.querySelectorAll('.interactive-figure')].every(f => f.dataset.drawn)"
SIZES = """() => [...document.querySelectorAll('.interactive-figure')].map(f => {
  const drawing = f.querySelector('.interactive-chart svg');
  const box = drawing ? drawing.getBoundingClientRect() : {width: 0, height: 0};
  return {kind: f.dataset.kind, width: box.width, height: box.height, column: f.clientWidth};
})"""
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(
  v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("interactive-browser")
    built = assert_clean(run_sphinx(make_site("interactive", work / "src"), work / "out", env=TODAY))
    with serve(built.outdir) as running:
        yield running


def open_page(browser, server, path: str, width: int = 1280, mode: str = "light"):
    return open_watched(browser, server.url + path, width, mode)


def _libraries(seen) -> list[str]:
    return [url for url in seen["requests"] if "/_static/interactive/" in url]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_both_figures_draw_near_the_viewport_from_the_site_only(browser, server, width, mode):
    context, page, seen = open_page(browser, server, POST, width, mode)
    assert _libraries(seen) == []  # the figures are below the fold: nothing fetched yet
    assert page.evaluate("() => document.querySelectorAll('.interactive-figure[data-drawn]').length") == 0
    page.evaluate("() => document.querySelector('#figure-1').scrollIntoView()")
    page.wait_for_function(DRAWN, timeout=30000)
    for figure in page.evaluate(SIZES):
        assert figure["width"] > 200 and figure["height"] > 150, figure
        assert figure["width"] <= figure["column"] + 1, figure  # never wider than the column
    assert {url.rsplit("/", 1)[-1].split("?")[0] for url in _libraries(seen)} == {
        "plotly-strict.min.js",
        "vega.min.js",
        "vega-lite.min.js",
        "vega-interpreter.min.js",
        "vega-embed.min.js",
    }
    assert [url for url in seen["requests"] if not url.startswith((server.url, "data:", "blob:"))] == []
    assert page.evaluate(
        "() => document.querySelectorAll('.interactive-standin img:not([hidden])')"
        ".length === 1 && getComputedStyle(document.querySelector('.interactive-standin'))"
        ".display === 'none'"
    )  # drawn: the picture stands aside
    add_axe(page)
    assert page.evaluate(AXE_RUN) == []
    assert seen["errors"] == [] and seen["dialogs"] == []
    page.screenshot(path=str(server.root.parent / f"interactive-{width}-{mode}.png"), full_page=True)
    context.close()


def test_a_theme_switch_draws_the_figures_again_in_the_new_theme(browser, server):
    context, page, seen = open_page(browser, server, POST)
    page.evaluate("() => document.querySelector('#figure-2').scrollIntoView()")
    page.wait_for_function(DRAWN, timeout=30000)
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.interactive-figure')].every(f => f.dataset.drawn === 'dark')",
        timeout=20000,
    )
    title = page.evaluate("() => getComputedStyle(document.querySelector('#figure-1 .gtitle')).fill")
    channels = [int(c) for c in title[title.index("(") + 1 : title.index(")")].split(",")[:3]]
    assert sum(channels) / 3 > 160, title  # light text on the dark page
    assert seen["errors"] == []
    context.close()


def test_a_page_without_figures_fetches_none_of_it(browser, server):
    context, page, seen = open_page(browser, server, "posts/2024/plain-post/")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    assert [url for url in seen["requests"] if "interactive" in url] == []
    context.close()


def test_a_frozen_notebooks_chart_draws(browser, server):
    context, page, seen = open_page(browser, server, "posts/2024/frozen-chart/", 390, "dark")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(DRAWN, timeout=30000)
    (figure,) = page.evaluate(SIZES)
    assert figure["width"] > 200 and figure["height"] > 150
    assert seen["errors"] == [] and [u for u in seen["requests"] if not u.startswith(server.url)] == []
    context.close()


def test_print_shows_the_standin_picture_where_there_is_one(browser, server):
    context, page, seen = open_page(browser, server, POST)
    page.evaluate("() => document.querySelector('#figure-2').scrollIntoView()")
    page.wait_for_function(DRAWN, timeout=30000)
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => ['#figure-1 .interactive-chart', '#figure-2 .interactive-chart',
                  '#figure-2 .interactive-standin']
          .map(s => getComputedStyle(document.querySelector(s)).display !== 'none')"""
    )
    assert shown == [True, False, True]  # the Plotly figure as drawn (no picture); the Altair chart's picture
    assert (
        page.evaluate("() => document.querySelector('#figure-2 .interactive-standin img').naturalWidth") > 0
    )
    context.close()
