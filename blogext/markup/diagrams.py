"""Mermaid diagrams: checked by mermaid's parser when the site is built, drawn in the reader's browser
by a copy of mermaid served from the site, only when a diagram comes near the viewport.

A ```` ```mermaid ```` fence (``myst_fence_as_directive`` in ``conf.py``) or a
``{mermaid}`` directive is sphinxcontrib-mermaid's node, written as a ``<pre class="mermaid">``
holding the diagram's source (each given an anchor, ``diagram-1``, ``diagram-2``...). This module:

- checks every diagram when reading is done (``env-updated``): ONE Node process a build
  (:mod:`blogext.core.nodeworker`) runs ``mermaid_worker.mjs``, mermaid's own ``mermaid.parse``, on the
  diagrams the cache (``blogext-diagrams.json`` in the doctree folder, :mod:`blogext.core.cache`, by
  digest of the source and mermaid's version) lacks, in a process beside the build
  (:mod:`blogext.core.beside`) while the pages are written; at the build's end, a diagram mermaid
  cannot parse is a ``blog.diagrams`` warning naming the file, the line of the fence and mermaid's
  message, on every build until it is fixed;
- replaces sphinxcontrib-mermaid's loader (a module that imports all of mermaid as the page opens, on
  every page) by ``_static/diagrams.js``, on pages with a diagram only: it imports mermaid when a
  diagram is within a screen of the viewport (IntersectionObserver), draws it in the page's light or
  dark theme (again when the theme changes), and sizes it to its content (never wider than mermaid
  draws it; on a narrow screen scaled down no further than three quarters, then scrolled sideways in
  a focusable box whose shadows show it scrolls); ``_static/diagrams.css`` styles the box;
- serves the site's own build of mermaid (:func:`site_build`): esbuild, installed by npm with
  mermaid, bundles mermaid's ES module core and its dependencies (``mermaid_bundle.mjs``) once per
  version of mermaid, esbuild and script, into ``node_modules/.cache/blog-mermaid/``; the same layout
  and chunks as mermaid's own browser build, about 11% fewer bytes (mermaid's own keeps its
  dependencies' function names); mermaid's own build, ``node_modules/mermaid/dist`` (``npm ci
  --omit=dev`` in the site's folder; ``nox -s build`` runs it), when esbuild or Node is missing;
- copies into ``_static/mermaid/``, after a build in which a published page has a diagram (when no
  page has one, the copy is removed), the entry module and only the chunks reachable from it and from
  the diagram types the site's diagrams are (as the check found them), following the modules' own
  ``import`` statements (:func:`needed_files`): mermaid fetches a diagram type's chunks only when a
  diagram of that type is drawn, so a page fetches the shared core and its own diagram types'
  chunks, and the site holds no other type's;
- a diagram on a page while the npm package (or Node) is missing is a ``blog.diagrams`` warning
  naming the file and line, so the strict build fails instead of publishing a page whose diagram
  never draws.

Feeds (:mod:`blogext.outputs.feeds`) replace each diagram by a link to it on the page.

``blogext_mermaid_dist`` (``conf.py``) names another folder holding mermaid's
``dist`` files; by default the ``node_modules`` next to ``conf.py``, then the one
next to ``blogext``.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import sphinxcontrib.mermaid
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinxcontrib.mermaid import mermaid

import blogext
from blogext.core import assets, beside, buildstate, cache, nodeworker, perdoc, settings, sphinxinternals
from blogext.core.settings import setting

logger = logging.getLogger(__name__)

#: Where the copy goes, under the output's ``_static``.
STATIC_FOLDER = "mermaid"
ENTRY = "mermaid.esm.min.mjs"
CHUNKS = Path("chunks") / "mermaid.esm.min"
WORKER = Path(__file__).with_name("mermaid_worker.mjs")
BUNDLER = Path(__file__).with_name("mermaid_bundle.mjs")
#: The site's builds of mermaid, under ``node_modules/.cache`` (by version of mermaid, esbuild, script).
BUILD_CACHE = "blog-mermaid"
CACHE_NAME = "diagrams"
#: The files the pages need of each build of mermaid, by the diagram types they draw (see :func:`_needed`).
FILES_CACHE_NAME = "diagram-files"
#: Bump when what this module asks of mermaid changes, to check every diagram again.
CACHE_VERSION = 1
#: The page's script that loads mermaid when a diagram nears the viewport (in the site's ``_static``).
LOADER = "diagrams.js"
ANCHOR = "diagram-{}"


class Diagram(NamedTuple):
    """A diagram as its page has it."""

    line: int
    source: str


def _set_local(app: Sphinx, config: Config) -> None:
    if not config.mermaid_use_local:
        config.mermaid_use_local = f"{STATIC_FOLDER}/{ENTRY}"
    if config.mermaid_height == "500px":  # sphinxcontrib-mermaid's default: a small diagram in a tall box
        config.mermaid_height = "auto"
    if config.mermaid_fullscreen_button == "\u26f6":  # a glyph few system fonts have
        config.mermaid_fullscreen_button = "\u2922"


def _has_diagram(doctree) -> bool:
    return doctree is not None and doctree.next_node(mermaid) is not None


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if _has_diagram(doctree):
        app.add_css_file("diagrams.css")
        app.add_js_file(LOADER, type="module")


def _drop_loader(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    """sphinxcontrib-mermaid's loader (which imports mermaid as the page opens) is on no page:
    ``diagrams.js`` loads mermaid, on pages with a diagram, when one is near the viewport."""
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_mermaid_loader(s)]


def _is_mermaid_loader(script) -> bool:
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "import mermaid from" in body


def dist_folder(app: Sphinx) -> Path | None:
    """The folder with mermaid's ES module build, or None when it is not installed."""
    if folder := settings.of(app.config, DiagramsSettings).mermaid_dist:
        candidates = [Path(app.confdir) / folder]
    else:
        candidates = [
            Path(app.confdir) / "node_modules" / "mermaid" / "dist",
            Path(__file__).resolve().parents[2] / "node_modules" / "mermaid" / "dist",
        ]
    for folder in candidates:
        if (folder / ENTRY).is_file() and (folder / CHUNKS).is_dir():
            return folder
    return None


