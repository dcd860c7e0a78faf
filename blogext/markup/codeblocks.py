"""Code blocks: notebook-style Python highlighted as IPython, and unknown languages named.

- A ``python`` block whose first line starts with ``!`` (``!pip install torch``) or
  ``%`` (``%timeit f()``, ``%%bash``) is highlighted as IPython (the lexers of
  ipython-pygments-lexers, without IPython itself), instead of failing as Python.
- A block in a language Pygments does not know (```` ```pyhton ````) is a
  ``blog.codeblocks`` warning naming the file, the line and the language, with the
  closest known name, so the strict build fails; the block is shown as plain text.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from docutils import nodes
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.util import ClassNotFound
from sphinx.application import Sphinx
from sphinx.highlighting import lexer_classes
from sphinx.util import logging

logger = logging.getLogger(__name__)

PYTHON_NAMES = {"python", "python3", "py", "py3", "ipython", "ipython3"}
#: Names Sphinx understands itself, besides Pygments' lexers.
SPHINX_NAMES = {"default", "none", "guess", *lexer_classes}


@functools.cache
def _all_names() -> tuple[str, ...]:
    return tuple(sorted({alias for _name, aliases, _f, _m in get_all_lexers() for alias in aliases}))


@functools.cache
def known(language: str) -> bool:
    """Whether Sphinx can highlight *language* (a Pygments lexer name or one of Sphinx's own)."""
    if language in SPHINX_NAMES:
        return True
    try:
        get_lexer_by_name(language)
    except ClassNotFound:
        return False
    return True


def is_ipython(code: str) -> bool:
    """Whether *code* reads as notebook Python: its first line a shell escape or a magic."""
    first = next((line.strip() for line in code.splitlines() if line.strip()), "")
    return first.startswith(("!", "%"))


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    for block in doctree.findall(nodes.literal_block):
        language = block.get("language")
        if not language:
            continue
        if language.lower() in PYTHON_NAMES and is_ipython(block.astext()):
            block["language"] = "ipython3"
        elif not known(language):
            close = difflib.get_close_matches(language.lower(), _all_names(), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            logger.warning(
                "code block language %r is not known to Pygments (%sexpected a Pygments lexer name, such as "
                "python, console, yaml or text)",
                language,
                hint,
                type="blog",
                subtype="codeblocks",
                location=block,
            )
            block["language"] = "text"


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", _on_doctree_read)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
