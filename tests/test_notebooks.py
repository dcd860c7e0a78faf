"""Notebooks as posts (blogext.markup.notebooks, myst-nb).

``tests/roots/test-notebooks`` is built with the real ``conf.py``, templates and
styles: a ``.ipynb`` post with stored outputs (a matplotlib plot, printed text),
a MyST-NB text notebook frozen in the root's ``_freeze/``, a Markdown post sharing a
tag, and a draft notebook with marker words, a tag and a plot of its own.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import (
    ATOM,
    KERNEL,
    ROOTS,
    TODAY,
    ZERO_DIVISION,
    BuiltSite,
    assert_clean,
    bundle_text,
    code_cell,
    entry_titles,
    make_site,
    markdown_cell,
    notebook,
    run_sphinx,
    tree_differences,
)

from blogext.markup.notebooks import quote_dates

NOTEBOOK = "posts/2024/plotting-losses/"
DRAFT_MARKERS = (
    "Zanzibar",
    "quixotic marmalade",
    "secret-notebook-tag",
    "Secret Notebook Tag",
    "draft-notebook",
)


def build(src: Path, out: Path) -> BuiltSite:
    return run_sphinx(src, out, env=TODAY)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("notebooks")
    src = make_site("notebooks", work / "src")
    return assert_clean(build(src, work / "out"))


@pytest.fixture
def site_copy(tmp_path) -> Path:
    return make_site("notebooks", tmp_path / "src")


def failed(site: BuiltSite) -> str:
    assert site.returncode != 0, "the build should have failed"
    return site.stderr


# -- A notebook is a post ----------------------------------------------------------------------------


def test_a_notebook_post_renders_its_stored_text_and_plot(built):
    page = built.html(NOTEBOOK)
    assert page.select_one("article h1").get_text(strip=True).startswith("Plotting a loss curve")
    assert "final loss: 0.100" in page.select_one("article").get_text()
    (plot,) = page.select("article .cell_output img")
    assert plot["alt"] == "Output of the code above"
    assert (built.path(NOTEBOOK).parent / plot["src"]).resolve().is_file()
    # The post header from the notebook's metadata: date, category, tags (canonical names).
    assert page.select_one(".post-date")["datetime"] == "2024-03-10"
    assert [a.get_text() for a in page.select(".post-tags a")] == ["machine learning", "Python"]


def test_a_notebook_post_is_on_the_home_page_and_in_its_archives(built):
    for url in ("", "blog/tag/machine-learning/", "blog/category/tutorials/", "blog/2024/", "blog/"):
        links = [a.get("href", "") for a in built.html(url).select("article a")]
        assert any(href.rstrip("/").endswith("plotting-losses") for href in links), url


def test_a_notebook_post_is_in_the_search_index_and_the_sitemap(built):

    index = bundle_text(built.outdir)  # the Pagefind bundle, every fragment unpacked
    assert "posts/2024/plotting-losses/" in index and "Plotting a loss curve" in index
    assert "posts/2024/plotting-losses/" in (built.outdir / "sitemap.xml").read_text("utf-8")


def test_the_feed_carries_the_notebook_with_an_absolute_plot_url(built):
    feed = built.feed("blog/atom.xml")
    assert "Plotting a loss curve" in entry_titles(feed)
    (entry,) = [
        e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Plotting a loss curve"
    ]
    content = entry.findtext(f"{ATOM}content")
    sources = re.findall(r'<img[^>]*\bsrc="([^"]+)"', content)
    assert sources and all(s.startswith("https://shrutiturner.github.io/_images/") for s in sources)
    assert "final loss: 0.100" in content
    tag_feed = built.feed("blog/tag/machine-learning/atom.xml")
    assert "Plotting a loss curve" in entry_titles(tag_feed)


def test_a_text_notebook_is_a_post_and_its_cells_run(built):
    page = built.html("posts/2024/executed-text-notebook/")
    assert "the sum is 55" in page.select_one("article .cell_output").get_text()
    assert "A text notebook" in entry_titles(built.feed("blog/atom.xml"))


def test_myst_nb_writes_nothing_in_the_output_or_source_folder(built):
    doctrees = built.outdir.with_name(built.outdir.name + ".doctrees")
    assert not (doctrees / "jupyter_cache").exists()  # nothing executed, nothing cached
    assert (doctrees / "jupyter_execute" / "posts" / "2024" / "plotting-losses.ipynb").is_file()
    for folder in (built.outdir, built.srcdir, built.outdir.parent):
        for name in ("jupyter_execute", ".jupyter_cache", "jupyter_cache", "reports"):
            assert not (folder / name).exists(), folder / name
    assert not list(built.outdir.rglob("*.ipynb"))


def test_a_draft_notebook_leaves_no_trace(built):
    doctrees = built.outdir.with_name(built.outdir.name + ".doctrees")
    for path in built.outdir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for marker in DRAFT_MARKERS:
                assert marker.encode() not in data, f"{marker!r} in {path}"
    assert not (built.outdir / "blog" / "tag" / "secret-notebook-tag").exists()
    assert not list((doctrees / "jupyter_execute").rglob("draft-notebook*"))
    assert len(built.files("_images/*")) == 1  # the published notebook's plot only


def test_text_notebook_dates_are_quoted_line_for_line():
    text = "---\ndate: 2024-04-02\nupdated: 2024-04-03 10:00\ntags: [a]\n---\n\n# T\n\ndate: 2024-01-01\n"
    quoted = quote_dates(text)
    assert quoted.splitlines()[1:3] == ['date: "2024-04-02"', 'updated: "2024-04-03 10:00"']
    assert quoted.endswith("date: 2024-01-01\n") and len(quoted.splitlines()) == len(text.splitlines())


# -- Bad input fails the build, naming the file and what was expected ------------------------------------


def test_a_notebook_with_bad_metadata_stops_the_build(site_copy, tmp_path):
    path = site_copy / "posts" / "2024" / "plotting-losses.ipynb"
    data = json.loads(path.read_text())
    data["metadata"].update({"date": "2024-13-01", "tgas": ["x"], "mystnb": {"execution_mode": "sometimes"}})
    path.write_text(json.dumps(data))
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert (
        "posts/2024/plotting-losses.ipynb: date '2024-13-01' is not a valid date (expected YYYY-MM-DD)"
    ) in stderr
    assert "posts/2024/plotting-losses.ipynb: unknown key 'tgas' (did you mean 'tags'?" in stderr
    assert (
        "posts/2024/plotting-losses.ipynb: mystnb execution_mode 'sometimes' is not an execution mode "
        "(expected one of: off, cache, force, auto, inline)"
    ) in stderr


def test_a_notebook_that_is_not_json_stops_the_build(site_copy, tmp_path):
    (site_copy / "posts" / "2024" / "broken.ipynb").write_text('{"cells": [')
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert re.search(
        r"posts/2024/broken\.ipynb: notebook is not valid JSON \(.*; "
        r"expected a Jupyter notebook, nbformat 4\)",
        stderr,
    )


def test_a_notebook_without_a_title_stops_the_build(site_copy, tmp_path):
    meta = {"date": "2024-05-02", **KERNEL}
    (site_copy / "posts" / "2024" / "untitled.ipynb").write_text(
        notebook(meta, [markdown_cell("No heading here."), markdown_cell("# Late\n\n# Later")])
    )
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert "posts/2024/untitled.ipynb: heading 'Later' in cell 2, line 3 is a second title" in stderr


def test_a_stored_cell_error_fails_the_build_naming_the_notebook_and_cell(site_copy, tmp_path):
    meta = {"date": "2024-05-02", **KERNEL}
    cells = [markdown_cell("# Errors\n\nA post."), code_cell("1 / 0", [ZERO_DIVISION])]
    (site_copy / "posts" / "2024" / "errors.ipynb").write_text(notebook(meta, cells))
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert (
        "posts/2024/errors.ipynb: WARNING: cell 2 ('1 / 0') raised ZeroDivisionError: division by zero "
        "(expected cells that run without error; "
        "tag the cell 'raises-exception' to show the error on purpose)"
    ) in stderr


def test_a_cell_tagged_raises_exception_shows_its_error(site_copy, tmp_path):
    meta = {"date": "2024-05-02", **KERNEL}
    cells = [markdown_cell("# Errors\n\nA post."), code_cell("1 / 0", [ZERO_DIVISION], ("raises-exception",))]
    (site_copy / "posts" / "2024" / "errors.ipynb").write_text(notebook(meta, cells))
    site = assert_clean(build(site_copy, tmp_path / "out"))
    assert "ZeroDivisionError" in site.html("posts/2024/errors/").select_one(".cell_output").get_text()


def test_an_output_that_loads_from_another_host_fails_the_build(site_copy, tmp_path):
    meta = {"date": "2024-05-02", **KERNEL}
    html = '<div id="chart"></div><script src="https://cdn.example.com/plotly.js"></script>'
    output = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": html, "text/plain": "Figure"},
    }
    cells = [markdown_cell("# Chart\n\nA post."), code_cell("fig.show()", [output])]
    (site_copy / "posts" / "2024" / "chart.ipynb").write_text(notebook(meta, cells))
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert (
        "posts/2024/chart.ipynb: WARNING: cell 2 ('fig.show()'): its text/html output would run a script "
        "on the page: the element <script> (expected a static output"
    ) in stderr
    assert (
        "cell 2 ('fig.show()'): its text/html output would load from another host: <script src> loads "
        "'https://cdn.example.com/plotly.js' from cdn.example.com (expected files of the site"
    ) in stderr
    assert "cdn.example.com" not in (tmp_path / "out" / "posts/2024/chart/index.html").read_text("utf-8")


def test_a_notebook_in_a_site_without_notebooks_is_an_error(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    shutil.copy2(
        ROOTS / "test-notebooks" / "posts" / "2024" / "plotting-losses.ipynb", src / "posts" / "2024"
    )
    conf = src / "conf.py"
    conf.write_text(
        conf.read_text().replace(
            '"blogext.pages.postmeta"]', '"blogext.pages.postmeta", "blogext.core.frontmatter"]'
        )
    )
    stderr = failed(run_sphinx(src, tmp_path / "out"))
    assert (
        "posts/2024/plotting-losses.ipynb: is a notebook, and this site builds none "
        "(expected 'blogext.markup.notebooks' in conf.py's extensions, with myst-nb installed)"
    ) in stderr


def test_files_in_the_posts_folders_that_are_no_posts_are_errors(site_copy, tmp_path):
    (site_copy / "posts" / "stray.md").write_text("# Stray\n\nA post outside any year.\n")
    (site_copy / "posts" / "2024" / "old-style.rst").write_text("Old\n===\n\nText.\n")
    (site_copy / "posts" / "2024" / "data.csv").write_text("a,b\n1,2\n")  # a data file is fine
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert (
        "posts/stray.md: is not a post: blog_post_pattern ['posts/*/*'] does not match it "
        "(expected a post where the pattern finds it, such as posts/<year>/<name>.md)"
    ) in stderr
    assert (
        "posts/2024/old-style.rst: is not a post this blog can build "
        "(expected a MyST Markdown file, .md, or a Jupyter notebook, .ipynb)"
    ) in stderr
    assert "data.csv" not in stderr


def test_notebook_keys_are_allowed_besides_every_post_key():
    from blogext.core.frontmatter_check import KNOWN_KEYS, NOTEBOOK_KEYS, check_front_matter

    data = {"author": "shruti", "series": "git-guides", "part": 2, "kernelspec": {"name": "python3"}}
    assert check_front_matter(data, ["shruti"], [], NOTEBOOK_KEYS)[1] == []
    # A Markdown post may not use a notebook's own keys: the message lists the post keys only.
    assert check_front_matter({"widgets": {}}, ["shruti"])[1] == [
        f"unknown key 'widgets' (expected one of: {', '.join(KNOWN_KEYS)})"
    ]


@pytest.mark.parametrize("change", ["retitle-notebook", "draft-published"])
def test_an_incremental_build_after_a_notebook_change_equals_a_clean_build(tmp_path, change):

    src, out = make_site("notebooks", tmp_path / "src"), tmp_path / "out"
    assert_clean(build(src, out))
    if change == "retitle-notebook":
        path = src / "posts" / "2024" / "plotting-losses.ipynb"
        path.write_text(path.read_text().replace("# Plotting a loss curve", "# Plotting the loss"))
    else:
        path = src / "posts" / "2024" / "draft-notebook.ipynb"
        data = json.loads(path.read_text())
        del data["metadata"]["draft"]
        path.write_text(json.dumps(data))
    assert_clean(build(src, out))
    clean_src = tmp_path / "clean-src"
    shutil.copytree(src, clean_src)
    clean = assert_clean(build(clean_src, tmp_path / "clean"))
    assert tree_differences(out, clean.outdir) == []


def test_a_cache_folder_inside_the_output_folder_is_refused(site_copy, tmp_path):
    conf = site_copy / "conf.py"
    conf.write_text(conf.read_text() + f"\nnb_execution_cache_path = {str(tmp_path / 'out' / 'cache')!r}\n")
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert "is inside the output folder (expected a folder outside it" in stderr


#: Builds the site argv[1] into argv[2] in a fresh process; prints the exit status and whether
#: jupyter-cache and SQLAlchemy were imported.
_BUILD_AND_LIST_IMPORTS = """
import json, sys
from sphinx.cmd.build import build_main
code = build_main(["-b", "dirhtml", "-W", "--keep-going", "-n", "-q", sys.argv[1], sys.argv[2]])
print(json.dumps([code, "jupyter_cache" in sys.modules, "sqlalchemy" in sys.modules]))
"""


def _imports_of_a_build(src: Path, out: Path) -> list:
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = {**os.environ, **TODAY, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _BUILD_AND_LIST_IMPORTS, str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_build_never_imports_jupyter_cache(tmp_path):
    # jupyter-cache imports SQLAlchemy (about a second on a busy machine, on every build and rebuild):
    # a build executes nothing (a text notebook's outputs come from _freeze/), so neither is imported.
    src = make_site("notebooks", tmp_path / "src")
    code, jupyter_cache, sqlalchemy = _imports_of_a_build(src, tmp_path / "out")
    assert code == 0
    assert not jupyter_cache and not sqlalchemy
    assert (tmp_path / "out" / NOTEBOOK / "index.html").is_file()
    page = (tmp_path / "out" / "posts/2024/executed-text-notebook/index.html").read_text("utf-8")
    assert "the sum is 55" in page and "And that is all." in page


def test_only_markdown_that_names_a_notebook_format_is_checked_for_being_a_text_notebook():
    from myst_nb.core.read import is_myst_markdown_notebook

    from blogext.markup.notebooks import might_be_text_notebook

    texts = [p.read_text("utf-8") for p in ROOTS.rglob("*.md")] + [
        "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n# T\n",
        "---\ndate: 2024-01-01\n---\n# T\n",
        "# No front matter\n",
    ]
    notebooks = [text for text in texts if is_myst_markdown_notebook(text)]
    assert len(notebooks) >= 2
    for text in texts:  # never skips a text notebook
        assert might_be_text_notebook(text) or not is_myst_markdown_notebook(text)
    assert not might_be_text_notebook("---\ndate: 2024-01-01\ntags: [a]\n---\n# A post\n")


# -- Outputs made safe (blogext.markup.nbsanitize): every attack left out and named, rich outputs kept
# ------------

OUTPUTS = "posts/2024/hostile-outputs/"
RICH = "posts/2024/rich-outputs/"
EVIL = "evil.example"
#: The cell of tests/roots/test-nboutputs/posts/2024/hostile-outputs.ipynb each attack is in, and the
#: words its warning must hold (see make_notebooks.py there).
ATTACK_CELLS = {
    "img onerror": (2, ["the event handler onerror on <img>"]),
    "svg onload": (3, ["the event handler onload on <svg>"]),
    "script in html": (4, ["the element <script>"]),
    "script in markdown": (5, ["its text/markdown output would run a script", "the element <script>"]),
    "javascript link": (6, ["a javascript: URL in <a href>"]),
    "iframe srcdoc": (7, ["the element <iframe>", "a page in <iframe srcdoc>"]),
    "backslash src": (8, ["<img src> loads '/\\\\evil.example/backslash.png' from evil.example"]),
    "object data": (9, ["the element <object>", "<object data> loads 'https://evil.example/object.swf'"]),
    "embed": (10, ["the element <embed>", "<embed src> loads 'https://evil.example/embed.swf'"]),
    "meta refresh": (11, ["the element <meta>"]),
    "base href": (12, ["the element <base>", "<base href> loads 'https://evil.example/'"]),
    "form action": (13, ["the element <form>"]),
    "style import": (14, ["CSS in <style> loads '//evil.example/import.css' from evil.example"]),
    "style url": (15, ["CSS in <p style> loads 'https://evil.example/style-attr.png' from evil.example"]),
    "svg output": (16, ["its image/svg+xml output", "the element <script>", "the event handler onload",
                        "<image href> loads 'https://evil.example/svg-image.png' from evil.example"]),
    "widget": (17, ["an output of type application/vnd.jupyter.widget-view+json"]),
    "javascript output": (18, ["an output of type application/javascript"]),
}  # fmt: skip


@pytest.fixture(scope="module")
def outputs_site(tmp_path_factory) -> BuiltSite:
    """tests/roots/test-nboutputs built: it fails (the hostile notebook), and its pages are written."""
    work = tmp_path_factory.mktemp("nboutputs")
    site = build(make_site("nboutputs", work / "src"), work / "out")
    assert site.returncode != 0
    return site


def _warnings_of(site: BuiltSite, name: str) -> list[str]:
    return [w for w in site.warnings if f"posts/2024/{name}.ipynb" in w]


@pytest.mark.parametrize("attack", ATTACK_CELLS)
def test_each_attack_in_a_notebook_output_fails_the_build_naming_its_cell(outputs_site, attack):
    cell, words = ATTACK_CELLS[attack]
    mine = [
        w for w in _warnings_of(outputs_site, "hostile-outputs") if f'cell {cell} ("attack({attack!r})")' in w
    ]
    assert mine, outputs_site.stderr
    text = "\n".join(mine)
    for word in words:
        assert word in text
    assert all("[blog.notebooks]" in w and "the page leaves it out" in w for w in mine)


def _loaded_urls(tree) -> list[tuple[str, str]]:
    """(tag attribute, URL) for every URL in the page that is not a link, and every URL in its CSS."""
    from blogext.markup.nbsanitize import css_urls, srcset_urls

    found = []
    for node in tree.root.traverse():
        for name, value in node.attributes.items():
            value = value or ""
            if name in ("style",):
                found += [(f"{node.tag} style", url) for url in css_urls(value)]
            elif name == "srcset":
                found += [(f"{node.tag} srcset", url) for url, _d in srcset_urls(value)]
            elif name in ("src", "poster", "data", "background", "action", "formaction") or (
                name.endswith("href") and node.tag not in ("a", "area", "link")
            ):
                found.append((f"{node.tag} {name}", value))
        if node.tag == "style":
            found += [("style", url) for url in css_urls(node.text())]
        if node.tag == "link" and "canonical" not in (node.attributes.get("rel") or ""):
            found.append(("link href", node.attributes.get("href") or ""))
    return found


def test_hostile_outputs_reach_the_page_without_script_handlers_or_offsite_loads(outputs_site):
    import ada_url
    from selectolax.lexbor import LexborHTMLParser

    html = outputs_site.path(OUTPUTS).read_text("utf-8")
    tree = LexborHTMLParser(html)
    assert EVIL not in html and "alert(" not in html and "javascript:" not in html.lower()
    for node in tree.root.traverse():
        assert not [a for a in node.attributes if a.lower().startswith("on")], node.html
        assert node.tag not in ("iframe", "object", "embed", "base", "form", "frame"), node.html
    # The page's own policy (blogext.outputs.csp) is its one http-equiv meta: no refresh or policy from an
    # output.
    assert [m.attributes.get("http-equiv", "").lower() for m in tree.css("meta[http-equiv]")] == [
        "content-security-policy"
    ]
    assert not tree.css("article script, .cell_output script")
    page_url = "https://site.invalid/" + OUTPUTS
    for what, url in _loaded_urls(tree):
        assert ada_url.parse_url(ada_url.join_url(page_url, url))["hostname"] == "site.invalid", (what, url)
    # The cells' other outputs (the text/plain beside a widget) are shown instead.
    assert "IntSlider(value=5)" in tree.css_first("article").text()
    for svg in outputs_site.files("_images/*.svg"):
        text = svg.read_text("utf-8")
        assert "<script" not in text and "onload" not in text and EVIL not in text and "onerror" not in text


def test_rich_notebook_outputs_still_render(outputs_site):
    from xml.etree import ElementTree

    assert _warnings_of(outputs_site, "rich-outputs") == []
    page = outputs_site.html(RICH)
    outputs = page.select("article .cell_output")
    frame = page.select_one("article table.dataframe")  # pandas
    assert frame is not None and len(frame.select("tbody tr")) == 3 and frame.get("border") == "1"
    assert ".dataframe tbody tr th" in page.select_one("article .cell_output style").get_text()
    styled = page.select_one("article table#T_losses")  # pandas Styler: its ids and the rules naming them
    assert styled is not None and styled.select_one("td#T_losses_row0_col1.data.row0.col1")
    assert any(
        "#T_losses_row0_col1" in s.get_text() and "background-color" in s.get_text()
        for s in page.select("style")
    )
    svg_img, png_img = [img for img in page.select("article .cell_output img")]
    svg_file = outputs_site.path(RICH).parent / svg_img["src"]
    root = ElementTree.parse(svg_file).getroot()  # matplotlib's SVG, still an SVG image
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 10
    assert (
        root.find(".//{http://www.w3.org/2000/svg}use")
        .get("{http://www.w3.org/1999/xlink}href")
        .startswith("#")
    )
    assert (outputs_site.path(RICH).parent / png_img["src"]).resolve().read_bytes()[:4] == b"\x89PNG"
    markdown = outputs[4]
    assert markdown.select_one("strong").get_text() == "Best epoch:" and len(markdown.select("li")) == 2
    # A file next to the notebook that an HTML output plays is published with the page.
    source = page.select_one("article audio source")
    played = (outputs_site.path(RICH).parent / source["src"]).resolve()
    assert played.read_bytes() == (outputs_site.srcdir / "posts/2024/tone.wav").read_bytes()
    assert source["src"].startswith(
        "../../../_images/"
    )  # published with the page (blogext.markup.localfiles)


def test_a_notebook_heading_jump_and_a_missing_video_are_named_by_cell(site_copy, tmp_path):
    (site_copy / "posts" / "2024" / "executed-text-notebook.md").unlink()  # no kernel needed here
    meta = {"date": "2024-05-02", **KERNEL}
    cells = [
        markdown_cell("# Jumps\n\nA post."),
        code_cell("x = 1", []),
        markdown_cell("Some text.\n\n### Too deep\n\nMore."),
    ]
    (site_copy / "posts" / "2024" / "jumps.ipynb").write_text(notebook(meta, cells))
    video = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": '<video src="clips/missing.mp4" controls></video>', "text/plain": "<Video>"},
    }
    cells = [markdown_cell("# Video\n\nA post."), code_cell('Video("clips/missing.mp4")', [video])]
    (site_copy / "posts" / "2024" / "video.ipynb").write_text(notebook(meta, cells))
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert (
        "posts/2024/jumps.ipynb: WARNING: cell 3, line 3: heading of level 3 (###) follows one of level 1 "
        "(expected a heading at most one level deeper than the one before it: write it with ##) [myst.header]"
    ) in stderr
    # The local-file rule is blogext.markup.localfiles', for notebooks' HTML as for any raw HTML.
    assert (
        "posts/2024/video.ipynb: WARNING: cell 2, line 1: <video src> 'clips/missing.mp4': no such file, "
        "posts/2024/clips/missing.mp4 in the source folder (expected an existing file inside the source "
        "folder) [blog.localfiles]"
    ) in stderr
    assert not re.search(r"\.ipynb:\d{5,}", stderr)
    assert 'src="clips/missing.mp4"' not in (tmp_path / "out" / "posts/2024/video/index.html").read_text(
        "utf-8"
    )


#: Variants from public XSS cheat sheets, each as a notebook's HTML output might hold it.
BYPASSES = [
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=href to=javascript:alert(1) /><a><text>x</text></a></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<a href=' &#14;  javascript:alert(1)'>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    # Mutation XSS: Lexbor reads the <img> as the <style>'s text, so it is not reported, and not published.
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>" srcset="//evil.example/a.png 2x">',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    '<div style="background:url(&quot;//evil.example/a.png&quot;)">x</div>',
    "<style>@\\69mport '//evil.example/a.css';</style>",
    "<style>a{background:u\\72l(//evil.example/b.png)}</style>",
    "<style>a{background-image:image-set('//evil.example/c.png' 1x)}</style>",
    '<table background="//evil.example/t.png"><tr><td>x</td></tr></table>',
    '<video poster="https://evil.example/p.png"></video>',
    '<img src="\\\\evil.example\\x.png">',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<svg><use href="https://evil.example/sprite.svg#a"/></svg>',
    "<svg><style>@import url(//evil.example/s.css)</style></svg>",
]


#: Read differently by Lexbor and by html5ever (nh3): published safe, but not reported.
UNREPORTED = {BYPASSES[6], BYPASSES[7]}


@pytest.mark.parametrize("markup", BYPASSES)
def test_a_cheat_sheet_variant_runs_nothing_loads_nothing_and_is_reported(markup):
    from selectolax.lexbor import LexborHTMLParser

    from blogext.markup.nbsanitize import Output, clean_html

    output = Output(
        "posts/2024", frozenset({"shrutiturner.github.io"}), lambda t, a, v, p: (None, "is missing")
    )
    cleaned = clean_html(markup, output)
    assert "evil.example" not in cleaned and "javascript" not in cleaned.lower()
    for node in LexborHTMLParser(cleaned).root.traverse():
        assert node.tag not in ("script", "iframe", "animate", "set", "style") or "@" not in node.text()
        assert not [name for name in node.attributes if name.lower().startswith("on")], cleaned
        assert not [v for v in node.attributes.values() if (v or "").lower().startswith("data:text")]
    assert output.findings or markup in UNREPORTED, f"nothing reported for {markup!r}"


def test_what_an_output_may_load_is_kept():
    from blogext.markup.nbsanitize import Output, clean_html

    output = Output(
        "posts/2024", frozenset({"images.example.org"}), lambda t, a, v, p: ("PUBLISHED/" + p, None)
    )
    markup = (
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">'
        '<img srcset="https://images.example.org/a.png 1x, plot.png 2x">'
        '<a href="https://other.example/page">a link is no load</a>'
        '<svg><defs><clipPath id="c"><rect width="1" height="1"/></clipPath></defs>'
        '<use href="#c" clip-path="url(#c)"/></svg>'
    )
    cleaned = clean_html(markup, output)
    assert output.findings == []
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in cleaned
    assert 'srcset="https://images.example.org/a.png 1x, PUBLISHED/posts/2024/plot.png 2x"' in cleaned
    assert 'href="https://other.example/page"' in cleaned and 'clip-path="url(#c)"' in cleaned


def test_a_notebook_page_written_again_equals_its_clean_build(site_copy, tmp_path):
    # myst-nb copies its stylesheet when the build ends: a clean build wrote the notebook pages' link
    # to it without Sphinx's ?v= checksum and a rebuild with it. It is in the output before the pages.
    out = tmp_path / "out"
    first = assert_clean(build(site_copy, out))
    assert "mystnb." in first.path("posts/2024/plotting-losses/").read_text("utf-8")
    notebook = site_copy / "posts/2024/plotting-losses.ipynb"
    notebook.write_text(notebook.read_text("utf-8").replace("# Plotting", "# Plotting again"), "utf-8")
    again = assert_clean(build(site_copy, out))
    clean = assert_clean(build(site_copy, tmp_path / "clean"))
    problems = tree_differences(again.outdir, clean.outdir)
    assert not problems, "a notebook rebuilt differs from its clean build:\n" + "\n\n".join(problems)
    link = re.search(
        r'href="[^"]*mystnb\.[0-9a-f]+\.css(\?v=[0-9a-f]+)?"',
        clean.path("posts/2024/plotting-losses/").read_text("utf-8"),
    )
    assert link and link.group(1), "the clean build links myst-nb's stylesheet without its checksum"
