"""The rules of a post's front matter: its keys, their types and values, one problem a line.

:func:`check_front_matter` checks what a post's YAML front matter (or a notebook's metadata) says,
and returns the values the blog uses (:class:`PostFrontMatter`) with every problem as one line naming
the field, the bad value and what was expected. :mod:`blogext.core.frontmatter_body` reads the rest of a
post file; :mod:`blogext.core.frontmatter` reads every post before Sphinx does and stops a build on any
problem. Tags and categories are matched by :func:`label_key` and made canonical by
:func:`canonical_labels`.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sphinx.util import logging

from blogext.core import frontmatter_yaml
from blogext.core.ablogadapter import slugify
from blogext.core.errors import BuildStopped
from blogext.core.settings import setting

logger = logging.getLogger(__name__)


#: The front-matter keys a post may use, each with what its value must be.
KNOWN_KEYS: dict[str, str] = {
    "date": "YYYY-MM-DD, optionally followed by a time HH:MM; without it the post is a draft",
    "updated": "YYYY-MM-DD: the day the post was last changed",
    "draft": "true or false",
    "tags": "a list of tag names",
    "category": "one category name",
    "description": "one sentence for search results and link previews",
    "series": "the slug of a series, such as git-guides",
    "part": "the post's place in its series: 1, 2, 3, ...",
    "author": "a key of blog_authors in conf.py, or a list of them",
    "share_image": (
        "the post's own link-preview image instead of its drawn share card (blogext.outputs.sharecards)"
    ),
    "share_image_alt": "the alt text of that image, required with it",
    "comments": "true to show comments on this post, when the site has them on (blogext.pages.comments)",
}

#: Keys of a notebook's own machinery (Jupyter, jupytext, myst-nb, editors), allowed besides the post's
#: keys in a notebook's metadata; a text notebook (Markdown) may use the first three in its front matter.
#: ``mystnb`` holds myst-nb's settings for the one post, such as ``{execution_mode: cache}``.
TEXT_NOTEBOOK_KEYS = ("jupytext", "kernelspec", "mystnb")
NOTEBOOK_KEYS = (
    *TEXT_NOTEBOOK_KEYS,
    "language_info",
    "widgets",
    "vscode",
    "interpreter",
    "colab",
    "toc",
    "celltoolbar",
    "varInspector",
    "nbsphinx",
    "papermill",
    "orig_nbformat",
)
#: myst-nb's execution modes, for a post's ``mystnb: {execution_mode: ...}``.
EXECUTION_MODES = ("off", "cache", "force", "auto", "inline")
#: Suffixes of text a writer may mean as a post: such a file in the posts' folders that is not a post
#: the blog builds is an error (an image or a data file there is not).
DOCUMENT_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mdx", ".qmd", ".rmd", ".ipynb", ".rst")

#: What a message says is expected, for each key.
EXPECTED: dict[str, str] = {
    "date": "YYYY-MM-DD",
    "updated": "YYYY-MM-DD",
    "draft": "true or false",
    "tags": "a list of names, such as [Git, Python]",
    "category": "a name",
    "description": "a sentence",
    "series": "a slug, such as 'git-guides'",
    "part": "1, 2, 3, ...",
    "author": "a key of blog_authors in conf.py, or a list of them",
    "share_image": "a PNG, JPEG, GIF or WebP file next to the post, such as card.png",
    "share_image_alt": "a sentence describing the image",
    "comments": "true or false",
}

#: The files a post's own ``image`` may be (what link previews show).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: Directives whose content is not Markdown (so is not searched for links).


class FrontMatterError(BuildStopped):
    """One or more posts are not fit to build: each line of the message is one problem."""


@dataclass(frozen=True)
class Link:
    """A link or image in a post's body that points to a local file."""

    kind: str  #: "link" or "image"
    target: str  #: as written in the post
    line: int  #: 1-based line in the file
    path: str | None  #: the file it resolves to, relative to the source folder (None when outside it)
    cell: int | None = None  #: in a notebook, the 1-based cell (and *line* is the line in that cell)


