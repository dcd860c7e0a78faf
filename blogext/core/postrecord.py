"""The one post record: everything a feature needs of a post, immutable; and the groupings of the
posts, in the same terms (not an extension).

A :class:`Post` is made once per post when its document is read (by :mod:`blogext.core.posts`, from
what ABlog read of it, through :mod:`blogext.core.ablogadapter`, and its checked front matter), kept per
document in the environment (cleared with its document, merged after parallel reading), and
asked for through :mod:`blogext.core.posts` (``post``, ``every_post``, ``published_posts``). No feature
sees ABlog's own post objects.

ABlog groups the posts (tags, categories, authors, years...) for its archive pages: the door to it
(:mod:`blogext.core.ablogadapter`) gives those groupings as :class:`Group`, :class:`GroupIndex` and
:class:`Groupings`, holding records, so no feature or template of ours sees ABlog's objects.

Its status (draft, scheduled or published) is decided here, in :func:`status_of`, and nowhere
else. A change of "today" alone reads no post again: when the post model is asked for a record
whose status the new day changes, it keeps a copy with the new status in its place (so a record is
made again then, and only then, besides when its document is read).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cached_property
from typing import Any

from docutils import nodes


@dataclass(frozen=True)
class Post:
    """A post as read: what its page, and every list, card, feed or archive, can show of it."""

    docname: str
    #: The title as text (:func:`blogext.core.posts.title_html` gives it as safe HTML).
    title: str
    date: datetime | None
    #: The newest of the date and the ``update`` directives' dates.
    update: datetime | None
    #: The tags, by their canonical names (:mod:`blogext.core.frontmatter`).
    tags: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    #: The authors, as the post names them (keys of ``blog_authors``, or names).
    authors: tuple[str, ...] = ()
    location: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    external_link: str | None = None
    #: The slug of the series the post is a part of, and its part number (front matter).
    series: str | None = None
    part: int | None = None
    #: The front matter's description (the meta description; the excerpt when it has none).
    description: str | None = None
    #: The excerpt's nodes, as ABlog cut them, shared with the environment: a caller copies them
    #: (``node.deepcopy()``) before changing anything in them.
    excerpt: tuple[nodes.Node, ...] = field(default=(), repr=False, compare=False)
    #: Whole minutes to read the post, never less than one.
    reading_minutes: int = 1
    #: None (published), "draft" or "scheduled": see :func:`status_of`.
    status: str | None = None
    #: The share image as the front matter writes it (relative to the post's folder), and its text.
    image: str | None = None
    image_alt: str | None = None
    #: Whether the post's front matter was read and checked (a post of the ``post`` directive in a
    #: page has none).
    has_front_matter: bool = False
    #: ABlog's section id of the post in its document ("" for a post that is its whole document) and
    #: the post's order in it.
    section: str = ""
    order: int = 1

    @property
    def published(self) -> bool:
        """Whether the post is published (in the lists, feeds and archives of this build)."""
        return self.status is None

    @property
    def key(self) -> tuple[str, int]:
        """(docname, order in the document): a post's identity among every post."""
        return (self.docname, self.order)

    @property
    def excerpt_text(self) -> str:
        return " ".join(node.astext() for node in self.excerpt)

    @cached_property
    def digest(self) -> str:
        """A digest of everything the record holds (the excerpt by its nodes): what any other page
        can show of the post. Equal records have equal digests, across builds."""
        values = [(f.name, _comparable(getattr(self, f.name))) for f in fields(self)]
        return hashlib.blake2b(repr(values).encode("utf-8"), digest_size=16).hexdigest()


def _comparable(value: Any) -> Any:
    if isinstance(value, nodes.Node):
        return value.pformat()
    if isinstance(value, list | tuple):
        return tuple(_comparable(v) for v in value)
    return value


def status_of(when: datetime | None, unpublished_why: str | None, today: date) -> str | None:
    """Why a post dated *when* is not published on *today* ("draft" or "scheduled"), or None when it is.

    *unpublished_why* is the preview's own decision for the post (:func:`blogext.core.posts.unpublished`),
    which wins: a dated post whose front matter says ``draft: true`` is a draft.
    """
    if unpublished_why:
        return unpublished_why
    if when is None:
        return "draft"
    if when.replace(tzinfo=None).date() > today:
        return "scheduled"
    return None


def newest_first(posts: list[Post]) -> list[Post]:
    """*posts* in ABlog's order, newest first: by date (undated last), then title."""
    return sorted(posts, key=lambda p: (p.date or datetime.max, p.title), reverse=True)


# -- The posts' groupings ----------------------------------------------------------------------------

#: The kinds of labels that group posts, as ABlog names its catalogs of them.
LABEL_KINDS = ("tags", "category", "author", "location", "language")


@dataclass(frozen=True)
class Group:
    """Posts that share a label (a tag, a category, an author, a location, a language), or a year, or
    every published post: one archive page. In a template it reads as its name, iterates over its
    posts and is as long as they are (an empty group is false)."""

    #: One of :data:`LABEL_KINDS`, "archive" (a year), "posts" (every published post) or "drafts".
    kind: str
    #: The label as posts write it (an author's key, a tag's name, a year).
    label: str
    #: The name it is shown by (an author's full name; else the label).
    name: str
    #: Its archive page.
    pagename: str
    #: A page of its own besides the archive (an author's, from ``blog_authors``), or None.
    link: str | None = None
    #: Its published posts, newest first.
    posts: tuple[Post, ...] = field(default=(), repr=False)

    @property
    def slug(self) -> str:
        """The last part of its page's name (``blog/tag/git`` -> ``git``)."""
        return self.pagename.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return self.name

    def __len__(self) -> int:
        return len(self.posts)

    def __iter__(self) -> Iterator[Post]:
        return iter(self.posts)


@dataclass(frozen=True)
class GroupIndex:
    """Every group of one kind (all tags, all categories, all years...): a catalog page. It iterates
    over its groups (empty ones among them) and is as long as all their posts together."""

    kind: str
    #: The name it is shown by ("tags", "archive"...).
    name: str
    pagename: str
    #: Its groups, by name (years newest first), those without published posts among them.
    groups: tuple[Group, ...] = ()

    def __str__(self) -> str:
        return self.name

    def __len__(self) -> int:
        return sum(len(group) for group in self.groups)

    def __iter__(self) -> Iterator[Group]:
        return iter(self.groups)

    def get(self, label: str) -> Group | None:
        """The group of *label*, or None."""
        return self._by_label.get(label)

    @cached_property
    def _by_label(self) -> dict[str, Group]:
        return {group.label: group for group in self.groups}


@dataclass(frozen=True, eq=False)
class Groupings:
    """Every grouping of the posts in a build, and the groups each post is in."""

    #: Every published post (the list of all posts), and every unpublished one (the preview's drafts).
    posts: Group
    drafts: Group
    #: Kind (:data:`LABEL_KINDS`, and "archive": the years) -> its groups.
    indexes: Mapping[str, GroupIndex]
    #: Docname -> kind -> the groups of the post, in the order it names them (its authors the
    #: default author when it names none and is published, as ABlog groups them).
    labels: Mapping[str, Mapping[str, tuple[Group, ...]]] = field(repr=False)

    def index(self, kind: str) -> GroupIndex:
        return self.indexes[kind]

    def of(self, post: Post | str, kind: str) -> tuple[Group, ...]:
        """The groups of *kind* that *post* (a record or a docname) is in."""
        docname = post if isinstance(post, str) else post.docname
        return self.labels.get(docname, {}).get(kind, ())
