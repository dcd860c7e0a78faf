"""Every message that suggests a fix suggests one the build accepts: each test plants a mistake in a copy
of the real site, takes the fix the failed build's message suggests, applies it as written, and builds
strictly. (The file-name rule's suggestion is applied the same way in test_filenames.py, and ABlog's
``{post}`` directive's in test_frontmatter.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import BuiltSite, assert_clean, copy_site, run_sphinx

POST = "posts/2024/suggested.md"


@pytest.fixture
def site_copy(tmp_path) -> Path:
    return copy_site(tmp_path / "src")


def _failed(built: BuiltSite, pattern: str) -> re.Match:
    assert built.returncode != 0, "the planted mistake did not fail the build"
    found = re.search(pattern, built.stderr)
    assert found, built.stderr
    return found


def _post(src: Path, front: str, body: str) -> Path:
    path = src / POST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ndate: 2024-03-01\n{front}---\n\n# A suggested post\n\nIts excerpt.\n\n{body}", "utf-8"
    )
    return path


def test_the_key_suggested_for_a_mistyped_front_matter_key_builds(site_copy, tmp_path):
    post = _post(site_copy, "tgas: [Git]\n", "")
    found = _failed(run_sphinx(site_copy, tmp_path / "one"), r"unknown key 'tgas' \(did you mean '(\w+)'\?")
    post.write_text(post.read_text("utf-8").replace("tgas:", f"{found[1]}:"), "utf-8")
    assert_clean(run_sphinx(site_copy, tmp_path / "two"))


def test_the_language_suggested_for_a_mistyped_code_block_language_builds(site_copy, tmp_path):
    post = _post(site_copy, "", "```pyhton\nprint('hello')\n```\n")
    found = _failed(
        run_sphinx(site_copy, tmp_path / "one"), r"code block language 'pyhton' .*?did you mean '([\w+-]+)'\?"
    )
    post.write_text(post.read_text("utf-8").replace("```pyhton", f"```{found[1]}"), "utf-8")
    assert_clean(run_sphinx(site_copy, tmp_path / "two"))


def test_the_heading_level_suggested_for_a_notebook_heading_jump_builds(site_copy, tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# A notebook post\n\nIts excerpt."},
        {"cell_type": "markdown", "metadata": {}, "source": "Some text.\n\n### Too deep\n\nMore."},
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "date": "2024-03-02",
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = site_copy / "posts" / "2024" / "jumping.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), "utf-8")
    found = _failed(run_sphinx(site_copy, tmp_path / "one"), r"jumping\.ipynb.*?write it with (#+)\)")
    notebook["cells"][1]["source"] = cells[1]["source"].replace("### ", f"{found[1]} ")
    path.write_text(json.dumps(notebook), "utf-8")
    assert_clean(run_sphinx(site_copy, tmp_path / "two"))


def test_the_part_number_suggested_for_a_gap_in_a_series_builds(site_copy, tmp_path):
    post = _post(site_copy, "series: git-guides\npart: 4\n", "")
    gap = r"number this part (\d+), or add the missing part"
    found = _failed(run_sphinx(site_copy, tmp_path / "one"), gap)
    post.write_text(post.read_text("utf-8").replace("part: 4", f"part: {found[1]}"), "utf-8")
    assert_clean(run_sphinx(site_copy, tmp_path / "two"))
