"""Tutorial series (blogext/pages/series.py): the box, the series pages,
the list of series, the series feeds, unpublished parts, bad input, and
incremental builds that stay as correct as clean ones.

The test site ``tests/roots/test-series`` has two series:

- ``basics`` ("Testing basics"): "The first assertion" (part 1, 10 Feb 2024),
  "Fixtures" (part 2, but older: 20 Jan 2024), and "Mocking, one day" (part 3,
  dated 2999, so never published);
- ``deploys`` ("Deploying models"): "Packaging a model" (1 Mar) and "Serving a
  model" (15 Mar), without part numbers, so in date order;

and "An aside", a post in no series, dated between them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ATOM, REPO, ROOTS, BuiltSite, assert_clean, entry_titles, run_sphinx

FIRST = "posts/2024/first-assertion/"
FIXTURES = "posts/2024/fixtures/"
MOCKING = "posts/2999/mocking/"
PACKAGING = "posts/2024/packaging/"
SERVING = "posts/2024/serving/"
ASIDE = "posts/2024/aside/"
BASICS = "series/basics/"


# -- helpers -----------------------------------------------------------------------


def copy_root(tmp_path: Path, name: str = "series") -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / f"test-{name}", src)
    return src


def edit(path: Path, old: str, new: str) -> None:
    """Replace *old* by *new* in *path*."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    write(path, text.replace(old, new, 1))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")  # after the last build, so Sphinx sees it as changed


def add_extension(src: Path, name: str) -> None:
    conf = src / "conf.py"
    write(conf, conf.read_text(encoding="utf-8") + f"extensions.append({name!r})\n")


def lenient_build(src: Path, out: Path) -> BuiltSite:
    """``sphinx-build`` without ``-W``: warnings do not fail it."""
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "dirhtml",
        "--keep-going",
        "-d",
        str(out) + ".doctrees",
        str(src),
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return BuiltSite(src, out, proc.returncode, proc.stdout, proc.stderr)


def titles(items) -> list[str]:
    return [item.get_text(" ", strip=True) for item in items]


def box(site: BuiltSite, url: str):
    found = site.html(url).select("article .series-box")
    assert len(found) == 1, f"{url} has {len(found)} series boxes"
    return found[0]


def read_next(site: BuiltSite, url: str):
    """The read-next block at the end of a post (blogext.pages.readnext; drawn by the real site's
    templates)."""
    found = site.html(url).select("nav.read-next")
    assert len(found) == 1, f"{url} has {len(found)} read-next blocks"
    return found[0]


def target(site: BuiltSite, url: str, href: str) -> str:
    """The URL path a relative link on page *url* points to."""
    resolved = (site.path(url).parent / href).resolve()
    rel = resolved.relative_to(site.outdir.resolve()).as_posix()
    return "" if rel == "." else rel + ("/" if resolved.is_dir() else "")


@pytest.fixture(scope="module")
def series_site(tmp_path_factory) -> BuiltSite:
    """The series test site, built once, strictly."""
    work = tmp_path_factory.mktemp("series")
    src = copy_root(work)
    return assert_clean(run_sphinx(src, work / "html"))


# -- the series box ------------------------------------------------------------------


def test_series_box_says_part_n_of_m_and_links_the_series_title(series_site):
    first = box(series_site, FIRST)
    assert first.select_one(".series-box-count").get_text() == "Part 1 of 2"
    title = first.select_one("a.series-box-title")
    assert title.get_text() == "Testing basics"
    assert target(series_site, FIRST, title["href"]) == BASICS
    assert box(series_site, FIXTURES).select_one(".series-box-count").get_text() == "Part 2 of 2"


def test_series_box_lists_every_part_in_order_and_marks_the_current_one(series_site):
    parts = box(series_site, FIXTURES).select(".series-box-parts > li")
    assert titles(parts) == ["The first assertion", "Fixtures"]
    current = [li for li in parts if li.get("aria-current") == "page"]
    assert titles(current) == ["Fixtures"] and "current" in current[0]["class"]
    assert current[0].find("a") is None, "the current part links to itself"
    assert target(series_site, FIXTURES, parts[0].find("a")["href"]) == FIRST


