"""Archive pages written only when what they show has changed.

ABlog generates its archive pages (all posts, each tag, category, author and
year, and the catalog pages listing those) on every build, incremental or not,
and each one renders every post it lists: with a few hundred posts, a build
with nothing changed spends most of its time rewriting identical archives.

ABlog still decides which pages exist and with what context (through
:mod:`blogext.core.ablogadapter`, which gives its groupings as the project's own
:class:`~blogext.core.postrecord.Group` and :class:`~blogext.core.postrecord.GroupIndex`),
but before a page is handed to Sphinx this module computes a *fingerprint* of
everything the page is made from, and skips the page when its output file is the
one written with that fingerprint. The fingerprint covers:

- the build: Sphinx's hash of the HTML settings, the newest template, the
  extensions' environment versions, and the static files;
- the site's navigation: the toctrees and the titles of the documents in them
  (posts are in none);
- the page: its template and context (the group or the index of groups, with
  the posts it lists), each post it lists as lists show it (title, date, tags,
  category, author, ...) and its front matter (not myst-parser's word counts and
  heading positions, which any edit changes), and what it can show of each beyond
  that, for the pages that show posts as cards (groups, not the index pages,
  which list titles and dates): its record's digest (its excerpt, image,
  reading time...). So an edit to a post's excerpt rewrites every archive that
  shows its card, and an edit further down its body (the usual edit) rewrites
  none, unless it changes the reading time. A template that shows more of a
  post than its record holds must add it here.

Fingerprints are kept in the doctree folder, one file per builder, with the
size and modification time of each page written. A page that ABlog no longer
generates (the last post with a tag lost it, or the drafts list outside a
preview with drafts) is deleted from the
output, as a clean build would not have it.

An archive page's title names a tag, category or author as the posts wrote it:
ABlog gives it as text, where Sphinx gives a document's title as HTML. It is
escaped into HTML when the page is written (so ``<b>`` in a tag's name is shown,
not obeyed), before any feature or template reads it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from sphinx.application import Sphinx

import blogext
from blogext.core import ablogadapter, buildstate, cache, hosting, sphinxinternals
from blogext.core.freshness import remove_page
from blogext.core.postrecord import Group, GroupIndex, Post
from blogext.core.posts import every_post

#: Bump when the fingerprint changes meaning, so old records are ignored.
RECORD_VERSION = 5


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


def _plain(value: Any, depth: int = 0) -> Any:
    """*value* as plain, comparable data: the groupings (:mod:`blogext.core.postrecord`) by what a template
    can show of them, a post by its place (the site's fingerprint covers what lists show of it)."""
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, Post):
        return ("post", value.docname, value.section)
    if isinstance(value, Group):
        return ("group", value.kind, value.pagename, value.name, value.link, [_plain(p) for p in value])
    if isinstance(value, GroupIndex):
        return ("index", value.kind, value.pagename, value.name, [_plain(g) for g in value])
    if depth < 4 and isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    if depth < 4 and isinstance(value, dict):
        return sorted((str(k), _plain(v, depth + 1)) for k, v in value.items())
    return type(value).__name__


def _posts_shown(context: dict[str, Any]) -> set[str]:
    """The posts whose excerpt and reading time the page shows: those of a group (as cards). An
    index of groups lists its posts by title and date only, which the site's fingerprint covers."""
    shown: set[str] = set()
    for value in context.values():
        if isinstance(value, Group):
            shown.update(p.docname for p in value)
    return shown


def _static_files(app: Sphinx) -> list[tuple[str, int, int]]:
    found = []
    for entry in app.config.html_static_path:
        root = Path(app.confdir, entry)
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns))
    return found


#: Metadata that is not front matter but counts of the text (myst-parser's), which any edit changes.
_COUNTED = ("wordcount", "myst_slugs")


