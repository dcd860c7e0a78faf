"""The door to Pagefind: its program run on a folder of pages, and its output read and made
deterministic (not an extension). Only this module knows Pagefind's files and program;
:mod:`blogext.outputs.searchindex` decides what is indexed, in which parts, and when.

Private or undocumented uses of Pagefind, each waiting for a public API:

1. Pagefind's program is found with ``pagefind.service.get_executable`` (waits for a documented way to
   find the program that ``pagefind[bin]`` ships).
2. Its data files are read and written again: gzipped CBOR behind the ``pagefind_dcd`` signature, the
   filters and metadata sorted and renamed by their new contents (waits for Pagefind writing the same
   bundle from the same pages).
3. Its fragments are read for each page's ``word_count`` (waits for Pagefind reporting what it indexed).
4. Indexes of parts of the site, made by separate runs, are merged into one (``merge_parts``: their
   word chunks, filters, sorts and metadata decoded, the pages numbered anew and encoded again,
   chunked as Pagefind chunks them, ``CHUNK_LOCATIONS``; Pagefind's ``MERGED_VERSIONS`` only), so an
   edit indexes one part again while readers load one index (waits for Pagefind indexing
   incrementally, or merging indexes when it writes them).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cbor2

from blogext.core.errors import BuildStopped

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


def pagefind_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pagefind")
    except PackageNotFoundError:
        raise BuildStopped(
            "blogext.outputs.search: the pagefind package is missing, so the site would have no search "
            "(install the lock: pip install -r requirements/site.txt)"
        ) from None


def pagefind_program() -> Path:
    """Pagefind's program: the one the ``pagefind`` package finds (``pagefind[bin]`` ships it)."""
    from pagefind.service import get_executable

    program = get_executable()
    if program is None or not Path(program).is_file():
        raise BuildStopped(
            "blogext.outputs.search: Pagefind's program is missing, so the site would have no search "
            "(install "
            "the lock, which has pagefind[bin]: pip install -r requirements/site.txt)"
        )
    return Path(program)


class _Stopped(Exception):
    """A run of Pagefind was stopped because its result is not wanted any more."""


