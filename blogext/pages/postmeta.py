"""The header under a post's title: date, reading time, category and tags.

Reading time is counted by the post model (:mod:`blogext.core.posts`). The
header itself is added when the doctree is resolved, because the tag and
category archive URLs depend on the builder. Tags and categories are docutils
text (escaped by the writer); the date is ``_templates/blog/post-date.html``,
rendered with autoescape (:mod:`blogext.core.safehtml`).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx

from blogext.core import ablogadapter, assets, posts, safehtml
from blogext.core.postrecord import Group, Post
from blogext.core.posts import reading_minutes


def _groups(app: Sphinx, post: Post, kind: str) -> tuple[Group, ...]:
    return ablogadapter.groups(app).of(post, kind)


def link_to(app: Sphinx, fromdoc: str, todoc: str, text: str | Markup, classes: list[str]) -> nodes.reference:
    """A link from page *fromdoc* to page *todoc*, relative, as the builder writes it. *text* is
    escaped; :class:`~markupsafe.Markup` (a title as HTML, :func:`blogext.core.posts.title_html`) is not."""
    ref = nodes.reference("", "", internal=True, refuri=app.builder.get_relative_uri(fromdoc, todoc))
    ref += nodes.raw("", text, format="html") if isinstance(text, Markup) else nodes.Text(text)
    ref["classes"] = classes
    return ref


def meta_line(app: Sphinx, fromdoc: str, post: Post, classes: list[str]) -> nodes.paragraph:
    """Date, reading time and category of *post*, with links relative to *fromdoc*.

    The post header and the post cards (:mod:`blogext.pages.cards`) both show this line.
    """
    line = nodes.paragraph(classes=classes)
    if post.date:
        iso = post.date.strftime("%Y-%m-%d")
        shown = post.date.strftime(app.config.post_date_format)
        line += nodes.raw(
            "", safehtml.render(app, "blog/post-date.html", iso=iso, shown=shown), format="html"
        )
    minutes = reading_minutes(app.env, post.docname)
    if minutes:
        line += nodes.inline("", f"{minutes} min read", classes=["post-reading-time"])
    for group in _groups(app, post, "category"):
        cat = nodes.inline("", "", classes=["post-category"])
        cat += nodes.Text("in ")
        cat += link_to(app, fromdoc, group.pagename, group.name, ["post-category-link"])
        line += cat
    return line


def tag_list(app: Sphinx, fromdoc: str, post: Post) -> nodes.bullet_list | None:
    """*post*'s tags as a list of links to their archives, or None when it has none."""
    groups = _groups(app, post, "tags")
    if not groups:
        return None
    tags = nodes.bullet_list(classes=["post-tags"])
    for group in groups:
        item = nodes.list_item()
        item += nodes.paragraph("", "", link_to(app, fromdoc, group.pagename, group.name, ["post-tag"]))
        tags += item
    return tags


def build_header(app: Sphinx, docname: str, post: Post) -> nodes.container:
    """The ``post-meta`` header for *post*, with links relative to *docname*."""
    header = nodes.container(classes=["post-meta"])
    header += meta_line(app, docname, post, ["post-meta-line"])
    tags = tag_list(app, docname, post)
    if tags is not None:
        header += tags
    return header


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    post = posts.published_post(app.env, docname)
    if post is None or post.date is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = section.next_node(nodes.title)
    section.insert(section.index(title) + 1, build_header(app, docname, post))


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("blogext.core.posts")
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
