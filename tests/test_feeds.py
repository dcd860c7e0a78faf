"""Feeds that subscribers can trust (issue 4).

Every Atom feed of the real site and of ``tests/roots/test-feeds`` is parsed with
lxml and checked against every rule: valid Atom, unique feed ids, absolute links
that resolve to real files and fragments of the built site, stable tag: entry
ids, deterministic bytes, dates in the configured time zone, updates, several
authors, lengths, discovery, and no drafts or future posts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import ablog.post
import lxml.html
import pytest
from conftest import ATOM, REPO, ROOTS, BuiltSite, assert_clean, entry_titles, feed_entries, run_sphinx
from lxml import etree

TEST_BASE = "https://feeds.example.org/"
SITE_BASE = "https://shrutiturner.github.io/"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TAG_URI = re.compile(r"^tag:[a-z0-9.@-]+,\d{4}(-\d{2}(-\d{2})?)?:[\w/:@!$&'()*+,;=.~%-]+$")
ABSOLUTE_SCHEMES = {"http", "https", "mailto"}
CODE = """def greet(name):
    if name:
        return f"Hello, {name}!"
"""


# -- building the test site --------------------------------------------------------------


def copy_feeds_root(dest: Path, edit: Callable[[Path], None] | None = None) -> Path:
    """A copy of ``test-feeds`` with the site's subscribe footer template."""
    shutil.copytree(ROOTS / "test-feeds", dest)
    (dest / "_templates").mkdir(exist_ok=True)
    shutil.copy2(REPO / "_templates" / "subscribe.html", dest / "_templates" / "subscribe.html")
    if edit is not None:
        edit(dest)
    return dest


@pytest.fixture(scope="module")
def feeds_build(tmp_path_factory) -> Callable[..., BuiltSite]:
    """Build (once per arguments) a copy of ``test-feeds``; asserts nothing about success."""
    built: dict[tuple, BuiltSite] = {}

    def _build(*args: str, builder: str = "dirhtml", env: dict[str, str] | None = None) -> BuiltSite:
        key = (args, builder, tuple(sorted((env or {}).items())))
        if key not in built:
            work = tmp_path_factory.mktemp("feeds")
            src = copy_feeds_root(work / "src")
            built[key] = run_sphinx(src, work / "html", *args, env=env, builder=builder)
        return built[key]

    return _build


@pytest.fixture(scope="module")
def feeds_site(feeds_build) -> BuiltSite:
    return assert_clean(feeds_build())


# -- reading feeds --------------------------------------------------------------------------


def atom_feeds(built: BuiltSite) -> dict[str, etree._Element]:
    """Every Atom feed of a built site, by its path in the site."""
    feeds = {}
    for path in built.files("**/*.xml"):
        root = etree.parse(str(path)).getroot()
        if root.tag == f"{ATOM}feed":
            feeds[path.relative_to(built.outdir).as_posix()] = root
    return feeds


def feed_bytes(built: BuiltSite) -> dict[str, bytes]:
    return {rel: (built.outdir / rel).read_bytes() for rel in atom_feeds(built)}


def links(element: etree._Element, rel: str) -> list[str]:
    return [
        link.get("href") for link in element.findall(f"{ATOM}link") if link.get("rel", "alternate") == rel
    ]


def entry(feed: etree._Element, title: str) -> etree._Element:
    found = [e for e in feed_entries(feed) if e.findtext(f"{ATOM}title") == title]
    assert len(found) == 1, f"{title!r} is in the feed {len(found)} times"
    return found[0]


def content_html(entry_: etree._Element) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(entry_.findtext(f"{ATOM}content"), create_parent="div")


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def resolve(built: BuiltSite, base: str, url: str) -> str | None:
    """Why *url* does not resolve to a file (and fragment) of the built site, or ``None``."""
    if not url.startswith(base):
        return None if urlsplit(url).scheme in ABSOLUTE_SCHEMES else f"{url} is not absolute"
    path, _, fragment = url[len(base) :].partition("#")
    target = built.outdir / path
    if not path or path.endswith("/"):
        target = target / "index.html"
    if not target.is_file():
        return f"{url}: no file {target.relative_to(built.outdir)}"
    if fragment:
        page = lxml.html.parse(str(target)).getroot()
        if not page.xpath("//*[@id=$f or @name=$f]", f=fragment):
            return f"{url}: no element with id {fragment!r}"
    return None


