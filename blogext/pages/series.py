"""Tutorial series: posts that belong together and are read in order.

The author's interface
    A series is defined once, by a page ``series/<slug>.md`` (the folder is
    ``blogext_series_path``): its ``#`` heading is the series' title, its body the
    description, its first paragraph the summary shown on the list of series.
    A post joins a series with ``series: <slug>`` in its front matter and may
    give ``part: <n>``. Numbered parts come first, in number order; parts
    without a number follow, oldest first.

What a reader gets
    - on every part, under the post header, a series box ("Part N of M", the
      series' title linked, every part listed with the current one marked);
    - at the end of every part, first in the one "read next" block
      (:mod:`blogext.pages.readnext`, which calls :func:`read_next`): the next part,
      the previous part, and on the last part the series' page; they replace the
      posts just before and after it by date on that page;
    - on the series page, after the description, the parts in order with their
      dates and excerpts, and a link to the series' Atom feed;
    - a generated page at ``/<blogext_series_path>/`` listing every series;
    - an Atom feed per series, through the ``blog-collect-feeds`` contract of
      :mod:`blogext.outputs.feeds`.

    Unpublished parts (drafts and scheduled posts, as the post model
    :mod:`blogext.core.posts` decides) are not counted and not linked from anywhere; in
    the preview, their own page shows where they will slot in.

Bad input
    Every problem names the file (and front-matter line), the value and what
    was expected. A ``series`` slug that names no series page, a ``part`` that
    is not a positive integer, two parts of one series with the same number, a
    gap in a series' numbers (parts 1 and 3: drafts and scheduled parts count,
    so the published build and the preview agree), ``series`` on a page that
    is not a post, a series page with no parts, and a ``series/index.md``
    (that page is generated) are each a warning of
    type ``blog``, subtype ``series``, with the file and line: the strict build
    (``-W``, as every documented command builds) fails on them, after running
    to the end to report every problem at once, and
    ``suppress_warnings = ["blog.series"]`` silences them. The checks run after
    every read phase, incremental builds included, so a problem cannot slip
    through because its file was not re-read.

State and incremental builds
    Membership and series definitions are collected when a document is read
    and kept in the environment (purged per document, merged after parallel
    reads). Boxes, navigation and series pages are drawn when a page is
    written, from that state. A series' page and each of its parts show the
    series' *signature* (everything its boxes, navigation and page show) in the
    record of what pages show (:mod:`blogext.core.shown`): when it changes, every
    part of that series and its page are written again. That covers a
    part being added, removed, re-dated, re-numbered, re-titled, moved to
    another series or reaching its publication date, and the series page
    being re-titled, without a clean build and without re-reading anything.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from docutils import nodes
from markupsafe import Markup
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

import blogext
from blogext.core import ablogadapter, assets, perdoc, posts, safehtml, settings, shown
from blogext.core.frontmatter import read_posts
from blogext.core.series_model import (
    Membership,
    Part,
    Problem,
    SeriesDef,
    SeriesSettings,
    definitions,
    members,
    part_number,
    parts_of,
    series_by_slug,
    signature,
    visible_parts,
)
from blogext.outputs.feeds import FeedSpec

logger = logging.getLogger(__name__)

_POSITIVE_INT = re.compile(r"[0-9]+")


# -- Reading ----------------------------------------------------------------------


def series_slug(app: Sphinx, docname: str) -> str | None:
    """The slug if *docname* is a series page (``series/<slug>``), else ``None``."""
    folder, _, slug = docname.rpartition("/")
    if folder != settings.of(app.config, SeriesSettings).series_path.strip("/") or slug == "index":
        return None
    return slug


def _front_matter_lines(app: Sphinx, docname: str, path: Path | None = None) -> dict[str, int]:
    """Line numbers of the top-level keys of the YAML front matter, for error locations."""
    try:
        lines = (path or app.env.doc2path(docname)).read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    if not lines or lines[0].strip() != "---":
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            break
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    slug = series_slug(app, docname)
    if slug is not None:
        section = next(iter(doctree.findall(nodes.section)), None)
        title = section.next_node(nodes.title).astext() if section is not None else slug
        first = next(iter(doctree.findall(nodes.paragraph)), None)
        definitions(env)[docname] = SeriesDef(
            docname, slug, title, first.astext() if first is not None else ""
        )
        # A series page is reached from the list of series, not from a toctree.
        env.metadata[docname]["orphan"] = True
    meta = env.metadata.get(docname, {})
    if "series" in meta:
        lines = _front_matter_lines(app, docname)
        part = meta.get("part")
        members(env)[docname] = Membership(
            docname,
            str(meta["series"]).strip(),
            None if part is None else str(part).strip(),
            lines.get("series"),
            lines.get("part"),
        )


# -- Checking, and rewriting the pages of changed series --------------------------------


def find_problems(app: Sphinx, env: BuildEnvironment) -> list[Problem]:
    """Every invalid ``series``/``part`` value, duplicate number and empty series."""
    problems: list[Problem] = []
    defined = series_by_slug(env)
    folder = settings.of(app.config, SeriesSettings).series_path.strip("/")
    for member in sorted(members(env).values(), key=lambda m: m.docname):
        where = (member.docname, member.series_line)
        if member.slug not in defined:
            known = ", ".join(sorted(defined)) or f"none yet: create {folder}/{member.slug or '<slug>'}.md"
            problems.append(
                Problem(
                    "unknown-series",
                    f"series {member.slug!r} is not a defined series (expected one of: {known}; "
                    f"a series is defined by a page {folder}/<slug>.md)",
                    where,
                )
            )
        if posts.post(env, member.docname) is None:
            problems.append(
                Problem(
                    "not-a-post",
                    f"series {member.slug!r} is set on a page that is not a blog post "
                    "(expected only posts, the files matched by blog_post_pattern, to join a series)",
                    where,
                )
            )
        if member.part is not None:
            number = part_number(member.part)
            if number is None:
                problems.append(
                    Problem(
                        "bad-part",
                        f"part {member.part!r} is not a positive integer (expected 1, 2, 3, ... "
                        "or no part at all, to order the part by date)",
                        (member.docname, member.part_line),
                    )
                )
    problems += _numbering_problems(app)
    slugs_used = {m.slug for m in members(env).values()}
    for slug, series in defined.items():
        if slug not in slugs_used:
            problems.append(
                Problem(
                    "empty-series",
                    f"series {slug!r} has no parts (expected at least one post with 'series: {slug}' "
                    "in its front matter)",
                    (series.docname, None),
                )
            )
    if f"{folder}/index" in env.found_docs:
        problems.append(
            Problem(
                "reserved-page",
                f"{folder}/index is the generated list of series (expected no such file: "
                f"each series is a page {folder}/<slug>.md)",
                (f"{folder}/index", None),
            )
        )
    return problems


def _claims(app: Sphinx) -> dict[str, dict[int, list[str]]]:
    """Series slug -> part number -> the posts that claim it (sorted), from every post's front
    matter: drafts and scheduled posts count, built or not, so the published build and the preview
    see the same numbering."""
    claims: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for docname, matter in sorted(read_posts(app).items()):
        if matter.series and matter.part is not None:
            claims[matter.series][matter.part].append(docname)
    return claims


def _part_location(app: Sphinx, docname: str) -> tuple[str, int | None] | str:
    """Where the post *docname* gives its ``part``: a warning's location, read or not."""
    if docname in app.env.found_docs:
        return (docname, _front_matter_lines(app, docname).get("part"))
    path = Path(app.srcdir, read_posts(app)[docname].path)
    line = _front_matter_lines(app, docname, path).get("part")
    return f"{path}:{line}" if line else str(path)


