"""Post cards: the readable summaries of posts on the home page and in the archives.

A card shows a post's title (linked), date, reading time, category, excerpt and
tags. The same card is used everywhere:

- in a page, with the ``postcards`` directive, which takes the arguments and
  options of ABlog's ``postlist`` (number of posts, ``:tags:``, ``:category:``,
  ...) and is a ``postlist`` to everything that looks for one::

      ```{postcards} 10
      ```

- ``seriescards`` (no arguments): a card per tutorial series with published
  parts (from :mod:`blogext.pages.series`), then a link to the list of series;

- in templates, with ``post_cards(posts, level)`` (the archive pages use it),
  and ``post_authors(post)`` (a record or a docname) for the author card at the
  end of a post; with ``post_title(post)``, a post's title as safe HTML, and
  ``blog_component(name, ...)``, a template of ``templates/blog/`` rendered
  with autoescape (:mod:`blogext.core.safehtml`); ``blog_groupings`` (the posts'
  groupings, :class:`blogext.core.postrecord.Groupings`) and ``post_date_format_short``.

Every heading and date a card draws is a template rendered with autoescape; the
title comes as safe HTML (:func:`blogext.core.posts.title_html`: inline code as code).

The card markup keeps ABlog's class names (``postlist``, ``ablog-post``,
``ablog-post-title``, ``ablog-post-excerpt``) next to its own ``post-card*``
ones, so styles and tests written for ABlog's lists keep working.

In the archive pages, each post's card is rendered once per build (per heading
level), as seen from a made-up page, and every page gets it with its links made
relative to that page, as the builder makes them. A clean build draws each
post's card on about seven archive pages, and an edit rewrites every archive
that lists the post: rendering each card (and resolving its excerpt's
references) once keeps them cheap. The home page's cards are nodes in its
doctree, rendered with the page, so that their words are in the search index.

A page with cards shows other documents: the record of what pages show
(:mod:`blogext.core.shown`) writes it again when anything its cards show has changed
(a post's title, date, tags, excerpt..., a series' parts), and only then.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import docutils
from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

import blogext
from blogext.core import (
    ablogadapter,
    assets,
    buildstate,
    cache,
    posts,
    safehtml,
    series_model,
    settings,
    shown,
    sphinxinternals,
)
from blogext.core.ablogadapter import excerpt_seen_from
from blogext.core.postrecord import LABEL_KINDS, Post
from blogext.core.series_model import SeriesSettings
from blogext.core.settings import setting
from blogext.pages import listing, postmeta

#: ``postcards``: ABlog's ``postlist``, shown as cards (the class is made by the adapter, the one
#: module that names ABlog's directive).
PostCardsDirective = ablogadapter.cards_directive("posts")
#: ``seriescards``: one card per series with published parts, and a link to the list of series.
SeriesCardsDirective = ablogadapter.cards_directive("series", takes_arguments=False)


#: Nodes that Sphinx's post-transforms (references, ``only``, images...) leave as they are: an
#: excerpt of nothing else is not resolved, which is most of the time a card takes otherwise.
_NEEDS_NO_RESOLVING = (
    nodes.Text,
    nodes.paragraph,
    nodes.emphasis,
    nodes.strong,
    nodes.literal,
    nodes.inline,
    nodes.reference,
)


def _is_plain(excerpt) -> bool:
    """Whether the nodes of *excerpt* need no resolving (see :data:`_NEEDS_NO_RESOLVING`)."""
    return all(isinstance(node, _NEEDS_NO_RESOLVING) for top in excerpt or [] for node in top.findall())


def _heading(app: Sphinx, level: int, classes: str, href: str, title: Markup) -> nodes.raw:
    """A card's heading, ``<h{level}>``, its title linked (``templates/blog/card-heading.html``)."""
    level = min(max(level, 2), 6)
    html = safehtml.render(
        app, "blog/card-heading.html", level=level, classes=classes, href=href, title=title
    )
    return nodes.raw("", html, format="html")