@dataclass(frozen=True)
class PostFrontMatter:
    """A post's checked front matter (absent keys are None or empty)."""

    path: str  #: the source file, relative to the source folder, such as ``posts/2024/x.md``
    docname: str
    title: str
    date: datetime | None = None
    updated: datetime | None = None
    draft: bool = False
    tags: tuple[str, ...] = ()
    category: str | None = None
    description: str | None = None
    series: str | None = None
    part: int | None = None
    author: tuple[str, ...] = ()
    share_image: str | None = None  #: as written, relative to the post's folder
    share_image_alt: str | None = None
    comments: bool = False
    links: tuple[Link, ...] = field(default=(), repr=False)


#: Front matter as strict YAML (see :mod:`blogext.core.frontmatter_yaml`); :mod:`blogext.markup.notebooks`
#: reads
#: a text notebook's with it too.
load_yaml = frontmatter_yaml.load


def show(value: Any) -> str:
    """*value* as the author wrote it, for messages: strings quoted, YAML words for the rest."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


@functools.cache
def label_key(name: str) -> str:
    """The identity of a tag or category name: case, spacing and punctuation do not count.

    Never finer than ABlog's own ``slugify`` (which makes the archive's URL), so
    two names with one URL are always one label.
    """
    return re.sub(r"[-_]+", "-", slugify(name)).strip("-")


# -- Reading one post ------------------------------------------------------------------


def _check_date(key: str, value: Any, problems: list[str]) -> datetime | None:
    text = value if isinstance(value, str) else None
    match = _DATE.fullmatch(text.strip()) if text is not None else None
    if match:
        try:
            return datetime(*(int(g) for g in match.groups() if g is not None))
        except ValueError:
            pass
    problems.append(f"{key} {show(value)} is not a valid date (expected YYYY-MM-DD)")
    return None


def _check_label(key: str, value: Any, problems: list[str]) -> str | None:
    """One tag or category name."""
    what = "tag" if key == "tags" else key
    if value is None or (isinstance(value, str) and not value.strip()):
        if key == "tags":
            problems.append(f"tags has an empty tag {show(value)} (expected a name for every item)")
        else:
            problems.append(f"{key} {show(value)} is empty (expected {EXPECTED[key]}, or leave the key out)")
        return None
    if not isinstance(value, str):
        problems.append(
            f"{what} {show(value)} is not text "
            '(expected a name; put quotes around names such as "1.0" or "no")'
        )
        return None
    name = " ".join(value.split())
    if "," in name:
        problems.append(f"{what} {show(value)} contains a comma (expected one name per {what})")
    elif not label_key(name):
        problems.append(f"{what} {show(value)} has no letters or digits (expected a name such as 'Python')")
    else:
        return name
    return None


def _check_mystnb(value: Any, problems: list[str]) -> None:
    """A post's own myst-nb settings: a mapping, and a known execution mode (myst-nb checks the rest)."""
    if not isinstance(value, dict):
        problems.append(f"mystnb {show(value)} is not a mapping (expected {{execution_mode: cache}})")
        return
    mode = value.get("execution_mode", "off")
    if mode not in EXECUTION_MODES:
        problems.append(
            f"mystnb execution_mode {show(mode)} is not an execution mode "
            f"(expected one of: {', '.join(EXECUTION_MODES)})"
        )


