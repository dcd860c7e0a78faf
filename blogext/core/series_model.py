"""The series model (not an extension): which posts belong to which series, and their parts in order.

:mod:`blogext.pages.series` notes each post's membership and each series' definition as documents are
read (kept per document by :mod:`blogext.core.perdoc`); this module answers from them: every series by
its slug (:func:`series_by_slug`), a series' parts in order (:func:`parts_of`), and the parts a
reader may see (:func:`visible_parts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from blogext.core import perdoc, posts
from blogext.core.settings import setting

logger = logging.getLogger(__name__)

_POSITIVE_INT = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Membership:
    """A document's ``series:``/``part:`` front matter, as written."""

    docname: str
    slug: str
    part: str | None
    series_line: int | None
    part_line: int | None


@dataclass(frozen=True)
class SeriesDef:
    """A series page ``<blogext_series_path>/<slug>.md``."""

    docname: str
    slug: str
    title: str
    summary: str


@dataclass(frozen=True)
class Part:
    """One part of a series, as the reader sees it."""

    docname: str
    title: str
    date: datetime | None
    number: int | None
    visible: bool
    excerpt: str


@dataclass(frozen=True)
class Problem:
    subtype: str
    message: str
    #: (docname, line), or ``path:line`` for a post this build does not read (a draft, when published).
    location: tuple[str, int | None] | str


# -- State in the environment ---------------------------------------------------


def members(env: BuildEnvironment) -> dict[str, Membership]:
    return perdoc.of(env, "blog_series_members")


def definitions(env: BuildEnvironment) -> dict[str, SeriesDef]:
    """Series definitions by docname."""
    return perdoc.of(env, "blog_series_defs")


# -- The model: series, their parts, in order ---------------------------------------------


def part_number(raw: str | None) -> int | None:
    if raw is None or not _POSITIVE_INT.fullmatch(raw) or int(raw) < 1:
        return None
    return int(raw)


def series_by_slug(env: BuildEnvironment) -> dict[str, SeriesDef]:
    return {d.slug: d for d in sorted(definitions(env).values(), key=lambda d: d.docname)}


def parts_of(env: BuildEnvironment, slug: str) -> list[Part]:
    """Every part of series *slug* in reading order, published or not."""
    parts = []
    for member in members(env).values():
        if member.slug != slug:  # before the record: a series' parts are a few of every member
            continue
        record = posts.post(env, member.docname)
        if record is None:
            continue
        parts.append(
            Part(
                member.docname,
                record.title,
                record.date,
                part_number(member.part),
                record.published,
                record.excerpt_text,
            )
        )

    def order(part: Part) -> tuple:
        stamp = part.date.replace(tzinfo=None) if part.date else datetime.max
        return (part.number is None, part.number or 0, stamp, part.title, part.docname)

    return sorted(parts, key=order)


def visible_parts(env: BuildEnvironment, slug: str) -> list[Part]:
    return [p for p in parts_of(env, slug) if p.visible]


def signature(env: BuildEnvironment, series: SeriesDef) -> tuple:
    """Everything a series' boxes, navigation and page show; a change means rewriting them all."""
    return (
        series.docname,
        series.title,
        tuple(
            (p.docname, p.title, p.date.isoformat() if p.date else "", p.number, p.visible, p.excerpt)
            for p in parts_of(env, series.slug)
        ),
    )


@dataclass(frozen=True)
class SeriesSettings:
    """The series' settings (``blogext_<field>`` in ``conf.py``), registered by
    :mod:`blogext.pages.series`."""

    series_path: str = setting(
        "series", "folder of the series pages (<path>/<slug>.md); the list of series is at /<path>/", "env"
    )