def feed_problems(built: BuiltSite, base: str, rel: str, feed: etree._Element) -> list[str]:
    """Every way the feed at *rel* breaks the rules (an empty list: none)."""
    problems: list[str] = []

    def need(condition: bool, message: str) -> None:
        if not condition:
            problems.append(f"{rel}: {message}")

    for name in ("id", "title", "updated"):
        need(len(feed.findall(f"{ATOM}{name}")) == 1, f"needs exactly one <{name}>")
    need(TAG_URI.match(feed.findtext(f"{ATOM}id") or "") is not None, "feed <id> is not a tag: URI")
    need(links(feed, "self") == [base + rel], f"rel=self is {links(feed, 'self')}, not {base + rel}")
    alternates = links(feed, "alternate")
    need(len(alternates) == 1, "needs one rel=alternate link")
    for url in alternates:
        need(resolve(built, base, url) is None, f"rel=alternate: {resolve(built, base, url)}")
    need(feed.find(f"{ATOM}author/{ATOM}name") is not None, "has no feed <author><name>")
    entries = feed_entries(feed)
    need(bool(entries), "has no entries")
    for stamp in feed.iter(f"{ATOM}updated", f"{ATOM}published"):
        need(
            RFC3339.match(stamp.text or "") is not None,
            f"timestamp {stamp.text!r} is not RFC 3339 with an offset",
        )
    if problems:
        return problems
    need(
        when(feed.findtext(f"{ATOM}updated")) == max(when(e.findtext(f"{ATOM}updated")) for e in entries),
        "feed <updated> is not the newest entry's <updated>",
    )
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    need(len(set(ids)) == len(ids), "two entries share an id")
    published = [when(e.findtext(f"{ATOM}published")) for e in entries]
    need(published == sorted(published, reverse=True), "entries are not newest first")
    for e in entries:
        title = e.findtext(f"{ATOM}title")
        where = f"entry {title!r}"
        for name in ("id", "title", "updated", "published", "summary", "content"):
            need(len(e.findall(f"{ATOM}{name}")) == 1, f"{where} needs exactly one <{name}>")
        if problems:
            return problems
        need(
            TAG_URI.match(e.findtext(f"{ATOM}id")) is not None,
            f"{where}: id {e.findtext(f'{ATOM}id')} is no tag: URI",
        )
        need(
            when(e.findtext(f"{ATOM}updated")) >= when(e.findtext(f"{ATOM}published")),
            f"{where}: updated < published",
        )
        need(bool(e.findall(f"{ATOM}author/{ATOM}name")), f"{where} has no author")
        need(bool((e.findtext(f"{ATOM}summary") or "").strip()), f"{where} has an empty summary")
        for url in links(e, "alternate"):
            need(resolve(built, base, url) is None, f"{where}: {resolve(built, base, url)}")
        need(len(links(e, "alternate")) == 1, f"{where} needs one rel=alternate link")
        need(e.find(f"{ATOM}content").get("type") == "html", f"{where}: content is not type html")
        body = content_html(e)
        need(not body.xpath("//script"), f"{where}: content has a <script>")
        need(not body.xpath("//h1"), f"{where}: content repeats the title")
        need(not body.xpath("//*[@*[starts-with(name(), 'on')]]"), f"{where}: content has an event handler")
        for element in body.iter():
            for attr in ("href", "src"):
                url = element.get(attr)
                if url is not None:
                    need(resolve(built, base, url) is None, f"{where}: {attr} {resolve(built, base, url)}")
    return problems


def all_problems(built: BuiltSite, base: str) -> list[str]:
    return [p for rel, feed in atom_feeds(built).items() for p in feed_problems(built, base, rel, feed)]


# -- every feed, every rule ---------------------------------------------------------------


def test_every_feed_of_the_real_site_is_valid_atom_with_working_links(site):
    feeds = atom_feeds(site)
    assert {"blog/atom.xml", "blog/tag/git/atom.xml", "blog/category/tutorials/atom.xml"} <= set(feeds)
    assert all_problems(site, SITE_BASE) == []