def test_series_box_sits_under_the_post_header_before_the_text(series_site):
    section = series_site.html(FIRST).select_one("article section")
    blocks = [child for child in section.children if getattr(child, "name", None)]
    names = [(b.name, (b.get("class") or [""])[0]) for b in blocks[:4]]
    assert names[0][0] == "h1"
    assert names[1] == ("div", "post-meta")
    assert names[2] == ("nav", "series-box")
    assert blocks[3].get_text(strip=True) == "Excerpt of the first assertion."


def test_part_numbers_order_a_series_whatever_the_dates(series_site):
    # "Fixtures" is older than "The first assertion", but it is part 2.
    assert titles(box(series_site, FIRST).select(".series-box-parts > li")) == [
        "The first assertion",
        "Fixtures",
    ]


def test_parts_without_numbers_are_ordered_by_date(series_site):
    serving = box(series_site, SERVING)
    assert serving.select_one(".series-box-count").get_text() == "Part 2 of 2"
    assert titles(serving.select(".series-box-parts > li")) == ["Packaging a model", "Serving a model"]


def test_posts_outside_a_series_have_no_series_box_or_navigation(series_site):
    page = series_site.html(ASIDE)
    assert page.select(".series-box") == []


# -- previous / next within the series ------------------------------------------------------
#
# The series' next and previous parts (and its page, on the last part) are drawn first in the one
# read-next block at the end of a post, by the real site's templates: tests/test_readnext.py.


def test_series_navigation_replaces_ablogs_date_order_on_parts_only(series_site):
    # By date, "An aside" (1 Feb) sits between "Fixtures" (20 Jan) and "The first assertion" (10 Feb).
    assert series_site.html(FIRST).select(".ablog__prev-next") == []
    assert series_site.html(FIXTURES).select(".ablog__prev-next") == []
    assert series_site.html(ASIDE).select(".ablog__prev-next"), (
        "ABlog's navigation should stay on other posts"
    )


# -- the series page and the list of series -------------------------------------------


def test_series_page_shows_the_description_then_the_parts_with_dates_and_excerpts(series_site):
    page = series_site.html(BASICS)
    section = page.select_one("article section")
    assert section.find("h1").get_text(strip=True).rstrip("#") == "Testing basics"
    paragraphs = [p.get_text(" ", strip=True) for p in section.find_all("p", recursive=False)]
    assert paragraphs[0] == "A short course on testing, from the first assertion to fixtures."
    parts = section.select("#series-parts li.series-part")
    assert [p.select_one(".series-part-title").get_text(strip=True) for p in parts] == [
        "The first assertion",
        "Fixtures",
    ]
    assert [p.select_one("time")["datetime"] for p in parts] == ["2024-02-10", "2024-01-20"]
    assert [p.select_one(".series-part-excerpt").get_text(strip=True) for p in parts] == [
        "Excerpt of the first assertion.",
        "Excerpt of fixtures.",
    ]
    assert target(series_site, BASICS, parts[1].select_one("a")["href"]) == FIXTURES
    # The description comes first, the parts after it.
    assert str(section).index("A <em>short</em> course") < str(section).index('id="series-parts"')


def test_series_list_page_lists_every_series_with_its_summary(series_site):
    page = series_site.html("series/")
    assert page.select_one("title").get_text().startswith("Series")
    items = page.select(".series-list > li")
    assert [i.select_one(".series-list-title").get_text(strip=True) for i in items] == [
        "Deploying models",
        "Testing basics",
    ]
    assert items[1].select_one(".series-list-meta").get_text(" ", strip=True).startswith("2 parts")
    assert items[1].select_one(".series-list-summary").get_text() == (
        "A short course on testing, from the first assertion to fixtures."
    )
    assert target(series_site, "series/", items[1].select_one(".series-list-title a")["href"]) == BASICS


def test_series_pages_are_orphans_without_toctree_warnings(series_site):
    # The fixture builds with -W; this names the guarantee that series pages need no toctree.
    assert series_site.warnings == []
    assert (series_site.outdir / "series" / "deploys" / "index.html").is_file()


