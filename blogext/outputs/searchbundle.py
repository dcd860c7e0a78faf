"""The search index's bundle: pages laid out for Pagefind, the parts' runs and their merged index put
together into ``<output>/pagefind/``, files written only where they differ (not an extension;
:mod:`blogext.outputs.searchindex` decides what is indexed and when; Pagefind itself is behind
:mod:`blogext.outputs.pagefindadapter`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from blogext.outputs.pagefindadapter import index_folder, merge_parts, read_part, sort_values, split_part


def file_of(url: str) -> str:
    """The file of the page at *url* (from the site's root), relative to the output folder."""
    path = url.lstrip("/")
    return path + "index.html" if not path or path.endswith("/") else path


#: The most pages in one part of the index (``blogext_search_part_pages``): what an edit reindexes.
PART_PAGES = 100


def run_pagefind(
    pages: list[tuple[str, str]], config: dict[str, Any]
) -> tuple[dict[str, int], dict[str, bytes]]:
    """Index *pages* ((URL, HTML) pairs) in one index, by one run of Pagefind: the words it found in
    each besides its title (by URL), and the bundle's files."""
    with tempfile.TemporaryDirectory(prefix="blog-pagefind-") as scratch:
        lay_out(Path(scratch), pages)
        return index_folder(Path(scratch), config)


def index_in_parts(
    pages: list[tuple[str, str]], config: dict[str, Any], size: int = PART_PAGES
) -> dict[str, bytes]:
    """Index *pages* ((URL, HTML) pairs, in order) as a build does: in parts of *size* pages, one run
    of Pagefind each, merged into one index. The bundle's files."""
    indexes, runs, bundle = [], [], {}
    for start in range(0, len(pages), size):
        index, fragments, program = index_part(pages[start : start + size], config)
        indexes.append(index)
        runs.append((fragments, program))
    merged, names = merge_parts(indexes)
    for (fragments, program), named in zip(runs, names, strict=True):
        bundle.update(program)
        bundle.update({fragment_file(named[page]): data for page, data in fragments.items()})
    bundle.update(merged)  # (merge_parts gives None only for files it is told are there)
    return dict(sorted(bundle.items()))


def index_part(
    pages: list[tuple[str, str]], config: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, bytes], dict[str, bytes]]:
    """One part of *pages* ((URL, HTML) pairs, in order) indexed by Pagefind: the part's index
    (:func:`blogext.outputs.pagefindadapter.read_part`), its fragments and Pagefind's program files."""
    files = run_pagefind(pages, config)[1]
    sorts = {url: sort_values(html) for url, html in pages}
    return (read_part(files, [url for url, _html in pages], sorts), *split_part(files))


def fragment_file(name: str) -> str:
    return f"fragment/{name}.pf_fragment"


def lay_out(work: Path, pages: list[tuple[str, str]]) -> None:
    """Write *pages* ((URL, HTML) pairs) into ``work/site``, where :func:`index_folder` indexes them."""
    for url, html in pages:
        target = work / "site" / file_of(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, "utf-8")


def sync(folder: Path, new: dict[str, bytes], kept: set[str]) -> None:
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


def intact(folder: Path, sizes: dict[str, int]) -> bool:
    """Whether the files *sizes* names (path in the bundle *folder*: size) are all there, as written."""
    if not sizes:
        return False
    for name, size in sizes.items():
        try:
            if (folder / name).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


def assemble(
    bundle: Path,
    parts: list,  # searchindex.Part
    state: dict[str, Any],
    results: dict[str, Any],  # searchindex._Run by part
    indexes: dict[str, dict],
    merged: bool,
) -> tuple[dict[str, bytes], set[str], dict[str, Any]]:
    """The bundle's files: those to write (path: bytes), those to keep as they are, and their record.
    The merged index made again unless it is (*merged*) the parts' as they are; each part's fragments
    (and the first part's program files) from its run, else kept (moved if their name changed)."""
    new: dict[str, bytes] = {}
    kept: set[str] = set()
    last_merge = state.get("merged") or {}
    if merged:
        names = [state["parts"][part.name]["names"] for part in parts]
        kept.update(last_merge["files"])
        record = {"merged": last_merge, "parts": {}}
    else:
        have = frozenset(  # the chunks the last merge wrote, that are still there
            path
            for path, size in last_merge.get("files", {}).items()
            if path.startswith("index/") and intact(bundle, {path: size})
        )
        files, names = merge_parts([indexes[part.name] for part in parts], have)
        sizes = {}
        for path, data in files.items():
            if data is None:
                kept.add(path)
                sizes[path] = last_merge["files"][path]
            else:
                new[path] = data
                sizes[path] = len(data)
        record = {"merged": {"keys": [part.key for part in parts], "files": sizes}, "parts": {}}
    for part, named in zip(parts, names, strict=True):
        run = results.get(part.name)
        if run is not None:
            given = {**(run.program if part.first else {})}
            given.update({fragment_file(named[page]): data for page, data in run.fragments.items()})
            new.update(given)
            sizes = {path: len(data) for path, data in given.items()}
        else:
            last = state["parts"][part.name]
            sizes = dict(last["files"])
            for page, name in named.items():
                old, path = fragment_file(last["names"][page]), fragment_file(name)
                if old != path:  # another part's page took its name, or gave it back
                    new[path] = (bundle / old).read_bytes()
                    sizes[path] = sizes.pop(old)
            kept.update(path for path in sizes if path not in new)
        record["parts"][part.name] = {"key": part.key, "files": sizes, "names": named}
    return new, kept, record
