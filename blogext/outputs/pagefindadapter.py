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
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
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


#: What a part other than the first publishes of its bundle: the rest (pagefind.js, its worker and
#: WebAssembly) is the first part's, which the dialog loads once.
PART_DATA = ("pagefind-entry.json", "index/", "fragment/", "filter/")


def _is_part_data(name: str) -> bool:
    return name.startswith(PART_DATA) or (name.startswith("pagefind.") and name.endswith(".pf_meta"))


class _Stopped(Exception):
    """A run of Pagefind was stopped because its result is not wanted any more."""


def index_folder(work: Path, config: dict[str, Any], first: bool = True, running=None) -> tuple[dict, dict]:
    """Run Pagefind's program on the pages in ``work/site``: the words it found in each page besides
    its title (by URL), and the bundle's files in their canonical form (a part other than the *first*:
    only its own data). *running* (a dict) is given the process while it runs, to stop it."""
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
    files = canonical_bundle(_bundle_files(bundle))
    if not first:
        files = {name: data for name, data in files.items() if _is_part_data(name)}
    return words, files


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