def check_front_matter(
    data: dict[str, Any],
    authors: Iterable[str] = (),
    extra_keys: Iterable[str] = (),
    notebook_keys: Iterable[str] = TEXT_NOTEBOOK_KEYS,
) -> tuple[dict[str, Any], list[str]]:
    """Check a post's front matter: the values to keep, and the problems (without the file name).

    *notebook_keys* are the notebook machinery's keys allowed besides (see :data:`NOTEBOOK_KEYS`).
    """
    problems: list[str] = []
    out: dict[str, Any] = {}
    known = [*KNOWN_KEYS, *extra_keys]
    permitted = [*known, *notebook_keys]
    for key, value in data.items():
        if not isinstance(key, str) or key not in permitted:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(f"unknown key {show(key)} ({hint}expected one of: {', '.join(known)})")
            continue
        if key == "mystnb":
            _check_mystnb(value, problems)
            continue
        if key not in KNOWN_KEYS:
            continue  # another feature's key (or the notebook machinery's): that feature checks it
        if value is None:
            problems.append(f"{key} is empty (expected {EXPECTED[key]}, or leave the key out)")
            continue
        if key in ("date", "updated"):
            out[key] = _check_date(key, value, problems)
        elif key in ("draft", "comments"):
            if isinstance(value, bool):
                out[key] = value
            else:
                problems.append(f"{key} {show(value)} is not a boolean (expected true or false)")
        elif key == "share_image":
            if not isinstance(value, str) or not value.strip():
                problems.append(f"share_image {show(value)} is not a file name (expected {EXPECTED[key]})")
            elif URL_SCHEME.match(value) or value.startswith("//"):
                problems.append(
                    f"share_image {show(value)} is not a local file (expected {EXPECTED[key]}: "
                    "a page of this blog loads nothing from another host)"
                )
            elif not value.lower().endswith(IMAGE_SUFFIXES):
                problems.append(f"share_image {show(value)} is not an image file (expected {EXPECTED[key]})")
            else:
                out[key] = value.strip()
        elif key == "share_image_alt":
            if not isinstance(value, str) or not value.strip():
                problems.append(f"share_image_alt {show(value)} is not a sentence (expected {EXPECTED[key]})")
            else:
                out[key] = " ".join(value.split())
        elif key == "tags":
            if not isinstance(value, list):
                problems.append(f"tags {show(value)} is not a list (expected {EXPECTED['tags']})")
                continue
            names = [_check_label(key, v, problems) for v in value]
            out[key] = tuple(dict.fromkeys(n for n in names if n))
        elif key == "category":
            out[key] = _check_label(key, value, problems)
        elif key == "description":
            if not isinstance(value, str) or not value.strip():
                problems.append(f"description {show(value)} is not a sentence (expected {EXPECTED[key]})")
            else:
                out[key] = value.strip()
        elif key == "series":
            if not isinstance(value, str) or not _SLUG.fullmatch(value):
                problems.append(
                    f"series {show(value)} is not a slug (expected lowercase letters, digits and hyphens, "
                    "such as 'git-guides')"
                )
            else:
                out[key] = value
        elif key == "part":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"part {show(value)} is not a positive whole number (expected 1, 2, 3, ...)")
            else:
                out[key] = value
        elif key == "author":
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(a, str) and a.strip() for a in items):
                problems.append(
                    f"author {show(value)} is not a name or a list of names (expected {EXPECTED[key]})"
                )
                continue
            allowed = list(authors)
            for name in items:
                if allowed and name not in allowed:
                    problems.append(
                        f"author {show(name)} is not in blog_authors (expected one of: {', '.join(allowed)})"
                    )
            out[key] = tuple(items)
    if "share_image" in data and "share_image_alt" not in data:
        problems.append(
            f"share_image {show(data['share_image'])} has no share_image_alt "
            f"(expected {EXPECTED['share_image_alt']}, for readers who cannot see it)"
        )
    if "share_image_alt" in data and "share_image" not in data:
        problems.append(
            f"share_image_alt {show(data['share_image_alt'])} describes no image "
            "(expected a share_image key with it, or no share_image_alt: the drawn share card has its own)"
        )
    if out.get("date") and out.get("updated") and out["updated"].date() < out["date"].date():
        problems.append(
            f"updated {show(data['updated'])} is before date {show(data['date'])} "
            "(expected the day the post was last changed, on or after its date)"
        )
    return out, problems


# -- Canonical tag and category names ----------------------------------------------------------------


def canonical_labels(posts: Iterable[PostFrontMatter]) -> dict[str, dict[str, str]]:
    """For tags and categories: label key -> the name used first, by date (undated last), then path."""
    names: dict[str, dict[str, str]] = {"tags": {}, "category": {}}
    for post in sorted(posts, key=lambda p: (p.date or datetime.max, p.path)):
        for name in post.tags:
            names["tags"].setdefault(label_key(name), name)
        if post.category:
            names["category"].setdefault(label_key(post.category), post.category)
    return names


def labels_of(post: PostFrontMatter, names: dict[str, dict[str, str]]) -> tuple[tuple[str, ...], str | None]:
    """*post*'s tags and category under their canonical *names*."""
    tags = tuple(dict.fromkeys(names.get("tags", {}).get(label_key(t), t) for t in post.tags))
    category = (
        names.get("category", {}).get(label_key(post.category), post.category) if post.category else None
    )
    return tags, category


@dataclass(frozen=True)
class FrontMatterSettings:
    """The front matter's settings (``blogext_<field>`` in ``conf.py``), registered by
    :mod:`blogext.core.frontmatter`; declared here, with the rules they extend."""

    extra_front_matter_keys: tuple[str, ...] = setting(
        (), "front-matter keys that other features check, besides the known ones", "env"
    )
