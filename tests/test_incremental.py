"""Incremental builds write the same site as clean builds, after any single change.

The site under test is tests/roots/test-incremental (six posts, a series, a
home page with a post list) built with the real site's ``conf.py``,
``_templates`` and ``_static``, so every feature of the site takes part. Each
test starts from a clean build of that site, makes one change to its sources,
builds again incrementally, and compares the output tree, file by file and
byte by byte, with a clean build of the changed sources.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import BuiltSite, assert_clean, make_site, run_sphinx, tree_differences

from blogext.core import assets


@dataclass
class Pristine:
    """A clean build of the test site, and copies to restore before each change."""

    src: Path
    out: Path
    saved: Path

    @property
    def doctrees(self) -> Path:
        return self.out.with_name(self.out.name + ".doctrees")

    def restore(self) -> None:
        """Put sources, output and doctrees back as the clean build left them (mtimes included)."""
        for live, name in ((self.src, "src"), (self.out, "out"), (self.doctrees, "doctrees")):
            shutil.rmtree(live, ignore_errors=True)
            shutil.copytree(self.saved / name, live)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Pristine:
    work = tmp_path_factory.mktemp("incremental")
    site = Pristine(make_site("incremental", work / "src"), work / "html", work / "saved")
    assert_clean(run_sphinx(site.src, site.out))
    for live, name in ((site.src, "src"), (site.out, "out"), (site.doctrees, "doctrees")):
        shutil.copytree(live, site.saved / name)
    return site


@pytest.fixture
def change_and_compare(pristine: Pristine, tmp_path) -> Callable[[Callable[[Path], None]], BuiltSite]:
    """Change the clean-built site, build incrementally, and assert the output equals a clean build."""

    def _run(change: Callable[[Path], None]) -> BuiltSite:
        pristine.restore()
        change(pristine.src)
        incremental = assert_clean(run_sphinx(pristine.src, pristine.out))
        clean = assert_clean(run_sphinx(pristine.src, tmp_path / "clean"))
        problems = tree_differences(incremental.outdir, clean.outdir)
        assert not problems, "incremental build differs from a clean build:\n" + "\n\n".join(problems)
        return incremental

    return _run


def edit(path: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def _change(src: Path) -> None:
        target = src / path
        text = target.read_text("utf-8")
        assert old in text, f"{old!r} is not in {path}"
        target.write_text(text.replace(old, new, count), "utf-8")

    return _change


def test_rebuild_with_nothing_changed_equals_clean_build(change_and_compare):
    change_and_compare(lambda src: None)


def test_editing_a_posts_body_rebuilds_like_a_clean_build(change_and_compare):
    change_and_compare(edit("posts/2024/gamma.md", "Gamma's body, which", "Gamma's new body, which"))


def _listing_pages(out: Path) -> dict[str, int]:
    """When the home page and each archive page were written."""
    pages = [out / "index.html", *(out / "blog").rglob("*.html")]
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in pages}


def test_editing_a_posts_body_renders_no_list_of_posts_again(change_and_compare, pristine):
    # The home page and Gamma's archives (its tags, category, year, author, all posts) show its
    # title, date, tags, excerpt and reading time, none of which the edit changes: they are left
    # as they were.
    before = _listing_pages(pristine.saved / "out")
    built = change_and_compare(edit("posts/2024/gamma.md", "Gamma's body, which", "Gamma's new body, which"))
    assert _listing_pages(built.outdir) == before


def test_a_longer_body_updates_the_reading_time_in_archives(change_and_compare, pristine):
    longer = "Gamma's body, which the edit tests change." + " More words for the reader to read." * 150
    built = change_and_compare(
        edit("posts/2024/gamma.md", "Gamma's body, which the edit tests change.", longer)
    )
    archive = "blog/tag/testing/index.html"
    before = (pristine.saved / "out" / archive).read_text("utf-8")
    assert (built.outdir / archive).read_text("utf-8") != before  # the card's "N min read"
    # The catalog pages (all tags, all categories, all years) list titles and dates only.
    written_before, written_now = _listing_pages(pristine.saved / "out"), _listing_pages(built.outdir)
    for catalog in ("blog/tag/index.html", "blog/category/index.html", "blog/archive/index.html"):
        assert written_now[catalog] == written_before[catalog], f"{catalog} was written again"


def test_editing_a_posts_excerpt_updates_home_page_and_archives(change_and_compare):
    built = change_and_compare(edit("posts/2024/epsilon.md", "Epsilon's excerpt.", "A rewritten excerpt."))
    assert "A rewritten excerpt." in built.path("").read_text("utf-8")


def test_retitling_a_post_updates_related_posts_neighbours_and_lists(change_and_compare):
    built = change_and_compare(edit("posts/2024/delta.md", "# Delta", "# Delta, renamed"))
    # Delta's neighbours link it by title; Beta lists it among its related posts (same category).
    assert "Delta, renamed" in built.path("posts/2024/gamma/").read_text("utf-8")
    assert "Delta, renamed" in _related(built, "posts/2024/beta/")


def test_redating_a_post_reorders_lists_and_neighbours(change_and_compare):
    # Alpha, the oldest post, becomes the newest.
    built = change_and_compare(edit("posts/2024/alpha.md", "date: 2024-01-10", "date: 2024-07-15"))
    home = built.path("").read_text("utf-8")
    assert home.index(">Alpha<") < home.index(">Zeta<")


def test_retagging_a_post_updates_tag_archives(change_and_compare):
    built = change_and_compare(edit("posts/2024/zeta.md", "tags: [Career]", "tags: [Career, Python, Rust]"))
    assert built.path("blog/tag/rust/").is_file()


def test_removing_a_posts_last_tag_removes_that_tag_page(change_and_compare):
    built = change_and_compare(edit("posts/2024/zeta.md", "tags: [Career]", "tags: [Python]"))
    assert not built.path("blog/tag/career/").exists()


def test_adding_a_post_rebuilds_like_a_clean_build(change_and_compare):
    def add(src: Path) -> None:
        (src / "posts/2024/eta.md").write_text(
            "---\ndate: 2024-08-08\ntags: [Python, Go]\ncategory: Notes\n"
            "description: The newest post.\n---\n\n# Eta\n\nEta's excerpt.\n",
            "utf-8",
        )

    built = change_and_compare(add)
    assert "Eta" in built.path("posts/2024/alpha/").read_text("utf-8")  # in alpha's related posts


def test_removing_a_post_rebuilds_like_a_clean_build(change_and_compare):
    built = change_and_compare(lambda src: (src / "posts/2024/delta.md").unlink())
    assert not built.path("posts/2024/delta/").exists()


def test_adding_a_part_to_a_series_rebuilds_like_a_clean_build(change_and_compare):
    change_and_compare(
        edit("posts/2024/epsilon.md", "category: Career\n", "category: Career\nseries: pipelines\npart: 3\n")
    )


def test_moving_a_post_out_of_a_series_rebuilds_like_a_clean_build(change_and_compare):
    def move_out(src: Path) -> None:
        edit("posts/2024/beta.md", "series: pipelines\npart: 1\n", "")(src)
        edit("posts/2024/gamma.md", "part: 2", "part: 1")(src)  # the series' numbering stays whole

    change_and_compare(move_out)


def test_retitling_a_series_rebuilds_like_a_clean_build(change_and_compare):
    change_and_compare(edit("series/pipelines.md", "# Pipelines from scratch", "# Pipelines, from scratch"))


def _override(name: str, old: str, new: str) -> Callable[[Path], None]:
    """A change that gives the site its own copy of a feature's template *name*, with *old* made *new*."""

    def _change(src: Path) -> None:
        [own] = [folder / name for folder in assets.templates_folders() if (folder / name).is_file()]
        text = own.read_text("utf-8")
        assert old in text, f"{old!r} is not in {own}"
        (src / "_templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (src / "_templates" / name).write_text(text.replace(old, new), "utf-8")

    return _change


def test_overriding_a_features_template_rebuilds_like_a_clean_build(change_and_compare):
    # Compiled templates are kept between builds (blogext.core.templatecache): a new or edited one is not.
    built = change_and_compare(_override("blog/read-next.html", "{{ _('Read next') }}", "Latest writing"))
    with_block = [
        p for p in built.files("posts/*/*/index.html") if 'class="read-next"' in p.read_text("utf-8")
    ]
    assert len(with_block) >= 3, "too few posts end with a read-next block to tell"
    for page in with_block:
        text = page.read_text("utf-8")
        assert "Latest writing" in text and ">Read next<" not in text, page


def test_a_rebuild_takes_its_compiled_templates_from_the_doctree_folder(pristine):
    pristine.restore()
    [folder] = pristine.doctrees.glob("blogext-templates-*")
    kept = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(kept) > 10, "the clean build kept too few compiled templates"
    (pristine.src / "posts/2024/alpha.md").write_text(
        (pristine.src / "posts/2024/alpha.md").read_text("utf-8") + "\nOne more sentence.\n", "utf-8"
    )
    assert_clean(run_sphinx(pristine.src, pristine.out))
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == kept, "templates were compiled again"


def test_a_build_looks_at_its_template_files_once_not_for_every_page(pristine, monkeypatch):
    # Jinja checks a template's file each time a page asks for it, unless told that templates do not
    # change during a build: about 15 checks a page (the theme's chain and the blog's components).
    import os.path

    import sphinx.jinja2glue

    checked: list[str] = []

    def counting(check):
        def check_and_count(path):
            if str(path).endswith(".html"):
                checked.append(str(path))
            return check(path)

        return check_and_count

    pristine.restore()
    monkeypatch.setattr(os.path, "getmtime", counting(os.path.getmtime))
    sphinx_check = sphinx.jinja2glue._last_modified_time
    monkeypatch.setattr(sphinx.jinja2glue, "_last_modified_time", counting(sphinx_check))
    built = assert_clean(run_sphinx(pristine.src, pristine.out, "-E"))
    pages = len(list(built.outdir.rglob("*.html")))
    files = set(checked)
    assert pages > 20 and any("pydata_sphinx_theme" in f for f in files), "the probe sees no theme template"
    # Once when each environment that renders it loads it (the pages', and the blog components').
    looks = f"{len(checked)} looks at {len(files)} template files for {pages} pages"
    assert len(checked) <= 2 * len(files), looks


def test_a_rebuild_takes_unchanged_posts_cards_from_the_doctree_folder(pristine):
    # The archive of all posts is rewritten when alpha's excerpt changes; beta's card, unchanged,
    # comes from the cards the clean build kept (marked here so that it can be told apart).
    pristine.restore()
    [stored] = pristine.doctrees.glob("blogext-cards-*.json")
    kept = json.loads(stored.read_text("utf-8"))
    cards = kept["data"]["cards"]
    [key] = [k for k in cards if json.loads(k)[:1] == ["posts/2024/beta"]]
    cards[key][1] = cards[key][1].replace("</h2>", "</h2><!-- kept -->", 1)
    stored.write_text(json.dumps(kept), "utf-8")
    edit("posts/2024/alpha.md", "excerpt, with", "renewed excerpt, with")(pristine.src)
    built = assert_clean(run_sphinx(pristine.src, pristine.out))
    archive = built.path("blog/").read_text("utf-8")
    assert "renewed excerpt" in archive
    assert archive.count("<!-- kept -->") == 1


def test_an_archive_rendered_in_a_build_that_writes_no_document_equals_a_clean_build(
    change_and_compare, pristine
):
    # No source changed, but the archive of all posts is gone from the output and the kept cards
    # with it: the rebuild renders cards before any document was written (the builder had no
    # download path yet, and the build stopped).
    def lose_archive_and_cards(src: Path) -> None:
        (pristine.out / "blog" / "index.html").unlink()
        for stored in pristine.doctrees.glob("blogext-cards-*.json"):
            stored.unlink()

    built = change_and_compare(lose_archive_and_cards)
    assert built.path("blog/").is_file()


def test_only_cards_whose_excerpt_needs_no_resolving_are_kept_between_builds(pristine):
    # Zeta's excerpt links to another post, which may change on its own: its card is made anew.
    [stored] = pristine.saved.glob("doctrees/blogext-cards-*.json")
    kept = {json.loads(key)[0] for key in json.loads(stored.read_text("utf-8"))["data"]["cards"]}
    assert "posts/2024/alpha" in kept
    assert "posts/2024/zeta" not in kept


def test_tree_comparison_sees_a_changed_byte(tmp_path):
    # The comparison the tests above rely on must be able to fail.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "page.html").write_text("<p>one</p>\n")
    (tmp_path / "b" / "page.html").write_text("<p>two</p>\n")
    (tmp_path / "a" / "extra.html").write_text("")
    problems = tree_differences(tmp_path / "a", tmp_path / "b")
    assert any("only in the incremental build: extra.html" in p for p in problems)
    assert any(re.search(r"-<p>one</p>\n\+<p>two</p>", p) for p in problems)


def test_retitling_a_post_dated_after_the_clock_but_before_blog_today_rebuilds_like_a_clean_build(tmp_path):
    # BLOG_TODAY later than the real date publishes posts dated in between. Every feature must agree
    # on that "today" (blogext.core.posts decides it once): a feature that kept the clock's date would
    # leave the old title in the lists, sidebars and neighbours' links of an incremental build.
    clock = date.today()
    day = {"BLOG_TODAY": (clock + timedelta(days=400)).isoformat()}
    src = make_site("incremental", tmp_path / "src")
    between = (clock + timedelta(days=30)).isoformat()
    (src / "posts/2024/eta.md").write_text(
        f"---\ndate: {between}\ntags: [Python]\ncategory: Notes\n---\n\n# Eta\n\nEta's excerpt.\n", "utf-8"
    )
    out = tmp_path / "html"
    first = assert_clean(run_sphinx(src, out, env=day))
    assert "Eta" in first.path("posts/2024/alpha/").read_text("utf-8"), "the post is not published"
    edit("posts/2024/eta.md", "# Eta", "# Eta, renamed")(src)
    incremental = assert_clean(run_sphinx(src, out, env=day))
    clean = assert_clean(run_sphinx(src, tmp_path / "clean", env=day))
    assert "Eta, renamed" in clean.path("posts/2024/alpha/").read_text("utf-8")
    problems = tree_differences(incremental.outdir, clean.outdir)
    assert not problems, "incremental build differs from a clean build:\n" + "\n\n".join(problems)


def test_only_pages_whose_sidebar_lists_recent_posts_show_them():
    # A new post rewrites the pages that show the recent posts; which those are follows the sidebars.
    from types import SimpleNamespace

    from blogext.core.freshness import recent_patterns

    def config(items, sidebars=None):
        return SimpleNamespace(
            html_theme_options={"secondary_sidebar_items": items}, html_sidebars=sidebars or {}
        )

    assert recent_patterns(config({"posts/**": ["page-toc"]})) == []
    assert recent_patterns(config({"posts/**": ["page-toc", "ablog/recentposts.html"]})) == ["posts/**"]
    assert recent_patterns(config(["ablog/recentposts.html"])) == ["**"]
    assert recent_patterns(config([], {"blog/**": ["ablog/recentposts.html"]})) == ["blog/**"]


def test_adding_math_to_a_posts_title_and_excerpt_rebuilds_like_a_clean_build(change_and_compare):
    def add_math(src: Path) -> None:
        excerpt = "Epsilon's excerpt, with $e^{i\\pi} + 1 = 0$."
        edit("posts/2024/epsilon.md", "Epsilon's excerpt.", excerpt)(src)
        edit("posts/2024/delta.md", "# Delta", "# Delta and $\\delta$")(src)

    built = change_and_compare(add_math)
    home = built.html("")
    assert home.find("math") is not None and "$" not in home.find("article").get_text()


def test_adding_display_math_to_a_body_rebuilds_like_a_clean_build(change_and_compare):
    def add(src: Path) -> None:
        with (src / "posts/2024/gamma.md").open("a", encoding="utf-8") as post:
            post.write("\n\n$$\n\\sum_{i=1}^{n} x_i\n$$\n\n\\begin{align}\na &= b\n\\end{align}\n")

    built = change_and_compare(add)
    assert built.html("posts/2024/gamma/").find("math", display="block") is not None


def test_adding_and_removing_a_diagram_rebuilds_like_a_clean_build(change_and_compare, pristine, tmp_path):
    diagram = "\n\n```mermaid\nflowchart LR\n  a --> b\n```\n"

    def add(src: Path) -> None:
        with (src / "posts/2024/beta.md").open("a", encoding="utf-8") as post:
            post.write(diagram)

    built = change_and_compare(add)
    assert (built.outdir / "_static" / "mermaid" / "mermaid.esm.min.mjs").is_file()
    edit("posts/2024/beta.md", diagram, "\n")(pristine.src)
    incremental = assert_clean(run_sphinx(pristine.src, pristine.out))
    clean = assert_clean(run_sphinx(pristine.src, tmp_path / "clean-again"))
    assert not tree_differences(incremental.outdir, clean.outdir)
    assert not (incremental.outdir / "_static" / "mermaid").exists()


def _related(built: BuiltSite, url: str) -> list[str]:
    """The titles the read-next block of the page *url* offers as related posts."""
    page = BeautifulSoup(built.path(url).read_text("utf-8"), "html.parser")
    return [span.get_text() for span in page.select("nav.read-next .read-next-related .read-next-title")]


def test_redating_a_neighbour_in_place_updates_the_date_the_read_next_block_shows(change_and_compare):
    # Delta stays between Gamma and Epsilon by date: Epsilon, whose source did not change, offers it as
    # its older post, with its new date.
    built = change_and_compare(edit("posts/2024/delta.md", "date: 2024-04-02", "date: 2024-04-03"))
    page = BeautifulSoup(built.path("posts/2024/epsilon/").read_text("utf-8"), "html.parser")
    older = page.select_one("nav.read-next .read-next-older")
    assert older.select_one(".read-next-title").get_text() == "Delta"
    assert older.select_one("time")["datetime"] == "2024-04-03"


def test_retagging_a_post_updates_other_posts_related_posts(change_and_compare, pristine):
    # Zeta now shares Testing with Alpha, and is newer than Epsilon: Alpha's page, whose source did not
    # change, lists it. (Beta, Alpha's next post by date, is linked as that, never as related.)
    assert _related(BuiltSite(pristine.src, pristine.saved / "out", 0, "", ""), "posts/2024/alpha/") == [
        "Gamma",
        "Epsilon",
    ]
    built = change_and_compare(edit("posts/2024/zeta.md", "tags: [Career]", "tags: [Career, Testing]"))
    assert _related(built, "posts/2024/alpha/") == ["Gamma", "Zeta", "Epsilon"]


def test_making_a_post_a_draft_takes_it_out_of_related_posts(change_and_compare):
    built = change_and_compare(
        edit("posts/2024/epsilon.md", "category: Career\n", "category: Career\ndraft: true\n")
    )
    assert "Epsilon" not in _related(built, "posts/2024/alpha/")
    assert not built.path("posts/2024/epsilon/").exists()
    assert not (built.outdir / "_social/posts/2024/epsilon.png").exists()


def test_retitling_a_post_redraws_its_share_card_and_nothing_else(change_and_compare, pristine):
    before = {p.name: p.read_bytes() for p in (pristine.saved / "out/_social/posts/2024").iterdir()}
    built = change_and_compare(edit("posts/2024/delta.md", "# Delta", "# Delta, renamed"))
    after = {p.name: p.read_bytes() for p in (built.outdir / "_social/posts/2024").iterdir()}
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] != before[name]] == ["delta.png"]