# -- the series feed ------------------------------------------------------------------------


def test_series_feed_lists_the_published_parts(series_site):
    feed = series_site.feed("series/basics/atom.xml")
    assert feed.tag == f"{ATOM}feed"
    assert sorted(entry_titles(feed)) == ["Fixtures", "The first assertion"]
    assert sorted(entry_titles(series_site.feed("series/deploys/atom.xml"))) == [
        "Packaging a model",
        "Serving a model",
    ]


def test_series_feed_is_linked_from_its_page_head_and_body(series_site):
    page = series_site.html(BASICS)
    heads = [link["href"] for link in page.select('head link[rel="alternate"][type="application/atom+xml"]')]
    assert any(target(series_site, BASICS, href) == "series/basics/atom.xml" for href in heads), heads
    visible = page.select_one("article a.series-feed-link")
    assert target(series_site, BASICS, visible["href"]) == "series/basics/atom.xml"


# -- unpublished parts ------------------------------------------------------------------------------


def test_future_dated_part_is_not_counted_linked_or_fed(series_site):
    for url in (FIRST, FIXTURES, BASICS, "series/"):
        hrefs = [a["href"] for a in series_site.html(url).select("article a")]
        assert not any("mocking" in href for href in hrefs), f"{url} links the unpublished part"
        assert "Mocking" not in series_site.html(url).select_one("article").get_text()
    assert box(series_site, FIXTURES).select_one(".series-box-count").get_text() == "Part 2 of 2"
    assert "Mocking, one day" not in entry_titles(series_site.feed("series/basics/atom.xml"))


def _with_draft_part(tmp_path: Path) -> Path:
    """The test site with blogext.core.drafts switched on and "Fixtures" (part 2 of 2) a draft."""
    src = copy_root(tmp_path)
    add_extension(src, "blogext.core.drafts")
    edit(src / "posts/2024/fixtures.md", "part: 2\n", "part: 2\ndraft: true\n")
    return src


def _assert_draft_invisible(site: BuiltSite) -> None:
    first = box(site, FIRST)
    assert first.select_one(".series-box-count").get_text() == "Part 1 of 1"
    assert titles(first.select(".series-box-parts > li")) == ["The first assertion"]
    assert titles(site.html(BASICS).select("#series-parts li .series-part-title")) == ["The first assertion"]
    assert site.html("series/").select_one(".series-list-meta").get_text().startswith("2 parts")  # deploys
    for url in (FIRST, BASICS, "series/"):
        assert not any("fixtures" in a["href"] for a in site.html(url).select("article a")), url
    assert entry_titles(site.feed("series/basics/atom.xml")) == ["The first assertion"]


def test_draft_part_is_not_counted_or_linked_in_the_preview_but_shows_its_place(tmp_path):
    site = assert_clean(run_sphinx(_with_draft_part(tmp_path), tmp_path / "out", env={"BLOG_PREVIEW": "1"}))
    _assert_draft_invisible(site)
    # The draft's own page (preview only) shows the reader's series, with the draft in its place.
    draft = box(site, FIXTURES)
    assert draft.select_one(".series-box-count").get_text() == "Unpublished part"
    assert titles(draft.select(".series-box-parts > li")) == ["The first assertion", "Fixtures (unpublished)"]


def test_draft_part_is_not_counted_or_linked_in_the_published_site(tmp_path):
    site = assert_clean(run_sphinx(_with_draft_part(tmp_path), tmp_path / "out", env={"BLOG_PREVIEW": "0"}))
    _assert_draft_invisible(site)
    assert not site.path(FIXTURES).exists()


def test_series_whose_parts_are_all_unpublished_stays_out_of_the_published_site(tmp_path):
    src = copy_root(tmp_path)
    add_extension(src, "blogext.core.drafts")
    write(src / "series/upcoming.md", "# The upcoming series\n\nSECRETSERIES description.\n")
    write(
        src / "posts/2024/upcoming-one.md",
        "---\ndate: 2024-03-01\ndraft: true\nseries: upcoming\npart: 1\n---\n\n# Upcoming one\n\nText.\n",
    )
    published = assert_clean(run_sphinx(src, tmp_path / "out", env={"BLOG_PREVIEW": "0"}))
    assert not published.path("series/upcoming/").exists()
    assert not any("SECRETSERIES" in f.read_text("utf-8", "ignore") for f in published.files())
    preview = assert_clean(run_sphinx(src, tmp_path / "preview", env={"BLOG_PREVIEW": "1"}))
    assert preview.path("series/upcoming/").exists()


