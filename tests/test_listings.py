"""Listing pages (blogext.pages.listing, _templates/ablog/collection.html, _static/listing.js): the archive
pages filter by tag, category and year and sort (newest, oldest, title). Without JavaScript the filters
are links to each tag's, category's and year's own page; with it they filter in place and the view is
kept in the URL's query. Built with the real conf.py, templates and styles from tests/roots/test-basic,
plus one post whose title is an attack; served on 127.0.0.1 and checked in Chromium.
"""

from __future__ import annotations

import shutil
import sys
from urllib.parse import urlsplit

import pytest
from checkers import REPO, add_axe
from conftest import assert_clean, make_site, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

ALL = "blog/"
ATTACK = '# Tom & Jerry `"><script>x</script>`\n\nAttack excerpt.\n'
SHOWN = 'Tom & Jerry "><script>x</script>'


def titles(page) -> list[str]:
    return page.eval_on_selector_all(
        "li.post-card:not([hidden]) .post-card-title", "els => els.map(e => e.textContent.trim())"
    )


@pytest.fixture(scope="module")
def listing_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("listing")
    src = make_site("basic", work / "src")
    (src / "posts/2024/attack.md").write_text(
        "---\ndate: 2024-03-05\ntags: [Python]\ncategory: Notes\n---\n\n" + ATTACK, "utf-8"
    )
    built = assert_clean(run_sphinx(src, work / "html", env={"BLOG_TODAY": "2024-06-01"}))
    with serve(built.outdir) as server:
        yield built, server
    shutil.rmtree(work, ignore_errors=True)


# -- without a browser: what the page holds -------------------------------------------------------


def test_listing_filters_are_links_to_each_tag_category_and_year_page(listing_site):
    built, _ = listing_site
    page = built.html(ALL)
    links = {(a["data-param"], a["data-value"]): a["href"] for a in page.select("a.listing-filter")}
    assert links == {
        ("tag", "python"): "tag/python/",
        ("tag", "testing"): "tag/testing/",
        ("category", "notes"): "category/notes/",
        ("category", "tutorials"): "category/tutorials/",
        ("year", "2024"): "2024/",
        ("year", "2023"): "2023/",
    }
    for href in links.values():
        assert (built.outdir / "blog" / href / "index.html").is_file(), href


def test_listing_cards_carry_escaped_data_and_the_sort_buttons_wait_for_javascript(listing_site):
    built, _ = listing_site
    raw = built.path(ALL).read_text("utf-8")
    assert "<script>x</script>" not in raw
    page = built.html(ALL)
    card = next(li for li in page.select("li.post-card") if "attack" in li.select_one("a")["href"])
    assert card["data-title"] == SHOWN.casefold()
    assert (card["data-year"], card["data-tags"], card["data-category"]) == ("2024", "python", "notes")
    assert page.select_one(".listing-sort").has_attr("hidden")


def test_a_post_page_loads_no_listing_script(listing_site):
    built, _ = listing_site
    assert "listing.js" not in built.path("posts/2024/alpha/").read_text("utf-8")


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture
def open_page(browser, listing_site):
    _, server = listing_site
    contexts = []

    def _open(path: str, width: int = 1280, mode: str = "light", js: bool = True):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=mode, java_script_enabled=js
        )
        contexts.append(context)
        page = context.new_page()
        page.requested, page.dialogs = [], []
        page.on("request", lambda r: page.requested.append(r.url))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(server.url + path, wait_until="networkidle")
        page.server_url = server.url
        return page

    yield _open
    for context in contexts:
        context.close()


def ready(page) -> None:
    page.wait_for_function("() => !document.querySelector('.listing-sort').hidden")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_listing_filters_and_sorts_in_place_and_keeps_the_view_in_the_url(open_page, width, mode):
    page = open_page(ALL, width, mode)
    ready(page)
    assert titles(page) == [SHOWN, "Beta post", "Alpha post", "Gamma post"]
    page.locator("a.listing-filter[data-value='testing']").click()
    assert titles(page) == ["Alpha post", "Gamma post"]
    page.locator(".listing-sort-button[data-sort='oldest']").click()
    assert titles(page) == ["Gamma post", "Alpha post"]
    assert urlsplit(page.url).query == "tag=testing&sort=oldest"
    assert page.locator(".listing-status").inner_text() == "Showing 2 of 4 posts."
    assert page.locator("a.listing-filter[data-value='testing']").get_attribute("aria-current") == "true"
    page.locator("a.listing-filter[data-value='testing']").click()  # again: the filter is lifted
    assert len(titles(page)) == 4 and urlsplit(page.url).query == "sort=oldest"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    add_axe(page)
    violations = page.evaluate("() => axe.run().then(r => r.violations.map(v => v.id))")
    assert violations == []
    assert page.dialogs == []
    assert all(urlsplit(url).netloc == urlsplit(page.server_url).netloc for url in page.requested)


@pytest.mark.browser
def test_a_shared_filtered_url_opens_filtered_and_the_back_button_restores(open_page):
    page = open_page(ALL + "?category=notes&year=2024&sort=title")
    ready(page)
    assert titles(page) == ["Beta post", SHOWN]
    assert page.locator(".listing-sort-button[data-sort='title']").get_attribute("aria-pressed") == "true"
    page.locator("a.listing-filter[data-value='notes']").click()
    assert len(titles(page)) == 3
    page.go_back()
    page.wait_for_function("() => document.querySelectorAll('li.post-card:not([hidden])').length === 2")


@pytest.mark.browser
def test_listing_works_from_the_keyboard(open_page):
    page = open_page(ALL, 390, "dark")
    ready(page)
    page.locator("a.listing-filter[data-value='tutorials']").focus()
    page.keyboard.press("Enter")
    assert titles(page) == ["Alpha post"]
    page.locator(".listing-sort-button[data-sort='title']").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('sort=title')")
    assert urlsplit(page.url).query == "category=tutorials&sort=title"
    focused = page.evaluate("() => document.activeElement.dataset.sort")
    assert focused == "title"


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_without_javascript_the_filters_open_each_page_and_no_sort_is_offered(open_page, width):
    page = open_page(ALL, width, "light", js=False)
    assert not page.locator(".listing-sort").is_visible()
    assert len(titles(page)) == 4
    assert page.locator("a.listing-filter").first.is_visible()
    page.locator("a.listing-filter[data-value='2023']").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.endswith("/blog/2023/")
    assert titles(page) == ["Gamma post"]
