"""Findability: what search engines and link previews read from every page.

The well-kept extensions do the heavy lifting (``sphinxext.opengraph`` for Open
Graph tags, ``notfound.extension`` for
the 404 page); this module feeds them what they cannot know by themselves:

- the published base URL (from :mod:`blogext.core.siteurl`) becomes ``ogp_site_url``
  and its path becomes ``notfound_urls_prefix``, so link previews name the real
  host and the 404 page's links work at any URL depth, under a project path
  such as ``/blog/`` too (:mod:`blogext.core.hosting` makes the 404 prefix the path the
  build is served at, and writes ``robots.txt``);
- every page gets one ``<meta name="description">``: the post's front-matter
  ``description``, else its excerpt, else the page's first paragraph; archive
  pages, which have no source, get one made from their title, and their Open
  Graph tags too;
- posts are Open Graph ``article`` pages with their publication date;
- pages nobody should land on from a search engine (404, search, drafts) say
  ``noindex`` and stay out of the sitemap (:mod:`blogext.outputs.sitemap`), as do posts the preview build
  shows
  but that are not published (:func:`blogext.core.posts.unpublished`);
- the 404 page is written to ``404.html`` at the root of the site, where
  GitHub Pages and Read the Docs look for it (the dirhtml builder would put it
  in ``404/index.html``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

import blogext
from blogext.core import ablogadapter, assets, safehtml, settings
from blogext.core.nodeutil import ancestors
from blogext.core.postrecord import Post
from blogext.core.posts import published_post, unpublished
from blogext.core.settings import setting

logger = logging.getLogger(__name__)

#: Longest meta description, in characters; search engines cut longer ones.
DESCRIPTION_LENGTH = 160
_SPACE = re.compile(r"\s+")
#: What each of ABlog's index pages lists, by the last part of its docname.
CATALOG_KINDS = {"tag": "tag", "category": "category", "archive": "year", "author": "author"}
#: ABlog titles the index of years "All posts", like the list of all posts; this is its title here.
ARCHIVE_TITLE = "Archive"


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """*text* on one line, cut at a word boundary to at most *limit* characters."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–—")
    return cut + "…"


def urls_prefix(base_url: str) -> str:
    """The path of *base_url*, as an absolute path ending in ``/`` (what ``notfound_urls_prefix`` wants)."""
    path = urlsplit(base_url).path or "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def _first_paragraph(doctree: nodes.document) -> str:
    for para in doctree.findall(nodes.paragraph):
        if any(isinstance(p, nodes.Element) and "post-meta" in p.get("classes", []) for p in ancestors(para)):
            continue
        text = para.astext().strip()
        if text:
            return text
    return ""


def _post(app: Sphinx, pagename: str) -> Post | None:
    if not ablogadapter.builder_support(app):
        return None
    return published_post(app.env, pagename)


def _is_archive_index(app: Sphinx, pagename: str) -> bool:
    """Whether *pagename* is the page of every year's posts (with posts to list)."""
    if not ablogadapter.builder_support(app):
        return False
    years = ablogadapter.groups(app).index("archive")
    return bool(years) and pagename == years.pagename


def describe(app: Sphinx, pagename: str, context: dict[str, Any], doctree: nodes.document | None) -> str:
    """The meta description of *pagename*."""
    meta = context.get("meta") or {}
    if isinstance(meta.get("description"), str) and meta["description"].strip():
        return shorten(meta["description"])
    post = _post(app, pagename)
    if post is not None and post.excerpt:
        return shorten(" ".join(node.astext() for node in post.excerpt))
    if doctree is not None:
        text = _first_paragraph(doctree)
        if text:
            return shorten(text)
    title = _text_of(context.get("title") or "").strip()
    site = app.config.project
    if pagename == app.config.notfound_pagename:
        return f"There is no page at this address on {site}'s blog."
    catalog = context.get("blog_group_index")
    if catalog is not None:
        kind = CATALOG_KINDS.get(pagename.rstrip("/").rsplit("/", 1)[-1], "group")
        return shorten(f"Every {kind} on {site}'s blog, with its posts, newest first.")
    collection = context.get("blog_group")
    if collection is not None and title:
        count = len(collection)
        return shorten(f"{title}: {count} post{'s' if count != 1 else ''} on {site}'s blog.")
    if title:
        return shorten(f"{title}, on {site}'s blog.")
    return shorten(f"{site}'s blog.")