# -- the real site --------------------------------------------------------------------------------


def test_git_guides_are_the_first_series(site):
    part1 = box(site, "posts/2023/what-a-git/")
    assert part1.select_one(".series-box-count").get_text() == "Part 1 of 2"
    assert part1.select_one("a.series-box-title").get_text() == "The Git guides"
    part2 = box(site, "posts/2023/getting-started-with-git/")
    assert part2.select_one(".series-box-count").get_text() == "Part 2 of 2"
    assert titles(part2.select(".series-box-parts > li")) == ["What a GIT.", "Getting Started With GIT"]
    nav_next = read_next(site, "posts/2023/what-a-git/").select_one('a[rel="next"]')
    assert target(site, "posts/2023/what-a-git/", nav_next["href"]) == "posts/2023/getting-started-with-git/"
    assert sorted(entry_titles(site.feed("series/git-guides/atom.xml"))) == [
        "Getting Started With GIT",
        "What a GIT.",
    ]


def test_series_list_is_reachable_from_the_site_navigation(site):
    links = site.html("").select('nav[aria-label="Site"] a')
    hrefs = [a["href"] for a in links if a.get_text(strip=True) == "Series"]
    assert hrefs and target(site, "", hrefs[0]) == "series/"
    assert "The Git guides" in titles(site.html("series/").select(".series-list-title"))


def test_series_stylesheet_is_linked_and_published(site):
    hrefs = [link["href"] for link in site.html("posts/2023/what-a-git/").select('link[rel="stylesheet"]')]
    assert any("series.css" in href for href in hrefs)
    assert (site.outdir / "_static" / "series.css").is_file()


# -- bad input ----------------------------------------------------------------------------------


def failed(built: BuiltSite) -> str:
    assert built.returncode != 0, "the build should have failed"
    return built.stderr


def test_unknown_series_slug_fails_naming_file_value_and_existing_series(tmp_path):
    src = copy_root(tmp_path)
    edit(src / "posts/2024/fixtures.md", "series: basics", "series: basic")
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert "posts/2024/fixtures.md:4:" in err
    assert "series 'basic' is not a defined series (expected one of: basics, deploys;" in err
    assert "[blog.series]" in err


def test_duplicate_part_number_fails_naming_both_files(tmp_path):
    src = copy_root(tmp_path)
    edit(src / "posts/2024/fixtures.md", "part: 2", "part: 1")
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert "posts/2024/fixtures.md:5:" in err
    assert "part 1 of series 'basics' is also claimed by posts/2024/first-assertion.md" in err
    assert "(expected each part number once per series)" in err


def test_a_gap_in_part_numbers_fails_naming_the_file_after_it(tmp_path):
    # Parts 1 and 3: the third would be shown as "Part 2 of 2".
    src = copy_root(tmp_path)
    (src / "posts/2999/mocking.md").unlink()
    edit(src / "posts/2024/fixtures.md", "part: 2", "part: 3")
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert (
        "posts/2024/fixtures.md:5: WARNING: part 3 of series 'basics' follows part 1: there is no part 2"
        in err
    )
    assert "(expected the parts numbered 1, 2, 3, ... without a gap: number this part 2" in err
    assert "[blog.series]" in err


def test_a_series_whose_numbers_do_not_start_at_1_fails(tmp_path):
    src = copy_root(tmp_path)
    for path, old, new in (
        ("posts/2024/first-assertion.md", "part: 1", "part: 3"),
        ("posts/2024/fixtures.md", "part: 2", "part: 4"),
        ("posts/2999/mocking.md", "part: 3", "part: 5"),
    ):
        edit(src / path, old, new)
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert "posts/2024/first-assertion.md:5: WARNING: part 3 of series 'basics' is its first numbered " in err
    assert "part: there are no parts 1 to 2" in err


