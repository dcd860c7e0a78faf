"""Visible breadcrumbs on each published post: Home › Blog › the post's title, above the article.

The trail is :func:`blogext.outputs.structured.trail`, the one the post's JSON-LD ``BreadcrumbList`` names,
so what readers see and what search engines read cannot differ. Links are relative (they work in
the preview and on any host); the last crumb is the page itself (``aria-current="page"``), not a link.
Drawn by ``_templates/blog/breadcrumbs.html`` through :mod:`blogext.core.safehtml` (every value escaped),
placed by ``_templates/layout.html`` before the article; Pagefind does not index it. Pages that are
not published posts have none (and no structured breadcrumbs either).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from blogext.core import assets, safehtml
from blogext.core.posts import front_matter, post
from blogext.outputs.structured import trail


def crumbs(app: Sphinx, pagename: str, pathto: Any) -> list[tuple[str, str]] | None:
    """The post *pagename*'s breadcrumbs as (name, relative href), or None when it is not a published post."""
    record = post(app.env, pagename)
    matter = front_matter(app.env, pagename)
    if record is None or matter is None or not record.published:
        return None
    return [(name, pathto(docname)) for name, docname in trail(app, pagename, record.title)]


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    found = crumbs(app, pagename, context["pathto"])
    if found:
        context["blog_breadcrumbs_html"] = safehtml.render(app, "blog/breadcrumbs.html", crumbs=found)


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.outputs.structured")
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
