"""Nothing off-site unless the author says so: every page written is checked for resources from other hosts.

A published page loads nothing from another host: no image, script, stylesheet,
font, iframe, video, audio or embedded object. After each build, every HTML page
written by it is read for the URLs a browser would fetch by itself:

- ``src`` of ``img``, ``script``, ``iframe``, ``frame``, ``video``, ``audio``,
  ``source``, ``track``, ``embed``, ``input type=image``; ``srcset`` of ``img`` and
  ``source``; ``poster`` of ``video``; ``data`` of ``object``;
- ``href`` of ``link`` elements that load something (``stylesheet``, ``icon``,
  ``preload``, ``modulepreload``, ``prefetch``, ``manifest``, ...);
- ``url(...)`` and ``@import`` in ``style`` attributes and ``<style>`` elements.

A URL with a host (``https://...``, ``//...``) that is neither the site's own
(``html_baseurl``) nor listed in ``blog_allowed_hosts`` (``conf.py``, a list of host
names, empty by default) is a ``blog.offsite`` warning naming the post's file and
line (the page's output file for generated pages), the URL and the setting, so
the strict build fails. Links (``<a href>``) are not resources and are not checked.

Incremental builds check the pages they write, and again every page that had a
problem in an earlier build (kept in ``<doctrees>/blogext-offsite.json``), so a
rebuild does not pass just because the page with the problem was not rewritten.
"""

from __future__ import annotations

import json
import re
import time
import weakref
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.util import logging

from blogext.errors import SettingError

logger = logging.getLogger(__name__)

STATE_FILE = "blogext-offsite.json"
#: When each build started: pages written after it are checked.
_STARTED: weakref.WeakKeyDictionary[Sphinx, float] = weakref.WeakKeyDictionary()

#: (element, attribute) pairs whose URL the browser fetches when the page loads.
SOURCE_ATTRIBUTES = {
    "img": ("src",),
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # SVG
    "use": ("href", "xlink:href"),  # SVG
}
SRCSET_ELEMENTS = {"img", "source"}
#: ``<link rel=...>`` values that make the browser fetch the ``href``.
LOADING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "apple-touch-icon-precomposed",
    "mask-icon",
    "preload",
    "modulepreload",
    "prefetch",
    "prerender",
    "manifest",
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.IGNORECASE)


class _Resources(HTMLParser):
    """Collects (what loads it, URL) for every resource a page loads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in SOURCE_ATTRIBUTES.get(tag, ()):
            if values.get(name):
                self.found.append((f"<{tag} {name}>", values[name]))
        if tag in SRCSET_ELEMENTS and values.get("srcset"):
            for candidate in values["srcset"].split(","):
                if candidate.strip():
                    self.found.append((f"<{tag} srcset>", candidate.split()[0]))
        if tag == "link" and values.get("href"):
            if LOADING_RELS.intersection(values.get("rel", "").lower().split()):
                self.found.append((f'<link rel="{values["rel"]}">', values["href"]))
        if values.get("style"):
            self._css(f"<{tag} style>", values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css("<style>", data)

    def _css(self, what: str, css: str) -> None:
        for match in _CSS_URL.finditer(css):
            self.found.append((what, match.group(2) or match.group(4)))


#: Tags whose attributes can load something (``style`` attributes aside).
_LOADING_TAGS = frozenset(SOURCE_ATTRIBUTES) | SRCSET_ELEMENTS | {"link"}
_ATTRIBUTES = r"""(?:"[^"<]*"|'[^'<]*'|[^'"<>])*"""
#: The parts of a page, left to right: a comment, a script (its text is no markup), a style element,
#: a whole start or end tag; any other ``<`` followed by a letter is markup this scan does not read
#: the way an HTML parser would, and sends the page to the full parse.
_PARTS = re.compile(
    rf"<(?:(?P<comment>!--.*?-->)"
    rf"|(?P<script>script\b{_ATTRIBUTES}>).*?</script\s*>"
    rf"|(?P<style>style\b{_ATTRIBUTES}>.*?</style\s*>)"
    rf"|(?P<tag>/?(?P<name>[a-zA-Z][^\s/>]*){_ATTRIBUTES}>)"
    rf"|(?P<odd>[a-zA-Z]))",
    re.IGNORECASE | re.DOTALL,
)
_STYLE_ATTRIBUTE = re.compile(r"\bstyle\b", re.IGNORECASE)


def resources_full(html: str) -> list[tuple[str, str]]:
    """:func:`resources`, by parsing the whole page (the reference the quick scan must equal)."""
    parser = _Resources()
    parser.feed(html)
    parser.close()
    return parser.found


def resources(html: str) -> list[tuple[str, str]]:
    """(what loads it, URL) for each resource *html* makes a browser fetch.

    Quick: only the elements that can load something (those of :data:`SOURCE_ATTRIBUTES`, ``link``,
    scripts, styles, and any tag with a ``style`` attribute) go through the HTML parser, which reads
    them as it would in the whole page; a page with markup the scan cannot split into tags that way
    is parsed whole (:func:`resources_full`). A page is typically a few hundred tags, a dozen of them
    these.
    """
    wanted = []
    for part in _PARTS.finditer(html):
        kind = part.lastgroup if part.lastgroup != "name" else "tag"
        if kind == "comment":
            continue
        if kind == "odd":
            return resources_full(html)
        if kind == "script":
            wanted.append("<" + part.group("script") + "</script>")
        elif kind == "style":
            wanted.append("<" + part.group("style"))
        else:
            text = "<" + part.group("tag")
            if text.startswith("</"):
                continue
            if part.group("name").lower() in ("script", "style"):  # one without its end tag
                return resources_full(html)
            if part.group("name").lower() in _LOADING_TAGS or _STYLE_ATTRIBUTE.search(text):
                wanted.append(text)
    return resources_full("".join(wanted))


def host_of(url: str) -> str | None:
    """The host *url* is fetched from, or None for a URL of the page's own site (relative, data:)."""
    url = url.strip()
    if url.startswith("//"):
        return urlsplit("https:" + url).hostname
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https", "ftp", "ws", "wss"):
        return parts.hostname
    return None


