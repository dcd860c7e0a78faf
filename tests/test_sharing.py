"""Related posts, share cards, structured data, the sitemap's dates and comments, on built test sites.

The site is tests/roots/test-incremental (six posts, a series) with the real
``conf.py``, templates and styles, plus two posts written here: Theta, with its
own share image, an ``updated`` date and comments asked for, and Iota, a draft
on the same subjects as everything else. Comments are switched on for the site
(giscus, its host in ``blog_allowed_hosts``). Everything is checked by parsing
what the build wrote: HTML, JSON-LD, XML and PNG files.
"""

from __future__ import annotations

import json
import shutil
import struct
import sys
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, BuiltSite, assert_clean, run_sphinx
from lxml import etree
from test_incremental import make_site

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from blogext.related import Candidate, rank  # noqa: E402

BASE = "https://shrutiturner.github.io/"
COMMENTS_ON = """
blog_comments = True
blog_giscus = {
    "repo": "example/blog",
    "repo_id": "R_kgDOTEST",
    "category": "Comments",
    "category_id": "DIC_kwDOTEST",
}
blog_allowed_hosts = ["giscus.app"]
"""
THETA = """---
date: 2024-07-20
updated: 2024-09-01
tags: [Python, Testing, MLOps]
category: Tutorials
description: A tutorial with its own picture and comments.
share_image: theta-card.png
share_image_alt: A hand-drawn pipeline diagram.
comments: true
---

# Theta

Theta's excerpt, with [an outside link](https://example.org/docs/) and [Alpha](alpha.md).

```console
$ python -c "print('a very long line of code that would run off the edge of a printed page unless it wraps')"
```
"""
IOTA = """---
date: 2024-07-25
draft: true
tags: [Python, Testing, MLOps]
category: Tutorials
description: A draft that must not leave the author's machine.
---

# Iota, a secret draft

Iota's excerpt.
"""


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def make_sharing_site(dest: Path) -> Path:
    src = make_site("incremental", dest)
    (src / "posts/2024/theta.md").write_text(THETA, "utf-8")
    (src / "posts/2024/iota.md").write_text(IOTA, "utf-8")
    shutil.copy2(REPO / "_static/social-card.png", src / "posts/2024/theta-card.png")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(COMMENTS_ON)
    return src


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("sharing")
    return assert_clean(run_sphinx(make_sharing_site(work / "src"), work / "html"))


def ld_json(built: BuiltSite, url: str) -> list[dict]:
    return [json.loads(s.string) for s in built.html(url).select('script[type="application/ld+json"]')]


def meta(built: BuiltSite, url: str, key: str) -> str | None:
    tag = built.html(url).find("meta", attrs={"property": key}) or built.html(url).find(
        "meta", attrs={"name": key}
    )
    return tag["content"] if tag else None


def related_titles(built: BuiltSite, url: str) -> list[str]:
    return [a.get_text() for a in built.html(url).select("nav.related-posts a.related-post-title")]


# -- Related posts --------------------------------------------------------------------------------


def _post(name: str, day: int, tags=(), category=None, series=None) -> Candidate:
    return Candidate(name, name.title(), datetime(2024, 1, day), frozenset(tags), category, series)


def test_related_posts_rank_by_shared_tags_then_category_then_newest():
    me = _post("me", 1, {"git", "python"}, "tutorials")
    others = {
        p.docname: p
        for p in (
            _post("one-tag-old", 2, {"git"}),
            _post("one-tag-new", 9, {"python"}),
            _post("one-tag-same-category", 3, {"git"}, "tutorials"),
            _post("two-tags", 4, {"git", "python"}),
            _post("category-only", 20, set(), "tutorials"),
            _post("nothing-shared", 30, {"rust"}, "career"),
            me,
        )
    }
    ranked = [p.docname for p in rank(me, others, 10)]
    assert ranked == ["two-tags", "one-tag-same-category", "one-tag-new", "one-tag-old", "category-only"]
    assert [p.docname for p in rank(me, others, 3)] == ranked[:3]


