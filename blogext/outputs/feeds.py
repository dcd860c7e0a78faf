"""Atom feeds that subscribers can trust: the site feed, one per tag, category,
author and year, and any feed another feature asks for.

This module replaces ABlog's feed writer (it disconnects ABlog's listener, so
ABlog writes no feed, while its ``blog_baseurl`` stays set for everything else).

Other features add feeds through the ``blog-collect-feeds`` event: it is emitted
once per build, when writing starts, and each handler returns a list of
:class:`FeedSpec`. Posts that are not published (ABlog's future-dated posts,
and :func:`blogext.core.posts.unpublished`) are dropped from every feed here, so no
handler can leak one.

How a build makes the feeds:

1. ``write-started``: the feeds are collected (the site's own, then the
   handlers'), so every page written afterwards can link its feed in ``<head>``
   and in the footer's subscribe link.
2. ``html-page-context``: the body of each post's page, as the builder has
   just rendered it, becomes the post's entry content: without its title and
   header, scripts dropped, every link absolute. Posts are not rendered a
   second time. The entries are kept in the doctree folder, because an
   incremental build writes only the changed posts (the environment is saved
   before writing, so it cannot hold this; the feeds keep nothing else, and
   read front matter from the environment, so there is no state to purge or
   merge): each in a file named by its digest, ``blogext-feeds-<builder>/``,
   and which post has which entry (and each feed's fingerprint) in
   ``blogext-feeds-<builder>.json``. So the process writing a page (a worker,
   with ``-j N``) stores its entry itself and hands back only the digest, and a
   build reads an entry only to write a feed that lists it. A post that is in
   a feed but neither written nor cached (the cache was lost) is rendered as
   its page would be.
3. ``html-collect-pages``: each entry is made from the cache, and fingerprinted;
   a feed whose entries and head have the fingerprints of the feed file already
   written is left alone; any other is written, each entry serialized once for
   all the feeds that list it. Feeds the site no longer has are removed.

Templates get ``blog_feed_links``: the feeds of the page (the site feed
first), each a dict with ``title``, ``label``, ``href`` (relative) and ``url``
(absolute); ``_templates/subscribe.html`` shows them in the footer.

Entry ids are tag URIs (RFC 4151): ``tag:<authority>,<date>:<docname>``, from
``blogext_feed_tag_authority`` and ``blogext_feed_tag_date``; they depend on neither
the builder nor the base URL.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.config import Config
from sphinx.errors import ExtensionError

import blogext
from blogext.core import ablogadapter, assets, buildstate, cache, posts, safehtml, settings, sphinxinternals
from blogext.core.ablogadapter import slugify
from blogext.core.errors import SettingError
from blogext.core.postrecord import Post
from blogext.outputs.feeds_atom import (
    ATOM,
    ATOM_TYPE,
    PLACEHOLDER_ORIGIN,
    XML_LANG,
    Entry,
    FeedsSettings,
    feed_id,
    make_entry,
    rfc3339,
)
from blogext.outputs.feeds_content import clean_html

FEED_FILE = "atom.xml"

#: Bump when the cached rendering changes, to drop caches of older versions.
CACHE_VERSION = 6

_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@(?P<domain>[^@\s]+)$")
#: A relative URI of path segments only, none of them "." or "..": joined to a base by concatenation.
_TAG_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class FeedSpec:
    """One Atom feed the site publishes.

    ``key`` is its stable identity ("site", "tag:git", "series:git-guides"),
    part of the feed's ``<id>``; ``path`` its output path, relative to the site
    root ("series/git-guides/atom.xml"); ``docnames`` its posts, in any order;
    ``page`` the docname of the HTML page it belongs to (``None``: the blog's
    post list); ``limit`` the most entries it lists, newest first (``None``: all).
    """

    key: str
    path: str
    title: str
    docnames: tuple[str, ...]
    page: str | None
    limit: int | None = None


@dataclass
class _Build:
    """What this build knows about its feeds (lives on the builder, for one build)."""

    specs: list[FeedSpec] = field(default_factory=list)
    #: Docname of a page -> its own feeds (a tag's, a series'), linked after the site feed.
    page_feeds: dict[str, list[FeedSpec]] = field(default_factory=dict)
    site: FeedSpec | None = None
    #: Feed key -> how the subscribe link names it ("posts tagged Git").
    labels: dict[str, str] = field(default_factory=dict)
    #: Each post's entry digest and each feed's fingerprint, kept between builds (see _load_cache).
    cache: dict[str, Any] = field(default_factory=dict)
    #: Entries made or read in this build, by docname.
    content: dict[str, str] = field(default_factory=dict)
    #: Whether the cache has changed in this build (and must be saved).
    changed: bool = False
    #: The digests of the entries stored when the build started (None: unknown, look at the folder).
    stored_before: set[str] | None = None
    #: The process that writes the feeds; pages written by any other (``-j N``) hand entries back by file.
    pid: int = 0
    #: The pages whose written HTML makes a feed entry: every post's.
    entry_pages: set[str] = field(default_factory=set)


# -- configuration -----------------------------------------------------------------


def _check_config(app: Sphinx, config: Config) -> None:
    """Fail early, naming the setting, on a configuration the feeds cannot use."""
    given = settings.of(config, FeedsSettings)  # their types and ranges are checked by blogext.core.settings
    authority = given.feed_tag_authority
    email = _EMAIL.match(authority or "")
    if not authority or not _DNS_NAME.match(email["domain"] if email else authority):
        raise SettingError(
            f"conf.py: blogext_feed_tag_authority = {authority!r} is not a domain name or email address "
            "(expected the domain the blog is published under, such as 'example.org'; "
            "it is part of every feed entry's id, so it must never change)"
        )
    tag_date = given.feed_tag_date
    if not isinstance(tag_date, str) or not _TAG_DATE.match(tag_date):
        raise SettingError(
            f"conf.py: blogext_feed_tag_date = {tag_date!r} is not a date "
            "(expected YYYY, YYYY-MM or YYYY-MM-DD: a day on which blogext_feed_tag_authority was yours)"
        )


# -- specs ---------------------------------------------------------------------------


def _published_posts(app: Sphinx) -> dict[str, Post]:
    """Docname -> post, for every published post (never a draft or a scheduled one)."""
    return {post.docname: post for post in posts.published_posts(app.env)}


def _site_specs(app: Sphinx, published: dict[str, Post], labels: dict[str, str]) -> list[FeedSpec]:
    grouped = ablogadapter.groups(app)
    config = app.config
    specs = [
        FeedSpec(
            key="site",
            path=posixpath.join(config.blog_path, FEED_FILE),
            title=config.blog_title,
            docnames=tuple(published),
            page=grouped.posts.pagename,
            limit=settings.of(config, FeedsSettings).feed_site_length,
        )
    ]
    labels["site"] = "all posts"
    if not config.blog_feed_archives:
        return specs
    for kind, header, index in (
        ("tag", "Posts tagged", "tags"),
        ("category", "Posts in", "category"),
        ("author", "Posts by", "author"),
        ("year", "Posts from", "archive"),
        ("location", "Posts from", "location"),
        ("language", "Posts in", "language"),
    ):
        for coll in grouped.index(index):
            docnames = tuple(dict.fromkeys(p.docname for p in coll if p.docname in published))
            if not docnames:
                continue
            key = f"{kind}:{posixpath.basename(coll.pagename) or slugify(coll.name)}"
            labels[key] = f"{header.lower()} {coll}"
            specs.append(
                FeedSpec(
                    key=key,
                    path=posixpath.join(coll.pagename, FEED_FILE),
                    title=f"{config.blog_title}: {header} {coll}",
                    docnames=docnames,
                    page=coll.pagename,
                    limit=settings.of(config, FeedsSettings).feed_archive_length,
                )
            )
    return specs


def _check_spec(spec: Any, seen_keys: set[str], seen_paths: set[str]) -> FeedSpec:
    if not isinstance(spec, FeedSpec):
        raise ExtensionError(
            f"a blog-collect-feeds handler returned {spec!r} (expected a blogext.outputs.feeds.FeedSpec)"
        )
    path = spec.path
    if not path.endswith(".xml") or path.startswith("/") or ".." in path.split("/") or "\\" in path:
        raise ExtensionError(
            f"feed {spec.key!r}: path {path!r} is not a site-relative path to an .xml file "
            "(expected something like 'series/git-guides/atom.xml')"
        )
    if spec.key in seen_keys:
        raise ExtensionError(f"feed {spec.key!r} is defined twice (expected one FeedSpec per key)")
    if path in seen_paths:
        raise ExtensionError(f"feed {spec.key!r}: path {path!r} is already another feed's path")
    if spec.limit is not None and (type(spec.limit) is not int or spec.limit < 1):
        raise ExtensionError(
            f"feed {spec.key!r}: limit {spec.limit!r} is not a whole number of at least 1 or None"
        )
    seen_keys.add(spec.key)
    seen_paths.add(path)
    return spec


def _on_write_started(app: Sphinx, builder: Builder) -> None:
    """Collect every feed of this build, before any page that links one is written."""
    if not ablogadapter.builder_support(app):
        return
    stored, changed = _load_cache(app)
    state = _Build(
        cache=stored, changed=changed, pid=os.getpid(), entry_pages=set(posts.post_docnames(app.env))
    )
    # A cache made anew may have stored entries of an older one beside it: look through them all.
    state.stored_before = None if changed else set(stored["digests"].values())
    buildstate.put(app, state)
    for stale in _handed_back_files(app):  # left by a build that failed
        stale.unlink(missing_ok=True)
    published = _published_posts(app)
    specs = _site_specs(app, published, state.labels)
    for result in app.events.emit("blog-collect-feeds"):
        specs.extend(result or [])
    keys: set[str] = set()
    paths: set[str] = set()
    for spec in specs:
        spec = _check_spec(spec, keys, paths)
        kept = tuple(dict.fromkeys(d for d in spec.docnames if d in published))
        if not kept:
            continue  # a feed of drafts only is not published
        spec = FeedSpec(spec.key, spec.path, spec.title, kept, spec.page, spec.limit)
        state.specs.append(spec)
        if spec.key == "site":
            state.site = spec
        elif spec.page is not None:
            state.page_feeds.setdefault(spec.page, []).append(spec)


def _state(app: Sphinx) -> _Build | None:
    return buildstate.peek(app, _Build)


# -- discovery -------------------------------------------------------------------------


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Link the site feed, and the page's own feed, in ``<head>`` and for the footer."""
    state = _state(app)
    if state is None:
        return
    feeds = ([state.site] if state.site else []) + state.page_feeds.get(pagename, [])
    base = app.config.html_baseurl
    pathto = context["pathto"]
    links = [
        {
            "title": spec.title,
            "label": state.labels.get(spec.key, spec.title),
            "href": pathto(spec.path, 1),
            "url": urljoin(base, spec.path),
        }
        for spec in feeds
    ]
    # ABlog's own autodiscovery link names a single feed; these replace it.
    context["feed_path"] = None
    context["archive_feed"] = bool(state.page_feeds.get(pagename))
    context["blog_feed_links"] = links
    tags = str(safehtml.render(app, "blog/feed-links.html", type=ATOM_TYPE, links=links))
    context["metatags"] = context.get("metatags", "") + tags + "\n"
    if doctree is not None and pagename in state.entry_pages and "body" in context:
        _keep_content(app, state, pagename, entry_content(app, pagename, context["body"]))