def offsite(html: str, allowed: set[str]) -> list[tuple[str, str, str]]:
    """(what loads it, URL, host) for each resource of *html* from a host not in *allowed*."""
    out = []
    for what, url in resources(html):
        host = host_of(url)
        if host and host.lower() not in allowed:
            out.append((what, url, host))
    return out


def _allowed(app: Sphinx) -> set[str]:
    hosts = {h.lower().strip() for h in app.config.blog_allowed_hosts}
    for base in (app.config.html_baseurl,):
        if base and urlsplit(base).hostname:
            hosts.add(urlsplit(base).hostname.lower())
    return hosts


def _on_builder_inited(app: Sphinx) -> None:
    _STARTED[app] = time.time() - 1  # mtimes may be rounded down to the second
    if not isinstance(app.config.blog_allowed_hosts, list | tuple) or not all(
        isinstance(h, str) and h and "/" not in h for h in app.config.blog_allowed_hosts
    ):
        raise SettingError(
            f"blog_allowed_hosts = {app.config.blog_allowed_hosts!r} in conf.py is not a list of host names "
            "(expected a list such as ['www.youtube-nocookie.com'], or [])"
        )


def _sources_by_page(app: Sphinx) -> dict[Path, str]:
    out: dict[Path, str] = {}
    for docname in app.env.found_docs:
        out[Path(app.builder.get_outfilename(docname)).resolve()] = docname
    return out


def _line_of(app: Sphinx, docname: str, url: str) -> int | None:
    try:
        text = Path(app.env.doc2path(docname)).read_text("utf-8")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if url in line:
            return number
    return None


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir).resolve()
    state_file = Path(app.doctreedir) / STATE_FILE
    try:
        earlier = set(json.loads(state_file.read_text("utf-8")))
    except (OSError, ValueError):
        earlier = set()
    started = _STARTED.get(app, 0)
    pages = {
        p
        for p in outdir.rglob("*.html")
        if "_static" not in p.relative_to(outdir).parts and p.stat().st_mtime >= started
    }
    pages |= {outdir / name for name in earlier if (outdir / name).is_file()}
    allowed = _allowed(app)
    sources: dict[Path, str] | None = None  # made when a page has a problem (a path for every document)
    failing = []
    for page in sorted(pages):
        problems = offsite(page.read_text("utf-8", errors="replace"), allowed)
        if not problems:
            continue
        failing.append(page.relative_to(outdir).as_posix())
        sources = _sources_by_page(app) if sources is None else sources
        docname = sources.get(page.resolve())
        for what, url, host in dict.fromkeys(problems):
            if docname is not None:
                location = (docname, _line_of(app, docname, url))
            else:  # a generated page (an archive): its output file
                location = page.relative_to(outdir).as_posix()
            logger.warning(
                "%s loads %s from another host, %s (expected a file of the site: a published page "
                "loads nothing from another host unless blog_allowed_hosts in conf.py lists it; add %r "
                "there to allow it)",
                what,
                url,
                host,
                host,
                type="blog",
                subtype="offsite",
                location=location,
            )
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(sorted(failing)), "utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(
        "blog_allowed_hosts",
        [],
        "html",
        types=[list, tuple],
        description="hosts a published page may load images, scripts, iframes, ... from (none by default)",
    )
    app.connect("builder-inited", _on_builder_inited)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
