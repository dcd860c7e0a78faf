"""Never silently wrong: excerpts, postlist filters, links to labels, unknown markup.

``tests/roots/test-neversilent`` is built with the real ``conf.py``: a post whose
first paragraph has a footnote and a link to its own section (and a MyST label
with a slash, ``ml/links``), a post that links to that label, a post tagged with
another spelling of the same tag, and an About page with filtered post lists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TODAY, BuiltSite, assert_clean, failed, make_site, replace_text, run_sphinx


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("neversilent")
    return assert_clean(run_sphinx(make_site("neversilent", work / "src"), work / "out", env=TODAY))


@pytest.fixture
def site_copy(tmp_path) -> Path:
    return make_site("neversilent", tmp_path / "src")


def test_excerpts_carry_no_anchor_that_points_nowhere(built):
    checked = 0
    for page in built.outdir.rglob("*.html"):
        html = page.read_text("utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for anchor in re.findall(r'\bhref="#([^"]+)"', html):
            assert anchor in ids, f"{page.relative_to(built.outdir)}: href #{anchor} points nowhere"
        checked += 1
    assert checked > 8
    card = built.html("").select_one(".post-cards")
    assert "Models drift over time, as the section below explains." in card.get_text(" ", strip=True)
    # The post's own page keeps its footnote.
    assert built.html("posts/2024/footnoted/").select(".footnote-reference")


def test_a_myst_link_to_a_label_with_a_slash_resolves(built):
    link = built.html("posts/2024/linker/").select_one("article a.reference.internal[href*=footnoted]")
    assert link is not None and link["href"] == "../footnoted/#ml-links"


def test_postlist_filters_match_names_loosely(built):
    about = built.html("about/")
    first, second = about.select("ul.postlist")
    assert [a.get_text(strip=True) for a in first.select("a")] == ["A footnoted post", "A plain post"]
    assert [a.get_text(strip=True) for a in second.select("a")] == ["A footnoted post", "A plain post"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            ":tags: machine-learning",
            ":tags: machine-lerning",
            "postlist :tags: 'machine-lerning' names no tag of a published post "
            "(expected one of: machine learning, MLOps)",
        ),
        (
            ":category: NOTES",
            ":category: Recipes",
            "postlist :category: 'Recipes' names no category of a published post "
            "(expected one of: notes, Tutorials)",
        ),
        (
            ":author: Shruti Turner",
            ":author: someone",
            "postlist :author: 'someone' names no author of a published post (expected one of: shruti)",
        ),
    ],
    ids=["tag", "category", "author"],
)
def test_a_postlist_filter_naming_nothing_fails_the_build(site_copy, tmp_path, old, new, message):
    replace_text(site_copy / "about.md", old, new)
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert re.search(rf"about\.md:\d+: WARNING: {re.escape(message)} \[blog\.postlist\]", stderr), stderr


def test_an_unknown_directive_or_role_names_the_package_that_provides_it(site_copy, tmp_path):
    replace_text(
        site_copy / "posts" / "2024" / "plain.md",
        "About machine learning, in the notes.",
        "About machine learning, in the notes, see {issue}`12`.\n\n```{youtube} dQw4w9WgXcQ\n```\n",
    )
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert (
        "posts/2024/plain.md:11: WARNING: directive 'youtube' is not available on this site: it comes from "
        "sphinxcontrib-youtube (expected 'sphinxcontrib.youtube' in conf.py's extensions, and "
        "sphinxcontrib-youtube in pyproject.toml's site group) [blog.markup]"
    ) in stderr
    assert (
        "posts/2024/plain.md:9: WARNING: role 'issue' is not available on this site: it comes from "
        "sphinx-issues (expected 'sphinx_issues' in conf.py's extensions, and sphinx-issues in "
        "pyproject.toml's site group) [blog.markup]"
    ) in stderr


def test_a_role_private_to_another_site_fails_naming_the_file(site_copy, tmp_path):
    replace_text(site_copy / "posts" / "2024" / "plain.md", "in the notes.", "in the {myteam}`notes`.")
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert re.search(
        r"posts/2024/plain\.md:9: (WARNING|ERROR): Unknown interpreted text role.*myteam", stderr
    )


def test_a_missing_file_link_with_a_suffix_still_stops_the_build(site_copy, tmp_path):
    replace_text(site_copy / "posts" / "2024" / "linker.md", "(ml/links)", "(ml/links.md)")
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert "posts/2024/linker.md: link 'ml/links.md' on line 9 points to a file that does not exist" in stderr


# -- no line that misleads or says nothing (blogext.core.quiet) -------------------------------------------

#: Lines a clean build must not print: a false alarm (the site draws its own share cards) and the
#: parsers' whole configuration.
NOISE = (
    "matplotlib is not installed",
    "social cards will not be generated",
    "MdParserConfig(",
    "NbParserConfig(",
)
#: sphinx-build as the site's install runs it: without matplotlib (requirements/site.txt has none).
WITHOUT_MATPLOTLIB = (
    "import sys; sys.modules['matplotlib'] = None; from sphinx.cmd.build import main; "
    "raise SystemExit(main(sys.argv[1:]))"
)


def _build_without_matplotlib(site: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    argv = ["-b", "dirhtml", "-W", "--keep-going", "-n", "-d", str(out) + ".doctrees", *options]
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **TODAY}
    command = [sys.executable, "-c", WITHOUT_MATPLOTLIB, *argv, str(site), str(out)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)


def test_a_clean_build_prints_no_false_alarm_and_no_parser_configuration(tmp_path):
    site = make_site("stayfailed", tmp_path / "src")
    built = _build_without_matplotlib(site, tmp_path / "out")
    assert built.returncode == 0, built.stderr
    printed = built.stdout + built.stderr
    assert "build succeeded" in printed
    for line in NOISE:
        assert line not in printed, line


def test_the_parsers_configuration_is_still_shown_with_verbose(tmp_path):
    site = make_site("stayfailed", tmp_path / "src")
    built = _build_without_matplotlib(site, tmp_path / "out", "-v")
    assert built.returncode == 0, built.stderr
    assert "MdParserConfig(" in built.stdout and "NbParserConfig(" in built.stdout
    assert "matplotlib is not installed" not in built.stdout + built.stderr


#: sphinx-build where matplotlib is installed (the author's machine: the notebooks' plots), saying at the
#: end whether the build imported it.
REPORT_MATPLOTLIB = (
    "import sys; from sphinx.cmd.build import main; code = main(sys.argv[1:]); "
    "print('matplotlib imported:', 'matplotlib' in sys.modules); raise SystemExit(code)"
)


def test_a_build_does_not_import_matplotlib_where_it_is_installed(tmp_path):
    # sphinxext-opengraph imports its social cards, and matplotlib's pyplot with them (0.5 s a build),
    # unless blogext.core.quiet keeps them out; the site draws its own share cards.
    pytest.importorskip("matplotlib")
    site = make_site("stayfailed", tmp_path / "src")
    out = tmp_path / "out"
    argv = ["-b", "dirhtml", "-W", "--keep-going", "-n", "-d", str(out) + ".doctrees", str(site), str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **TODAY}
    built = subprocess.run(
        [sys.executable, "-c", REPORT_MATPLOTLIB, *argv], capture_output=True, text=True, env=env, timeout=600
    )
    assert built.returncode == 0, built.stderr
    assert "matplotlib imported: False" in built.stdout
    for line in NOISE:
        assert line not in built.stdout + built.stderr, line


def test_opengraphs_social_cards_turned_on_stop_the_build_saying_the_blog_draws_its_own(tmp_path):
    site = make_site("stayfailed", tmp_path / "src")
    with (site / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('\nogp_social_cards = {"enable": True}\n')
    stderr = failed(run_sphinx(site, tmp_path / "out", env=TODAY))
    assert "ogp_social_cards: the blog draws its own share cards" in stderr
