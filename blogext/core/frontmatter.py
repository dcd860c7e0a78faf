"""Every post is checked before Sphinx reads it, and its tags are made canonical.

When the configuration is ready (``config-inited``), every post (each Markdown
file matched by ABlog's ``blog_post_pattern``, and each Jupyter notebook when
:mod:`blogext.markup.notebooks` is on) is checked: its YAML front matter read with
PyYAML (a notebook's top-level metadata keys, read as JSON), its body (a
notebook's Markdown cells) with MyST's own Markdown parser. What a
post's text says is cached in the doctree folder, so a post is parsed again
only when its bytes change (see :func:`read_posts`). Each problem is
one line naming the file, the field, the bad value and what was expected::

    posts/2024/x.md: date '2024-13-01' is not a valid date (expected YYYY-MM-DD)

and any problem stops the build with :class:`FrontMatterError` (with or
without ``-W``), before a page is written. Checked:

- the front matter is strict YAML (:mod:`blogext.core.frontmatter_yaml`: each key
  once, no anchors, aliases or merge keys, at most 64 KiB) and a mapping; every
  key is known (a typo gets a suggestion); every value has the right type (see
  :data:`KNOWN_KEYS`);
- the post has a title, a single ``# `` heading;
- two posts never share a URL, not even one that differs only in case, spaces
  or punctuation (servers and file systems that ignore case would mix them up);
- every local image and every link to a local file points to a file that exists;
- every source file in the posts' folders is a post the blog builds: a notebook
  without :mod:`blogext.markup.notebooks`, an ``.rst`` file or a Markdown file that
  ``blog_post_pattern`` does not match is an error naming it, never dropped.

With the posts, every other document Sphinx will read (a page) is known
(:mod:`blogext.core.documents`): hidden files are left out of every build, a page's
front matter is read as strictly, its ``draft: true`` unpublishes it wherever it
is (:func:`read_pages`), and every document's file name must be a plain URL.
All this happens before any document is read, so MyST never parses refused front matter.

Tags (and categories) that differ only in case, spacing or punctuation, such
as ``Machine Learning``, ``machine-learning`` and ``machine learning``, are one
tag: a transform rewrites each post's front matter before ABlog reads it
(ABlog's ``CheckFrontMatter`` runs at priority 800), so ABlog sees one name,
the one used first (by the post's date, then its path) among the posts built.
When that name changes, the posts read with the old one are read again.

Other features read a post's checked front matter with :func:`front_matter`.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.matching import Matcher

import blogext
from blogext.core import beside, buildstate, cache, documents, perdoc, settings, sphinxinternals
from blogext.core.documents import Page, url_key
from blogext.core.frontmatter_body import ParsedPost, check_post, markdown_parser, parse_post
from blogext.core.frontmatter_check import (
    DOCUMENT_SUFFIXES,
    FrontMatterError,
    FrontMatterSettings,
    Link,
    PostFrontMatter,
    canonical_labels,
    labels_of,
    show,
)

logger = logging.getLogger(__name__)


#: Bump when what :func:`parse_post` finds changes, so that older caches are not used.
CACHE_VERSION = 4
#: The cache of parsed posts (:mod:`blogext.core.cache`).
CACHE_NAME = "frontmatter"


# -- All posts ------------------------------------------------------------------------------


def _relative(name: str, srcdir: str) -> str:
    """The path *name* (found under *srcdir*) relative to *srcdir*, with ``/`` separators."""
    prefix = os.path.join(srcdir, "")
    rel = name[len(prefix) :] if name.startswith(prefix) else os.path.relpath(name, srcdir)
    return rel.replace(os.sep, "/")


def post_suffixes(app: Sphinx) -> tuple[str, ...]:
    """The suffixes of posts: Markdown, and notebooks when a parser reads them (blogext.markup.notebooks)."""
    return (".md", ".ipynb") if ".ipynb" in sphinxinternals.source_suffixes(app) else (".md",)


def post_files(srcdir: Path, config: Config, suffixes: Iterable[str] = (".md",)) -> list[str]:
    """The posts: files with one of *suffixes* matched by ``blog_post_pattern``, relative to *srcdir*,
    sorted."""
    patterns = config.blog_post_pattern
    if isinstance(patterns, str):
        patterns = [patterns]
    root = str(srcdir)
    wanted = tuple(suffixes)
    found: set[str] = set()
    for pattern in patterns:
        for name in glob.glob(os.path.join(glob.escape(root), pattern), recursive=True):
            if os.path.splitext(name)[1] in wanted and os.path.isfile(name):
                found.add(_relative(name, root))
    return sorted(found)


def _folder_files(srcdir: Path, config: Config, hidden: bool) -> list[str]:
    """Every file in the posts' folders (each ``blog_post_pattern`` up to its first wildcard)."""
    patterns = config.blog_post_pattern
    if isinstance(patterns, str):
        patterns = [patterns]
    root = str(srcdir)
    found: set[str] = set()
    for pattern in patterns:
        top = re.split(r"[*?[]", pattern, maxsplit=1)[0].rsplit("/", 1)[0] if "/" in pattern else ""
        base = glob.escape(os.path.join(root, top))
        for name in glob.glob(os.path.join(base, "**", "*"), recursive=True, include_hidden=hidden):
            if os.path.isfile(name):
                found.add(_relative(name, root))
    return sorted(found)


