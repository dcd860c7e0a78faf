"""Code that fits: long notebook inputs folded, and code and tables that show they scroll.

- A notebook code cell tagged ``fold-input`` (cell metadata ``"tags": ["fold-input"]``, or
  ``:tags: [fold-input]`` in a text notebook) shows its output, and its input folded in a
  ``<details>`` ("Show the code (12 lines)"), as Quarto's ``code-fold`` does. It is myst-nb's own
  ``hide-input`` fold, with the site's words: it opens with a click or the keyboard, without
  JavaScript,.
- On every page with code or a table, ``_static/codefit.css`` draws a shadow at the edge of a code
  block or table that scrolls sideways (on the side there is more to see; CSS only), and on
  narrow screens lets inline code in a table's cells wrap, so a cheat sheet's commands are never
  cut off at the box's edge.
"""

from __future__ import annotations

import functools
from typing import Any

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx.application import Sphinx

from blogext.core import assets, safehtml

#: The cell tag that folds a cell's input.
TAG = "fold-input"


def _lines(cell: nodes.Element) -> int:
    source = cell.next_node(nodes.literal_block)
    return len(source.astext().splitlines()) if source is not None else 0


def fold(cell: nodes.container) -> None:
    """Fold the input of the notebook code *cell* (myst-nb's ``hide_mode``, with the site's words)."""
    mode = cell.get("hide_mode")
    if mode in ("all", "input", "input+output"):
        return
    cell["hide_mode"] = "input+output" if mode == "output" else "input"
    lines = _lines(cell)
    cell["prompt_show"] = f"Show the code ({lines} line{'s' if lines != 1 else ''})"
    cell["prompt_hide"] = "Hide the code"


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    for cell in doctree.findall(nodes.container):
        metadata = cell.get("cell_metadata") or {}
        if cell.get("nb_element") == "cell_code" and TAG in (metadata.get("tags") or []):
            fold(cell)


def _visit_fold(self, node: HideCodeCellNode, *, app: Sphinx) -> None:
    """myst-nb's fold, its summary named by its visible words (myst-nb's own ``aria-label``,
    "Toggle hidden content", hid them from screen readers)."""
    self.body.append(
        safehtml.render(
            app,
            "blog/code-fold.html",
            end=False,
            classes=" ".join(node["classes"]),
            show=node["prompt_show"],
            hide=node["prompt_hide"],
        )
    )


def _depart_fold(self, node: HideCodeCellNode, *, app: Sphinx) -> None:
    self.body.append(safehtml.render(app, "blog/code-fold.html", end=True))


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    if doctree.next_node(nodes.literal_block) is not None or doctree.next_node(nodes.table) is not None:
        app.add_css_file("codefit.css")


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "codefold")
    app.setup_extension("myst_nb")
    # The visitors are bound to the application, which renders their templates.
    visitors = (functools.partial(_visit_fold, app=app), functools.partial(_depart_fold, app=app))
    app.add_node(HideCodeCellNode, override=True, html=visitors)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
