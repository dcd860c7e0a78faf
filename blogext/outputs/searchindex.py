"""The search index: which pages are indexed, what Pagefind is given of each, the parts it is indexed
in, each part indexed again only when its pages changed, and the parts merged into the one index readers
load (not an extension; :mod:`blogext.outputs.search` runs it, Pagefind itself is behind
:mod:`blogext.outputs.pagefindadapter`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.util import logging

from blogext.core import buildstate, cache, posts, safehtml, settings
from blogext.core.errors import BuildStopped
from blogext.core.settings import Check, at_least, setting
from blogext.outputs.pagefindadapter import (
    BUNDLE,
    index_folder,
    merge_parts,
    pagefind_version,
    read_part,
    sort_values,
    split_part,
)
from blogext.outputs.searchbundle import (
    PART_PAGES,
    assemble,
    file_of,
    index_in_parts,
    index_part,
    intact,
    lay_out,
    sync,
)

logger = logging.getLogger(__name__)

#: Sphinx's search, which Pagefind replaces: nothing loads these, so they leave the output.
SPHINX_SEARCH_FILES = (
    "searchindex.js",
    "_static/searchtools.js",
    "_static/language_data.js",
    "_static/doctools.js",
    "_static/sphinx_highlight.js",
    "_static/_stemmer.js",
    "_static/base-stemmer.js",
)
#: Parts of an indexed page that are not its text: the post header (date, tags), the series box
#: and links, cards of other posts, the author card, navigation and headings' "#" links.
NOT_TEXT = (
    ".post-meta",
    ".headerlink",
    ".series-box",
    ".read-next",
    ".series-parts",
    ".series-page-meta",
    ".post-cards",
    ".author-card",
    "nav",
    "aside",
)
#: The search page: generated, never indexed.
SEARCH_PAGE = "search"
#: The builders that write the site (other HTML-like builders, EPUB for one, get no search).
BUILDERS = ("html", "dirhtml")
#: Where the last Pagefind runs are recorded, in the doctree folder: each part's fingerprint and files,
#: the merged index's files, and each indexed page's time, size and digest (a page not written since is
#: not read again). Each part's index is kept beside it, as ``search-<part>`` (keyed by its fingerprint).
STATE_NAME = "search"
STATE_FILE = f"blogext-{STATE_NAME}.json"  # (:mod:`blogext.core.cache`)
#: Bump when what the record holds changes.
STATE_VERSION = 2
#: Where Pagefind indexes, in the doctree folder: a folder for each part, removed once indexed.
RUNS_FOLDER = "blogext-search-runs"


@dataclass(frozen=True)
class SearchSettings:
    """The search's settings (``blogext_<field>`` in ``conf.py``), registered by
    :mod:`blogext.outputs.search`;
    declared here, where the index's parts are made."""

    search_placeholder: str = setting(
        "Search the blog",
        "the search field's placeholder and label",
        "html",
        check=Check("a non-empty string such as 'Search the blog'", lambda value: bool(value.strip())),
    )
    search_results: int = setting(10, "results shown at first, and per 'More'", "html", check=at_least(1))
    search_part_pages: int = setting(
        PART_PAGES, "the most pages Pagefind indexes again for one changed page", "html", check=at_least(1)
    )


# -- which pages are indexed ----------------------------------------------------------------------


def is_indexed(app: Sphinx, docname: str) -> bool:
    """Whether the document *docname* is searchable: a published post or page, not the home page."""
    env = app.env
    if docname not in env.all_docs or docname == app.config.root_doc:
        return False
    if docname in posts.unpublished(env):
        return False  # the preview builds drafts and scheduled posts: never indexed
    post = posts.front_matter(env, docname)
    if post is not None and not posts.is_published(env, docname):
        return False
    return True


def filters_of(app: Sphinx, docname: str) -> list[tuple[str, str]]:
    """Pagefind filters of *docname*: ("tag", name) for each tag, ("category", ...), ("year", ...)."""
    post = posts.front_matter(app.env, docname)
    if post is None:
        return []
    found = [("tag", tag) for tag in post.tags]
    if post.category:
        found.append(("category", post.category))
    if post.date is not None:
        found.append(("year", str(post.date.year)))
    return found