def card(app: Sphinx, post: Post, fromdoc: str, level: int = 2) -> nodes.list_item:
    """One card for *post*, with links relative to *fromdoc* and its title as an ``<h{level}>``."""
    item = nodes.list_item(classes=["ablog-post", "post-card"])
    heading = app.env.titles.get(post.docname)
    # A title with math is drawn from the heading (MathML); ABlog knows it as its symbols.
    drawn = heading is not None and heading.next_node(nodes.math) is not None
    item += _heading(
        app,
        level,
        "ablog-post-title post-card-title",
        app.builder.get_relative_uri(fromdoc, post.docname),
        posts.title_html(app, post.docname, None if drawn else post.title),
    )
    item += postmeta.meta_line(app, fromdoc, post, ["post-card-meta"])
    if post.excerpt:
        excerpt = nodes.container(classes=["ablog-post-excerpt", "post-card-excerpt"])
        for node in post.excerpt:
            excerpt += node.deepcopy()
        if not _is_plain(post.excerpt):
            # MyST makes its links' URLs relative to their ``refdoc``: the page they are shown on.
            excerpt_seen_from(excerpt, fromdoc)
            app.env.resolve_references(excerpt, fromdoc, app.builder)
        item += excerpt
    tags = postmeta.tag_list(app, fromdoc, post)
    if tags is not None:
        item += tags
    return item


#: The page cards are rendered from: a made-up one, in a folder of its own, so that no card
#: links to it, and every relative URL on it starts with the ``../`` that leads to the site's root.
_ORIGIN = "_blogext-cards/origin"
#: A relative URL in an ``href`` or ``src`` attribute: no scheme, not from the host's root, not a fragment.
_RELATIVE_URL = re.compile(r'(?P<attr>\b(?:href|src))="(?!#|/|[A-Za-z][A-Za-z0-9+.-]*:)(?P<url>[^"]*)"')
#: Builders whose relative URLs are paths between pages' files, so cards can be rebased.
_REBASABLE = {"html", "dirhtml"}


@dataclass
class _Cards:
    """The cards rendered from :data:`_ORIGIN`: in this build, and kept between builds."""

    #: (docname, order, level) -> HTML, for this build (emptied after every read phase).
    rendered: dict[tuple[str, int, int], str] = field(default_factory=dict)
    #: :func:`_stored_key` -> [digest, HTML], as loaded from (and saved to) the doctree folder.
    stored: dict[str, list[str]] = field(default_factory=dict)
    #: Whether :attr:`stored` has changed since it was loaded or saved.
    stored_changed: bool = False
    #: What every kept card of this build depends on besides its post (see :func:`_card_digest`).
    site: str | None = None


def _cards(app: Sphinx) -> _Cards:
    """The application's card state; what earlier builds kept is loaded on first use."""
    return buildstate.of(
        app,
        _Cards,
        lambda: _Cards(stored=cache.load(app, _stored_cards_name(app), CARDS_VERSION).get("cards", {})),
    )


def _forget_cards(app: Sphinx, env) -> None:
    state = _cards(app)
    state.rendered.clear()
    state.site = None


#: How every card's HTML starts (the class names are the card's, see :func:`card`).
_CARD_START = '<li class="ablog-post post-card">'


def _render_from_origin(app: Sphinx, posts: list[Post], level: int) -> list[str]:
    """The cards of *posts* as HTML, their links relative to :data:`_ORIGIN`: rendered as one list,
    so with one translator, and cut into one card each."""
    builder = app.builder
    listing = nodes.bullet_list()
    for post in posts:
        listing += card(app, post, _ORIGIN, level)
    with sphinxinternals.rendering_as(builder, _ORIGIN):
        sphinxinternals.copy_images(builder, listing)
        rendered = builder.render_partial(listing)["fragment"]
    cards = rendered[rendered.find(_CARD_START) : rendered.rfind("</ul>")]
    if len(posts) == 1:
        return [cards]
    pieces = [_CARD_START + piece for piece in cards.split(_CARD_START)[1:]]
    if len(pieces) != len(posts):  # an excerpt holds the marker: render the cards one by one
        return [_render_from_origin(app, [post], level)[0] for post in posts]
    return pieces


