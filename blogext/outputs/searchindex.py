"""The search index: which pages are indexed, what Pagefind is given of each, the parts it is cut
into, and each part indexed again only when its pages changed (not an extension; :mod:`blogext.outputs.search`
runs it, Pagefind itself is behind :mod:`blogext.outputs.pagefindadapter`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
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
from blogext.outputs.pagefindadapter import BUNDLE, index_folder, pagefind_version

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
#: and each indexed page's time, size and digest (a page not written since is not read again).
STATE_NAME = "search"
STATE_FILE = f"blogext-{STATE_NAME}.json"  # (:mod:`blogext.core.cache`)
#: Bump when what the record holds changes.
STATE_VERSION = 1
#: Where Pagefind indexes, in the doctree folder: a folder for each part, removed once indexed.
RUNS_FOLDER = "blogext-search-runs"
#: The most pages in one part of the index (``blogext_search_part_pages``): what an edit reindexes.
PART_PAGES = 100
#: The list of the parts the dialog merges into the first, in the bundle.
PARTS_FILE = "blog-parts.json"


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
        PART_PAGES, "the most pages in one part of the search index", "html", check=at_least(1)
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
# The index is made of parts, each Pagefind's own index of at most ``blogext_search_part_pages`` pages:
# the pages that are not posts, then the posts from the oldest. The first part is the bundle's root
# (where pagefind.js finds it); the dialog merges the others (``pagefind/blog-parts.json`` lists them)
# with Pagefind's ``mergeIndex``, which shares the first part's WebAssembly. Pagefind has no
# incremental mode, so a changed page means indexing its part again: the parts keep that to a hundred
# pages however large the blog grows. An edit reindexes one part, a new post the last; a blog of up to
# a hundred pages has one part, one index, as Pagefind alone would make it.


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
        return _file_of(self.url)


#: The indexed element's start tag, and the comment after its end tag (``_templates/layout.html``).
BODY_START = '<div class="blog-search-body" data-pagefind-body>'
BODY_END = "<!-- blog-search-body end -->"
#: Around the end of a post's furniture (author card, related posts, previous and next) in the indexed
#: element, none of it searchable (``_templates/ablog/postnavy.html``).
SKIP_START = "<!-- blog-search-skip -->"
SKIP_END = "<!-- blog-search-skip end -->"
_HTML_TAG = re.compile(r"<html\b[^>]*>")


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
    if "data-pagefind" in html[:start] or "data-pagefind" in html[end:]:
        return html
    body = html[start:end]
    skip, skipped = body.rfind(SKIP_START), body.rfind(SKIP_END)  # the template's marks: the last
    if 0 <= skip < skipped and "data-pagefind" not in body[skip:skipped]:
        body = body[:skip] + body[skipped + len(SKIP_END) :]
    # The page's own HTML, cut from it, in the shell of templates/blog/pagefind-page.html.
    shell = safehtml.render_own(
        "blog/pagefind-page.html", opening=Markup(opening.group(0)), body=Markup(body)
    )
    return str(shell) + "\n"


def _file_of(url: str) -> str:
    path = url.lstrip("/")
    return path + "index.html" if not path or path.endswith("/") else path


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
        last = known.get(_file_of(url))
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
    """One part of the index: its *pages*, where its files go in the bundle (*prefix*: "" for the first
    part, else its name and a slash), and a fingerprint (*key*) of all Pagefind is given."""

    name: str
    pages: list[Indexed]
    prefix: str
    key: str = ""

    @property
    def first(self) -> bool:
        return not self.prefix


def parts_of(pages: list[Indexed], size: int, config: dict[str, Any], version: str) -> list[Part]:
    """*pages* cut into parts of at most *size* pages: the pages that are not posts, then the posts,
    oldest first (so a new post changes the last part only)."""
    ordered = sorted(pages, key=lambda page: page.order)
    parts = [
        Part(f"part-{number}", ordered[start : start + size], "" if number == 1 else f"part-{number}/")
        for number, start in enumerate(range(0, len(ordered), size), start=1)
    ]
    for part in parts:
        head = json.dumps([version, config, part.name, part.prefix], sort_keys=True)
        digest = hashlib.sha256(head.encode())
        for page in part.pages:
            digest.update(f"\0{page.url}\0{page.digest}".encode())
        part.key = digest.hexdigest()
    return parts


def _index_part(root: Path, part: Part, config: dict[str, Any], running=None) -> tuple[dict, dict] | None:
    """Index *part* in its own folder under *root* (emptied first, removed after); None if a page is
    no longer what its digest says (it changed since: the part's key is not this run's any more)."""
    work = root / part.name
    shutil.rmtree(work, ignore_errors=True)
    try:
        given = [(page.url, searchable(page.path.read_text("utf-8"))) for page in part.pages]
        if any(_digest(html) != page.digest for page, (_url, html) in zip(part.pages, given, strict=True)):
            return None
        _lay_out(work, given)
        by_url, files = index_folder(work, config, part.first, running)
        return {page.docname: by_url[page.url] for page in part.pages if page.url in by_url}, files
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


def _run_pagefind(
    pages: list[tuple[str, str]], config: dict[str, Any]
) -> tuple[dict[str, int], dict[str, bytes]]:
    """Index *pages* ((URL, HTML) pairs) in one index: the words Pagefind found in each besides its
    title (by URL), and the bundle's files."""
    with tempfile.TemporaryDirectory(prefix="blog-pagefind-") as scratch:
        _lay_out(Path(scratch), pages)
        return index_folder(Path(scratch), config)