def _front_matter(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((str(k), str(v)) for k, v in metadata.items() if k not in _COUNTED)


def _as_listed(post: Post) -> tuple:
    """What every archive page can show of *post*: where and whether it is listed, its title, dates
    and labels (not its excerpt or reading time, which only its cards show: :func:`post_digests`)."""
    return (
        post.key,
        post.published,
        post.title,
        post.date,
        post.update,
        post.section,
        post.external_link,
        post.tags,
        post.category,
        post.authors,
        post.location,
        post.language,
    )


def site_fingerprint(app: Sphinx) -> str:
    """What every archive page depends on: the build's settings and templates, and what the site's
    navigation shows (the toctrees and the titles of the documents in them). Posts are in no toctree:
    what a page shows of a post is its page's own (:func:`page_fingerprint`), so a post added or
    edited rewrites only the pages that list it."""
    builder, env = app.builder, app.env
    config_hash, tags_hash = sphinxinternals.build_settings(builder)
    in_trees = set(env.toctree_includes) | {d for included in env.toctree_includes.values() for d in included}
    return _digest(
        (
            builder.name,
            config_hash,
            tags_hash,
            sphinxinternals.newest_template_time(builder),
            sorted((str(k), str(v)) for k, v in (env.version or {}).items()),
            _static_files(app),
            sorted((d, t.astext()) for d, t in env.titles.items() if d in in_trees),
            sorted((d, tuple(i)) for d, i in env.toctree_includes.items()),
        )
    )


def _listed(context: dict[str, Any]) -> dict[str, Post]:
    """Every post the page lists, in a group or an index of groups, by docname."""
    found: dict[str, Post] = {}
    for value in context.values():
        groups = list(value) if isinstance(value, GroupIndex) else [value] if isinstance(value, Group) else []
        for group in groups:
            found.update((p.docname, p) for p in group)
    return found


def post_digests(app: Sphinx) -> dict[str, str]:
    """Docname -> what an archive page can show of the post besides its title, date and labels: the
    digest of its record (:class:`blogext.core.postrecord.Post`), its excerpt and reading time among it."""
    return {p.docname: p.digest for p in every_post(app.env)}


def page_fingerprint(
    app: Sphinx,
    site: str,
    pagename: str,
    context: dict[str, Any],
    template: str,
    posts: dict[str, str] | None = None,
) -> str:
    """What the archive page *pagename* is made from (see the module's docstring); *posts* are the
    :func:`post_digests` (found when not given)."""
    posts = post_digests(app) if posts is None else posts
    shown = sorted((d, posts.get(d)) for d in _posts_shown(context))
    listed = sorted(
        (d, _as_listed(post), _front_matter(app.env.metadata.get(d, {})))
        for d, post in _listed(context).items()
    )
    return _digest((site, pagename, template, _plain(context), shown, listed))


# -- The record of pages written ----------------------------------------------------------


def _record_name(app: Sphinx) -> str:
    return f"archives-{app.builder.name}"


def _load_record(app: Sphinx) -> dict[str, dict[str, Any]]:
    """The pages the last build with this builder into this folder recorded."""
    return cache.load(app, _record_name(app), RECORD_VERSION, str(app.outdir)).get("pages", {})


def _stat(path: str) -> list[int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


class _Build:
    """This build's view of the record: pages kept as they are, and pages handed to Sphinx."""

    def __init__(self, app: Sphinx) -> None:
        self.old = _load_record(app)
        self.posts = post_digests(app)
        self.kept: dict[str, dict[str, Any]] = {}
        self.written: dict[str, tuple[str, list[int] | None]] = {}
        self.site = site_fingerprint(app)


def _up_to_date(app: Sphinx, pagename: str, context: dict[str, Any], template: str) -> bool:
    """Whether the archive page's output is already what it would be (so it is not written again)."""
    state = buildstate.of(app, _Build, lambda: _Build(app))
    fingerprint = page_fingerprint(app, state.site, pagename, context, template, state.posts)
    old = state.old.get(pagename)
    outfile = str(app.builder.get_outfilename(pagename))
    if old and old["fingerprint"] == fingerprint and old["file"] == _stat(outfile):
        state.kept[pagename] = old
        hosting.note_current(app, pagename)
        return True
    state.written[pagename] = (fingerprint, _stat(outfile))
    return False


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    state = buildstate.peek(app, _Build)
    if state is None or exception is not None:
        return
    pages = dict(state.kept)
    outdir = Path(app.outdir)
    for pagename, (fingerprint, _before) in state.written.items():
        after = _stat(str(app.builder.get_outfilename(pagename)))
        if after is None:
            continue
        pages[pagename] = {"fingerprint": fingerprint, "file": after}
    for gone in sorted(state.old.keys() - pages.keys() - state.written.keys()):
        remove_page(outdir, app.builder.get_target_uri(gone))
    cache.save(app, _record_name(app), RECORD_VERSION, {"pages": pages}, str(app.outdir))


def _escape_title(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    """An archive page's title (text, from ABlog) as HTML, as the theme and features expect it."""
    title = context.get("title")
    is_archive = doctree is None and ("blog_group" in context or "blog_group_index" in context)
    if is_archive and isinstance(title, str) and not isinstance(title, Markup):
        context["title"] = escape(title)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.freshness")
    app.connect("html-page-context", _escape_title, priority=blogext.ARCHIVE_TITLES)
    ablogadapter.skip_archive_pages(app, functools.partial(_up_to_date, app))
    app.connect("build-finished", _on_finished, priority=blogext.REMOVE_ARCHIVES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
