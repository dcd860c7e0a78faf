"""Posts written for other Sphinx and MyST blogs: published right, or failing clearly.

Constructs found in real posts of other ABlog, Jupyter Book and MyST blogs, each in a
small post of our own written into a copy of ``tests/roots/test-neversilent`` (built
with the real ``conf.py``): ABlog's ``{post}`` directive in the body (it hung the
build), prefixed roles and directives of packages the site does not have
(``{prf:ref}`` was silently Sphinx's ``{ref}``), a directive private to another site,
and ``$...$`` inside ``\\text{}`` in an equation (shown as raw TeX).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import TODAY, assert_clean, failed, make_site, replace_text, run_sphinx

from blogext.markup.math import draw

POST = """---
date: 2024-03-01
tags: [optimization]
category: notes
description: A post written for another blog.
---
"""


@pytest.fixture
def site_copy(tmp_path) -> Path:
    return make_site("neversilent", tmp_path / "src")


def write(site: Path, relpath: str, text: str) -> None:
    (site / relpath).write_text(text)


def test_ablog_post_directive_in_the_body_stops_the_build_naming_file_line_and_date(site_copy, tmp_path):
    write(
        site_copy,
        "posts/2024/ablog-style.md",
        POST + "```{post} 2020-05-15\n:excerpt: 0\n```\n\n# Written for an ABlog site\n\nThe body.\n",
    )
    proc = run_sphinx(site_copy, tmp_path / "out", env=TODAY, timeout=120)  # a build that hangs fails
    assert proc.returncode != 0
    assert (
        "posts/2024/ablog-style.md: directive {post} on line 7 is ABlog's way to make a page a post, which "
        "this site does not use (expected the date, tags and category in the front matter, as "
        "'date: 2020-05-15', and no {post} directive)"
    ) in proc.stderr + proc.stdout


def test_ablog_post_directive_in_a_notebook_cell_is_named_with_its_cell(site_copy, tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# A notebook from an ABlog site\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": [":::{post}\n:tags: ml\n:::\n"]},
        ],
        "metadata": {
            "date": "2024-03-02",
            "tags": ["ml"],
            "category": "notes",
            "description": "From elsewhere.",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    write(site_copy, "posts/2024/ablog-notebook.ipynb", json.dumps(notebook))
    proc = run_sphinx(site_copy, tmp_path / "out", env=TODAY, timeout=120)  # a build that hangs fails
    assert proc.returncode != 0
    assert (
        "posts/2024/ablog-notebook.ipynb: directive {post} in cell 2, line 1 is ABlog's way to make a page "
        "a post"
    ) in proc.stderr + proc.stdout


def test_prefixed_role_and_directives_of_a_missing_package_are_named_with_file_and_line(site_copy, tmp_path):
    write(
        site_copy,
        "posts/2024/proofs.md",
        POST
        + "# Proofs\n\nIntro.\n\n(a-label)=\n## A section\n\n"
        + "```{prf:algorithm} Gradient method\n:label: alg-gd\nStep.\n```\n\n"
        + "See {prf:ref}`a-label` and {prf:ref}`alg-gd`.\n\n"
        + ":::{prf:corollary}\nIt follows.\n:::\n",
    )
    built = run_sphinx(site_copy, tmp_path / "out", env=TODAY)
    stderr = failed(built)
    expected = "it comes from sphinx-proof (expected 'sphinx_proof' in conf.py's extensions"
    assert (
        "posts/2024/proofs.md:14: WARNING: directive 'prf:algorithm' is not available on this site: "
        f"{expected}" in stderr
    )
    assert (
        f"posts/2024/proofs.md:19: WARNING: role 'prf:ref' is not available on this site: {expected}"
        in stderr
    )
    assert (
        "posts/2024/proofs.md:21: WARNING: directive 'prf:corollary' is not available on this site: "
        f"{expected}" in stderr
    )
    # Every warning names the file, and {prf:ref} was not taken for Sphinx's {ref} (which resolved a-label).
    assert all("posts/2024/proofs.md:" in line for line in built.warnings), built.warnings
    assert "undefined label" not in stderr
    page = built.path("posts/2024/proofs/")
    if page.exists():  # with --keep-going the page is written: the roles link nowhere
        see = next(
            p for p in built.html("posts/2024/proofs/").find_all("p") if p.get_text().startswith("See")
        )
        assert see.find("a") is None, see


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        (
            "```{example}\nA demo.\n```\n",
            "directive 'example' is not available on this site: it comes from sphinx-examples",
        ),
        (
            "```{margin}\nAside.\n```\n",
            "directive 'margin' is not available on this site: it comes from sphinx-book-theme",
        ),
        (
            "````{panels}\nA\n---\nB\n````\n",
            "directive 'panels' is not available on this site: it comes from sphinx-panels",
        ),
    ],
    ids=["sphinx-examples", "sphinx-book-theme", "sphinx-panels"],
)
def test_directive_of_another_blogs_package_names_the_package(site_copy, tmp_path, markup, message):
    write(site_copy, "posts/2024/elsewhere.md", POST + "# From elsewhere\n\nIntro.\n\n" + markup)
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert f"posts/2024/elsewhere.md:11: WARNING: {message}" in stderr


def test_directive_private_to_another_site_fails_naming_file_and_line(site_copy, tmp_path):
    write(
        site_copy,
        "posts/2024/social.md",
        POST + "# Embeds\n\nIntro.\n\n```{socialpost} https://example.org/post/1\n```\n",
    )
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert "posts/2024/social.md:11: WARNING: Unknown directive type: 'socialpost'" in stderr


def test_dollar_math_inside_text_is_math_again():
    [drawn] = draw([(r"f_t(\mathbf x) \quad \text{alternates between $-\mathbf x$ and $\mathbf x$}", True)])
    mathml = BeautifulSoup(drawn["html"], "html.parser").find("math")
    assert "$" not in mathml.get_text()
    assert len(mathml.find_all("mi", attrs={"mathvariant": "bold"})) == 3
    # An escaped dollar is a dollar.
    [drawn] = draw([(r"\text{costs \$5}", False)])
    assert "$5" in BeautifulSoup(drawn["html"], "html.parser").find("math").find("mtext").get_text()


def test_equation_with_math_inside_text_publishes_no_raw_tex(site_copy, tmp_path):
    replace_text(
        site_copy / "posts/2024/plain.md",
        "About machine learning, in the notes.",
        "About machine learning, in the notes.\n\n"
        "$$\n\\begin{aligned}\na &= b && \\text{(by def of $\\mathbf x_t$)}\\\\\n"
        "c &= d\n\\end{aligned}\n$$\n",
    )
    built = assert_clean(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    article = built.html("posts/2024/plain/").find("article")
    block = article.find("math")
    assert block is not None
    assert "$" not in block.get_text() and "\\mathbf" not in block.get_text()
    assert block.find("mi", attrs={"mathvariant": "bold"}) is not None


def test_text_notebook_that_is_not_executed_fails_naming_the_post(site_copy, tmp_path):
    write(
        site_copy,
        "posts/2024/text-notebook.md",
        POST.replace(
            "description:",
            "jupytext: {text_representation: {format_name: myst}}\n"
            "kernelspec: {name: python3, display_name: Python 3}\ndescription:",
        )
        + "\n# Executed elsewhere\n\nIntro.\n\n```{code-cell} ipython3\nprint(1 + 1)\n```\n\n"
        + "```{code-cell} ipython3\n2 * 3\n```\n",
    )
    stderr = failed(run_sphinx(site_copy, tmp_path / "out", env=TODAY))
    assert re.search(
        r"posts/2024/text-notebook\.md: WARNING: notebook was never frozen, so its page would show code "
        r"without its outputs \(expected outputs frozen for this code: run `nox -s freeze`"
        r".*\[blog\.notebooks\]",
        stderr,
    ), stderr


def test_prefixed_role_of_an_unknown_package_names_the_file_and_is_not_taken_for_sphinx_ref(
    site_copy, tmp_path
):
    write(
        site_copy,
        "posts/2024/private.md",
        POST + "# Private roles\n\nIntro.\n\n(my-label)=\n## Section\n\nSee {myteam:ref}`my-label`.\n",
    )
    built = run_sphinx(site_copy, tmp_path / "out", env=TODAY)
    stderr = failed(built)
    assert (
        "posts/2024/private.md: WARNING: role 'myteam:ref' is not available on this site: no extension here "
        "provides the prefix 'myteam', nor does a package the blog knows (expected a role of this site's "
        "extensions; one private to another site's own extension must be rewritten; Sphinx would take it "
        "for its own 'ref') [blog.markup]"
    ) in stderr
    assert all("posts/2024/private.md" in line for line in built.warnings), built.warnings