def _rebaser(app: Sphinx, fromdoc: str) -> Callable[[str], str]:
    """A function that takes a card's markup, rendered from :data:`_ORIGIN`, to the same markup with
    its links made relative to *fromdoc*."""
    builder = app.builder
    page = builder.get_target_uri(fromdoc)
    to_root = "../" * builder.get_target_uri(_ORIGIN).count("/")

    def rebase(match: re.Match) -> str:
        # From the origin, a relative URL is the way up to the site's root and then the target's
        # path: made relative to the page as the builder would make it (a link to itself is "#").
        url = match["url"]
        if not url.startswith(to_root):
            return match[0]
        path, hash_, fragment = url[len(to_root) :].partition("#")
        return f'{match["attr"]}="{relative_uri(page, path) + hash_ + fragment or "#"}"'

    return functools.partial(_RELATIVE_URL.sub, rebase)


def card_list(app: Sphinx, posts: Iterable[Post], fromdoc: str, level: int = 2) -> nodes.bullet_list:
    """A list of cards for *posts*, as nodes."""
    cards = nodes.bullet_list(classes=["postlist", "post-cards"])
    for post in posts:
        cards += card(app, post, fromdoc, level)
    return cards


def card_list_html(app: Sphinx, posts: Iterable[Post], fromdoc: str, level: int = 2) -> str:
    """A list of cards for *posts*, as HTML for the page *fromdoc* (the cards are those of
    :func:`card`)."""
    posts = list(posts)
    builder = app.builder
    if builder.name not in _REBASABLE:
        return builder.render_partial(card_list(app, posts, fromdoc, level))["fragment"]
    level = min(max(level, 2), 6)
    state = _cards(app)
    missing: list[tuple[Post, str | None]] = []
    for post in posts:
        key = (post.docname, post.order, level)
        if key in state.rendered:
            continue
        digest = _card_digest(app, post, level)
        kept = state.stored.get(_stored_key(key))
        if digest is not None and kept is not None and kept[0] == digest:
            state.rendered[key] = kept[1]
        else:
            missing.append((post, digest))
    rendered = _render_from_origin(app, [post for post, _ in missing], level) if missing else []
    for (post, digest), card_markup in zip(missing, rendered, strict=True):
        key = (post.docname, post.order, level)
        state.rendered[key] = card_markup
        if digest is not None:
            state.stored[_stored_key(key)] = [digest, card_markup]
            state.stored_changed = True
    rebase = _rebaser(app, fromdoc)
    cards = "".join(rebase(state.rendered[post.docname, post.order, level]) for post in posts)
    # The cards are the builder's HTML, from the cards' nodes.
    return str(safehtml.render(app, "blog/card-list.html", cards=Markup(cards))) + "\n"


# -- Cards kept between builds ------------------------------------------------------------
#
# Rendered cards are also kept in the doctree folder (``blogext-cards-<builder>.json``), each
# with a digest of what it is made of: what blogext.core.freshness knows the post shows in lists
# (title, date, labels, excerpt, reading time), its place, the settings and the versions of
# what renders it. A rebuild that rewrites the list of all posts then renders only the cards of
# the posts that changed. A card whose excerpt has references to resolve (they point at other
# documents, which may change on their own) is only kept for the build that made it.

#: Bump when the card markup changes, to drop cards kept by older versions.
CARDS_VERSION = 2


def _stored_cards_name(app: Sphinx) -> str:
    return f"cards-{app.builder.name}"


def _stored_key(key: tuple[str, int, int]) -> str:
    return json.dumps(list(key))


