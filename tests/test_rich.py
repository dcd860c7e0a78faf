"""Rich posts (tests/roots/test-rich): math, a diagram, sphinx-design layout, citations, MyST syntax.

The site is built once, strictly; each feature's page and feed entry are read back
(BeautifulSoup, the feed as XML). Each kind of bad input is built in a copy of the
site with one file changed, and must fail the strict build naming the file and
saying what was expected.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from checkers import run_vnu
from conftest import ROOTS, assert_clean, broken_links, feed_entries, run_sphinx

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    work = tmp_path_factory.mktemp("rich")
    src = work / "src"
    shutil.copytree(ROOTS / "test-rich", src)
    return assert_clean(run_sphinx(src, work / "html"))


def article(site, path: str) -> BeautifulSoup:
    return site.html(path).find("article")


def entry_content(site, docname: str) -> BeautifulSoup:
    for entry in feed_entries(site.feed("blog/atom.xml")):
        if entry.find(f"{ATOM}id").text.endswith(docname):
            return BeautifulSoup(entry.find(f"{ATOM}content").text, "html.parser")
    raise AssertionError(f"no feed entry for {docname}")


def build_with(tmp_path: Path, files: dict[str, str], **settings: object):
    """The rich site with *files* written (relative path -> text) and *settings* added to conf.py."""
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-rich", src)
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, "utf-8")
    if settings:
        with (src / "conf.py").open("a", encoding="utf-8") as conf:
            for key, value in settings.items():
                conf.write(f"\n{key} = {value!r}\n")
    return run_sphinx(src, tmp_path / "html")


def failed_with(built, *fragments: str) -> str:
    """The build failed, with a warning holding every fragment; returns that warning."""
    assert built.returncode != 0, "the strict build passed"
    for line in built.warnings:
        if all(fragment in line for fragment in fragments):
            return line
    raise AssertionError(f"no warning with {fragments}:\n" + "\n".join(built.warnings))


POST = "---\ndate: 2024-04-01\n---\n\n# A post\n\n"

# -- Math ---------------------------------------------------------------------------------------


def test_math_is_drawn_in_the_body_with_no_script_and_its_css_only_there(rich):
    body = article(rich, "posts/2024/math/")
    maths = body.find_all("math")
    assert len(maths) >= 7
    assert {m.get("display") for m in maths} == {None, "block"}  # KaTeX's MathML: inline has no display
    text = "".join(k.get_text() for k in body.select(".katex-html"))
    assert "\\frac" not in text and "$" not in text and "\\alpha" not in text
    # The align before it has a number a line, (1) and (2).
    assert body.find(id="equation-eq-wide").select_one(".katex-tag").get_text() == "(3)"
    assert body.find("a", href="#equation-eq-wide", class_="reference").get_text() == "(3)"
    page = rich.html("posts/2024/math/")
    assert not [
        s for s in page.find_all("script") if "mathjax" in str(s).lower() or "katex" in str(s).lower()
    ]
    assert any("katex/math." in link["href"] for link in page.find_all("link", rel="stylesheet"))
    other = rich.html("posts/2024/layout/")
    assert not any("math" in link["href"] for link in other.find_all("link", rel="stylesheet"))


def test_amsmath_environment_is_aligned_with_a_number_a_line(rich):
    block = article(rich, "posts/2024/math/").find("div", class_="amsmath")
    table = block.find("mtable")
    assert table is not None and len(table.find_all("mtr")) == 2
    assert block.select_one(".katex-tag").get_text().replace("\u200b", "") == "(1)(2)"
    assert "&" not in "".join(k.get_text() for k in block.select(".katex-html"))


def test_math_in_headings_shows_in_the_page_toc_and_the_home_page_card(rich):
    toc = rich.html("posts/2024/math/").find(id="pst-page-toc-nav")
    assert toc.find("math") is not None and "$" not in toc.get_text()
    card = next(c for c in rich.html("").select(".post-card") if "posts/2024/math/" in str(c))
    title = card.find(class_="post-card-title")
    assert title.find("math") is not None and "\\alpha" not in title.get_text()
    assert card.find(class_="post-card-excerpt").find("math") is not None


def test_math_in_a_title_is_its_symbols_where_titles_are_text(rich):
    neighbour = rich.html("posts/2024/diagram/").find("a", href="../math/")
    assert neighbour.get_text(strip=True) == "Losses and α"
    titles = [e.find(f"{ATOM}title").text for e in feed_entries(rich.feed("blog/atom.xml"))]
    assert "Losses and α" in titles
    assert rich.html("posts/2024/math/").title.get_text().startswith("Losses and α")


def test_math_is_mathml_in_the_feed_entry(rich):  # and not KaTeX's drawing, which needs its CSS
    content = entry_content(rich, "posts/2024/math")
    assert len(content.find_all("math")) >= 7
    assert not content.find_all("script") and not content.select(".katex-html")


def test_bad_tex_fails_the_build_naming_the_file_and_the_tex(tmp_path):
    built = build_with(tmp_path, {"posts/2024/bad-math.md": POST + "Broken: $\\frac{1}{$ and $\\foo x$.\n"})
    failed_with(built, "posts/2024/bad-math.md", "\\\\frac{1}{", "cannot be drawn", "expected")
    failed_with(built, "posts/2024/bad-math.md", "unknown command \\foo")


# -- Diagrams -----------------------------------------------------------------------------------


def test_diagram_uses_a_self_hosted_mermaid_loaded_only_on_its_page(rich):
    page = rich.html("posts/2024/diagram/")
    diagram = page.find("article").find("pre", class_="mermaid")
    assert diagram is not None and "flowchart LR" in diagram.get_text()
    assert diagram["id"] == "diagram-1"  # the anchor a feed entry links to
    [loader] = [s for s in page.find_all("script", type="module")]
    assert loader["src"].startswith("../../../_static/diagrams.js") and not loader.get_text().strip()
    assert "import mermaid from" not in str(page)  # sphinxcontrib-mermaid's loader is on no page
    assert any("diagrams.css" in link["href"] for link in page.find_all("link", rel="stylesheet"))
    assert (rich.outdir / "_static" / "mermaid" / "mermaid.esm.min.mjs").is_file()
    assert list((rich.outdir / "_static" / "mermaid" / "chunks" / "mermaid.esm.min").glob("*.mjs"))
    for other in ("posts/2024/math/", "posts/2024/layout/", "", "blog/", "blog/tag/maths/", "search/"):
        head = str(rich.html(other).find("head")).lower()
        assert "mermaid" not in head and "diagrams.js" not in head


def test_diagram_without_mermaid_installed_fails_the_build_naming_the_post(tmp_path):
    built = build_with(tmp_path, {}, blogext_mermaid_dist="no/such/folder")
    failed_with(built, "posts/2024/diagram.md:", "mermaid.esm.min.mjs is missing", "npm ci")


def test_site_without_diagrams_has_no_copy_of_mermaid(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-rich", src)
    (src / "posts" / "2024" / "diagram.md").unlink()
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert not (built.outdir / "_static" / "mermaid").exists()


# -- Layout -------------------------------------------------------------------------------------


def test_card_grid_tabs_dropdown_and_badges_render_with_their_files_only_there(rich):
    body = article(rich, "posts/2024/layout/")
    grid = body.find(class_="sd-container-fluid")
    cards = grid.find_all(class_="sd-card")
    assert [c.find(class_="sd-card-title").get_text(strip=True) for c in cards] == ["Training", "Serving"]
    assert cards[0].find("a", class_="sd-stretched-link")["href"] == "../math/"
    tabs = body.find(class_="sd-tab-set")
    assert [label.get_text(strip=True) for label in tabs.find_all("label")] == ["pip", "conda"]
    assert body.find("details", class_="sd-dropdown") is not None
    assert [b.get_text() for b in body.find_all(class_="sd-badge")] == ["stable", "beta"]
    head = str(rich.html("posts/2024/layout/").find("head"))
    assert "sphinx-design.min.css" in head and "design.css" in head
    assert "sphinx-design" not in str(rich.html("posts/2024/math/"))


# -- Citations ----------------------------------------------------------------------------------


def test_citation_links_to_the_posts_own_bibliography_from_the_bib_file_next_to_it(rich):
    body = article(rich, "posts/2024/cited/")
    cites = body.find_all(class_="bibtex-citation")
    assert [c.get_text() for c in cites] == ["[VSP17]", "[SH14]"]
    references = body.find("section", id="references")
    entries = references.find_all(class_="citation")
    assert len(entries) == 2
    assert "Attention is all you need" in references.get_text()
    for cite in cites:
        assert references.find(id=cite.find("a")["href"].lstrip("#")) is not None
    content = entry_content(rich, "posts/2024/cited")
    assert "Attention is all you need" in content.get_text()


def test_missing_bib_key_fails_the_build_naming_the_post_and_the_key(tmp_path):
    built = build_with(tmp_path, {"posts/2024/uncited.md": POST + "As shown {cite}`nobody2020`.\n"})
    failed_with(built, "posts/2024/uncited.md:7", 'could not find bibtex key "nobody2020"')


def test_bib_files_are_found_anywhere_but_in_builds_packages_and_hidden_folders(tmp_path):
    from blogext.markup.citations import bib_files

    for name in ("refs.bib", "posts/2024/near.bib", "posts/2024/deep/er.bib", "notes.bibx",
                 ".git/x.bib", "posts/.hidden/h.bib", "node_modules/pkg/p.bib", "_build/b.bib",
                 ".nox/site/lib/n.bib"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("@misc{x, title={X}}\n")
    assert bib_files(tmp_path) == ["posts/2024/deep/er.bib", "posts/2024/near.bib", "refs.bib"]


# -- MyST syntax --------------------------------------------------------------------------------


def test_substitution_tasklist_fieldlist_attrs_and_raw_image(rich):
    body = article(rich, "posts/2024/syntax/")
    assert "This post uses scikit-learn version 1.5." in body.get_text()
    assert "{{" not in body.get_text()
    boxes = body.find_all("input", class_="task-list-item-checkbox")
    assert [b.has_attr("checked") for b in boxes] == [True, False]
    fields = body.find("dl", class_="field-list")
    assert [dt.get_text(strip=True).rstrip(":") for dt in fields.find_all("dt")] == ["Author", "Reviewed"]
    assert body.find("p", id="setup")["class"] == ["note-block"]
    image = body.find("img", alt="The flow of data")
    assert image["src"] == "../../../_images/flow.png"
    assert (rich.outdir / "_images" / "flow.png").is_file()
    content = entry_content(rich, "posts/2024/syntax")
    assert "☑ load the data" in content.get_text() and "☐ train the model" in content.get_text()


def test_notebook_style_python_highlights_as_ipython(rich):
    blocks = article(rich, "posts/2024/syntax/").find_all(class_="highlight-ipython3")
    assert len(blocks) == 2
    assert blocks[0].find("span", class_="o").get_text() == "!"


def test_unknown_substitution_fails_the_build_naming_the_file(tmp_path):
    built = build_with(tmp_path, {"posts/2024/subst.md": POST + "Version {{ versoin }} today.\n"})
    failed_with(built, "posts/2024/subst.md", "versoin")


def test_bad_myst_front_matter_fails_the_build_naming_the_file(tmp_path):
    text = "---\ndate: 2024-04-01\nmyst:\n  substitutions: [a, b]\n---\n\n# A post\n\nText.\n"
    built = build_with(tmp_path, {"posts/2024/badmyst.md": text})
    failed_with(built, "posts/2024/badmyst.md", "substitutions")


def test_unknown_code_language_fails_the_build_naming_the_file_and_a_suggestion(tmp_path):
    built = build_with(tmp_path, {"posts/2024/lexer.md": POST + "```pyhton\nprint(1)\n```\n"})
    failed_with(built, "posts/2024/lexer.md:7", "'pyhton' is not known to Pygments", "did you mean 'python'")


# -- Off-site resources -------------------------------------------------------------------------

RESOURCES = {
    "img": '<img src="https://images.example.com/a.png" alt="a">',
    "markdown-image": "![a](https://images.example.com/a.png)",
    "script": '<script src="https://cdn.example.com/x.js"></script>',
    "stylesheet": '<link rel="stylesheet" href="https://cdn.example.com/x.css">',
    "iframe": '<iframe src="https://video.example.com/embed/1" title="v"></iframe>',
    "video": '<video src="https://media.example.com/v.mp4" controls></video>',
    "audio-source": '<audio controls><source src="https://media.example.com/a.mp3"></audio>',
    "object": '<object data="https://media.example.com/x.svg"></object>',
    "embed": '<embed src="https://media.example.com/x.swf">',
    "srcset": '<picture><source srcset="https://images.example.com/b.png 2x"></picture>',
    "style-url": '<div style="background: url(https://images.example.com/bg.png)">x</div>',
    "protocol-relative": '<video src="//media.example.com/c.mp4"></video>',
}


@pytest.mark.parametrize("kind", sorted(RESOURCES))
def test_offsite_resource_fails_the_build_naming_file_url_and_setting(tmp_path, kind):
    snippet = RESOURCES[kind]
    built = build_with(tmp_path, {"posts/2024/offsite.md": POST + "Before.\n\n" + snippet + "\n\nAfter.\n"})
    words = snippet.replace('"', " ").replace("(", " ").replace(")", " ").split()
    url = next(word for word in words if "//" in word)
    failed_with(built, "posts/2024/offsite.md:9", html.unescape(url), "blogext_allowed_hosts")


def test_allowed_host_passes_and_stays_out_of_the_feed(tmp_path):
    iframe = '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="A talk"></iframe>'
    built = assert_clean(build_with(tmp_path, {"posts/2024/video.md": POST + "A talk.\n\n" + iframe + "\n"}))
    assert (
        article(built, "posts/2024/video/").find("iframe")["src"].startswith("https://www.youtube-nocookie")
    )
    content = entry_content(built, "posts/2024/video")
    assert "A talk." in content.get_text()
    assert not content.find_all(["iframe", "script"])


def test_offsite_problem_still_fails_an_incremental_rebuild(tmp_path):
    files = {"posts/2024/offsite.md": POST + '<img src="https://images.example.com/a.png" alt="a">\n'}
    first = build_with(tmp_path, files)
    failed_with(first, "posts/2024/offsite.md", "https://images.example.com/a.png")
    again = run_sphinx(tmp_path / "src", tmp_path / "html")
    failed_with(again, "posts/2024/offsite.md", "https://images.example.com/a.png")


def test_bad_allowed_hosts_setting_stops_the_build(tmp_path):
    built = build_with(tmp_path, {}, blogext_allowed_hosts="www.youtube.com")
    assert built.returncode != 0
    assert "blogext_allowed_hosts" in built.stderr and "expected a list" in built.stderr


# -- Valid HTML ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_rich_posts_are_valid_html_with_every_internal_link_resolving(rich):
    from checkers import need_vnu

    java = need_vnu()
    files = [rich.path(f"posts/2024/{name}/") for name in ("math", "diagram", "layout", "cited", "syntax")]
    errors = [f"{m.get('url', '').rsplit('/html/', 1)[-1]}: {m['message']}" for m in run_vnu(java, files)]
    assert errors == []
    assert broken_links(rich.outdir) == []
