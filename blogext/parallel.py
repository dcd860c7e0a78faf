"""Parallel builds (``sphinx-build -j N``) with ABlog.

ABlog declares itself unsafe for parallel reading, so ``-j`` falls back to a
serial read and warns, and ``-j`` with ``-W`` fails. What it keeps while
reading is in fact per document and can be merged:

- ``env.ablog_posts`` (docname -> list of post infos): merged here, in
  ``env-merge-info``, and purged by ABlog itself;
- the post labels it adds to the standard domain, and the ``orphan`` flag it
  sets in ``env.metadata``: merged by Sphinx's own domain and metadata merging.

Its in-memory ``Blog`` object is built from ``env.ablog_posts`` on first use.
After a parallel read, that first use could be in the middle of resolving the
first written page, after a ``tag-…`` reference already failed; so the posts
are registered before writing starts. With that, this module declares ABlog
parallel-read safe, and a ``-j N`` build writes the same site as a serial one.
"""

from __future__ import annotations

from typing import Any

import ablog
from ablog.blog import Blog
from ablog.post import register_posts
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment


def _merge_posts(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = getattr(other, "ablog_posts", {})
    if not hasattr(env, "ablog_posts"):
        env.ablog_posts = {}
    for docname in docnames:
        if docname in theirs:
            env.ablog_posts[docname] = theirs[docname]


def _register_before_writing(app: Sphinx, builder: Builder) -> None:
    if not ablog.builder_support(app):
        return
    blog = Blog(app)
    if not blog:
        register_posts(app)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    app.extensions["ablog"].parallel_read_safe = True
    app.connect("env-merge-info", _merge_posts)
    app.connect("write-started", _register_before_writing, priority=100)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
