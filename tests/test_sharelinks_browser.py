"""Share links and visible breadcrumbs on the real site, in Chromium: plain links with the right
URLs, nothing requested from another host before a click, the Web Share button only where the
browser has the API, breadcrumbs that say what the post's BreadcrumbList says."""

from __future__ import annotations

import json
import sys
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from checkers import REPO, add_axe

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

from blogext.pages.sharelinks import links  # noqa: E402

pytestmark = pytest.mark.browser

POST = "posts/2023/what-a-git/"
CANONICAL = "https://shrutiturner.github.io/posts/2023/what-a-git/"


@pytest.fixture(scope="module")
def real(site):
    with serve(site.outdir) as running:
        yield running


def test_share_links_carry_the_title_and_canonical_url_escaped():
    found = dict(links('A <b>"quoted"</b> & title', "https://x.org/p/?a=1&b=2"))
    assert list(found) == ["Mastodon", "Bluesky", "LinkedIn", "Hacker News", "Email"]
    query = {name: parse_qs(urlsplit(href).query) for name, href in found.items()}
    assert query["Mastodon"] == {"text": ['A <b>"quoted"</b> & title'], "url": ["https://x.org/p/?a=1&b=2"]}
    assert query["Bluesky"] == {"text": ['A <b>"quoted"</b> & title https://x.org/p/?a=1&b=2']}
    assert query["LinkedIn"] == {"url": ["https://x.org/p/?a=1&b=2"]}
    assert query["Hacker News"] == {"u": ["https://x.org/p/?a=1&b=2"], "t": ['A <b>"quoted"</b> & title']}
    assert found["Email"].startswith("mailto:?subject=A%20%3Cb%3E")
    assert all("<" not in href and '"' not in href for href in found.values())


def test_share_links_are_plain_links_on_posts_only(site):
    page = site.html(POST)
    anchors = page.select("nav.blog-share a.blog-share-link")
    hosts = [urlsplit(a["href"]).netloc or urlsplit(a["href"]).scheme for a in anchors]
    assert hosts == ["mastodonshare.com", "bsky.app", "www.linkedin.com", "news.ycombinator.com", "mailto"]
    for a in anchors:
        assert CANONICAL in json.dumps(parse_qs(urlsplit(a["href"]).query)), a["href"]
        assert not [k for k in a.attrs if k.startswith("on")]
    assert page.select_one("button.blog-share-native").has_attr("hidden")
    assert site.html("").select_one(".blog-share, .blog-breadcrumbs") is None
    assert site.html("about/").select_one(".blog-share, .blog-breadcrumbs") is None
    assert site.html("blog/tag/git/").select_one(".blog-share, .blog-breadcrumbs") is None


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_nothing_is_requested_from_another_host_before_a_click(browser, real, width, mode):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    foreign: list[str] = []

    def route(route):
        if route.request.url.startswith(real.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<title>share</title>")

    context.route("**/*", route)
    page = context.new_page()
    page.goto(real.url + POST, wait_until="networkidle")
    share = page.get_by_role("navigation", name="Share this post")
    assert share.is_visible()
    assert [a.inner_text() for a in share.get_by_role("link").all()] == [
        "Mastodon", "Bluesky", "LinkedIn", "Hacker News", "Email"]  # fmt: skip
    # Headless Chromium has no Web Share API: the button stays hidden.
    assert page.evaluate("() => typeof navigator.share") == "undefined"
    assert not page.locator(".blog-share-native").is_visible()
    share.get_by_role("link", name="Bluesky").focus()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    add_axe(page)
    assert (
        page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => v.id)"
        )
        == []
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert foreign == []
    with page.expect_navigation():
        share.get_by_role("link", name="Hacker News").click()
    assert foreign and urlsplit(foreign[0]).netloc == "news.ycombinator.com"
    context.close()


def test_the_share_button_uses_the_web_share_api_where_there_is_one(browser, real):
    context = browser.new_context()
    context.add_init_script(
        "navigator.share = (data) => { window.shared = data; return Promise.resolve(); };"
    )
    page = context.new_page()
    page.goto(real.url + POST, wait_until="networkidle")
    button = page.get_by_role("button", name="Share…")
    assert button.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.shared !== undefined")
    assert page.evaluate("window.shared") == {"title": "What a GIT.", "url": CANONICAL}
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_breadcrumbs_show_what_the_structured_data_says(browser, real, width, mode):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    page = context.new_page()
    page.goto(real.url + POST, wait_until="networkidle")
    data = json.loads(page.locator('script[type="application/ld+json"]').first.text_content())
    trail = next(n for n in data["@graph"] if n["@type"] == "BreadcrumbList")["itemListElement"]
    nav = page.get_by_role("navigation", name="Breadcrumb")
    assert nav.is_visible()
    items = nav.locator("li").all()
    assert [i.inner_text().strip() for i in items] == [t["name"] for t in trail]
    for item, crumb in zip(items[:-1], trail[:-1], strict=True):
        href = item.locator("a").get_attribute("href")
        assert urlsplit(urljoin(page.url, href)).path == urlsplit(crumb["item"]).path
    assert items[-1].get_attribute("aria-current") == "page" and items[-1].locator("a").count() == 0
    assert urlsplit(trail[-1]["item"]).path == urlsplit(page.url).path
    # Above the title, inside the page's width.
    box, title = nav.bounding_box(), page.locator("article h1").first.bounding_box()
    assert box["y"] + box["height"] <= title["y"] and box["x"] + box["width"] <= width
    nav.get_by_role("link", name="Blog").focus()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    context.close()
