"""What readers and search engines get from every page: cards, archives, meta data, 404, sitemap.

Mostly read from the real site (the ``site`` fixture); the base-URL cases build
the small ``test-design`` site. What the pages look like in a browser is in
test_browser.py; HTML validity and links in test_html_validity.py.
"""

from __future__ import annotations

import shutil
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import REPO, ROOTS, assert_clean, html_pages, run_sphinx, url_of
from lxml import etree

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://shrutiturner.github.io/"
POST = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    """The small test-design site, built once for this module."""
    work = tmp_path_factory.mktemp("design")
    shutil.copytree(ROOTS / "test-design", work / "src")
    # The site's archive template, which draws its posts with post_cards().
    (work / "src" / "_templates" / "ablog").mkdir(parents=True)
    shutil.copy2(REPO / "_templates" / "ablog" / "collection.html", work / "src" / "_templates" / "ablog")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def all_urls(site) -> list[str]:
    """URL path of every page of the built site, outside _static/."""
    return [url_of(site.outdir, page).split("/", 3)[3] for page in html_pages(site.outdir)]


# -- Home page and archives -------------------------------------------------------------


def test_home_page_shows_latest_posts_as_cards_with_date_reading_time_tags_and_excerpt(site):
    cards = site.html("").select("ul.postlist > li.post-card")
    assert [c.select_one(".post-card-title a").get_text() for c in cards][:1] == ["Getting Started With GIT"]
    for card in cards:
        assert card.select_one("time.post-date")["datetime"]
        assert card.select_one(".post-reading-time").get_text().endswith("min read")
        assert card.select_one(".post-card-excerpt p").get_text(strip=True)
        assert card.select("ul.post-tags a.post-tag")
        assert card.select_one("a.post-category-link")


def test_home_page_shows_the_series_and_links_to_the_list_of_series(site):
    home = site.html("")
    series = home.select("ul.series-cards > li.series-card")
    assert [s.select_one(".post-card-title a").get_text() for s in series] == ["The Git guides"]
    assert "2 parts" in series[0].get_text()
    assert series[0].select_one(".series-card-start a")["href"] == "posts/2023/what-a-git/"
    assert home.select_one(".series-cards-all a")["href"] == "series/"


def test_card_titles_sit_one_level_below_their_section_heading(site):
    home = site.html("")
    assert {card.name for card in home.select(".post-card-title")} == {"h3"}
    assert {card.name for card in site.html("blog/tag/git/").select(".post-card-title")} == {"h2"}


def test_tag_archive_shows_its_posts_as_cards_with_count_and_feed(site):
    page = site.html("blog/tag/tutorial/")  # both Git guides (the author tagged only part 2 "Git")
    assert page.select_one("h1").get_text() == "Posts tagged Tutorial"
    summary = page.select_one(".archive-summary")
    assert summary.get_text().strip().startswith("2 posts")
    assert summary.select_one("a.archive-feed")["href"].endswith("atom.xml")
    assert len(page.select("li.post-card")) == 2


@pytest.mark.parametrize(
    ("url", "title", "noun"),
    [
        ("blog/tag/", "Tags", "tags"),
        ("blog/category/", "Categories", "categories"),
        ("blog/archive/", "Archive", "year"),
    ],
)
def test_archive_index_lists_each_group_with_its_count(site, url, title, noun):
    page = site.html(url)
    assert page.select_one("h1").get_text() == title
    assert noun in page.select_one(".archive-summary").get_text()
    chips = page.select("ul.catalog-index a")
    assert chips
    for chip in chips:
        group = page.select_one(chip["href"])  # the chip links to its group on the page
        count = int(chip.select_one(".catalog-count").contents[0])
        assert len(group.select("ul.catalog-posts > li")) == count


def test_archive_index_of_years_is_titled_archive_everywhere(site):
    page = site.html("blog/archive/")
    assert page.select_one("title").get_text().startswith("Archive")
    assert page.select_one('meta[property="og:title"]')["content"] == "Archive"


def test_post_ends_with_author_card_then_read_next(site):
    page = site.html(POST)
    card = page.select_one("aside.author-card")
    assert "Shruti Turner" in card.select_one(".author-card-name").get_text()
    assert card.select_one(".author-card-bio").get_text().startswith("Machine-learning engineer")
    assert card.select_one('a[href="../../../about/"]')
    assert [el["class"][0] for el in page.select("aside.author-card, nav.read-next")] == [
        "author-card",
        "read-next",
    ]
    newer = page.select_one("nav.read-next .read-next-newer a")
    assert newer["href"] == "../what-a-git/" and newer["rel"] == ["next"]


