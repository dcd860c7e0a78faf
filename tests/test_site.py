"""The blog, version 1: the real site builds strictly and has every page a reader expects."""

from __future__ import annotations

import re

import pytest
from conftest import ATOM, REPO, assert_clean, entry_titles

POSTS = sorted((REPO / "posts").glob("*/*.md"))
POST_URLS = [f"posts/{p.parent.name}/{p.stem}/" for p in POSTS]


def test_every_post_of_the_real_site_is_published_as_its_own_page(site):
    # (The fixture itself fails on any warning: the strict build is its precondition, not this test's.)
    assert POSTS, "the real site has posts"
    for url in POST_URLS:
        page = site.html(url)
        assert page.find("h1"), f"{url} has no title"
    assert (site.outdir / "index.html").is_file()


@pytest.mark.parametrize("url", POST_URLS)
def test_every_post_has_a_clean_url_page(site, url):
    page = site.html(url)
    assert page.find("h1") is not None, f"{url} has no title"


@pytest.mark.parametrize("url", POST_URLS)
def test_every_post_page_shows_date_reading_time_category_and_linked_tags(site, url):
    meta = site.html(url).select_one(".post-meta")
    assert meta is not None, f"{url} has no post header"
    time = meta.select_one("time.post-date")
    assert time is not None and len(time["datetime"]) == 10
    assert meta.select_one(".post-reading-time").get_text().endswith("min read")
    category = meta.select_one("a.post-category-link")
    assert category is not None and (site.outdir / "posts" / url.split("/")[1]).exists()
    tags = meta.select("a.post-tag")
    assert tags, f"{url} shows no tags"
    for link in tags:
        target = (site.path(url).parent / link["href"]).resolve()
        assert (target / "index.html").is_file() or target.is_file(), f"tag link {link['href']} is broken"


def test_author_article_is_published_faithfully_without_page_furniture(site):
    text = (
        site.html("posts/2023/finding-my-feet-as-a-machine-learning-engineer/")
        .select_one("article")
        .get_text()
    )
    for phrase in (
        "My formal education has never been directly related",
        "This silos nicely into the buzzword of MLOps",
        "I'm planning to use this blog to write about my journey",
    ):
        assert phrase.replace("'", "") in text.replace("'", "").replace("’", "")
    for furniture in ("Share Now", "More Stories", "Cover Image"):
        assert furniture not in text


def test_git_guides_link_to_each_other(site):
    part1 = site.html("posts/2023/what-a-git/")
    part2 = site.html("posts/2023/getting-started-with-git/")
    assert part1.select_one('article a[href*="getting-started-with-git"]') is not None
    assert part2.select_one('article a[href*="what-a-git"]') is not None


def _listed_posts(site, url):
    page = site.html(url)
    return {a.get_text(strip=True) for a in page.select("article .ablog-post-title a")}


def test_tag_archive_lists_exactly_the_posts_with_that_tag(site):
    # the author tagged part 1 of the Git guides without "Git" (see tests/test_author_facts.py)
    assert _listed_posts(site, "blog/tag/git/") == {"Getting Started With GIT"}
    assert _listed_posts(site, "blog/tag/tutorial/") == {"What a GIT.", "Getting Started With GIT"}
    assert _listed_posts(site, "blog/tag/machine-learning/") >= {
        "Finding my feet as a Machine Learning Engineer"
    }


def test_category_archive_lists_exactly_the_posts_in_it(site):
    assert _listed_posts(site, "blog/category/career/") == {"Finding my feet as a Machine Learning Engineer"}
    assert _listed_posts(site, "blog/category/tutorials/") == {"What a GIT.", "Getting Started With GIT"}


def test_year_archive_lists_the_posts_of_that_year(site):
    assert len(_listed_posts(site, "blog/2023/")) == len([p for p in POSTS if p.parent.name == "2023"])


def test_all_archives_are_reachable_from_the_navigation(site):
    nav = site.html("").select_one('nav[aria-label="Site"]')
    hrefs = {a["href"].rstrip("/") for a in nav.select("a")}
    assert {"blog", "blog/tag", "blog/category", "blog/archive", "about"} <= hrefs