def test_related_posts_leave_out_the_posts_own_series():
    me = _post("part-1", 1, {"git"}, series="guides")
    others = {
        "part-1": me,
        "part-2": _post("part-2", 2, {"git"}, series="guides"),
        "x": _post("x", 3, {"git"}),
    }
    assert [p.docname for p in rank(me, others, 3)] == ["x"]


def test_each_post_ends_with_its_related_posts_after_the_author_card(shared):
    page = shared.html("posts/2024/alpha/")
    assert related_titles(shared, "posts/2024/alpha/") == ["Theta", "Gamma", "Epsilon"]
    end = [el.get("class")[0] for el in page.select("aside.author-card, nav.related-posts, nav.post-nav")]
    assert end == ["author-card", "related-posts", "post-nav"]
    link = page.select_one("nav.related-posts a.related-post-title")
    assert link["href"] == "../theta/"
    assert page.select_one("nav.related-posts time")["datetime"] == "2024-07-20"


def test_related_posts_never_list_the_series_own_parts_or_a_draft(shared):
    for url in ("posts/2024/beta/", "posts/2024/gamma/"):
        titles = related_titles(shared, url)
        assert "Beta" not in titles and "Gamma" not in titles, (url, titles)
    for page in shared.files("**/*.html"):
        assert "Iota" not in page.read_text("utf-8"), page


def test_related_posts_styles_load_only_on_pages_that_have_them(shared):
    assert shared.html("posts/2024/alpha/").select_one('link[href*="related.css"]')
    assert shared.html("").select_one('link[href*="related.css"]') is None


# -- Share cards ------------------------------------------------------------------------------------


def test_every_published_post_has_a_drawn_share_card_as_og_and_twitter_image(shared):
    for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta"):
        url = f"posts/2024/{name}/"
        card = shared.outdir / f"_social/posts/2024/{name}.png"
        assert png_size(card) == (1200, 630)
        assert meta(shared, url, "og:image") == f"{BASE}_social/posts/2024/{name}.png"
        assert meta(shared, url, "twitter:image") == f"{BASE}_social/posts/2024/{name}.png"
        assert meta(shared, url, "og:image:width") == "1200" and meta(shared, url, "og:image:height") == "630"
        alt = meta(shared, url, "og:image:alt")
        assert alt.startswith(f"{name.title()}: a post on Shruti Turner's blog, ") and "min read" in alt
        assert meta(shared, url, "twitter:image:alt") == alt
    cards = {p.name for p in (shared.outdir / "_social/posts/2024").iterdir()}
    assert cards == {f"{n}.png" for n in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta")}


def test_pages_that_are_not_posts_keep_the_default_image(shared):
    for url in ("", "about/", "blog/tag/python/"):
        assert meta(shared, url, "og:image") == f"{BASE}_static/social-card.png", url
        assert meta(shared, url, "twitter:image") is None


def test_a_post_may_name_its_own_share_image(shared):
    url = "posts/2024/theta/"
    copied = shared.outdir / "_social/posts/2024/theta.png"
    assert copied.read_bytes() == (REPO / "_static/social-card.png").read_bytes()
    assert meta(shared, url, "og:image") == f"{BASE}_social/posts/2024/theta.png"
    assert meta(shared, url, "og:image:alt") == "A hand-drawn pipeline diagram."
    assert (meta(shared, url, "og:image:width"), meta(shared, url, "og:image:height")) == (
        str(png_size(copied)[0]),
        str(png_size(copied)[1]),
    )


def test_no_share_card_of_a_draft_anywhere(tmp_path):
    # Neither the published build nor the preview (which builds the draft's page) draws Iota's card,
    # in the output or in the cache; drafts' cards would otherwise show the title to whoever finds them.
    src = make_sharing_site(tmp_path / "src")
    for env, out in (({}, "html"), ({"BLOG_PREVIEW": "1"}, "preview")):
        built = assert_clean(run_sphinx(src, tmp_path / out, env=env))
        assert not list(built.outdir.rglob("iota*.png"))
        doctrees = built.outdir.with_name(built.outdir.name + ".doctrees")
        kept = list((doctrees / "blogext-sharecards").iterdir())
        assert len(kept) == 6, "one card in the cache per drawn card of a published post"
    preview = BeautifulSoup(
        (tmp_path / "preview/posts/2024/iota/index.html").read_text("utf-8"), "html.parser"
    )
    assert preview.find("meta", attrs={"property": "og:image"})["content"].endswith("_static/social-card.png")


def test_an_unchanged_post_costs_no_drawing_and_an_edited_title_one(tmp_path):
    src = make_sharing_site(tmp_path / "src")
    out = tmp_path / "html"
    assert_clean(run_sphinx(src, out))
    cards = out / "_social/posts/2024"
    written = {p.name: p.stat().st_mtime_ns for p in cards.iterdir()}
    again = assert_clean(run_sphinx(src, out, "-v"))
    assert "share cards: 0 drawn, 0 copied, 7 unchanged" in again.stdout + again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in cards.iterdir()} == written
    page = src / "posts/2024/delta.md"
    page.write_text(page.read_text("utf-8").replace("# Delta", "# Delta, renamed"), "utf-8")
    edited = assert_clean(run_sphinx(src, out, "-v"))
    assert "share cards: 1 drawn, 0 copied, 6 unchanged" in edited.stdout + edited.stderr
    # A clean output folder with the same doctree folder copies every card from the cache.
    shutil.rmtree(out)
    refilled = assert_clean(run_sphinx(src, out, "-v", "-E"))
    assert "share cards: 0 drawn, 7 copied, 0 unchanged" in refilled.stdout + refilled.stderr


