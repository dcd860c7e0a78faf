"""Mermaid diagrams, drawn in the reader's browser by a copy of mermaid served from the site.

A ```` ```mermaid ```` fence (``myst_fence_as_directive`` in ``conf.py``) or a
``{mermaid}`` directive is sphinxcontrib-mermaid's node; that extension adds its
loader script only to pages that have a diagram, and draws each in the light or
dark theme the page is shown in. This module makes it self-hosted:

- ``mermaid_use_local`` points at ``_static/mermaid/mermaid.esm.min.mjs``, so no
  page asks a CDN for anything;
- after a build in which a published page has a diagram, mermaid's ES module
  build (the entry module and its chunks: a page fetches only the chunks its
  diagrams need) is copied from the npm package, ``node_modules/mermaid/dist``
  (``npm ci --omit=dev`` in the site's folder; ``nox -s build`` runs it), into
  ``_static/mermaid/``; when no page has one, the copy is removed;
- a diagram on a page while the npm package is missing is a ``blog.diagrams``
  warning naming the file and line, so the strict build fails instead of
  publishing a page whose diagram never draws.

``blog_mermaid_dist`` (``conf.py``) names another folder holding mermaid's
``dist`` files; by default the ``node_modules`` next to ``conf.py``, then the one
next to ``blogext``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinxcontrib.mermaid import mermaid

import blogext

logger = logging.getLogger(__name__)

#: Where the copy goes, under the output's ``_static``.
STATIC_FOLDER = "mermaid"
ENTRY = "mermaid.esm.min.mjs"
CHUNKS = Path("chunks") / "mermaid.esm.min"


def _set_local(app: Sphinx, config: Config) -> None:
    if not config.mermaid_use_local:
        config.mermaid_use_local = f"{STATIC_FOLDER}/{ENTRY}"
    if config.mermaid_height == "500px":  # sphinxcontrib-mermaid's default: a small diagram in a tall box
        config.mermaid_height = "auto"
    if config.mermaid_fullscreen_button == "\u26f6":  # a glyph few system fonts have
        config.mermaid_fullscreen_button = "\u2922"


def _has_diagram(doctree) -> bool:
    return doctree is not None and doctree.next_node(mermaid) is not None


def _add_css(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if _has_diagram(doctree):
        app.add_css_file("diagrams.css")


def _drop_loader(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if not _has_diagram(doctree) and "script_files" in context:
        # sphinxcontrib-mermaid adds its loader to every page that has no doctree (archives, search):
        # pages without a diagram load nothing of mermaid.
        context["script_files"] = [s for s in context["script_files"] if not _is_mermaid_loader(s)]


def _is_mermaid_loader(script) -> bool:
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "import mermaid from" in body


def dist_folder(app: Sphinx) -> Path | None:
    """The folder with mermaid's ES module build, or None when it is not installed."""
    if app.config.blog_mermaid_dist:
        candidates = [Path(app.confdir) / app.config.blog_mermaid_dist]
    else:
        candidates = [
            Path(app.confdir) / "node_modules" / "mermaid" / "dist",
            Path(__file__).resolve().parent.parent / "node_modules" / "mermaid" / "dist",
        ]
    for folder in candidates:
        if (folder / ENTRY).is_file() and (folder / CHUNKS).is_dir():
            return folder
    return None


def _diagrams(env: BuildEnvironment) -> dict[str, int]:
    """Docname -> line of its first diagram, for every document with one."""
    return env.__dict__.setdefault("blog_diagrams", {})


def _on_doctree_read(app: Sphinx, doctree) -> None:
    node = doctree.next_node(mermaid)
    if node is not None:
        _diagrams(app.env)[app.env.docname] = node.line or 1


def _on_purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _diagrams(env).pop(docname, None)


def _on_merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = _diagrams(other)
    _diagrams(env).update({d: theirs[d] for d in docnames if d in theirs})


def _published_with_diagrams(app: Sphinx) -> dict[str, int]:
    return {d: line for d, line in _diagrams(app.env).items() if d in app.env.all_docs}


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    if app.builder.format != "html" or dist_folder(app) is not None:
        return
    for docname, line in sorted(_published_with_diagrams(app).items()):
        logger.warning(
            "a mermaid diagram needs mermaid's files, but node_modules/mermaid/dist/%s is missing "
            "(expected `npm ci --omit=dev` in the site's folder, or blog_mermaid_dist in conf.py naming "
            "a folder that has them)",
            ENTRY,
            type="blog",
            subtype="diagrams",
            location=(docname, line),
        )


def _copy_newer(source: Path, target: Path) -> None:
    if target.is_file():
        there, here = target.stat(), source.stat()
        if there.st_size == here.st_size and int(there.st_mtime) == int(here.st_mtime):
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / STATIC_FOLDER
    source = dist_folder(app)
    if not _published_with_diagrams(app) or source is None:
        shutil.rmtree(target, ignore_errors=True)
        return
    wanted = {ENTRY: source / ENTRY}
    for chunk in (source / CHUNKS).glob("*.mjs"):
        wanted[(CHUNKS / chunk.name).as_posix()] = chunk
    for name, path in wanted.items():
        _copy_newer(path, target / name)
    for old in [p for p in target.rglob("*") if p.is_file()]:
        if old.relative_to(target).as_posix() not in wanted:
            old.unlink()


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    app.add_config_value(
        "blog_mermaid_dist",
        "",
        "html",
        types=[str],
        description="mermaid's dist folder, relative to conf.py (default: node_modules/mermaid/dist)",
    )
    app.connect("config-inited", _set_local)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("env-check-consistency", _check)
    app.connect("build-finished", _on_build_finished)
    app.connect("html-page-context", _add_css)
    app.connect("html-page-context", _drop_loader, priority=blogext.LIGHT_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