def _collision_candidates(srcdir: Path, config: Config, suffixes: Iterable[str] = (".md",)) -> list[str]:
    """Every post-like file (*suffixes*) in the posts' folders, but hidden ones (never built)."""
    wanted = tuple(suffixes)
    return [path for path in _folder_files(srcdir, config, hidden=False) if path.endswith(wanted)]


def _not_posts(srcdir: Path, config: Config, posts: Iterable[str], suffixes: Iterable[str]) -> list[str]:
    """A problem for each file in the posts' folders that looks like a post (see
    :data:`DOCUMENT_SUFFIXES`) but that the blog would not build as one: never dropped silently."""
    exclude = Matcher(config.exclude_patterns)
    known = set(posts)
    wanted = tuple(suffixes)
    problems = []
    for path in _folder_files(srcdir, config, hidden=False):
        suffix = posixpath.splitext(path)[1].lower()
        if path in known or suffix not in DOCUMENT_SUFFIXES or exclude(path):
            continue
        if suffix == ".ipynb" and ".ipynb" not in wanted:
            why = (
                "is a notebook, and this site builds none "
                "(expected 'blogext.markup.notebooks' in conf.py's extensions, with myst-nb installed)"
            )
        elif suffix in wanted:
            pattern = config.blog_post_pattern
            why = (
                f"is not a post: blog_post_pattern {show(pattern)} does not match it "
                "(expected a post where the pattern finds it, such as posts/<year>/<name>.md)"
            )
        else:
            kinds = "a MyST Markdown file, .md"
            if ".ipynb" in wanted:
                kinds += ", or a Jupyter notebook, .ipynb"
            why = f"is not a post this blog can build (expected {kinds})"
        problems.append(f"{path}: {why}")
    return problems


def _collisions(paths: list[str]) -> list[str]:
    """A problem for each file whose URL is, or differs only in case or punctuation from, an earlier one's."""
    problems = []
    seen: dict[str, str] = {}
    for path in sorted(paths):
        docname = posixpath.splitext(path)[0]
        key = url_key(docname)
        other = seen.setdefault(key, path)
        if other == path:
            continue
        same = docname.removesuffix("/index") == posixpath.splitext(other)[0].removesuffix("/index")
        how = "is the same as" if same else "differs only in case, spaces or punctuation from"
        problems.append(
            f"{path}: URL '{docname.removesuffix('/index')}/' {how} the URL of {other} "
            "(expected every post to have a URL of its own: rename one of the files)"
        )
    return problems