# -- Structured data and the sitemap ----------------------------------------------------------------------


def test_posts_carry_a_blogposting_and_breadcrumbs_in_json_ld(shared):
    url = "posts/2024/theta/"
    [data] = ld_json(shared, url)
    assert data["@context"] == "https://schema.org"
    posting, crumbs = data["@graph"]
    canonical = shared.html(url).select_one('link[rel="canonical"]')["href"]
    assert canonical == f"{BASE}posts/2024/theta/"
    assert posting["@type"] == "BlogPosting"
    assert posting["headline"] == "Theta"
    assert posting["description"] == meta(shared, url, "description")
    assert posting["datePublished"] == "2024-07-20T00:00:00+01:00"  # midnight in Europe/London, summer time
    assert posting["dateModified"] == "2024-09-01T00:00:00+01:00"  # from updated
    assert posting["author"] == [{"@type": "Person", "name": "Shruti Turner", "url": f"{BASE}about/"}]
    assert posting["image"]["url"] == meta(shared, url, "og:image")
    assert posting["image"]["caption"] == "A hand-drawn pipeline diagram."
    assert posting["keywords"] == ["Python", "Testing", "MLOps"]
    assert posting["articleSection"] == "Tutorials"
    assert posting["url"] == posting["mainEntityOfPage"] == canonical
    assert crumbs["@type"] == "BreadcrumbList"
    items = crumbs["itemListElement"]
    assert [(i["position"], i["name"], i["item"]) for i in items] == [
        (1, "Home", BASE),
        (2, "Blog", f"{BASE}blog/"),
        (3, "Theta", canonical),
    ]


def test_a_post_without_updated_is_modified_when_published(shared):
    [data] = ld_json(shared, "posts/2024/alpha/")
    posting = data["@graph"][0]
    assert posting["datePublished"] == posting["dateModified"] == "2024-01-10T00:00:00+00:00"
    assert posting["image"]["url"] == f"{BASE}_social/posts/2024/alpha.png"
    assert (posting["image"]["width"], posting["image"]["height"]) == (1200, 630)


def test_only_published_posts_have_structured_data(shared, tmp_path):
    for url in ("", "about/", "blog/", "blog/tag/python/", "series/pipelines/"):
        assert ld_json(shared, url) == [], url
    preview = assert_clean(
        run_sphinx(make_sharing_site(tmp_path / "src"), tmp_path / "preview", env={"BLOG_PREVIEW": "1"})
    )
    assert ld_json(preview, "posts/2024/iota/") == []


