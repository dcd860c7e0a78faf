"""Notes beside the text: a post's footnotes in the margin next to their paragraph on wide screens.

The page's HTML keeps docutils' footnotes as they are (a numbered reference that links to the note,
the notes listed at the end of the post), so feeds, print and readers without JavaScript get them
as before. On pages with footnotes this module adds ``_static/sidenotes.js`` and
``_static/sidenotes.css``: where the post's right column (the outline's sidebar) is shown, the script
draws a copy of each note there, level with the paragraph that cites it (pushed down only so notes
never overlap, nor the outline); the copies are ``aria-hidden`` (screen readers follow the link to
the note itself). Narrower, the notes are not drawn: the reference shows the note in a popover on
hover or focus (:mod:`blogext.pages.previews`). Printed, the copies are hidden and the list at the end is
printed as the post's footnotes.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from blogext.core import assets


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format == "html" and doctree is not None and doctree.next_node(nodes.footnote_reference):
        app.add_js_file("sidenotes.js", loading_method="defer")
        app.add_css_file("sidenotes.css")


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "sidenotes")
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