# -- entry content ---------------------------------------------------------------------


def _cache_name(app: Sphinx) -> str:
    return f"feeds-{app.builder.name}"


def _content_dir(app: Sphinx) -> Path:
    return Path(app.doctreedir) / f"blogext-feeds-{app.builder.name}"


#: What the feeds' cache holds: each post's entry digest, each feed's fingerprint, the entries serialized.
_CACHE_FIELDS = {"digests": dict, "fingerprints": dict, "entries": list}


def _load_cache(app: Sphinx) -> tuple[dict[str, Any], bool]:
    """The cache of the last build with this builder into this folder (and False), or an empty one (and
    True: it is to be saved)."""
    stored = cache.load(app, _cache_name(app), CACHE_VERSION, str(app.outdir))
    if not all(isinstance(stored.get(key), kind) for key, kind in _CACHE_FIELDS.items()):
        return {key: kind() for key, kind in _CACHE_FIELDS.items()}, True
    return stored, False


def _save_cache(app: Sphinx, state: _Build) -> None:
    if not state.changed:
        return
    cache.save(app, _cache_name(app), CACHE_VERSION, state.cache, str(app.outdir))
    used = set(state.cache["digests"].values())
    folder = _content_dir(app)
    if state.stored_before is not None:  # only entries that were in use can have gone out of use
        stale = [folder / f"{digest}.html" for digest in sorted(state.stored_before - used)]
    else:
        stored = sorted(folder.glob("*.html")) if folder.is_dir() else []
        stale = [path for path in stored if path.stem not in used]
    for path in stale:
        path.unlink(missing_ok=True)


