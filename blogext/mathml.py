"""Math as MathML, made at build time: no script, font or request for readers, and it works in feeds.

``$x$``, ``$$...$$`` (MyST's ``dollarmath``), ``\\begin{align}`` (``amsmath``) and the
``{math}`` role and directive all become docutils ``math`` and ``math_block`` nodes;
this module is the HTML math renderer that writes them as MathML, converted from
TeX by latex2mathml (pure Python, about a millisecond an equation). Browsers draw
MathML Core natively (Chromium 109+, Firefox, Safari), so a page loads nothing for
its math, and a feed entry, made from the page as written, carries the same MathML
to feed readers that run no JavaScript. Headings, the page's table of contents and
the home page's cards are rendered by the same translator, so they show math too.

It is the site's math renderer unless ``conf.py`` names another (``html_math_renderer``). A page with math
gets ``_static/mathml.css`` (wide equations scroll on a phone; equation numbers),
and no other page does.

TeX that cannot be converted (unbalanced braces, a command latex2mathml does not
know) is the author's mistake: a ``blog.math`` warning naming the file, the line and
the TeX, and the page shows the TeX as code.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

import blogext
from blogext import ablogadapter

logger = logging.getLogger(__name__)

#: amsmath environments latex2mathml lacks, or numbers itself (numbering is Sphinx's business:
#: ``{math}`` with ``:label:``), as the environment it draws the same way without numbers.
_ENVIRONMENTS = {
    "align": "align*",
    "flalign": "align*",
    "flalign*": "align*",
    "alignat": "align*",
    "alignat*": "align*",
    "aligned": "align*",
    "alignedat": "align*",
    "gather": "matrix",
    "gather*": "matrix",
    "gathered": "matrix",
}
_ENVIRONMENT = re.compile(r"\\(begin|end)\{(\w+\*?)\}")
_DROPPED_ENVIRONMENTS = {"equation", "equation*", "multline", "multline*"}
_LABEL = re.compile(r"\\(?:label|nonumber|notag)(?:\{[^{}]*\})?")
#: A command the converter did not know: it writes it out as an identifier.
_UNKNOWN_COMMAND = re.compile(r"<mi>(\\[A-Za-z]+)</mi>")


class MathError(ValueError):
    """TeX the converter cannot turn into MathML."""


_TEXT_COMMAND = re.compile(r"\\(text|textrm|textit|textbf|textsf|texttt|textnormal|mbox)\s*\{")
_DOLLAR = re.compile(r"(?<!\\)\$")


def _math_in_text(tex: str) -> str:
    """``\\text{between $x$ and $y$}`` as LaTeX draws it: the ``$...$`` inside text is math again.
    latex2mathml would show the dollars and the TeX between them as text."""
    out: list[str] = []
    start = 0
    for match in _TEXT_COMMAND.finditer(tex):
        if match.start() < start:
            continue
        depth, end = 1, match.end()
        while end < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[end], 0) if tex[end - 1] != "\\" else 0
            end += 1
        if depth:
            break  # unbalanced: the converter reports it
        content = tex[match.end() : end - 1]
        parts = _DOLLAR.split(content)
        if len(parts) < 3 or len(parts) % 2 == 0:
            continue  # no math inside, or an odd "$": left as it is
        out.append(tex[start : match.start()])
        command = match.group(1)
        for i, part in enumerate(parts):
            if i % 2:
                out.append(f"{{{part}}}")
            elif part:
                out.append(f"\\{command}{{{part}}}")
        start = end
    out.append(tex[start:])
    return "".join(out)


def _prepare(tex: str) -> str:
    def environment(match: re.Match) -> str:
        name = match.group(2)
        if name in _DROPPED_ENVIRONMENTS:
            return ""
        if name in _ENVIRONMENTS:
            return f"\\{match.group(1)}{{{_ENVIRONMENTS[name]}}}"
        return match.group(0)

    return _math_in_text(_LABEL.sub("", _ENVIRONMENT.sub(environment, tex))).strip()


def to_mathml(tex: str, display: bool) -> str:
    """*tex* as a ``<math>`` element (``display="block"`` for display math), or :class:`MathError`."""
    try:
        out = convert(_prepare(tex), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises its own errors, and IndexError/KeyError on bad input
        reason = str(error) or type(error).__name__
        raise MathError(f"{reason} (unbalanced braces or an incomplete command?)") from error
    unknown = _UNKNOWN_COMMAND.search(out)
    if unknown:
        raise MathError(f"unknown command {unknown.group(1)}")
    if "<mi>&amp;</mi>" in out or "<mi>&</mi>" in out:
        raise MathError("& outside an environment that aligns, such as align or matrix")
    return out


def _convert(node: nodes.Element, tex: str, display: bool) -> str | None:
    try:
        return to_mathml(tex, display)
    except MathError as error:
        logger.warning(
            "math %r cannot be converted to MathML: %s (expected TeX that KaTeX or LaTeX would accept)",
            tex,
            error,
            type="blog",
            subtype="math",
            location=node,
        )
        return None


def visit_inline(self, node: nodes.math) -> None:
    mathml = _convert(node, node.astext(), display=False)
    if mathml is None:
        self.body.append(f'<code class="math-error">{self.encode(node.astext())}</code>')
    else:
        self.body.append(mathml)
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    parts = [node.astext()] if node.get("nowrap") else [p for p in node.astext().split("\n\n") if p.strip()]
    self.body.append('<div class="math-scroll">')
    for part in parts:
        mathml = _convert(node, part, display=True)
        if mathml is None:
            self.body.append(f'<pre class="math-error">{self.encode(part)}</pre>')
        else:
            self.body.append(mathml)
    self.body.append("</div></div>\n")
    raise nodes.SkipNode


_RANDOM_ID = re.compile(r"equation-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stable_ids(app: Sphinx, doctree: nodes.document) -> None:
    """Anchors of ``amsmath`` equations by their place in the page, not the random ones myst-parser gives.

    myst-parser labels each ``\\begin{align}`` block with a fresh UUID, so two builds of one post would
    differ, and so would an incremental build and a clean one.
    """
    count = 0
    for block in doctree.findall(nodes.math_block):
        random = [i for i in block["ids"] if _RANDOM_ID.fullmatch(i)]
        if not random:
            continue
        count += 1
        stable = f"equation-amsmath-{count}"
        block["ids"] = [stable if i in random else i for i in block["ids"]]
        for old in random:
            doctree.ids.pop(old, None)
        doctree.ids[stable] = block


_TAG = re.compile(r"<[^>]+>")


def as_text(tex: str) -> str:
    """*tex* as the plain characters it shows (``\\alpha^2`` -> ``α2``), or the TeX if it can't be read."""
    try:
        return html.unescape(_TAG.sub("", to_mathml(tex, display=False)))
    except MathError:
        return tex


def title_text(title: nodes.Element) -> str:
    """A heading as plain text, its math as the characters it shows rather than TeX."""
    parts = []
    for node in title.findall(lambda n: isinstance(n, nodes.Text | nodes.math)):
        if isinstance(node, nodes.math):
            parts.append(as_text(node.astext()))
        elif not any(isinstance(parent, nodes.math) for parent in _parents(node)):
            parts.append(str(node))
    return "".join(parts)


def _parents(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def _post_titles(app: Sphinx, doctree: nodes.document) -> None:
    """Post lists, previous/next links, feeds and the page's title show a heading's math as characters."""
    title = doctree.next_node(nodes.title)
    if title is not None and title.next_node(nodes.math) is not None:
        ablogadapter.set_post_title(doctree, title_text(title))


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if app.builder.math_renderer_name == "mathml" and context.get("has_maths_elements"):
        app.add_css_file("mathml.css")


def _choose(app: Sphinx, config) -> None:
    if not config.html_math_renderer:
        config.html_math_renderer = "mathml"


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _choose)
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    app.connect("html-page-context", _on_page_context)
    app.connect("doctree-read", _stable_ids)
    app.connect("doctree-read", _post_titles, priority=blogext.MATH_TITLES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
