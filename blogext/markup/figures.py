"""Figures: numbered, wide or full-bleed, and enlarged on a click.

- Every figure with a caption is numbered in its post, "Figure 1. " before the caption
  (``blogext_figure_numbers = False`` in ``conf.py`` turns it off).
- ``:class: wide`` (or ``:figclass: wide``) on a ``{figure}`` lets it run into the right margin;
  ``:class: full-bleed`` spans the window's width (``_static/figures.css``; the image's class,
  where docutils puts ``:class:``, is moved to the figure).
- ``_static/figures.js`` adds an "Enlarge" button to each figure's image that opens it in a
  ``<dialog>`` (closed with Escape, its close button or a click); without JavaScript the figure
  is as before. Both files only on pages with a figure.

Alt text stays required (``blogext.markup.localfiles`` and the strict build check images as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _

from blogext.core import assets, settings
from blogext.core.settings import setting

#: Classes of a figure's width, beside the column's own.
WIDTHS = ("wide", "full-bleed")


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    number = 0
    for figure in doctree.findall(nodes.figure):
        for image in figure.findall(nodes.image):
            for width in WIDTHS:
                if width in image["classes"]:
                    image["classes"].remove(width)
                    if width not in figure["classes"]:
                        figure["classes"].append(width)
        caption = figure.next_node(nodes.caption)
        if settings.of(app.config, FiguresSettings).figure_numbers and caption is not None:
            number += 1
            label = nodes.inline("", _("Figure %s.") % number + " ", classes=["figure-number"])
            caption.insert(0, label)


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format == "html" and doctree is not None and doctree.next_node(nodes.figure):
        app.add_js_file("figures.js", loading_method="defer")
        app.add_css_file("figures.css")


@dataclass(frozen=True)
class FiguresSettings:
    """The figures' settings (``blogext_<field>`` in ``conf.py``)."""

    figure_numbers: bool = setting(True, "number figures: Figure 1, Figure 2...", "env")


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "figures")
    settings.add(app, FiguresSettings)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