def _missing(first: int, last: int) -> str:
    return f"is no part {first}" if first == last else f"are no parts {first} to {last}"


def _numbering_problems(app: Sphinx) -> list[Problem]:
    """Two posts with one part number, and gaps: the numbers of a series are 1, 2, 3, ... each once."""
    problems = []
    for slug, numbers in sorted(_claims(app).items()):
        expected = 1
        for number, docnames in sorted(numbers.items()):
            first = docnames[0]
            for docname in docnames[1:]:
                problems.append(
                    Problem(
                        "duplicate-part",
                        f"part {number} of series {slug!r} is also claimed by "
                        f"{app.env.doc2path(first, base=False)} "
                        "(expected each part number once per series)",
                        _part_location(app, docname),
                    )
                )
            if number > expected:
                after = f"follows part {expected - 1}" if expected > 1 else "is its first numbered part"
                problems.append(
                    Problem(
                        "part-gap",
                        f"part {number} of series {slug!r} {after}: there "
                        f"{_missing(expected, number - 1)} (expected the parts numbered 1, 2, 3, ... "
                        f"without a gap: number this part {expected}, or add the missing part)",
                        _part_location(app, first),
                    )
                )
            expected = number + 1
    return problems


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    for problem in find_problems(app, env):
        logger.warning(problem.message, type="blog", subtype="series", location=problem.location)


def _series_pages(env: BuildEnvironment):
    """Every page that shows a series: its own page, and each of its parts."""
    for series in definitions(env).values():
        yield series.docname, series.slug
    for member in members(env).values():
        yield member.docname, member.slug