# -- reading ----------------------------------------------------------------------------------


def _diagrams(env: BuildEnvironment) -> dict[str, list[Diagram]]:
    """Docname -> its diagrams in order, for every document with one (kept per document:
    :mod:`blogext.core.perdoc`)."""
    return perdoc.of(env, "blog_diagrams")


def _on_doctree_read(app: Sphinx, doctree) -> None:
    found = []
    for number, node in enumerate(doctree.findall(mermaid), start=1):
        found.append(Diagram(node.line or 1, node["code"]))
        if not node["ids"] and ANCHOR.format(number) not in doctree.ids:  # the link a feed entry gives
            node["ids"].append(ANCHOR.format(number))
            doctree.ids[node["ids"][0]] = node
    if found:
        _diagrams(app.env)[app.env.docname] = found


def _published_with_diagrams(app: Sphinx) -> dict[str, list[Diagram]]:
    return {d: found for d, found in sorted(_diagrams(app.env).items()) if d in app.env.all_docs}


# -- checking, once reading is done ------------------------------------------------------------


def _version(source: Path) -> str:
    return json.loads((source.parent / "package.json").read_text("utf-8"))["version"]


def _key(version: str, source: str) -> str:
    return hashlib.sha256(json.dumps([CACHE_VERSION, version, source]).encode()).hexdigest()[:32]


def parse(sources: list[str], dist: Path) -> list[dict[str, str]]:
    """Each source parsed by mermaid in one Node process: {"type": ...} or {"error": ...}."""
    worker = nodeworker.Worker(WORKER, [str(dist.parent)], "mermaid")
    try:
        return worker.ask({"items": sources})["results"]
    finally:
        worker.close()


