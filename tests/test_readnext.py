"""The end of a post, "read next" (blogext.pages.readnext): one block, one heading, one list, in one order
(the series' next part, its previous part, the series' page on the last part; else the newer and the
older post by date; then related posts), no post twice, each entry saying why it is there.
Built with the real conf.py, templates and styles from tests/roots/test-series, plus three posts
that share its tags (so parts and the aside have related posts); looked at in Chromium.

By date: Older (5 Jan), Fixtures (part 2 of "basics", 20 Jan), An aside (1 Feb), Tools (3 Feb),
Mocks (5 Feb), The first assertion (part 1, 10 Feb), Packaging and Serving ("deploys", March).
"""

from __future__ import annotations

import posixpath
import shutil
import sys

import pytest
from checkers import REPO, add_axe
from conftest import assert_clean, make_site, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

FIRST = "posts/2024/first-assertion/"
FIXTURES = "posts/2024/fixtures/"
ASIDE = "posts/2024/aside/"
SERVING = "posts/2024/serving/"
BASICS = "series/basics"
POSTS = [FIRST, FIXTURES, ASIDE, "posts/2024/mocks/", "posts/2024/tools/", "posts/2024/older/", SERVING]
EXTRA = {
    "mocks": ("2024-02-05", "[Testing, Misc]", "Mocks"),
    "tools": ("2024-02-03", "[Misc]", "Tools"),
    "older": ("2024-01-05", "[Misc, Testing]", "Older"),
}
#: The kinds of entry, in the order the block gives them.
ORDER = ["series-next", "series-prev", "series-overview", "newer", "older", "related"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("readnext")
    src = make_site("series", work / "src")
    for name, (date, tags, title) in EXTRA.items():
        text = f"---\ndate: {date}\ntags: {tags}\n---\n\n# {title}\n\n{title} excerpt.\n"
        (src / f"posts/2024/{name}.md").write_text(text, "utf-8")
    built = assert_clean(run_sphinx(src, work / "html", env={"BLOG_TODAY": "2024-06-01"}))
    with serve(built.outdir) as server:
        yield built, server
    shutil.rmtree(work, ignore_errors=True)


def targets(url: str, links) -> list[str]:
    return [posixpath.normpath(posixpath.join(url, a["href"])) for a in links]


def block(built, url: str):
    found = built.html(url).select("nav.read-next")
    assert len(found) == 1, f"{url} has {len(found)} read-next blocks"
    return found[0]


def kinds(built, url: str) -> list[str]:
    return [
        next(c.removeprefix("read-next-") for c in li["class"] if c != "read-next-item")
        for li in block(built, url).select("li.read-next-item")
    ]


def entry(built, url: str, kind: str):
    return block(built, url).select_one(f".read-next-{kind} a.read-next-link")


@pytest.mark.parametrize("url", POSTS)
def test_a_post_ends_with_one_labelled_read_next_list_and_no_other(site, url):
    built, _ = site
    page = built.html(url)
    nav = block(built, url)
    heading = nav.select_one("h2")
    assert heading.get_text() == "Read next" and nav["aria-labelledby"] == heading["id"]
    assert page.select(f"#{heading['id']}") == [heading]
    assert [child.name for child in nav.find_all(recursive=False)] == ["h2", "ul"]
    assert page.select(".series-nav, .post-nav, .related-posts") == []
    assert page.select("aside.author-card, nav.read-next")[-1] is nav, "after the author card"


@pytest.mark.parametrize("url", POSTS)
def test_read_next_gives_its_entries_in_one_order_and_never_a_post_twice(site, url):
    built, _ = site
    found = kinds(built, url)
    assert found == sorted(found, key=ORDER.index), found
    links = targets(url, block(built, url).select("a"))
    assert len(links) == len(set(links)), links
    assert url.rstrip("/") not in links
    in_box = set(targets(url, built.html(url).select(".series-box a")))
    assert not in_box & set(targets(url, block(built, url).select(".read-next-related a")))


@pytest.mark.parametrize("url", POSTS)
def test_each_entry_says_why_it_is_there_in_its_link_text(site, url):
    built, _ = site
    why = {
        "series-next": "Next in series, part ",
        "series-prev": "Previous in series, part ",
        "series-overview": "Series overview",
        "newer": "Newer",
        "older": "Older",
        "related": "Related",
    }
    for li in block(built, url).select("li.read-next-item"):
        kind = next(c.removeprefix("read-next-") for c in li["class"] if c != "read-next-item")
        link = li.select_one("a.read-next-link")
        assert link.select_one(".read-next-why").get_text().startswith(why[kind])
        assert link.get_text(" ", strip=True).startswith(why[kind]), "the reason is part of the link's name"


def test_a_series_part_offers_the_series_next_part_first(site):
    built, _ = site
    first = block(built, FIRST).select_one("a")
    assert first.get("rel") == ["next"]
    assert first.select_one(".read-next-why").get_text() == "Next in series, part 2"
    assert targets(FIRST, [first]) == [FIXTURES.rstrip("/")]
    found = kinds(built, FIRST)
    assert found[0] == "series-next" and found[1:] and set(found[1:]) == {"related"}, found


def test_the_last_part_offers_its_previous_part_then_the_series_page(site):
    built, _ = site
    assert kinds(built, FIXTURES)[:2] == ["series-prev", "series-overview"]
    prev = entry(built, FIXTURES, "series-prev")
    assert prev.get("rel") == ["prev"] and targets(FIXTURES, [prev]) == [FIRST.rstrip("/")]
    assert prev.select_one(".read-next-why").get_text() == "Previous in series, part 1"
    overview = entry(built, FIXTURES, "series-overview")
    assert targets(FIXTURES, [overview]) == [BASICS] and overview.get("rel") is None
    assert overview.select_one("time") is None


def test_a_part_offers_no_neighbours_by_date(site):
    # By date, "An aside" sits just after Fixtures: the series' own parts take the neighbours' place.
    built, _ = site
    for url in (FIRST, FIXTURES, SERVING):
        assert not {"newer", "older"} & set(kinds(built, url)), url


def test_a_post_outside_a_series_offers_the_newer_then_the_older_post_then_related_ones(site):
    built, _ = site
    assert kinds(built, ASIDE)[:2] == ["newer", "older"]
    newer, older = entry(built, ASIDE, "newer"), entry(built, ASIDE, "older")
    assert newer.get("rel") == ["next"] and targets(ASIDE, [newer]) == ["posts/2024/tools"]
    assert older.get("rel") == ["prev"] and targets(ASIDE, [older]) == [FIXTURES.rstrip("/")]
    assert older.select_one("time")["datetime"] == "2024-01-20"
    assert "related" in kinds(built, ASIDE)


def test_read_next_styles_load_only_with_the_block(site):
    built, _ = site
    assert built.html(ASIDE).select_one('link[href*="readnext.css"]')
    assert built.html("").select_one('link[href*="readnext.css"]') is None


def open_at(browser, server, url: str, width: int, mode: str):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    page = context.new_page()
    page.goto(server.url + url, wait_until="networkidle")
    return context, page


#: Where each card of the block is, in the page's order, and whether anything runs past the page.
CARDS = """() => ({
  boxes: [...document.querySelectorAll('nav.read-next a.read-next-link')].map(a => {
    const r = a.getBoundingClientRect();
    return {x: Math.round(r.x), y: Math.round(r.y), right: Math.round(r.right), height: Math.round(r.height)};
  }),
  overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_read_next_cards_read_in_the_lists_order_side_by_side_when_wide(browser, site, width, mode):
    _, server = site
    for url in (FIRST, FIXTURES, ASIDE):
        context, page = open_at(browser, server, url, width, mode)
        found = page.evaluate(CARDS)
        context.close()
        boxes = found["boxes"]
        assert len(boxes) >= 2 and not found["overflow"], (url, found)
        # Reading order (top to bottom, left to right) is the list's order, which is the Tab order.
        assert boxes == sorted(boxes, key=lambda b: (b["y"], b["x"])), (url, boxes)
        if width == 1280:
            assert boxes[1]["y"] == boxes[0]["y"] and boxes[1]["x"] > boxes[0]["x"], (url, boxes)
        else:
            assert len({b["x"] for b in boxes}) == 1, (url, boxes)
        assert all(b["height"] >= 48 for b in boxes), "each card is a large target"


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_read_next_is_reached_by_the_keyboard_in_the_lists_order(browser, site, mode):
    _, server = site
    context, page = open_at(browser, server, ASIDE, 1280, mode)
    page.focus("nav.read-next a.read-next-link")
    order = [page.evaluate("() => document.activeElement.getAttribute('href')")]
    for _ in range(len(page.query_selector_all("nav.read-next a")) - 1):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.getAttribute('href')"))
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    expected = page.evaluate(
        "() => [...document.querySelectorAll('nav.read-next a')].map(a => a.getAttribute('href'))"
    )
    context.close()
    assert order == expected and ring != "none"


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_read_next_passes_axe(browser, site, width, mode):
    _, server = site
    for url in (FIRST, FIXTURES, ASIDE):
        context, page = open_at(browser, server, url, width, mode)
        add_axe(page)
        violations = page.evaluate("() => axe.run('.read-next').then(r => r.violations.map(v => v.id))")
        context.close()
        assert violations == [], (url, violations)
