"""Search: a Pagefind index of the published pages, a search dialog on every page, and ``/search/``.

Sphinx's own search loads its whole index (``searchindex.js``, which grows with
the blog) and then the whole page of every hit. Pagefind splits its index into
fragments, and a query downloads only the few it needs, so what a reader
downloads stays nearly the same as the blog grows. This module:

- **turns Sphinx's search off** (no ``searchindex.js``, no Sphinx search page) and
  removes its scripts from the output: ``searchtools.js``, ``language_data.js``,
  the stemmers, and ``doctools.js`` and ``sphinx_highlight.js``, which served only it
  (:mod:`blogext.lightpages` drops them from every page);
- **marks what to index.** Each published post and page (not the home page, the
  archives, the 404 or the search page) gets ``data-pagefind-body`` around its
  article in ``layout.html``, with its tags, category and year as Pagefind filters
  and its date as metadata (the context's ``blog_search_page``). Drafts and
  scheduled posts are never marked, in the preview neither;
- **runs Pagefind at the end of every HTML build** (``build-finished``), so every
  command that builds the site (``nox -s build``, ``sphinx-build``, Read the Docs,
  the Pages workflow, the preview) publishes the index: Pagefind's program (found
  by the ``pagefind`` package, shipped by ``pagefind[bin]``) indexes a scratch
  folder holding exactly the files of the marked pages, nothing else, and the
  bundle is written to ``<output>/pagefind/``, without Pagefind's own UIs (the
  blog's dialog, ``_static/search.js``, talks to ``pagefind.js``). When the
  indexed pages and settings are byte for byte those of the last run
  (``<doctrees>/blogext-search.json``), Pagefind is not run again and the folder
  is left as it is; otherwise only files that differ are written, stale ones
  deleted;
- **writes ``/search/``**, a page that searches for its ``?q=`` (links from
  elsewhere work), with the same results as the dialog.

A page with nothing to search but its title is the author's mistake (an empty
post): a warning of type ``blog``, subtype ``search``, naming the file.

Settings: ``blog_search_placeholder`` (the search field's placeholder) and
``blog_search_results`` (results shown at first, and added by "More results").
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

import blogext
from blogext import posts, sphinxinternals
from blogext.errors import BuildStopped, SettingError

logger = logging.getLogger(__name__)

#: The folder of Pagefind's bundle in the output (Pagefind's default: pagefind.js finds its files there).
BUNDLE = "pagefind"
#: Pagefind's own search UIs and highlighter: the blog's dialog does not load them.
UNUSED_BUNDLE_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
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
    ".series-nav",
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
#: Where the fingerprint of the last Pagefind run is kept, in the doctree folder.
STATE_FILE = "blogext-search.json"


# -- settings -------------------------------------------------------------------------------------


def check_settings(app: Sphinx, config: Config) -> None:
    """Stop the build on a search setting the blog cannot use."""
    placeholder = config.blog_search_placeholder
    if not isinstance(placeholder, str) or not placeholder.strip():
        raise SettingError(
            f"blog_search_placeholder {placeholder!r} is not usable (expected a non-empty string, "
            "such as 'Search the blog')"
        )
    results = config.blog_search_results
    if isinstance(results, bool) or not isinstance(results, int) or results < 1:
        raise SettingError(
            f"blog_search_results {results!r} is not usable (expected a whole number from 1, such as 10)"
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
    if post is not None and not posts.is_published(env, docname, post.date):
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


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    config = app.config
    context["blog_search_placeholder"] = config.blog_search_placeholder
    context["blog_search_results"] = config.blog_search_results
    if pagename == SEARCH_PAGE:
        app.add_css_file("search.css")  # this page only: the dialog loads it when it first opens
    if doctree is not None and is_indexed(app, pagename):
        context["blog_search_page"] = {
            "filters": filters_of(app, pagename),
            "meta": sorted(meta_of(app, pagename).items()),
        }
    else:
        context["blog_search_page"] = None


def _collect_pages(app: Sphinx):
    """``/search/``: a page that searches for its ``?q=``."""
    if app.builder.name not in BUILDERS:
        return
    yield SEARCH_PAGE, {"title": "Search"}, "blog-search.html"


# -- Sphinx's own search off ----------------------------------------------------------------------


def _on_builder_inited(app: Sphinx) -> None:
    if app.builder.name in BUILDERS:
        sphinxinternals.disable_sphinx_search(app.builder)


def _remove_sphinx_search(outdir: Path) -> None:
    for name in SPHINX_SEARCH_FILES:
        (outdir / name).unlink(missing_ok=True)
    for stemmer in (outdir / "_static").glob("*-stemmer.js"):
        stemmer.unlink()


# -- Pagefind -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indexed:
    """One page given to Pagefind: its document, URL (from the site's root) and HTML."""

    docname: str
    url: str
    html: str

    @property
    def file(self) -> str:
        """The page's file, relative to the output folder."""
        path = self.url.lstrip("/")
        return path + "index.html" if not path or path.endswith("/") else path


def pages_to_index(app: Sphinx) -> list[Indexed]:
    """Every indexed page as written in the output, in a stable order."""
    outdir = Path(app.outdir)
    found = []
    for docname in sorted(app.env.all_docs):
        if not is_indexed(app, docname):
            continue
        path = Path(app.builder.get_outfilename(docname))
        if not path.is_file():
            continue
        url = "/" + path.relative_to(outdir).as_posix()
        if url.endswith("/index.html"):
            url = url[: -len("index.html")]
        found.append(Indexed(docname, url, path.read_text("utf-8")))
    return found


def pagefind_config(app: Sphinx) -> dict[str, Any]:
    """Pagefind's settings: the parts of pages that are not text, and the site's language."""
    return {
        "exclude_selectors": list(NOT_TEXT),
        "force_language": (app.config.language or "en").split("_")[0].split("-")[0],
    }


def pagefind_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pagefind")
    except PackageNotFoundError:
        raise BuildStopped(
            "blogext.search: the pagefind package is missing, so the site would have no search "
            "(install the lock: pip install -r requirements/site.txt)"
        ) from None


def fingerprint(pages: list[Indexed], config: dict[str, Any], version: str) -> str:
    digest = hashlib.sha256(json.dumps([version, config], sort_keys=True).encode())
    for page in pages:
        digest.update(f"\0{page.url}\0".encode())
        digest.update(page.html.encode("utf-8"))
    return digest.hexdigest()


def pagefind_program() -> Path:
    """Pagefind's program: the one the ``pagefind`` package finds (``pagefind[bin]`` ships it)."""
    from pagefind.service import get_executable

    program = get_executable()
    if program is None or not Path(program).is_file():
        raise BuildStopped(
            "blogext.search: Pagefind's program is missing, so the site would have no search (install "
            "the lock, which has pagefind[bin]: pip install -r requirements/site.txt)"
        )
    return Path(program)


class _Pagefind:
    """One run of Pagefind's program, started in the background on *pages*.

    Pagefind's program indexes a folder that holds exactly *pages* (so nothing else of the output can
    reach the index), with its settings in a ``pagefind.json`` beside it; the bundle is written to
    the scratch folder too. Its Python API, which sends the pages one by one, is about thirty times
    slower.
    """

    def __init__(self, pages: list[Indexed], config: dict[str, Any], key: str = "") -> None:
        self.key = key
        self.docnames = {page.url: page.docname for page in pages}  # not the pages: they are large
        self._scratch = tempfile.TemporaryDirectory(prefix="blog-pagefind-")
        root = Path(self._scratch.name)
        self.bundle = root / BUNDLE
        for page in pages:
            path = root / "site" / page.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page.html, "utf-8")
        settings = {"site": "site", "output_path": str(self.bundle.resolve()), **config}
        (root / "pagefind.json").write_text(json.dumps(settings), "utf-8")
        self._process = subprocess.Popen(
            [str(pagefind_program()), "--quiet"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self) -> tuple[dict[str, int], dict[str, bytes]]:
        """Wait for Pagefind: the words it found in each page besides its title (by document), and
        the bundle's files in their canonical form."""
        try:
            out, err = self._process.communicate()
            if self._process.returncode != 0:
                raise BuildStopped(f"blogext.search: Pagefind failed:\n{out}{err}")
            docnames = self.docnames
            words = {}
            for fragment in sorted((self.bundle / "fragment").glob("*.pf_fragment")):
                data = json.loads(gzip.decompress(fragment.read_bytes())[len(_SIGNATURE) :])
                title = (data.get("meta") or {}).get("title", "")
                if data.get("url") in docnames:
                    words[docnames[data["url"]]] = data.get("word_count", 0) - len(title.split())
            return words, canonical_bundle(_bundle_files(self.bundle))
        finally:
            self._scratch.cleanup()

    def cancel(self) -> None:
        self._process.kill()
        self._process.communicate()
        self._scratch.cleanup()


def _run_pagefind(pages: list[Indexed], config: dict[str, Any]) -> tuple[dict[str, int], dict[str, bytes]]:
    """Index *pages*: the words Pagefind found in each besides its title, and the bundle's files."""
    return _Pagefind(pages, config).finish()


def _bundle_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in UNUSED_BUNDLE_FILES
    }