def test_every_feed_of_the_test_site_is_valid_atom_with_working_links(feeds_site):
    feeds = atom_feeds(feeds_site)
    assert {"blog/atom.xml", "blog/tag/git/atom.xml", "blog/category/notes/atom.xml", "pair/atom.xml"} <= set(
        feeds
    )
    assert all_problems(feeds_site, TEST_BASE) == []


def test_feed_checks_catch_a_broken_feed(feeds_site, tmp_path):
    # The checks above must be able to fail: break a copy of a feed in four ways.
    broken = tmp_path / "site"
    shutil.copytree(feeds_site.outdir, broken)
    feed_path = broken / "blog" / "atom.xml"
    text = feed_path.read_text("utf-8")
    text = text.replace("+01:00</updated>", "</updated>", 1)
    text = text.replace(f"{TEST_BASE}posts/2024/target/#a-heading", f"{TEST_BASE}posts/2024/target/#nowhere")
    text = text.replace(f"{TEST_BASE}_images/diagram.svg", "../../_images/diagram.svg")
    feed_path.write_text(text, "utf-8")
    copy = BuiltSite(feeds_site.srcdir, broken, 0, "", "")
    problems = feed_problems(copy, TEST_BASE, "blog/atom.xml", copy.feed("blog/atom.xml"))
    assert any("is not RFC 3339" in p for p in problems), problems
    text = text.replace("</updated>", "+01:00</updated>", 1)
    feed_path.write_text(text, "utf-8")
    problems = feed_problems(copy, TEST_BASE, "blog/atom.xml", copy.feed("blog/atom.xml"))
    assert any("no element with id 'nowhere'" in p for p in problems), problems
    assert any("../../_images/diagram.svg is not absolute" in p for p in problems), problems


@pytest.mark.parametrize("which", ["site", "feeds_site"])
def test_every_feed_has_its_own_id(which, request):
    built = request.getfixturevalue(which)
    ids = [feed.findtext(f"{ATOM}id") for feed in atom_feeds(built).values()]
    assert len(ids) > 3
    assert len(set(ids)) == len(ids)


@pytest.fixture
def _repo_importable(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))  # the test site's conf.py loads blogext


@pytest.mark.usefixtures("_repo_importable")
@pytest.mark.sphinx("dirhtml", testroot="feeds")
def test_ablog_feed_writer_is_disconnected(app):
    handlers = [listener.handler for listener in app.events.listeners["html-collect-pages"]]
    assert ablog.post.generate_atom_feeds not in handlers


def test_ablog_writes_no_feed_of_its_own(feeds_site):
    for rel, feed in atom_feeds(feeds_site).items():
        assert feed.find(f"{ATOM}generator") is None, f"{rel} was written by ABlog"
        assert feed.findtext(f"{ATOM}id").startswith("tag:feeds.example.org,2024:feed:")


# -- entries --------------------------------------------------------------------------------


def test_entry_ids_are_tag_uris_of_the_docname(feeds_site):
    site_feed = feeds_site.feed("blog/atom.xml")
    assert (
        entry(site_feed, "Target post").findtext(f"{ATOM}id")
        == "tag:feeds.example.org,2024:posts/2024/target"
    )
    assert site_feed.findtext(f"{ATOM}id") == "tag:feeds.example.org,2024:feed:site"
    assert (
        feeds_site.feed("pair/atom.xml").findtext(f"{ATOM}id")
        == "tag:feeds.example.org,2024:feed:series:pair"
    )


def _ids(built: BuiltSite) -> dict[str, dict[str, str]]:
    return {
        rel: {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}id") for e in feed_entries(feed)}
        | {"": feed.findtext(f"{ATOM}id")}
        for rel, feed in atom_feeds(built).items()
    }


def test_entry_and_feed_ids_do_not_change_with_the_html_builder(feeds_site, feeds_build):
    html = assert_clean(feeds_build(builder="html"))
    assert links(entry(html.feed("blog/atom.xml"), "Target post"), "alternate") == [
        f"{TEST_BASE}posts/2024/target.html"
    ]
    assert _ids(html) == _ids(feeds_site)
    assert all_problems(html, TEST_BASE) == []


def test_entry_and_feed_ids_do_not_change_with_the_base_url(feeds_site, feeds_build):
    mirror = "https://mirror.example.net/sub/"
    moved = assert_clean(feeds_build(env={"BLOG_BASE_URL": mirror}))
    assert links(moved.feed("blog/atom.xml"), "self") == [f"{mirror}blog/atom.xml"]
    assert _ids(moved) == _ids(feeds_site)
    assert all_problems(moved, mirror) == []