def test_json_ld_cannot_be_closed_by_a_title(shared):
    from blogext.structured import script

    text = script({"headline": "</script><script>alert(1)</script>"})
    assert text.count("</script>") == 1
    body = text.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(body)["headline"] == "</script><script>alert(1)</script>"


def test_sitemap_lastmod_is_updated_else_date(shared):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = etree.parse(str(shared.outdir / "sitemap.xml")).getroot()
    lastmod = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in root}
    assert lastmod[f"{BASE}posts/2024/theta/"] == "2024-09-01"
    assert lastmod[f"{BASE}posts/2024/alpha/"] == "2024-01-10"
    assert lastmod[f"{BASE}about/"] is None
    assert not any("iota" in loc for loc in lastmod)


# -- Comments ---------------------------------------------------------------------------------------------


def test_comments_show_only_on_posts_that_ask_and_say_what_will_load(shared):
    page = shared.html("posts/2024/theta/")
    section = page.select_one("section.blog-comments")
    assert section["data-giscus-host"] == "giscus.app"
    assert section["data-giscus-repo"] == "example/blog"
    assert section["data-giscus-category-id"] == "DIC_kwDOTEST"
    assert "Show comments (loads giscus.app)" in section.select_one("button").get_text()
    assert "giscus.app" in section.select_one(".blog-comments-note").get_text()
    assert page.select_one('script[src*="comments.js"]')
    # Nothing is loaded from giscus.app by the page as written: no element has it as a source.
    assert not page.select('[src*="giscus"], link[href*="giscus"], iframe')


def test_a_page_without_comments_has_no_trace_of_them(shared):
    for page in shared.files("**/*.html"):
        if page.parent.name == "theta":
            continue
        text = page.read_text("utf-8")
        for trace in ("giscus", "comments.js", "comments.css", "blog-comments"):
            assert trace not in text, (page, trace)


def _build_with(tmp_path: Path, settings: str) -> BuiltSite:
    src = make_site("incremental", tmp_path / "src")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(settings)
    return run_sphinx(src, tmp_path / "html")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            COMMENTS_ON.replace('blog_allowed_hosts = ["giscus.app"]', "blog_allowed_hosts = []"),
            "blog_comments is on, but giscus' host 'giscus.app' is not in blog_allowed_hosts",
        ),
        (COMMENTS_ON.replace('"repo_id": "R_kgDOTEST",', ""), "blog_giscus has no 'repo_id'"),
        (COMMENTS_ON.replace('"example/blog"', '"blog"'), "blog_giscus 'repo' 'blog' is not a repository"),
        ("blog_comments = 'yes'\n", "blog_comments"),
    ],
    ids=["host-not-allowed", "no-repo-id", "bad-repo", "not-a-boolean"],
)
def test_bad_comment_settings_stop_the_build(tmp_path, settings, message):
    built = _build_with(tmp_path, settings)
    assert built.returncode != 0
    assert message in built.stderr + built.stdout


def test_comments_off_for_the_site_means_none_even_where_a_post_asks(tmp_path):
    src = make_sharing_site(tmp_path / "src")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write("blog_comments = False\n")
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert "giscus" not in built.path("posts/2024/theta/").read_text("utf-8")


def test_cards_drawn_by_several_processes_equal_cards_drawn_one_by_one():
    # With -j N, share cards are drawn by N processes (blogext.sharecards.draw_cards): the same bytes.
    from blogext.sharecards import draw_card, draw_cards

    cards = [
        (
            f"A title long enough to wrap over two lines, number {i}",
            "3 May 2024 · 4 min read",
            "Blog",
            "x.org",
        )
        for i in range(8)
    ]
    one_by_one = [draw_card(lines) for lines in cards]
    assert draw_cards(cards, 1) == one_by_one
    assert draw_cards(cards, 2) == one_by_one
