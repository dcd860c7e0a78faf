"""What static hosts need from the output folder, and nothing they must not get.

The URLs come from :mod:`blogext.core.siteurl` (where this build is served, and the
canonical copy). This module, for the ``html`` and ``dirhtml`` builders:

- **Caches outside the output folder.** Without ``-d``, Sphinx keeps its
  doctree folder, with the environment and the blog's caches (every post's
  front matter, drafts' too), in ``<output>/.doctrees``, which a host would
  then publish. When the doctree folder is inside the output folder, it is
  moved next to it, to ``<output>.doctrees``, before anything reads it
  (incremental builds keep working), and the old one inside is deleted.
- **No trace of a post that is not published.** At the end of a published
  build, the page and copied source of every draft or scheduled post are
  deleted from the output folder, should an earlier build have left them.
- **Nothing left over.** A reused output folder loses, after each build: the
  images in ``_images/`` and the downloads in ``_downloads/`` that no page uses
  any more, the copied sources of documents that are gone, and, after a build
  that wrote every document (a clean environment, or changed settings), every
  page that build did not write, with its feed.
- ``robots.txt``, naming the sitemap, only when the site is served at the root
  of its host: crawlers look for ``/robots.txt`` only (GitHub Pages project
  sites and Read the Docs serve the site from a folder). A stale one is removed.
- ``.nojekyll``, so GitHub Pages serves ``_static/`` and ``_images/`` as they
  are when the output is pushed to a branch (Jekyll would drop folders that
  start with ``_``).
- ``CNAME``, with the custom domain, when the site is served at one: GitHub
  Pages needs it in a branch deploy (an Actions deploy ignores it).
- The 404 page's links made for the URL the build is served at
  (``notfound_urls_prefix``), which may differ from the canonical URL.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

import blogext
from blogext.core import buildstate, files, settings, sphinxinternals
from blogext.core.siteurl import SiteURLSettings, custom_domain, site_urls

logger = logging.getLogger(__name__)

#: The files of a Sphinx doctree folder; a folder holding one of them is a doctree folder.
DOCTREE_MARKERS = ("environment.pickle", "*.doctree", "blogext-*")
#: Folders at the output's root that hold no page: never swept for stale pages.
NOT_PAGES = ("_static", "_images", "_downloads", "_sources")


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _looks_like_doctrees(folder: Path) -> bool:
    return folder.is_dir() and any(next(folder.glob(pattern), None) for pattern in DOCTREE_MARKERS)


def outside_doctree_folder(outdir: Path) -> Path:
    """Where the doctree folder goes when ``-d`` would put it inside *outdir*: beside it."""
    return outdir.parent / f"{outdir.name}.doctrees"


# -- caches out of the output folder ----------------------------------------------------------


def _move_doctrees_out(app: Sphinx, config: Config) -> None:
    outdir, doctrees = Path(app.outdir), Path(app.doctreedir)
    if not _is_inside(doctrees, outdir):
        return
    target = outside_doctree_folder(outdir)
    sphinxinternals.move_doctree_folder(app, target)
    logger.info(
        "blogext.core.hosting: the doctree folder %s is inside the output folder, which a host would publish "
        "(it holds every post's front matter, drafts' too); using %s instead (pass -d to choose)",
        doctrees,
        target,
    )
    if _looks_like_doctrees(doctrees):
        shutil.rmtree(doctrees, ignore_errors=True)


def _set_notfound_prefix(app: Sphinx, config: Config) -> None:
    """The 404 page's links must work where this build is served, not at the canonical copy."""
    served = settings.of(config, SiteURLSettings).served_url
    if "notfound_urls_prefix" not in config or not served:
        return
    path = urlsplit(served).path.strip("/")
    config.notfound_urls_prefix = f"/{path}/" if path else "/"


# -- what the host reads ---------------------------------------------------------------------


def _write(target: Path, text: str) -> None:
    if not target.is_file() or target.read_text("utf-8") != text:
        target.write_text(text, "utf-8")


