"""Post text reaches pages as text, never as markup: attacks in titles, tags, a category, an author,
descriptions and a series title (the ``test-escaping`` site, built with the site's own templates).

Every page of that site is parsed (lxml, as browsers build the tree) and checked: no element or
attribute came from post text, a title's inline code shows as ``<code>`` wherever the title is
shown, ``<title>`` and the Open Graph tags are intact, and the JSON-LD parses and holds the exact
text. Then every page is opened in Chromium: no dialog, no console error, no request to another
host. The templates Sphinx renders without autoescape are checked to escape every value.
"""

from __future__ import annotations

import json
import re
import sys

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, ROOTS, BuiltSite, assert_clean, run_sphinx

IMG_TITLE = "Why <img src=x onerror=alert(1)> works"
SCRIPT_TITLE = "Why <script defer> matters"
CLOSING_TITLE = "Closing </script><!-- in a title & more"
TAG, CATEGORY, AUTHOR = "<b>bold</b>", '"><svg onload=alert(2)>', "<u>Eve</u> & co"
DESCRIPTIONS = {
    "posts/2024/img-title/": "<!--<script>",
    "posts/2024/script-title/": "</script><script>alert(3)</script>",
}
SERIES_TITLE = "Escaping <i> and friends"
POSTS = {
    "posts/2024/img-title/": IMG_TITLE,
    "posts/2024/script-title/": SCRIPT_TITLE,
    "posts/2024/closing/": CLOSING_TITLE,
    "posts/2024/plain/": "A plain post",
}
LD_JSON = "application/ld+json"
#: Elements no page of this site has but through post text.
INJECTED = {"img", "svg", "b", "u"}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("escaping")
    return assert_clean(run_sphinx(ROOTS / "test-escaping", work / "html"))


def page_urls(site: BuiltSite) -> list[str]:
    """URL path of every page of the site (``404.html`` included), outside ``_static``."""
    urls = []
    for path in sorted(site.outdir.rglob("*.html")):
        relative = path.relative_to(site.outdir).as_posix()
        if not relative.startswith("_static/"):
            urls.append(relative.removesuffix("index.html"))
    return urls


def soup(site: BuiltSite, url: str) -> BeautifulSoup:
    return BeautifulSoup(site.path(url).read_text("utf-8"), "lxml")


def code_texts(element) -> list[str]:
    return [code.get_text() for code in element.find_all("code")]


# -- No markup from post text ------------------------------------------------------------------------


def test_no_element_or_attribute_on_any_page_comes_from_post_text(attacked):
    found = []
    for url in page_urls(attacked):
        for element in soup(attacked, url).find_all(True):
            handlers = [name for name in element.attrs if name.lower().startswith("on")]
            if handlers or element.name in INJECTED or (element.name == "i" and not element.get("class")):
                found.append(f"{url}: <{element.name} {handlers}>")
            # (JSON-LD holds the text as data, escaped: checked below.)
            if element.name == "script" and not element.get("src") and element.get("type") != LD_JSON:
                text = element.string or ""
                if "alert(" in text or "<script" in text or "defer>" in text:
                    found.append(f"{url}: script {text[:80]!r}")
    assert found == []


def test_every_page_has_its_title_and_head_whatever_the_descriptions_hold(attacked):
    for url in page_urls(attacked):
        page = soup(attacked, url)
        assert page.title is not None and page.title.get_text().strip(), url
        assert page.find("meta", attrs={"name": "description"}) is not None, url
        # The theme's stylesheet and scripts are still elements: no text before them swallowed them.
        assert page.find("link", rel="stylesheet", href=re.compile("pydata-sphinx-theme")) is not None, url
        assert page.find("script", src=re.compile("pydata-sphinx-theme")) is not None, url


