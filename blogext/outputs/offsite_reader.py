"""A page read as a browser reads it, for what it loads and what it runs (not an extension).

:func:`findings` parses a page with an HTML5 parser (lexbor, through selectolax), as a browser that
runs scripts and as one that does not, the content of every ``<template>`` and ``<iframe srcdoc>``
too; resolves every URL with the WHATWG URL parser (ada) against the page's own URL; reads CSS with
tinycss2; and reports each load from a host not allowed, each frame, object or embed, each ``data:``
URL that can hold a page or script, and each piece of active content, as a :class:`Finding`.
:mod:`blogext.outputs.offsite` runs it on every page a build writes; :mod:`blogext.outputs.csp` uses its view
of
inline scripts (:func:`own_inline_scripts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ada_url import URL
from selectolax.lexbor import LexborHTMLParser, LexborNode

# -- what loads what ------------------------------------------------------------------------------------

#: Kinds of load: "passive" (an image, a font, media: a ``data:`` URL is fine), "script", "style",
#: "frame" (the CSP allows only allowed hosts), "plugin" (the CSP allows none), "form", "navigate".
_SRC_KINDS = {"script": "script", "iframe": "frame", "frame": "frame", "embed": "plugin"}
#: Attributes that load a URL whatever the element (``src`` aside, whose kind depends on it).
_LOADING = {
    "poster": "passive",
    "background": "passive",
    "lowsrc": "passive",
    "dynsrc": "passive",
    "manifest": "passive",
    "ping": "passive",
    "codebase": "plugin",
    "action": "form",
    "formaction": "form",
}
_SRCSET = ("srcset", "imagesrcset")
#: ``<link rel>`` values that load nothing: a link with only these is a link, not a load.
_LINK_ONLY_RELS = frozenset(
    "alternate author bookmark canonical external help license next nofollow noopener noreferrer opener "
    "prev search tag me shortlink edit archives first last index up start contents home top "
    "privacy-policy terms-of-service pingback webmention sitemap".split()
)
_LINK_AS_KIND = {"script": "script", "style": "style", "worker": "script", "document": "frame"}
#: ``<param name>`` values whose ``value`` is a URL a plugin loads.
_PARAM_URLS = frozenset({"movie", "src", "url", "data", "code", "codebase", "filename", "href"})
#: CSS functions whose string arguments are URLs.
_CSS_IMAGE_FUNCTIONS = frozenset(
    {"image-set", "-webkit-image-set", "image", "-webkit-image", "cross-fade", "-webkit-cross-fade"}
)
#: Script types a browser runs (the HTML standard's JavaScript MIME types, and the special ones).
_SCRIPT_TYPES = frozenset(
    "application/ecmascript application/javascript application/x-ecmascript application/x-javascript "
    "text/ecmascript text/javascript text/javascript1.0 text/javascript1.1 text/javascript1.2 "
    "text/javascript1.3 text/javascript1.4 text/javascript1.5 text/jscript text/livescript "
    "text/x-ecmascript text/x-javascript module importmap speculationrules".split()
)
_SPECIAL_TAGS = frozenset({"object", "applet", "param", "meta", "animate", "set"})
_ACTIVE_SCHEMES = ("javascript:", "vbscript:")
_NETWORK_SCHEMES = ("http:", "https:", "ws:", "wss:", "ftp:")
_SCRIPT_TAG = re.compile(r"<script(?:\s[^>]*)?>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
#: A URL that is relative to the page's own host: no scheme (no colon) and not two slashes of either
#: kind at its start, where the WHATWG parser would read a host (tabs and newlines, which it removes,
#: and leading control characters send a URL to the full parse).
_SAME_SITE = re.compile(r"(?![\x00-\x20]|[/\\][/\\])[^:\t\n\r]*\Z")
#: The content of a ``<noscript>`` that reads alike with and without scripts: style elements only.
_PLAIN_NOSCRIPT = re.compile(r"\s*(?:<style(?:\s[^<>]*)?>[^<]*</style\s*>\s*)*", re.IGNORECASE)
_NOSCRIPT_STYLE = re.compile(r"<style(?:\s[^<>]*)?>([^<]*)</style", re.IGNORECASE)
#: How deep ``srcdoc`` and ``<template>`` contents are followed (deeper nesting is itself a problem).
MAX_DEPTH = 8


@dataclass(frozen=True)
class Finding:
    """One thing a page must not do.

    *problem* is "offsite" (a load from another host), "frame" (a frame or plugin the CSP blocks),
    "data" (a ``data:`` URL that can hold a page or script), "active" (script the site did not make)
    or "base"; *what* names the element and attribute (``<img src>``), *value* is the attribute's
    value as the browser has it, *url* the URL it resolves to, *host* that URL's host.
    """

    problem: str
    what: str
    value: str
    url: str = ""
    host: str = ""


# -- reading a page ----------------------------------------------------------------------------------------


def is_executable(script: LexborNode) -> bool:
    """Whether a browser runs *script* (an element ``<script>``): not a data block such as JSON-LD."""
    kind = (script.attributes.get("type") or "").strip().lower()
    if not kind:
        language = (script.attributes.get("language") or "").strip().lower()
        return not language or f"text/{language}" in _SCRIPT_TYPES
    return kind.split(";")[0].strip() in _SCRIPT_TYPES


def inline_scripts(root: LexborNode) -> Iterator[LexborNode]:
    """The inline scripts under *root* that a browser runs (``src`` absent), in document order."""
    for node in root.css("script"):
        if "src" not in node.attributes and is_executable(node):
            yield node


def _in_head(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "head":
            return True
        if parent.tag == "body":
            return False
        parent = parent.parent
    return False


def own_inline_scripts(tree: LexborHTMLParser, template_literals: Iterable[str]) -> list[str]:
    """The texts of the page's inline scripts that are the site's own, in order.

    The site's own: those in ``<head>`` (only templates and extensions' script files put scripts
    there; posts reach ``<body>`` only, and the text they put in the head is escaped), and those
    in ``<body>`` whose text is a script written out in one of the site's templates (such as the
    theme's search page's). Any other inline script is a post's: reported, and left out of the
    Content-Security-Policy (:mod:`blogext.outputs.csp`), which hashes exactly these.
    """
    literals = set(template_literals)
    out = []
    for script in inline_scripts(tree.root):
        text = script.text(deep=True)
        if _in_head(script) or text in literals:
            out.append(text)
    return out


def template_scripts(folders: Iterable[Path]) -> frozenset[str]:
    """The text of every inline ``<script>`` written out in the templates under *folders*: those
    with no Jinja in them, which a page shows exactly as written."""
    found = set()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.html")) if Path(folder).is_dir() else ():
            for match in _SCRIPT_TAG.finditer(path.read_text("utf-8", errors="replace")):
                body = match.group(1)
                if body.strip() and not any(mark in body for mark in ("{{", "{%", "{#")):
                    found.add(body)
    return frozenset(found)


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset``, split as the HTML standard's algorithm splits it (a URL may hold commas)."""
    urls, pos, size = [], 0, len(value)
    while True:
        while pos < size and (value[pos] in " \t\n\r\f,"):
            pos += 1
        if pos >= size:
            return urls
        start = pos
        while pos < size and value[pos] not in " \t\n\r\f":
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        depth = 0  # the descriptors, up to a comma outside parentheses
        while pos < size and not (value[pos] == "," and depth == 0):
            depth += {"(": 1, ")": -1 if depth else 0}.get(value[pos], 0)
            pos += 1