def _write_host_files(app: Sphinx) -> None:
    outdir = Path(app.outdir)
    urls = site_urls(app.config)
    robots = outdir / "robots.txt"
    if urls.served_at_root:
        sitemap = urljoin(app.config.html_baseurl, getattr(app.config, "sitemap_filename", "sitemap.xml"))
        _write(robots, f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n")
    else:
        robots.unlink(missing_ok=True)  # crawlers would never read it there
    _write(outdir / ".nojekyll", "")
    cname = outdir / "CNAME"
    domain = custom_domain(settings.of(app.config, SiteURLSettings).custom_domain, Path(app.srcdir))
    if domain is not None and urlsplit(urls.served).hostname == domain[0]:
        _write(cname, domain[0] + "\n")
    else:
        cname.unlink(missing_ok=True)


# -- nothing left over -------------------------------------------------------------------------


def remove_file(outdir: Path, path: Path) -> None:
    """Delete *path*, and the folders that leaves empty up to *outdir*."""
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != outdir and _is_inside(folder, outdir) and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _unpublished_docnames(app: Sphinx) -> set[str]:
    """The posts a published build leaves out (drafts, scheduled), or none in the preview."""
    if "blogext.core.posts" not in app.extensions:
        return set()
    from blogext.core import posts  # the post model decides; it loads this module's neighbours

    if settings.of(app.config, posts.PostSettings).preview:
        return set()
    return set(posts.statuses(app))


def _page_files(app: Sphinx, pagename: str) -> list[Path]:
    """The files a page may have been written to (the 404 page is moved to ``404.html``)."""
    outdir = Path(app.outdir)
    return [Path(app.builder.get_outfilename(pagename)), outdir / f"{pagename}.html"]


def _source_copies(app: Sphinx, docname: str) -> list[Path]:
    sources = Path(app.outdir) / "_sources"
    return [
        sources / f"{docname}{suffix}{app.config.html_sourcelink_suffix}"
        for suffix in app.config.source_suffix
    ]


def _remove_unpublished(app: Sphinx, outdir: Path) -> None:
    for docname in sorted(_unpublished_docnames(app) - set(app.env.all_docs)):
        for path in [*_page_files(app, docname), *_source_copies(app, docname)]:
            if path.is_file():
                logger.info("blogext.core.hosting: removing %s (not published)", path.relative_to(outdir))
                remove_file(outdir, path)


def _prune_unused(folder: Path, used: set[str], outdir: Path) -> None:
    """Every file under *folder* whose path relative to it (``/``-separated) is not in *used* deleted
    (the folder walked once, as strings: it holds a file for each document)."""
    for relative in sorted(path for path in files.relative_files(folder) if path not in used):
        remove_file(outdir, folder / relative)


def _prune_sources(app: Sphinx, outdir: Path) -> None:
    folder = outdir / "_sources"
    if not folder.is_dir():
        return
    ending = app.config.html_sourcelink_suffix
    keep = {f"{d}{suffix}{ending}" for d in app.env.all_docs for suffix in app.config.source_suffix}
    _prune_unused(folder, keep, outdir)


@dataclass
class _Writes:
    """This build's writes: whether it writes every document, and the pages it wrote."""

    everything: bool = False
    pages: set[str] = field(default_factory=set)


def _pages_written(app: Sphinx) -> set[str]:
    return buildstate.of(app, _Writes).pages


def note_current(app: Sphinx, pagename: str) -> None:
    """*pagename* is a page of this build, though it was not written again: its output is current
    (:mod:`blogext.pages.archives` keeps archive pages that would not change)."""
    _pages_written(app).add(pagename)


def _on_builder_inited(app: Sphinx) -> None:
    # A clean environment, or new settings: every document is read and written again (Sphinx resets
    # the status to "OK" once it has read them, so it is noted now).
    buildstate.of(app, _Writes).everything = sphinxinternals.rewrites_everything(app)


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    _pages_written(app).add(pagename)


def _sweep_pages(app: Sphinx, outdir: Path) -> None:
    """After a build that wrote every document: delete the pages (and their feeds) it did not write."""
    # With the archive pages blogext.pages.archives kept as they were (not written again, but current).
    pages = set(app.env.all_docs) | _pages_written(app)
    expected = {p for pagename in pages for p in _page_files(app, pagename)}
    for path in sorted(outdir.rglob("*.html")):
        relative = path.relative_to(outdir)
        if relative.parts[0] in NOT_PAGES or relative.parts[0].startswith(".") or path in expected:
            continue
        logger.info("blogext.core.hosting: removing %s (no page has it any more)", relative.as_posix())
        folder = path.parent if path.name == "index.html" else path.with_suffix("")
        remove_file(outdir, path)
        if folder != outdir and (folder / "atom.xml").is_file() and not (folder / "index.html").is_file():
            remove_file(outdir, folder / "atom.xml")


def _prune(app: Sphinx, outdir: Path) -> None:
    env = app.env
    _prune_unused(outdir / "_images", {Path(dest).as_posix() for _docs, dest in env.images.values()}, outdir)
    _prune_unused(
        outdir / "_downloads", {Path(dest).as_posix() for _docs, dest in env.dlfiles.values()}, outdir
    )
    _prune_sources(app, outdir)
    if buildstate.of(app, _Writes).everything:
        _sweep_pages(app, outdir)
    _remove_unpublished(app, outdir)


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    if app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    stray = outdir / ".doctrees"
    if _looks_like_doctrees(stray) and not _is_inside(Path(app.doctreedir), stray):
        shutil.rmtree(stray, ignore_errors=True)
    if exception is not None:
        return
    _write_host_files(app)
    _prune(app, outdir)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.siteurl")
    app.connect("config-inited", _move_doctrees_out, priority=blogext.MOVE_DOCTREES)
    app.connect("config-inited", _set_notfound_prefix, priority=blogext.NOTFOUND_PREFIX)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context, priority=blogext.CANONICAL_LINKS)
    app.connect("build-finished", _on_finished, priority=blogext.SWEEP_OUTPUT)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