def _parse_settings(config: Config) -> str:
    """Everything a :class:`ParsedPost` depends on besides the file: the settings it reads, this
    module's cache version and the parsers' versions."""
    import markdown_it
    import myst_parser

    return json.dumps(
        [
            CACHE_VERSION,
            yaml.__version__,
            markdown_it.__version__,
            myst_parser.__version__,
            list(config.blog_authors or {}),
            list(settings.of(config, FrontMatterSettings).extra_front_matter_keys),
            sorted(config.myst_enable_extensions),
        ]
    )


def _dump(parsed: ParsedPost) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in parsed.values.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        values[key] = value
    return {
        "values": values,
        "problems": list(parsed.problems),
        "titles": [list(title) for title in parsed.titles],
        "links": [[link.kind, link.target, link.line, link.path, link.cell] for link in parsed.links],
        "usable": parsed.usable,
        "scanned": parsed.scanned,
    }


def _undump(data: dict[str, Any]) -> ParsedPost:
    values: dict[str, Any] = {}
    for key, value in data["values"].items():
        if key in ("date", "updated") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return ParsedPost(
        values,
        tuple(data["problems"]),
        tuple(tuple(title) for title in data["titles"]),
        tuple(Link(*link) for link in data["links"]),
        usable=data["usable"],
        scanned=data["scanned"],
    )


def _load_cache(app: Sphinx, settings: str) -> dict[str, dict[str, Any]]:
    """The parsed posts of the last build into this doctree folder: path -> {"digest", "parsed"}."""
    return cache.load(app, CACHE_NAME, CACHE_VERSION, settings)


def _save_cache(app: Sphinx, settings: str, entries: dict[str, dict[str, Any]]) -> None:
    cache.save(app, CACHE_NAME, CACHE_VERSION, entries, settings)


#: Posts to parse from which half are parsed beside the build (blogext.core.beside), half in it.
PARSE_BESIDE_FROM = 64


def _parse_each(items: list[tuple[str, bytes]], config: Config, md: Any) -> list[ParsedPost]:
    return [parse_post(data, relpath, config, md) for relpath, data in items]


def _parse_all(app: Sphinx, to_parse: dict[str, tuple[bytes, str]], md: Any) -> dict[str, ParsedPost]:
    """Each post parsed, by relpath: the second half beside the build when there are many."""
    items = [(relpath, data) for relpath, (data, _digest) in to_parse.items()]
    half = len(items) // 2 if len(items) >= PARSE_BESIDE_FROM else len(items)
    job = (
        beside.start(app, "the posts' front matter", _parse_each, items[half:], app.config, md)
        if items[half:]
        else None
    )
    parsed = _parse_each(items[:half], app.config, md) + (job.result() if job is not None else [])
    return dict(zip(to_parse, parsed, strict=True))


