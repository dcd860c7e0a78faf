"""``{postlist}`` (and ``{postcards}``) filters name tags, categories and authors that exist.

ABlog drops a filter value it does not know, and then lists every post: a
misspelled ``:tags: machine-lerning`` showed the whole blog. Here:

- each ``:tags:`` and ``:category:`` value is matched loosely, like tags
  everywhere else (:func:`blogext.core.frontmatter_check.label_key`: ``machine-learning``,
  ``Machine Learning`` and ``machine learning`` are one tag), and replaced by the
  tag's canonical name before ABlog (or the cards) select posts;
- each ``:author:`` value is a key of ``blog_authors`` or its full name, matched
  the same way;
- a value that names no tag, category or author of the posts this build
  publishes is a warning of type ``blog``, subtype ``postlist``, naming the file
  and line, the value, and what exists.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

import blogext
from blogext.core import ablogadapter
from blogext.core.frontmatter_check import label_key

logger = logging.getLogger(__name__)

#: The filters checked: the option's name, and what a message calls one value.
FILTERS = {"tags": "tag", "category": "category", "author": "author"}


def _known(env: Any, kind: str) -> dict[str, str]:
    """label key -> the name a filter of *kind* must carry for ABlog to find it."""
    if kind == "author":
        known = {}
        for key, value in (env.config.blog_authors or {}).items():
            full = value[0] if isinstance(value, list | tuple) and value else key
            known.setdefault(label_key(str(full)), key)
            known[label_key(key)] = key
        return known
    return dict(getattr(env, "blog_label_names", {}).get(kind, {}))


def _check(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    for node in ablogadapter.postlists(doctree):
        for kind, what in FILTERS.items():
            known = _known(env, kind)
            names = []
            for value in node.get(kind) or []:
                name = known.get(label_key(value))
                if name is None:
                    shown = sorted(set(known.values()), key=str.casefold)
                    logger.warning(
                        f"postlist :{kind}: {value!r} names no {what} of a published post "
                        f"(expected one of: {', '.join(shown) or 'none yet'})",
                        type="blog",
                        subtype="postlist",
                        location=node,
                    )
                names.append(name or value)
            node[kind] = names


def _canonical_now(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """The canonical names as they are in this build (a page is not read again when they change)."""
    for node in ablogadapter.postlists(doctree):
        for kind in FILTERS:
            known = _known(app.env, kind)
            node[kind] = [known.get(label_key(value), value) for value in node.get(kind) or []]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.frontmatter")
    app.connect("doctree-read", _check)
    app.connect("doctree-resolved", _canonical_now, priority=blogext.POSTLIST_FILTERS)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