def test_post_sidebar_is_the_page_outline_alone_not_recent_posts_or_the_ablog_postcard(site):
    # What to read next is at the end of the post (one read-next block), not in the sidebar.
    page = site.html(POST)
    sidebar = page.select_one("#pst-secondary-sidebar")
    assert sidebar.select_one("nav#pst-page-toc-nav")
    assert sidebar.select_one("nav.blog-recent-posts") is None
    assert page.select_one(".ablog__postcard") is None
    assert page.select_one("#pst-primary-sidebar .sidebar-primary-item") is None


# -- Head: description, canonical, Open Graph ----------------------------------------


def test_every_page_has_one_meta_description(site):
    for url in all_urls(site):
        descriptions = site.html(url).select('head meta[name="description"]')
        assert len(descriptions) == 1, url
        assert 20 < len(descriptions[0]["content"]) <= 160, url


def test_post_description_is_its_front_matter_description_else_its_excerpt(site, design):
    described = site.html("posts/2023/what-a-git/").select_one('meta[name="description"]')["content"]
    assert described.startswith("What Git is, and why version control matters")
    plain = design.html("posts/2024/plain/").select_one('meta[name="description"]')["content"]
    assert plain == "The excerpt of the plain post stands in for its description."


def test_every_page_but_404_has_a_canonical_url_under_the_base_url(site):
    for url in all_urls(site):
        canonical = site.html(url).select('head link[rel="canonical"]')
        if url == "404.html":
            assert canonical == []
            continue
        assert [c["href"] for c in canonical] == [BASE + url], url


def test_every_page_has_open_graph_and_twitter_card_tags_posts_with_their_own_card(site):
    for url in all_urls(site):
        head = site.html(url).select_one("head")
        tags = {m.get("property") or m.get("name"): m["content"] for m in head.select("meta[content]")}
        if url == "404.html":
            continue  # no address of its own to share
        for key in ("og:title", "og:description", "og:image", "og:site_name", "twitter:card"):
            assert tags.get(key), f"{url} has no {key}"
        if url.startswith("posts/"):  # a post's share card (blogext.outputs.sharecards)
            assert tags["og:image"] == BASE + "_social/" + url.rstrip("/") + ".png", url
            assert tags["twitter:image"] == tags["og:image"]
        else:
            assert tags["og:image"] == BASE + "_static/social-card.png", url
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["og:url"] == BASE + url, url
    assert (site.outdir / "_static" / "social-card.png").stat().st_size > 1000


def test_posts_are_open_graph_articles_with_their_date(site):
    head = site.html("posts/2023/what-a-git/").select_one("head")
    assert head.select_one('meta[property="og:type"]')["content"] == "article"
    assert head.select_one('meta[property="article:published_time"]')["content"] == "2023-05-14"


def test_favicon_is_linked_from_every_page(site):
    for url in all_urls(site):
        icon = site.html(url).select_one('head link[rel="icon"]')
        assert icon is not None and icon["href"].endswith("_static/favicon.svg"), url


# -- Sitemap, robots.txt, 404 ---------------------------------------------------------------


def test_sitemap_lists_published_pages_without_language_prefix(site):
    locs = [loc.text for loc in site.feed("sitemap.xml").iter(f"{SITEMAP}loc")]
    assert BASE + POST in locs and BASE in locs and BASE + "blog/tag/git/" in locs
    assert all(loc.startswith(BASE) and not loc.startswith(BASE + "en/") for loc in locs)
    for hidden in ("search/", "404/", "404.html", "blog/drafts/"):
        assert BASE + hidden not in locs
    for url in ("search/", "404.html"):
        robots = site.html(url).select_one('meta[name="robots"]')
        assert robots is not None and robots["content"] == "noindex", url


def test_robots_txt_names_the_sitemap(site):
    assert f"Sitemap: {BASE}sitemap.xml" in (site.outdir / "robots.txt").read_text().splitlines()


def test_404_page_is_at_the_root_with_absolute_links(site):
    assert (site.outdir / "404.html").is_file()
    assert not (site.outdir / "404").exists()
    page = site.html("404.html")
    hrefs = [a["href"] for a in page.select("a[href]") if not a["href"].startswith(("#", "http"))]
    assert hrefs and all(h.startswith("/") for h in hrefs)
    assert page.select_one("a.navbar-brand")["href"] == "/"
    assert all(s["src"].startswith("/_static/") for s in page.select("script[src]"))


def test_404_page_links_carry_the_base_url_path(build_root):
    built = assert_clean(build_root("design", env={"BLOG_BASE_URL": "https://someone.github.io/blog/"}))
    page = built.html("404.html")
    assert page.select_one("a.navbar-brand")["href"] == "/blog/"
    assert page.select_one('link[href*="blog.css"], link[href*="pydata-sphinx-theme.css"]')[
        "href"
    ].startswith("/blog/_static/")
    og_image = built.html("posts/2024/plain/").select_one('meta[property="og:image"]')["content"]
    assert og_image == "https://someone.github.io/blog/_static/card.png"
    # Crawlers read /robots.txt only: a project site under /blog/ has none (tests/test_hosting.py).
    assert not (built.outdir / "robots.txt").exists()


