"""Read next: one block at the end of a post, offering other posts in one order, none of them twice.

A reader who finished a post is offered, under one heading ("Read next"), in this order:

1. on a part of a series (:func:`blogext.pages.series.read_next`): the series' next part ("Next in series,
   part N"), then its previous part ("Previous in series, part N"), and on the last part the series'
   page ("Series overview"). A series is read in order, so its next part is the likeliest next read;
   the previous one is for a reader who arrived in the middle. A part offers no neighbours by date:
   its series' parts take their place.
2. on any other post: the post published just after it ("Newer"), then the one just before
   ("Older"), ABlog's date order, as :func:`blogext.core.freshness.neighbours` records it (the setting
   ``post_show_prev_next`` off leaves them out);
3. then its related posts (:func:`blogext.pages.related.related_posts`, "Related"): open-ended, so last.

A post already offered is not offered again for a later reason: the first reason wins. Each entry
says in text why it is there, and its link's text holds that reason, the title and the date, so a
screen reader's list of links tells them apart. The block is a ``nav`` labelled by its heading, the
entries a list; next parts and newer posts carry ``rel="next"``, previous and older ones ``rel="prev"``.

Everything the block shows of other posts is already in the record of what pages show
(:mod:`blogext.core.shown`): the series' signature (kind ``"series"``), the neighbours by date with their
titles and dates (``"neighbours"``) and the related posts (``"related"``). What the block shows is a
function of those three, so a change to any of them writes the page again, and an incremental build
equals a clean one.

Drawn by ``_templates/blog/read-next.html`` through :mod:`blogext.core.safehtml` (every value escaped,
titles as safe HTML), placed by ``_templates/ablog/postnavy.html`` after the author card (context:
``blog_read_next_html``), styled by ``_static/readnext.css``, which only pages with the block load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from markupsafe import Markup
from sphinx.application import Sphinx

from blogext.core import assets, buildstate, freshness, safehtml
from blogext.core.posts import every_post, post, title_html
from blogext.pages import related, series


class Entry(NamedTuple):
    """One post (or series page) the block offers."""

    kind: str  # class suffix: series-next, series-prev, series-overview, newer, older, related
    reason: str
    docname: str
    title: Markup
    date: datetime | None
    rel: str | None


@dataclass
class _State:
    """This build's neighbours by date of every post (:mod:`blogext.core.buildstate`), worked out once."""

    neighbours: dict[str, tuple] | None = None


def _neighbours(app: Sphinx, docname: str) -> list[Entry]:
    """The posts just after and just before *docname* by date (none when it is not published)."""
    if not app.config.post_show_prev_next:
        return []
    state = buildstate.of(app, _State)
    if state.neighbours is None:  # the environment no longer changes while pages are written
        state.neighbours = freshness.neighbours(every_post(app.env))
    links = state.neighbours.get(docname)
    if not links:
        return []
    before, after = links[0], links[1]  # a document's first post, as ABlog links it
    entries = []
    for kind, reason, rel, link in (("newer", "Newer", "next", after), ("older", "Older", "prev", before)):
        if link is not None:
            other, title, _section, date = link
            entries.append(Entry(kind, reason, other[0], title_html(app, other[0], title), date, rel))
    return entries


def entries(app: Sphinx, docname: str) -> list[Entry]:
    """What the end of the post *docname* offers, in order, each post once (see the module's docstring)."""
    if post(app.env, docname) is None:
        return []
    found: list[Entry] = []
    parts = None
    if "blogext.pages.series" in app.extensions:
        parts = series.read_next(app, docname)
    if parts is not None:
        found += [Entry(f"series-{p.kind}", p.reason, p.docname, p.title, p.date, p.rel) for p in parts]
    else:
        found += _neighbours(app, docname)
    if "blogext.pages.related" in app.extensions:
        for other in related.related_posts(app, docname):
            title = title_html(app, other.docname, other.title)
            found.append(Entry("related", "Related", other.docname, title, other.date, None))
    seen: set[str] = set()
    once = []
    for entry in found:
        if entry.docname not in seen:
            seen.add(entry.docname)
            once.append(entry)
    return once


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    found = entries(app, pagename)
    if not found:
        return
    date_format = app.config.post_date_format
    context["blog_read_next_html"] = safehtml.render(
        app,
        "blog/read-next.html",
        entries=[
            {
                "kind": entry.kind,
                "reason": entry.reason,
                "href": app.builder.get_relative_uri(pagename, entry.docname),
                "title": entry.title,
                "iso": entry.date.strftime("%Y-%m-%d") if entry.date else None,
                "shown": entry.date.strftime(date_format) if entry.date else None,
                "rel": entry.rel,
            }
            for entry in found
        ],
    )
    app.add_css_file("readnext.css")  # on these pages only


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "readnext")
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.core.freshness")  # records the neighbours by date this block shows
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
