"""Incremental builds that match clean builds: pages that list posts are rewritten when the posts change.

Sphinx rewrites the documents it re-reads, and nothing else. ABlog draws post
lists, sidebars and previous/next links from *other* documents when a page is
written, so after an incremental build they go stale: a new post is missing
from the home page, a re-titled post keeps its old title in its neighbours'
links. This module keeps, in the environment, what each of those showed when
it was last written, compares it with the posts after every read phase
(``env-get-updated``), and asks Sphinx to rewrite, without re-reading:

- every document with a post list (``postlist``, or anything made of ABlog's
  ``PostList`` node), when any post was added or removed, or changed in what
  a list can show of it (title, date, tags, excerpt, reading time...: an
  edit further down a post's body leaves the lists alone);
- every document, when the most recent posts (the recent-posts sidebar) change
  in which, title, date or order;
- each post whose previous or next post (ABlog's date order) changed.

Pages that no longer have a source (a removed post) are deleted from the
output at the end of the build, as a clean build would not have them.

Sphinx's search index keeps a word whose last page was rewritten without it,
with an empty list of pages; a clean build does not have the word at all. Such
empty entries are dropped from the written index (``searchindex.js``).
Archive pages and feeds are generated on every build and are not this
module's concern (see :mod:`blogext.archives` and :mod:`blogext.feeds`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.search import js_index

import blogext
from blogext import ablogadapter
from blogext.posts import post_views, shown_digest

#: How many recent posts ABlog's sidebar can show: five, not counting the page's own post.
RECENT = 6


# -- What is kept in the environment ---------------------------------------------


def _postlist_docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "blog_postlist_docs"):
        env.blog_postlist_docs = set()
    return env.blog_postlist_docs


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if any(True for _ in doctree.findall(ablogadapter.PostList)):
        _postlist_docs(app.env).add(app.env.docname)


def _on_purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _postlist_docs(env).discard(docname)


def _on_merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    _postlist_docs(env).update(_postlist_docs(other) & docnames)


# -- The posts as other pages show them ----------------------------------------------


def _sort_key(item: tuple[tuple[str, int], tuple]) -> tuple:
    # ABlog's order of posts: by date, then title (Post.__lt__).
    view = item[1]
    return (view[2] or datetime.max, view[1])


def recent_posts(views: dict[tuple[str, int], tuple]) -> list[tuple]:
    """The posts a recent-posts sidebar can show, newest first, as it shows them."""
    published = sorted((item for item in views.items() if item[1][0]), key=_sort_key, reverse=True)
    return [(key, view[1], view[2], view[4], view[5]) for key, view in published[:RECENT]]


def neighbours(views: dict[tuple[str, int], tuple]) -> dict[str, tuple]:
    """Each published post's previous and next post, as its page links them."""
    ordered = sorted((item for item in views.items() if item[1][0]), key=_sort_key)

    def shown(item):
        return None if item is None else (item[0], item[1][1], item[1][4])

    links: dict[str, tuple] = {}
    for i, (key, _view) in enumerate(ordered):
        before = ordered[i - 1] if i > 0 else None
        after = ordered[i + 1] if i + 1 < len(ordered) else None
        links[key[0]] = links.get(key[0], ()) + (shown(before), shown(after))
    return links


# -- Deciding what to rewrite ----------------------------------------------------------


def _on_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]):
    app.blog_removed_docs = set(removed)  # type: ignore[attr-defined]
    return []


def _on_before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    app.blog_read_docs = set(docnames)  # type: ignore[attr-defined]


def shown_digests(env: BuildEnvironment) -> dict[str, str]:
    """Docname -> :func:`shown_digest` of every post, as the last read phase left them (empty before
    the first one)."""
    return (getattr(env, "blog_freshness", None) or {}).get("shown", {})


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    views = post_views(env)
    read = getattr(app, "blog_read_docs", set())
    old = getattr(env, "blog_freshness", None)
    posts = {docname for docname, _order in views}
    # Posts not read again show what they showed: their digests are kept.
    shown = {d: digest for d, digest in (old or {}).get("shown", {}).items() if d in posts and d not in read}
    shown.update({d: shown_digest(env, d) for d in posts - shown.keys()})
    state = {"views": views, "recent": recent_posts(views), "neighbours": neighbours(views), "shown": shown}
    env.blog_freshness = state
    if old is None:  # a first build writes everything anyway
        return []
    rewrite: set[str] = set()
    if old["views"] != views or old.get("shown") != shown:
        rewrite |= _postlist_docs(env)
    if old["recent"] != state["recent"]:
        rewrite |= set(env.all_docs)
    new_links, old_links = state["neighbours"], old["neighbours"]
    rewrite |= {d for d in new_links.keys() | old_links.keys() if new_links.get(d) != old_links.get(d)}
    return sorted((rewrite - read) & env.found_docs)


# -- Removing what a clean build would not have -------------------------------------------


def remove_page(outdir: Path, uri: str) -> None:
    """Delete the output file of the page at *uri*, and the folders that leaves empty."""
    page = outdir / uri / "index.html" if uri.endswith("/") or not uri else outdir / uri
    page.unlink(missing_ok=True)
    folder = page.parent
    while folder != outdir and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for docname in sorted(getattr(app, "blog_removed_docs", set()) - set(app.env.all_docs)):
        remove_page(outdir, app.builder.get_target_uri(docname))


def prune_search_index(app: Sphinx, exception: Exception | None) -> None:
    """Drop the words of the written search index that no page has any more (empty page lists)."""
    if exception is not None or app.builder.format != "html":
        return
    path = Path(app.outdir) / "searchindex.js"
    try:
        text = path.read_text("utf-8")
        index = js_index.loads(text)
    except (OSError, ValueError):
        return
    pruned = False
    for key in ("terms", "titleterms"):
        terms = index.get(key) or {}
        for word in [word for word, pages in terms.items() if pages == []]:
            del terms[word]
            pruned = True
    if pruned:
        path.write_text(js_index.dumps(index), "utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.posts")
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("env-get-outdated", _on_outdated)
    app.connect("env-before-read-docs", _on_before_read)
    app.connect("env-get-updated", _on_get_updated)
    app.connect("build-finished", prune_search_index)
    app.connect("build-finished", _on_finished, priority=blogext.REMOVE_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
