"""Related posts, share cards, structured data, the sitemap's dates and comments, on built test sites.

The site is tests/roots/test-incremental (six posts, a series) with the real
``conf.py``, templates and styles, plus two posts written here: Theta, with its
own share image, an ``updated`` date and comments asked for, and Iota, a draft
on the same subjects as everything else. Comments are switched on for the site
(giscus, its host in ``blogext_allowed_hosts``). Everything is checked by parsing
what the build wrote: HTML, JSON-LD, XML and PNG files.
"""

from __future__ import annotations

import gettext
import io
import json
import shutil
import struct
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, BuiltSite, assert_clean, make_site, run_sphinx
from lxml import etree

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from blogext.pages.related import Candidate, rank  # noqa: E402

BASE = "https://shrutiturner.github.io/"
COMMENTS_ON = """
blogext_comments = True
blogext_giscus = {
    "repo": "example/blog",
    "repo_id": "R_kgDOTEST",
    "category": "Comments",
    "category_id": "DIC_kwDOTEST",
}
blogext_allowed_hosts = ["giscus.app"]
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
    return [a.get_text() for a in built.html(url).select("nav.read-next .read-next-related .read-next-title")]


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


def test_each_post_ends_with_one_read_next_block_after_the_author_card(shared):
    page = shared.html("posts/2024/alpha/")
    assert related_titles(shared, "posts/2024/alpha/") == ["Theta", "Gamma", "Epsilon"]
    end = [el.get("class")[0] for el in page.select("aside.author-card, nav.read-next")]
    assert end == ["author-card", "read-next"], "one block, after the author card"
    assert page.select("nav.related-posts, nav.post-nav, .series-nav") == []
    related = page.select_one(".read-next-related a.read-next-link")
    assert related["href"] == "../theta/"
    assert related.select_one(".read-next-why").get_text() == "Related"
    assert related.select_one("time")["datetime"] == "2024-07-20"


def test_related_posts_never_list_the_series_own_parts_or_a_draft(shared):
    for url in ("posts/2024/beta/", "posts/2024/gamma/"):
        titles = related_titles(shared, url)
        assert "Beta" not in titles and "Gamma" not in titles, (url, titles)
    for page in shared.files("**/*.html"):
        assert "Iota" not in page.read_text("utf-8"), page


def test_read_next_styles_load_only_on_pages_that_have_the_block(shared):
    assert shared.html("posts/2024/alpha/").select_one('link[href*="readnext.css"]')
    assert shared.html("").select_one('link[href*="readnext.css"]') is None


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
    from blogext.outputs.structured import script

    # What blogext.core.safehtml reads of an application: the folders of its templates, its translations.
    app = SimpleNamespace(
        confdir=str(REPO), config=SimpleNamespace(templates_path=[]), translator=gettext.NullTranslations()
    )
    text = script(app, {"headline": "</script><script>alert(1)</script>"})
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
            COMMENTS_ON.replace('blogext_allowed_hosts = ["giscus.app"]', "blogext_allowed_hosts = []"),
            "blogext_comments is on, but giscus' host 'giscus.app' is not in blogext_allowed_hosts",
        ),
        (COMMENTS_ON.replace('"repo_id": "R_kgDOTEST",', ""), "blogext_giscus has no 'repo_id'"),
        (COMMENTS_ON.replace('"example/blog"', '"blog"'), "blogext_giscus 'repo' 'blog' is not a repository"),
        ("blogext_comments = 'yes'\n", "blogext_comments: expected True or False, got 'yes'"),
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
        conf.write("blogext_comments = False\n")
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert "giscus" not in built.path("posts/2024/theta/").read_text("utf-8")


def test_cards_drawn_beside_the_build_equal_cards_drawn_in_it(tmp_path):
    # New share cards are drawn in a process beside the build (blogext.core.beside), from the end of
    # reading: the same bytes as drawn in the build's own process.
    from types import SimpleNamespace

    from blogext.core import beside
    from blogext.outputs.sharecards import draw_card, draw_into

    cards = [
        (
            f"A title long enough to wrap over two lines, number {i}",
            "3 May 2024 · 4 min read",
            "Blog",
            "x.org",
        )
        for i in range(8)
    ]
    cards += [(title, "3 May 2024 · 4 min read", "Blog", "x.org") for title, _family in SCRIPT_POSTS.values()]
    files = [str(tmp_path / "cache" / f"{i}.png") for i in range(len(cards))]
    job = beside.start(SimpleNamespace(), "share cards", draw_into, list(zip(cards, files, strict=True)))
    assert job.result() == len(cards)
    assert [Path(f).read_bytes() for f in files] == [draw_card(lines) for lines in cards]
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(Path(f).name for f in files)


# -- Share cards in every script ----------------------------------------------------------------------
# tests/roots/test-scripts: one post per script, built with the share cards' extension alone. The
# cards' fonts are read here with fontTools and Pillow directly, not through blogext.outputs.cardtext's
# choices.

#: Each post of test-scripts: its title, and the font family that must draw it.
SCRIPT_POSTS = {
    "arabic": ("التعلم الآلي للمبتدئين", "Noto Sans Arabic"),
    "hebrew": ("למידת מכונה", "Noto Sans Hebrew"),
    "chinese": ("机器学习入门", "Noto Sans CJK SC"),
    "japanese": ("機械学習の入門ガイド", "Noto Sans CJK JP"),
    "korean": ("머신러닝 입문", "Noto Sans CJK KR"),
    "emoji": ("Shipping models 🚀🤖", "Noto Emoji"),
}
#: Where a card's title is drawn: left, top, right, bottom (blogext.outputs.sharecards.draw_card).
TITLE_BOX = (116, 196, 1112, 488)
CARD_BACKGROUND = (0xFD, 0xFC, 0xFA)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("scripts")
    shutil.copytree(REPO / "tests/roots/test-scripts", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def test_every_scripts_card_is_a_palette_png_within_two_255ths_of_its_rgb_drawing(scripts):
    # A card is drawn as each part's coverage mapped to a fixed palette (blogext.outputs.sharecards.
    # draw_card); the RGB drawing (draw_image) is what it stands for, pixel by pixel, in every script.
    from PIL import Image, ImageChops

    from blogext.outputs.sharecards import PALETTE_ERROR, draw_image

    names = sorted(path.stem for path in (REPO / "tests/roots/test-scripts/posts/2024").glob("*.md"))
    assert len(names) == 8 and PALETTE_ERROR <= 2
    for name in names:
        title = meta(scripts, f"posts/2024/{name}/", "og:image:alt").split(": a post on ")[0]
        lines = (title, *_card_lines(scripts, name))
        with Image.open(scripts.outdir / f"_social/posts/2024/{name}.png") as card:
            assert card.mode == "P", name
            difference = ImageChops.difference(card.convert("RGB"), draw_image(lines))
        assert max(high for _low, high in difference.getextrema()) <= PALETTE_ERROR, name


def _family(face) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        return font["name"].getDebugName(16) or font["name"].getDebugName(1)


def _codepoints(face) -> set[int]:
    from fontTools.ttLib import TTFont

    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        return set(font.getBestCmap())


def _ink(image):
    """*image* cropped to what is drawn on the card's background, in grey."""
    from PIL import Image, ImageChops

    image = image.convert("RGB")
    bbox = ImageChops.difference(image, Image.new("RGB", image.size, CARD_BACKGROUND)).getbbox()
    assert bbox, "nothing is drawn"
    return image.crop(bbox).convert("L")


