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

``sitemap.xml`` (sphinx-sitemap) lists only the pages written by the build
that writes it, in the order they were written. So an incremental build would
shrink it to the pages it rewrote, and a parallel build would shuffle it. The
pages a build did not write but that are still in the output are kept in a
record in the doctree folder and added back, and the sitemap is sorted, so it
is the same after any build.

Sphinx's search index keeps a word whose last page was rewritten without it,
with an empty list of pages; a clean build does not have the word at all. Such
empty entries are dropped before the index is written.
Archive pages and feeds are generated on every build and are not this
module's concern (see :mod:`blogext.archives` and :mod:`blogext.feeds`).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
from datetime import datetime
from pathlib import Path
from typing import Any

from ablog.blog import TOMORROW
from ablog.post import PostList
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from blogext.drafts import unpublished

#: How many recent posts ABlog's sidebar can show: five, not counting the page's own post.
RECENT = 6
#: The fields of a post that another page can show about it.
SHOWN = (
    "title",
    "date",
    "update",
    "section",
    "external_link",
    "tags",
    "category",
    "author",
    "location",
    "language",
)


# -- What is kept in the environment ---------------------------------------------


def _postlist_docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "blog_postlist_docs"):
        env.blog_postlist_docs = set()
    return env.blog_postlist_docs


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if any(True for _ in doctree.findall(PostList)):
        _postlist_docs(app.env).add(app.env.docname)


def _on_purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _postlist_docs(env).discard(docname)


def _on_merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    _postlist_docs(env).update(_postlist_docs(other) & docnames)


# -- The posts as other pages show them ----------------------------------------------


def _published(info: dict[str, Any], hidden: dict[str, str]) -> bool:
    # As ABlog decides (dated before tomorrow), less the preview's drafts and scheduled posts.
    date = info["date"]
    return bool(date) and date < TOMORROW and info["docname"] not in hidden


def post_views(env: BuildEnvironment) -> dict[tuple[str, int], tuple]:
    """Every post, keyed by (docname, order in the document): what other pages may show of it."""
    hidden = unpublished(env)
    return {
        (docname, info["order"]): (_published(info, hidden), *(_frozen(info.get(name)) for name in SHOWN))
        for docname, infos in getattr(env, "ablog_posts", {}).items()
        for info in infos
    }


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


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


def _shown_value(value: Any) -> Any:
    if isinstance(value, nodes.Node):
        return value.pformat()
    if isinstance(value, list | tuple):
        return [_shown_value(v) for v in value]
    return value


def shown_digest(env: BuildEnvironment, docname: str) -> str:
    """A digest of what a list of posts can show of the post *docname* besides its view (see
    :func:`post_views`): everything ABlog keeps of it but its doctree (the excerpt, image, ...), and
    its reading time (:mod:`blogext.postmeta`). It changes only when the post is read again."""
    infos = getattr(env, "ablog_posts", {}).get(docname, [])
    shown = [sorted((k, _shown_value(v)) for k, v in info.items() if k != "doctree") for info in infos]
    minutes = getattr(env, "blog_reading_minutes", {}).get(docname)
    return hashlib.blake2b(repr((shown, minutes)).encode("utf-8"), digest_size=16).hexdigest()


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


def prune_search_index(app: Sphinx) -> list:
    """Drop the search index's words that no page has any more (html-collect-pages: before it is written)."""
    indexer = getattr(app.builder, "indexer", None)
    for name in ("_mapping", "_title_mapping"):  # Sphinx's IndexBuilder: word -> set of docnames
        mapping = getattr(indexer, name, None)
        if isinstance(mapping, dict):
            for word in [word for word, docnames in mapping.items() if not docnames]:
                del mapping[word]
    return []


def _sitemap_record(app: Sphinx) -> Path:
    return Path(app.doctreedir) / f"blogext-sitemap-{app.builder.name}.json"


def _page_file(outdir: str, link: str) -> str:
    # sphinx-sitemap's links: "" and "a/b/" in a dirhtml build, "a/b.html" in an html build.
    return (
        os.path.join(outdir, link, "index.html")
        if link.endswith("/") or not link
        else os.path.join(outdir, link)
    )


def _sitemap_settings(app: Sphinx) -> list[Any]:
    """What sphinx-sitemap writes ``sitemap.xml`` from, besides the links."""
    from sphinx_sitemap import get_locales

    config = app.config
    names = ("site_url", "html_baseurl", "sitemap_url_scheme", "sitemap_locales", "sitemap_filename")
    return [
        *(str(getattr(config, name, None)) for name in names),
        str(getattr(config, "sitemap_indent", None)),
        config.language,
        config.version,
        get_locales(app),
    ]


def complete_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Give sphinx-sitemap every page in the output, not only those this build wrote, in a stable order.

    When the sitemap would be the one already written (the build wrote no page, or only pages it
    lists already), sphinx-sitemap is given nothing, so it leaves that file alone, as it does in a
    plain Sphinx build that writes no page.
    """
    shared = getattr(app, "sitemap_links", None)
    if exception is not None or shared is None:
        return
    from sphinx_sitemap import is_excluded

    written: dict[str, str | None] = {}
    while not shared.empty():
        link, lastmod = shared.get_nowait()
        written[link] = lastmod
    record_file = _sitemap_record(app)
    settings = _sitemap_settings(app)
    try:
        record = json.loads(record_file.read_text("utf-8"))
        kept = record["links"] if record.get("outdir") == str(app.outdir) else {}
        same_settings = record.get("settings") == settings
    except (OSError, ValueError, KeyError):
        kept, same_settings = {}, False
    excludes = app.config.sitemap_excludes
    outdir = str(app.outdir)
    links = {
        link: lastmod
        for link, lastmod in kept.items()
        if os.path.isfile(_page_file(outdir, link)) and not (excludes and is_excluded(link, excludes))
    }
    links.update(written)
    # sphinx-sitemap's queue is shared with worker processes through a server process, one
    # round trip per link; writing is over, so a queue of this process does.
    links_queue: queue.Queue = queue.Queue()
    sitemap = Path(app.outdir) / app.config.sitemap_filename
    if links != kept or not same_settings or not sitemap.is_file():
        for link in sorted(links):
            links_queue.put((link, links[link]))
    app.sitemap_links = links_queue  # type: ignore[attr-defined]
    record = {"outdir": str(app.outdir), "links": links, "settings": settings}
    record_file.write_text(json.dumps(record, sort_keys=True), "utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("env-get-outdated", _on_outdated)
    app.connect("env-before-read-docs", _on_before_read)
    app.connect("env-get-updated", _on_get_updated)
    app.connect("html-collect-pages", prune_search_index)
    app.connect("build-finished", _on_finished, priority=300)
    # After the other features tidy the output (priority 300-399), before sphinx-sitemap writes (500).
    app.connect("build-finished", complete_sitemap, priority=400)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