def test_post_with_two_authors_keeps_both(feeds_site):
    linked = entry(feeds_site.feed("blog/atom.xml"), "Linked post")
    authors = [(a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}uri")) for a in linked.findall(f"{ATOM}author")]
    assert authors == [("Ada Lovelace", f"{TEST_BASE}about/"), ("Grace Hopper", "https://grace.example.net/")]


def test_update_directive_sets_the_entry_updated_time(feeds_site):
    target = entry(feeds_site.feed("blog/atom.xml"), "Target post")
    assert target.findtext(f"{ATOM}published") == "2024-01-05T00:00:00+00:00"
    assert target.findtext(f"{ATOM}updated") == "2024-02-01T00:00:00+00:00"


def test_updated_front_matter_sets_the_entry_updated_time(feeds_site):
    summer = entry(feeds_site.feed("blog/atom.xml"), "Summer post")
    assert summer.findtext(f"{ATOM}published") == "2024-06-01T00:00:00+01:00"
    assert summer.findtext(f"{ATOM}updated") == "2024-07-15T00:00:00+01:00"


def test_post_without_update_is_updated_when_published(feeds_site):
    linked = entry(feeds_site.feed("blog/atom.xml"), "Linked post")
    assert linked.findtext(f"{ATOM}updated") == linked.findtext(f"{ATOM}published")


def test_dates_get_the_configured_time_zone(feeds_site, feeds_build):
    # Europe/London: GMT in March, BST in June; a post's time of day is kept.
    site_feed = feeds_site.feed("blog/atom.xml")
    assert entry(site_feed, "Linked post").findtext(f"{ATOM}published") == "2024-03-10T14:30:00+00:00"
    tokyo = assert_clean(feeds_build("-D", "blogext_timezone=Asia/Tokyo"))
    assert (
        entry(tokyo.feed("blog/atom.xml"), "Linked post").findtext(f"{ATOM}published")
        == "2024-03-10T14:30:00+09:00"
    )
    assert (
        entry(tokyo.feed("blog/atom.xml"), "Summer post").findtext(f"{ATOM}updated")
        == "2024-07-15T00:00:00+09:00"
    )


def test_feed_updated_is_the_newest_entry_update_not_the_build_time(feeds_site):
    assert feeds_site.feed("blog/atom.xml").findtext(f"{ATOM}updated") == "2024-07-15T00:00:00+01:00"
    # The tag feed's newest change is the target post's update, not the summer post's.
    assert feeds_site.feed("blog/tag/git/atom.xml").findtext(f"{ATOM}updated") == "2024-03-10T14:30:00+00:00"


def test_summary_is_the_description_or_else_the_excerpt(feeds_site):
    site_feed = feeds_site.feed("blog/atom.xml")
    assert entry(site_feed, "Target post").findtext(f"{ATOM}summary") == "The post the other one links to."
    assert entry(site_feed, "Linked post").findtext(f"{ATOM}summary") == (
        "Linked excerpt paragraph with a link to the target."
    )


def test_links_to_a_post_a_heading_and_an_image_are_absolute_and_resolve(feeds_site):
    body = content_html(entry(feeds_site.feed("blog/atom.xml"), "Linked post"))
    hrefs = [a.get("href") for a in body.iter("a")]
    assert f"{TEST_BASE}posts/2024/target/" in hrefs
    assert f"{TEST_BASE}posts/2024/target/#a-heading" in hrefs
    assert f"{TEST_BASE}posts/2024/linked/#some-code" in hrefs
    assert [img.get("src") for img in body.iter("img")] == [f"{TEST_BASE}_images/diagram.svg"]
    for url in [*hrefs, f"{TEST_BASE}_images/diagram.svg"]:
        assert resolve(feeds_site, TEST_BASE, url) is None


def test_every_url_of_a_srcset_is_absolute_in_the_feed(tmp_path):
    def add_post(src: Path) -> None:
        with (src / "conf.py").open("a", encoding="utf-8") as conf:
            conf.write('\nextensions.append("blogext.markup.localfiles")  # raw HTML\'s images copied\n')
        (src / "posts" / "2024" / "pictures.md").write_text(
            "---\ndate: 2024-01-06\n---\n\n# Pictures post\n\nText.\n\n"
            '<picture><source srcset="diagram.svg 1x, diagram.svg 2x">'
            '<img src="diagram.svg" alt="A diagram" srcset="diagram.svg 1x, diagram.svg 2x"></picture>\n',
            "utf-8",
        )

    built = assert_clean(run_sphinx(copy_feeds_root(tmp_path / "src", add_post), tmp_path / "html"))
    feed = built.feed("blog/atom.xml")
    assert "feeds.invalid" not in (built.outdir / "blog" / "atom.xml").read_text("utf-8")
    body = content_html(entry(feed, "Pictures post"))
    candidates = [
        part.split()[0]
        for element in body.xpath("//img | //source")
        for part in element.get("srcset").split(",")
    ]
    assert len(candidates) == 4
    for url in candidates:
        assert url.startswith(TEST_BASE), url
        assert resolve(built, TEST_BASE, url) is None


def test_code_blocks_keep_their_formatting(feeds_site):
    body = content_html(entry(feeds_site.feed("blog/atom.xml"), "Linked post"))
    blocks = body.xpath("//pre")
    assert [pre.text_content() for pre in blocks] == [CODE]


def test_content_needs_no_script_and_drops_page_furniture(feeds_site):
    feed = feeds_site.feed("blog/atom.xml")
    linked = entry(feed, "Linked post")
    assert "alert" not in linked.findtext(f"{ATOM}content")
    body = content_html(linked)
    assert not body.xpath(
        "//script | //*[contains(@class, 'headerlink')] | //*[contains(@class, 'post-meta')]"
    )
    assert "Linked excerpt paragraph" in body.text_content()


def test_update_note_stays_in_the_content(feeds_site):
    body = content_html(entry(feeds_site.feed("blog/atom.xml"), "Target post"))
    assert "Updated on 01 February 2024" in body.text_content()


# -- which posts, how many -------------------------------------------------------------------


def _assert_no_unpublished_entries(built: BuiltSite) -> None:
    feeds = atom_feeds(built)
    for rel, feed in feeds.items():
        assert not {"Future post", "Unfinished post"} & set(entry_titles(feed)), rel
        text = (built.outdir / rel).read_bytes()
        assert b"2099" not in text and b"unfinished" not in text, rel
    # The pair feed's handler named the future post: the feeds dropped it.
    assert entry_titles(feeds["pair/atom.xml"]) == ["Linked post", "Target post"]


def test_drafts_and_future_posts_are_in_no_feed(feeds_site):
    _assert_no_unpublished_entries(feeds_site)


def test_drafts_and_future_posts_of_the_preview_are_in_no_feed(feeds_build, feeds_site):
    preview = assert_clean(feeds_build(env={"BLOG_PREVIEW": "1"}))
    # The preview builds them (so the feeds saw them) ...
    assert preview.path("posts/2024/unfinished/").is_file()
    assert preview.path("posts/2099/future/").is_file()
    # ... and no feed lists them: the feeds are the published site's.
    _assert_no_unpublished_entries(preview)
    assert feed_bytes(preview) == feed_bytes(feeds_site)


def test_site_and_archive_feeds_list_the_right_posts(feeds_site):
    assert entry_titles(feeds_site.feed("blog/atom.xml")) == ["Summer post", "Linked post", "Target post"]
    assert entry_titles(feeds_site.feed("blog/tag/git/atom.xml")) == ["Linked post", "Target post"]
    assert entry_titles(feeds_site.feed("blog/category/notes/atom.xml")) == ["Summer post", "Target post"]
    assert entry_titles(feeds_site.feed("blog/2024/atom.xml")) == [
        "Summer post",
        "Linked post",
        "Target post",
    ]


def test_feed_lengths_are_configurable(feeds_build):
    short = assert_clean(
        feeds_build("-D", "blogext_feed_site_length=2", "-D", "blogext_feed_archive_length=1")
    )
    assert entry_titles(short.feed("blog/atom.xml")) == ["Summer post", "Linked post"]
    assert entry_titles(short.feed("blog/tag/git/atom.xml")) == ["Linked post"]
    assert all_problems(short, TEST_BASE) == []


def _add_bulk_posts(src: Path) -> None:
    for day in range(1, 22):
        (src / "posts" / "2023").mkdir(exist_ok=True)
        (src / "posts" / "2023" / f"bulk-{day:02}.md").write_text(
            f"---\ndate: 2023-01-{day:02}\ntags: [Bulk]\ncategory: Notes\n---\n\n"
            f"# Bulk {day:02}\n\nBulk post {day}.\n",
            "utf-8",
        )


def test_site_feed_lists_the_newest_20_by_default_and_archive_feeds_all(tmp_path):
    src = copy_feeds_root(tmp_path / "src", _add_bulk_posts)
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    site_titles = entry_titles(built.feed("blog/atom.xml"))
    assert len(site_titles) == 20
    assert site_titles[:3] == ["Summer post", "Linked post", "Target post"]
    assert site_titles[-1] == "Bulk 05"  # bulk 01 to 04 are the oldest four of 24
    assert len(entry_titles(built.feed("blog/tag/bulk/atom.xml"))) == 21


# -- deterministic, incremental ------------------------------------------------------------


def test_two_clean_builds_give_byte_identical_feeds(feeds_site, tmp_path):
    again = assert_clean(run_sphinx(copy_feeds_root(tmp_path / "src"), tmp_path / "html"))
    first, second = feed_bytes(feeds_site), feed_bytes(again)
    assert sorted(first) == sorted(second)
    for rel in first:
        assert first[rel] == second[rel], f"{rel} differs between two clean builds"


def test_parallel_build_writes_the_same_feeds(feeds_site, tmp_path):
    # ABlog is not parallel-read safe (Sphinx warns and reads serially), but writing is parallel.
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "dirhtml",
        "-n",
        "-j",
        "2",
        "-d",
        str(tmp_path / "doctrees"),
        str(src),
        str(out),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("BLOG_BASE_URL", "READTHEDOCS_CANONICAL_URL")}
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env={**env, "PYTHONPATH": str(REPO)}, check=False
    )
    assert proc.returncode == 0, proc.stderr
    unexpected = [
        w for w in proc.stderr.splitlines() if "WARNING" in w and "parallel" not in w and "serial" not in w
    ]
    assert unexpected == []
    assert feed_bytes(BuiltSite(src, out, 0, "", "")) == feed_bytes(feeds_site)


