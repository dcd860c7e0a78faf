"""The polish list of issue 26, checked in Chromium on the real site (and the comments on the
sharing test site): one accent colour, "Back to top" never over text, search excerpts centred on
the query's words, the Git tutorial printed in at most 20 A4 pages, no post twice at the end of a
post, the home page's H1, feed URLs that wrap only between their parts, the comments' states."""

from __future__ import annotations

import subprocess
import sys

import pytest
from checkers import REPO, add_axe
from test_sharing_browser import GISCUS_STUB, _page  # noqa: F401
from test_sharing_browser import POST as COMMENTS_POST
from test_sharing_browser import server as sharing_server  # noqa: F401 (a fixture, used by its name)

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

from blogext.pages.related import Candidate, rank_all  # noqa: E402

pytestmark = pytest.mark.browser

GIT = "posts/2023/getting-started-with-git/"
POST = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"
MODES = ("light", "dark")


@pytest.fixture(scope="module")
def real(site):
    with serve(site.outdir) as running:
        yield running


def _open(browser, real, path, width=1280, mode="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    foreign: list[str] = []

    def only_local(route):
        if route.request.url.startswith(real.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(real.url + path, wait_until="networkidle")
    page.foreign = foreign
    return context, page


def _no_axe_violations(page):
    add_axe(page)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => v.id)"
    )
    assert found == []


def _scroll_for_back_to_top(page, where="document.body.scrollHeight"):
    page.evaluate(f"() => window.scrollTo(0, {where})")
    page.wait_for_timeout(100)
    page.mouse.wheel(0, -200)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("mode", MODES)
def test_focus_rings_theme_switcher_and_back_to_top_share_the_one_accent(browser, real, mode):
    context, page = _open(browser, real, POST, 1280, mode)
    _no_axe_violations(page)  # before the hover below, whose tooltip the theme puts outside any landmark
    accent = page.evaluate("() => getComputedStyle(document.querySelector('.bd-article a')).color")
    page.keyboard.press("Tab")  # the skip link, then the next links: each focus ring in the accent
    rings = set()
    for _ in range(6):
        page.keyboard.press("Tab")
        rings.add(page.evaluate("() => getComputedStyle(document.activeElement).outlineColor"))
    switcher = page.locator(".bd-header .theme-switch-button")
    switcher.hover()
    hovered = switcher.evaluate("e => getComputedStyle(e).color")
    _scroll_for_back_to_top(page, "2500")
    back = page.locator("#pst-back-to-top")
    assert back.is_visible()
    back_colour = back.evaluate("e => getComputedStyle(e).backgroundColor")
    assert rings == {accent} and hovered == accent and back_colour == accent, (
        accent,
        rings,
        hovered,
        back_colour,
    )
    context.close()


def _overlaps(page) -> list[str]:
    """The text elements of the article and footer that "Back to top" covers (when it is shown)."""
    return page.evaluate(
        """() => {
      const b = document.getElementById('pst-back-to-top');
      if (getComputedStyle(b).display === 'none') return [];
      const r = b.getBoundingClientRect();
      const hit = [];
      const text = '.bd-article p, .bd-article li, .bd-article pre, .bd-article h2,'
          + ' .bd-footer p, .bd-footer a, .bd-sidebar-secondary a';
      for (const e of document.querySelectorAll(text)) {
        for (const q of e.getClientRects()) {
          const over = q.right > r.left && q.left < r.right && q.bottom > r.top && q.top < r.bottom;
          if (over) hit.push(e.textContent.slice(0, 40));
        }
      }
      return hit;
    }"""
    )


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", [POST, GIT])
def test_back_to_top_never_covers_text(browser, real, width, path):
    context, page = _open(browser, real, path, width, "light")
    for where in ("1500", "document.body.scrollHeight"):
        _scroll_for_back_to_top(page, where)
        assert page.locator("#pst-back-to-top").is_visible() == (width == 1280)
        assert _overlaps(page) == [], (where, _overlaps(page))
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_search_excerpt_is_centred_on_every_word_searched_and_marks_them(browser, real, width):
    context, page = _open(browser, real, "search/?q=git%20commit", width, "dark")
    page.wait_for_function("() => document.querySelectorAll('.blog-search-result-excerpt').length > 0")
    excerpts = page.locator(".blog-search-result-excerpt")
    marks = [m.lower().strip(".,:") for m in excerpts.first.locator("mark").all_inner_texts()]
    assert "git" in marks and "commit" in marks, marks
    for text in excerpts.all_inner_texts():
        assert not text.startswith(("Getting Started With GIT", "Started With", "a GIT", "What a GIT")), text

    _no_axe_violations(page)
    context.close()