def _handed_back_files(app: Sphinx) -> list[Path]:
    return sorted(Path(app.doctreedir).glob(f"blogext-feeds-{app.builder.name}.*.part"))


def _store_content(app: Sphinx, content: str) -> str:
    """Store an entry's content in the doctree folder, under its digest; return the digest."""
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]
    target = _content_dir(app) / f"{digest}.html"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{digest}.{os.getpid()}.tmp")
        partial.write_text(content, "utf-8")
        os.replace(partial, target)
    return digest


def _keep_content(app: Sphinx, state: _Build, docname: str, content: str) -> None:
    """Keep a post's entry content; a ``-j N`` worker hands its digest back to the main process by file."""
    digest = _store_content(app, content)
    if os.getpid() == state.pid:
        state.content[docname] = content
        _set_digest(state, docname, digest)
        return
    part = Path(app.doctreedir) / f"blogext-feeds-{app.builder.name}.{os.getpid()}.part"
    with part.open("a", encoding="utf-8") as out:
        out.write(json.dumps([docname, digest]) + "\n")


def _take_handed_back(app: Sphinx, state: _Build) -> None:
    """The entries that ``-j N`` workers stored, into the cache."""
    for part in _handed_back_files(app):
        for line in part.read_text("utf-8").splitlines():
            docname, digest = json.loads(line)
            state.content.pop(docname, None)
            _set_digest(state, docname, digest)
        part.unlink()


