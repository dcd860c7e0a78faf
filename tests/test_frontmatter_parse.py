"""Front matter parsed quickly (blogext.core.sphinxinternals): the same answers as the slow way.

myst-nb parses every Markdown file's front matter to see whether it is a text notebook; the blog
asks it only when the front matter can name a notebook format. myst-parser parses each front matter
twice; the blog has it read the fields with libyaml. Both must answer exactly as before, on real
and hostile front matter.
"""

from __future__ import annotations

import datetime

import pytest
import yaml

from blogext.core import sphinxinternals
from blogext.markup.notebooks import might_be_text_notebook

FRONT_MATTERS = [
    "---\ntitle: A post\ndate: 2024-05-03\ntags: [git, ml]\n---\n# A post\n",
    "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n# A notebook\n",
    "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n",
    '---\n"\\x66ile_format": mystnb\n---\nA key spelt with an escape\n',
    "---\nfile_format: mystnb\n...\nclosed by dots\n",
    "---\n---\nempty\n",
    "---\ntitle: no end\n",
    "no front matter, file_format: mystnb\n",
    "---\ntitle: 'A ''quoted'' title: with colons'\nauthor: Ünïcödé ✓ 日本語\n---\n",
    "---\ntitle: |\n  A block\n  of two lines\nwhen: 2024-05-03 10:30:00\n---\n",
    "---\ntitle: [unclosed\n---\n",
    "---\n- a list\n- not a mapping\n---\n",
]


@pytest.mark.parametrize("text", FRONT_MATTERS)
def test_the_quick_notebook_test_never_says_no_where_myst_nb_says_yes(text):
    from myst_nb.core import read

    sphinxinternals.quick_notebook_test(might_be_text_notebook)
    assert getattr(read.is_myst_markdown_notebook, "_blog_quick", False)
    full = read.is_myst_markdown_notebook._blog_full  # myst-nb's own test
    assert read.is_myst_markdown_notebook(text) == full(text)
    if full(text):
        assert might_be_text_notebook(text)


def test_the_escaped_key_is_a_notebook_for_both():
    from myst_nb.core import read

    sphinxinternals.quick_notebook_test(might_be_text_notebook)
    assert read.is_myst_markdown_notebook(FRONT_MATTERS[3]) is True


@pytest.mark.parametrize("text", FRONT_MATTERS)
def test_libyaml_reads_front_matter_as_pyyaml_does(text):
    body = text.split("\n", 1)[1].split("\n---", 1)[0]
    try:
        expected = ("ok", yaml.safe_load(body))
    except yaml.YAMLError as error:
        expected = ("error", type(error))
    try:
        got = ("ok", sphinxinternals._LibyamlSafeLoad.safe_load(body))
    except yaml.YAMLError as error:
        got = ("error", type(error))
    assert got == expected


def test_myst_parser_reads_front_matter_with_libyaml():
    from myst_parser.mdit_to_docutils import base

    assert sphinxinternals.libyaml_front_matter() is True
    assert isinstance(base.yaml, sphinxinternals._LibyamlSafeLoad)
    assert base.yaml.safe_load("when: 2024-05-03") == {"when": datetime.date(2024, 5, 3)}
    assert base.yaml.YAMLError is yaml.YAMLError  # the rest of the module as it was