def _parsed_or_problem(sources: list[str], dist: Path) -> tuple[list[dict[str, str]] | None, str]:
    """:func:`parse`, or why mermaid could not be run (beside the build: see :func:`_check`)."""
    try:
        return parse(sources, dist), ""
    except nodeworker.NodeUnavailable as problem:
        return None, str(problem)


@dataclass
class _Check:
    """The diagrams' check of this build, between reading's end and the build's end."""

    pages: dict[str, list[Diagram]]
    version: str
    keys: dict[str, str]  # source -> cache key
    found_before: dict[str, Any]
    missing: list[str]
    job: beside.Job | None


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    """Once reading is done: the diagrams not parsed before are given to mermaid (in Node: half a
    second to start, then about 5 ms a diagram), beside the build (:mod:`blogext.core.beside`),
    while the pages are written; what it found is reported when the build ends (:func:`_report`)."""
    if app.builder.format != "html":
        return
    pages = _published_with_diagrams(app)
    dist = dist_folder(app)
    if dist is None:
        _report_missing(pages, f"node_modules/mermaid/dist/{ENTRY} is missing")
        return
    try:
        version = _version(dist)
    except (OSError, ValueError, KeyError):  # a dist folder without its package (copied alone)
        _report_missing(pages, f"{dist.parent / 'package.json'} is missing or unreadable")
        return
    found_before = cache.load(app, CACHE_NAME, CACHE_VERSION, version)
    keys = {d.source: _key(version, d.source) for found in pages.values() for d in found}
    missing = sorted({source for source, digest in keys.items() if digest not in found_before})
    job = beside.start(app, "the diagrams' check", _parsed_or_problem, missing, dist) if missing else None
    buildstate.put(app, _Check(pages, version, keys, found_before, missing, job))


def _report(app: Sphinx) -> None:
    """What mermaid found, kept for the next build and reported (at the build's end, before the
    mermaid files the pages need are chosen from the diagrams' types)."""
    check = buildstate.peek(app, _Check)
    if check is None:
        return
    if check.job is not None:
        results, problem = check.job.result()
        if results is None:
            _report_missing(check.pages, problem)
            return
        check.found_before.update({check.keys[s]: r for s, r in zip(check.missing, results, strict=True)})
    parsed = {k: v for k, v in check.found_before.items() if k in check.keys.values()}
    cache.save(app, CACHE_NAME, CACHE_VERSION, parsed, check.version)
    for docname, found in check.pages.items():
        for diagram in found:
            error = parsed[check.keys[diagram.source]].get("error")
            if error:
                logger.warning(
                    "mermaid cannot draw this diagram: %s (expected a diagram mermaid %s parses)",
                    _reason(error, diagram.line),
                    check.version,
                    type="blog",
                    subtype="diagrams",
                    location=(docname, diagram.line),
                )


_EXCERPT = re.compile(r"^(\.\.\..*|-*\^)$")


_ON_LINE = re.compile(r"\bon line (\d+)")


