"""The end of a post, "read next": the series' next part first on a part, no post linked twice, and
the series' previous/next drawn exactly like the dated previous/next (blog.css, one set of rules).
Built with the real conf.py, templates and styles from tests/roots/test-series, plus three posts
that share its tags (so parts and the aside have related posts); looked at in Chromium.
"""

from __future__ import annotations

import posixpath
import shutil
import sys

import pytest
from checkers import REPO, add_axe
from conftest import assert_clean, run_sphinx
from test_incremental import make_site

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

FIRST = "posts/2024/first-assertion/"
FIXTURES = "posts/2024/fixtures/"
ASIDE = "posts/2024/aside/"
POSTS = [FIRST, FIXTURES, ASIDE, "posts/2024/mocks/", "posts/2024/tools/", "posts/2024/older/"]
EXTRA = {
    "mocks": ("2024-02-05", "[Testing, Misc]", "Mocks"),
    "tools": ("2024-02-03", "[Misc]", "Tools"),
    "older": ("2024-01-05", "[Misc, Testing]", "Older"),
}
READ_NEXT = ".series-nav a, nav.related-posts a, nav.post-nav a"


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


def test_a_series_part_offers_the_series_next_part_first(site):
    built, _ = site
    links = built.html(FIRST).select(READ_NEXT)
    assert links[0].get("rel") == ["next"] and "series-nav-link" in links[0]["class"]
    assert targets(FIRST, links[:1]) == [FIXTURES.rstrip("/")]
    assert built.html(FIRST).select("nav.related-posts a"), "the part should also have related posts"


@pytest.mark.parametrize("url", POSTS)
def test_read_next_never_links_a_post_twice(site, url):
    built, _ = site
    page = built.html(url)
    found = targets(url, page.select(READ_NEXT))
    assert len(found) == len(set(found)), found
    in_box = set(targets(url, page.select(".series-box a")))
    assert not in_box & set(targets(url, page.select("nav.related-posts a")))


def test_the_aside_has_dated_navigation_and_related_posts_apart(site):
    built, _ = site
    page = built.html(ASIDE)
    beside = set(targets(ASIDE, page.select("nav.post-nav a")))
    related = set(targets(ASIDE, page.select("nav.related-posts a")))
    assert beside and related and not beside & related


LOOK = """() => {
  const pick = (el, props) => Object.fromEntries(props.map(p => [p, getComputedStyle(el)[p]]));
  const link = document.querySelector('a.series-nav-link, a.post-nav-link');
  const nav = link.parentElement;
  return {
    nav: pick(nav, ['display', 'columnGap', 'marginTop', 'marginBottom']),
    columns: getComputedStyle(nav).gridTemplateColumns.split(' ').length,
    link: pick(link, ['paddingTop', 'paddingLeft', 'borderTopWidth', 'borderTopStyle', 'borderTopColor',
                      'borderTopLeftRadius', 'backgroundColor', 'textDecorationLine']),
    label: pick(link.children[0], ['fontSize', 'fontWeight', 'color', 'textTransform']),
    title: pick(link.children[1], ['fontFamily', 'fontSize', 'fontWeight', 'color', 'lineHeight']),
  };
}"""


#: Where each previous/next link starts, in the page's order.
XS = (
    "() => [...document.querySelectorAll('.series-nav a, .post-nav a')].map(a => a.getBoundingClientRect().x)"
)


def open_at(browser, server, url: str, width: int, mode: str):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    page = context.new_page()
    page.goto(server.url + url, wait_until="networkidle")
    return context, page


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_series_and_dated_navigation_look_the_same(browser, site, width, mode):
    _, server = site
    looks, boxes = [], []
    for url in (FIXTURES, ASIDE):
        context, page = open_at(browser, server, url, width, mode)
        looks.append(page.evaluate(LOOK))
        boxes.append(page.evaluate(XS))
        context.close()
    assert looks[0] == looks[1]
    assert looks[0]["columns"] == (2 if width == 1280 else 1)
    for xs in boxes:  # the next link first in the page: on the right when wide, on top on a phone
        assert (xs[0] > xs[-1]) if width == 1280 and len(xs) == 2 else len(set(xs)) == 1


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_read_next_passes_axe(browser, site, width, mode):
    _, server = site
    for url in (FIRST, FIXTURES, ASIDE):
        context, page = open_at(browser, server, url, width, mode)
        add_axe(page)
        violations = page.evaluate(
            "() => axe.run('.series-nav, .post-nav, .related-posts').then(r => r.violations.map(v => v.id))"
        )
        context.close()
        assert violations == [], (url, violations)
