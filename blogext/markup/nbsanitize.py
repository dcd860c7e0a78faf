"""What of a notebook's outputs may reach a published page (not an extension: blogext.markup.notebooks uses
it).

A notebook's outputs are HTML, SVG and Markdown that its code printed, and data from anywhere
(a scraped page, a dataset, a model's answer) ends up in them. Each output goes through two
readers, both HTML5 parsers that read markup as browsers do:

- **nh3** (the binding of Rust's Ammonia, over html5ever) writes what is published: only the tags
  and attributes of the allow-lists below survive; no script, no event handler, no
  ``javascript:`` URL, no embedded page; URLs are judged by :meth:`Output.judge` (WHATWG URL
  parsing, ada-url), CSS by :func:`css_urls` (tinycss2). It is the guarantee.
- **Lexbor** (selectolax) reads the same output first, so the author learns what was refused
  (:class:`Finding`): :func:`clean_html` and :func:`clean_svg` return both.

Markup outside the allow-lists that neither runs nor loads anything (``<font>``, an unknown
attribute, a comment) is dropped silently, its text kept. What runs script, loads from another
host or names a missing file is a finding: :mod:`blogext.markup.notebooks` makes it a build warning.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

import ada_url
import nh3
import tinycss2
from selectolax.lexbor import LexborHTMLParser

#: Finding kinds: what would run script, what loads from another host, a local file that is not there.
ACTIVE, OFFSITE, MISSING = "active", "offsite", "missing"

#: The host a URL of the site itself resolves to (URLs are resolved against the notebook's folder there).
_HOME = "site.invalid"

SVG_TAGS = frozenset(
    "svg g defs symbol use path rect circle ellipse line polyline polygon text tspan textPath title desc "
    "clipPath mask pattern marker linearGradient radialGradient stop image style a".split()
)
SVG_ATTRIBUTES = frozenset(
    """id class style transform viewBox preserveAspectRatio version width height x y x1 y1 x2 y2 cx cy r
    rx ry dx dy d points pathLength fill fill-opacity fill-rule stroke stroke-width stroke-linecap
    stroke-linejoin stroke-dasharray stroke-dashoffset stroke-miterlimit stroke-opacity opacity
    clip-path clip-rule clipPathUnits mask maskUnits maskContentUnits patternUnits patternContentUnits
    patternTransform gradientUnits gradientTransform spreadMethod offset stop-color stop-opacity
    font-family font-size font-style font-weight text-anchor dominant-baseline alignment-baseline
    baseline-shift letter-spacing word-spacing text-decoration textLength lengthAdjust startOffset
    markerWidth markerHeight markerUnits orient refX refY marker-start marker-mid marker-end display
    visibility color overflow vector-effect shape-rendering text-rendering image-rendering paint-order
    href type media""".split()
)
#: What rich outputs are made of: Ammonia's defaults, styles (pandas, Styler), media, inline SVG,
#: and the checkbox and label of CSS-only toggles (scikit-learn's estimator diagrams).
HTML_TAGS = frozenset(nh3.ALLOWED_TAGS) | SVG_TAGS | {
    "style", "audio", "video", "source", "track", "picture", "tfoot", "section", "label", "input",
    "progress", "meter",
}  # fmt: skip
_OWN_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role", "style", "hidden", "width", "height", "align"},
    "a": {"href", "hreflang"},
    "img": {"src", "srcset", "sizes", "alt", "loading", "decoding"},
    "video": {"src", "poster", "controls", "autoplay", "loop", "muted", "playsinline", "preload"},
    "audio": {"src", "controls", "autoplay", "loop", "muted", "preload"},
    "source": {"src", "srcset", "type", "media", "sizes"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "table": {"border", "cellpadding", "cellspacing", "summary", "frame", "rules"},
    "td": {"nowrap", "valign"},
    "th": {"nowrap", "valign"},
    "tr": {"valign"},
    "style": {"type", "media"},
    "input": {"type", "checked", "disabled"},
    "label": {"for"},
    "ol": {"reversed", "type"},
    "li": {"value"},
    "details": {"open"},
    "progress": {"value", "max"},
    "meter": {"value", "min", "max", "low", "high", "optimum"},
    "time": {"datetime"},
    "data": {"value"},
}


def _attributes(own: dict[str, set[str]]) -> dict[str, set[str]]:
    merged = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in own.items():
        merged.setdefault(tag, set()).update(names)
    for tag in SVG_TAGS:
        merged.setdefault(tag, set()).update(SVG_ATTRIBUTES)
    return merged


HTML_ATTRIBUTES = _attributes(_OWN_ATTRIBUTES)
#: Elements that run script, embed another page or plug-in, or change the whole page: refused.
REFUSED_TAGS = frozenset(
    "script iframe frame frameset object embed applet portal fencedframe base meta link form "
    "animate set animatemotion animatetransform handler listener".split()
)
#: (tag or "*", attribute) -> whether the URL it holds is followed on a click ("link") or loaded.
_LINK_ATTRIBUTES = {"action", "formaction", "ping", "cite"}
_LOAD_ATTRIBUTES = {
    "src",
    "srcset",
    "poster",
    "data",
    "background",
    "lowsrc",
    "dynsrc",
    "codebase",
    "archive",
}
#: Presentation attributes whose value may hold ``url(...)``, like CSS.
_CSS_ATTRIBUTES = {"style", "fill", "stroke", "clip-path", "mask", "filter", "cursor"} | {
    f"marker-{where}" for where in ("start", "mid", "end")
}
_CSS_URL_FUNCTIONS = {
    "url",
    "src",
    "image",
    "image-set",
    "-webkit-image-set",
    "cross-fade",
    "-webkit-cross-fade",
}
_MEDIA_TYPES = ("image/", "audio/", "video/")


@dataclass(frozen=True)
class Finding:
    """Something an output held that the page leaves out: its kind and what it was, for the author."""

    kind: str
    what: str


#: Given (tag, attribute, URL as written, path in the site): the URL to publish, or None and why not.
Publisher = Callable[[str, str, str, str], tuple[str | None, str | None]]


@dataclass
class Output:
    """One output of a notebook, as the page will show it.

    *folder* is the notebook's folder in the site (``posts/2024``), against which its relative URLs
    resolve; *allowed_hosts* the hosts a page may load from (the site's own, ``blogext_allowed_hosts``);
    *publish* publishes a local file the output names (None: the output may load no file at all, as
    an SVG shown as a picture cannot).
    """

    folder: str
    allowed_hosts: frozenset[str] = frozenset()
    publish: Publisher | None = None
    findings: list[Finding] = field(default_factory=list)
    _judged: dict[tuple[str, str, str], tuple[str | None, Finding | None]] = field(default_factory=dict)

    def judge(self, tag: str, attribute: str, value: str) -> tuple[str | None, Finding | None]:
        """The value to publish for a URL attribute (None: left out), and what was wrong with it."""
        key = (tag, attribute, value)
        if key not in self._judged:
            self._judged[key] = self._judge(tag, attribute, value)
        return self._judged[key]

    def _judge(self, tag: str, attribute: str, value: str) -> tuple[str | None, Finding | None]:
        link = attribute in _LINK_ATTRIBUTES or (attribute == "href" and tag in ("a", "area"))
        where = f"<{tag} {attribute}>"
        if not value.strip() or value.strip().startswith("#"):
            return value, None
        url = _resolve(value, self.folder)
        if url is None:
            return None, None  # no browser follows it
        scheme = url["protocol"].rstrip(":").lower()
        if scheme in ("javascript", "vbscript"):
            return None, Finding(ACTIVE, f"a {scheme}: URL in {where}")
        if link:
            if scheme in ("http", "https", "mailto", "tel"):
                return value, None
            return None, Finding(ACTIVE, f"a {scheme}: URL in {where}")
        if scheme == "data":
            media = url["pathname"].split(",", 1)[0].split(";", 1)[0].strip().lower()
            if media.startswith(_MEDIA_TYPES) and tag not in REFUSED_TAGS:
                return value, None
            return None, Finding(ACTIVE, f"a data: URL of type {media or 'text/plain'!r} in {where}")
        host = url["hostname"].lower()
        if scheme not in ("http", "https") or host != _HOME:
            if scheme in ("http", "https") and host in self.allowed_hosts:
                return value, None
            return None, Finding(OFFSITE, f"{where} loads {_short(value)} from {host or scheme + ':'}")
        if tag in REFUSED_TAGS or tag == "style":
            return None, None  # left out with its element (or its style sheet), which is reported
        if self.publish is None:
            return None, Finding(
                MISSING, f"{where} names the file {_short(value)}, which a picture cannot load"
            )
        published, problem = self.publish(tag, attribute, value, unquote(url["pathname"]).lstrip("/"))
        return published, (Finding(MISSING, f"{where} {problem}") if problem else None)

    def judge_css(self, where: str, css: str) -> tuple[bool, list[Finding]]:
        """Whether *css* loads nothing (``url(#id)`` and ``data:`` media aside), and what it loads."""
        found = []
        for url in css_urls(css):
            kept, finding = self.judge("style", "url", url)
            if kept is None and finding is not None:
                found.append(
                    Finding(finding.kind, finding.what.replace("<style url>", f"CSS in <{where}>", 1))
                )
            elif kept is None:
                found.append(
                    Finding(MISSING, f"CSS in <{where}> loads the file {_short(url)}, which styles may not")
                )
        return not found, found

    def note(self, finding: Finding | None) -> None:
        if finding is not None and finding not in self.findings:
            self.findings.append(finding)


def _short(value: str) -> str:
    value = value.strip()
    return repr(value if len(value) <= 80 else value[:77] + "...")


def _resolve(value: str, folder: str) -> dict | None:
    try:
        return ada_url.parse_url(ada_url.join_url(f"https://{_HOME}/{folder.strip('/')}/", value))
    except ValueError:
        return None


def css_urls(css: str) -> list[str]:
    """Every URL *css* (a style sheet or a ``style`` attribute) would load, escapes decoded."""
    found: list[str] = []
    _walk_css(tinycss2.parse_component_value_list(css), found)
    return found


def _walk_css(tokens: Iterable, found: list[str]) -> None:
    tokens = list(tokens)
    for index, token in enumerate(tokens):
        kind = getattr(token, "type", "")
        if kind == "url":
            found.append(token.value)
        elif kind == "at-keyword" and token.lower_value == "import":
            following = [t for t in tokens[index + 1 :] if t.type not in ("whitespace", "comment")]
            if following and following[0].type == "string":
                found.append(following[0].value)
        elif kind == "function":
            if token.lower_name in _CSS_URL_FUNCTIONS:
                found.extend(t.value for t in token.arguments if t.type == "string")
            _walk_css(token.arguments, found)
        if kind in ("() block", "[] block", "{} block"):
            _walk_css(token.content, found)


def srcset_urls(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) for each candidate of a ``srcset``, split as the HTML standard says."""
    out, position = [], 0
    while position < len(value):
        while position < len(value) and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < len(value) and not value[position].isspace():
            position += 1
        url = value[start:position]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = value.find(",", position)
            end = len(value) if end < 0 else end
            descriptor, position = value[position:end].strip(), end
        if url:
            out.append((url, descriptor))
    return out


# -- Finding what an output holds (Lexbor) -------------------------------------------------------------


def inspect(markup: str, output: Output) -> bool:
    """Note in *output* what *markup* holds that the page leaves out; whether its ``<style>`` sheets load
    nothing (else they are left out whole)."""
    styles_load_nothing = True
    for node in LexborHTMLParser(markup).root.traverse():
        tag = node.tag.lower()
        if tag in REFUSED_TAGS:
            output.note(Finding(ACTIVE, f"the element <{tag}>"))
        if tag == "style":
            clean, found = output.judge_css(tag, node.text(deep=True))
            styles_load_nothing &= clean
            for finding in found:
                output.note(finding)
        for name, value in node.attributes.items():
            _inspect_attribute(output, tag, name.lower(), value or "")
    return styles_load_nothing


def _inspect_attribute(output: Output, tag: str, name: str, value: str) -> None:
    local = name.rsplit(":", 1)[-1]
    if local.startswith("on"):
        output.note(Finding(ACTIVE, f"the event handler {name} on <{tag}>"))
    elif local == "srcdoc":
        output.note(Finding(ACTIVE, f"a page in <{tag} srcdoc>"))
    elif local in _CSS_ATTRIBUTES:
        for finding in output.judge_css(f"{tag} {local}", value)[1]:
            output.note(finding)
    elif local == "srcset":
        for url, _descriptor in srcset_urls(value):
            output.note(output.judge(tag, local, url)[1])
    elif local in _LOAD_ATTRIBUTES or local in _LINK_ATTRIBUTES or local == "href":
        output.note(output.judge(tag, local, value)[1])


# -- Writing what is published (nh3) ----------------------------------------------------------------


def _attribute_filter(output: Output) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, name: str, value: str) -> str | None:
        if name in _CSS_ATTRIBUTES:
            return value if output.judge_css(f"{tag} {name}", value)[0] else None
        if name == "srcset":
            kept = [(output.judge(tag, name, url)[0], d) for url, d in srcset_urls(value)]
            return ", ".join(f"{u} {d}".strip() for u, d in kept) if all(u for u, _d in kept) else None
        if name in _LOAD_ATTRIBUTES or name in _LINK_ATTRIBUTES or name == "href":
            return output.judge(tag, name, value)[0]
        return value

    return keep


def _cleaner(output: Output, tags: frozenset[str], attributes: dict, keep_styles: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(tags) if keep_styles else set(tags) - {"style"},
        clean_content_tags={"script"} if keep_styles else {"script", "style"},
        attributes=attributes if keep_styles else {t: a for t, a in attributes.items() if t != "style"},
        attribute_filter=_attribute_filter(output),
        generic_attribute_prefixes={"data-", "aria-"},
        url_schemes={"http", "https", "mailto", "tel", "data"},
    )


def clean_html(html: str, output: Output) -> str:
    """*html* as the page may show it; what was left out is noted in *output*."""
    keep_styles = inspect(html, output)
    return _cleaner(output, HTML_TAGS, HTML_ATTRIBUTES, keep_styles).clean(html)


_SVG_START = re.compile(r"<svg\b[^>]*>")
_NAMESPACES = {"xmlns": "http://www.w3.org/2000/svg", "xmlns:xlink": "http://www.w3.org/1999/xlink"}


def clean_svg(svg: str, output: Output) -> str | None:
    """An SVG image as it may be published (a file of its own, XML), or None when what is left is no
    SVG image; what was left out is noted in *output* (which should publish no file)."""
    keep_styles = inspect(svg, output)
    attributes = {tag: set(SVG_ATTRIBUTES) for tag in SVG_TAGS}
    cleaned = _cleaner(output, SVG_TAGS, attributes, keep_styles).clean(svg).strip()
    if _SVG_START.match(cleaned) is None:
        return None
    declared = "".join(f' {name}="{uri}"' for name, uri in _NAMESPACES.items())
    cleaned = cleaned[:4] + declared + cleaned[4:]
    cleaned = cleaned.replace("&nbsp;", "&#160;")  # the one entity of HTML's serializer XML lacks
    try:
        ElementTree.fromstring(cleaned)
    except ElementTree.ParseError:
        return None
    return cleaned + "\n"
