"""A post's Atom entry (not an extension): its id, its times, its authors and categories, and its XML.

:class:`Entry` is what :mod:`blogext.outputs.feeds` writes into every feed that lists the post, made once a
build (:func:`make_entry`) from the post, its front matter and its content
(:mod:`blogext.outputs.feeds_content`),
and serialized once. Entry ids are tag URIs (RFC 4151), which depend on neither the builder nor the
base URL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree
from lxml.builder import ElementMaker
from sphinx.application import Sphinx
from sphinx.config import Config

from blogext.core import posts, settings
from blogext.core.postrecord import Post
from blogext.core.settings import at_least, setting

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = ElementMaker(namespace=ATOM_NS, nsmap={None: ATOM_NS})
ATOM_TYPE = "application/atom+xml"


#: Entry content is rendered with links absolute against this stand-in origin
#: (``.invalid`` is reserved, RFC 2606), which becomes the base URL when a feed
#: is written; so the cache does not depend on the base URL.
PLACEHOLDER_ORIGIN = "https://blogext-feeds.invalid/"
#: Bump when the cached rendering changes, to drop caches of older versions.

#: A relative URI of path segments only, none of them "." or "..": joined to a base by concatenation.
_PLAIN_PATH = re.compile(r"(?:[\w~%-][\w.~%-]*/)*(?:[\w~%-][\w.~%-]*)?")


def tag_uri(config: Config, specific: str) -> str:
    """A tag URI (RFC 4151) for *specific* under the configured tagging entity."""
    safe = quote(specific, safe="/:@!$&'()*+,;=-._~")
    given = settings.of(config, FeedsSettings)
    return f"tag:{given.feed_tag_authority.lower()},{given.feed_tag_date}:{safe}"


def entry_id(config: Config, docname: str) -> str:
    """The id of a post's feed entry: depends only on the tagging entity and the docname."""
    return tag_uri(config, docname)


def feed_id(config: Config, key: str) -> str:
    """The id of a feed: one per feed key, so per-tag feeds never share the site feed's id."""
    return tag_uri(config, f"feed:{key}")


# -- times -------------------------------------------------------------------------


def localize(moment: datetime | date, tz: ZoneInfo) -> datetime:
    """*moment* in *tz*: a naive time is read as a time in *tz*, an aware one converted."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def rfc3339(moment: datetime) -> str:
    """An RFC 3339 timestamp with an explicit offset (never ``Z``-less and naive)."""
    return moment.replace(microsecond=0).isoformat()


# -- front matter --------------------------------------------------------------------


@dataclass(frozen=True)
class FrontMatter:
    """What the feeds read from a post's front matter."""

    authors: tuple[str, ...]  #: keys of ``blog_authors`` (empty: ABlog's default author)
    updated: datetime | None
    description: str | None


def read_front_matter(app: Sphinx, docname: str) -> FrontMatter:
    """The post's authors, update date and description, from its checked front matter (the post
    model's); a page that is not a checked post (an ABlog ``post`` directive elsewhere) has none."""
    checked = posts.front_matter(app.env, docname)
    if checked is None:
        return FrontMatter((), None, None)
    return FrontMatter(tuple(checked.author), checked.updated, checked.description)