def _text_of(title_html: str) -> str:
    """The text of a page title as the context holds it (HTML: tags, and the text escaped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", title_html))


def _tag(app: Sphinx, attr: str, name: str, content: str) -> str:
    """A ``<meta>`` element: *attr* is ``name``, or ``property`` (Open Graph's)."""
    tag = safehtml.render(app, "blog/meta-tag.html", property=attr == "property", name=name, content=content)
    return str(tag)


def _set_urls(app: Sphinx, config: Config) -> None:
    base = config.html_baseurl
    if not base:
        return
    config.ogp_site_url = base
    config.notfound_urls_prefix = urls_prefix(base)


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if app.builder.format != "html":
        return
    if _is_archive_index(app, pagename):
        context["title"] = ARCHIVE_TITLE
    description = describe(app, pagename, context, doctree)
    extra = [_tag(app, "name", "description", description)]
    hidden = pagename in settings.of(
        app.config, FindabilitySettings
    ).noindex_pages or pagename in unpublished(app.env)
    if hidden:
        extra.append(_tag(app, "name", "robots", "noindex"))
    # A copy: opengraph edits the dict it is given, and context["meta"] is the env's own.
    meta = dict(context.get("meta") or {})
    meta["og:description"] = description
    post = _post(app, pagename)
    if post is not None and post.date:
        meta["og:type"] = "article"
        extra.append(_tag(app, "property", "article:published_time", post.date.strftime("%Y-%m-%d")))
    context["meta"] = meta
    if doctree is None and pagename != app.config.notfound_pagename:
        # Archive pages have no doctree, so opengraph skips them: give them the same tags.
        extra += _open_graph_without_doctree(app, pagename, context, description)
    context["metatags"] = context.get("metatags", "") + "\n".join(extra) + "\n"
    if pagename == app.config.notfound_pagename:
        context["pageurl"] = None  # the 404 page has no canonical address
        context["pathto"] = _root_aware(context["pathto"], app.config.notfound_urls_prefix or "/")


def _root_aware(pathto, prefix: str):
    """notfound's ``pathto`` makes the dirhtml home page (URI ``""``) ``#``: make it the site's root."""

    def wrapped(otheruri: str, resource: bool = False, *args, **kwargs) -> str:
        uri = pathto(otheruri, resource, *args, **kwargs)
        return prefix if uri == "#" and not resource else uri

    return wrapped


def _open_graph_without_doctree(
    app: Sphinx, pagename: str, context: dict[str, Any], description: str
) -> list[str]:
    config = app.config
    site_url = config.ogp_site_url or config.html_baseurl
    title = _text_of(context.get("title") or config.project)
    tags = [
        _tag(app, "property", "og:title", title),
        _tag(app, "property", "og:type", "website"),
        _tag(app, "property", "og:url", urljoin(site_url, app.builder.get_target_uri(pagename))),
        _tag(app, "property", "og:site_name", config.ogp_site_name or config.project),
        _tag(app, "property", "og:description", description),
    ]
    if config.ogp_image:
        tags.append(_tag(app, "property", "og:image", urljoin(site_url, config.ogp_image)))
        tags.append(_tag(app, "property", "og:image:alt", config.ogp_image_alt or config.project))
    tags.extend(config.ogp_custom_meta_tags)
    return tags


def _move_404_to_root(app: Sphinx, exception: Exception | None) -> None:
    """The dirhtml builder writes ``404/index.html``; static hosts serve ``/404.html``."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    written = outdir / app.builder.get_outfilename(app.config.notfound_pagename)
    target = outdir / f"{app.config.notfound_pagename}.html"
    if written != target and written.is_file():
        written.replace(target)
        if not any(written.parent.iterdir()):
            written.parent.rmdir()


@dataclass(frozen=True)
class FindabilitySettings:
    """The meta tags' settings (``blogext_<field>`` in ``conf.py``)."""

    noindex_pages: tuple[str, ...] = setting(
        ("search", "404", "blog/drafts"),
        "pages search engines are asked not to index, not in the sitemap",
        "html",
    )


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("blogext.core.siteurl")
    app.setup_extension(
        "blogext.core.hosting"
    )  # robots.txt, and the 404 page's prefix where the site is served
    app.setup_extension("sphinxext.opengraph")
    app.setup_extension("notfound.extension")
    settings.add(app, FindabilitySettings)
    app.connect("config-inited", _set_urls, priority=blogext.FINDABILITY_URLS)
    app.connect("html-page-context", _on_page_context, priority=blogext.PAGE_META)
    app.connect("build-finished", _move_404_to_root)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