def _change_sources(src: Path) -> None:
    target = src / "posts" / "2024" / "target.md"
    target.write_text(
        target.read_text("utf-8").replace("Text under the heading.", "Rewritten text."), "utf-8"
    )
    (src / "posts" / "2024" / "linked.md").unlink()  # the only post in category Tutorials
    (src / "posts" / "2024" / "newcomer.md").write_text(
        "---\ndate: 2024-05-01\ntags: [Fresh]\ncategory: Notes\n---\n\n# Newcomer post\n\nNewcomer text.\n",
        "utf-8",
    )


def test_incremental_build_gives_the_feeds_of_a_clean_build(tmp_path):
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    assert_clean(run_sphinx(src, out))
    assert (out / "blog" / "category" / "tutorials" / "atom.xml").is_file()
    _change_sources(src)
    incremental = assert_clean(run_sphinx(src, out))
    assert "Newcomer post" in entry_titles(incremental.feed("blog/atom.xml"))
    assert "Linked post" not in entry_titles(incremental.feed("blog/atom.xml"))
    assert "Rewritten text." in entry(incremental.feed("blog/atom.xml"), "Target post").findtext(
        f"{ATOM}content"
    )
    assert not (out / "blog" / "category" / "tutorials" / "atom.xml").exists(), (
        "a feed the site lost was kept"
    )

    clean = assert_clean(
        run_sphinx(copy_feeds_root(tmp_path / "clean-src", _change_sources), tmp_path / "clean")
    )
    assert feed_bytes(incremental) == feed_bytes(clean)
    assert all_problems(incremental, TEST_BASE) == []


