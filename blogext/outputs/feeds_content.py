"""A post's page made into a feed entry's content (not an extension): what a feed reader can show.

:func:`clean_html` takes the HTML a post's page was written with and keeps its content: the page's
furniture (the post header, permalinks, KaTeX's HTML beside its MathML) and what needs the site's
scripts or another page (scripts, frames, forms, styles) left out; a mermaid diagram becomes a link
to it on the page, an interactive figure its stand-in picture or a link; every URL made absolute.
:mod:`blogext.outputs.feeds` stores and writes the entries.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

#: Classes of blocks that are page furniture, not content (postmeta's header).
FURNITURE_CLASSES = {"post-meta"}
#: Elements a feed reader cannot use, or that need the site's scripts.
DROPPED_ELEMENTS = {
    "script",
    "iframe",  # a feed carries no embedded page (an allowed host's video, say); the post page has it
    "frame",
    "style",
    "object",
    "embed",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "template",
}
#: What only the page can draw: permalinks, and KaTeX's HTML for math (its MathML, beside it, stays).
PAGE_ONLY_CLASSES = {"headerlink", "katex-html"}
#: A mermaid diagram (blogext.markup.diagrams) is drawn by the page's script: an entry links to it instead.
DIAGRAM_CLASS = "mermaid"
DIAGRAM_LINK_TEXT = "Diagram: open it on the page"
#: An interactive figure (blogext.markup.interactive) is drawn by the page's script: an entry shows its
#: stand-in
#: picture, or links to it when it has none.
INTERACTIVE_CLASS = "interactive-figure"
INTERACTIVE_LINK_TEXT = "Interactive figure: see it on the post"
URL_ATTRIBUTES = ("href", "src", "poster", "cite")


def _drop_title(root: etree._Element) -> None:
    """Drop the post's title, the heading of its first section (as a feed entry has a title of its own)."""
    section = next(root.iter("section"), None)
    if section is None:
        return
    heading = next(section.iter("h1", "h2", "h3", "h4", "h5", "h6"), None)
    if heading is not None and heading.getparent() is section:
        _drop_block(heading)


def _drop_block(element: etree._Element) -> None:
    """Remove a block element, and the line break after it."""
    if element.tail is not None and not element.tail.strip():
        element.tail = None
    _drop_tree(element)


def clean_html(html: str, page_url: str, whole_post: bool = False) -> str:
    """Drop what a reader cannot use (scripts, permalinks, forms) and make every link absolute.

    With *whole_post*, *html* is a post page's body: its title and header go too.
    """
    root = _fragment(html)
    if whole_post:
        _drop_title(root)
    for element in _CANDIDATES(root):
        classes = (element.get("class") or "").split()
        if whole_post and FURNITURE_CLASSES.intersection(classes):
            _drop_block(element)
            continue
        if element.tag == "input" and element.get("type") == "checkbox":  # a task list's box, as text
            element.tail = ("☑ " if element.get("checked") is not None else "☐ ") + (element.tail or "")
        if element.tag in DROPPED_ELEMENTS or PAGE_ONLY_CLASSES.intersection(classes):
            _drop_tree(element)
            continue
        if element.tag == "pre" and DIAGRAM_CLASS in classes:
            _link_to_diagram(element, page_url)
            continue
        if INTERACTIVE_CLASS in classes and not element.findall(".//img"):
            _link_to_diagram(element, page_url, INTERACTIVE_LINK_TEXT)
            continue
        if element.tag == "noscript":  # a reader runs no script: show what is there for that case
            _drop_tag(element)
        for name in list(element.attrib):
            if name.startswith("on"):
                del element.attrib[name]
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is None:
                continue
            if value.strip().lower().startswith("javascript:"):
                del element.attrib[name]
            else:
                element.set(name, urljoin(page_url, value))
        if element.get("srcset"):
            element.set(
                "srcset",
                ", ".join(
                    " ".join([urljoin(page_url, part.split()[0]), *part.split()[1:]])
                    for part in element.get("srcset").split(",")
                    if part.strip()
                ),
            )
    out = _META_CONTENT_TYPE.sub("", etree.tostring(root, method="html", encoding="unicode"))
    return out[len("<div>") : -len("</div>")].strip() + "\n"


def _candidates() -> etree.XPath:
    """The elements :func:`clean_html` may change, in document order: those with a class it looks for
    (a substring of the attribute: every class its split finds, and more), a tag it drops, unwraps or
    marks, an event handler or a URL. Code's highlighted tokens, most of a post's elements, are none."""
    classes = sorted(FURNITURE_CLASSES | PAGE_ONLY_CLASSES | {DIAGRAM_CLASS, INTERACTIVE_CLASS})
    tests = [
        "@class[" + " or ".join(f"contains(., '{name}')" for name in classes) + "]",
        *(f"@{name}" for name in (*URL_ATTRIBUTES, "srcset")),
        "@*[starts-with(name(), 'on')]",
        *(f"self::{tag}" for tag in sorted(DROPPED_ELEMENTS | {"input", "noscript"})),
    ]
    return etree.XPath("descendant-or-self::*[" + " or ".join(tests) + "]")


def _link_to_diagram(element: etree._Element, page_url: str, text: str = DIAGRAM_LINK_TEXT) -> None:
    """Replace a diagram's source (or a figure drawn by script) by a paragraph linking to it on its page."""
    anchor = element.get("id")
    link = etree.Element("a", href=urljoin(page_url, f"#{anchor}") if anchor else page_url)
    link.text = text
    paragraph = etree.Element("p", {"class": "diagram-link"})
    paragraph.append(link)
    paragraph.tail = element.tail
    element.getparent().replace(element, paragraph)


# lxml.html's fragment parsing, tree surgery and serialization, on plain lxml elements: lxml.html
# looks up a Python class for every element it touches, which made up a third of the time here.
_HTML_PARSER = etree.HTMLParser()
_META_CONTENT_TYPE = re.compile(r'<meta http-equiv="Content-Type"[^>]*>')
_CANDIDATES = _candidates()


def _fragment(html: str) -> etree._Element:
    """*html* parsed into a ``<div>``, as ``lxml.html.fragment_fromstring(html, create_parent="div")``."""
    body = etree.fromstring(f"<html><body>{html}</body></html>", _HTML_PARSER).find("body")
    root = etree.Element("div")
    if body is not None:
        if body.text and body.text.strip():
            root.text = body.text
        root.extend(list(body))
    return root


def _drop_tree(element: etree._Element) -> None:
    """Remove *element* and what it holds, keeping its tail (``HtmlElement.drop_tree``)."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def _drop_tag(element: etree._Element) -> None:
    """Remove *element* but keep what it holds (``HtmlElement.drop_tag``)."""
    parent = element.getparent()
    previous = element.getprevious()
    if element.text and isinstance(element.tag, str):
        if previous is None:
            parent.text = (parent.text or "") + element.text
        else:
            previous.tail = (previous.tail or "") + element.text
    if element.tail:
        if len(element):
            last = element[-1]
            last.tail = (last.tail or "") + element.tail
        elif previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    index = parent.index(element)
    parent[index : index + 1] = element[:]
