"""The post model: which posts exist, which are published, and what other pages show of them.

Every feature asks this module about posts; none decides it for itself.

- **Today, drafts and scheduling** are decided once, when the configuration is
  ready: "today" is ``BLOG_TODAY`` (or ``blogext_today``) when set, else the date now
  in ``blogext_timezone``; a post is a *draft* when its front matter says
  ``draft: true`` or has no ``date``, *scheduled* when dated after today, and
  published otherwise. Any other page whose front matter says ``draft: true``
  is a draft too, wherever it is (:func:`statuses`). ABlog is told the same "today"
  (:func:`blogext.core.ablogadapter.set_today`), so it groups exactly the published posts.
- **The posts** are records (:class:`blogext.core.postrecord.Post`), immutable, one per
  post: made once when the post is read (``doctree-read``, after ABlog has read
  it), from what ABlog read of it (through :mod:`blogext.core.ablogadapter`: title,
  dates, labels, excerpt), its checked front matter (:mod:`blogext.core.frontmatter`:
  series, description, share image) and its reading time; kept per document by
  an ``EnvironmentCollector`` (:mod:`blogext.core.perdoc`: purged with the document,
  merged after parallel reading). Asked for with :func:`post`, :func:`every_post`
  and :func:`published_posts`; "published" is the record's status, decided in
  :func:`blogext.core.postrecord.status_of` only.
- **What other pages show of a post** is its record: :mod:`blogext.core.freshness`
  compares the records' digests to tell which pages a change reaches.

In the published build, unpublished posts are not built at all (see
:mod:`blogext.core.drafts`); in the preview they are built and :func:`unpublished`
names them, so that every list, feed and archive leaves them out.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from docutils import nodes
from markupsafe import Markup, escape
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import blogext
from blogext.core import ablogadapter, buildstate, perdoc, settings
from blogext.core.errors import SettingError, date_setting
from blogext.core.frontmatter import front_matter, read_pages, read_posts
from blogext.core.frontmatter_check import PostFrontMatter
from blogext.core.nodeutil import ancestors
from blogext.core.postrecord import Post, newest_first, status_of
from blogext.core.settings import Check, at_least, setting

logger = logging.getLogger(__name__)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


# -- Today, drafts and scheduling -----------------------------------------------------------------------


def resolve_today(environ: os._Environ[str] | dict[str, str], configured: str, zone: Any = None) -> date:
    """Today: ``BLOG_TODAY``, else ``blogext_today``, else the date now in *zone* (a name, a tzinfo, or None
    for local time)."""
    for source, value in (("BLOG_TODAY", environ.get("BLOG_TODAY", "")), ("blogext_today", configured or "")):
        if value.strip():
            return date_setting(source, value.strip())
    tz: tzinfo | None = None
    if isinstance(zone, tzinfo):
        tz = zone
    elif isinstance(zone, str) and zone:
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(
                f"blogext_timezone {zone!r} is not a time zone (expected a name such as 'UTC')"
            ) from None
    return datetime.now(tz).date()


def resolve_preview(environ: os._Environ[str] | dict[str, str], default: bool) -> bool:
    """Whether this is the preview build: ``BLOG_PREVIEW`` when set, else *default* (``blogext_preview``)."""
    value = environ.get("BLOG_PREVIEW")
    if value is None:
        return bool(default)
    word = value.strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise SettingError(f"BLOG_PREVIEW {value!r} is not a boolean (expected 1 or 0)")


def status(matter: PostFrontMatter, today: date) -> str | None:
    """Why the post of front matter *matter* is not published on *today* ("draft" or "scheduled"), or
    None if it is (:func:`blogext.core.postrecord.status_of`, before the post is read)."""
    return status_of(None if matter.draft else matter.date, None, today)


def today(env_or_config: BuildEnvironment | Config) -> date:
    """The day this build publishes for."""
    config = getattr(env_or_config, "config", env_or_config)
    return date.fromisoformat(settings.of(config, PostSettings).resolved_today)


def unpublished(env: BuildEnvironment) -> dict[str, str]:
    """Docnames of posts that are built but not published, each with why ("draft" or "scheduled").

    Empty in the published build, which does not build them at all.
    """
    return dict(settings.of(env.config, PostSettings).unpublished_posts)


def statuses(app: Sphinx) -> dict[str, str]:
    """Every unpublished post (built or not), with why: "draft" or "scheduled"; and every other
    document (a page) whose front matter says ``draft: true``, wherever it is, as a "draft"."""
    day = today(app.config)
    found = {docname: why for docname, matter in read_posts(app).items() if (why := status(matter, day))}
    found.update({docname: "draft" for docname, page in read_pages(app).items() if page.draft})
    return dict(sorted(found.items()))


def _decide(app: Sphinx, config: Config) -> None:
    given = settings.of(config, PostSettings)
    preview = resolve_preview(os.environ, given.preview)
    day = resolve_today(os.environ, given.today, given.timezone)
    settings.put(config, PostSettings, preview=preview, resolved_today=day.isoformat())
    ablogadapter.set_today(day)
    settings.put(config, PostSettings, unpublished_posts=statuses(app) if preview else {})


# -- Reading time ---------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
#: Code is read more slowly than prose: a line of code counts as this many words.
WORDS_PER_CODE_LINE = 4


def count_words(doctree: nodes.Node) -> int:
    """Words a reader reads in *doctree*: prose words, plus code lines at a fixed rate."""
    words = 0
    for node in doctree.findall(nodes.Text):
        if any(isinstance(p, nodes.literal_block) for p in ancestors(node)):
            continue
        words += len(_WORD.findall(node.astext()))
    for block in doctree.findall(nodes.literal_block):
        words += WORDS_PER_CODE_LINE * len(block.astext().splitlines())
    return words


def minutes_for(words: int, words_per_minute: int) -> int:
    """Whole minutes to read *words*, never less than one."""
    return max(1, math.ceil(words / words_per_minute))


def _minutes(env: BuildEnvironment) -> dict[str, int]:
    return perdoc.of(env, "blog_reading_minutes")


def reading_minutes(env: BuildEnvironment, docname: str) -> int | None:
    """Minutes to read the document *docname* (None before it is read)."""
    return _minutes(env).get(docname)


def _records(env: BuildEnvironment) -> dict[str, Post]:
    return perdoc.of(env, "blog_post_records")


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    minutes = minutes_for(count_words(doctree), settings.of(app.config, PostSettings).words_per_minute)
    _minutes(env)[env.docname] = minutes
    record = _make_record(env, env.docname, minutes)
    if record is not None:
        _records(env)[env.docname] = record


def _one_post_per_document(env: BuildEnvironment, docname: str, count: int) -> None:
    """A document is one post: ABlog's ``post`` directive in several sections of a page (which no
    post of this site can have: its front matter makes it a post) is refused, naming the file."""
    if count > 1:
        logger.warning(
            f"{count} ABlog {{post}} directives make this page {count} posts, and the blog makes one post "
            "of a document: it lists the first only (expected one {post} directive in the page, or "
            "each post in a file of its own, made a post by its front matter)",
            type="blog",
            subtype="posts",
            location=docname,
        )


def _make_record(env: BuildEnvironment, docname: str, minutes: int) -> Post | None:
    """The post record of *docname*, as read now (None when the document is not a post)."""
    read = ablogadapter.read_post(env, docname)
    if read is None:
        return None
    _one_post_per_document(env, docname, read["count"])
    matter = front_matter(env, docname)
    return Post(
        docname=docname,
        title=read["title"] or (matter.title if matter else "") or docname,
        date=read["date"],
        update=read["update"],
        tags=read["tags"],
        category=read["category"],
        authors=read["author"],
        location=read["location"],
        language=read["language"],
        external_link=read["external_link"],
        series=matter.series if matter else None,
        part=matter.part if matter else None,
        description=matter.description if matter else None,
        excerpt=read["excerpt"],
        reading_minutes=minutes,
        status=status_of(read["date"], unpublished(env).get(docname), today(env)),
        image=matter.share_image if matter else None,
        image_alt=matter.share_image_alt if matter else None,
        has_front_matter=matter is not None,
        section=read["section"],
        order=read["order"],
    )


def _of_today(env: BuildEnvironment, record: Post) -> Post:
    """*record* with its status for this build's day. A new day, alone, reads no post again: a post
    it publishes (or, going back, schedules) is given a record with its new status, kept in its place."""
    now = status_of(record.date, unpublished(env).get(record.docname), today(env))
    if now == record.status:
        return record
    record = dataclasses.replace(record, status=now)
    _records(env)[record.docname] = record
    return record


# -- The posts ---------------------------------------------------------------------------------------


def post(env: BuildEnvironment, docname: str) -> Post | None:
    """The post record of *docname* (None when the document is not a post, or not read yet)."""
    record = _records(env).get(docname)
    return None if record is None else _of_today(env, record)


def published_post(env: BuildEnvironment, docname: str) -> Post | None:
    """The published post that is the whole page *docname* (not a section of it), or None."""
    record = post(env, docname)
    return record if record is not None and record.published and not record.section else None


def every_post(env: BuildEnvironment) -> list[Post]:
    """Every post read, published or not, newest first (ABlog's order: by date, then title)."""
    return newest_first([_of_today(env, record) for record in list(_records(env).values())])


def published_posts(env: BuildEnvironment) -> list[Post]:
    """Every published post, newest first."""
    return [p for p in every_post(env) if p.published]


def recent(env: BuildEnvironment, count: int | None, docname: str | None = None) -> list[Post]:
    """The *count* newest published posts (all of them for None), the post *docname* left out: what
    a recent-posts list on the page *docname* shows."""
    found = [p for p in published_posts(env) if p.docname != docname]
    return found if count is None else found[:count]


def selected_posts(
    app: Sphinx, docname: str, length: int | None, sort: bool, filters: dict[str, list[str]]
) -> list[Post]:
    """The posts a post list (``postlist``, ``postcards``) on the page *docname* shows, chosen as
    ABlog's ``postlist`` chooses them: the published posts in every group its *filters* name (kind,
    as :data:`blogext.core.postrecord.LABEL_KINDS` -> names; a name of no group is left out), newest first,
    *length* of them (None: all); without a group, the *length* newest but the page's own. Oldest
    first when *sort*."""
    grouped = ablogadapter.groups(app)
    chosen = [
        group
        for kind in ("tags", "author", "category", "location", "language")
        for name in filters.get(kind) or ()
        if (group := grouped.index(kind).get(name)) is not None
    ]
    if chosen:
        keys = {p.docname for p in grouped.posts}
        for group in chosen:
            keys &= {p.docname for p in group}
        found = [p for p in grouped.posts if p.docname in keys][:length]
    else:
        found = recent(app.env, length, docname)
    if sort:
        found.sort(key=lambda p: (p.date or datetime.max, p.title))
    return found


def is_published(env: BuildEnvironment, docname: str) -> bool:
    """Whether *docname* is a published post."""
    record = post(env, docname)
    return record is not None and record.published


def post_pages(env: BuildEnvironment):
    """Every post as a page that shows something about itself: (docname, docname), for
    :func:`blogext.core.shown.add_kind`'s ``pages`` (neighbours, related posts)."""
    return ((docname, docname) for docname in post_docnames(env))


def post_docnames(env: BuildEnvironment) -> list[str]:
    """Every post read in this environment, published or not (in the order ABlog read them)."""
    return ablogadapter.post_docnames(env)


class _TitlesHtml:
    """The titles :func:`title_html` rendered in this build, by docname."""

    def __init__(self) -> None:
        self.titles: dict[str, Markup] = {}


def title_html(app: Sphinx, docname: str, text: str | None = None) -> Markup:
    """The title of the document *docname* as safe HTML, for any page that shows it.

    Its heading as the builder renders it on its own page (inline code as ``<code>``, emphasis,
    math), every character of its text escaped, raw HTML shown as text. *text* is the title as
    ABlog or a list knows it: when it is not the heading's text (a ``post`` directive's own
    title, a math title given as symbols), that text is shown, escaped.
    """
    heading = app.env.titles.get(docname)
    if heading is None or (text is not None and heading.astext() != text):
        return escape(text if text is not None else docname)
    rendered = buildstate.of(app, _TitlesHtml).titles
    if docname not in rendered:
        copy = heading.deepcopy()
        for raw in list(copy.findall(nodes.raw)):
            raw.replace_self(nodes.Text(raw.astext()))
        rendered[docname] = Markup(app.builder.render_partial(copy)["title"])
    return rendered[docname]


__all__ = [
    "PostFrontMatter",
    "count_words",
    "front_matter",
    "is_published",
    "minutes_for",
    "post_docnames",
    "post",
    "post_pages",
    "published_post",
    "published_posts",
    "reading_minutes",
    "recent",
    "resolve_preview",
    "resolve_today",
    "selected_posts",
    "every_post",
    "status",
    "status_of",
    "Post",
    "title_html",
    "today",
    "unpublished",
]


def _is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class PostSettings:
    """The post model's settings (``blogext_<field>`` in ``conf.py``)."""

    preview: bool = setting(False, "build drafts and scheduled posts, with a banner (BLOG_PREVIEW=1)", "env")
    today: str = setting("", "today, YYYY-MM-DD, instead of the clock (BLOG_TODAY)", "env")
    timezone: str = setting(
        "UTC",
        "IANA time zone of posts' dates and times",
        check=Check("an IANA time zone name such as 'Europe/London' or 'UTC'", _is_time_zone),
    )
    words_per_minute: int = setting(230, "reading speed of a post's reading time", "env", check=at_least(1))
    # Computed at config-inited, never set by hand. A change of the unpublished posts re-reads every
    # post; a change of day alone does not (what it changes is found by blogext.core.freshness).
    unpublished_posts: dict[str, str] = setting(
        {}, "the preview's unpublished posts and why", "env", computed=True
    )
    resolved_today: str = setting("", "the day this build publishes for", computed=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.collector")  # every build of a blog: the collector set for it
    app.setup_extension("blogext.core.frontmatter")
    app.setup_extension("blogext.core.ablogadapter")
    settings.add(app, PostSettings)
    app.connect("config-inited", _decide, priority=blogext.POST_DECISIONS)
    app.connect("doctree-read", _on_doctree_read, priority=blogext.POST_READ)
    perdoc.keep(app, "blog_reading_minutes")
    perdoc.keep(app, "blog_post_records")
    ablogadapter.use_records(app, every_post)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