def test_two_part_2s_fail_naming_both_files(tmp_path):
    src = copy_root(tmp_path)
    edit(src / "posts/2999/mocking.md", "part: 3", "part: 2")
    err = failed(run_sphinx(src, tmp_path / "out"))
    message = "part 2 of series 'basics' is also claimed by posts/2024/fixtures.md"
    assert f"posts/2999/mocking.md:5: WARNING: {message}" in err


def test_a_draft_part_counts_in_the_numbering_of_the_published_build(tmp_path):
    # Not built, but numbered: part 2 a draft leaves no gap, and a draft claiming part 1 is a duplicate.
    src = _with_draft_part(tmp_path)
    assert_clean(run_sphinx(src, tmp_path / "gapless", env={"BLOG_PREVIEW": "0"}))
    edit(src / "posts/2024/fixtures.md", "part: 2", "part: 1")
    edit(src / "posts/2999/mocking.md", "part: 3", "part: 2")
    err = failed(run_sphinx(src, tmp_path / "duplicate", env={"BLOG_PREVIEW": "0"}))
    assert "posts/2024/fixtures.md:5: WARNING: part 1 of series 'basics' is also claimed by" in err
    assert "posts/2024/first-assertion.md" in err


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_part_that_is_not_a_positive_integer_fails(tmp_path, value):
    # The front-matter check stops the build before anything is read.
    src = copy_root(tmp_path)
    edit(src / "posts/2024/fixtures.md", "part: 2", f"part: {value}")
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert "posts/2024/fixtures.md: part " in err
    assert "is not a positive whole number (expected 1, 2, 3, ...)" in err
    assert value.strip("'") in err


def test_series_on_a_page_that_is_not_a_post_fails(tmp_path):
    src = copy_root(tmp_path)
    write(src / "index.md", "---\nseries: basics\n---\n\n" + (src / "index.md").read_text())
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert "index.md:2:" in err
    assert "series 'basics' is set on a page that is not a blog post" in err