def test_home_page_lists_latest_posts_with_excerpts(site):
    home = site.html("")
    titles = [a.get_text(strip=True) for a in home.select(".postlist .ablog-post-title a")]
    assert titles[0] == "Getting Started With GIT"
    assert len(titles) == len(POSTS)
    assert home.select(".ablog-post-excerpt"), "the home page shows no excerpts"


def test_about_page_exists(site):
    assert "Shruti Turner" in site.html("about/").select_one("article").get_text()


def test_site_feed_parses_and_lists_every_published_post(site):
    feed = site.feed("blog/atom.xml")
    assert feed.tag == f"{ATOM}feed"
    titles = set(entry_titles(feed))
    assert {
        "What a GIT.",
        "Getting Started With GIT",
        "Finding my feet as a Machine Learning Engineer",
    } <= titles


def test_tag_and_category_feeds_exist_and_parse(site):
    assert entry_titles(site.feed("blog/tag/git/atom.xml"))
    assert entry_titles(site.feed("blog/category/tutorials/atom.xml"))


def test_every_page_head_links_the_site_feed(site):
    for page in site.files("**/*.html"):
        if "_static" in page.parts:
            continue
        rel = page.relative_to(site.outdir).as_posix()
        url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        link = site.html(url).select_one('head link[rel="alternate"][type="application/atom+xml"]')
        assert link is not None, f"{rel} has no feed autodiscovery link"


def test_base_url_defaults_to_conf_value(build_root):
    built = assert_clean(build_root("basic"))
    canonical = built.html("posts/2024/alpha/").select_one('link[rel="canonical"]')["href"]
    assert canonical == "https://blog.example.org/posts/2024/alpha/"


def test_base_url_comes_from_blog_base_url_env(build_root):
    built = assert_clean(build_root("basic", env={"BLOG_BASE_URL": "https://mirror.example.net/sub"}))
    canonical = built.html("posts/2024/alpha/").select_one('link[rel="canonical"]')["href"]
    assert canonical == "https://mirror.example.net/sub/posts/2024/alpha/"
    assert "https://mirror.example.net/sub/" in (built.outdir / "blog" / "atom.xml").read_text()


def test_read_the_docs_build_points_its_canonical_links_to_the_other_host(build_root):
    # Served at READTHEDOCS_CANONICAL_URL, but canonical is the URL the site has elsewhere
    # (here BLOG_BASE_URL): one copy for search engines (see tests/test_hosting.py).
    env = {
        "BLOG_BASE_URL": "https://mirror.example.net/",
        "READTHEDOCS_CANONICAL_URL": "https://rtd.example.io/en/",
    }
    built = assert_clean(build_root("basic", env=env))
    canonical = built.html("posts/2024/alpha/").select_one('link[rel="canonical"]')["href"]
    assert canonical == "https://mirror.example.net/posts/2024/alpha/"


def test_base_url_that_is_not_absolute_fails_with_a_clear_error(build_root):
    built = build_root("basic", env={"BLOG_BASE_URL": "blog.example.org"})
    assert built.returncode != 0
    assert "BLOG_BASE_URL 'blog.example.org' is not an absolute URL" in built.stderr


def test_reading_time_counts_words_at_configured_speed(build_root):
    built = assert_clean(build_root("basic"))
    # gamma has ~460 words at 100 words a minute: 5 minutes.
    assert built.html("posts/2023/gamma/").select_one(".post-reading-time").get_text() == "5 min read"
    assert built.html("posts/2024/beta/").select_one(".post-reading-time").get_text() == "1 min read"


def test_no_change_rebuild_reads_no_document(build_root):
    first = assert_clean(build_root("basic"))
    second = assert_clean(build_root("basic"))
    assert first.returncode == 0
    # "[new config] 4 added, 0 changed" would mean every page was read again.
    assert "0 added, 0 changed, 0 removed" in second.stdout, second.stdout
    assert not re.search(r"reading sources\.\.\. \[ *\d+%\]", second.stdout), second.stdout