def read_posts(app: Sphinx) -> dict[str, PostFrontMatter]:
    """Every post's checked front matter by docname, read once per build.

    A post is parsed again only when its bytes (or the settings it is checked
    against) differ from the last build's; otherwise what it said then is taken
    from a cache in the doctree folder (``blogext-frontmatter.json``). The files
    it points to are looked for anew, and the checks across posts (URL
    collisions here, canonical tag names, links to unpublished posts) are made
    afresh from every post, cached or not. Which posts were parsed is logged
    with ``-v``, and kept in this build's :class:`PostsRead` (:mod:`blogext.core.buildstate`).

    Raises :class:`FrontMatterError` listing every problem of every post.
    """
    done = buildstate.peek(app, PostsRead)
    if done is not None:
        return done.posts
    srcdir = Path(app.srcdir)
    config = app.config
    documents.exclude_hidden(config)
    suffixes_of_posts = post_suffixes(app)
    files = post_files(srcdir, config, suffixes_of_posts)
    settings = _parse_settings(config)
    old = _load_cache(app, settings)
    entries: dict[str, dict[str, Any]] = {}
    parsed_now: list[str] = []
    # Extensions' suffixes join config.source_suffix only later in config-inited.
    suffixes = sphinxinternals.source_suffixes(app)
    posts: dict[str, PostFrontMatter] = {}
    problems: list[str] = []
    every: dict[str, ParsedPost | None] = {}
    to_parse: dict[str, tuple[bytes, str]] = {}  # relpath -> the file's bytes and their digest
    for relpath in files:
        with open(os.path.join(srcdir, relpath), "rb") as source:
            data = source.read()
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        entry = old.get(relpath)
        every[relpath] = None
        if entry is not None and entry.get("digest") == digest:
            try:
                every[relpath] = _undump(entry["parsed"])
                continue
            except (KeyError, TypeError, ValueError):
                pass
        to_parse[relpath] = (data, digest)
    if to_parse:
        md = markdown_parser(config.myst_enable_extensions)
        for relpath, parsed in _parse_all(app, to_parse, md).items():
            every[relpath] = parsed
            parsed_now.append(relpath)
    for relpath, parsed in every.items():
        fresh = to_parse.get(relpath)
        entries[relpath] = old[relpath] if fresh is None else {"digest": fresh[1], "parsed": _dump(parsed)}
        post, found = check_post(parsed, srcdir, relpath, suffixes)
        problems += [f"{relpath}: {p}" for p in found]
        if post is not None:
            posts[post.docname] = post
    shown = f": {', '.join(parsed_now)}" if 0 < len(parsed_now) <= 10 else ""
    logger.verbose(
        "front matter: parsed %d of %d posts (the others are unchanged since the last build)%s",
        len(parsed_now),
        len(files),
        shown,
    )
    if entries.keys() != old.keys() or parsed_now:
        _save_cache(app, settings, entries)
    found = documents.discover(srcdir, config, suffixes)
    pages, page_problems = _read_pages(app, [path for path in found if path not in set(files)])
    problems += page_problems
    titles = {post.path: documents.slugify(post.title) or "post" for post in posts.values()}
    names = documents.name_problems({*found, *files}, fallbacks=titles)
    candidates = _collision_candidates(srcdir, config, suffixes_of_posts)
    collisions = _collisions([path for path in candidates if path not in names])
    colliding = {problem.split(": ", 1)[0] for problem in collisions}
    problems += _not_posts(srcdir, config, [*files, *colliding, *names], suffixes_of_posts)
    problems += [f"{path}: {problem}" for path, problem in names.items()]
    problems += collisions
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise FrontMatterError(f"Post check failed! {count}; nothing was written:\n" + "\n".join(problems))
    buildstate.of(app, PostsRead, lambda: PostsRead(posts, pages, parsed_now))
    return posts


@dataclass
class PostsRead:
    """What :func:`read_posts` read in this build: every post's checked front matter and every page by
    docname, and the posts it parsed (not taken from the cache)."""

    posts: dict[str, PostFrontMatter]
    pages: dict[str, Page]
    parsed: list[str]


def _read_pages(app: Sphinx, relpaths: list[str]) -> tuple[dict[str, Page], list[str]]:
    """The pages (documents that are not posts) by docname, and their problems."""
    pages: dict[str, Page] = {}
    problems: list[str] = []
    for relpath in relpaths:
        page, found = documents.read_page(Path(app.srcdir), relpath)
        problems += [f"{relpath}: {problem}" for problem in found]
        if page.draft and page.docname == app.config.root_doc:
            problems.append(
                f"{relpath}: draft true on the home page (expected draft: false or no draft key: "
                "every other page links to the home page, so it is always published)"
            )
        pages[page.docname] = page
    if app.verbosity:
        hidden = documents.hidden_files(Path(app.srcdir), app.config, sphinxinternals.source_suffixes(app))
        if hidden:
            logger.verbose("left out hidden files (a name starting with '.'): %s", ", ".join(hidden))
    return pages, problems


def read_pages(app: Sphinx) -> dict[str, Page]:
    """Every document Sphinx will read that is not a post, by docname (see :mod:`blogext.core.documents`):
    whether its front matter says ``draft: true``. Read with the posts, once per build."""
    read_posts(app)
    return buildstate.of(app, PostsRead).pages


