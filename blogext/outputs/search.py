"""Search: a Pagefind index of the published pages, a search dialog on every page, and ``/search/``.

Sphinx's own search loads its whole index (``searchindex.js``, which grows with
the blog) and then the whole page of every hit. Pagefind splits its index into
fragments, and a query downloads only the few it needs, so what a reader
downloads stays nearly the same as the blog grows. This module:

- **turns Sphinx's search off** (no ``searchindex.js``, no Sphinx search page) and
  removes its scripts from the output: ``searchtools.js``, ``language_data.js``,
  the stemmers, and ``doctools.js`` and ``sphinx_highlight.js``, which served only it
  (:mod:`blogext.pages.lightpages` drops them from every page);
- **marks what to index.** Each published post and page (not the home page, the
  archives, the 404 or the search page) gets ``data-pagefind-body`` around its
  article in ``layout.html``, with its tags, category and year as Pagefind filters
  and its date as metadata (the context's ``blog_search_page``). Drafts and
  scheduled posts are never marked, in the preview neither;
- **runs Pagefind in every HTML build**, so every command that builds the site (``nox -s build``,
  ``sphinx-build``, Read the Docs, the Pages workflow, the preview) publishes the index: Pagefind's
  program (found by the ``pagefind`` package, shipped by ``pagefind[bin]``) starts as soon as the
  documents' pages are written, beside the rest of the build, and the build waits for it at the end.
  Pagefind indexes the site in **parts** of at most ``blogext_search_part_pages`` pages (the pages,
  then the posts from the oldest), each a run of Pagefind on a folder holding exactly what it is given
  of its pages (:func:`blogext.outputs.searchindex.searchable`), nothing else; each part's index is
  kept in the doctree folder, and the parts are merged into the one index readers load,
  ``<output>/pagefind/`` (:func:`blogext.outputs.pagefindadapter.merge_parts`; the dialog,
  ``_static/search.js``, talks to its ``pagefind.js``; Pagefind's own UIs are not published). A part
  whose pages and settings are byte for byte those of the last run
  (``<doctrees>/blogext-search.json``) is not indexed again and its pages' fragments are left as they
  are; otherwise only files that differ are written, stale ones deleted;
- **writes ``/search/``**, a page that searches for its ``?q=`` (links from
  elsewhere work), with the same results as the dialog.

A page with nothing to search but its title is the author's mistake (an empty
post): a warning of type ``blog``, subtype ``search``, naming the file.

Settings (:class:`blogext.outputs.searchindex.SearchSettings`): ``blogext_search_placeholder`` (the search
field's placeholder), ``blogext_search_results`` (results shown at first, and added by "More results")
and ``blogext_search_part_pages`` (the most pages Pagefind indexes again for one changed page).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

import blogext
from blogext.core import assets, settings, sphinxinternals
from blogext.outputs.searchindex import (
    BUILDERS,
    SEARCH_PAGE,
    SPHINX_SEARCH_FILES,
    SearchSettings,
    build_index,
    filters_of,
    is_indexed,
    meta_of,
    start_early,
    take_started,
)

logger = logging.getLogger(__name__)

# -- settings -------------------------------------------------------------------------------------


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    given = settings.of(app.config, SearchSettings)
    context["blogext_search_placeholder"] = given.search_placeholder
    context["blogext_search_results"] = given.search_results
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


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name not in BUILDERS:
        early = take_started(app)
        if early is not None and early.runs is not None:
            early.runs.stop()
        return
    outdir = Path(app.outdir)
    _remove_sphinx_search(outdir)
    build_index(app)


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "search")
    app.setup_extension("blogext.core.posts")
    settings.add(app, SearchSettings)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context)
    app.connect("html-collect-pages", _collect_pages)
    app.connect("html-collect-pages", start_early, priority=blogext.SEARCH_EARLY)
    app.connect("build-finished", _on_finished, priority=blogext.SEARCH_INDEX)
    app.add_js_file("search.js", loading_method="defer")  # _static/search.js of the site
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