def _card_digest(app: Sphinx, post: Post, level: int) -> str | None:
    """A digest of everything *post*'s card is made of, or None when the card is not to be kept."""
    if not _is_plain(post.excerpt):
        return None
    shown = post.digest
    state = _cards(app)
    if state.site is None:
        versions = sorted((name, str(ext.version)) for name, ext in app.extensions.items())
        state.site = repr(
            (
                CARDS_VERSION,
                app.builder.name,
                sphinxinternals.build_settings(app.builder)[0],
                versions,
                docutils.__version__,
            )
        )
    return hashlib.blake2b(
        repr((state.site, shown, post.order, level)).encode("utf-8"), digest_size=16
    ).hexdigest()


def _save_stored_cards(app: Sphinx, exception: Exception | None) -> None:
    state = buildstate.peek(app, _Cards)
    if exception is not None or state is None:
        return
    docs = app.env.all_docs
    # Only the cards of documents this build has: a post that became a draft leaves no card behind.
    cards = {key: value for key, value in sorted(state.stored.items()) if json.loads(key)[0] in docs}
    if not state.stored_changed and len(cards) == len(state.stored):
        return
    cache.save(app, _stored_cards_name(app), CARDS_VERSION, {"cards": cards})
    state.stored = cards
    state.stored_changed = False


def series_card_list(app: Sphinx, fromdoc: str, level: int = 3) -> list[nodes.Node]:
    """A card for every series that has published parts, then a link to the list of series."""
    cards = nodes.bullet_list(classes=["post-cards", "series-cards"])
    level = min(max(level, 2), 6)
    for series in sorted(series_model.series_by_slug(app.env).values(), key=lambda s: s.title.casefold()):
        parts = series_model.visible_parts(app.env, series.slug)
        if not parts:
            continue
        item = nodes.list_item(classes=["post-card", "series-card"])
        item += _heading(
            app,
            level,
            "post-card-title",
            app.builder.get_relative_uri(fromdoc, series.docname),
            posts.title_html(app, series.docname, series.title),
        )
        meta = nodes.paragraph(classes=["post-card-meta"])
        meta += nodes.inline(
            "", f"{len(parts)} part{'s' if len(parts) != 1 else ''}", classes=["series-card-parts"]
        )
        dates = [p.date for p in parts if p.date]
        if dates:
            latest = max(dates)
            meta += nodes.inline("", "latest ", classes=["series-card-latest"])
            html = safehtml.render(
                app,
                "blog/series-card-latest.html",
                iso=latest.strftime("%Y-%m-%d"),
                shown=latest.strftime(app.config.post_date_format),
            )
            meta[-1] += nodes.raw("", html, format="html")
        item += meta
        if series.summary:
            item += nodes.paragraph("", series.summary, classes=["post-card-excerpt"])
        start = nodes.paragraph(classes=["series-card-start"])
        start += nodes.Text("Start with part 1: ")
        start += postmeta.link_to(
            app, fromdoc, parts[0].docname, posts.title_html(app, parts[0].docname, parts[0].title), []
        )
        item += start
        cards += item
    every = nodes.paragraph(classes=["series-cards-all"])
    every += postmeta.link_to(
        app, fromdoc, settings.of(app.config, SeriesSettings).series_path.strip("/"), "All series", []
    )
    return [cards, every] if len(cards) else [every]


def _heading_level(node: nodes.Node) -> int:
    depth, parent = 0, node.parent
    while parent is not None:
        depth += isinstance(parent, nodes.section)
        parent = parent.parent
    return depth + 1


def _selected(app: Sphinx, node: nodes.Element, docname: str) -> list[Post]:
    """The posts a ``postcards`` node asks for (:func:`blogext.core.posts.selected_posts`)."""
    filters = {kind: list(node.get(kind) or []) for kind in LABEL_KINDS}
    return posts.selected_posts(app, docname, node["length"], bool(node["sort"]), filters)


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    cards = [node for node in ablogadapter.postlists(doctree) if node.get("cards")]
    for node in cards:
        if node["cards"] == "series":
            node.replace_self(series_card_list(app, docname, _heading_level(node)))
        else:
            # Nodes, not HTML: the search index reads the page's words from its doctree.
            node.replace_self(card_list(app, _selected(app, node, docname), docname, _heading_level(node)))