def test_a_posts_title_description_and_open_graph_tags_hold_the_exact_text(attacked):
    for url, title in POSTS.items():
        page = soup(attacked, url)
        assert page.title.get_text().startswith(f"{title} — "), url
        og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
        assert og["og:title"] == title and og["og:type"] == "article", url
        assert og["og:url"] == f"https://blog.example.org/{url}"
        if url in DESCRIPTIONS:
            assert page.find("meta", attrs={"name": "description"})["content"] == DESCRIPTIONS[url]
            assert og["og:description"] == DESCRIPTIONS[url]


def test_json_ld_parses_and_holds_the_exact_text_with_no_angle_bracket_or_ampersand(attacked):
    for url, title in POSTS.items():
        [script] = soup(attacked, url).find_all("script", type=LD_JSON)
        text = script.string
        assert not set("<>&") & set(text), url
        posting, crumbs = json.loads(text)["@graph"]
        assert posting["headline"] == title and crumbs["itemListElement"][-1]["name"] == title
        assert sorted(posting["keywords"]) == (
            ["Security"] if url == "posts/2024/plain/" else [TAG, "Security"]
        )
        assert posting["articleSection"] == CATEGORY
        if url in DESCRIPTIONS:
            assert posting["description"] == DESCRIPTIONS[url]
    script = soup(attacked, "posts/2024/img-title/").find("script", type=LD_JSON)
    assert json.loads(script.string)["@graph"][0]["author"] == [{"@type": "Person", "name": AUTHOR}]


# -- Titles shown as their text, inline code as code ---------------------------------------------------

#: Where each title is shown on another page: URL -> CSS selector of the places.
TITLE_PLACES = {
    "": ".post-card-title",
    "blog/": ".post-card-title",
    "blog/2024/": ".post-card-title",
    "blog/tag/bboldb/": ".post-card-title",
    "blog/category/svg-onloadalert2/": ".post-card-title",
    "blog/author/ueveu-co/": ".post-card-title",
    "blog/tag/": ".catalog-posts a",
    "blog/category/": ".catalog-posts a",
    "blog/author/": ".catalog-posts a",
    "blog/archive/": ".catalog-posts a",
    "series/escaping/": ".series-part-title a",
}


@pytest.mark.parametrize("url", list(TITLE_PLACES))
def test_a_title_with_inline_code_shows_it_as_code_in_lists_and_cards(attacked, url):
    places = soup(attacked, url).select(TITLE_PLACES[url])
    shown = {place.get_text(" ", strip=True): code_texts(place) for place in places}
    assert shown[IMG_TITLE] == ["<img src=x onerror=alert(1)>"]
    assert shown[SCRIPT_TITLE] == ["<script defer>"]


def test_read_next_and_recent_posts_show_titles_with_code(attacked):
    closing = soup(attacked, "posts/2024/closing/")
    related = {
        a.get_text(" ", strip=True): code_texts(a)
        for a in closing.select(".read-next-related .read-next-title")
    }
    assert related[IMG_TITLE] == ["<img src=x onerror=alert(1)>"]
    assert SCRIPT_TITLE not in related  # it is the older post: the end of a post offers it once
    previous = closing.select_one(".read-next-older .read-next-title")
    assert code_texts(previous) == ["<script defer>"]
    plain = soup(attacked, "posts/2024/plain/")
    assert code_texts(plain.select_one(".read-next-older .read-next-title")) == ["</script><!--"]
    recent = {a.get_text(" ", strip=True): code_texts(a) for a in plain.select(".blog-recent-posts li a")}
    assert recent[IMG_TITLE] == ["<img src=x onerror=alert(1)>"]
    assert recent[CLOSING_TITLE] == ["</script><!--"]


