"""The deploy row of the benchmark: a deploy after one new post, from a fresh clone with the cache restored.

What the Pages workflow does on a push that adds a post (docs/hosting.md): the last deploy's doctrees,
site and manifest come back from its cache into a fresh checkout, where every file has a new time;
``tools/deploycache.py restore`` gives the unchanged files their old times; ``nox -s build`` copies
the site and the doctrees (its staging copies) and builds incrementally. :func:`keep` is called right
after a clean build (the cache the last deploy saved); :func:`time_deploy` later makes the fresh
checkout (the sources copied again at the same place, every file with a new time, as a clone gives
them), puts the kept folders back, adds the post, and times the restore, the two copies and the
build. Downloading the cache is not timed (it depends on the host, not on the blog).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import deploycache  # noqa: E402

#: What the cache holds, under the work folder: the build's folders and the manifest.
CACHE = "deploy-cache"


def keep(src: Path, outdir: Path, doctrees: Path, work: Path) -> Path:
    """Keep a copy of the last build as the workflow's cache does (times kept), with the manifest."""
    cache = work / CACHE
    shutil.rmtree(cache, ignore_errors=True)
    for folder in (outdir, doctrees):
        shutil.copytree(folder, cache / folder.name, symlinks=True)
    deploycache.save(src, cache / "deploycache.json")
    return cache


def fresh_checkout(src: Path) -> None:
    """The sources where they were, every file with a new time (as ``git clone`` writes them; the link to
    ``node_modules`` kept, as ``npm ci`` makes it again)."""
    clone = src.with_name(src.name + ".clone")
    shutil.rmtree(clone, ignore_errors=True)
    shutil.copytree(src, clone, symlinks=True, copy_function=shutil.copyfile)  # node_modules: a link
    shutil.rmtree(src)
    clone.rename(src)


def time_deploy(
    src: Path,
    outdir: Path,
    doctrees: Path,
    cache: Path,
    add_post: Callable[[], None],
    build: Callable[[], float],
) -> float:
    """Seconds a deploy takes after *add_post*: restore, the staging copies, and *build* (which runs the
    build and returns its seconds), from a fresh checkout of *src* with *cache* restored."""
    fresh_checkout(src)
    for folder in (outdir, doctrees):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(cache / folder.name, folder, symlinks=True)
    add_post()
    start = time.perf_counter()
    counts = deploycache.restore(src, cache / "deploycache.json")
    seconds = time.perf_counter() - start
    assert counts is not None and counts["unchanged"] > 0, "the manifest did not match the sources"
    for folder in (outdir, doctrees):  # what nox -s build copies before it builds
        staging = folder.with_name(folder.name + ".staging")
        start = time.perf_counter()
        shutil.copytree(folder, staging, symlinks=True)
        seconds += time.perf_counter() - start
        shutil.rmtree(staging)
    return seconds + build()