def _set_digest(state: _Build, docname: str, digest: str) -> None:
    if state.cache["digests"].get(docname) != digest:
        state.cache["digests"][docname] = digest
        state.changed = True


def _content(app: Sphinx, state: _Build, docname: str) -> str:
    """A post's entry content: made in this build, or stored by an earlier one, or else made now."""
    if docname not in state.content:
        try:
            path = _content_dir(app) / f"{state.cache['digests'][docname]}.html"
            state.content[docname] = path.read_text("utf-8")
        except (KeyError, OSError):
            body = sphinxinternals.render_body(app, docname)
            _keep_content(app, state, docname, entry_content(app, docname, body))
    return state.content[docname]


def entry_content(app: Sphinx, docname: str, body: str) -> str:
    """A post's entry content from its page's *body* HTML: reader-safe, with absolute links (against
    the placeholder origin), without the post's title and header."""
    return clean_html(body, urljoin(PLACEHOLDER_ORIGIN, app.builder.get_target_uri(docname)), whole_post=True)


def _feed_head(
    app: Sphinx, spec: FeedSpec, entries: dict[str, Entry], base: str
) -> tuple[etree._Element, list[str]]:
    """The feed without its entries, and the docnames of its entries, newest first."""
    config = app.config
    chosen = sorted(spec.docnames, key=lambda d: (entries[d].published, d), reverse=True)[: spec.limit]
    page_url = urljoin(base, app.builder.get_target_uri(spec.page or ablogadapter.groups(app).posts.pagename))
    feed = ATOM.feed(
        ATOM.id(feed_id(config, spec.key)),
        ATOM.title(spec.title, type="text"),
    )
    if config.blog_feed_subtitle:
        feed.append(ATOM.subtitle(config.blog_feed_subtitle, type="text"))
    feed.append(ATOM.link(rel="self", type=ATOM_TYPE, href=urljoin(base, spec.path)))
    feed.append(ATOM.link(rel="alternate", type="text/html", href=page_url))
    feed.append(ATOM.updated(rfc3339(max(entries[d].updated for d in chosen))))
    feed.append(ATOM.author(ATOM.name(config.author or config.blog_title)))
    if config.copyright:
        feed.append(ATOM.rights(f"© {config.copyright}", type="text"))
    if config.language:
        feed.set(XML_LANG, config.language)
    return feed, chosen