_REFRESH = re.compile(r"^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$", re.IGNORECASE | re.DOTALL)


def refresh_url(content: str) -> str | None:
    """The URL a ``<meta http-equiv=refresh content=...>`` goes to, or None for a plain reload."""
    rest = _REFRESH.match(content).group(1).strip()
    if rest[:1] in ("'", '"'):
        rest = rest[1:].split(rest[0], 1)[0]
    return rest or None


def css_urls(css: str) -> Iterator[tuple[str, str]]:
    """(kind, URL) for each URL in *css* (a stylesheet or a ``style`` attribute), escapes decoded:
    ``url()``, ``src()``, image functions' strings ("passive"), ``@import`` ("style"), and
    ``expression()`` ("active", its text)."""
    if "(" not in css and "@" not in css and "\\" not in css:  # no function, at-rule or escape: no URL
        return
    import tinycss2  # here: most pages' CSS is a few declarations without a URL

    yield from _css_walk(tinycss2, tinycss2.parse_component_value_list(css))


def _css_walk(tinycss2: Any, tokens: list[Any]) -> Iterator[tuple[str, str]]:
    importing = False
    for token in tokens:
        kind = "style" if importing else "passive"
        if token.type == "at-keyword":
            importing = token.lower_value == "import"
        elif token.type == "literal" and token.value in (";", "{", "}"):
            importing = False
        elif token.type == "url":
            yield kind, token.value
        elif token.type == "string" and importing:
            yield kind, token.value
        elif token.type == "function":
            name = token.lower_name
            if name == "expression":
                yield "active", tinycss2.serialize(token.arguments)
            strings = [t.value for t in token.arguments if t.type == "string"]
            if name in ("url", "src") and strings:
                yield kind, strings[0]
            elif name in _CSS_IMAGE_FUNCTIONS:
                yield from (("passive", s) for s in strings)
            yield from _css_walk(tinycss2, token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            yield from _css_walk(tinycss2, token.content)


class PageReader:
    """Finds what a page must not do (:class:`Finding`), reading it as a browser does.

    *page_url* is the page's URL (relative URLs resolve against it); *allowed* the hosts (ASCII, lower
    case, a port after a colon if not the default) it may load from, its own among them; *literals*
    the inline scripts of the site's templates (:func:`template_scripts`).
    """

    def __init__(
        self, page_url: str, allowed: set[str], literals: Iterable[str] = (), own_host: str = ""
    ) -> None:
        self.page_url = page_url
        self.allowed = allowed
        self.literals = frozenset(literals)
        self.own_host = own_host or URL(page_url).host
        self.found: dict[Finding, None] = {}

    def read(self, html: str) -> list[Finding]:
        """Every finding of the page *html*, each once, in the order found."""
        scripting = LexborHTMLParser(html, scripting=True)
        own = set(own_inline_scripts(scripting, self.literals))
        self._document(scripting, "", 0, own, scripts_run=True)
        if self._noscripts_differ(scripting):  # as a browser that runs no script reads it
            self._document(LexborHTMLParser(html, scripting=False), "", 0, own, scripts_run=False)
        return list(self.found)

    def _noscripts_differ(self, tree: LexborHTMLParser) -> bool:
        """Whether a browser without scripts would read the page otherwise: it parses the content of
        ``<noscript>`` as markup. Not when that is only style elements (the theme's); their CSS is read."""
        sheets = []
        for noscript in tree.css("noscript"):
            plain = _PLAIN_NOSCRIPT.fullmatch(noscript.text(deep=True))
            if plain is None:
                return True
            sheets += _NOSCRIPT_STYLE.findall(plain.group(0))
        for sheet in sheets:
            self._css("<noscript> <style>", sheet)
        return False

    # -- documents and elements

    def _document(self, tree: LexborHTMLParser | LexborNode, within: str, depth: int, own: set[str],
                  scripts_run: bool) -> None:  # fmt: skip
        root = tree.root if isinstance(tree, LexborHTMLParser) else tree
        if root is None:
            return
        for node in root.traverse(include_text=False):
            if node.is_element_node:
                self._element(node, within, depth, own, scripts_run)
        for fragment in tree.template_fragments():
            self._nested(f"{within}<template> ", depth, lambda f=fragment: f, own, scripts_run)

    def _nested(self, within: str, depth: int, parse: Any, own: set[str], scripts_run: bool) -> None:
        if depth >= MAX_DEPTH:
            self._add(Finding("active", within.strip(), f"nested more than {MAX_DEPTH} deep"))
            return
        self._document(parse(), within, depth + 1, own, scripts_run)

    def _element(self, node: LexborNode, within: str, depth: int, own: set[str], scripts_run: bool) -> None:
        tag = node.tag or ""
        attrs = node.attributes
        if tag == "style":
            self._css(f"{within}<style>", node.text(deep=True))
        elif tag == "script" and scripts_run and "src" not in attrs and is_executable(node):
            text = node.text(deep=True)
            if text not in own:
                self._add(Finding("active", f"{within}<script>", text.strip()))
        if not attrs:
            return
        where = f"{within}<{tag}"
        for name, value in attrs.items():
            key, value = name.lower(), value or ""
            if key.startswith("on"):
                if scripts_run and len(key) > 2 and ":" not in key:
                    self._add(Finding("active", f"{where} {name}>", value))
            elif key.endswith("href") and key.rsplit(":", 1)[-1] == "href":
                self._href(tag, attrs, f"{where} {name}>", value)
            elif key == "src":
                self._url(_SRC_KINDS.get(tag, "passive"), f"{where} {name}>", value)
            elif key in _LOADING:
                for part in value.split() if key == "ping" else [value]:
                    self._url(_LOADING[key], f"{where} {name}>", part)
            elif key in _SRCSET:
                for url in srcset_urls(value):
                    self._url("passive", f"{where} {name}>", url)
            elif key == "style":
                self._css(f"{where} style>", value)
            elif key == "srcdoc" and tag in ("iframe", "frame"):
                parse = lambda v=value: LexborHTMLParser(v, scripting=scripts_run)  # noqa: E731
                self._nested(f"{where} srcdoc> ", depth, parse, set(), scripts_run)
        if tag in _SPECIAL_TAGS:
            self._special(tag, {k.lower(): (k, v or "") for k, v in attrs.items()}, where)

    def _special(self, tag: str, lower: dict[str, tuple[str, str]], where: str) -> None:
        """The URLs of elements whose attribute's meaning depends on the element (or another attribute)."""
        value = {key: text for key, (_name, text) in lower.items()}
        if tag == "object" and "data" in value:
            self._url("plugin", f"{where} data>", value["data"])
        if tag in ("object", "applet") and "archive" in value:
            for part in re.split(r"[\s,]+", value["archive"]):
                self._url("plugin", f"{where} archive>", part)
        if tag == "applet" and "code" in value:
            self._url("plugin", f"{where} code>", value["code"])
        if tag == "param" and value.get("name", "").strip().lower() in _PARAM_URLS:
            self._url("plugin", f"{where} value>", value.get("value", ""))
        if tag == "meta" and value.get("http-equiv", "").strip().lower() == "refresh":
            target = refresh_url(value.get("content", ""))
            if target:
                self._url("navigate", f'{where} http-equiv="refresh">', target)
        if tag in ("animate", "set") and value.get("attributename", "").lower().split(":")[-1] == "href":
            for key in ("to", "from", "by", "values"):
                for part in value[key].split(";") if key in value else ():
                    self._url("passive", f"{where} {lower[key][0]}>", part)

    def _href(self, tag: str, attrs: dict[str, str | None], what: str, value: str) -> None:
        if tag == "base":
            self._add(Finding("base", what, value))
        elif tag in ("a", "area"):
            self._url("link", what, value)
        elif tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels <= _LINK_ONLY_RELS:
                self._url("link", what, value)
            elif "stylesheet" in rels or "import" in rels:
                self._url("style", what, value)
            elif rels & {"modulepreload", "serviceworker"}:
                self._url("script", what, value)
            else:
                self._url(_LINK_AS_KIND.get((attrs.get("as") or "").strip().lower(), "passive"), what, value)
        else:  # SVG and MathML: image, use, feImage, script, pattern, textPath, ...
            self._url("script" if tag == "script" else "passive", what, value)

    def _css(self, what: str, css: str) -> None:
        for kind, url in css_urls(css):
            if kind == "active":
                self._add(Finding("active", what, f"expression({url})"))
            else:
                self._url(kind, what, url)

    # -- one URL

    def _url(self, kind: str, what: str, value: str) -> None:
        if _SAME_SITE.match(value):  # a path, query or fragment: the page's own host, whatever it says
            if kind in ("frame", "plugin") and value.strip():
                self._add(Finding("frame", what, value, URL(value, self.page_url).href, self.own_host))
            return
        if kind == "link" and not _scheme_of(value).startswith(_ACTIVE_SCHEMES):
            return
        try:
            url = URL(value, self.page_url)
        except ValueError:  # not a URL: the browser loads nothing
            return
        scheme = url.protocol
        if scheme in _ACTIVE_SCHEMES:
            self._add(Finding("active", what, value, url.href))
        elif kind == "link":
            return
        elif scheme == "data:":
            if kind not in ("passive", "navigate"):
                self._add(Finding("data", what, value, url.href))
        elif scheme not in _NETWORK_SCHEMES:
            return
        elif url.host not in self.allowed:
            self._add(Finding("offsite", what, value, url.href, url.host))
        elif kind == "plugin" or (kind == "frame" and url.host == self.own_host):
            self._add(Finding("frame", what, value, url.href, url.host))

    def _add(self, finding: Finding) -> None:
        self.found.setdefault(finding, None)


def _scheme_of(value: str) -> str:
    """The start of *value* as the URL parser reads it: tabs and newlines removed, leading controls
    and spaces stripped, lower case (enough to tell a ``javascript:`` URL)."""
    return value.translate(_TABS_NEWLINES).lstrip("".join(map(chr, range(33))))[:12].lower()


_TABS_NEWLINES = str.maketrans("", "", "\t\n\r")


def findings(html: str, page_url: str, allowed: Iterable[str], literals: Iterable[str] = ()) -> list[Finding]:
    """Everything the page *html*, served at *page_url*, must not do; *allowed* are the other hosts it
    may load from (:func:`normal_host` spellings); *literals* the templates' own inline scripts."""
    own = URL(page_url).host
    return PageReader(page_url, {own, *allowed}, literals, own).read(html)


def normal_host(host: str) -> str | None:
    """*host* as a URL's host spells it (IDNA, lower case), or None if it is not a bare host name."""
    try:
        url = URL(f"https://{host.strip()}/")
    except ValueError:
        return None
    if url.pathname != "/" or url.username or url.password or url.search or url.hash or not url.hostname:
        return None
    return url.host
