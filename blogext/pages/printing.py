"""Printing a post gives the article alone, with the addresses of its links.

Readers follow the tutorials at a terminal, often from paper. ``_static/print.css``
(loaded with ``media="print"`` on every page, so it never holds up the screen)
hides the navbar, sidebars, search, buttons, footer, related posts and comments,
prints black on white in either mode, and wraps code blocks instead of cutting
them at the page's edge.

Each link's address is printed after its text. The stylesheet can print an
``href``, but a link to another page of the blog is relative (``../beta/``),
which means nothing on paper: so every link of the page's body to another page
gets its absolute, canonical URL in ``data-print-url`` here, which the stylesheet
prints instead. Links to a place on the same page print nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin

from sphinx.application import Sphinx

from blogext.core import assets

_INTERNAL = re.compile(r'<a class="(reference internal[^"]*)" href="([^"#][^"]*)"')


def annotate_links(body: str, page_url: str) -> str:
    """*body* with each internal link's absolute URL in ``data-print-url``."""

    def absolute(match: re.Match[str]) -> str:
        url = urljoin(page_url, html.unescape(match.group(2)))
        return f'{match.group(0)} data-print-url="{html.escape(url)}"'

    return _INTERNAL.sub(absolute, body)


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    page_url = context.get("pageurl")
    if app.builder.format == "html" and doctree is not None and page_url and "body" in context:
        context["body"] = annotate_links(context["body"], page_url)


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "printing")
    # After the theme and blog.css (html_css_files come at 800), so that its colours win in dark mode.
    app.add_css_file("print.css", priority=900, media="print")  # _static/print.css of the site
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