def _shows_series(snapshot: shown.Snapshot, slug: str) -> tuple | None:
    series = snapshot.memo("series", lambda: series_by_slug(snapshot.env)).get(slug)
    return None if series is None else signature(snapshot.env, series)


# -- Drawing: the box, the links to read next, the series page ---------------------------------
#
# Every piece of HTML is a template of _templates/blog/ (series-*.html), rendered with autoescape
# by blogext.core.safehtml: titles arrive as safe HTML (blogext.core.posts.title_html), everything else
# escaped.


def _uri(app: Sphinx, fromdoc: str, todoc: str) -> str:
    return app.builder.get_relative_uri(fromdoc, todoc)


def _title(app: Sphinx, docname: str, text: str) -> Markup:
    """The title of a part or series page, as safe HTML (inline code shown as code)."""
    return posts.title_html(app, docname, text)


def _parts_count(parts: list[Part]) -> str:
    return f"{len(parts)} part{'s' if len(parts) != 1 else ''}"


def feed_path(app: Sphinx, slug: str) -> str:
    """Output path of series *slug*'s Atom feed, next to its page."""
    return posixpath.join(settings.of(app.config, SeriesSettings).series_path.strip("/"), slug, "atom.xml")


def _feed_uri(app: Sphinx, docname: str, slug: str) -> str:
    return relative_uri(app.builder.get_target_uri(docname), feed_path(app, slug))


def _sequence(env: BuildEnvironment, slug: str, docname: str) -> list[Part]:
    """The parts a reader of *docname* is shown: the published ones, plus *docname* itself."""
    return [p for p in parts_of(env, slug) if p.visible or p.docname == docname]


def _box_html(app: Sphinx, docname: str, series: SeriesDef, sequence: list[Part]) -> str:
    current = next(p for p in sequence if p.docname == docname)
    parts = [
        {
            "href": None if part.docname == docname else _uri(app, docname, part.docname),
            "title": _title(app, part.docname, part.title),
            "visible": part.visible,
        }
        for part in sequence
    ]
    return safehtml.render(
        app,
        "blog/series-box.html",
        label=series.title,
        count=f"Part {sequence.index(current) + 1} of {len(sequence)}" if current.visible else None,
        series_href=_uri(app, docname, series.docname),
        series_title=_title(app, series.docname, series.title),
        parts=parts,
    )


class Link(NamedTuple):
    """One of a part's links to read next (see :func:`read_next`)."""

    kind: str  # "next", "prev" or "overview"
    reason: str
    docname: str
    title: Markup
    date: datetime | None
    rel: str | None


def read_next(app: Sphinx, docname: str) -> list[Link] | None:
    """What the end of the part *docname* offers within its series, in order: the next part, the
    previous part, and the series' page on the last part (whose reader has read them all). None when
    *docname* is not a part of a series (:mod:`blogext.pages.readnext` draws the one "read next" block)."""
    env = app.env
    member = members(env).get(docname)
    defined = series_by_slug(env)
    if member is None or member.slug not in defined or posts.post(env, docname) is None:
        return None
    series = defined[member.slug]
    sequence = _sequence(env, member.slug, docname)
    index = [p.docname for p in sequence].index(docname)
    links = []
    if index + 1 < len(sequence):
        part = sequence[index + 1]
        title = _title(app, part.docname, part.title)
        reason = f"Next in series, part {index + 2}"
        links.append(Link("next", reason, part.docname, title, part.date, "next"))
    if index > 0:
        part = sequence[index - 1]
        title = _title(app, part.docname, part.title)
        reason = f"Previous in series, part {index}"
        links.append(Link("prev", reason, part.docname, title, part.date, "prev"))
    if index + 1 == len(sequence):
        title = _title(app, series.docname, series.title)
        links.append(Link("overview", "Series overview", series.docname, title, None, None))
    return links


def _resolved_excerpt(app: Sphinx, docname: str, part: Part) -> list[nodes.Node]:
    """The part's ABlog excerpt, with its references resolved relative to *docname*."""
    record = posts.post(app.env, part.docname)
    resolved = []
    for node in record.excerpt if record else []:
        copy = node.deepcopy()
        copy["classes"] = [*copy.get("classes", []), "series-part-excerpt"]
        for xref in copy.findall(addnodes.pending_xref):
            xref["refdoc"] = docname
        app.env.resolve_references(copy, docname, app.builder)
        resolved.append(copy)
    return resolved


