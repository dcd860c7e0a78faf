"""The posts that every page shows besides its own content: post lists, recent posts, previous/next.

ABlog draws post lists (``postlist``, and the ``postcards`` of :mod:`blogext.pages.cards`),
the recent-posts sidebar and the links to the previous and next post from
*other* documents when a page is written. This module declares them to the
record of what pages show (:mod:`blogext.core.shown`), so an incremental build
rewrites, without re-reading:

- every document with a post list, when any post was added or removed, or changed
  in what a list can show of it (title, date, tags, excerpt, reading time...: an
  edit further down a post's body leaves the lists alone);
- every page whose sidebar lists the recent posts (``ablog/recentposts.html``, in
  the theme's ``secondary_sidebar_items`` or in ``html_sidebars``), when they
  change in which, title, date or order; the sidebar shows ``blogext_recent_posts``
  posts;
- each post whose previous or next post (ABlog's date order) changed, or their title or date
  (the "read next" block of :mod:`blogext.pages.readnext` shows both).

Pages that no longer have a source (a removed post) are deleted from the
output at the end of the build, as a clean build would not have them.

Archive pages and feeds are generated on every build and are not this
module's concern (see :mod:`blogext.pages.archives` and :mod:`blogext.outputs.feeds`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.matching import Matcher

import blogext
from blogext.core import ablogadapter, buildstate, hosting, settings, shown
from blogext.core.postrecord import Post, newest_first
from blogext.core.posts import every_post, post_pages, recent
from blogext.core.settings import at_least, setting

# -- What pages show ---------------------------------------------------------------------------


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if ablogadapter.postlists(doctree):
        shown.record(app.env, "posts")


#: The recent-posts sidebar's template.
RECENT_TEMPLATE = "ablog/recentposts.html"


def recent_patterns(config) -> list[str]:
    """The page-name patterns whose sidebars include the recent posts: in the theme's
    ``secondary_sidebar_items`` (a list for every page, or patterns), and in ``html_sidebars``."""
    patterns: list[str] = []
    items = (config.html_theme_options or {}).get("secondary_sidebar_items")
    if isinstance(items, dict):
        patterns += [pattern for pattern, names in items.items() if RECENT_TEMPLATE in names]
    elif isinstance(items, list | tuple) and RECENT_TEMPLATE in items:
        patterns.append("**")
    patterns += [
        pattern for pattern, names in (config.html_sidebars or {}).items() if RECENT_TEMPLATE in names
    ]
    return patterns


def _recent_pages(env: BuildEnvironment):
    """The pages that show the recent posts (none, if no sidebar of the site lists them)."""
    patterns = recent_patterns(env.config)
    if not patterns:
        return ()
    shows = Matcher(patterns)
    return ((docname, None) for docname in env.found_docs if shows(docname))


def _records(snapshot: shown.Snapshot) -> list[Post]:
    return snapshot.memo("records", lambda: every_post(snapshot.env))


def _shows_posts(snapshot: shown.Snapshot, arg: None) -> Any:
    # Everything a list can show of a post is its record: its digest, and whether it is published.
    return sorted((p.key, p.published, p.digest) for p in _records(snapshot))


def _shows_recent(snapshot: shown.Snapshot, arg: None) -> Any:
    # The sidebar leaves the page's own post out, so one more post than it shows can appear.
    return recent_posts(
        _records(snapshot), settings.of(snapshot.app.config, FreshnessSettings).recent_posts + 1
    )


def _shows_neighbours(snapshot: shown.Snapshot, docname: str) -> Any:
    return snapshot.memo("neighbours", lambda: neighbours(_records(snapshot))).get(docname)


# -- The posts as other pages show them ----------------------------------------------


def recent_posts(records: list[Post], count: int) -> list[tuple]:
    """The *count* newest published posts, as a recent-posts sidebar shows them."""
    published = newest_first([p for p in records if p.published])
    return [(p.key, p.title, p.date, p.section, p.external_link) for p in published[:count]]


def neighbours(records: list[Post]) -> dict[str, tuple]:
    """Each published post's previous and next post, as its page links them: for each post of a
    document, (key, title, section, date) of the one before and of the one after, or None."""
    ordered = newest_first([p for p in records if p.published])[::-1]

    def link(post: Post | None):
        return None if post is None else (post.key, post.title, post.section, post.date)

    links: dict[str, tuple] = {}
    for i, post in enumerate(ordered):
        before = ordered[i - 1] if i > 0 else None
        after = ordered[i + 1] if i + 1 < len(ordered) else None
        links[post.docname] = links.get(post.docname, ()) + (link(before), link(after))
    return links


class _Removed:
    """The documents this build found removed (their pages are deleted once it is written)."""

    def __init__(self) -> None:
        self.docnames: set[str] = set()


def _on_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]):
    buildstate.of(app, _Removed).docnames = set(removed)
    return []


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    context["blogext_recent_posts"] = settings.of(app.config, FreshnessSettings).recent_posts
    if ablogadapter.builder_support(app):
        # For the sidebar (``ablog/recentposts.html``): the newest posts but the page's own, as records.
        context["recent_posts"] = functools.partial(recent, app.env)


# -- Removing what a clean build would not have -------------------------------------------


def remove_page(outdir: Path, uri: str) -> None:
    """Delete the output file of the page at *uri*, and the folders that leaves empty."""
    page = outdir / uri / "index.html" if uri.endswith("/") or not uri else outdir / uri
    hosting.remove_file(outdir, page)


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for docname in sorted(buildstate.of(app, _Removed).docnames - set(app.env.all_docs)):
        remove_page(outdir, app.builder.get_target_uri(docname))


@dataclass(frozen=True)
class FreshnessSettings:
    """The record's settings (``blogext_<field>`` in ``conf.py``)."""

    recent_posts: int = setting(5, "how many posts the recent-posts sidebar lists", "html", check=at_least(0))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.core.shown")
    settings.add(app, FreshnessSettings)
    shown.add_kind(app, "posts", _shows_posts)
    shown.add_kind(app, "recent", _shows_recent, pages=_recent_pages)
    shown.add_kind(app, "neighbours", _shows_neighbours, pages=post_pages)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-get-outdated", _on_outdated)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _on_finished, priority=blogext.REMOVE_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
