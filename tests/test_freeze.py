"""Frozen notebooks (blogext.markup.freeze, blogcli.freezenotebooks): run by ``nox -s freeze``, never by a
build.

``tests/roots/test-freeze`` has a text notebook whose first cell writes a marker file (the path in
``BLOG_TEST_MARKER``) and whose second draws a matplotlib plot, and a ``.ipynb`` saved without outputs.
The freeze code is called directly (as ``nox -s freeze`` runs it), with the Python running the tests
as the kernel; the builds are real ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, BuiltSite, assert_clean, make_site, run_sphinx

from blogcli.freezenotebooks import freeze_site
from blogext.markup import freeze

TODAY = {"BLOG_TODAY": "2024-06-01"}
TEXT = "posts/2024/frozen-text.md"
IPYNB = "posts/2024/no-outputs.ipynb"
#: What a build must not need: jupyter-cache (cached execution), and what the notebooks import.
NOT_IN_THE_SITE = ("jupyter_cache", "numpy", "matplotlib", "pandas")
#: Builds argv[1] into argv[2] with those modules unimportable: any execution fails.
_BUILD_WITHOUT_EXECUTION = f"""
import sys
for name in {NOT_IN_THE_SITE!r}:
    sys.modules[name] = None
from sphinx.cmd.build import build_main
sys.exit(build_main(["-b", "dirhtml", "-W", "--keep-going", "-n", "-q", sys.argv[1], sys.argv[2]]))
"""


def frozen_copy(dest: Path, marker: Path) -> Path:
    src = make_site("freeze", dest)
    os.environ["BLOG_TEST_MARKER"] = str(marker)
    try:
        result = freeze_site(src, log=lambda line: None)
    finally:
        del os.environ["BLOG_TEST_MARKER"]
    assert result.failed == [] and sorted(result.executed) == [TEXT, IPYNB]
    return src


@pytest.fixture(scope="module")
def frozen(tmp_path_factory) -> Path:
    """The test site after `nox -s freeze`, its marker file removed."""
    work = tmp_path_factory.mktemp("frozen")
    marker = work / "marker"
    src = frozen_copy(work / "src", marker)
    assert marker.read_text() == "executed"
    marker.unlink()
    return src


@pytest.fixture(scope="module")
def published(frozen, tmp_path_factory) -> BuiltSite:
    """A fresh copy of the frozen site (as a clone would be) built in a process that cannot execute."""
    work = tmp_path_factory.mktemp("published")
    clone = work / "clone"
    shutil.copytree(frozen, clone)
    env = {**os.environ, **TODAY, "PYTHONPATH": str(REPO), "BLOG_TEST_MARKER": str(work / "marker")}
    done = subprocess.run(
        [sys.executable, "-c", _BUILD_WITHOUT_EXECUTION, str(clone), str(work / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert not (work / "marker").exists(), "the build executed a notebook"
    return assert_clean(BuiltSite(clone, work / "out", done.returncode, done.stdout, done.stderr))


def build(src: Path, out: Path) -> BuiltSite:
    return run_sphinx(src, out, env=TODAY)


# -- nox -s freeze ----------------------------------------------------------------------------------


def test_the_freeze_is_plain_files_outputs_as_json_and_images_as_files(frozen):
    folder = frozen / "_freeze" / "posts" / "2024" / "frozen-text"
    data = json.loads((folder / "outputs.json").read_text("utf-8"))
    assert data["digest"].startswith("sha256:") and data["kernel"] == "python3"
    assert data["cells"][0]["outputs"][0]["text"] == "frozen answer 42\n"
    (plot,) = [o for o in data["cells"][1]["outputs"] if "files" in o]
    assert plot["files"] == {"image/png": "cell-3-1.png"} and "image/png" not in plot["data"]
    assert (folder / "cell-3-1.png").read_bytes()[:4] == b"\x89PNG"
    record = data["record"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["executed"])
    assert record["python"] == ".".join(map(str, sys.version_info[:3]))
    assert set(record["packages"]) == {"matplotlib"}  # imported by a cell (os and pathlib are Python's)


def test_an_unchanged_notebook_is_not_executed_again(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    before = {p: p.read_bytes() for p in (src / "_freeze").rglob("*") if p.is_file()}
    marker = tmp_path / "marker"
    os.environ["BLOG_TEST_MARKER"] = str(marker)
    try:
        again = freeze_site(src, log=lambda line: None)
        assert again.executed == [] and sorted(again.fresh) == [TEXT, IPYNB]
        assert not marker.exists()
        assert {p: p.read_bytes() for p in (src / "_freeze").rglob("*") if p.is_file()} == before
        # A Markdown-only edit keeps the freeze; a code change executes that notebook, and only it.
        post = src / TEXT
        post.write_text(post.read_text().replace("The end of the text.", "The end, edited."))
        assert freeze_site(src, log=lambda line: None).executed == []
        post.write_text(post.read_text().replace("6 * 7", "6 * 8"))
        changed = freeze_site(src, log=lambda line: None)
    finally:
        del os.environ["BLOG_TEST_MARKER"]
    assert changed.executed == [TEXT] and changed.fresh == [IPYNB] and marker.exists()
    assert "frozen answer 48" in (src / "_freeze/posts/2024/frozen-text/outputs.json").read_text()


def test_a_cell_over_the_timeout_freezes_nothing_and_names_the_cell_and_the_settings(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    post = src / TEXT
    before = (src / "_freeze/posts/2024/frozen-text/outputs.json").read_text()
    text = post.read_text().replace(
        "  display_name: Python 3\n", "  display_name: Python 3\nmystnb:\n  execution_timeout: 5\n"
    )
    post.write_text(text.replace("ax.plot([1, 2, 3], [3, 1, 2])", "import time\ntime.sleep(60)"))
    lines: list[str] = []
    result = freeze_site(src, log=lines.append)
    assert result.failed == [TEXT]
    assert re.search(
        r"posts/2024/frozen-text\.md:\d+: cell 3 \('fig, ax = plt\.subplots\(figsize=\(2, 2\)\)'\) was still "
        r"running after 5 seconds, the execution timeout, so nothing was frozen for this post .*"
        r"'mystnb: \{execution_timeout: 300\}' in its metadata, or every notebook with nb_execution_timeout",
        "\n".join(lines),
    )
    assert (src / "_freeze/posts/2024/frozen-text/outputs.json").read_text() == before


def test_a_cell_that_raises_or_a_missing_kernel_freezes_nothing(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    (src / TEXT).write_text((src / TEXT).read_text().replace("6 * 7", "6 / 0"))
    path = src / IPYNB
    path.write_text(path.read_text().replace('"name": "python3"', '"name": "julia-1.9"'))
    lines: list[str] = []
    assert sorted(freeze_site(src, log=lines.append).failed) == [TEXT, IPYNB]
    log = "\n".join(lines)
    assert re.search(r"posts/2024/frozen-text\.md:\d+: cell 2 \('import os'\) raised ZeroDivisionError", log)
    assert "posts/2024/no-outputs.ipynb: kernelspec name 'julia-1.9' is not a kernel installed here" in log


# -- Publishing builds never execute -----------------------------------------------------------------


def test_a_fresh_copy_renders_the_frozen_outputs_and_executes_nothing(published):
    page = published.html("posts/2024/frozen-text/")
    outputs = page.select("article .cell_output")
    assert "frozen answer 42" in outputs[0].get_text()
    (plot,) = outputs[1].select("img")
    assert (published.path("posts/2024/frozen-text/").parent / plot["src"]).resolve().read_bytes()[:4] == (
        b"\x89PNG"
    )
    assert (
        "frozen ipynb"
        in published.html("posts/2024/no-outputs/").select_one("article .cell_output").get_text()
    )


def test_a_plain_sphinx_build_renders_the_frozen_outputs(frozen, tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(frozen, clone)
    env = {**os.environ, **TODAY, "PYTHONPATH": str(REPO), "BLOG_TEST_MARKER": str(tmp_path / "marker")}
    sphinx_build = Path(sys.executable).with_name("sphinx-build")
    done = subprocess.run(
        [str(sphinx_build), "-q", str(clone), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "marker").exists()
    page = (tmp_path / "html" / "posts/2024/frozen-text.html").read_text("utf-8")
    assert "frozen answer 42" in page


def test_the_record_footer_says_when_and_with_what_the_post_was_executed(published, frozen):
    record = json.loads((frozen / "_freeze/posts/2024/frozen-text/outputs.json").read_text())["record"]
    footer = published.html("posts/2024/frozen-text/").select_one("article footer.notebook-record")
    assert footer.select_one("time")["datetime"] == record["executed"]
    text = " ".join(footer.get_text().split())
    assert f"with Python {record['python']}, matplotlib {record['packages']['matplotlib']}." in text
    assert not footer.select("a")  # launch links are off by default
    # A notebook with stored outputs was not executed here: no record.
    assert published.html("").select_one("footer.notebook-record") is None


def test_a_code_change_without_a_freeze_fails_naming_the_post_and_the_command(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    (src / TEXT).write_text((src / TEXT).read_text().replace("6 * 7", "6 * 9"))
    site = build(src, tmp_path / "out")
    assert site.returncode != 0
    assert (
        "posts/2024/frozen-text.md: WARNING: notebook has code that changed since it was frozen, so its page "
        "would show code without its outputs (expected outputs frozen for this code: run `nox -s freeze` "
        "and commit _freeze/posts/2024/frozen-text/) [blog.notebooks]"
    ) in site.stderr


def test_a_markdown_only_change_builds_from_the_same_freeze(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    (src / TEXT).write_text((src / TEXT).read_text().replace("The end of the text.", "A new last line."))
    page = assert_clean(build(src, tmp_path / "out")).html("posts/2024/frozen-text/")
    assert "A new last line." in page.get_text() and "frozen answer 42" in page.get_text()


def test_a_post_asking_for_execution_fails_pointing_at_freeze(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    text = (src / TEXT).read_text()
    (src / TEXT).write_text(
        text.replace(
            "  display_name: Python 3\n", "  display_name: Python 3\nmystnb:\n  execution_mode: cache\n"
        )
    )
    site = build(src, tmp_path / "out")
    assert site.returncode != 0
    assert (
        "posts/2024/frozen-text.md: WARNING: asks for execution (mystnb execution_mode 'cache'), and a "
        "published build never executes (expected no execution_mode: run `nox -s freeze`"
    ) in site.stderr


def test_launch_links_are_plain_links_on_ipynb_posts_only(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    launch = {"repository": "shrutiturner/blog", "branch": "main", "colab": True, "binder": True}
    (src / "conf.py").write_text((src / "conf.py").read_text() + f"\nblogext_notebook_launch = {launch!r}\n")
    site = assert_clean(build(src, tmp_path / "out"))
    links = site.html("posts/2024/no-outputs/").select("footer.notebook-record a.notebook-launch-link")
    assert [(a.get_text(), a["href"]) for a in links] == [
        (
            "Open in Colab",
            "https://colab.research.google.com/github/shrutiturner/blog/blob/main/posts/2024/no-outputs.ipynb",
        ),
        (
            "Open in Binder",
            "https://mybinder.org/v2/gh/shrutiturner/blog/main?labpath=posts%2F2024%2Fno-outputs.ipynb",
        ),
    ]
    assert not site.html("posts/2024/frozen-text/").select("a.notebook-launch-link")  # a text notebook


def test_a_setting_that_executes_is_refused(frozen, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(frozen, src)
    (src / "conf.py").write_text((src / "conf.py").read_text() + '\nnb_execution_mode = "cache"\n')
    site = build(src, tmp_path / "out")
    assert site.returncode != 0
    assert "nb_execution_mode = 'cache' in conf.py: a published build never executes notebooks" in site.stderr


def test_digest_ignores_markdown_and_outputs_but_not_code_or_kernel():
    def notebook(code: str, kernel: str = "python3", text: str = "x") -> dict:
        return {
            "metadata": {"kernelspec": {"name": kernel}},
            "cells": [
                {"cell_type": "markdown", "source": text},
                {"cell_type": "code", "source": code, "outputs": []},
            ],
        }

    assert freeze.digest(notebook("1")) == freeze.digest(notebook("1", text="y"))
    assert freeze.digest(notebook("1")) != freeze.digest(notebook("2"))
    assert freeze.digest(notebook("1")) != freeze.digest(notebook("1", kernel="gpu"))


def test_the_benchmark_blogs_notebooks_are_frozen_ones_and_the_twins_store_their_outputs(tmp_path):
    sys.path.insert(0, str(REPO))
    from bench import generate
    from blogcli.freezenotebooks import find_posts, is_fresh, read_config

    posts = generate.plan_posts(12)
    notebook = next(p for p in posts if p.notebook)
    blog, plain = tmp_path / "blog", tmp_path / "plain"
    generate.write_posts(blog, posts, plain=False)
    generate.write_posts(plain, posts, plain=True)
    saved = json.loads((blog / notebook.path).read_text("utf-8"))
    code = [cell for cell in saved["cells"] if cell["cell_type"] == "code"]
    assert code and not any(cell["outputs"] for cell in code), "saved without outputs, as frozen"
    frozen = blog / freeze.FOLDER / notebook.path.rsplit(".", 1)[0]
    assert (frozen / "cell-6-1.png").read_bytes().startswith(b"\x89PNG")
    shutil.copy2(REPO / "conf.py", blog / "conf.py")
    [found] = find_posts(blog, read_config(blog))
    assert is_fresh(blog, found), "the freeze is of this code: the build renders it"
    twin = json.loads((plain / notebook.path).read_text("utf-8"))
    assert any(cell.get("outputs") for cell in twin["cells"]), "the twin's myst-nb renders stored outputs"
    assert not (plain / freeze.FOLDER).exists()
