"""Deploys that build only what changed: the sources' times put back from a manifest of their contents.

    python tools/deploycache.py save    [--root .] [--manifest _build/deploycache.json] [--installed]
    python tools/deploycache.py restore [--root .] [--manifest _build/deploycache.json] [--installed]

The Pages workflow (``.github/workflows/site.yml``) keeps the last deploy's ``_build/doctrees`` and
``_build/html`` in a cache and builds on top of them. Sphinx tells what changed by file times: a
source (or a file it depends on: an image, an include, a ``.bib``, a frozen notebook output) newer
than when it was read is read again, a page whose source or newest template is newer than the page
is written again. A fresh checkout gives every file a new time, so without help Sphinx would read
and write everything again; commit dates cannot help either (a commit can be dated before the last
deploy). So the times are decided by content:

- ``save``, after a successful build, writes the manifest: for every file Git tracks (every file under
  ``--root`` outside the build folders, when it is not a Git checkout), its SHA-256 and its time
  (nanoseconds);
- ``restore``, once the cache is back and before the build, gives every file whose content is the
  manifest's its recorded time, and every file that changed, or is new, the time of now (so it is
  newer than the last build even if the checkout dated it earlier). Sphinx then reads exactly the
  changed files, and notices removed ones itself.

``--installed`` adds the templates (``*.html``) of the installed packages, in the site-packages of the
Python that runs this script (the theme's, ABlog's, Sphinx's own): Sphinx compares the newest template
with each page's time, and the workflow installs them afresh in every run, so they would be newer than
every page, and every page would be written again. Only an unchanged one gets its recorded time back;
nothing else of them is touched (Python's cached bytecode is checked against its source's time).
``nox -s build`` runs both with the Python of its environment when ``BLOG_DEPLOY_CACHE=1``, as the
workflow sets it. Without a manifest, ``restore`` does nothing: the build is clean. Exit status 0 in
every case but bad arguments: the cache only saves time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

#: Bumped when what the manifest holds changes: another version reads as no manifest.
MANIFEST_VERSION = 1
#: Where the manifest goes, beside the cached folders.
DEFAULT_MANIFEST = Path("_build") / "deploycache.json"
#: Folders that are not sources, when the root is not a Git checkout.
NOT_SOURCES = {
    "_build",
    ".git",
    ".nox",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
}
#: What Sphinx compares of a template folder (``BuiltinTemplateLoader.newest_template_mtime``).
TEMPLATE_SUFFIX = ".html"


def source_files(root: Path) -> list[Path]:
    """The files Git tracks under *root* (regular files that exist), or, outside a Git checkout,
    every file under it but those of :data:`NOT_SOURCES`."""
    if (root / ".git").exists():
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True
        ).stdout.decode("utf-8", "surrogateescape")
        paths = [root / name for name in listed.split("\0") if name]
    else:
        paths = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in NOT_SOURCES)
            paths += [Path(folder, name) for name in sorted(files)]
    return [p for p in paths if p.is_file() and not p.is_symlink()]


def installed_templates() -> list[Path]:
    """Every ``*.html`` file of the packages installed for the Python that runs this."""
    folders = dict.fromkeys(Path(sysconfig.get_path(name)) for name in ("purelib", "platlib"))
    found = []
    for folder in folders:
        for here, dirs, files in os.walk(folder):
            dirs.sort()
            found += [Path(here, n) for n in sorted(files) if n.endswith(TEMPLATE_SUFFIX)]
    return [p for p in found if p.is_file() and not p.is_symlink()]


def _name(path: Path, root: Path) -> str:
    """How the manifest names *path*: relative to *root* when under it, else absolute."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _digest(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def files_of(root: Path, installed: bool) -> dict[str, tuple[Path, bool]]:
    """Every file the manifest covers, by its name in the manifest: (its path, whether it is a source)."""
    found = {_name(p, root): (p, False) for p in (installed_templates() if installed else [])}
    found.update({_name(p, root): (p, True) for p in source_files(root)})
    return found


def save(root: Path, manifest: Path, installed: bool = False) -> int:
    """Write the manifest of every covered file's content and time; the number of files."""
    files = {}
    for name, (path, _source) in files_of(root, installed).items():
        files[name] = [_digest(path), path.stat().st_mtime_ns]
    manifest.parent.mkdir(parents=True, exist_ok=True)
    partial = manifest.with_name(manifest.name + ".tmp")
    partial.write_text(json.dumps({"version": MANIFEST_VERSION, "files": files}, sort_keys=True), "utf-8")
    partial.replace(manifest)
    return len(files)


def load(manifest: Path) -> dict[str, list]:
    """The manifest's files (name: [sha256, mtime_ns]); empty when it is missing, damaged or older."""
    try:
        stored = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("version") != MANIFEST_VERSION:
        return {}
    files = stored.get("files")
    return files if isinstance(files, dict) else {}


def restore(root: Path, manifest: Path, installed: bool = False) -> dict[str, int] | None:
    """Give unchanged files their recorded times, changed and new sources the time of now (changed and
    new templates of installed packages keep theirs). Returns how many files were ``unchanged``,
    ``changed`` and ``new``; None without a manifest."""
    recorded = load(manifest)
    if not recorded:
        return None
    now = time.time_ns()
    counts = {"unchanged": 0, "changed": 0, "new": 0}
    for name, (path, source) in files_of(root, installed).items():
        entry = recorded.get(name)
        if entry is None:
            kind, mtime = "new", now
        elif _digest(path) == entry[0]:
            kind, mtime = "unchanged", entry[1]
        else:
            kind, mtime = "changed", now
        counts[kind] += 1
        if (source or kind == "unchanged") and path.stat().st_mtime_ns != mtime:
            os.utime(path, ns=(mtime, mtime))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "restore"))
    parser.add_argument("--root", type=Path, default=Path("."), help="the site's folder (default: .)")
    parser.add_argument(
        "--manifest", type=Path, help=f"the manifest (default: {DEFAULT_MANIFEST} under the root)"
    )
    parser.add_argument(
        "--installed",
        action="store_true",
        help="also the installed packages' *.html templates, which Sphinx compares with the pages",
    )
    args = parser.parse_args(argv)
    manifest = args.manifest or args.root / DEFAULT_MANIFEST
    if args.action == "save":
        count = save(args.root, manifest, args.installed)
        print(f"deploycache: the contents and times of {count} files saved in {manifest}")
        return 0
    counts = restore(args.root, manifest, args.installed)
    if counts is None:
        print(f"deploycache: no manifest at {manifest}: the build will be clean")
    else:
        print(
            "deploycache: {unchanged} files unchanged since the last deploy (their times put back), "
            "{changed} changed and {new} new (dated now)".format(**counts)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
