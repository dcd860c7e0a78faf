"""Drafts and scheduled posts: never published by accident, always previewable.

Which posts are drafts or scheduled, and what day it is, is decided by the post
model (:mod:`blogext.core.posts`). This module acts on it:

- **Published build** (the default: ``nox -s build``, Read the Docs, Pages,
  plain ``sphinx-build``): drafts and scheduled posts, and any other page whose
  front matter says ``draft: true`` (wherever it is), are added to
  ``exclude_patterns`` when the configuration is ready, so Sphinx never reads
  them. Nothing can then leak: no page, source, search entry, feed entry,
  sitemap line, listing, tag or category page, image, nor ABlog's
  ``blog/drafts`` page (:func:`blogext.core.ablogadapter.archive_pages` leaves it
  out). A published post that links
  to one of them fails the build. The daily rebuild publishes a scheduled post
  on its date.
- **Preview** (``blogext_preview = True``, or ``BLOG_PREVIEW=1`` as ``nox -s serve``
  sets): they are built, each page with a banner ("Draft — not published",
  "Scheduled for 14 May 2027"); they are listed only on ``blog/drafts``, not in
  the home page, archives or feeds, so the rest of the preview is the published
  site. :func:`blogext.core.posts.unpublished` names them for the features that
  must skip them.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

import blogext
from blogext.core import posts as post_model
from blogext.core import settings
from blogext.core.documents import Page
from blogext.core.frontmatter import front_matter, read_pages, read_posts
from blogext.core.frontmatter_check import FrontMatterError, PostFrontMatter
from blogext.core.series_model import SeriesSettings


def _glob_escape(path: str) -> str:
    """*path* as a Sphinx exclude pattern that matches only itself."""
    return re.sub(r"([*?[])", r"[\1]", path)


def _on_config_inited(app: Sphinx, config: Config) -> None:
    if settings.of(config, post_model.PostSettings).preview:
        return
    posts = read_posts(app)
    documents = {**read_pages(app), **posts}
    why = post_model.statuses(app)
    if why:
        config.exclude_patterns = [
            *config.exclude_patterns,
            *(_glob_escape(documents[d].path) for d in sorted(why)),
            *(_glob_escape(page) for page in waiting_series_pages(posts, why, config)),
        ]
    problems = []
    by_path = {document.path: document for document in documents.values()}
    for docname, post in sorted(posts.items()):
        if docname in why:
            continue
        for link in post.links:
            target = by_path.get(link.path or "") or by_path.get(f"{link.path}.md")
            if link.kind == "link" and target is not None and target.docname in why:
                problems.append(
                    f"{post.path}: link {link.target!r} on line {link.line} points to {target.path}, "
                    f"{_describe(target, why[target.docname], config)} "
                    f"(expected a link to a published {'page' if isinstance(target, Page) else 'post'})"
                )
    if problems:
        raise FrontMatterError("\n".join(problems))


def waiting_series_pages(posts: dict[str, PostFrontMatter], why: dict[str, str], config: Config) -> list[str]:
    """Pages of series whose parts are all unpublished: they are unpublished too.

    Such a page would announce posts that are not out yet and list no part, so a
    series starts with a draft first part without breaking the published build.
    """
    if not settings.is_registered(config, SeriesSettings):
        return []
    folder = settings.of(config, SeriesSettings).series_path
    if not folder:
        return []
    waiting = {post.series for docname, post in posts.items() if post.series and docname in why}
    waiting -= {post.series for docname, post in posts.items() if post.series and docname not in why}
    return [f"{folder}/{slug}.md" for slug in sorted(waiting)]


def _describe(post: PostFrontMatter | Page, why: str, config: Config) -> str:
    if why == "scheduled" and post.date is not None:
        return f"which is scheduled for {post.date.strftime(config.post_date_format)}"
    return "which is a draft"


def banner(why: str, post: PostFrontMatter | None, date_format: str, page: bool = False) -> nodes.admonition:
    """The banner at the top of an unpublished post in the preview (or of a draft *page*, not a post)."""
    if why == "scheduled" and post is not None and post.date is not None:
        when = post.date.strftime(date_format)
        title = f"Scheduled for {when}"
        text = (
            f"This post is scheduled: the published site shows it from {when}, and this preview shows it now."
        )
    elif page:
        title = "Draft — not published"
        text = (
            "This page is a draft: only the preview shows it. "
            "To publish it, remove 'draft: true' from its front matter."
        )
    else:
        title = "Draft — not published"
        steps = []
        if post is None or post.draft:
            steps.append("remove 'draft: true' from its front matter")
        if post is None or post.date is None:
            steps.append("give it a date")
        text = f"This post is a draft: only the preview shows it. To publish it, {' and '.join(steps)}."
    box = nodes.admonition(classes=["warning", "post-unpublished", f"post-{why}"])
    box += nodes.title(title, title)
    box += nodes.paragraph(text, text)
    return box


def _add_banner(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    why = post_model.unpublished(app.env).get(docname)
    if why is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    parent = section if section is not None else doctree
    post = front_matter(app.env, docname)
    parent.insert(0, banner(why, post, app.config.post_date_format, page=post is None))


def _orphan_draft_page(app: Sphinx, doctree: nodes.document) -> None:
    """In the preview, a draft page is reached from no page of the published site (a toctree naming
    it would fail the published build): it is an orphan, so Sphinx does not ask for a toctree."""
    docname = app.env.docname
    if docname in post_model.unpublished(app.env) and front_matter(app.env, docname) is None:
        app.env.metadata[docname]["orphan"] = True


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.core.hosting")  # no trace of an unpublished post in the output folder
    app.connect("config-inited", _on_config_inited, priority=blogext.EXCLUDE_UNPUBLISHED)
    app.connect("doctree-resolved", _add_banner)
    app.connect("doctree-read", _orphan_draft_page, priority=blogext.DRAFT_PAGE_ORPHAN)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