def meta_of(app: Sphinx, docname: str) -> dict[str, str]:
    """Pagefind metadata of *docname*: its date, as shown (``post_date_format``) and as ISO."""
    post = posts.front_matter(app.env, docname)
    if post is None or post.date is None:
        return {}
    shown = post.date.strftime(getattr(app.config, "post_date_format", "%d %B %Y"))
    return {"date": shown, "datetime": post.date.date().isoformat()}


# -- Pagefind -------------------------------------------------------------------------------------
# Pagefind indexes the site in parts of at most ``blogext_search_part_pages`` pages: the pages that are
# not posts, then the posts from the oldest, so a new post lands in the last part and an edit changes
# one part. Pagefind has no incremental mode: a changed page means indexing its part again, a hundred
# pages however large the blog grows. Each part's index is kept in the doctree folder, and the parts
# are merged into one index (:func:`blogext.outputs.pagefindadapter.merge_parts`): the index Pagefind
# makes of all the pages at once, which is what readers load, whatever the number of parts.


@dataclass(frozen=True)
class Indexed:
    """One page given to Pagefind: its document, URL (from the site's root), file, and the digest of
    what Pagefind is given of it (:func:`searchable`)."""

    docname: str
    url: str
    path: Path
    digest: str
    #: Where the page falls in the parts: (1, date, docname) for a post, (0, "", docname) otherwise.
    order: tuple[int, str, str]
    #: The file's modification time and size when *digest* was taken.
    stat: tuple[int, int]

    @property
    def file(self) -> str:
        """The page's file, relative to the output folder."""
        return file_of(self.url)


#: The indexed element's start tag, and the comment after its end tag (``_templates/layout.html``).
BODY_START = '<div class="blog-search-body" data-pagefind-body>'
BODY_END = "<!-- blog-search-body end -->"
#: Around the end of a post's furniture (author card, related posts, previous and next) in the indexed
#: element, none of it searchable (``_templates/ablog/postnavy.html``).
SKIP_START = "<!-- blog-search-skip -->"
SKIP_END = "<!-- blog-search-skip end -->"
_HTML_TAG = re.compile(r"<html\b[^>]*>")
#: A Pagefind attribute that adds to the index (a filter, a sort key, metadata...): the page is cut
#: down, and what the marks hold left out, only without one there. ``data-pagefind-ignore`` (the
#: breadcrumbs' and the share links') only takes text out.
_INDEXING = re.compile(r"data-pagefind(?!-ignore\b)")


def searchable(html: str) -> str:
    """What Pagefind is given of a page: its ``<html>`` tag (the language) and the indexed element,
    which holds all Pagefind reads of it (the text, filters, metadata and sort key), without the
    post's furniture at its end, which Pagefind skips; so a page whose navigation, sidebars, related
    or next posts changed is not indexed again. A page without those marks, or with Pagefind
    attributes outside the element, is given whole."""
    start, end = html.find(BODY_START), html.rfind(BODY_END)
    opening = _HTML_TAG.search(html)
    if start < 0 or end < start or opening is None:
        return html
    if _INDEXING.search(html, 0, start) or _INDEXING.search(html, end):
        return html
    body = html[start:end]
    skip, skipped = body.rfind(SKIP_START), body.rfind(SKIP_END)  # the template's marks: the last
    if 0 <= skip < skipped and not _INDEXING.search(body, skip, skipped):
        body = body[:skip] + body[skipped + len(SKIP_END) :]
    # The page's own HTML, cut from it, in the shell of templates/blog/pagefind-page.html.
    shell = safehtml.render_own(
        "blog/pagefind-page.html", opening=Markup(opening.group(0)), body=Markup(body)
    )
    return str(shell) + "\n"


def pages_to_index(app: Sphinx, known: dict[str, list] | None = None, before: int = 0) -> list[Indexed]:
    """Every indexed page as written in the output. *known* is what was read of them earlier (file:
    [mtime, size, digest]): a page whose file has the same time and size, a time before *before*
    (nanoseconds), is not read again. (A file written again in the same tick of a coarse clock keeps its
    time: only times well before the earlier reading are trusted, as Git trusts its index.)"""
    outdir = Path(app.outdir)
    known = known or {}
    found = []
    for docname in sorted(app.env.all_docs):
        if not is_indexed(app, docname):
            continue
        path = Path(app.builder.get_outfilename(docname))
        try:
            status = path.stat()
        except OSError:
            continue
        url = "/" + path.relative_to(outdir).as_posix()
        if url.endswith("/index.html"):
            url = url[: -len("index.html")]
        stat = (status.st_mtime_ns, status.st_size)
        last = known.get(file_of(url))
        if last is not None and tuple(last[:2]) == stat and stat[0] < before:
            digest = last[2]
        else:
            digest = _digest(searchable(path.read_text("utf-8")))
        post = posts.front_matter(app.env, docname)
        date = post.date if post is not None else None
        order = (1, date.isoformat(), docname) if date is not None else (0, "", docname)
        found.append(Indexed(docname, url, path, digest, order, stat))
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pagefind_config(app: Sphinx) -> dict[str, Any]:
    """Pagefind's settings: the parts of pages that are not text, and the site's language."""
    return {
        "exclude_selectors": list(NOT_TEXT),
        "force_language": (app.config.language or "en").split("_")[0].split("-")[0],
    }


