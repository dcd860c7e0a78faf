"""``sitemap.xml``: every published page of the site, each post with the day it last changed.

Written at the end of every HTML build from what the site is, not from what this
build happened to write, so an incremental or parallel build gives the same file
as a clean one:

- every document Sphinx built, except the preview's unpublished posts
  (:func:`blogext.core.posts.unpublished`) and the pages in ``blogext_noindex_pages``
  (the search page, the 404 page, the drafts list);
- every generated page in the output folder (archives, the list of series...),
  with the same exceptions; folders whose name starts with ``_`` or ``.``
  (static files, images, sources, caches) are not pages;
- in URL order, each URL the page's canonical address (``html_baseurl`` and the
  page's URI), joined and percent-encoded as browsers do (WHATWG URL, by
  ada-url), as the sitemap protocol asks: a tag page such as ``blog/tag/机器学习/``
  is listed escaped (documents' own names are plain: see :mod:`blogext.core.documents`);
  a post's ``<lastmod>`` is its ``updated`` date, else its ``date``.

The file is rewritten only when its content changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ada_url
from lxml import etree
from sphinx.application import Sphinx

import blogext
from blogext.core import files, settings
from blogext.core.frontmatter import front_matter
from blogext.core.posts import unpublished
from blogext.outputs.findability import FindabilitySettings

FILENAME = "sitemap.xml"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _page_name(relpath: str) -> str:
    """The page name of the output file *relpath* (``a/b/index.html`` or ``a/b.html``: ``a/b``)."""
    if relpath == "index.html":
        return "index"
    if relpath.endswith("/index.html"):
        return relpath[: -len("/index.html")]
    return relpath[: -len(".html")]


def _output_pages(outdir: Path) -> list[str]:
    """Every HTML page in *outdir*, as a path relative to it, outside ``_`` and ``.`` folders."""
    outside = files.relative_files(outdir, lambda name: name.startswith(("_", ".")))
    return [path for path in outside if path.endswith(".html")]


def pages(app: Sphinx) -> dict[str, str | None]:
    """URI -> last-modified date (``YYYY-MM-DD`` or None) of every page the sitemap lists."""
    env, builder = app.env, app.builder
    hidden = set(settings.of(app.config, FindabilitySettings).noindex_pages) | set(unpublished(env))
    listed: dict[str, str | None] = {}
    for docname in env.found_docs:
        if docname in hidden:
            continue
        post = front_matter(env, docname)
        changed = (post.updated or post.date) if post is not None else None
        listed[builder.get_target_uri(docname)] = changed.strftime("%Y-%m-%d") if changed else None
    outdir = str(app.outdir)
    documents = {
        _page_name(os.path.relpath(builder.get_outfilename(d), outdir).replace(os.sep, "/"))
        for d in env.all_docs
    }
    for relpath in _output_pages(Path(app.outdir)):
        name = _page_name(relpath)
        if name in documents or name in hidden:
            continue
        listed.setdefault(builder.get_target_uri(name), None)
    return listed


def render(base_url: str, listed: dict[str, str | None]) -> bytes:
    """The sitemap of the pages *listed* (URI -> last-modified date), under *base_url*."""
    urlset = etree.Element(f"{{{NAMESPACE}}}urlset", nsmap={None: NAMESPACE})
    for uri in sorted(listed):
        url = etree.SubElement(urlset, f"{{{NAMESPACE}}}url")
        etree.SubElement(url, f"{{{NAMESPACE}}}loc").text = ada_url.join_url(base_url, uri)
        if listed[uri]:
            etree.SubElement(url, f"{{{NAMESPACE}}}lastmod").text = listed[uri]
    return etree.tostring(urlset, xml_declaration=True, encoding="utf-8")


def _write(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or not app.config.html_baseurl:
        return
    data = render(app.config.html_baseurl, pages(app))
    target = Path(app.outdir) / FILENAME
    if not target.is_file() or target.read_bytes() != data:
        target.write_bytes(data)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.posts")
    app.setup_extension(
        "blogext.outputs.findability"
    )  # blogext_noindex_pages, and the 404 page moved to the root
    app.connect("build-finished", _write, priority=blogext.SITEMAP)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