def test_rebuild_without_changes_rewrites_no_feed(tmp_path):
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    first = assert_clean(run_sphinx(src, out))
    stamps = {rel: (out / rel).stat().st_mtime_ns for rel in atom_feeds(first)}
    before = feed_bytes(first)
    second = assert_clean(run_sphinx(src, out))
    assert "0 source files that are out of date" in second.stdout
    assert feed_bytes(second) == before
    assert {rel: (out / rel).stat().st_mtime_ns for rel in atom_feeds(second)} == stamps


def test_incremental_build_follows_changed_feed_settings_and_lost_files(tmp_path, feeds_build):
    # Feed settings rewrite no page, and an unchanged feed is skipped: neither may hide a change.
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    before = feed_bytes(assert_clean(run_sphinx(src, out)))
    (out / "blog" / "tag" / "git" / "atom.xml").unlink()
    assert feed_bytes(assert_clean(run_sphinx(src, out))) == before
    settings = ("-D", "blogext_timezone=Asia/Tokyo", "-D", "blogext_feed_site_length=2")
    changed = assert_clean(run_sphinx(src, out, *settings))
    assert feed_bytes(changed) == feed_bytes(assert_clean(feeds_build(*settings)))


def test_feeds_survive_a_lost_content_cache(tmp_path):
    # Up-to-date pages but no cache (deleted, or a fresh clone of the doctrees): posts are rendered again.
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    first = assert_clean(run_sphinx(src, out))
    before = feed_bytes(first)
    for cache in (tmp_path / "html.doctrees").glob("blogext-feeds-*.json"):
        cache.unlink()
    assert feed_bytes(assert_clean(run_sphinx(src, out))) == before