def _lay_out(work: Path, pages: list[tuple[str, str]]) -> None:
    """Write *pages* ((URL, HTML) pairs) into ``work/site``, where :func:`index_folder` indexes them."""
    for url, html in pages:
        target = work / "site" / _file_of(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, "utf-8")


def _sync(folder: Path, new: dict[str, bytes], kept: set[str]) -> None:
    """Make *folder* hold exactly *new* and the files *kept*: files of *new* that differ written,
    files in neither removed, the others left untouched."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.rglob("*"), reverse=True):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in new and relative not in kept:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for relative, data in new.items():
        path = folder / relative
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _intact(folder: Path, prefix: str, sizes: dict[str, int]) -> bool:
    """Whether the files a part left under *prefix* of the bundle *folder* are all there, as written."""
    if not sizes:
        return False
    for name, size in sizes.items():
        try:
            if (folder / (prefix + name)).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


def _last_run(app: Sphinx) -> dict[str, Any]:
    """What the last Pagefind runs left in the doctree folder: ``parts`` (name: key, files),
    ``pages`` (file: mtime, size, digest) and when they were read (``read_at``)."""
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
    return bundle is None or _intact(bundle, part.prefix, last.get("files", {}))


def _runs_folder(app: Sphinx) -> Path:
    return Path(app.doctreedir) / RUNS_FOLDER


def build_index(app: Sphinx) -> bool:
    """Index the parts of the site that changed with Pagefind. Returns whether Pagefind ran."""
    bundle = Path(app.outdir) / BUNDLE
    state = _last_run(app)
    early = take_started(app)
    read_at = time.time_ns()
    if early is not None:  # the pages as read when the runs started, not what the last build left
        pages, parts = _plan(app, early.known, early.read_at)
    else:
        pages, parts = _plan(app, state.get("pages", {}), state.get("read_at", 0))
    started = early.runs if early is not None else None
    try:
        if not pages:  # nothing published to search (Pagefind would write no index at all)
            logger.warning(
                "no published page to index for search",
                type="blog",
                subtype="search",
                location=app.config.root_doc,
            )
            shutil.rmtree(bundle, ignore_errors=True)
            cache.forget(app, STATE_NAME)
            return False
        stale = [part for part in parts if not _unchanged(part, state, bundle)]
        results: dict[str, tuple[dict, dict]] = {}
        for part in stale:
            result = started.result(part) if started is not None else None
            if result is not None:
                results[part.name] = result
        late = [part for part in stale if part.name not in results]
        if late:  # not started early, or their pages changed since: run now, on every core
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
    finally:
        if started is not None:
            started.stop()
    manifest = {"merge": [part.prefix for part in parts if not part.first]}
    new = {PARTS_FILE: json.dumps(manifest, separators=(",", ":")).encode("utf-8")}
    kept: set[str] = set()
    recorded: dict[str, Any] = {}
    for part in parts:
        if part.name in results:
            files = results[part.name][1]
            new.update({part.prefix + name: data for name, data in files.items()})
            sizes = {name: len(data) for name, data in files.items()}
        else:
            sizes = state["parts"][part.name]["files"]
            kept.update(part.prefix + name for name in sizes)
        recorded[part.name] = {"key": part.key, "files": sizes}  # the key covers the part's prefix
    _sync(bundle, new, kept)
    if stale:
        reindexed = sum(len(part.pages) for part in stale)
        logger.info(
            "blogext.outputs.search: indexed %d pages with Pagefind (%d of %d parts)",
            reindexed,
            len(stale),
            len(parts),
        )
    else:
        logger.info("blogext.outputs.search: the search index is up to date (%d pages)", len(pages))
    empty = sorted(
        docname for words, _files in results.values() for docname, count in words.items() if count <= 0
    )
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
            recorded[part.name]["key"] = ""
    state = {"parts": recorded, "pages": _known(pages), "read_at": read_at}
    cache.save(app, STATE_NAME, STATE_VERSION, state, str(app.outdir))
    return bool(stale)


def time_index(outdir: Path, language: str = "en") -> float:
    """Seconds Pagefind takes to index the marked pages of the built site *outdir*, given as a build
    gives them (:func:`searchable`), in one index (a clean build runs the parts one after another,
    beside the rest of the build): the benchmark's "Pagefind build time". Writes nothing into *outdir*."""
    pages = []
    for path in sorted(outdir.rglob("*.html")):
        html = path.read_text("utf-8")
        if "data-pagefind-body" in html:
            url = "/" + path.relative_to(outdir).as_posix().removesuffix("index.html")
            pages.append((url, searchable(html)))
    start = time.perf_counter()
    _run_pagefind(pages, {"exclude_selectors": list(NOT_TEXT), "force_language": language})
    return time.perf_counter() - start


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