# -- Pagefind's output made deterministic ------------------------------------------------------------
# Pagefind writes its filters (tag, category, year) and their values in hash-map order, which changes
# from run to run, and names those files, and the metadata file listing them, by their contents. The
# same pages would give a different bundle each time, and an incremental build one unlike a clean
# build's. The filter files and the metadata are decoded (CBOR, gzipped behind a signature), sorted,
# encoded again and renamed by their new contents; pagefind-entry.json names the new metadata file.

_SIGNATURE = b"pagefind_dcd"


def _cbor_decode(data: bytes, at: int = 0) -> tuple[Any, int]:
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        width = 1 << (info - 24)
        arg = int.from_bytes(data[at : at + width], "big")
        at += width
    else:
        raise ValueError(f"unsupported CBOR item {head:#x}")
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major in (2, 3):
        raw = bytes(data[at : at + arg])
        return (raw if major == 2 else raw.decode("utf-8")), at + arg
    if major in (4, 5):
        items = []
        for _ in range(arg * (2 if major == 5 else 1)):
            item, at = _cbor_decode(data, at)
            items.append(item)
        return (items if major == 4 else dict(zip(items[::2], items[1::2], strict=True))), at
    if major == 7 and info in (20, 21, 22):
        return {20: False, 21: True, 22: None}[info], at
    raise ValueError(f"unsupported CBOR item {head:#x}")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * width):
            return bytes([major << 5 | info]) + arg.to_bytes(width, "big")
    raise ValueError(f"integer too large for CBOR: {arg}")