def test_feeds_survive_lost_entries_when_posts_change(tmp_path):
    # The index of entries is there but the entries it names are gone: the feeds written again
    # render the posts whose entries they lack, and are those of a clean build.
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    assert_clean(run_sphinx(src, out))
    stored = [p for p in (tmp_path / "html.doctrees").glob("blogext-feeds-*") if p.is_dir()]
    assert stored, "entries are not stored where this test expects them"
    for folder in stored:
        shutil.rmtree(folder)
    _change_sources(src)
    incremental = assert_clean(run_sphinx(src, out))
    clean = assert_clean(
        run_sphinx(copy_feeds_root(tmp_path / "clean-src", _change_sources), tmp_path / "clean")
    )
    assert feed_bytes(incremental) == feed_bytes(clean)


def test_entry_store_keeps_exactly_the_entries_in_use_after_posts_change(tmp_path):
    # An edited post's old entry and a removed post's entry leave the store; no other file does.
    src = copy_feeds_root(tmp_path / "src")
    out = tmp_path / "html"
    assert_clean(run_sphinx(src, out))
    doctrees = tmp_path / "html.doctrees"
    [store] = [p for p in doctrees.glob("blogext-feeds-*") if p.is_dir()]
    before = {p.name for p in store.iterdir()}
    _change_sources(src)
    assert_clean(run_sphinx(src, out))
    [index] = doctrees.glob("blogext-feeds-*.json")
    cache = json.loads(index.read_text("utf-8"))
    in_use = {f"{digest}.html" for digest in cache["data"]["digests"].values()}
    after = {p.name for p in store.iterdir()}
    # Each entry's content, and each entry serialized (by fingerprint) once a feed listing it was written.
    assert {name for name in after if name.endswith(".html")} == in_use
    assert {name for name in after if name.endswith(".entry")} <= set(cache["data"]["entries"])
    assert all(name.endswith((".html", ".entry")) for name in after), after
    gone = before - after
    assert len({n for n in gone if n.endswith(".html")}) == 2, "the edited and removed posts' contents stay"
    assert len({n for n in gone if n.endswith(".entry")}) == 2, "their serialized entries stay"


# -- discovery ----------------------------------------------------------------------------------


def _feed_links_in_head(built: BuiltSite, url: str) -> list[str]:
    return [
        link["href"]
        for link in built.html(url).select('head link[rel="alternate"][type="application/atom+xml"]')
    ]


def _pages(built: BuiltSite) -> list[str]:
    pages = []
    for page in built.files("**/index.html"):
        rel = page.relative_to(built.outdir).as_posix()
        if "_static" not in rel:
            pages.append(rel[: -len("index.html")])
    return pages


