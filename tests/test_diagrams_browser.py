"""Mermaid diagrams as readers see them, in Chromium (tests/roots/test-diagrams, under its policy).

Sizes at 1280 and 390 px in light and dark: a class diagram at its own size (not blown up), nothing
wider than the phone's page, a wide flowchart scaled no smaller than three quarters and scrolled
sideways in a focusable box, a Gantt chart's dates apart. Mermaid is fetched only when a diagram
nears the viewport, and a diagram page stays within a budget of requests and bytes; a flowchart page
fetches no module of another diagram type (nor KaTeX or the other layouts), and a page without a
diagram nothing of mermaid.
"""

from __future__ import annotations

import gzip
import re
import shutil
import sys

import pytest
from checkers import REPO, open_watched
from conftest import ROOTS, assert_clean, run_sphinx

from blogext.markup import diagrams

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

pytestmark = pytest.mark.browser

DIST = REPO / "node_modules" / "mermaid" / "dist"
SHAPES = "posts/2024/shapes/"
BELOW = "posts/2024/below/"
DRAWN = "() => [...document.querySelectorAll('pre.mermaid')].every(p => p.dataset.theme)"
#: What a page with one flowchart may fetch of mermaid once the reader scrolls to it, and weigh in all
#: (uncompressed): measured at 28 mermaid files and 1.58 MB (46 requests) from the site's build of
#: mermaid (from mermaid's own build: 27 files and 1.66 MB; as the page opened, before diagrams waited
#: for the viewport: 44 requests, 1.67 MB); before scrolling, no mermaid file at all.
MERMAID_REQUESTS = 30
PAGE_BYTES = 1_650_000
#: mermaid's files alone on that page: measured at 780 KB, 208 KB gzipped (mermaid's shared core, about
#: 175 KB gzipped of it, and the flowchart's modules and dagre's layout), from the site's build of
#: mermaid; from mermaid's own build, which the site served before, 860 KB and 235 KB.
MERMAID_BYTES = 820_000
MERMAID_GZIPPED = 220_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("diagrams-browser")
    shutil.copytree(ROOTS / "test-diagrams", work / "src")
    built = assert_clean(run_sphinx(work / "src", work / "html"))
    with serve(built.outdir) as running:
        yield running


def open_page(browser, server, path: str, width: int = 1280, mode: str = "light"):
    return open_watched(browser, server.url + path, width, mode)


def draw_all(page) -> None:
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(DRAWN, timeout=20000)


BOXES = """() => [...document.querySelectorAll('pre.mermaid')].map(pre => {
  const svg = pre.querySelector('svg');
  const box = svg.getBoundingClientRect();
  return {natural: svg.viewBox.baseVal.width, width: box.width, height: box.height,
          column: pre.clientWidth, scrolls: pre.scrollWidth > pre.clientWidth,
          focusable: pre.tabIndex === 0, marked: pre.classList.contains('diagram-scrolls')};
})"""

GANTT_DATES = """() => [...document.querySelectorAll('#diagram-3 svg .grid .tick text')]
  .map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left)
  .map(r => [r.left, r.right])"""


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_diagrams_are_sized_to_their_content_and_readable(browser, server, width, mode):
    context, page, seen = open_page(browser, server, SHAPES, width, mode)
    draw_all(page)
    classes, flow, gantt = page.evaluate(BOXES)
    for box in (classes, flow, gantt):
        assert box["width"] <= box["natural"] + 1  # never blown up past mermaid's own size
        assert box["width"] >= 0.75 * box["natural"] - 1  # never shrunk below readable
        assert box["scrolls"] == box["focusable"] == box["marked"]  # a box that scrolls says so
    if width == 1280:
        assert classes["height"] < 700 and not classes["scrolls"]  # the one was 1,645 px tall
    else:
        assert flow["scrolls"] and classes["scrolls"]
    # the post's column never grows sideways (the bare test theme's header may): only a diagram's box scrolls
    assert page.evaluate(
        "() => [...document.querySelectorAll('pre.mermaid')]"
        ".every(p => p.getBoundingClientRect().right <= innerWidth)"
    )
    assert page.evaluate(
        "() => { const a = document.querySelector('article'); return a.scrollWidth <= a.clientWidth; }"
    )
    dates = page.evaluate(GANTT_DATES)
    assert len(dates) >= 4
    assert all(right <= next_left for (_, right), (next_left, _) in zip(dates, dates[1:], strict=False))
    fill = page.evaluate(
        "() => getComputedStyle(document.querySelector('#diagram-1 svg .node rect, "
        "#diagram-1 svg g.classGroup rect, #diagram-1 svg .node path')).fill"
    )
    channels = [int(c) for c in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]
    assert (sum(channels) / 3 < 128) == (mode == "dark"), fill
    assert seen["errors"] == [] and seen["dialogs"] == []
    page.screenshot(path=str(server.root.parent / f"shapes-{width}-{mode}.png"), full_page=True)
    context.close()