@dataclass
class Part:
    """One part of the index: its *pages*, and a fingerprint (*key*) of all Pagefind is given."""

    name: str
    pages: list[Indexed]
    key: str = ""

    @property
    def first(self) -> bool:
        """The first part brings Pagefind's script and WebAssembly into the bundle."""
        return self.name == "part-1"


def parts_of(pages: list[Indexed], size: int, config: dict[str, Any], version: str) -> list[Part]:
    """*pages* cut into parts of at most *size* pages: the pages that are not posts, then the posts,
    oldest first (so a new post changes the last part only, and an edit its own part only)."""
    ordered = sorted(pages, key=lambda page: page.order)
    parts = [
        Part(f"part-{number}", ordered[start : start + size])
        for number, start in enumerate(range(0, len(ordered), size), start=1)
    ]
    for part in parts:
        head = json.dumps([version, config, part.name], sort_keys=True)
        digest = hashlib.sha256(head.encode())
        for page in part.pages:
            digest.update(f"\0{page.url}\0{page.digest}".encode())
        part.key = digest.hexdigest()
    return parts


@dataclass
class _Run:
    """A part indexed: the words Pagefind found in each page besides its title (by document), the
    part's index (:func:`blogext.outputs.pagefindadapter.read_part`), its pages' fragments (by hash)
    and Pagefind's program files."""

    words: dict[str, int]
    index: dict[str, Any]
    fragments: dict[str, bytes]
    program: dict[str, bytes]


def _index_part(root: Path, part: Part, config: dict[str, Any], running=None) -> _Run | None:
    """Index *part* in its own folder under *root* (emptied first, removed after); None if a page is
    no longer what its digest says (it changed since: the part's key is not this run's any more)."""
    work = root / part.name
    shutil.rmtree(work, ignore_errors=True)
    try:
        given = [(page.url, searchable(page.path.read_text("utf-8"))) for page in part.pages]
        if any(_digest(html) != page.digest for page, (_url, html) in zip(part.pages, given, strict=True)):
            return None
        lay_out(work, given)
        by_url, files = index_folder(work, config, running)
        index = read_part(
            files, [url for url, _html in given], {url: sort_values(html) for url, html in given}
        )
        fragments, program = split_part(files)
        words = {page.docname: by_url[page.url] for page in part.pages if page.url in by_url}
        return _Run(words, index, fragments, program)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Runs:
    """Runs of Pagefind, one a part, *workers* at a time, in the background."""

    def __init__(self, root: Path, parts: list[Part], config: dict[str, Any], workers: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.keys = {part.name: part.key for part in parts}
        self._running: dict[str, subprocess.Popen] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="pagefind")
        self._futures = {
            part.name: self._pool.submit(_index_part, root, part, config, self._running) for part in parts
        }

    def result(self, part: Part):
        """The run of *part*'s pages as they are now, if one was started and indexed them; else None."""
        if self.keys.get(part.name) != part.key:
            return None
        return self._futures[part.name].result()

    def stop(self) -> None:
        """Stop the runs whose result was not taken (their processes killed, their folders removed)."""
        for future in self._futures.values():
            future.cancel()
        for name in list(self._running):
            process = self._running.pop(name, None)
            if process is not None:
                process.kill()
        self._pool.shutdown(wait=True)


def _last_run(app: Sphinx) -> dict[str, Any]:
    """What the last Pagefind runs left in the doctree folder: ``parts`` (name: key, files, fragment
    names), ``merged`` (the parts' keys, files), ``pages`` (file: mtime, size, digest) and when they
    were read (``read_at``)."""
    state = cache.load(app, STATE_NAME, STATE_VERSION, str(app.outdir))
    return state if isinstance(state.get("parts"), dict) else {}