def _cbor_encode(value: Any) -> bytes:
    if value is None or isinstance(value, bool):
        return bytes([0xF6 if value is None else 0xF5 if value else 0xF4])
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return _cbor_head(5, len(value)) + b"".join(
            _cbor_encode(k) + _cbor_encode(v) for k, v in value.items()
        )
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def _unpack(data: bytes) -> Any:
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return _cbor_decode(raw, len(_SIGNATURE))[0]


def _pack(value: Any) -> tuple[bytes, str]:
    """*value* as a Pagefind data file, and a digest of it to name the file by."""
    raw = _SIGNATURE + _cbor_encode(value)
    return gzip.compress(raw, compresslevel=9, mtime=0), hashlib.sha256(raw).hexdigest()


def canonical_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """*files* (path in the bundle: bytes) with the filters and metadata sorted and renamed to match."""
    out = dict(files)
    renamed: dict[str, str] = {}
    for name in [n for n in files if n.startswith("filter/") and n.endswith(".pf_filter")]:
        key, values = _unpack(out.pop(name))
        data, digest = _pack([key, sorted(values, key=lambda item: item[0])])
        old = name[len("filter/") : -len(".pf_filter")]
        new = f"{old.split('_', 1)[0]}_{digest[:7]}"
        renamed[old] = new
        out[f"filter/{new}.pf_filter"] = data
    entry = json.loads(out["pagefind-entry.json"])
    for language in entry["languages"].values():
        old = language["hash"]
        meta = _unpack(out.pop(f"pagefind.{old}.pf_meta"))
        meta[3] = sorted([key, renamed.get(chunk, chunk)] for key, chunk in meta[3])
        data, digest = _pack(meta)
        language["hash"] = f"{old.split('_', 1)[0]}_{digest[:10]}"
        out[f"pagefind.{language['hash']}.pf_meta"] = data
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return dict(sorted(out.items()))