def test_a_series_problem_is_a_warning_that_fails_only_under_w(tmp_path):
    src = copy_root(tmp_path)
    write(src / "series/empty.md", "# An empty series\n\nNothing yet.\n")
    message = (
        "series 'empty' has no parts (expected at least one post with 'series: empty' in its front matter)"
    )
    lenient = lenient_build(src, tmp_path / "lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert "series/empty.md: WARNING: " + message in lenient.stderr
    assert "[blog.series]" in lenient.stderr
    strict = run_sphinx(src, tmp_path / "strict")
    assert strict.returncode != 0 and message in strict.stderr


def test_a_series_error_fails_every_build_until_it_is_fixed(tmp_path):
    """An incremental build that reads nothing still checks the series."""
    src = copy_root(tmp_path)
    edit(src / "posts/2024/fixtures.md", "series: basics", "series: basic")
    out = tmp_path / "out"
    assert run_sphinx(src, out).returncode != 0
    again = run_sphinx(src, out)
    assert "0 added, 0 changed, 0 removed" in again.stdout
    assert again.returncode != 0 and "series 'basic' is not a defined series" in again.stderr
    edit(src / "posts/2024/fixtures.md", "series: basic", "series: basics")
    fixed = assert_clean(run_sphinx(src, out))
    assert box(fixed, FIRST).select_one(".series-box-count").get_text() == "Part 1 of 2"


def test_a_series_index_page_is_refused_because_the_list_is_generated(tmp_path):
    src = copy_root(tmp_path)
    write(src / "series/index.md", "# All my series\n")
    err = failed(run_sphinx(src, tmp_path / "out"))
    assert "series/index is the generated list of series (expected no such file" in err
    assert "[blog.series]" in err


def test_series_warnings_can_be_suppressed_by_their_subtype(tmp_path):
    src = copy_root(tmp_path)
    write(src / "series/empty.md", "# An empty series\n\nNothing yet.\n")
    conf = src / "conf.py"
    write(conf, conf.read_text(encoding="utf-8") + 'suppress_warnings = ["blog.series"]\n')
    built = assert_clean(run_sphinx(src, tmp_path / "out"))
    assert "has no parts" not in built.stderr


# -- incremental builds ------------------------------------------------------------------------------


def series_html(site: BuiltSite) -> dict[str, list[str]]:
    """Every piece of series HTML, page by page: boxes, series pages and the list."""
    found = {}
    for page in site.files("**/index.html"):
        url = page.relative_to(site.outdir).parent.as_posix()
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        pieces = soup.select(".series-box, .series-page-meta, #series-parts, .series-list")
        if pieces:
            found[url] = [str(piece) for piece in pieces]
    return found


def _add_part(src: Path) -> None:
    write(
        src / "posts/2024/parametrize.md",
        "---\ndate: 2024-02-20\nseries: basics\npart: 4\n---\n\n# Parametrize\n\nExcerpt of parametrize.\n",
    )


def _remove_part(src: Path) -> None:
    (src / "posts/2024/first-assertion.md").unlink()
    # The numbers stay 1, 2, ... without a gap.
    edit(src / "posts/2024/fixtures.md", "part: 2", "part: 1")
    edit(src / "posts/2999/mocking.md", "part: 3", "part: 2")


def _redate_part(src: Path) -> None:
    edit(src / "posts/2024/packaging.md", "date: 2024-03-01", "date: 2024-04-01")


def _renumber_part(src: Path) -> None:
    edit(src / "posts/2024/first-assertion.md", "part: 1", "part: 2")
    edit(src / "posts/2024/fixtures.md", "part: 2", "part: 1")


def _retitle_part(src: Path) -> None:
    edit(src / "posts/2024/fixtures.md", "# Fixtures", "# Fixtures, explained")


def _retitle_series(src: Path) -> None:
    edit(src / "series/basics.md", "# Testing basics", "# Testing from scratch")


def _move_part(src: Path) -> None:
    edit(src / "posts/2024/serving.md", "series: deploys", "series: basics\npart: 4")


CHANGES: dict[str, Callable[[Path], None]] = {
    "add a part": _add_part,
    "remove a part": _remove_part,
    "re-date a part": _redate_part,
    "re-number a part": _renumber_part,
    "re-title a part": _retitle_part,
    "re-title the series": _retitle_series,
    "move a part to another series": _move_part,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_build_after_a_change_matches_a_clean_build(tmp_path, change):
    src = copy_root(tmp_path)
    out = tmp_path / "incremental"
    before = series_html(assert_clean(run_sphinx(src, out)))
    CHANGES[change](src)
    incremental = assert_clean(run_sphinx(src, out))
    clean = assert_clean(run_sphinx(src, tmp_path / "clean"))
    expected = series_html(clean)
    assert expected != before, "the change should show in the series HTML"
    got = {url: pieces for url, pieces in series_html(incremental).items() if url in expected}
    assert got == expected


def test_incremental_build_rewrites_other_parts_without_rereading_them(tmp_path):
    src = copy_root(tmp_path)
    out = tmp_path / "out"
    assert_clean(run_sphinx(src, out))
    _redate_part(src)
    built = assert_clean(run_sphinx(src, out))
    assert "0 added, 1 changed, 0 removed" in built.stdout
    assert "reading sources... [100%] posts/2024/packaging" in built.stdout
    written = {line.split()[-1] for line in built.stdout.splitlines() if line.startswith("writing output...")}
    assert {"posts/2024/packaging", "posts/2024/serving", "series/deploys"} <= written
    assert "posts/2024/fixtures" not in written, "a series that did not change is not rewritten"


def test_parallel_build_draws_the_same_series_as_a_serial_one(tmp_path):
    """Membership read in worker processes is merged back (env-merge-info)."""
    src = copy_root(tmp_path)
    add_extension(src, "blogext.core.ablogadapter")
    serial = assert_clean(run_sphinx(src, tmp_path / "serial"))
    parallel = assert_clean(run_sphinx(src, tmp_path / "parallel", "-j", "2"))
    assert series_html(parallel) == series_html(serial)
    assert box(parallel, FIXTURES).select_one(".series-box-count").get_text() == "Part 2 of 2"
