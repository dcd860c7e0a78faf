"""A Content-Security-Policy on every page: what the off-site check misses, the browser still blocks.

Every HTML page the build renders gets, right after its ``<meta charset>`` (before
any script or stylesheet), a ``<meta http-equiv="Content-Security-Policy">``:

- ``default-src 'self'`` and the hosts of ``blogext_allowed_hosts`` (with the site's own
  host from ``html_baseurl``, for a copy served elsewhere such as Read the Docs);
- ``script-src``: the same, ``'wasm-unsafe-eval'`` (Pagefind's search runs as
  WebAssembly) and a ``'sha256-...'`` hash of each inline script the page's
  templates and extensions put in it (:func:`blogext.outputs.offsite_reader.own_inline_scripts`):
  no ``'unsafe-inline'``, so a post's inline script, event handler or
  ``javascript:`` URL does not run;
- ``style-src`` with ``'unsafe-inline'``: the theme, Sphinx and mermaid write
  ``style`` attributes and ``<style>`` elements (styles run no script);
- ``img-src``, ``font-src`` and ``media-src`` also take ``data:`` URLs;
- ``frame-src`` only the hosts of ``blogext_allowed_hosts`` (``'none'`` without any),
  ``worker-src 'self'`` (Pagefind's worker), ``object-src 'none'``,
  ``base-uri 'none'`` and ``form-action 'self'``.

giscus' host (:mod:`blogext.pages.comments`) is in the policy only of the pages that show
comments, though it is in ``blogext_allowed_hosts`` (where it must be, for comments
to be on). The preview (``BLOG_PREVIEW=1``) adds a reload script to every page it
serves, inline and different for every build: its pages allow inline scripts
(``'unsafe-inline'`` in place of the hashes); published builds never do.

The policy is written when the page is rendered, from the page as rendered: the
builder renders pages through :class:`TemplateBridge` (``template_bridge``, set
here), which hashes the page's inline scripts and inserts the tag. So each page is
written once, complete, and an incremental build writes the same bytes as a clean
one. A ``template_bridge`` of the project's own is refused (one line naming it).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from typing import Any

from ada_url import URL
from selectolax.lexbor import LexborHTMLParser
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.jinja2glue import BuiltinTemplateLoader

from blogext.core import assets, safehtml, settings
from blogext.core.errors import SettingError
from blogext.outputs import offsite, offsite_reader

BRIDGE = "blogext.outputs.csp.TemplateBridge"
_CHARSET = re.compile(r"<meta\s[^>]*\bcharset\s*=[^>]*>", re.IGNORECASE)
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)


def script_hash(text: str) -> str:
    """The CSP source expression allowing the inline script whose text is *text*."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy(hosts: list[str], frames: list[str], hashes: list[str], inline_scripts: bool = False) -> str:
    """The policy allowing the site, *hosts* (resources) and *frames* (frame hosts), and the inline
    scripts of *hashes* (or, with *inline_scripts*, every inline script: the preview's)."""
    others = "".join(f" {host}" for host in hosts)
    scripts = " 'unsafe-inline'" if inline_scripts else "".join(f" {h}" for h in hashes)
    return "; ".join(
        [
            f"default-src 'self'{others}",
            f"script-src 'self'{others} 'wasm-unsafe-eval'{scripts}",
            f"style-src 'self'{others} 'unsafe-inline'",
            f"img-src 'self'{others} data:",
            f"font-src 'self'{others} data:",
            f"media-src 'self'{others} data:",
            f"frame-src {' '.join(frames) or chr(39) + 'none' + chr(39)}",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def meta_tag(app: Sphinx, text: str) -> str:
    """The ``<meta>`` element carrying the policy *text* (``templates/blog/csp-meta.html``, which escapes
    it: the quotes around ``'self'`` and the other keywords are written ``&#39;``)."""
    return str(safehtml.render(app, "blog/csp-meta.html", policy=text))


def with_meta(page: str, tag: str) -> str:
    """*page* with *tag* right after its ``<meta charset>``, else right after ``<head>``."""
    end = page.find("</head")
    head = page if end < 0 else page[:end]
    where = _CHARSET.search(head) or _HEAD.search(head)
    return page if where is None else page[: where.end()] + "\n    " + tag + page[where.end() :]


def _preview(config: Config) -> bool:
    from blogext.core import posts

    if settings.is_registered(config, posts.PostSettings):
        return settings.of(config, posts.PostSettings).preview
    return posts.resolve_preview(os.environ, False)


def _comments_host(app: Sphinx, pagename: str) -> tuple[str | None, bool]:
    """giscus' host (as URLs spell it) if comments are a feature of the site, and whether *pagename*
    shows them."""
    if "blogext.pages.comments" not in app.extensions:
        return None, False
    from blogext.pages import comments

    host = offsite_reader.normal_host(comments.giscus_settings(app.config)["host"])
    return host, bool(app.env is not None and comments.has_comments(app, pagename))


def page_policy(app: Sphinx, pagename: str, page: str) -> str:
    """The policy of the rendered page *page* of *pagename*."""
    tree = LexborHTMLParser(page, scripting=True)
    scripts = offsite_reader.own_inline_scripts(tree, offsite.template_scripts_of(app))
    hashes = list(dict.fromkeys(script_hash(text) for text in scripts))
    hosts = sorted(offsite.allowed_hosts(app))
    comments_host, shows_comments = _comments_host(app, pagename)
    if comments_host and not shows_comments:
        hosts = [h for h in hosts if h != comments_host]
    own = URL(offsite.site_url(app)).host if app.config.html_baseurl else None
    sources = ([own] if own and own not in hosts else []) + hosts
    return policy(sources, hosts, hashes, inline_scripts=_preview(app.config))


class TemplateBridge(BuiltinTemplateLoader):
    """Sphinx's template loader, with the Content-Security-Policy added to each page it renders."""

    #: The application, given when the builder is ready (:func:`_on_builder_inited`).
    blog_app: Sphinx | None = None

    def render(self, template: str, context: dict[str, Any]) -> str:  # type: ignore[override]
        page = super().render(template, context)
        app = self.blog_app
        if app is None or app.builder.format != "html" or "pagename" not in context or "</head" not in page:
            return page
        return with_meta(page, meta_tag(app, page_policy(app, context["pagename"], page)))


def _set_bridge(app: Sphinx, config: Config) -> None:
    if config.template_bridge and config.template_bridge != BRIDGE:
        raise SettingError(
            f"template_bridge = {config.template_bridge!r} in conf.py replaces the template loader that "
            f"blogext.outputs.csp writes each page's Content-Security-Policy with "
            f"(expected no template_bridge, "
            f"or {BRIDGE!r})"
        )
    config.template_bridge = BRIDGE


def _on_builder_inited(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if isinstance(templates, TemplateBridge):
        templates.blog_app = app


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension(
        "blogext.outputs.offsite"
    )  # blogext_allowed_hosts, and which inline scripts are the site's
    app.connect("config-inited", _set_bridge)
    app.connect("builder-inited", _on_builder_inited)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