def _sync(new: dict[str, bytes], folder: Path) -> None:
    """Make *folder* hold exactly *new*: files that differ written, others left untouched."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.rglob("*"), reverse=True):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in new:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for relative, data in new.items():
        path = folder / relative
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _bundle_intact(folder: Path, sizes: dict[str, int]) -> bool:
    if not folder.is_dir():
        return False
    present = {p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    return present == sizes


def _last_run(app: Sphinx) -> dict[str, Any]:
    """What the last Pagefind run left in the doctree folder: its ``fingerprint`` and ``files``."""
    try:
        return json.loads((Path(app.doctreedir) / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def build_index(app: Sphinx) -> bool:
    """Index the site with Pagefind unless nothing it indexes changed. Returns whether it ran."""
    outdir = Path(app.outdir)
    bundle = outdir / BUNDLE
    state_file = Path(app.doctreedir) / STATE_FILE
    pages = pages_to_index(app)
    config = pagefind_config(app)
    key = fingerprint(pages, config, pagefind_version())
    state = _last_run(app)
    if state.get("fingerprint") == key and _bundle_intact(bundle, state.get("files", {})):
        logger.info("blogext.search: the search index is up to date (%d pages)", len(pages))
        _cancel_started(app)
        return False
    if not pages:  # nothing published to search (Pagefind would write no index at all)
        _cancel_started(app)
        logger.warning(
            "no published page to index for search",
            type="blog",
            subtype="search",
            location=app.config.root_doc,
        )
        shutil.rmtree(bundle, ignore_errors=True)
        state_file.unlink(missing_ok=True)
        return False
    started = _take_started(app)
    if started is not None and started.key == key:  # the pages are as they were when it started
        words, files = started.finish()
    else:
        if started is not None:
            started.cancel()
        words, files = _run_pagefind(pages, config)
    _sync(files, bundle)
    logger.info("blogext.search: indexed %d pages with Pagefind", len(pages))
    empty = [docname for docname, count in words.items() if count <= 0]
    for docname in empty:
        logger.warning(
            "the page has nothing to search but its title (is its body empty?)",
            type="blog",
            subtype="search",
            location=docname,
        )
    # After a warning the next build runs Pagefind again, so the warning is not lost.
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state = {} if empty else {"fingerprint": key, "files": {name: len(data) for name, data in files.items()}}
    state_file.write_text(json.dumps(state, indent=1, sort_keys=True), "utf-8")
    return True


def time_index(outdir: Path, language: str = "en") -> float:
    """Seconds Pagefind takes to index the marked pages of the built site *outdir* as a build does
    (the benchmark's "Pagefind build time"); writes nothing into *outdir*."""
    import time

    pages = []
    for path in sorted(outdir.rglob("*.html")):
        html = path.read_text("utf-8")
        if "data-pagefind-body" in html:
            url = "/" + path.relative_to(outdir).as_posix().removesuffix("index.html")
            pages.append(Indexed(url, url, html))
    start = time.perf_counter()
    _run_pagefind(pages, {"exclude_selectors": list(NOT_TEXT), "force_language": language})
    return time.perf_counter() - start


# -- Pagefind started early ---------------------------------------------------------------------------
# The indexed pages are documents' pages: all written when the extensions' pages (archives, feeds)
# are collected. Pagefind starts then, on its own core, while the rest of the build goes on; at the
# end its run is used only if the pages are still, byte for byte, the ones it was given.


def _start_early(app: Sphinx) -> list:
    if app.builder.name in BUILDERS:
        pages, config = pages_to_index(app), pagefind_config(app)
        key = fingerprint(pages, config, pagefind_version())
        if pages and _last_run(app).get("fingerprint") != key:
            app.builder.blog_pagefind = _Pagefind(pages, config, key)
    return []


def _take_started(app: Sphinx) -> _Pagefind | None:
    return app.builder.__dict__.pop("blog_pagefind", None)


def _cancel_started(app: Sphinx) -> None:
    started = _take_started(app)
    if started is not None:
        started.cancel()


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name not in BUILDERS:
        _cancel_started(app)
        return
    outdir = Path(app.outdir)
    _remove_sphinx_search(outdir)
    build_index(app)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.posts")
    app.add_config_value(
        "blog_search_placeholder", "Search the blog", "html", types=[str], description="the search field's"
    )
    app.add_config_value(
        "blog_search_results", 10, "html", types=[int], description="results shown at first, and per 'More'"
    )
    app.connect("config-inited", check_settings)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context)
    app.connect("html-collect-pages", _collect_pages)
    app.connect("html-collect-pages", _start_early, priority=blogext.SEARCH_EARLY)
    app.connect("build-finished", _on_finished, priority=blogext.SEARCH_INDEX)
    app.add_js_file("search.js", loading_method="defer")  # _static/search.js of the site
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