def test_the_git_tutorial_prints_in_at_most_20_a4_pages(browser, real, tmp_path):
    context, page = _open(browser, real, GIT)
    pdf = tmp_path / "git.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages <= 20
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    filled = [len([line for line in p.splitlines() if line.strip()]) for p in text.split("\f")[:pages]]
    # No near-empty page before the last (a page holds about 40 lines at this size).
    assert min(filled[:-1]) >= 15, filled


def test_related_posts_never_repeat_the_previous_or_next_post():
    def post(name, day):
        return Candidate(
            name, name, __import__("datetime").datetime(2024, 1, day), frozenset({"git"}), None, None
        )

    posts = {p.docname: p for p in (post("a", 1), post("b", 2), post("c", 3), post("d", 4), post("e", 5))}
    found = {name: [p.docname for p in others] for name, others in rank_all(posts, 3).items()}
    assert found["c"] == ["e", "a"]  # not b or d, its previous and next
    assert found["a"] == ["e", "d", "c"]


def test_real_posts_never_offer_a_post_twice_at_their_end(site):
    for path in (POST, GIT, "posts/2023/what-a-git/"):
        page = site.html(path)
        offered = [a["href"] for a in page.select("nav.read-next a")]
        assert offered and len(offered) == len(set(offered)), path


@pytest.mark.parametrize("mode", MODES)
def test_home_h1_does_not_repeat_the_navbar_name(browser, real, mode):
    context, page = _open(browser, real, "", 390, mode)
    h1 = page.locator("h1").first.inner_text()
    assert h1 != page.locator(".navbar-brand").first.inner_text().strip()
    assert h1 == "Notes from a machine-learning engineer"
    context.close()


@pytest.mark.parametrize("mode", MODES)
def test_feed_urls_in_the_footer_wrap_only_after_a_slash_on_a_phone(browser, real, mode):
    context, page = _open(browser, real, "blog/tag/git/", 390, mode)
    links = page.locator(".blog-subscribe-link")
    assert links.count() == 2
    pieces = page.evaluate(
        """() => [...document.querySelectorAll('.blog-subscribe-link')].flatMap(a => [...a.childNodes]
        .filter(n => n.nodeType === 3).map(n => { const r = document.createRange(); r.selectNodeContents(n);
          return [n.textContent, r.getClientRects().length]; }))"""
    )
    assert all(lines == 1 for _, lines in pieces), pieces
    assert "".join(text for text, _ in pieces).count("https://") == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.parametrize("mode", MODES)
def test_comments_say_loading_then_shown(browser, sharing_server, mode):  # noqa: F811
    context, page = _page(browser, sharing_server, [], mode, width=390)
    page.goto(sharing_server.url + COMMENTS_POST, wait_until="networkidle")
    status = page.get_by_role("status").filter(has_text="omments")
    page.get_by_role("button", name="Show comments (loads giscus.app)").click()
    page.wait_for_function("() => document.querySelector('.blog-comments').dataset.state === 'loaded'")
    assert status.inner_text().startswith("Comments are shown below, from giscus.app")
    assert not page.locator(".blog-comments-note").is_visible()  # "not loaded yet" no longer said
    _no_axe_violations(page)
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_comments_say_when_loading_failed_and_offer_to_try_again(browser, sharing_server, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    attempts: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(sharing_server.url):
            return route.continue_()
        attempts.append(url)
        if url == "https://giscus.app/client.js" and len(attempts) > 1:
            return route.fulfill(status=200, content_type="text/javascript", body=GISCUS_STUB)
        route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(sharing_server.url + COMMENTS_POST, wait_until="networkidle")
    page.get_by_role("button", name="Show comments (loads giscus.app)").click()
    page.wait_for_function("() => document.querySelector('.blog-comments').dataset.state === 'failed'")
    assert "could not be loaded from giscus.app" in page.locator(".blog-comments-status").inner_text()
    again = page.get_by_role("button", name="Try again")
    assert page.evaluate("() => document.activeElement.textContent") == "Try again"
    _no_axe_violations(page)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.blog-comments').dataset.state === 'loaded'")
    assert again.count() == 0
    assert attempts[:2] == ["https://giscus.app/client.js", "https://giscus.app/client.js"]
    context.close()