# -- Light pages ----------------------------------------------------------------------------------


def test_pages_load_no_sphinx_search_scripts_not_even_the_search_page(site):
    # Sphinx's search is replaced by Pagefind (blogext.outputs.search): its scripts load nowhere, and the
    # blog's own small search script is deferred, on every page.
    def scripts(url):
        return {urlsplit(s["src"]).path.rsplit("/", 1)[-1]: s for s in site.html(url).select("script[src]")}

    sphinx_search = ("searchtools.js", "searchindex.js", "doctools.js", "sphinx_highlight.js")
    for url in (POST, "search/"):
        for name in (*sphinx_search, "fontawesome.js"):
            assert name not in scripts(url), (url, name)
        assert scripts(url)["search.js"].has_attr("defer")


def test_copy_button_scripts_are_deferred(site):
    page = site.html("posts/2023/what-a-git/")
    for name in ("clipboard.min.js", "copybutton.js"):
        [script] = page.select(f'script[src*="{name}"]')
        assert script.has_attr("defer"), name


# -- The small test site -----------------------------------------------------------------------


def test_small_site_cards_and_sitemap(design):
    titles = [a.get_text() for a in design.html("").select(".post-card-title a")]
    assert titles == ["Described post", "Plain post", "Pictured post"]
    sitemap = etree.parse(str(design.outdir / "sitemap.xml")).getroot()
    locs = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
    assert "https://blog.example.org/posts/2024/plain/" in locs
    assert not any("search" in loc or "404" in loc for loc in locs)


# -- Cards on pages at every depth -----------------------------------------------------------------
#
# Archive pages get each post's card rendered once per build and rebased to the page; the home
# page's cards are rendered for the page itself. Both must point at the same places.

#: Pages that show the pictured post's card: the home page, its tag, category, year and author
#: archives, and the archive of all posts.
PICTURED_CARD_PAGES = [
    "",
    "blog/",
    "blog/tag/testing/",
    "blog/category/notes/",
    "blog/2024/",
    "blog/author/test-author/",
]
SITE_ORIGIN = "https://blog.example.org/"


def _pictured_card(design, url):
    page = design.html(url)
    [card] = [
        c
        for c in page.select("li.post-card")
        if c.select_one(".post-card-title a").get_text() == "Pictured post"
    ]
    return card


def _targets(card, url) -> list[str]:
    """Every href and src in *card*, as absolute URLs (a bare "#" is the page itself)."""
    base = SITE_ORIGIN + url
    found = []
    for element in card.select("[href], [src]"):
        value = element.get("href", element.get("src"))
        found.append(urljoin(base, "" if value == "#" else value))
    return found


@pytest.mark.parametrize("url", PICTURED_CARD_PAGES)
def test_card_excerpt_picture_and_links_resolve_on_every_page_that_shows_the_card(design, url):
    card = _pictured_card(design, url)
    [img] = card.select(".post-card-excerpt img")
    picture = design.outdir / urlsplit(urljoin(SITE_ORIGIN + url, img["src"])).path.lstrip("/")
    assert picture.is_file(), img["src"]
    for target in _targets(card, url):
        path = urlsplit(target).path.lstrip("/")
        assert (design.outdir / path / "index.html").is_file() or (design.outdir / path).is_file(), target


def test_a_posts_card_points_at_the_same_places_on_every_page(design):
    # The home page draws its cards for itself; the archives rebase one rendering. Same targets.
    expected = [
        SITE_ORIGIN + "posts/2024/pictured/",
        SITE_ORIGIN + "blog/category/notes/",
        SITE_ORIGIN + "_images/chart.png",
        SITE_ORIGIN + "posts/2024/plain/",
        SITE_ORIGIN,
        SITE_ORIGIN + "blog/tag/testing/",
    ]
    for url in PICTURED_CARD_PAGES:
        assert _targets(_pictured_card(design, url), url) == expected, url


def test_card_links_are_as_short_as_sphinx_makes_them(design):
    # Relative to the page as the builder writes links: up only as far as the common folder,
    # and "#" for a link to the page itself.
    card = _pictured_card(design, "blog/tag/testing/")
    hrefs = [a["href"] for a in card.select("a[href]")]
    assert hrefs == [
        "../../../posts/2024/pictured/",
        "../../category/notes/",
        "../../../posts/2024/plain/",
        "../../../",
        "#",
    ]
    assert card.select_one("img")["src"] == "../../../_images/chart.png"
