"""Search (blogext.outputs.search): a Pagefind index of the published pages, a dialog on every page, /search/.

Built sites: the real blog (the ``site`` fixture) and ``tests/roots/test-hosting``
with the real ``conf.py``, templates and styles (two published posts and a draft
whose every word is a marker, see tests/test_hosting.py). The browser tests
(marked ``browser``) serve them as GitHub Pages does, at the root and under a
project path, and search in Chromium.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from checkers import add_axe
from conftest import REPO, BuiltSite, assert_clean, bundle_text, make_site, run_sphinx, tree_differences
from test_hosting import DRAFT_TRACES, build

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

from blogext.core import settings
from blogext.outputs import pagefindadapter, searchbundle, searchindex  # noqa: E402
from blogext.outputs.searchindex import SearchSettings  # noqa: E402

POST = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"


# -- the published site ---------------------------------------------------------------------------


def test_published_site_has_a_pagefind_index_and_no_sphinx_search(site):
    out = site.outdir
    assert (out / "pagefind" / "pagefind.js").is_file()
    assert (out / "pagefind" / "pagefind-entry.json").is_file()
    assert list((out / "pagefind" / "fragment").iterdir())
    # Pagefind's own UIs are not used by the blog's dialog: not published.
    for name in pagefindadapter.UNUSED_BUNDLE_FILES:
        assert not (out / "pagefind" / name).exists(), name
    for name in searchindex.SPHINX_SEARCH_FILES:
        assert not (out / name).exists(), name
    assert not list((out / "_static").glob("*stemmer*.js"))
    # Pagefind writes into the output folder only: never into the sources or the working folder.
    assert not (site.srcdir / "pagefind").exists()
    assert not (Path.cwd() / "pagefind").exists()


def test_no_page_loads_sphinx_search_scripts(site):
    for page in site.files("**/*.html"):
        text = page.read_text("utf-8")
        for name in (
            "searchindex.js",
            "searchtools.js",
            "language_data.js",
            "doctools.js",
            "sphinx_highlight",
        ):
            assert name not in text, f"{page.relative_to(site.outdir)} loads {name}"


def test_posts_are_indexed_with_tags_category_year_and_date(site):
    page = site.html(POST)
    body = page.select("[data-pagefind-body]")
    assert len(body) == 1
    assert body[0].select_one("article h1").get_text().startswith("Finding my feet")
    filters = {span["data-pagefind-filter"] for span in body[0].select("[data-pagefind-filter]")}
    assert "year:2023" in filters
    assert any(f.startswith("tag:") for f in filters)
    assert any(f.startswith("category:") for f in filters)
    meta = {span["data-pagefind-meta"] for span in body[0].select("[data-pagefind-meta]")}
    assert meta == {"date:30 April 2023", "datetime:2023-04-30"}


@pytest.mark.parametrize(
    "path", ["", "blog/", "blog/tag/git/", "blog/tag/", "series/", "search/", "404.html"]
)
def test_home_archives_search_and_404_are_not_indexed(site, path):
    assert site.html(path).select("[data-pagefind-body]") == []


def test_index_holds_the_posts_text(site):
    text = bundle_text(site.outdir)
    assert "Finding my feet as a Machine Learning Engineer" in text
    assert "version control" in text.lower()


def test_navbar_opens_search_with_the_blogs_placeholder(site):
    page = site.html(POST)
    buttons = page.select("a.blog-search-button[data-blog-search-open]")
    assert buttons and all(b["href"] == "../../../search/" for b in buttons)
    assert {b["data-placeholder"] for b in buttons} == {"Search the blog"}
    assert page.select("#pst-search-dialog, .search-button__button") == []
    assert "Search the docs" not in site.path(POST).read_text("utf-8")
    search_page = site.html("search/")
    field = search_page.select_one("form[data-blog-search-page] input[name=q]")
    assert field["placeholder"] == "Search the blog"
    assert search_page.select_one('meta[name="robots"]')["content"].startswith("noindex")


# -- drafts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preview", ["0", "1"])
def test_drafts_are_never_in_the_index_not_even_in_the_preview(tmp_path, preview):
    built = build(make_site("hosting", tmp_path / "src"), tmp_path / "out", {"BLOG_PREVIEW": preview})
    if preview == "1":  # the preview builds the draft's page, but does not mark it for the index
        draft = built.path("posts/2024/leaving-my-job/")
        assert "HOSTDRAFTBODY9053" in draft.read_text("utf-8")
        assert "data-pagefind-body" not in draft.read_text("utf-8")
    text = bundle_text(built.outdir)
    assert "Alpha post" in text  # the check can fail: published text is there
    for trace in DRAFT_TRACES:
        assert trace not in text, trace
        assert trace.lower() not in text.lower(), trace


# -- incremental builds ------------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_rebuild_with_nothing_changed_skips_pagefind_and_leaves_the_output_byte_identical(tmp_path):
    src = make_site("hosting", tmp_path / "src")
    first = build(src, tmp_path / "out")
    assert "indexed 3 pages with Pagefind" in first.stdout
    before = _tree(first.outdir)
    again = build(src, tmp_path / "out")
    assert "search index is up to date" in again.stdout
    assert "with Pagefind" not in again.stdout
    assert _tree(again.outdir) == before


def test_edited_post_is_found_after_an_incremental_rebuild_and_old_words_are_gone(tmp_path):
    src = make_site("hosting", tmp_path / "src")
    build(src, tmp_path / "out")
    post = src / "posts" / "2024" / "beta.md"
    post.write_text(post.read_text("utf-8") + "\nQuokkasearchword appears now.\n", "utf-8")
    rebuilt = build(src, tmp_path / "out")
    assert "indexed 3 pages with Pagefind" in rebuilt.stdout
    assert "Quokkasearchword" in bundle_text(rebuilt.outdir)
    post.write_text(post.read_text("utf-8").replace("Quokkasearchword", "Wombat"), "utf-8")
    rebuilt = build(src, tmp_path / "out")
    assert "Quokkasearchword" not in bundle_text(rebuilt.outdir)
    # The bundle equals a clean build's.
    clean = build(src, tmp_path / "clean")
    assert _tree(rebuilt.outdir / "pagefind") == _tree(clean.outdir / "pagefind")


def test_lost_index_file_is_written_again(tmp_path):
    src = make_site("hosting", tmp_path / "src")
    built = build(src, tmp_path / "out")
    (built.outdir / "pagefind" / "pagefind.js").unlink()
    again = build(src, tmp_path / "out")
    assert (again.outdir / "pagefind" / "pagefind.js").is_file()


# -- the index in parts ------------------------------------------------------------------------------


def _parts_site(tmp_path: Path, size: int = 1) -> Path:
    """The hosting site with at most *size* pages in a part of the index: about, alpha, beta."""
    src = make_site("hosting", tmp_path / "src")
    conf = src / "conf.py"
    conf.write_text(conf.read_text("utf-8") + f"\nblogext_search_part_pages = {size}\n", "utf-8")
    return src


def _times(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _fragment_times(bundle: Path) -> dict[str, int]:
    return {name: t for name, t in _times(bundle).items() if name.startswith("fragment/")}


def _entry(bundle: Path) -> dict:
    return json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))


def test_index_is_made_in_parts_and_published_as_one_index(tmp_path):
    built = build(_parts_site(tmp_path), tmp_path / "out")
    bundle = built.outdir / "pagefind"
    assert "indexed 3 pages with Pagefind (3 of 3 parts)" in built.stdout
    assert _entry(bundle)["languages"]["en"]["page_count"] == 3
    assert sorted(p.name for p in bundle.iterdir() if p.is_dir()) == ["filter", "fragment", "index"]
    assert not (bundle / "blog-parts.json").exists()
    for words in ("A small blog served from several hosts", "Alpha post", "Beta post"):
        assert words in _fragments_text(built.outdir)
    # The same bundle as from one part (the parts' fragments are Pagefind's, the rest merged).
    one = build(make_site("hosting", tmp_path / "one"), tmp_path / "one-out")
    assert "(1 of 1 parts)" in one.stdout
    assert _tree(bundle) == _tree(one.outdir / "pagefind")


def test_edited_post_reindexes_its_part_only_and_the_index_equals_a_clean_builds(tmp_path):
    src = _parts_site(tmp_path)
    built = build(src, tmp_path / "out")
    bundle = built.outdir / "pagefind"
    before = _fragment_times(bundle)
    post = src / "posts" / "2024" / "alpha.md"
    post.write_text(post.read_text("utf-8") + "\nNumbatnotion arrives in an edit.\n", "utf-8")
    rebuilt = build(src, tmp_path / "out")
    assert "indexed 1 pages with Pagefind (1 of 3 parts)" in rebuilt.stdout
    assert "Numbatnotion" in _fragments_text(rebuilt.outdir)
    after = _fragment_times(bundle)
    assert len(set(before) - set(after)) == 1 and len(set(after) - set(before)) == 1  # alpha's
    assert {name: after[name] for name in before if name in after} == {
        name: t for name, t in before.items() if name in after
    }, "other parts' fragments were written again"
    clean = build(src, tmp_path / "clean")
    assert _tree(bundle) == _tree(clean.outdir / "pagefind")


def test_new_newest_post_lands_in_a_part_of_its_own_and_leaves_the_others_untouched(tmp_path):
    src = _parts_site(tmp_path)
    built = build(src, tmp_path / "out")
    bundle = built.outdir / "pagefind"
    before = _fragment_times(bundle)
    (src / "posts" / "2024" / "gamma.md").write_text(
        "---\ndate: 2024-03-10\ntags: [Python]\ncategory: Notes\n---\n\n# Gamma post\n\nGamma's words.\n",
        "utf-8",
    )
    rebuilt = build(src, tmp_path / "out")
    # The new post's part is indexed, and only it: the other posts' next and related posts, and every
    # page's breadcrumbs and sidebars, are not what Pagefind is given of them (searchindex.searchable).
    assert "indexed 1 pages with Pagefind (1 of 4 parts)" in rebuilt.stdout, rebuilt.stdout
    assert "Gamma post" in _fragments_text(rebuilt.outdir)
    after = _fragment_times(bundle)
    assert {name: after.get(name) for name in before} == before
    assert _entry(bundle)["languages"]["en"]["page_count"] == 4
    assert _tree(bundle) == _tree(build(src, tmp_path / "clean").outdir / "pagefind")


def test_lost_fragment_reindexes_its_part_and_lost_chunk_merges_again(tmp_path):
    built = build(_parts_site(tmp_path), tmp_path / "out")
    bundle = built.outdir / "pagefind"
    whole = _tree(bundle)
    lost = next((bundle / "fragment").iterdir())
    lost.unlink()
    again = build(_parts_site(tmp_path / "again"), tmp_path / "out")
    assert "(1 of 3 parts)" in again.stdout
    assert _tree(bundle) == whole
    next((bundle / "index").iterdir()).unlink()
    again = build(_parts_site(tmp_path / "more"), tmp_path / "out")
    assert "the search index's parts merged again (3 pages)" in again.stdout
    assert "with Pagefind" not in again.stdout
    assert _tree(bundle) == whole


def test_lost_index_of_a_part_in_the_doctrees_reindexes_that_part(tmp_path):
    src = _parts_site(tmp_path)
    built = build(src, tmp_path / "out")
    whole = _tree(built.outdir / "pagefind")
    (tmp_path / "out.doctrees" / "blogext-search-part-2.json").unlink()
    next((built.outdir / "pagefind" / "index").iterdir()).unlink()  # the merge needs every part
    again = build(src, tmp_path / "out")
    assert "indexed 1 pages with Pagefind (1 of 3 parts)" in again.stdout
    assert _tree(built.outdir / "pagefind") == whole


def test_fewer_parts_leave_no_index_of_a_part_behind(tmp_path):
    src = _parts_site(tmp_path)
    build(src, tmp_path / "out")
    kept = tmp_path / "out.doctrees"
    assert (kept / "blogext-search-part-3.json").is_file()
    conf = src / "conf.py"
    conf.write_text(conf.read_text("utf-8").replace("part_pages = 1", "part_pages = 2"), "utf-8")
    rebuilt = build(src, tmp_path / "out")
    assert "(2 of 2 parts)" in rebuilt.stdout
    assert not (kept / "blogext-search-part-3.json").exists()
    assert _tree(rebuilt.outdir / "pagefind") == _tree(build(src, tmp_path / "clean").outdir / "pagefind")


def test_page_written_again_in_the_same_tick_with_the_same_size_is_read_again(tmp_path):
    """Pages are not read again when their time and size are unchanged, unless that time is too close
    to the last reading to be trusted (as on a file system with a coarse clock)."""
    src = _parts_site(tmp_path)
    built = build(src, tmp_path / "out")
    page = built.outdir / "posts" / "2024" / "beta" / "index.html"
    html = page.read_text("utf-8")
    stat = page.stat()
    assert "excerpt.</p>" in html
    page.write_text(html.replace("excerpt.</p>", "quokkas.</p>", 1), "utf-8")
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert page.stat().st_size == stat.st_size
    state_file = tmp_path / "out.doctrees" / searchindex.STATE_FILE
    stored = json.loads(state_file.read_text("utf-8"))
    stored["data"]["read_at"] = stat.st_mtime_ns + 1_000_000_000  # a second after the page was written
    state_file.write_text(json.dumps(stored), "utf-8")
    rebuilt = build(src, tmp_path / "out")
    assert "(1 of 3 parts)" in rebuilt.stdout
    assert "quokkas" in _fragments_text(rebuilt.outdir)


def test_run_of_a_part_whose_page_changed_since_it_was_read_gives_nothing_to_use(tmp_path):
    page = tmp_path / "out" / "a" / "index.html"
    page.parent.mkdir(parents=True)
    start, end = searchindex.BODY_START, searchindex.BODY_END
    html = f'<html lang="en"><body>{start}<h1>A</h1><p>Words of a.</p></div>{end}'
    page.write_text(html, "utf-8")
    config = {"exclude_selectors": list(searchindex.NOT_TEXT), "force_language": "en"}

    def part_of(digest: str) -> searchindex.Part:
        indexed = searchindex.Indexed("a", "/a/", page, digest, (0, "", "a"), (0, 0))
        return searchindex.Part("part-1", [indexed])

    as_read = searchindex._digest(searchindex.searchable(html))
    ran = searchindex._index_part(tmp_path / "runs", part_of(as_read), config)
    assert ran is not None and ran.words == {"a": 3}  # the check can fail: the page as read is indexed
    page.write_text(html.replace("Words of a.", "Other words now."), "utf-8")
    assert searchindex._index_part(tmp_path / "runs", part_of(as_read), config) is None
    assert not (tmp_path / "runs" / "part-1").exists()


def test_pagefind_is_given_the_indexed_element_without_the_furniture_unless_an_attribute_adds_to_the_index():
    start, end = searchindex.BODY_START, searchindex.BODY_END
    skip, skipped = searchindex.SKIP_START, searchindex.SKIP_END
    crumbs = '<nav class="blog-breadcrumbs" data-pagefind-ignore="all"><a href="/">Home</a></nav>'
    furniture = f'{skip}<nav data-pagefind-ignore="all">Share</nav><aside>Read next: B</aside>{skipped}'
    html = f'<html lang="en"><body>{crumbs}{start}<h1>A</h1><p>Words.</p>{furniture}</div>{end}<p>Foot</p>'
    given = searchindex.searchable(html)
    assert "Words." in given and '<html lang="en">' in given
    assert not any(text in given for text in ("Home", "Share", "Read next", "Foot"))
    # A filter outside the element, or in the furniture, is Pagefind's to read: the page is given whole.
    for outside in (html.replace("<p>Foot", '<p data-pagefind-filter="tag">Foot'),
                    html.replace("<aside>", '<aside data-pagefind-meta="next">')):  # fmt: skip
        assert searchindex.searchable(outside) == outside or "Read next" in searchindex.searchable(outside)


# -- the author's mistakes and bad settings --------------------------------------------------------


def test_page_with_no_text_to_search_is_a_warning(tmp_path):
    src = make_site("hosting", tmp_path / "src")
    (src / "about.md").write_text("# About\n", "utf-8")
    built = run_sphinx(src, tmp_path / "out", env={"BLOG_TODAY": "2024-06-01"})
    assert built.returncode != 0
    warning = re.search(r"about\.md: WARNING: (.*) \[blog\.search\]", built.stderr)
    assert warning, built.stderr
    assert warning[1] == "the page has nothing to search but its title (is its body empty?)"
    assert len(built.warnings) == 1


PLACEHOLDER = "a non-empty string such as 'Search the blog'"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("blogext_search_placeholder", "", f"blogext_search_placeholder: expected {PLACEHOLDER}, got ''"),
        (
            "blogext_search_placeholder",
            "   ",
            f"blogext_search_placeholder: expected {PLACEHOLDER}, got '   '",
        ),
        ("blogext_search_placeholder", None, f"blogext_search_placeholder: expected {PLACEHOLDER}, got None"),
        ("blogext_search_results", 0, "blogext_search_results: expected a whole number >= 1, got 0"),
        ("blogext_search_results", -3, "blogext_search_results: expected a whole number >= 1, got -3"),
        ("blogext_search_results", "10", "blogext_search_results: expected a whole number >= 1, got '10'"),
        ("blogext_search_results", True, "blogext_search_results: expected a whole number >= 1, got True"),
        ("blogext_search_results", 2.5, "blogext_search_results: expected a whole number >= 1, got 2.5"),
        ("blogext_search_part_pages", 0, "blogext_search_part_pages: expected a whole number >= 1, got 0"),
        (
            "blogext_search_part_pages",
            "100",
            "blogext_search_part_pages: expected a whole number >= 1, got '100'",
        ),
    ],
)
def test_bad_search_settings_are_named_with_what_was_expected(name, value, message):
    [declared] = [one for one in settings.declared(SearchSettings) if one.name == name]
    assert settings.problem_of(declared, value) == message


def test_bad_search_setting_stops_a_real_build(tmp_path):
    built = run_sphinx(
        make_site("hosting", tmp_path / "src"), tmp_path / "out", "-D", "blogext_search_results=0"
    )
    assert built.returncode == 1
    assert "blogext_search_results: expected a whole number >= 1, got 0" in built.stderr
    assert not (tmp_path / "out" / "pagefind").exists()


# -- in a browser ----------------------------------------------------------------------------------


class Reader:
    """A page in Chromium that may ask only the local server, and records console errors."""

    def __init__(self, browser, base: str, width: int = 1280, mode: str = "light"):
        self.base = base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def results(self) -> list[str]:
        self.page.locator(".blog-search-result").first.wait_for(timeout=15_000)
        return self.page.locator(".blog-search-result-link").all_inner_texts()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def served(site):
    with serve(site.outdir) as server:
        yield server


_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(
  v => `${v.impact}: ${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""


@pytest.mark.browser
@pytest.mark.parametrize("key", ["/", "Control+k"])
def test_shortcut_opens_the_dialog_and_results_come_as_you_type(browser, served, key):
    reader = Reader(browser, served.url)
    page = reader.page
    page.goto(served.url + POST, wait_until="networkidle")
    page.keyboard.press(key)
    dialog = page.locator("dialog.blog-search-dialog")
    assert dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "blog-search-dialog-input"
    page.keyboard.type("version contr")  # no Enter: results as you type
    assert "What a GIT." in reader.results()
    first = page.locator(".blog-search-result").first
    assert first.locator(".blog-search-result-excerpt mark").count() > 0
    assert page.locator(".blog-search-status").inner_text().endswith("for “version contr”")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert reader.errors == [] and reader.foreign == []
    reader.close()


@pytest.mark.browser
def test_search_works_from_the_404_page_at_any_depth(browser, served):
    # The 404 page is served at whatever URL was missing: search must still find the site's root.
    reader = Reader(browser, served.url)
    page = reader.page
    page.goto(served.url + "no/such/post/at/any/depth/", wait_until="networkidle")
    page.keyboard.press("/")
    page.keyboard.type("version control")
    assert "What a GIT." in reader.results()
    href = page.locator(".blog-search-result-link").first.get_attribute("href")
    assert urlsplit(href).path.startswith("/posts/") or urlsplit(href).path.startswith("/series/")
    page.wait_for_load_state("networkidle")
    assert [e for e in reader.errors if "404" not in e or "search" in e] == []
    reader.close()


@pytest.mark.browser
def test_filters_narrow_results_by_tag_category_and_year(browser, served):
    reader = Reader(browser, served.url)
    page = reader.page
    page.goto(served.url, wait_until="networkidle")
    page.keyboard.press("/")
    page.keyboard.type("git")
    everything = reader.results()
    page.locator(".blog-search-filters summary").click()
    page.get_by_label("Category").select_option("Tutorials")
    page.wait_for_function(
        "n => document.querySelectorAll('.blog-search-result').length < n", arg=len(everything)
    )
    narrowed = reader.results()
    assert narrowed and set(narrowed) < set(everything)
    assert "About" not in narrowed
    page.get_by_label("Year").select_option("2023")
    git = page.evaluate("[...document.querySelectorAll('select[name=tag] option')].map(o => o.value)")
    assert "Git" in git
    page.get_by_label("Tag").select_option("Git")
    assert reader.results()
    # No words, a filter only: every post of that filter, newest first.
    page.locator("#blog-search-dialog-input").fill("")
    page.wait_for_function(
        "() => document.querySelector('.blog-search-status').textContent.includes('filters')"
    )
    assert reader.results()
    assert reader.errors == []
    reader.close()


@pytest.mark.browser
def test_search_page_searches_for_its_q_from_a_link(browser, served):
    reader = Reader(browser, served.url)
    page = reader.page
    page.goto(served.url + "search/?q=version+control", wait_until="networkidle")
    assert page.locator("#blog-search-page-input").input_value() == "version control"
    assert "What a GIT." in reader.results()
    page.locator("#blog-search-page-input").fill("finding my feet")
    page.wait_for_function("() => location.search === '?q=finding+my+feet'")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.blog-search-result-link')]"
        ".some(a => a.textContent.includes('Finding'))"
    )
    page.goto(served.url + "search/?category=Tutorials", wait_until="networkidle")
    assert reader.results()
    assert page.get_by_label("Category").input_value() == "Tutorials"
    assert reader.errors == [] and reader.foreign == []
    reader.close()


@pytest.mark.browser
def test_search_finds_pages_of_every_part_and_lists_filtered_posts_newest_first(browser, tmp_path):
    src = _parts_site(tmp_path)
    (src / "posts" / "2024" / "gamma.md").write_text(
        "---\ndate: 2024-03-10\ntags: [Python]\ncategory: Notes\n---\n\n# Gamma post\n\nGamma's words.\n",
        "utf-8",
    )
    built = build(src, tmp_path / "out")
    assert "(4 of 4 parts)" in built.stdout
    with serve(built.outdir) as server:
        reader = Reader(browser, server.url)
        page = reader.page
        page.goto(server.url + "search/?q=post", wait_until="networkidle")
        page.wait_for_function("() => document.querySelectorAll('.blog-search-result').length >= 3")
        assert {"Alpha post", "Beta post", "Gamma post"} <= set(reader.results())
        page.goto(server.url + "search/?q=several+hosts", wait_until="networkidle")
        assert reader.results() == ["About"]
        # Filters only: every post of the tag, newest first.
        page.goto(server.url + "search/?tag=Python", wait_until="networkidle")
        page.wait_for_function("() => document.querySelectorAll('.blog-search-result').length === 3")
        assert reader.results() == ["Gamma post", "Beta post", "Alpha post"]
        counts = page.evaluate("[...document.querySelectorAll('select[name=tag] option')].map(o => o.text)")
        assert "Python (3)" in counts, counts
        requested = {urlsplit(path).path for path, _status in server.requests}
        assert len([path for path in requested if path.endswith(".pf_meta")]) == 1, "one index"
        assert reader.errors == [] and reader.foreign == []
        reader.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_open_dialog_with_results_has_no_accessibility_violation(browser, served, width, mode):
    reader = Reader(browser, served.url, width, mode)
    page = reader.page
    page.goto(served.url + POST, wait_until="networkidle")
    page.keyboard.press("/")
    page.keyboard.type("git")
    reader.results()
    page.locator(".blog-search-filters summary").click()
    page.get_by_label("Year").select_option("2023")
    reader.results()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    add_axe(page)
    assert page.evaluate(_AXE) == []
    reader.close()


@pytest.mark.browser
def test_search_page_has_no_accessibility_violation(browser, served):
    reader = Reader(browser, served.url, 390, "dark")
    page = reader.page
    page.goto(served.url + "search/?q=git", wait_until="networkidle")
    reader.results()
    add_axe(page)
    assert page.evaluate(_AXE) == []
    reader.close()


@pytest.fixture(scope="module")
def project_site(tmp_path_factory) -> tuple[BuiltSite, Path]:
    """test-hosting built as the project site alice/ml-blog, in a host folder at /ml-blog/."""
    work = tmp_path_factory.mktemp("project")
    built = build(
        make_site("hosting", work / "src"), work / "out", {"BLOG_PAGES_REPOSITORY": "alice/ml-blog"}
    )
    host = work / "host"
    shutil.copytree(built.outdir, host / "ml-blog")
    shutil.copy2(built.outdir / "404.html", host / "404.html")
    return built, host


@pytest.mark.browser
def test_search_works_under_a_project_page_prefix(browser, project_site):
    _built, host = project_site
    with serve(host) as server:
        reader = Reader(browser, server.url)
        page = reader.page
        page.goto(server.url + "ml-blog/posts/2024/alpha/", wait_until="networkidle")
        page.keyboard.press("Control+k")
        page.keyboard.type("beta")
        assert "Beta post" in reader.results()
        href = page.locator(".blog-search-result-link").first.get_attribute("href")
        assert urlsplit(href).path.startswith("/ml-blog/posts/2024/")
        with page.expect_navigation():
            page.locator(".blog-search-result-link").first.click()
        assert page.url.startswith(server.url + "ml-blog/posts/2024/")
        page.goto(server.url + "ml-blog/search/?q=alpha", wait_until="networkidle")
        assert "Alpha post" in reader.results()
        requested = [path for path, _status in server.requests]
        assert all(path.startswith("/ml-blog/") for path in requested), requested
        assert reader.errors == [] and reader.foreign == []
        reader.close()


@pytest.mark.browser
def test_preview_search_finds_published_posts_and_never_drafts(browser, tmp_path):
    built = build(make_site("hosting", tmp_path / "src"), tmp_path / "out", {"BLOG_PREVIEW": "1"})
    with serve(built.outdir) as server:
        reader = Reader(browser, server.url)
        page = reader.page
        page.goto(server.url + "posts/2024/leaving-my-job/", wait_until="networkidle")
        page.keyboard.press("/")
        for words in ("HOSTDRAFTBODY9053", "Leaving my job for a new startup", "startup"):
            page.locator("#blog-search-dialog-input").fill(words)
            page.wait_for_function(
                "w => document.querySelector('.blog-search-status').textContent.includes(w)", arg=words
            )
            found = page.locator(".blog-search-results").inner_text()
            hrefs = page.eval_on_selector_all(".blog-search-result-link", "links => links.map(a => a.href)")
            assert "HOSTDRAFT" not in found and "Leaving my job" not in found
            assert not any("leaving-my-job" in href for href in hrefs)
        page.locator("#blog-search-dialog-input").fill("alpha")
        assert "Alpha post" in reader.results()
        assert reader.errors == [] and reader.foreign == []
        reader.close()


# -- the bundle is the same for the same pages ------------------------------------------------------


def test_pagefind_data_files_round_trip_and_are_named_by_their_contents():
    values = [0, 23, 24, 255, 256, 65_536, 2**32, -1, -300, "", "Machine Learning", "é…"]
    values += [[], [1, [2, "x"]], {"a": [1]}, True, False, None, b"\x00\xff"]
    for value in values:
        data, digest = pagefindadapter._pack(value)
        assert pagefindadapter._unpack(data) == value
        assert pagefindadapter._pack(value) == (data, digest)  # the same value, the same bytes and name
    assert pagefindadapter._pack([1])[1] != pagefindadapter._pack([2])[1]
    with pytest.raises(ValueError, match="not a Pagefind data file"):
        pagefindadapter._unpack(gzip.compress(b"something else"))


def test_pagefind_runs_on_the_same_pages_give_the_same_bundle(site, tmp_path):
    pages = [
        ("/" + path.relative_to(site.outdir).as_posix(), path.read_text("utf-8"))
        for path in site.files("**/index.html")
        if "data-pagefind-body" in path.read_text("utf-8")
    ]
    config = {"exclude_selectors": list(searchindex.NOT_TEXT), "force_language": "en"}
    bundles = []
    for _run in range(4):  # Pagefind's own order changes from run to run: 4 runs all but always differ
        bundles.append(searchbundle.run_pagefind(pages, config)[1])
    assert all(bundle == bundles[0] for bundle in bundles)
    assert any(name.startswith("filter/") for name in bundles[0])


def _count_pagefind_runs(monkeypatch) -> list[str]:
    """Each start of Pagefind's runs: "early" (beside the rest of the build) or "at the end"."""
    started: list[str] = []
    original = searchindex._Runs.__init__

    def counting(self, root, parts, config, workers):
        started.append("at the end" if workers == (os.cpu_count() or 1) else "early")
        original(self, root, parts, config, workers)

    monkeypatch.setattr(searchindex._Runs, "__init__", counting)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # early: one worker; at the end: two
    return started