def _title_ink(png: Path):
    from PIL import Image

    with Image.open(png) as card:
        return _ink(card.crop(TITLE_BOX))


def _drawn_alone(text: str, family: str, *, shaped: bool = True):
    """*text* drawn by Pillow in the bold weight of the installed *family*, at the card's largest
    size and colours: what the card must show. *shaped*: with raqm (else Pillow's basic layout)."""
    from PIL import Image, ImageDraw, ImageFont

    from blogext.outputs import cardtext

    face = next(f for f in cardtext.faces_for(text) if _family(f) == family)
    layout = ImageFont.Layout.RAQM if shaped else ImageFont.Layout.BASIC
    font = ImageFont.truetype(face.path, 76, index=face.index, layout_engine=layout)
    font.set_variation_by_axes(
        [700 if axis["name"] == b"Weight" else axis["default"] for axis in font.get_variation_axes()]
    )
    image = Image.new("RGB", (1600, 300), CARD_BACKGROUND)
    options = {"direction": cardtext.paragraph_direction(text), "language": face.language} if shaped else {}
    ImageDraw.Draw(image).text(
        (50, 50), text, font=font, fill="#161a1f", **{k: v for k, v in options.items() if v}
    )
    return _ink(image)


def _difference(a, b) -> float:
    """How different two grey images are, from 0 (the same) to 255; different sizes are compared on
    the smaller one's area, and a size that differs by more than 2 px counts as entirely different."""
    from PIL import ImageChops, ImageStat

    if abs(a.width - b.width) > 2 or abs(a.height - b.height) > 2:
        return 255.0
    size = (min(a.width, b.width), min(a.height, b.height))
    return ImageStat.Stat(ImageChops.difference(a.crop((0, 0, *size)), b.crop((0, 0, *size)))).mean[0]


