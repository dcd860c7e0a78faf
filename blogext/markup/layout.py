"""Rich layout from sphinx-design (cards, grids, tabs, dropdowns, badges), styled like the blog.

sphinx-design adds its stylesheet and its tabs script to every page. Here they
stay only on pages that use one of its components (an element with an ``sd-``
class), and those pages also get ``_static/design.css``: the blog's radius,
card shadow and accent on top of the PyData theme's own styling of sphinx-design
(which already follows the blog's colours, light and dark). Its tab labels lose
the ``aria-controls`` attribute the HTML standard forbids on them (the label's
``for`` already ties it to its tab).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

import blogext
from blogext.core import assets

#: sphinx-design's files, kept only on the pages that use its components.
DESIGN_FILES = ("sphinx-design.min.css", "design-tabs.js")


def uses_design(doctree: nodes.document | None) -> bool:
    """Whether *doctree* has a sphinx-design component."""
    if doctree is None:
        return False
    return any(
        cls.startswith("sd-") for node in doctree.findall(nodes.Element) for cls in node.get("classes", ())
    )


def _name(asset) -> str:
    return str(getattr(asset, "filename", asset) or "").split("?", 1)[0].rsplit("/", 1)[-1]


def _add_css(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if uses_design(doctree):
        app.add_css_file("design.css")


def _drop_files(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if uses_design(doctree):
        return
    for key in ("css_files", "script_files"):
        if key in context:
            # In place: the list is the builder's for this page, which other features still add to.
            context[key][:] = [asset for asset in context[key] if _name(asset) not in DESIGN_FILES]


def _valid_tab_labels(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Tab labels without ``aria-controls``, which HTML forbids on a ``<label>`` tied to its input."""
    for node in doctree.findall(nodes.Element):
        if "aria_controls" in node.attributes:
            del node["aria_controls"]


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "layout")
    app.setup_extension("sphinx_design")
    app.connect("doctree-resolved", _valid_tab_labels)
    app.connect("html-page-context", _add_css)
    app.connect("html-page-context", _drop_files, priority=blogext.LIGHT_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