def _entry_name(entry: Entry) -> str:
    return f"{entry.fingerprint[:32]}.entry"


def _entry_xml(app: Sphinx, entry: Entry) -> bytes:
    """*entry* serialized: made once, and kept in the doctree folder under its fingerprint (which
    covers all its bytes depend on), so a feed written again reads the entries it did not change."""
    if entry.serialized is None:
        stored = _content_dir(app) / _entry_name(entry)
        try:
            entry.serialized = stored.read_bytes()
        except OSError:
            data = entry.xml(app.config)
            stored.parent.mkdir(parents=True, exist_ok=True)
            partial = stored.with_name(f"{stored.stem}.{os.getpid()}.tmp")
            partial.write_bytes(data)
            os.replace(partial, stored)
    return entry.serialized


def _write_feeds(app: Sphinx):
    """Write every collected feed (html-collect-pages: after all pages are written)."""
    state = _state(app)
    if state is None:
        return []
    published = _published_posts(app)
    needed = sorted({d for spec in state.specs for d in spec.docnames})
    _take_handed_back(app, state)
    digests = state.cache["digests"]
    for docname in needed:
        if docname not in digests:  # not written in this build, and not cached: render it now
            _content(app, state, docname)
    grouped = ablogadapter.groups(app)
    base = app.config.html_baseurl or app.config.blog_baseurl
    tz = ZoneInfo(settings.of(app.config, posts.PostSettings).timezone)
    schemes = (
        urljoin(base, grouped.index("tags").pagename + "/"),
        urljoin(base, grouped.index("category").pagename + "/"),
    )
    author_urls: dict[str, str | None] = {}
    entries = {
        d: make_entry(
            app,
            published[d],
            tuple(author.label for author in grouped.of(d, "author")),
            (digests[d], functools.partial(_content, app, state, d)),
            base,
            tz,
            schemes,
            author_urls,
        )
        for d in needed
    }
    outdir = Path(app.outdir)
    old_prints = state.cache.get("fingerprints", {})
    prints: dict[str, str] = {}
    for spec in state.specs:
        feed, chosen = _feed_head(app, spec, entries, base)
        digest = hashlib.sha256(etree.tostring(feed))
        for docname in chosen:
            digest.update(entries[docname].fingerprint.encode())
        prints[spec.path] = digest.hexdigest()
        target = outdir / spec.path
        if old_prints.get(spec.path) == prints[spec.path] and target.is_file():
            continue  # the same feed as last time: not even serialized
        # The feed's own elements, then its entries, each serialized once for every feed listing it.
        head = etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
        end = head.rindex(b"</feed>")
        data = b"".join([head[:end], *(_entry_xml(app, entries[d]) for d in chosen), head[end:]])
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    for stale in set(old_prints) - set(prints):
        (outdir / stale).unlink(missing_ok=True)
    kept = {d: digests[d] for d in sorted(digests) if d in app.env.all_docs}
    if kept.keys() != digests.keys() or prints != old_prints:
        state.changed = True
    serialized = sorted({_entry_name(entry) for entry in entries.values()})
    if serialized != state.cache["entries"]:
        for stale_entry in set(state.cache["entries"]) - set(serialized):
            (_content_dir(app) / stale_entry).unlink(missing_ok=True)
        state.cache["entries"] = serialized
        state.changed = True
    state.cache["digests"] = kept
    state.cache["fingerprints"] = prints
    _save_cache(app, state)
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("blogext.core.posts")
    ablogadapter.take_over_feeds(app)
    app.add_event("blog-collect-feeds")
    settings.add(app, FeedsSettings)
    app.connect("config-inited", _check_config, priority=blogext.FEED_SETTINGS)
    app.connect("write-started", _on_write_started)
    app.connect("html-page-context", _on_page_context, priority=blogext.FEED_LINKS)
    app.connect("html-collect-pages", _write_feeds)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
