"""Listing pages (all posts, a tag, a category, a year): filters and sorting.

An archive page of ABlog (``_templates/ablog/collection.html``) shows its posts
as cards, newest first. This module gives that template two things:

- :func:`facets`: the tags, categories and years of the posts listed, each with
  its count and the link to its own archive page. Without JavaScript these are
  plain links: filtering is opening the tag's, category's or year's page.
- :func:`cards_html`: the cards, each ``<li>`` carrying what ``_static/listing.js``
  filters and sorts by (``data-year``, ``data-tags``, ``data-category``,
  ``data-date``, ``data-title``), every value escaped.

With JavaScript, ``_static/listing.js`` filters and sorts the cards in place
and keeps the view in the URL's query (``?tag=git&sort=oldest``), so a filtered
view can be shared. Values are the canonical keys of :func:`blogext.core.frontmatter_check.label_key`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from markupsafe import escape
from sphinx.application import Sphinx

from blogext.core.frontmatter_check import label_key
from blogext.core.postrecord import Groupings, Post

#: The opening tag of one card, as :func:`blogext.pages.cards.card` draws it.
_CARD_OPEN = re.compile(r'<li class="ablog-post post-card">')


def _data(post: Post) -> dict[str, str]:
    return {
        "year": str(post.date.year) if post.date else "",
        "tags": " ".join(sorted(label_key(tag) for tag in post.tags)),
        "category": " ".join(sorted(label_key(c) for c in post.category)),
        "date": post.date.strftime("%Y-%m-%dT%H:%M") if post.date else "",
        "title": post.title.casefold(),
    }


def cards_html(html: str, posts: list[Post]) -> str:
    """*html*, the cards of *posts* in order, with each card's data attributes added."""
    posts = list(posts)
    found = _CARD_OPEN.findall(html)
    if len(found) != len(posts):  # not the cards expected: leave them as drawn
        return html
    datas = iter(posts)

    def attrs(match: re.Match) -> str:
        values = _data(next(datas))
        extra = "".join(f' data-{name}="{escape(value)}"' for name, value in values.items())
        return match.group(0)[:-1] + extra + ">"

    return _CARD_OPEN.sub(attrs, html)


def _group(app: Sphinx, pagename: str, param: str, label: str, colls: dict, counts: Counter) -> dict:
    links = [
        {
            "value": key,
            "name": name,
            "href": app.builder.get_relative_uri(pagename, docname),
            "count": counts[key],
        }
        for key, (name, docname) in sorted(colls.items(), key=lambda item: item[1][0].casefold())
    ]
    if param == "year":
        links.reverse()
    return {"param": param, "label": label, "links": links}


def facets(app: Sphinx, grouped: Groupings, posts: Iterable[Post], pagename: str) -> list[dict]:
    """The tags, categories and years of *posts*: [{param, label, links: [{value, name, href, count}]}]."""
    tags, categories, years = {}, {}, {}
    counts = {"tag": Counter(), "category": Counter(), "year": Counter()}
    for post in posts:
        for tag in grouped.of(post, "tags"):
            tags[label_key(tag.name)] = (tag.name, tag.pagename)
            counts["tag"][label_key(tag.name)] += 1
        for cat in grouped.of(post, "category"):
            categories[label_key(cat.name)] = (cat.name, cat.pagename)
            counts["category"][label_key(cat.name)] += 1
        if post.date:
            counts["year"][str(post.date.year)] += 1
    for year in grouped.index("archive"):
        if year.name in counts["year"]:
            years[year.name] = (year.name, year.pagename)
    groups = [
        _group(app, pagename, "tag", "Tags", tags, counts["tag"]),
        _group(app, pagename, "category", "Categories", categories, counts["category"]),
        _group(app, pagename, "year", "Years", years, counts["year"]),
    ]
    return [group for group in groups if len(group["links"]) > 1]
