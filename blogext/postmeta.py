"""The header under a post's title: date, reading time, category and tags.

Reading time is counted once per document, when it is read, and kept in the
build environment (purged and merged, so it is safe for parallel reading). The
header itself is added when the doctree is resolved, because the tag and
category archive URLs depend on the builder.

Templates get ``reading_minutes`` for every post page, and the
``reading_minutes(docname)`` function for listings.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ablog.blog import Blog
from ablog.post import register_posts
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
#: Code is read more slowly than prose: a line of code counts as this many words.
WORDS_PER_CODE_LINE = 4


def count_words(doctree: nodes.Node) -> int:
    """Words a reader reads in *doctree*: prose words, plus code lines at a fixed rate."""
    words = 0
    for node in doctree.findall(nodes.Text):
        if any(isinstance(p, nodes.literal_block) for p in _ancestors(node)):
            continue
        words += len(_WORD.findall(node.astext()))
    for block in doctree.findall(nodes.literal_block):
        words += WORDS_PER_CODE_LINE * len(block.astext().splitlines())
    return words


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def minutes_for(words: int, words_per_minute: int) -> int:
    """Whole minutes to read *words*, never less than one."""
    return max(1, math.ceil(words / words_per_minute))


def _store(env: BuildEnvironment) -> dict[str, int]:
    if not hasattr(env, "blog_reading_minutes"):
        env.blog_reading_minutes = {}
    return env.blog_reading_minutes


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    _store(app.env)[app.env.docname] = minutes_for(count_words(doctree), app.config.blog_words_per_minute)


def _on_purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _store(env).pop(docname, None)


def _on_merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = _store(other)
    _store(env).update({d: theirs[d] for d in docnames if d in theirs})


def _post_for(app: Sphinx, docname: str):
    blog = Blog(app)
    if not blog:
        register_posts(app)
    return blog.posts[docname] if docname in blog.posts else None


def link_to(app: Sphinx, fromdoc: str, todoc: str, text: str, classes: list[str]) -> nodes.reference:
    """A link from page *fromdoc* to page *todoc*, relative, as the builder writes it."""
    ref = nodes.reference("", text, internal=True, refuri=app.builder.get_relative_uri(fromdoc, todoc))
    ref["classes"] = classes
    return ref


def meta_line(app: Sphinx, fromdoc: str, post, classes: list[str]) -> nodes.paragraph:
    """Date, reading time and category of *post*, with links relative to *fromdoc*.

    The post header and the post cards (:mod:`blogext.cards`) both show this line.
    """
    line = nodes.paragraph(classes=classes)
    if post.date:
        iso = post.date.strftime("%Y-%m-%d")
        shown = post.date.strftime(app.config.post_date_format)
        line += nodes.raw("", f'<time class="post-date" datetime="{iso}">{shown}</time>', format="html")
    minutes = _store(app.env).get(post.docname)
    if minutes:
        line += nodes.inline("", f"{minutes} min read", classes=["post-reading-time"])
    for coll in post.category or []:
        cat = nodes.inline("", "", classes=["post-category"])
        cat += nodes.Text("in ")
        cat += link_to(app, fromdoc, coll.docname, str(coll), ["post-category-link"])
        line += cat
    return line


def tag_list(app: Sphinx, fromdoc: str, post) -> nodes.bullet_list | None:
    """*post*'s tags as a list of links to their archives, or None when it has none."""
    if not post.tags:
        return None
    tags = nodes.bullet_list(classes=["post-tags"])
    for coll in post.tags:
        item = nodes.list_item()
        item += nodes.paragraph("", "", link_to(app, fromdoc, coll.docname, str(coll), ["post-tag"]))
        tags += item
    return tags


def build_header(app: Sphinx, docname: str, post) -> nodes.container:
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
    post = _post_for(app, docname)
    if post is None or post.date is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = section.next_node(nodes.title)
    section.insert(section.index(title) + 1, build_header(app, docname, post))


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    minutes = _store(app.env)
    context["reading_minutes"] = minutes.get(pagename)
    context["reading_minutes_of"] = minutes.get


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    app.add_config_value("blog_words_per_minute", 230, "env", types=[int])
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