def test_theme_switch_draws_the_diagrams_again_in_the_new_theme(browser, server):
    context, page, seen = open_page(browser, server, SHAPES, 1280, "light")
    draw_all(page)
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('pre.mermaid')].every(p => p.dataset.theme === 'dark')",
        timeout=20000,
    )
    assert seen["errors"] == []
    context.close()


def test_mermaid_is_fetched_only_when_a_diagram_nears_the_viewport(browser, server):
    context, page, seen = open_page(browser, server, BELOW, 1280)
    assert not [u for u in seen["requests"] if "/_static/mermaid/" in u]
    assert any(u.split("?")[0].endswith("/_static/diagrams.js") for u in seen["requests"])
    draw_all(page)
    page.wait_for_timeout(2000)  # the drawing done, its last responses read
    mermaid = [u for u in seen["requests"] if "/_static/mermaid/" in u]
    assert 0 < len(mermaid) <= MERMAID_REQUESTS, len(mermaid)
    assert sum(seen["sizes"].values()) <= PAGE_BYTES, sum(seen["sizes"].values())
    assert all(u.startswith(server.url) for u in seen["requests"])
    assert page.evaluate("() => document.querySelectorAll('pre.mermaid svg').length") == 1
    context.close()


def test_a_flowchart_page_fetches_no_module_of_another_diagram_type_and_stays_in_its_budget(browser, server):
    context, page, seen = open_page(browser, server, BELOW, 1280)
    draw_all(page)
    page.wait_for_timeout(2000)  # the drawing done, its last responses read
    fetched = {
        u.split("/_static/mermaid/", 1)[1].split("?")[0] for u in seen["requests"] if "/_static/mermaid/" in u
    }
    loaders = diagrams.diagram_loaders(diagrams.site_build(DIST))
    others = {module for kind, module in loaders.items() if module != loaders["flowchart-v2"]}
    assert loaders["flowchart-v2"] in fetched
    assert not fetched & others, fetched & others
    # nor KaTeX (math in labels), nor the other layouts (cytoscape's cose-bilkent, swimlanes)
    assert not [name for name in fetched if re.search(r"/(katex|cose-bilkent|swimlanes)-", name)]
    bodies = {name: (server.root / "_static" / "mermaid" / name).read_bytes() for name in fetched}
    raw = sum(len(body) for body in bodies.values())
    zipped = sum(len(gzip.compress(body, 6)) for body in bodies.values())
    assert raw <= MERMAID_BYTES and zipped <= MERMAID_GZIPPED, (raw, zipped)
    assert all(u.startswith(server.url) for u in seen["requests"])
    context.close()


def test_a_page_without_a_diagram_fetches_nothing_of_mermaid(browser, server):
    context, page, seen = open_page(browser, server, "posts/2024/plain/", 1280)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(1000)
    assert not [u for u in seen["requests"] if "/_static/mermaid/" in u or "diagrams." in u]
    assert all(u.startswith(server.url) for u in seen["requests"])
    context.close()