def _fragments_text(outdir: Path) -> str:
    fragments = sorted(outdir.glob("pagefind/fragment/*"))
    return "".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in fragments)


def test_pagefind_starts_once_beside_the_rest_of_the_build(tmp_path, monkeypatch):
    src = make_site("incremental", tmp_path / "src")
    assert_clean(run_sphinx(src, tmp_path / "html"))
    post = src / "posts/2024/delta.md"
    post.write_text(post.read_text("utf-8") + "\nA word only the rebuild indexes, quokkaquill.\n", "utf-8")
    started = _count_pagefind_runs(monkeypatch)
    rebuilt = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert started == ["early"], "one run, started early, used"
    assert "quokkaquill" in _fragments_text(rebuilt.outdir)
    clean = assert_clean(run_sphinx(src, tmp_path / "clean"))
    problems = tree_differences(rebuilt.outdir / "pagefind", clean.outdir / "pagefind")
    assert not problems, "the rebuild's index differs from a clean build's:\n" + "\n".join(problems)


def test_a_page_changed_after_pagefind_started_is_indexed_as_the_build_left_it(tmp_path, monkeypatch):
    src = make_site("incremental", tmp_path / "src")
    (src / "late_edit.py").write_text(
        "from pathlib import Path\n"
        "def _edit(app, exception):\n"
        "    page = Path(app.outdir) / 'posts/2024/delta/index.html'\n"
        "    html = page.read_text('utf-8')\n"
        "    page.write_text(html.replace('</h1>', '</h1><p>Changed late, wombatwhistle.</p>', 1), 'utf-8')\n"
        "def setup(app):\n"
        "    app.connect('build-finished', _edit, priority=500)\n"
        "    return {'parallel_read_safe': True, 'parallel_write_safe': True}\n",
        "utf-8",
    )
    conf = src / "conf.py"
    extra = "\nimport sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n"
    extra += "extensions.append('late_edit')\n"
    conf.write_text(conf.read_text("utf-8") + extra, "utf-8")
    started = _count_pagefind_runs(monkeypatch)
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert started == ["early", "at the end"], "the early run saw the page before it changed: run again"
    assert "wombatwhistle" in _fragments_text(built.outdir)
