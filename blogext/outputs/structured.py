"""Structured data for search engines: schema.org JSON-LD on every published post.

Each published post's ``<head>`` gets one ``<script type="application/ld+json">``
holding a graph of two things:

- a ``BlogPosting``: ``headline`` (the title), ``description`` (the page's meta
  description, :func:`blogext.outputs.findability.describe`), ``datePublished`` (``date``)
  and ``dateModified`` (``updated``, else ``date``), both with the offset of
  ``blogext_timezone``; ``author`` (every author, a ``Person`` with the URL of their
  page when ``blog_authors`` names one); ``image`` (the post's share card,
  :mod:`blogext.outputs.sharecards`, with its size); ``keywords`` (its tags);
  ``articleSection`` (its category); ``url`` and ``mainEntityOfPage`` (the
  canonical URL); ``inLanguage``; and the blog as ``isPartOf``;
- a ``BreadcrumbList``: the home page, the list of all posts, the post.

Every URL is absolute, under the canonical base URL. Drafts and scheduled posts
(in the preview) get none: search engines are never told about them. The
sitemap's ``<lastmod>`` (:mod:`blogext.outputs.sitemap`) comes from the same dates.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sphinx.application import Sphinx

import blogext
from blogext.core import assets, safehtml, settings
from blogext.core.posts import PostSettings, front_matter, post
from blogext.outputs import sharecards
from blogext.outputs.findability import describe


def _timestamp(moment: datetime, zone: str) -> str:
    """*moment* (a time in *zone* when naive) as ISO 8601 with its offset."""
    tz = ZoneInfo(zone or "UTC")
    aware = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    return aware.replace(microsecond=0).isoformat()


def _absolute(app: Sphinx, docname: str) -> str:
    return app.config.html_baseurl.rstrip("/") + "/" + app.builder.get_target_uri(docname)


def trail(app: Sphinx, pagename: str, title: str) -> list[tuple[str, str]]:
    """A post's breadcrumbs, (name, docname) from the home page: the home page, the list of all posts,
    the post. The BreadcrumbList and the visible breadcrumbs (:mod:`blogext.pages.breadcrumbs`) both
    come from here."""
    return [("Home", app.config.root_doc), ("Blog", app.config.blog_path), (title, pagename)]


def graph(app: Sphinx, pagename: str, context: dict[str, Any], doctree: Any) -> dict[str, Any] | None:
    """The JSON-LD of the post *pagename* (None when it is not a published post)."""
    env, config = app.env, app.config
    record = post(env, pagename)
    matter = front_matter(env, pagename)
    if record is None or matter is None or not record.published:
        return None
    url = context.get("pageurl") or _absolute(app, pagename)
    zone = settings.of(config, PostSettings).timezone
    title = record.title
    authors = []
    for key in matter.author or (config.blog_default_author,):
        name, link = (config.blog_authors or {}).get(key, (key, None))
        person: dict[str, Any] = {"@type": "Person", "name": name}
        if link:
            person["url"] = link if "://" in link else _absolute(app, link)
        authors.append(person)
    home = config.html_baseurl.rstrip("/") + "/"
    posting: dict[str, Any] = {
        "@type": "BlogPosting",
        "@id": f"{url}#post",
        "headline": title,
        "description": describe(app, pagename, context, doctree),
        "datePublished": _timestamp(record.date, zone),
        "dateModified": _timestamp(matter.updated or record.date, zone),
        "author": authors,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": config.language or "en",
        "isPartOf": {"@type": "Blog", "name": config.blog_title or config.project, "url": home},
    }
    card = sharecards.card_for(app, pagename)
    if card is not None:
        width, height = sharecards.image_size(app, card)
        posting["image"] = {
            "@type": "ImageObject",
            "url": sharecards.absolute_url(app, card),
            "width": width,
            "height": height,
            "caption": card.alt,
        }
    if matter.tags:
        posting["keywords"] = list(matter.tags)
    if matter.category:
        posting["articleSection"] = matter.category
    where = {config.root_doc: home, pagename: url}
    crumbs = [
        (name, where.get(docname) or _absolute(app, docname)) for name, docname in trail(app, pagename, title)
    ]
    breadcrumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": item}
            for n, (name, item) in enumerate(crumbs, start=1)
        ],
    }
    return {"@context": "https://schema.org", "@graph": [posting, breadcrumbs]}


#: Characters that could end the script element or comment it out (``</script>``, ``<!--``), or be
#: read as markup by a careless consumer, written as JSON escapes: the JSON means the same.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script(app: Sphinx, data: dict[str, Any]) -> str:
    """*data* as a JSON-LD script element (``templates/blog/json-ld.html``): ``<``, ``>`` and ``&``
    written ``\\u003c``, ``\\u003e`` and ``\\u0026``, so no text can close the element, open a comment
    in it or be read as markup (so the JSON is safe in the element, as it is)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)
    return str(safehtml.render(app, "blog/json-ld.html", json=Markup(text))) + "\n"


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    data = graph(app, pagename, context, doctree)
    if data is not None:
        context["metatags"] = context.get("metatags", "") + script(app, data)


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.outputs.findability")
    app.setup_extension("blogext.outputs.sharecards")
    app.connect("html-page-context", _on_page_context, priority=blogext.STRUCTURED_DATA)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