def _series_page_nodes(app: Sphinx, docname: str, series: SeriesDef) -> list[nodes.Node]:
    parts = visible_parts(app.env, series.slug)
    html = safehtml.render(
        app,
        "blog/series-page-meta.html",
        count=_parts_count(parts),
        feed_href=_feed_uri(app, docname, series.slug),
    )
    meta = nodes.raw("", html, format="html")
    section = nodes.section(ids=["series-parts"], classes=["series-parts"])
    section += nodes.title("", "The parts")
    if not parts:
        section += nodes.paragraph("", "No part of this series is published yet.")
    listing = nodes.enumerated_list(classes=["series-part-list"])
    for part in parts:
        item = nodes.list_item(classes=["series-part"])
        shown = part.date.strftime(app.config.post_date_format) if part.date else ""
        iso = part.date.strftime("%Y-%m-%d") if part.date else ""
        html = safehtml.render(
            app,
            "blog/series-part.html",
            href=_uri(app, docname, part.docname),
            title=_title(app, part.docname, part.title),
            iso=iso,
            shown=shown,
        )
        item += nodes.raw("", html, format="html")
        item.extend(_resolved_excerpt(app, docname, part))
        listing += item
    if parts:
        section += listing
    return [meta, section]


def _on_doctree_resolved(app: Sphinx, doctree: nodes.Node, docname: str) -> None:
    # Excerpts resolved for a series page emit this event again, for a fragment: skip those.
    if app.builder.format != "html" or not isinstance(doctree, nodes.document):
        return
    env = app.env
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
    defined = series_by_slug(env)
    series_def = definitions(env).get(docname)
    if series_def is not None:
        top.extend(_series_page_nodes(app, docname, series_def))
    member = members(env).get(docname)
    if member is None or member.slug not in defined or posts.post(env, docname) is None:
        return
    series = defined[member.slug]
    sequence = _sequence(env, member.slug, docname)
    titles = [i for i, child in enumerate(top.children) if isinstance(child, nodes.title)]
    at = titles[0] + 1 if titles else 0
    if at < len(top) and "post-meta" in top[at].get("classes", []):
        at += 1  # under the post header of blogext.pages.postmeta
    top.insert(at, nodes.raw("", _box_html(app, docname, series, sequence), format="html"))


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    env = app.env
    member = members(env).get(pagename)
    if member is not None and member.slug in series_by_slug(env):
        # A part offers its series' next and previous parts (read_next), not its neighbours by date.
        ablogadapter.without_date_navigation(context)


# -- The list of series, and the feeds ---------------------------------------------------------


def _list_body(app: Sphinx, pagename: str) -> str:
    env = app.env
    entries = []
    for series in sorted(series_by_slug(env).values(), key=lambda s: s.title.casefold()):
        parts = visible_parts(env, series.slug)
        if not parts:
            continue
        dates = [p.date for p in parts if p.date]
        entries.append(
            {
                "href": _uri(app, pagename, series.docname),
                "title": _title(app, series.docname, series.title),
                "count": _parts_count(parts),
                "latest": max(dates).strftime(app.config.post_date_format) if dates else "",
                "feed_href": _feed_uri(app, pagename, series.slug),
                "summary": series.summary,
            }
        )
    return safehtml.render(app, "blog/series-list.html", entries=entries)


def _collect_pages(app: Sphinx):
    if app.builder.format != "html":
        return
    pagename = settings.of(app.config, SeriesSettings).series_path.strip("/")
    context = {"title": "Series", "body": _list_body(app, pagename), "parents": []}
    yield (pagename, context, "page.html")


def _collect_feeds(app: Sphinx) -> list[FeedSpec]:
    specs = []
    for slug, series in series_by_slug(app.env).items():
        parts = visible_parts(app.env, slug)
        if parts:
            specs.append(
                FeedSpec(
                    key=f"series:{slug}",
                    path=feed_path(app, slug),
                    title=f"{app.config.blog_title}: {series.title}",
                    docnames=tuple(p.docname for p in parts),
                    page=series.docname,
                )
            )
    return specs


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "series")
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.pages.postmeta")
    app.setup_extension("blogext.outputs.feeds")
    app.setup_extension("blogext.pages.readnext")  # draws read_next(), in the end-of-post block
    settings.add(app, SeriesSettings)
    app.add_css_file("series.css")  # _static/series.css of the site
    app.connect("doctree-read", _on_doctree_read)
    perdoc.keep(app, "blog_series_members")
    perdoc.keep(app, "blog_series_defs")
    app.setup_extension("blogext.core.shown")
    shown.add_kind(app, "series", _shows_series, pages=_series_pages)
    app.connect("env-updated", _on_env_updated)
    app.connect("doctree-resolved", _on_doctree_resolved, priority=blogext.SERIES_BOX)
    app.connect("html-page-context", _on_page_context, priority=blogext.SERIES_NAVIGATION)
    app.connect("html-collect-pages", _collect_pages)
    app.connect("blog-collect-feeds", _collect_feeds)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
