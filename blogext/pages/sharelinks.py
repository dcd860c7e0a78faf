"""Share links at the end of each published post: Mastodon, Bluesky, LinkedIn, Hacker News, email,
and the browser's own share sheet where it has one (the Web Share API).

Each service is a plain link to its share page, carrying the post's title and canonical URL in the
query: nothing is loaded from another host before the reader clicks, and no service's script is
ever loaded. Mastodon has no one site: its link goes to https://mastodonshare.com/, a share page
that asks for the reader's instance and sends them there. ``mailto:`` opens the reader's mail app.
The "Share…" button is hidden until ``_static/share.js`` (loaded on posts only, deferred) finds
``navigator.share``; without JavaScript it stays hidden.

Drawn by ``templates/blog/share-links.html`` through :mod:`blogext.core.safehtml` (every value
escaped), placed by ``_templates/ablog/postnavy.html`` before the author card; not indexed by
Pagefind, and not printed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from sphinx.application import Sphinx

from blogext.core import assets, safehtml
from blogext.core.posts import front_matter, post


def links(title: str, url: str) -> list[tuple[str, str]]:
    """(service, share URL) for a post titled *title* at the absolute *url*."""
    both = f"{title} {url}"
    return [
        ("Mastodon", "https://mastodonshare.com/?" + urlencode({"text": title, "url": url}, quote_via=quote)),
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": both}, quote_via=quote)),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?"
         + urlencode({"url": url}, quote_via=quote)),
        ("Hacker News", "https://news.ycombinator.com/submitlink?"
         + urlencode({"u": url, "t": title}, quote_via=quote)),
        ("Email", "mailto:?" + urlencode({"subject": title, "body": url}, quote_via=quote)),
    ]  # fmt: skip


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    record = post(app.env, pagename)
    matter = front_matter(app.env, pagename)
    if record is None or matter is None or not record.published:
        return
    url = context.get("pageurl") or app.config.html_baseurl.rstrip("/") + "/" + app.builder.get_target_uri(
        pagename
    )
    title = record.title
    context["blog_share_html"] = safehtml.render(
        app, "blog/share-links.html", links=links(title, url), title=title, url=url
    )
    app.add_js_file("share.js", loading_method="defer")  # on posts only


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "sharelinks")
    app.setup_extension("blogext.core.posts")
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