def test_titles_in_every_script_are_drawn_by_fonts_that_have_every_character(scripts):
    from blogext.outputs import cardtext

    for name, (title, family) in SCRIPT_POSTS.items():
        assert png_size(scripts.outdir / f"_social/posts/2024/{name}.png") == (1200, 630)
        assert meta(scripts, f"posts/2024/{name}/", "og:image").endswith(f"_social/posts/2024/{name}.png")
        runs = cardtext.Title(title).runs(title)
        assert sorted("".join(run.text for run in runs)) == sorted(title), "every character is drawn"
        assert family in {_family(run.face) for run in runs}, (name, [_family(r.face) for r in runs])
        for run in runs:
            absent = [ch for ch in run.text if ord(ch) not in _codepoints(run.face)]
            assert absent == [], (name, _family(run.face), absent)
        assert cardtext.missing(title) == []


@pytest.mark.parametrize("name", ["arabic", "hebrew", "chinese", "japanese", "korean"])
def test_a_card_shows_its_titles_glyphs_not_empty_boxes(scripts, name):
    # The card's title is what Pillow draws with the script's own font, and not what DejaVu Serif
    # alone drew before (a .notdef box per character).
    from PIL import Image, ImageDraw, ImageFont

    title, family = SCRIPT_POSTS[name]
    drawn = _title_ink(scripts.outdir / f"_social/posts/2024/{name}.png")
    assert _difference(drawn, _drawn_alone(title, family)) < 4
    boxes = Image.new("RGB", (1600, 300), CARD_BACKGROUND)
    ImageDraw.Draw(boxes).text(
        (50, 50),
        title,
        font=ImageFont.truetype(str(REPO / "blogext/fonts/DejaVuSerif-Bold.ttf"), 76),
        fill="#161a1f",
    )
    assert _difference(drawn, _ink(boxes)) == 255.0


def test_arabic_is_shaped_and_right_to_left_titles_are_aligned_right(scripts):
    title, family = SCRIPT_POSTS["arabic"]
    shaped, isolated = _drawn_alone(title, family), _drawn_alone(title, family, shaped=False)
    assert abs(shaped.width - isolated.width) > 40, "joined letters are narrower than isolated forms"
    drawn = _title_ink(scripts.outdir / "_social/posts/2024/arabic.png")
    assert abs(drawn.width - shaped.width) <= 2 and _difference(drawn, isolated) == 255.0
    for name in ("arabic", "hebrew", "mixed"):
        from PIL import Image, ImageChops

        with Image.open(scripts.outdir / f"_social/posts/2024/{name}.png") as card:
            box = card.convert("RGB").crop(TITLE_BOX)
        left, _top, right, _bottom = ImageChops.difference(
            box, Image.new("RGB", box.size, CARD_BACKGROUND)
        ).getbbox()
        assert box.width - right <= 4 < left, f"{name}: the title ends against the right margin"


def test_emoji_are_drawn_from_noto_emoji_beside_the_serif_title(scripts):
    from blogext.outputs import cardtext

    title, _family_name = SCRIPT_POSTS["emoji"]
    runs = cardtext.Title(title).runs(title)
    assert [(run.text, _family(run.face)) for run in runs] == [
        ("Shipping models ", "DejaVu Serif"),
        ("🚀🤖", "Noto Emoji"),
    ]
    # The emoji are ink: the card's title is wider than the words alone, by about two emoji.
    words = _title_ink(scripts.outdir / "_social/posts/2024/latin.png")
    both = _title_ink(scripts.outdir / "_social/posts/2024/emoji.png")
    assert both.width - words.width > 2 * 60


def test_mixed_directions_are_ordered_as_the_bidirectional_algorithm_says():
    from blogext.outputs import cardtext

    def visual(title: str) -> list[str]:
        return [run.text for run in cardtext.Title(title).runs(title)]

    # Left to right, from the left edge: a right-to-left title puts its English words after (to the
    # left of) the Hebrew they follow, and a number stays a number.
    assert visual("למידת מכונה עם Python 3.12 ו-PyTorch") == [
        "PyTorch",
        "ו-",
        " ",
        "Python 3.12",
        "למידת מכונה עם ",
    ]
    assert visual("Intro to التعلم الآلي (part 2) in Python") == [
        "Intro to ",
        "التعلم الآلي",
        " ",
        "(part 2) in Python",
    ]
    assert visual("التعلم الآلي 2024") == ["2024", "التعلم الآلي "]
    assert [run.direction for run in cardtext.Title("למידת מכונה").runs("למידת מכונה")] == ["rtl"]