def test_series_box_read_next_page_list_and_card_show_titles_with_code(attacked):
    part = soup(attacked, "posts/2024/img-title/")
    box = part.select_one(".series-box")
    assert box["aria-label"] == f"Series: {SERIES_TITLE}"
    assert code_texts(box.select_one(".series-box-title")) == ["<i>"]
    assert [code_texts(li) for li in box.select(".series-box-parts > li")] == [
        ["<img src=x onerror=alert(1)>"],
        ["<script defer>"],
    ]
    assert code_texts(part.select_one(".read-next-series-next .read-next-title")) == ["<script defer>"]
    assert code_texts(soup(attacked, "series/").select_one(".series-list-title")) == ["<i>"]
    home = soup(attacked, "")
    card = home.select_one(".series-card")
    assert code_texts(card.select_one(".post-card-title")) == ["<i>"]
    assert code_texts(card.select_one(".series-card-start")) == ["<img src=x onerror=alert(1)>"]


def test_tag_category_and_author_names_are_text_on_their_archive_pages(attacked):
    for url, title in {
        "blog/tag/bboldb/": f"Posts tagged {TAG}",
        "blog/category/svg-onloadalert2/": f"Posts in {CATEGORY}",
        "blog/author/ueveu-co/": f"Posts by {AUTHOR}",
    }.items():
        page = soup(attacked, url)
        assert page.select_one("h1.archive-title").get_text() == title
        assert page.title.get_text().startswith(f"{title} — ")
        # Link previews read the same text, not its HTML escapes shown as text (&lt;b&gt;).
        og_title = page.select_one('meta[property="og:title"]')["content"]
        assert og_title == title, (url, og_title)
        assert page.select_one('meta[name="description"]')["content"].startswith(f"{title}: "), url
    tags = soup(attacked, "blog/tag/").select_one(".catalog-index").get_text(" ", strip=True)
    assert TAG in tags
    post = soup(attacked, "posts/2024/img-title/")
    assert [a.get_text() for a in post.select(".post-meta .post-tag")] == [TAG, "Security"]
    assert post.select_one(".post-meta .post-category-link").get_text() == CATEGORY


# -- Templates Sphinx renders without autoescape --------------------------------------------------------

_EXPRESSION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
#: Values that are HTML by contract: the comments section (blogext.pages.comments, from conf.py only) and the
#: share links (blogext.pages.sharelinks, rendered by blogext.core.safehtml, which escapes the post's title
#: and URL).
_HTML_VALUES = {"blog_comments_html", "blog_share_html"}


@pytest.mark.parametrize("template", sorted(p.name for p in (REPO / "_templates" / "ablog").glob("*.html")))
def test_ablog_templates_escape_every_value(template):
    source = (REPO / "_templates" / "ablog" / template).read_text("utf-8")
    unescaped = [
        e
        for e in _EXPRESSION.findall(re.sub(r"\{#.*?#\}", "", source, flags=re.S))
        if not e.endswith("|e") and e not in _HTML_VALUES and not e.startswith("blog_component(")
    ]
    assert unescaped == [], f"{template} prints values without |e"


# -- In a browser -------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_every_page_in_chromium_fires_no_dialog_logs_no_error_and_loads_nothing_from_elsewhere(
    attacked, browser
):
    sys.path.insert(0, str(REPO / "tools"))
    from siteserver import serve

    problems: list[str] = []
    with serve(attacked.outdir) as server:
        for url in page_urls(attacked):
            context = browser.new_context()

            def only_local(route, url=url):
                if route.request.url.startswith(server.url):
                    route.continue_()
                else:
                    problems.append(f"{url}: request to {route.request.url}")
                    route.abort()

            context.route("**/*", only_local)
            page = context.new_page()
            page.on("dialog", lambda d, url=url: (problems.append(f"{url}: dialog {d.message}"), d.dismiss()))
            page.on("console", lambda m, url=url: m.type == "error" and problems.append(f"{url}: {m.text}"))
            page.on("pageerror", lambda error, url=url: problems.append(f"{url}: uncaught {error}"))
            response = page.goto(server.url + url, wait_until="networkidle")
            assert response is not None and response.status == 200, url
            page.wait_for_timeout(100)  # a deferred or delayed script would have run by now
            context.close()
    assert problems == []