#: How long before a reading of the pages a page's time must be for the reading to be trusted later.
TRUSTED_AFTER_NS = 3_000_000_000


def _plan(app: Sphinx, known: dict[str, list], read_at: int) -> tuple[list[Indexed], list[Part]]:
    """The pages to index (*known*, read at *read_at*: see :func:`pages_to_index`) and their parts."""
    pages = pages_to_index(app, known, read_at - TRUSTED_AFTER_NS)
    config = pagefind_config(app)
    return pages, parts_of(
        pages, settings.of(app.config, SearchSettings).search_part_pages, config, pagefind_version()
    )


def _known(pages: list[Indexed]) -> dict[str, list]:
    return {page.file: [*page.stat, page.digest] for page in pages}


def _unchanged(part: Part, state: dict[str, Any], bundle: Path | None = None) -> bool:
    """Whether *part* is as the last run indexed it (and, given the *bundle*, its files are there)."""
    last = state.get("parts", {}).get(part.name) or {}
    if last.get("key") != part.key:
        return False
    return bundle is None or intact(bundle, last.get("files", {}))


def _runs_folder(app: Sphinx) -> Path:
    return Path(app.doctreedir) / RUNS_FOLDER


def _part_cache(name: str) -> str:
    """The cache (:mod:`blogext.core.cache`) of the part *name*'s index, keyed by its fingerprint."""
    return f"{STATE_NAME}-{name}"


def _run_stale(app: Sphinx, stale: list[Part], started: _Runs | None) -> dict[str, _Run]:
    """The runs of the *stale* parts: those *started* early whose pages did not change since, the
    others run now, on every core."""
    results: dict[str, _Run] = {}
    for part in stale:
        result = started.result(part) if started is not None else None
        if result is not None:
            results[part.name] = result
    late = [part for part in stale if part.name not in results]
    if late:  # not started early, or their pages changed since: run now
        now = _Runs(_runs_folder(app), late, pagefind_config(app), os.cpu_count() or 1)
        try:
            for part in late:
                result = now.result(part)
                if result is None:  # a page changed again while the build was ending
                    raise BuildStopped(
                        f"blogext.outputs.search: a page of the search index's {part.name} changed while "
                        "it was being indexed (is another program writing to the output folder?)"
                    )
                results[part.name] = result
        finally:
            now.stop()
    return results