def _reason(error: str, fence: int) -> str:
    """mermaid's message on one line, without its excerpt and caret (they point into a joined copy),
    its line of the diagram named as the file's line too."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    reason = " ".join(line for line in lines if not _EXCERPT.match(line))
    return _ON_LINE.sub(
        lambda m: f"on line {m.group(1)} of the diagram (line {fence + int(m.group(1))})", reason, 1
    )


def _report_missing(pages: dict[str, list[Diagram]], problem: str) -> None:
    for docname, found in pages.items():
        logger.warning(
            "a mermaid diagram is checked by mermaid (run by Node) and drawn by mermaid's files, but %s "
            "(expected `npm ci --omit=dev` in the site's folder with Node installed, or blogext_mermaid_dist "
            "in conf.py naming a folder that has mermaid's dist files)",
            problem,
            type="blog",
            subtype="diagrams",
            location=(docname, found[0].line),
        )


# -- the site's copy of mermaid -----------------------------------------------------------------


def _copy_newer(source: Path, target: Path) -> None:
    if target.is_file():
        there, here = target.stat(), source.stat()
        if there.st_size == here.st_size and int(there.st_mtime) == int(here.st_mtime):
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


_STATIC_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*"(\.{1,2}/[^"]+\.mjs)"')
_DYNAMIC_IMPORT = re.compile(r'\bimport\(\s*"(\.{1,2}/[^"]+\.mjs)"\s*\)')
#: A diagram type's loader in mermaid's entry: ``import("./chunks/…/flowDiagram-….mjs");return{id:x,``
#: (the id a string, or a name given a string earlier in the module).
_LOADER = re.compile(
    r'\bimport\(\s*"(\.{1,2}/[^"]+\.mjs)"\s*\)\s*;\s*return\s*\{\s*id\s*:\s*("[^"]*"|[\w$]+)\s*,'
)


def diagram_loaders(dist: Path) -> dict[str, str] | None:
    """Diagram type (as ``mermaid.parse`` names it) -> the module mermaid's entry imports to draw it
    (a path relative to *dist*); None when the entry's dynamic imports are not all such loaders (another
    shape of mermaid's build), so that everything is copied."""
    text = (dist / ENTRY).read_text("utf-8")
    found: dict[str, str] = {}
    for match in _LOADER.finditer(text):
        module, ident = match.groups()
        if ident.startswith('"'):
            name = ident[1:-1]
        else:
            given = re.findall(
                rf'(?:\bvar|\blet|\bconst|,)\s*{re.escape(ident)}\s*=\s*"([^"]*)"', text[: match.start()]
            )
            if not given:
                return None
            name = given[-1]
        found[name] = posixpath.normpath(module)
    if set(found.values()) != {posixpath.normpath(m) for m in _DYNAMIC_IMPORT.findall(text)}:
        return None
    return found


def needed_files(dist: Path, types: set[str] | None) -> set[str]:
    """The files (paths relative to *dist*) a page may fetch to draw diagrams of *types*: mermaid's
    entry and every module reachable from it through ``import`` statements and ``import()`` calls,
    except the entry's loaders of the other diagram types. *types* None, an unknown type, or a build of
    mermaid whose loaders cannot be read: the entry and every chunk."""
    loaders = diagram_loaders(dist) if types is not None else None
    if loaders is None or not types <= loaders.keys():
        return {ENTRY, *((CHUNKS / c.name).as_posix() for c in (dist / CHUNKS).glob("*.mjs"))}
    skipped = set(loaders.values()) - {loaders[t] for t in types}
    wanted: set[str] = set()
    todo = [ENTRY]
    while todo:
        name = todo.pop()
        if name in wanted or not (dist / name).is_file():
            continue
        wanted.add(name)
        text = (dist / name).read_text("utf-8")
        here = posixpath.dirname(name)
        for module in [*_STATIC_IMPORT.findall(text), *_DYNAMIC_IMPORT.findall(text)]:
            path = posixpath.normpath(posixpath.join(here, module))
            if not (name == ENTRY and path in skipped):
                todo.append(path)
    return wanted


def _site_types(app: Sphinx, dist: Path) -> set[str] | None:
    """The diagram types of the published diagrams, as the check found them (None if one is unknown)."""
    try:
        version = _version(dist)
    except (OSError, ValueError, KeyError):
        return None
    parsed = cache.load(app, CACHE_NAME, CACHE_VERSION, version)
    types = set()
    for found in _published_with_diagrams(app).values():
        for diagram in found:
            kind = parsed.get(_key(version, diagram.source), {}).get("type")
            if not kind:
                return None
            types.add(kind)
    return types