# -- What cards show, for the record of what pages show -------------------------------------
#
# A page's post cards are a post list: blogext.core.freshness records it as showing the posts. Its
# series cards show the series: recorded here, so that the page is written again when a series
# changes what its card shows.


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if any(node.get("cards") == "series" for node in ablogadapter.postlists(doctree)):
        shown.record(app.env, "series-cards")


def _shows_series_cards(snapshot: shown.Snapshot, arg: None) -> tuple:
    """Every series' card fields."""
    if "blogext.pages.series" not in snapshot.app.extensions:
        return ()
    env = snapshot.env
    return tuple(
        (
            d.slug,
            d.title,
            d.summary,
            tuple((p.docname, p.title, str(p.date)) for p in series_model.visible_parts(env, d.slug)),
        )
        for d in series_model.series_by_slug(env).values()
    )


def authors_of(app: Sphinx, post: Post | str) -> list[dict[str, str | None]]:
    """Each author of *post* (a record or a docname): name, key, bio (``blogext_author_bios``), and the
    docname or URL of their page."""
    by_name = {name: (key, link) for key, (name, link) in app.config.blog_authors.items()}
    found = []
    for group in ablogadapter.groups(app).of(post, "author"):
        key, link = by_name.get(group.name, (None, None))
        found.append(
            {
                "name": group.name,
                "key": key,
                "bio": settings.of(app.config, CardsSettings).author_bios.get(key) if key else None,
                "link": link,
                "archive": group.pagename,
            }
        )
    return found


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if app.builder.format != "html":
        return

    def post_cards(posts: Iterable[Post], level: int = 2) -> Markup:
        return Markup(card_list_html(app, posts, pagename, level))

    def post_authors(post: Post | str) -> list[dict[str, str | None]]:
        return authors_of(app, post)

    def post_title(post: Post) -> Markup:
        return posts.title_html(app, post.docname, post.title)

    def blog_component(name: str, **values: Any) -> Markup:
        return safehtml.render(app, name, **values)

    context["post_cards"] = post_cards
    if templatename == "ablog/collection.html":
        _add_listing(app, pagename, context)
    context["post_authors"] = post_authors
    context["post_title"] = post_title
    context["blog_component"] = blog_component
    context["post_date_format_short"] = app.config.post_date_format_short
    if ablogadapter.builder_support(app):
        # The groupings' pages (all posts, every tag, the years...) for templates to link to.
        context["blog_groupings"] = ablogadapter.groups(app)


def _add_listing(app: Sphinx, pagename: str, context: dict[str, Any]) -> None:
    """An archive page's filters and cards with their data (:mod:`blogext.pages.listing`), and its script."""

    def listing_cards(posts: Iterable[Post]) -> Markup:
        posts = list(posts)
        return Markup(listing.cards_html(card_list_html(app, posts, pagename, 2), posts))

    context["listing_cards"] = listing_cards
    context["listing_facets"] = lambda posts: listing.facets(app, ablogadapter.groups(app), posts, pagename)
    app.add_js_file("listing.js", loading_method="defer")
    app.add_css_file("listing.css")


@dataclass(frozen=True)
class CardsSettings:
    """The cards' settings (``blogext_<field>`` in ``conf.py``)."""

    author_bios: dict[str, str] = setting(
        {}, "a line about each author (key of blog_authors -> text)", "html"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "listing")
    app.setup_extension("blogext.core.posts")
    settings.add(app, CardsSettings)
    app.add_directive("postcards", PostCardsDirective)
    app.add_directive("seriescards", SeriesCardsDirective)
    app.setup_extension("blogext.core.freshness")  # post lists, cards among them, are recorded there
    shown.add_kind(app, "series-cards", _shows_series_cards)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-updated", _forget_cards)
    app.connect("build-finished", _save_stored_cards)
    app.connect("doctree-resolved", _on_doctree_resolved, priority=blogext.CARDS)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