def index_folder(work: Path, config: dict[str, Any], running=None) -> tuple[dict, dict]:
    """Run Pagefind's program on the pages in ``work/site``: the words it found in each page besides
    its title (by URL), and the bundle's files in their canonical form. *running* (a dict) is given
    the process while it runs, to stop it."""
    bundle = work / BUNDLE
    settings = {"site": "site", "output_path": str(bundle.resolve()), **config}
    (work / "pagefind.json").write_text(json.dumps(settings), "utf-8")
    # One thread: Pagefind's own threads took as long on 2 cores, with half again the CPU time,
    # taken from the build that goes on beside it.
    environment = {**os.environ, "RAYON_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [str(pagefind_program()), "--quiet"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    if running is not None:
        running[work.name] = process
    out, err = process.communicate()
    if running is not None and running.pop(work.name, None) is None:
        raise _Stopped(work.name)
    if process.returncode != 0:
        raise BuildStopped(f"blogext.outputs.search: Pagefind failed:\n{out}{err}")
    words = {}
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = json.loads(gzip.decompress(fragment.read_bytes())[len(_SIGNATURE) :])
        title = (data.get("meta") or {}).get("title", "")
        words[data.get("url")] = data.get("word_count", 0) - len(title.split())
    return words, canonical_bundle(_bundle_files(bundle))


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
# encoded again (cbor2) and renamed by their new contents; pagefind-entry.json names the new metadata file.

_SIGNATURE = b"pagefind_dcd"


def _unpack(data: bytes) -> Any:
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return cbor2.loads(raw[len(_SIGNATURE) :])


def _pack(value: Any) -> tuple[bytes, str]:
    """*value* as a Pagefind data file, and a digest of it to name the file by."""
    raw = _SIGNATURE + cbor2.dumps(value)
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


# -- indexes of parts merged into one -----------------------------------------------------------------
# Pagefind has no incremental mode: the build indexes the site in parts (each its own run, on a folder of
# its pages), keeps each part's index (:func:`read_part`, JSON values) and merges them into the one index
# readers load (:func:`merge_parts`), so a changed page means running Pagefind on its part only. A part's
# pages are numbered in the order the build gives them (not Pagefind's, which follows its walk of the
# folder), so the merged index depends on the pages only, and it is Pagefind's own index of all the pages
# (the same words, locations, filters, sorts and chunks; tests/test_searchmerge.py).
#
# Pagefind 1.5's files, as read here: the metadata ``[version, pages, chunks, filters, sorts, fields]``
# (pages ``[hash, word count]``, chunks ``[from, to, hash]``, filters ``[name, hash]``, sorts
# ``[name, [page numbers, ascending]]``, fields the metadata's names); a word chunk ``[[[word, pages,
# variants], ...]]`` (words in order, without diacritics; variants ``[[the word as written, pages],
# ...]``; pages ``[page number, locations, metadata locations]``, each page number given as the
# difference from the one before; a location below zero sets the weight of those after it, a metadata
# location below zero their field, ``-(index + 1)``); a filter ``[name, [[value, [page numbers]],
# ...]]``. A part keeps each word's pages encoded (CBOR) but for the first, whose difference depends on
# the parts before it, so a merge mostly joins bytes.

#: Pagefind's versions whose files :func:`read_part` and :func:`merge_parts` know.
MERGED_VERSIONS = ("1.5.",)
#: Pagefind closes a word chunk once its words hold this many locations (each page one more; the
#: pages of the words as written with diacritics not counted).
CHUNK_LOCATIONS = 20_000
#: The files of Pagefind's program, the same in every run (its script, worker and WebAssembly).
PROGRAM_FILES = ("pagefind.js", "pagefind-worker.js", "wasm.")
#: The merged word chunks' compression: Pagefind's own (zlib's default); the chunks are most of what a
#: merge writes, each time.
CHUNK_COMPRESSION = 6
_SORT_ATTRIBUTE = re.compile(r'data-pagefind-sort="([^"]*)"')


def _check_version(version: str) -> None:
    if not version.startswith(MERGED_VERSIONS):
        raise BuildStopped(
            f"blogext.outputs.search: the search index's parts cannot be merged with Pagefind {version} "
            f"(its files are known for {', '.join(v + 'x' for v in MERGED_VERSIONS)}): install the lock's "
            "pagefind (pip install -r requirements/site.txt)"
        )


def sort_values(page: str) -> dict[str, str]:
    """The sort keys a page (its HTML) gives Pagefind (``data-pagefind-sort="key:value"``), by key."""
    found = {}
    for raw in _SORT_ATTRIBUTE.findall(page):
        key, colon, value = html.unescape(raw).partition(":")
        if not colon:
            raise BuildStopped(
                f"blogext.outputs.search: data-pagefind-sort={raw!r}: the index's parts are merged only "
                "from sort keys given as key:value"
            )
        found[key] = value
    return found


def _head(major: int, count: int) -> bytes:
    """The head of a CBOR item of *major* type (0: a whole number, 4: an array) and *count*."""
    if count < 24:
        return bytes([major << 5 | count])
    for code, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if count < 1 << (8 * size):
            return bytes([major << 5 | code]) + count.to_bytes(size, "big")
    raise ValueError(count)


def _fragment_url(data: bytes) -> str:
    return json.loads(gzip.decompress(data)[len(_SIGNATURE) :])["url"]


def read_part(files: dict[str, bytes], urls: list[str], sorts: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A part's index (*files*, its canonical bundle) as JSON values to keep and merge
    (:func:`merge_parts`): its pages numbered in the order of *urls* (the pages it was given; one
    Pagefind did not index is left out), with each page's sort values (*sorts*, by URL)."""
    entry = json.loads(files["pagefind-entry.json"])
    if len(entry["languages"]) != 1:
        raise BuildStopped("blogext.outputs.search: the index's parts are merged for one language only")
    _check_version(entry["version"])
    ((language, about),) = entry["languages"].items()
    version, pages, chunks, filters, sort_lists, fields = _unpack(files[f"pagefind.{about['hash']}.pf_meta"])
    url_of = [_fragment_url(files[f"fragment/{page_hash}.pf_fragment"]) for page_hash, _count in pages]
    indexed = set(url_of)
    place = {url: at for at, url in enumerate(url for url in urls if url in indexed)}
    number = [place[url] for url in url_of]  # Pagefind's page number -> the build's
    ordered = sorted(range(len(pages)), key=number.__getitem__)
    words = {}  # word: {"": its pages, each variant: its pages}
    for _from, _to, chunk_hash in chunks:
        for word, entries, variants in _unpack(files[f"index/{chunk_hash}.pf_index"])[0]:
            words[word] = {"": _pages_kept(entries, number)}
            words[word].update((form, _pages_kept(pages_, number)) for form, pages_ in variants)
    by_filter = {}
    for name, filter_hash in filters:
        _name_, values = _unpack(files[f"filter/{filter_hash}.pf_filter"])
        by_filter[name] = {value: sorted(number[p] for p in numbers) for value, numbers in values}
    return {
        "version": version,
        "language": language,
        "entry": {key: value for key, value in entry.items() if key != "languages"},
        "wasm": about.get("wasm"),
        "pages": [[pages[p][0], pages[p][1], url_of[p]] for p in ordered],
        "fragments": {
            pages[p][0]: hashlib.sha256(files[f"fragment/{pages[p][0]}.pf_fragment"]).hexdigest()
            for p in ordered
        },
        "words": words,
        "filters": by_filter,
        "sorts": {
            name: [[number[p], sorts.get(url_of[p], {}).get(name, "")] for p in listed]
            for name, listed in sort_lists
        },
        "fields": fields,
    }


def split_part(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A part's bundle: its pages' fragments (by page hash), and Pagefind's program (the same in all)."""
    fragments = {
        name[len("fragment/") : -len(".pf_fragment")]: data
        for name, data in files.items()
        if name.startswith("fragment/")
    }
    program = {name: data for name, data in files.items() if name.startswith(PROGRAM_FILES)}
    return fragments, program


def _sorted_pages(values: list[tuple[int, str]]) -> list[int]:
    """Pages sorted by their value, as Pagefind sorts: as numbers if every value is one, else as text."""
    try:
        keyed = [(float(value), page) for page, value in values]
    except ValueError:
        keyed = [(value, page) for page, value in values]
    return [page for _value, page in sorted(keyed)]


def _prefixes(before: str, after: str) -> tuple[str, str]:
    """The shortest beginnings that tell *before* (the end of a chunk) from *after* (the next's start)."""
    common = 0
    for a, b in zip(after, before, strict=False):
        if a != b:
            break
        common += 1
    return before[: common + 1], after[: common + 1]


def _name(language: str, digest: str, taken: set[str], length: int = 7) -> str:
    name = f"{language}_{digest[:length]}"
    while name in taken:
        length += 1
        name = f"{language}_{digest[:length]}"
    taken.add(name)
    return name


def _pages_kept(entries: list, number: list[int]) -> list:
    """A word's *entries* in a part (Pagefind's pages, numbered as it numbered them) as a part keeps
    them: ``[first page, last page number, pages, locations, the others encoded]``, numbered anew
    (*number*: Pagefind's number -> the build's), the first page ``[number, locations, metadata
    locations]`` (``None`` if none), the others each as a difference from the one before, in CBOR."""
    page, absolute = 0, []
    for delta, locations, meta_locations in entries:
        page += delta
        absolute.append([number[page], locations, meta_locations])
    absolute.sort(key=lambda item: item[0])
    cost = sum(len(locations) + len(meta_locations) + 1 for _p, locations, meta_locations in absolute)
    if not absolute:
        return [None, 0, 0, cost, ""]
    rest, last = [], absolute[0][0]
    for page, locations, meta_locations in absolute[1:]:
        rest.append(cbor2.dumps([page - last, locations, meta_locations]))
        last = page
    return [absolute[0], last, len(absolute), cost, base64.b64encode(b"".join(rest)).decode("ascii")]


def _moved_fields(encoded: bytes, first: list, moved: dict[int, int]) -> tuple[list, bytes]:
    """A word's pages in a part, its metadata locations given the merged index's field numbers."""
    entries = [first, *cbor2.loads(b"\x9f" + encoded + b"\xff")]
    for entry in entries:
        entry[2] = [moved[loc] if loc < 0 else loc for loc in entry[2]]
    return entries[0], b"".join(cbor2.dumps(entry) for entry in entries[1:])


def merge_parts(
    parts: list[dict[str, Any]], have: frozenset[str] = frozenset()
) -> tuple[dict[str, bytes | None], list[dict[str, str]]]:
    """One index of the *parts* (:func:`read_part`), their pages numbered one part after another: the
    bundle's metadata, word chunks, filters and entry; and for each part, the names of its pages'
    fragments in the bundle (``fragment/<name>.pf_fragment``) by their hash in the part: the same, but
    for a page whose hash an earlier part's page has, which is given a longer one. A word chunk named
    in *have* (files written by an earlier merge: a chunk's name is its contents' digest) is given as
    ``None``, not compressed again. The chunks are compressed on every core (zlib lets go of the GIL)."""
    if not parts:
        raise ValueError("no part to merge")
    language, version = parts[0]["language"], parts[0]["version"]
    _check_version(version)
    if any(part["language"] != language or part["version"] != version for part in parts):
        raise BuildStopped("blogext.outputs.search: the index's parts differ in language or Pagefind version")
    fields = sorted({field for part in parts for field in part["fields"]})
    pages: list[list] = []
    names: list[dict[str, str]] = []
    taken: dict[str, str] = {}  # each fragment's name in the bundle: its file's digest
    words: dict[str, dict[str, list]] = {}  # word: form: [pieces of its pages, last page, count, cost]
    filters: dict[str, dict[str, list[int]]] = {}
    sorts: dict[str, list[tuple[int, str]]] = {}
    for part in parts:
        offset = len(pages)
        moved = {-(at + 1): -(fields.index(field) + 1) for at, field in enumerate(part["fields"])}
        names.append({})
        for page_hash, count, _url in part["pages"]:
            digest = part["fragments"][page_hash]
            name = page_hash
            if taken.get(name, digest) != digest:  # another page has that hash: a longer one
                name = _name(language, digest, set(taken), length=8)
            taken[name] = digest
            names[-1][page_hash] = name
            pages.append([name, count])
        for word, forms in part["words"].items():
            into = words.setdefault(word, {})
            for form, (first, last, count, cost, encoded) in forms.items():
                merged = into.setdefault(form, [[], None, 0, 0])
                merged[3] += cost
                if first is None:
                    continue
                rest = base64.b64decode(encoded)
                if part["fields"] != fields:
                    first, rest = _moved_fields(rest, list(first), moved)
                delta = first[0] + offset - (merged[1] or 0)
                merged[0] += [cbor2.dumps([delta, first[1], first[2]]), rest]
                merged[1] = last + offset
                merged[2] += count
        for name, values in part["filters"].items():
            into = filters.setdefault(name, {})
            for value, numbers in values.items():
                into.setdefault(value, []).extend(page + offset for page in numbers)
        for name, values in part["sorts"].items():
            sorts.setdefault(name, []).extend((page + offset, value) for page, value in values)
    out: dict[str, bytes] = {}
    chunks: list[list[str]] = [[]]
    size = 0
    for word in sorted(words):
        chunks[-1].append(word)
        size += words[word].get("", [[], None, 0, 0])[3]  # (the variants' pages are not counted)
        if size >= CHUNK_LOCATIONS:
            chunks.append([])
            size = 0
    chunks = [chunk for chunk in chunks if chunk]
    bounds = [[chunk[0], chunk[-1]] for chunk in chunks]
    for before, after in zip(bounds, bounds[1:], strict=False):
        end, start = _prefixes(before[1], after[0])
        # A chunk's end is never shortened to before its start (its one word past it): the whole word.
        before[1], after[0] = (end if end >= before[0] else before[1]), start
    meta_chunks = []
    chunk_names: set[str] = set()
    to_compress: dict[str, bytes] = {}
    for (first, last), chunk in zip(bounds, chunks, strict=True):
        body = [_head(4, 1), _head(4, len(chunk))]
        for word in chunk:
            forms = words[word]
            pieces, _last, count, _cost = forms.get("", [[], None, 0, 0])
            variants = sorted(form for form in forms if form)
            body += [_head(4, 3), cbor2.dumps(word), _head(4, count), *pieces, _head(4, len(variants))]
            for form in variants:
                pieces, _last, count, _cost = forms[form]
                body += [_head(4, 2), cbor2.dumps(form), _head(4, count), *pieces]
        raw = _SIGNATURE + b"".join(body)
        name = _name(language, hashlib.sha256(raw).hexdigest(), chunk_names)
        path = f"index/{name}.pf_index"
        if path in have:
            out[path] = None
        else:
            to_compress[path] = raw
        meta_chunks.append([first, last, name])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        compressed = pool.map(
            lambda raw: gzip.compress(raw, CHUNK_COMPRESSION, mtime=0), to_compress.values()
        )
        out.update(zip(to_compress, compressed, strict=True))
    meta_filters = []
    filter_names: set[str] = set()
    for name in sorted(filters):
        values = [[value, sorted(numbers)] for value, numbers in sorted(filters[name].items())]
        data, digest = _pack([name, values])
        file_name = _name(language, digest, filter_names)
        out[f"filter/{file_name}.pf_filter"] = data
        meta_filters.append([name, file_name])
    meta_sorts = [[name, _sorted_pages(values)] for name, values in sorted(sorts.items())]
    data, digest = _pack([version, pages, meta_chunks, meta_filters, meta_sorts, fields])
    meta_name = f"{language}_{digest[:10]}"
    out[f"pagefind.{meta_name}.pf_meta"] = data
    about = {"hash": meta_name, "wasm": parts[0]["wasm"], "page_count": len(pages)}
    entry = {"version": parts[0]["entry"]["version"], "languages": {language: about}}
    entry.update((key, value) for key, value in sorted(parts[0]["entry"].items()) if key != "version")
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return dict(sorted(out.items())), names