@pytest.mark.parametrize("which,site_feed", [("site", "blog/atom.xml"), ("feeds_site", "blog/atom.xml")])
def test_every_page_links_the_site_feed_in_head_and_footer(which, site_feed, request):
    built = request.getfixturevalue(which)
    base = SITE_BASE if which == "site" else TEST_BASE
    for url in _pages(built):
        page_dir = built.path(url).parent
        heads = _feed_links_in_head(built, url)
        assert heads, f"{url} links no feed"
        assert (page_dir / heads[0]).resolve() == (built.outdir / site_feed).resolve(), (
            f"{url}: first feed is {heads[0]}"
        )
        subscribe = built.html(url).select("a.blog-subscribe-link")
        assert subscribe, f"{url} has no visible subscribe link"
        assert subscribe[0].get_text(strip=True) == base + site_feed
        assert (page_dir / subscribe[0]["href"]).resolve() == (built.outdir / site_feed).resolve()
        assert "Subscribe" in subscribe[0].parent.get_text()


@pytest.mark.parametrize(
    "url,feed",
    [
        ("blog/tag/git/", "blog/tag/git/atom.xml"),
        ("blog/category/notes/", "blog/category/notes/atom.xml"),
        ("blog/2024/", "blog/2024/atom.xml"),
        ("pair/", "pair/atom.xml"),
    ],
)
def test_archive_and_series_pages_link_their_own_feed(feeds_site, url, feed):
    heads = _feed_links_in_head(feeds_site, url)
    own = [(feeds_site.path(url).parent / h).resolve() for h in heads]
    assert own[1:] == [(feeds_site.outdir / feed).resolve()]
    shown = [a.get_text(strip=True) for a in feeds_site.html(url).select("a.blog-subscribe-link")]
    assert shown == [TEST_BASE + "blog/atom.xml", TEST_BASE + feed]


def test_real_tag_category_and_series_pages_link_their_own_feed(site):
    for url in ("blog/tag/git/", "blog/category/tutorials/", "series/git-guides/"):
        heads = _feed_links_in_head(site, url)
        assert len(heads) == 2, f"{url}: {heads}"
        assert (site.path(url).parent / heads[1]).resolve() == (site.outdir / url / "atom.xml").resolve()
        assert (site.outdir / url / "atom.xml").is_file()


def test_post_pages_link_only_the_site_feed(feeds_site):
    assert len(_feed_links_in_head(feeds_site, "posts/2024/linked/")) == 1


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override,message",
    [
        (
            "blogext_timezone=Mars/Olympus",
            "blogext_timezone: expected an IANA time zone name such as 'Europe/London' or 'UTC', "
            "got 'Mars/Olympus'",
        ),
        (
            "blogext_feed_tag_authority=",
            "conf.py: blogext_feed_tag_authority = '' is not a domain name or email address",
        ),
        (
            "blogext_feed_tag_authority=not a domain",
            "conf.py: blogext_feed_tag_authority = 'not a domain' is not a domain name",
        ),
        (
            "blogext_feed_tag_date=23",
            "conf.py: blogext_feed_tag_date = '23' is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        ("blogext_feed_site_length=0", "blogext_feed_site_length: expected a whole number >= 1, got 0"),
        (
            "blogext_feed_archive_length=0",
            "blogext_feed_archive_length: expected a whole number >= 1 or None, got 0",
        ),
    ],
)
def test_bad_feed_settings_fail_with_a_clear_error(feeds_build, override, message):
    built = feeds_build("-D", override)
    assert built.returncode != 0
    assert message in built.stderr


def test_bad_feed_path_from_a_handler_fails_with_a_clear_error(feeds_build):
    built = feeds_build(env={"PAIRFEED_PATH": "/pair/atom.xml"})
    assert built.returncode != 0
    assert (
        "feed 'series:pair': path '/pair/atom.xml' is not a site-relative path to an .xml file"
        in built.stderr
    )


def test_bad_updated_date_stops_the_build_naming_the_file_and_value(tmp_path):
    # The feeds read the post model's checked front matter: a bad date never reaches them.
    def _bad(src: Path) -> None:
        post = src / "posts" / "2024" / "frontmatter-update.md"
        post.write_text(post.read_text("utf-8").replace("updated: 2024-07-15", "updated: someday"), "utf-8")

    built = run_sphinx(copy_feeds_root(tmp_path / "src", _bad), tmp_path / "html")
    assert built.returncode != 0
    assert "posts/2024/frontmatter-update.md: updated 'someday' is not a valid date" in built.stderr
    assert not (tmp_path / "html" / "blog" / "atom.xml").exists()