def _esbuild_version(dist: Path) -> str | None:
    """The version of the esbuild npm installed beside mermaid, or None."""
    try:
        return json.loads((dist.parent.parent / "esbuild" / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def site_build(dist: Path) -> Path:
    """The folder holding the mermaid the site serves (an entry, :data:`ENTRY`, and its chunks under
    :data:`CHUNKS`): the site's own build (``mermaid_bundle.mjs``: esbuild, from mermaid's core and
    its dependencies), made once per mermaid, esbuild and script and kept in ``node_modules/.cache``;
    or mermaid's own build, *dist*, when esbuild or Node is missing or the bundling fails (the page
    then fetches about 12% more)."""
    esbuild, node = _esbuild_version(dist), shutil.which("node")
    if esbuild is None or node is None:
        return dist
    try:
        version = _version(dist)
    except (OSError, ValueError, KeyError):
        return dist
    script = hashlib.sha256(BUNDLER.read_bytes()).hexdigest()
    key = hashlib.sha256(json.dumps([version, esbuild, script]).encode()).hexdigest()[:16]
    builds = dist.parent.parent / ".cache" / BUILD_CACHE
    folder = builds / key
    if (folder / ENTRY).is_file():
        return folder
    try:
        builds.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="new-", dir=builds))
    except OSError as problem:
        logger.info("mermaid's own build is served (cannot write %s: %s)", builds, problem)
        return dist
    done = subprocess.run(
        [node, str(BUNDLER), str(dist.parent), str(work)], capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0 or not (work / ENTRY).is_file():
        shutil.rmtree(work, ignore_errors=True)
        logger.info("mermaid's own build is served (esbuild failed: %s)", done.stderr.strip()[-500:])
        return dist
    try:
        work.rename(folder)
    except OSError:  # another build made it meanwhile
        shutil.rmtree(work, ignore_errors=True)
    for old in builds.iterdir():  # builds of other versions
        if old.name != key and not old.name.startswith("new-"):
            shutil.rmtree(old, ignore_errors=True)
    return folder if (folder / ENTRY).is_file() else dist


def _needed(app: Sphinx, build: Path, types: set[str] | None) -> set[str]:
    """:func:`needed_files`, kept in the doctree folder for this build of mermaid (its folder and its
    entry's size and time): it reads mermaid's modules, 50 ms at every build otherwise."""
    try:
        entry = (build / ENTRY).stat()
    except OSError:
        return needed_files(build, types)
    stamp = json.dumps([str(build), entry.st_size, entry.st_mtime_ns])
    known = cache.load(app, FILES_CACHE_NAME, CACHE_VERSION, stamp)
    wanted = json.dumps(sorted(types) if types is not None else None)
    if wanted not in known:
        known[wanted] = sorted(needed_files(build, types))
        cache.save(app, FILES_CACHE_NAME, CACHE_VERSION, known, stamp)
    return set(known[wanted])


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    _report(app)
    target = Path(app.outdir) / "_static" / STATIC_FOLDER
    source = dist_folder(app)
    if not _published_with_diagrams(app) or source is None:
        shutil.rmtree(target, ignore_errors=True)
        return
    build = site_build(source)
    wanted = {name: build / name for name in _needed(app, build, _site_types(app, source))}
    for name, path in wanted.items():
        _copy_newer(path, target / name)
    for old in [p for p in target.rglob("*") if p.is_file()]:
        if old.relative_to(target).as_posix() not in wanted:
            old.unlink()


@dataclass(frozen=True)
class DiagramsSettings:
    """The diagrams' settings (``blogext_<field>`` in ``conf.py``)."""

    mermaid_dist: str = setting(
        "", "mermaid's dist folder, relative to conf.py (default: node_modules/mermaid/dist)", "html"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.beside")
    assets.bring(app, __file__, "diagrams", "drawnear")
    app.setup_extension("sphinxcontrib.mermaid")
    # Its loader is on no page (_drop_loader): it need not search every page's doctree for a diagram.
    sphinxinternals.disconnect_handler(app, sphinxcontrib.mermaid.install_js)
    settings.add(app, DiagramsSettings)
    app.connect("config-inited", _set_local)
    app.connect("doctree-read", _on_doctree_read)
    perdoc.keep(app, "blog_diagrams")
    app.connect("env-updated", _check)
    app.connect("build-finished", _on_build_finished)
    app.connect("html-page-context", _on_page_context)
    app.connect("html-page-context", _drop_loader, priority=blogext.LIGHT_PAGES)
    return {"version": "1.0", "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
