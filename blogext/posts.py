"""The post model: which posts exist, which are published, and what other pages show of them.

Every feature asks this module about posts; none decides it for itself.

- **Today, drafts and scheduling** are decided once, when the configuration is
  ready: "today" is ``BLOG_TODAY`` (or ``blogext_today``) when set, else the date now
  in ``blogext_timezone``; a post is a *draft* when its front matter says
  ``draft: true`` or has no ``date``, *scheduled* when dated after today, and
  published otherwise. Any other page whose front matter says ``draft: true``
  is a draft too, wherever it is (:func:`statuses`). ABlog is told the same "today"
  (:func:`blogext.ablogadapter.set_today`), so it groups exactly the published posts.
- **The posts** are the checked front matter of :mod:`blogext.frontmatter` (title,
  date, canonical tags and category, series...), plus what is known only once a
  post is read: its reading time (kept in the environment, purged and merged, so
  parallel reading is safe) and what ABlog keeps of it (its excerpt).
- **What other pages show of a post** (:func:`post_views`, :func:`shown_digest`):
  the fields a list, card, sidebar or previous/next link can show, so that
  :mod:`blogext.freshness` can tell which pages a change reaches.

In the published build, unpublished posts are not built at all (see
:mod:`blogext.drafts`); in the preview they are built and :func:`unpublished`
names them, so that every list, feed and archive leaves them out.
"""

from __future__ import annotations

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

import blogext
from blogext import ablogadapter, buildstate, perdoc, settings
from blogext.errors import SettingError, date_setting
from blogext.frontmatter import front_matter, read_pages, read_posts
from blogext.frontmatter_check import PostFrontMatter
from blogext.nodeutil import ancestors
from blogext.settings import Check, at_least, setting

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


def status(post: PostFrontMatter, today: date) -> str | None:
    """Why *post* is not published on *today* ("draft" or "scheduled"), or None if it is published."""
    if post.draft or post.date is None:
        return "draft"
    if post.date.date() > today:
        return "scheduled"
    return None


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
    found = {docname: why for docname, post in read_posts(app).items() if (why := status(post, day))}
    found.update({docname: "draft" for docname, page in read_pages(app).items() if page.draft})
    return dict(sorted(found.items()))


def is_published(env: BuildEnvironment, docname: str, when: datetime | None) -> bool:
    """Whether the post *docname*, dated *when*, is published: dated on or before today, and not
    one of the preview's unpublished posts."""
    if when is None or docname in unpublished(env):
        return False
    return when.replace(tzinfo=None).date() <= today(env)


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


def _shown(env: BuildEnvironment) -> dict[str, str]:
    return perdoc.of(env, "blog_post_shown")


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    minutes = minutes_for(count_words(doctree), settings.of(app.config, PostSettings).words_per_minute)
    _minutes(env)[env.docname] = minutes
    if ablogadapter.post_info(env, env.docname) is not None:
        _shown(env)[env.docname] = ablogadapter.shown_digest(env, env.docname, minutes)


# -- What other pages show of each post ------------------------------------------------------------------


def post_views(env: BuildEnvironment) -> dict[tuple[str, int], tuple]:
    """Every post, keyed by (docname, order in the document): whether it is published, then what other
    pages may show of it (:data:`blogext.ablogadapter.SHOWN_FIELDS`: title, date, tags...)."""
    return {
        key: (is_published(env, key[0], fields[1]), *fields)
        for key, fields in ablogadapter.post_fields(env).items()
    }


def post_pages(env: BuildEnvironment):
    """Every post as a page that shows something about itself: (docname, docname), for
    :func:`blogext.shown.add_kind`'s ``pages`` (neighbours, related posts)."""
    return ((docname, docname) for docname in post_docnames(env))


def post_docnames(env: BuildEnvironment) -> list[str]:
    """Every post read in this environment, published or not."""
    return ablogadapter.post_docnames(env)


def shown_digest(env: BuildEnvironment, docname: str) -> str | None:
    """A digest of what a list of posts can show of the post *docname* besides its view (see
    :func:`post_views`): its excerpt and everything else ABlog keeps of it, and its reading time.
    Made when the post is read (None for a document that is not a post)."""
    return _shown(env).get(docname)


def shown_digests(env: BuildEnvironment) -> dict[str, str]:
    """Docname -> :func:`shown_digest` of every post."""
    return dict(_shown(env))


def post_info(env: BuildEnvironment, docname: str) -> ablogadapter.PostInfo | None:
    """The post *docname* as read: title, date and excerpt (None when it is not a post)."""
    return ablogadapter.post_info(env, docname)


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
    "post_pages",
    "post_info",
    "post_views",
    "reading_minutes",
    "resolve_preview",
    "resolve_today",
    "shown_digest",
    "shown_digests",
    "status",
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
    # post; a change of day alone does not (what it changes is found by blogext.freshness).
    unpublished_posts: dict[str, str] = setting(
        {}, "the preview's unpublished posts and why", "env", computed=True
    )
    resolved_today: str = setting("", "the day this build publishes for", computed=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.frontmatter")
    app.setup_extension("blogext.ablogadapter")
    settings.add(app, PostSettings)
    app.connect("config-inited", _decide, priority=blogext.POST_DECISIONS)
    app.connect("doctree-read", _on_doctree_read, priority=blogext.POST_READ)
    perdoc.keep(app, "blog_reading_minutes")
    perdoc.keep(app, "blog_post_shown")
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
