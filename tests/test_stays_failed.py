"""A failed build stays failed until its cause is fixed (:mod:`blogext.core.rebuildwarned`).

``tests/roots/test-stayfailed`` (two posts, with the real site's ``conf.py``) is built three times
with one doctree folder, as ``nox -s build``, a plain ``sphinx-build -d`` and Read the Docs keep it:
a problem is planted and the build fails; the same build, run again unchanged, fails again with the
same warning (Sphinx alone reads nothing again and says "build succeeded"); the file is fixed and
the build passes. A fourth build then reads nothing: a fixed document is not read again for ever.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import (
    KERNEL,
    ZERO_DIVISION,
    BuiltSite,
    assert_clean,
    code_cell,
    make_site,
    markdown_cell,
    notebook,
    run_sphinx,
)

TODAY = {"BLOG_TODAY": "2024-06-01"}
POST = "posts/2024/plain.md"
NOTEBOOK = "posts/2024/losses.ipynb"
BIB = "posts/2024/refs.bib"
ENTRY = "@article{smith2020,\n  title = {%s},\n  year = 2020\n}\n"
NOTEBOOK_META = {**KERNEL, "date": "2024-04-01", "tags": ["testing"], "category": "notes",
                 "description": "A notebook post."}  # fmt: skip


def _append(text: str):
    return {POST: lambda original: original + text}


def _replace(old: str, new: str):
    return {POST: lambda original: original.replace(old, new)}


def _notebook(cells: list[dict]):
    return {NOTEBOOK: lambda original: notebook(NOTEBOOK_META, cells)}


_NOTEBOOK_TEXT = markdown_cell("# Losses\n\nA notebook post.")
_ONE = {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": "1.0"}}

#: (planted, fixed, a pattern of the warning): the change that breaks the site, the one that fixes it.
CASES = {
    "unknown-directive": (
        _append("\n```{nosuchdirective}\n```\n"),
        {},
        rf"{POST}:\d+: (WARNING|ERROR): Unknown directive type: 'nosuchdirective'",
    ),
    "myst-read-time": (
        _append("\n##### Too deep\n\nText.\n"),
        {},
        rf"{POST}:\d+: WARNING: Non-consecutive header level increase; H3 to H5",
    ),
    "series": (
        _replace("category: notes\n", "category: notes\nseries: no-such-series\n"),
        {},
        rf"{POST}:\d+: WARNING: series 'no-such-series' is not a defined series",
    ),
    "front-matter": (
        _replace("date: 2024-02-01", "date: 2024-02-30"),
        {},
        re.escape(f"{POST}: date '2024-02-30' is not a valid date (expected YYYY-MM-DD)"),
    ),
    "write-time-ref": (
        _append("\nSee {ref}`a-label-nowhere`.\n"),
        _replace("a-label-nowhere", "plain-section"),
        rf"{POST}:\d+: WARNING: undefined label: 'a-label-nowhere'",
    ),
    "notebook-cell-error": (
        _notebook([_NOTEBOOK_TEXT, code_cell("1 / 0", [ZERO_DIVISION])]),
        # The fix as the author makes it: the cell run again, with its output stored (a notebook
        # with code and no outputs would be one to freeze).
        _notebook([_NOTEBOOK_TEXT, code_cell("1 / 1", [_ONE])]),
        rf"{NOTEBOOK}(:\d+)?: WARNING: cell 2 \('1 / 0'\) raised ZeroDivisionError",
    ),
    # Warnings that name no document: the next build starts from a fresh environment.
    "bib-file": (
        {BIB: lambda original: f"{ENTRY % 'A title'}{ENTRY % 'Again'}"},
        {BIB: lambda original: ENTRY % "A title"},
        rf"WARNING: bibliography data error in \S*{BIB}: repeated bibliography entry: smith2020",
    ),
    "setting": (
        {"conf.py": lambda original: original + '\nhtml_static_path = ["_static", "no-such-folder"]\n'},
        {},
        r"WARNING: html_static_path entry 'no-such-folder' does not exist",
    ),
}


def apply(site: Path, changes: dict) -> None:
    for name, change in changes.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(change(path.read_text("utf-8") if path.exists() else ""), "utf-8")


def build(site: Path, out: Path) -> BuiltSite:
    return run_sphinx(site, out, env=TODAY)


def failed_with(built: BuiltSite, pattern: str) -> None:
    assert built.returncode != 0, "the build should have failed:\n" + built.stdout[-2000:]
    assert re.search(pattern, built.stderr), built.stderr


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site("stayfailed", tmp_path / "src")


@pytest.mark.parametrize("case", list(CASES))
def test_a_failed_build_fails_again_unchanged_and_passes_once_fixed(site, tmp_path, case):
    planted, fixed, warning = CASES[case]
    out = tmp_path / "out"
    apply(site, planted)
    failed_with(build(site, out), warning)
    failed_with(build(site, out), warning)
    if fixed:
        apply(site, fixed)
    else:
        original = make_site("stayfailed", tmp_path / "pristine")
        for name in planted:
            (site / name).write_text((original / name).read_text("utf-8"), "utf-8")
    assert_clean(build(site, out))
    again = assert_clean(build(site, out))
    assert "0 added, 0 changed, 0 removed" in again.stdout, "a fixed document is not read again for ever"


def test_only_the_document_that_warned_is_read_again(site, tmp_path):
    out = tmp_path / "out"
    assert_clean(build(site, out))
    apply(site, _append("\n```{nosuchdirective}\n```\n"))
    failed_with(build(site, out), "nosuchdirective")
    again = build(site, out)
    assert "0 added, 1 changed, 0 removed" in again.stdout
    state = json.loads((out.with_name("out.doctrees") / "blog-warned.json").read_text("utf-8"))
    assert state == {"documents": ["posts/2024/plain"], "everything": False}


def test_a_suppressed_warning_does_not_make_a_document_read_again(site, tmp_path):
    out = tmp_path / "out"
    apply(site, _append("\n##### Too deep\n\nText.\n"))
    conf = site / "conf.py"
    conf.write_text(conf.read_text("utf-8") + '\nsuppress_warnings = ["myst.header"]\n', "utf-8")
    assert_clean(build(site, out))
    again = assert_clean(build(site, out))
    assert "0 added, 0 changed, 0 removed" in again.stdout
    assert not (out.with_name("out.doctrees") / "blog-warned.json").exists()