def front_matter(env: BuildEnvironment, docname: str) -> PostFrontMatter | None:
    """The checked front matter of the post *docname* (None if it is not a post)."""
    return getattr(env, "blog_front_matter", {}).get(docname)


def _built(config: Config, posts: dict[str, PostFrontMatter]) -> list[PostFrontMatter]:
    """The posts this build reads: those the include and exclude patterns let in."""
    include = Matcher(config.include_patterns)
    exclude = Matcher(config.exclude_patterns)
    return [p for p in posts.values() if include(p.path) and not exclude(p.path)]


def _labels_read(env: BuildEnvironment) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """The tags and category each post was read with (kept in the environment)."""
    return perdoc.of(env, "blog_labels_read")


class CanonicalLabels(SphinxTransform):
    """Rewrite a post's ``tags`` and ``category`` to their canonical names, before ABlog reads them."""

    default_priority = 790  # after docutils' DocInfo (340), before ABlog's CheckFrontMatter (800)

    def apply(self, **kwargs: Any) -> None:
        post = front_matter(self.env, self.env.docname)
        if post is None:
            return
        tags, category = labels_of(post, getattr(self.env, "blog_label_names", {}))
        _labels_read(self.env)[self.env.docname] = (tags, category)
        for docinfo in self.document.findall(nodes.docinfo):
            for fld in list(docinfo.findall(nodes.field)):
                key = fld[0].astext()
                if key == "tags":
                    if tags:
                        _set_field_text(fld, json.dumps(list(tags), ensure_ascii=False))
                    else:
                        fld.parent.remove(fld)  # "[]": ABlog would make an empty tag of it
                elif key == "category" and category:
                    _set_field_text(fld, category)
            authors = list(docinfo.findall(nodes.author))
            if len(post.author) > 1 and authors:
                # ABlog splits the first author field on commas.
                authors[0].children = [nodes.Text(", ".join(post.author))]


def _set_field_text(fld: nodes.field, text: str) -> None:
    body = fld[1]
    body.children = []
    body += nodes.paragraph("", "", nodes.literal(text, text))


# -- Sphinx ----------------------------------------------------------------------------------------------


def _check_posts(app: Sphinx, config: Config) -> None:
    read_posts(app)


class _ThisBuild(dict):
    """A mapping the environment holds for the current build only: it is made anew by every build,
    so it is saved with the environment as an empty dict (a smaller environment loads faster)."""

    def __reduce__(self) -> tuple[type, tuple]:
        return (dict, ())


def _keep_in_env(app: Sphinx) -> None:
    """The checked front matter, and the canonical names among the posts this build reads
    (``exclude_patterns`` is final by now: blogext.core.drafts has left out unpublished posts)."""
    posts = read_posts(app)
    app.env.blog_front_matter = _ThisBuild(posts)
    app.env.blog_label_names = canonical_labels(_built(app.config, posts))


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Posts read with a tag or category name that is no longer the canonical one: read them again."""
    names = getattr(env, "blog_label_names", {})
    read = _labels_read(env)
    being_read = added | changed | removed
    return [
        docname
        for docname, post in getattr(env, "blog_front_matter", {}).items()
        if docname in read
        and docname not in being_read
        and docname in env.found_docs
        and read[docname] != labels_of(post, names)
    ]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    app.setup_extension("blogext.core.ablogadapter")
    app.setup_extension("blogext.core.beside")
    sphinxinternals.libyaml_front_matter()  # checked here first: myst-parser's two parses, in C
    settings.add(app, FrontMatterSettings)
    app.connect("config-inited", _check_posts, priority=blogext.FRONT_MATTER)
    app.connect("builder-inited", _keep_in_env)
    app.connect("env-get-outdated", _outdated)
    perdoc.keep(app, "blog_labels_read")
    app.add_transform(CanonicalLabels)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
