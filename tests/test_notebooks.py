"""Notebooks as posts (blogext.notebooks, myst-nb).

``tests/roots/test-notebooks`` is built with the real ``conf.py``, templates and
styles: a ``.ipynb`` post with stored outputs (a matplotlib plot, printed text),
a MyST-NB text notebook that asks for cached execution, a Markdown post sharing a
tag, and a draft notebook with marker words, a tag and a plot of its own.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ATOM, ROOTS, BuiltSite, assert_clean, entry_titles, run_sphinx
from test_incremental import make_site as make_root_site

from blogext.notebooks import quote_dates

TODAY = {"BLOG_TODAY": "2024-06-01"}
SITE_PARTS = ("conf.py", "_templates", "_static")
NOTEBOOK = "posts/2024/plotting-losses/"
DRAFT_MARKERS = (
    "Zanzibar",
    "quixotic marmalade",
    "secret-notebook-tag",
    "Secret Notebook Tag",
    "draft-notebook",
)


def make_site(dest: Path) -> Path:
    """The notebooks test site, with the real site's conf.py, templates and styles."""
    return make_root_site("notebooks", dest)


def build(src: Path, out: Path) -> BuiltSite:
    return run_sphinx(src, out, env=TODAY)


def notebook(metadata: dict, cells: list[dict]) -> str:
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}, indent=1)


def markdown_cell(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code_cell(source: str, outputs: list[dict], tags: tuple[str, ...] = ()) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": metadata,
        "outputs": outputs,
        "source": source,
    }


KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
ZERO_DIVISION = {
    "output_type": "error",
    "ename": "ZeroDivisionError",
    "evalue": "division by zero",
    "traceback": ["ZeroDivisionError: division by zero"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> BuiltSite:
    work = tmp_path_factory.mktemp("notebooks")
    src = make_site(work / "src")
    return assert_clean(build(src, work / "out"))


@pytest.fixture
def site_copy(tmp_path) -> Path:
    return make_site(tmp_path / "src")


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
    from test_search import bundle_text

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
    assert (doctrees / "jupyter_cache").is_dir()
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


def test_cached_execution_runs_a_notebook_once(tmp_path):
    src, out = make_site(tmp_path / "src"), tmp_path / "out"
    first = assert_clean(build(src, out))
    assert "executed-text-notebook.md: Executed notebook" in first.stderr + first.stdout
    again = assert_clean(build(src, out))
    assert "Executing notebook" not in again.stderr + again.stdout
    post = src / "posts" / "2024" / "executed-text-notebook.md"
    post.write_text(post.read_text().replace("And that is all.", "And that is all, really."))
    edited = assert_clean(build(src, out))
    log = edited.stderr + edited.stdout
    assert "Executing notebook" not in log and "Using cached notebook" in log
    assert "And that is all, really." in edited.html("posts/2024/executed-text-notebook/").get_text()


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


def test_an_executed_cell_that_raises_fails_the_build(site_copy, tmp_path):
    post = site_copy / "posts" / "2024" / "executed-text-notebook.md"
    post.write_text(post.read_text().replace("total = sum(range(1, 11))", "total = 1 / 0"))
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert re.search(
        r"posts/2024/executed-text-notebook\.md:\d+: WARNING: cell 2 \('total = 1 / 0'\) raised "
        r"ZeroDivisionError: division by zero \(expected cells that run without error",
        stderr,
    )
    assert not (tmp_path / "out" / "reports").exists()


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
        "posts/2024/chart.ipynb: WARNING: cell 2 ('fig.show()') has an output that would run a script "
        "or load from another host ('<script'; expected static outputs"
    ) in stderr


def test_a_notebook_in_a_site_without_notebooks_is_an_error(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    shutil.copy2(
        ROOTS / "test-notebooks" / "posts" / "2024" / "plotting-losses.ipynb", src / "posts" / "2024"
    )
    conf = src / "conf.py"
    conf.write_text(
        conf.read_text().replace('"blogext.postmeta"]', '"blogext.postmeta", "blogext.frontmatter"]')
    )
    stderr = failed(run_sphinx(src, tmp_path / "out"))
    assert (
        "posts/2024/plotting-losses.ipynb: is a notebook, and this site builds none "
        "(expected 'blogext.notebooks' in conf.py's extensions, with myst-nb installed)"
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
    from blogext.frontmatter import KNOWN_KEYS, NOTEBOOK_KEYS, check_front_matter

    data = {"author": "shruti", "series": "git-guides", "part": 2, "kernelspec": {"name": "python3"}}
    assert check_front_matter(data, ["shruti"], [], NOTEBOOK_KEYS)[1] == []
    # A Markdown post may not use a notebook's own keys: the message lists the post keys only.
    assert check_front_matter({"widgets": {}}, ["shruti"])[1] == [
        f"unknown key 'widgets' (expected one of: {', '.join(KNOWN_KEYS)})"
    ]


@pytest.mark.parametrize("change", ["retitle-notebook", "draft-published"])
def test_an_incremental_build_after_a_notebook_change_equals_a_clean_build(tmp_path, change):
    from test_incremental import tree_differences

    src, out = make_site(tmp_path / "src"), tmp_path / "out"
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


def test_an_executed_notebook_with_a_kernel_not_installed_stops_the_build(site_copy, tmp_path):
    post = site_copy / "posts" / "2024" / "executed-text-notebook.md"
    post.write_text(post.read_text().replace("  name: python3", "  name: julia-1.9"))
    stderr = failed(build(site_copy, tmp_path / "out"))
    assert re.search(
        r"posts/2024/executed-text-notebook\.md: kernelspec name 'julia-1\.9' is not a kernel installed "
        r"here, and the post is executed \(expected one of: .*python3",
        stderr,
    )


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


def test_a_build_that_executes_nothing_never_imports_jupyter_cache(tmp_path):
    # jupyter-cache imports SQLAlchemy (about a second on a busy machine, on every build and rebuild):
    # with nb_execution_mode "off" and no post asking for execution, neither is imported.
    src = make_site(tmp_path / "src")
    (src / "posts" / "2024" / "executed-text-notebook.md").unlink()
    code, jupyter_cache, sqlalchemy = _imports_of_a_build(src, tmp_path / "out")
    assert code == 0
    assert not jupyter_cache and not sqlalchemy
    assert (tmp_path / "out" / NOTEBOOK / "index.html").is_file()


def test_a_build_that_executes_a_notebook_imports_jupyter_cache_when_it_does(tmp_path):
    src = make_site(tmp_path / "src")
    code, jupyter_cache, _sqlalchemy = _imports_of_a_build(src, tmp_path / "out")
    assert code == 0 and jupyter_cache
    page = (tmp_path / "out" / "posts/2024/executed-text-notebook/index.html").read_text("utf-8")
    assert "And that is all." in page


def test_only_markdown_that_names_a_notebook_format_is_checked_for_being_a_text_notebook():
    from myst_nb.core.read import is_myst_markdown_notebook

    from blogext.notebooks import might_be_text_notebook

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
