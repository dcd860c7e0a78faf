"""Previews on hover and focus: what a link points at, shown beside it without leaving the page.

A link to a footnote, a citation (the bibliography entry), an equation, a figure or another
post shows a small popover when the pointer rests on it or the keyboard focuses it; Escape
closes it. Everything shown is already in the page (``_static/previews.js`` copies the target's
content), nothing is fetched: for a link to another post, the post's title and excerpt are
written into the link here (``data-preview-title``, ``data-preview-excerpt``), escaped.

``previews.js`` and ``previews.css`` are added only to pages that have such a link; without
JavaScript every link still goes where it always went. Feeds read pages' bodies before this
module adds its attributes (``blogext.PREVIEW_DATA``), so they are as they were.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

import blogext
from blogext.core import assets, buildstate, posts

#: Longest excerpt shown in a post's preview, in characters (cut at a word, with an ellipsis).
EXCERPT_LENGTH = 220
_INTERNAL = re.compile(r'<a class="reference internal" href="([^"#][^"]*)"')
_SAME_PAGE_KINDS = ('class="footnote-reference', 'class="bibtex-citation"', 'href="#equation-')


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """*text* on one line, cut after at most *length* characters at a word's end."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:.") + "\u2026"


@dataclass
class _PostsByURI:
    """This build's posts by the URI of their page (the environment does not change as pages are
    written): made once, not searched through for every link of every page."""

    found: dict[str, str] = field(default_factory=dict)


def _posts_by_uri(app: Sphinx) -> dict[str, str]:
    def make() -> _PostsByURI:
        made = _PostsByURI()
        for docname in posts.post_docnames(app.env):
            made.found.setdefault(posixpath.normpath(app.builder.get_target_uri(docname) or "."), docname)
        return made

    return buildstate.of(app, _PostsByURI, make).found


def _target_docname(app: Sphinx, pagename: str, href: str) -> str | None:
    """The post a relative link of *pagename*'s page points at, if it is one."""
    page_uri = app.builder.get_target_uri(pagename)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), html.unescape(href)))
    return _posts_by_uri(app).get(target)


def annotate_post_links(app: Sphinx, pagename: str, body: str) -> str:
    """*body* with each link to another published post carrying the post's title and excerpt."""

    def annotate(match: re.Match[str]) -> str:
        docname = _target_docname(app, pagename, match.group(1))
        record = posts.post(app.env, docname) if docname and docname != pagename else None
        if record is None or docname not in app.env.all_docs:
            return match.group(0)
        title = html.escape(record.title)
        text = html.escape(excerpt(record.excerpt_text))
        return f'{match.group(0)} data-preview-title="{title}" data-preview-excerpt="{text}"'

    return _INTERNAL.sub(annotate, body)


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None or "body" not in context:
        return
    body = annotate_post_links(app, pagename, context["body"])
    context["body"] = body
    if needs_previews(body, doctree):
        app.add_js_file("previews.js", loading_method="defer")
        app.add_css_file("previews.css")


def needs_previews(body: str, doctree: nodes.document) -> bool:
    """Whether the page's *body* has a link that previews show something for."""
    if "data-preview-title=" in body or any(kind in body for kind in _SAME_PAGE_KINDS):
        return True
    figures = {name for figure in doctree.findall(nodes.figure) for name in figure["ids"]}
    return any(f'href="#{name}"' in body for name in figures)


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "previews")
    app.connect("html-page-context", _on_page_context, priority=blogext.PREVIEW_DATA)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