def test_a_long_chinese_title_breaks_between_characters_inside_the_card():
    from PIL import Image, ImageChops

    from blogext.outputs import cardtext
    from blogext.outputs.sharecards import draw_card

    title = "机器学习入门：从零开始训练、评估并部署你的第一个模型，一步一步讲解每一个细节与常见陷阱"
    size, lines = cardtext.fit(title, cardtext.Title(title).length, TITLE_BOX[2] - TITLE_BOX[0], 292)
    assert len(lines) >= 2 and "".join(lines) == title
    assert not any(line.startswith(("：", "、", "，")) for line in lines), "no line starts with punctuation"
    with Image.open(io.BytesIO(draw_card((title, "1 May 2024 · 3 min read", "Blog", "x.org")))) as card:
        right_of_the_bar = card.convert("RGB").crop((28, TITLE_BOX[1], 1200, TITLE_BOX[3]))
    blank = Image.new("RGB", right_of_the_bar.size, CARD_BACKGROUND)
    left, _top, right, _bottom = ImageChops.difference(right_of_the_bar, blank).getbbox()
    assert TITLE_BOX[0] - 28 <= left and right <= TITLE_BOX[2] - 28, "the title stays inside the margins"


def test_a_title_with_a_character_no_font_has_warns_naming_the_post_every_build(tmp_path):
    from blogext.outputs.sharecards import draw_card

    src = tmp_path / "src"
    shutil.copytree(REPO / "tests/roots/test-scripts", src)
    title = "Models \U0010fffd in \U0002ebf0 production"
    matter = "---\ndate: 2024-02-01\ntags: [Languages]\ncategory: Tests\ndescription: d.\n---\n"
    (src / "posts/2024/unknown.md").write_text(f"{matter}\n# {title}\n\nText.\n", "utf-8")
    for build in ("first", "unchanged"):
        built = run_sphinx(src, tmp_path / "html")
        assert built.returncode != 0, build
        [warning] = built.warnings
        assert "posts/2024/unknown.md:8: WARNING:" in warning, warning
        assert "U+10FFFD" in warning and "U+2EBF0" in warning and warning.endswith("[blog.sharecards]")
        # The card leaves them out: no empty box where they were.
        card = built.outdir / "_social/posts/2024/unknown.png"
        assert card.read_bytes() == draw_card(("Models in production", *_card_lines(built, "unknown")))


def _card_lines(built: BuiltSite, name: str) -> tuple[str, str, str]:
    alt = meta(built, f"posts/2024/{name}/", "og:image:alt")
    when, minutes = alt.rsplit(", ", 2)[1:]
    return f"{when} · {minutes}", "Scripts test blog", "blog.example.org"


def test_without_raqm_a_right_to_left_title_warns_instead_of_drawing_it_unshaped(tmp_path, monkeypatch):
    from blogext.outputs import cardtext

    monkeypatch.setattr(cardtext, "RAQM", False)
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests/roots/test-scripts", src)
    built = run_sphinx(src, tmp_path / "html")
    assert built.returncode != 0
    named = sorted(w.split("posts/2024/")[1].split(":")[0] for w in built.warnings if "lacks raqm" in w)
    assert named == ["arabic.md", "hebrew.md", "mixed.md"]


def test_a_title_dejavu_serif_has_whole_is_drawn_without_the_fallback_fonts(monkeypatch):
    # Latin, Greek and Cyrillic titles, accents and typographic quotes: DejaVu Serif Bold alone, as
    # before the fallback fonts (same bytes, same cost); the fallback machinery is not even reached.
    from blogext.outputs import cardtext
    from blogext.outputs.sharecards import draw_card

    titles = [
        "Why `<script defer>` matters: déjà vu, naïve café — “quotes” & Ελληνικά, Русский",
        " ".join(["Supercalifragilistic expialidocious pipelines"] * 8),
    ]
    before = [draw_card((t, "1 Jan 2024 · 1 min read", "Blog", "x.org")) for t in titles]

    def unreachable(*args):
        raise AssertionError("a plain title reached the fallback fonts")

    monkeypatch.setattr(cardtext, "Title", unreachable)
    monkeypatch.setattr(cardtext, "faces_for", unreachable)
    assert all(cardtext.plain(t) and cardtext.missing(t) == [] for t in titles)
    assert [draw_card((t, "1 Jan 2024 · 1 min read", "Blog", "x.org")) for t in titles] == before