@contextlib.contextmanager
def _collector_paused():
    """Python's garbage collector paused: the parts' indexes are many small objects, none in a cycle,
    and each collection would walk the whole build's (1,000 posts: it tripled the merge's time)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def build_index(app: Sphinx) -> bool:
    """Index the parts of the site that changed with Pagefind, and merge the parts into the index
    readers load. Returns whether Pagefind ran."""
    bundle = Path(app.outdir) / BUNDLE
    state = _last_run(app)
    early = take_started(app)
    read_at = time.time_ns()
    if early is not None:  # the pages as read when the runs started, not what the last build left
        pages, parts = _plan(app, early.known, early.read_at)
    else:
        pages, parts = _plan(app, state.get("pages", {}), state.get("read_at", 0))
    started = early.runs if early is not None else None
    last_merge = state.get("merged") or {}
    try:
        if not pages:  # nothing published to search (Pagefind would write no index at all)
            logger.warning(
                "no published page to index for search",
                type="blog",
                subtype="search",
                location=app.config.root_doc,
            )
            shutil.rmtree(bundle, ignore_errors=True)
            for name in state.get("parts", {}):
                cache.forget(app, _part_cache(name))
            cache.forget(app, STATE_NAME)
            return False
        stale = {part.name for part in parts if not _unchanged(part, state, bundle)}
        merged = not stale and last_merge.get("keys") == [part.key for part in parts]
        merged = merged and intact(bundle, last_merge.get("files", {}))
        indexes: dict[str, dict] = {}
        if not merged:  # every part's index is needed: one not kept is indexed again
            with _collector_paused():
                for part in parts:
                    if part.name not in stale:
                        indexes[part.name] = cache.load(app, _part_cache(part.name), STATE_VERSION, part.key)
                        if not indexes[part.name]:
                            stale.add(part.name)
        results = _run_stale(app, [part for part in parts if part.name in stale], started)
    finally:
        if started is not None:
            started.stop()
    for part in parts:
        if part.name in results:
            indexes[part.name] = results[part.name].index
            cache.save(app, _part_cache(part.name), STATE_VERSION, indexes[part.name], part.key)
    with _collector_paused():
        new, kept, recorded = assemble(bundle, parts, state, results, indexes, merged)
    sync(bundle, new, kept)
    if stale:
        logger.info(
            "blogext.outputs.search: indexed %d pages with Pagefind (%d of %d parts)",
            sum(len(part.pages) for part in parts if part.name in stale),
            len(stale),
            len(parts),
        )
    elif not merged:
        logger.info("blogext.outputs.search: the search index's parts merged again (%d pages)", len(pages))
    else:
        logger.info("blogext.outputs.search: the search index is up to date (%d pages)", len(pages))
    empty = sorted(docname for run in results.values() for docname, count in run.words.items() if count <= 0)
    for docname in empty:
        logger.warning(
            "the page has nothing to search but its title (is its body empty?)",
            type="blog",
            subtype="search",
            location=docname,
        )
    # A part with a warning is indexed again by the next build, so the warning is not lost.
    for part in parts:
        if any(page.docname in empty for page in part.pages):
            recorded["parts"][part.name]["key"] = ""
    for name in set(state.get("parts", {})) - {part.name for part in parts}:  # fewer parts than before
        cache.forget(app, _part_cache(name))
    recorded.update(pages=_known(pages), read_at=read_at)
    cache.save(app, STATE_NAME, STATE_VERSION, recorded, str(app.outdir))
    return bool(stale)


def time_index(outdir: Path, language: str = "en") -> tuple[float, float]:
    """Seconds to index the marked pages of the built site *outdir*, given as a build gives them
    (:func:`searchable`): as a clean build does (Pagefind on each part of :data:`PART_PAGES` pages, one
    after another, and the parts merged; a build runs the parts beside the rest of it, the merge at its
    end), and as after an edit of one page (its part indexed again, the others' indexes read as the
    doctree folder keeps them, and all merged): the benchmark's search index rows. Writes nothing into
    *outdir*."""
    pages = []
    for path in sorted(outdir.rglob("*.html")):
        html = path.read_text("utf-8")
        if "data-pagefind-body" in html:
            url = "/" + path.relative_to(outdir).as_posix().removesuffix("index.html")
            pages.append((url, searchable(html)))
    config = {"exclude_selectors": list(NOT_TEXT), "force_language": language}
    start = time.perf_counter()
    index_in_parts(pages, config)
    clean = time.perf_counter() - start
    parts = [pages[start : start + PART_PAGES] for start in range(0, len(pages), PART_PAGES)]
    kept = [json.dumps(index_part(given, config)[0]) for given in parts]
    edited = len(parts) // 2
    start = time.perf_counter()
    with _collector_paused():
        indexes = [json.loads(index) for index in kept]
        indexes[edited] = index_part(parts[edited], config)[0]
        merge_parts(indexes)
    return clean, time.perf_counter() - start


# -- Pagefind started early ---------------------------------------------------------------------------
# The indexed pages are documents' pages: all written when the extensions' pages (archives, feeds)
# are collected. The parts whose pages changed start being indexed then, on the cores the build leaves
# free, while the rest of the build goes on; at the end a run is used only if its part's pages are
# still, byte for byte, the ones it was given.


@dataclass
class _Early:
    """What the early start read of the pages (see :func:`pages_to_index`), and its runs, if any."""

    known: dict[str, list]
    read_at: int
    runs: _Runs | None


def start_early(app: Sphinx) -> list:
    if app.builder.name in BUILDERS:
        state = _last_run(app)
        read_at = time.time_ns()
        pages, parts = _plan(app, state.get("pages", {}), state.get("read_at", 0))
        stale = [part for part in parts if not _unchanged(part, state)]
        runs = None
        if stale:
            workers = max(1, (os.cpu_count() or 1) - 1)  # one core is the build's
            runs = _Runs(_runs_folder(app), stale, pagefind_config(app), workers)
        buildstate.of(app, _Started).early = _Early(_known(pages), read_at, runs)
    return []


@dataclass
class _Started:
    """This build's early start, until the index is made (see :func:`start_early`)."""

    early: _Early | None = None


def take_started(app: Sphinx) -> _Early | None:
    """The early start of this build, if any (taken: it is not found again)."""
    state = buildstate.of(app, _Started)
    early, state.early = state.early, None
    return early