def _authors(app: Sphinx, keys: tuple[str, ...], grouped: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Every author of a post as (name, link): the front matter's, else those it is grouped under
    (*grouped*: ABlog's default author)."""
    keys = keys or grouped
    known = app.config.blog_authors
    return [(known[key][0], known[key][1]) if key in known else (key, None) for key in keys]


# -- writing ---------------------------------------------------------------------------


@dataclass
class Entry:
    """A post's feed entry: what it is made of, and its ``<entry>`` element once a feed needs it."""

    docname: str
    title: str
    url: str
    published: datetime
    updated: datetime
    authors: list[tuple[str, str | None]]  #: (name, absolute URL or None)
    categories: list[tuple[str, str]]  #: (term, scheme)
    summary: str
    #: The entry's content, with links absolute against :data:`PLACEHOLDER_ORIGIN`, when needed.
    content: Callable[[], str]
    base: str
    #: Hash of everything the entry's bytes depend on.
    fingerprint: str = ""
    _element: etree._Element | None = None
    serialized: bytes | None = None

    def element(self, config: Config) -> etree._Element:
        if self._element is None:
            entry = ATOM.entry(
                ATOM.id(entry_id(config, self.docname)),
                ATOM.title(self.title, type="text"),
                ATOM.link(rel="alternate", type="text/html", href=self.url),
                ATOM.published(rfc3339(self.published)),
                ATOM.updated(rfc3339(self.updated)),
            )
            for name, uri in self.authors:
                author = ATOM.author(ATOM.name(name))
                if uri:
                    author.append(ATOM.uri(uri))
                entry.append(author)
            for term, scheme in self.categories:
                entry.append(ATOM.category(term=term, label=term, scheme=scheme))
            entry.append(ATOM.summary(self.summary, type="text"))
            # Every URL made absolute against the placeholder: an attribute's value, and each candidate
            # of a srcset (which does not follow a quote).
            body = self.content().replace(PLACEHOLDER_ORIGIN, self.base)
            entry.append(ATOM.content(body, type="html"))
            self._element = entry
        return self._element

    def xml(self, config: Config) -> bytes:
        """The entry as a pretty-printed feed holds it (indented one level), made once per build."""
        if self.serialized is None:
            holder = ATOM.feed(self.element(config))
            text = etree.tostring(holder, encoding="utf-8", pretty_print=True)
            self.serialized = text[text.index(b">\n") + 2 : text.rindex(b"</feed>")]
        return self.serialized


def _absolute(base: str, uri: str) -> str:
    """``urljoin(base, uri)``, made quicker for a page URI such as ``posts/2024/x/``."""
    if base.endswith("/") and _PLAIN_PATH.fullmatch(uri):
        return base + uri
    return urljoin(base, uri)


def make_entry(
    app: Sphinx,
    post: Post,
    authors_grouped: tuple[str, ...],
    content: tuple[str, Callable[[], str]],
    base: str,
    tz: ZoneInfo,
    schemes: tuple[str, str],
    author_urls: dict[str, str | None],
) -> Entry:
    """A post's entry, without its element (made only for the feeds that are written);
    *authors_grouped* the keys of the authors it is grouped under; *content* is
    the digest of its content and how to get it, *schemes* the URLs of the tags' and the categories'
    catalogs, *author_urls* the authors' links made so far."""
    config = app.config
    docname = post.docname
    front = read_front_matter(app, docname)
    published = localize(post.date, tz)
    updated = max(
        [published, localize(post.update or post.date, tz)]
        + ([localize(front.updated, tz)] if front.updated else [])
    )
    authors: list[tuple[str, str | None]] = []
    for name, link in _authors(app, front.authors, authors_grouped):
        if link and link not in author_urls:
            href = _absolute(base, app.builder.get_target_uri(link)) if link in app.env.all_docs else link
            author_urls[link] = href if urlsplit(href).scheme in ("http", "https") else None
        authors.append((name, author_urls[link] if link else None))
    categories = [
        (term, scheme)
        for scheme, names in zip(schemes, (post.tags, post.category), strict=True)
        for term in sorted(names)
    ]
    summary = front.description or "\n\n".join(p.astext() for p in post.excerpt or []).strip()
    entry = Entry(
        docname=docname,
        title=post.title,
        url=_absolute(base, app.builder.get_target_uri(docname)),
        published=published,
        updated=updated,
        authors=authors,
        categories=categories,
        summary=summary or post.title,
        content=content[1],
        base=base,
    )
    head = (entry_id(config, docname), entry.title, entry.url, published, updated, authors, categories)
    entry.fingerprint = hashlib.sha256(repr((head, entry.summary, content[0])).encode("utf-8")).hexdigest()
    return entry


@dataclass(frozen=True)
class FeedsSettings:
    """The feeds' settings (``blogext_<field>`` in ``conf.py``), registered by :mod:`blogext.outputs.feeds`;
    declared
    here, where the entries' ids are made from them."""

    feed_tag_authority: str = setting("", "domain (or email) of the feeds' tag: URI ids")
    feed_tag_date: str = setting("", "date (YYYY[-MM[-DD]]) of the feeds' tag: URI ids")
    feed_site_length: int = setting(20, "most entries in the site feed", check=at_least(1))
    feed_archive_length: int | None = setting(
        None, "most entries in a tag, category, author or year feed (None: all)", check=at_least(1)
    )
