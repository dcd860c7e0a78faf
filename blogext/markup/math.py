"""Math drawn by KaTeX when the site is built: no script for readers, MathML for feeds and screen readers.

``$x$``, ``$$...$$`` (MyST's ``dollarmath``), ``\\begin{align}`` (``amsmath``) and the ``{math}`` role
and directive are docutils ``math`` and ``math_block`` nodes; this module is the HTML math renderer
that writes them as KaTeX's HTML (drawn with KaTeX's CSS and fonts, copied from ``node_modules/katex``
into ``_static/katex/``, with the site's own rules of ``blogext/math.css`` after KaTeX's in one
stylesheet, linked only from pages that have math; the fonts' subsets made beside the build) followed
by its MathML (``htmlAndMathml``: what screen readers read, and what a feed entry keeps, as
blogext.outputs.feeds drops the ``katex-html`` part).

How a build uses it:

- ``doctree-read``: each page's equations are numbered as LaTeX numbers them (:mod:`blogext.markup.mathtex`:
  a number a line of ``align``/``gather``, ``\\tag``, ``\\label`` with ``{eq}`` and ``\\eqref``), and each
  piece of TeX gets a key: the digest of its TeX, display or inline, the site's macros
  (``blogext_math_macros``), the ``\\newcommand``-style definitions before it, and KaTeX's version;
- ``env-updated`` (the main process, once reading is done, ``-j`` or not): the pieces whose key the cache
  (``blogext-math.json`` in the doctree folder, :mod:`blogext.core.cache`) lacks are drawn by ONE Node
  process running ``katex_worker.cjs``, a page a request; TeX KaTeX cannot draw is a ``blog.math``
  warning naming the file, the line, the TeX and KaTeX's reason, on every build until fixed;
- writing: each node's HTML comes from the cache (TeX first met after reading: drawn by a Node of its own).

Node and ``npm ci --omit=dev`` are needed to build a site with math; without them, a ``blog.math`` warning.
"""

from __future__ import annotations

import functools
import hashlib
import html
import itertools
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.locale import _
from sphinx.util import logging

import blogext
import blogext.core.settings as settings  # one line: the module is near its size limit
from blogext.core import ablogadapter, assets, beside, buildstate, cache, nodeworker, perdoc, safehtml
from blogext.core.errors import SettingError
from blogext.core.nodeutil import ancestors
from blogext.core.postrecord import Group, Post
from blogext.markup import mathfonts, mathtex

logger = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("katex_worker.cjs")
CACHE_NAME = "math"
#: Bump when what this module asks of KaTeX changes, to draw every equation again.
CACHE_VERSION = 4
#: Where KaTeX's CSS and fonts go, under the output's ``_static``, and the one stylesheet made there
#: (``math.<digest>.css``: its fonts are the site's subsets, so it changes with the site's equations,
#: and Sphinx's ``?v=`` checksum of a file name is computed once a process).
STATIC_FOLDER = "katex"
STYLESHEET = "math.{digest}.css"
OWN_CSS = Path(__file__).with_name("math.css")
_MACRO_NAME = re.compile(r"\\?[A-Za-z]+")
_FONT_FALLBACKS = re.compile(r',url\([^)]*\.woff\) format\("woff"\),url\([^)]*\.ttf\) format\("truetype"\)')
_CSS_COMMENT = re.compile(r"/\*.*?\*/\s*", re.DOTALL)

#: Node or KaTeX is missing, or KaTeX's process stopped.
MathUnavailable = nodeworker.NodeUnavailable


# -- settings ---------------------------------------------------------------------------


def _check_macros(app: Sphinx, config: Config) -> None:
    """``blogext_math_macros``: ``{"R": r"\\mathbb{R}"}``; kept as KaTeX wants it, ``{"\\R": ...}``."""
    macros = settings.of(config, MathSettings).math_macros  # a dict of strings (blogext.core.settings)
    checked = {}
    for name, value in macros.items():
        if not isinstance(name, str) or not _MACRO_NAME.fullmatch(name):
            raise SettingError(
                f"blogext_math_macros: {name!r} is not a macro name (expected letters, such as 'R')"
            )
        if not isinstance(value, str) or not _balanced(value):
            raise SettingError(
                f"blogext_math_macros[{name!r}]: {value!r} is not TeX with balanced braces "
                "(expected a string such as r'\\mathbb{R}')"
            )
        checked["\\" + name.lstrip("\\")] = value
    settings.put(config, MathSettings, math_macros=checked)


def _balanced(tex: str) -> bool:
    depths = list(itertools.accumulate({"{": 1, "}": -1}.get(char, 0) for char in re.sub(r"\\.", "", tex)))
    return min(depths, default=0) >= 0 and (depths or [0])[-1] == 0


def katex_folder(app: Sphinx) -> Path | None:
    """KaTeX's npm package folder, or None when it is not installed."""
    if folder := settings.of(app.config, MathSettings).katex_folder:
        candidates = [Path(app.confdir) / folder]
    else:
        candidates = [
            Path(app.confdir) / "node_modules" / "katex",
            Path(__file__).resolve().parents[2] / "node_modules" / "katex",
        ]
    return next((c for c in candidates if (c / "dist" / "katex.min.css").is_file()), None)


# -- the renderer and the cache -----------------------------------------------------------


class _Node:
    """``node katex_worker.cjs`` (a :mod:`blogext.core.nodeworker` worker), asked a page of TeX a time."""

    def __init__(self, folder: Path) -> None:
        self.worker = nodeworker.Worker(WORKER, [str(folder)], "KaTeX")
        self.pid = self.worker.pid

    def ask(self, macros: dict[str, str], items: list[dict[str, Any]]) -> list[dict[str, str] | None]:
        return self.worker.ask({"macros": macros, "items": items})["results"]

    def close(self) -> None:
        self.worker.close()


class _State:
    """A build's cache of drawn equations (key -> {"html"} or {"error"}), and its Node."""

    def __init__(self, app: Sphinx) -> None:
        self.config = app.config
        self.folder = katex_folder(app)
        version = (
            json.loads((self.folder / "package.json").read_text("utf-8"))["version"] if self.folder else "-"
        )
        self.version = f"katex {version}"
        self.app = app
        self.cache: dict[str, dict[str, str]] = cache.load(app, CACHE_NAME, CACHE_VERSION, self.version)
        self.saved = dict(self.cache)
        self._node: _Node | None = None
        #: The math stylesheet's file name in ``_static/katex``, once written (pages with math link it).
        self.stylesheet: str | None = None
        self.fonts: beside.Job | None = None  # the fonts' subsets being made

    def node(self) -> _Node:
        """This process's Node (a forked worker starts its own)."""
        if self._node is None or self._node.pid != os.getpid():
            if self.folder is None:
                raise MathUnavailable("node_modules/katex is missing")
            self._node = _Node(self.folder)
            self._check_site_macros()
        return self._node

    def _check_site_macros(self) -> None:
        macros = settings.of(self.config, MathSettings).math_macros
        items = [
            {"tex": f"{name}{'{x}' * _arguments(value)}", "display": False, "keep": True}
            for name, value in macros.items()
        ]
        for (name, value), result in zip(macros.items(), self._node.ask(macros, items), strict=True):
            if "error" in result:
                raise SettingError(
                    f"blogext_math_macros[{name.lstrip(chr(92))!r}]: KaTeX cannot draw {value!r}: "
                    f"{result['error']}"
                )

    def save(self, keys: set[str]) -> None:
        self.cache = {k: v for k, v in self.cache.items() if k in keys}
        if self.cache != self.saved:
            cache.save(self.app, CACHE_NAME, CACHE_VERSION, self.cache, self.version)
            self.saved = dict(self.cache)

    def close(self) -> None:
        if self._node is not None and self._node.pid == os.getpid():
            self._node.close()
        self._node = None


def _arguments(tex: str) -> int:
    return max((int(n) for n in re.findall(r"#(\d)", tex)), default=0)


def _state(app: Sphinx) -> _State:
    """The build's state (:mod:`blogext.core.buildstate`)."""
    return buildstate.of(app, _State, lambda: _State(app))


def key(state: _State, tex: str, display: bool, defined_before: list[str]) -> str:
    """The cache key of a piece of TeX, drawn after the page's *defined_before* definitions."""
    macros = sorted(settings.of(state.config, MathSettings).math_macros.items())
    parts = [CACHE_VERSION, state.version, macros, defined_before, tex, display]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def draw_now(state: _State, tex: str, display: bool) -> dict[str, str]:
    """*tex* drawn in this process, with the site's macros only: {"html": ...} or {"error": ...}."""
    digest = key(state, tex, display, [])
    if digest not in state.cache:
        [state.cache[digest]] = state.node().ask(
            settings.of(state.config, MathSettings).math_macros,
            [{"tex": tex, "display": display, "keep": True}],
        )
    return state.cache[digest]


def draw(pieces: list[tuple[str, bool]], macros: dict[str, str] | None = None) -> list[dict[str, str]]:
    """(TeX, display) pieces drawn in order by one Node process, outside a build (tests, the benchmark),
    with the KaTeX next to ``blogext``: {"html": ...} or {"error": ...} each."""
    folder = Path(__file__).resolve().parents[2] / "node_modules" / "katex"
    node = _Node(folder)
    try:
        return node.ask(
            macros or {}, [{"tex": tex, "display": display, "keep": True} for tex, display in pieces]
        )
    finally:
        node.close()


# -- reading: numbers, labels and keys --------------------------------------------------


class Piece(NamedTuple):
    """A piece of TeX KaTeX draws on its own, as a page has it (its equations in order)."""

    key: str
    tex: str  #: as KaTeX gets it: numbers as \tag, references as links
    display: bool
    line: int
    defines: bool  #: whether it defines macros for the pieces after it
    error: str | None  #: a mistake found before drawing (a label, a reference)
    source: str  #: the TeX as the author wrote it, for messages


def _entries(env: BuildEnvironment) -> dict[str, list[Piece]]:
    """Docname -> its pieces of TeX in order (kept per document: :mod:`blogext.core.perdoc`)."""
    return perdoc.of(env, "blog_math")


def _line(node: nodes.Node) -> int:
    return next((n.line for n in [node, *ancestors(node)] if getattr(n, "line", None)), 1)


def _prepare(app: Sphinx, doctree: nodes.document) -> None:
    """Number the page's equations, give each math node its pieces' keys, note the pieces in the env."""
    docname = app.env.docname
    numberer = mathtex.Numberer()
    pending = []
    for node in list(doctree.findall(lambda n: isinstance(n, nodes.math | nodes.math_block))):
        if isinstance(node, nodes.math_block):
            pending.append((node, _number_block(app, doctree, node, numberer)))
        else:
            pending.append((node, [mathtex.Unit(node.astext(), False)]))
    defined: list[str] = []
    entries = []
    for node, units in pending:
        keys = []
        for unit in units:
            if unit.error is None:
                numberer.references(unit)
                unit.tex = mathtex.global_definitions(unit.tex)
            digest = key(_state(app), unit.tex, unit.display, defined)
            defines = bool(mathtex.DEFINES.search(unit.tex))
            entries.append(
                Piece(digest, unit.tex, unit.display, _line(node), defines, unit.error, node.astext())
            )
            keys.append(digest)
            if defines and unit.error is None:
                defined = [*defined, unit.tex]
        node["blog_math"] = keys
    if entries:
        _entries(app.env)[docname] = entries
    else:
        _entries(app.env).pop(docname, None)


def _number_block(app: Sphinx, doctree: nodes.document, node: nodes.math_block, numberer) -> list:
    label = node.get("label")
    sphinx_label = label if isinstance(label, str) and node.get("ids") else None
    text = node.astext()
    parts = [text] if node.get("nowrap") else [p for p in text.split("\n\n") if p.strip()]
    before = set(numberer.labels)
    block = numberer.block(parts, sphinx_label is not None, wrap_ampersands=not node.get("nowrap"))
    domain = app.env.domains["math"]
    if sphinx_label is not None:
        domain.equations[sphinx_label] = (app.env.docname, block.first_number)
    for name in [n for n in numberer.labels if n not in before]:
        other = domain.equations.get(name)
        if other is not None and other[0] != app.env.docname:
            logger.warning(
                "duplicate label of equation %s, other instance in %s",
                name,
                other[0],
                type="blog",
                subtype="math",
                location=node,
            )
        domain.equations[name] = (app.env.docname, numberer.labels[name])
        anchor = mathtex.anchor(name)
        node["ids"].append(anchor)
        doctree.ids[anchor] = node
    node["number"] = block.first_number
    node["blog_math_multline"] = block.multline
    return block.units


# -- drawing, once reading is done -------------------------------------------------------


def _published(app: Sphinx) -> dict[str, list[Piece]]:
    return {d: e for d, e in sorted(_entries(app.env).items()) if d in app.env.all_docs}


def _draw_missing(app: Sphinx, env: BuildEnvironment) -> None:
    if app.builder.format != "html":
        return
    state = _state(app)
    pages = _published(app)
    try:
        for pieces in pages.values():
            _draw_page(app, state, pieces)
    except MathUnavailable as problem:
        _report_unavailable(app, pages, state, str(problem))
    state.save({piece.key for pieces in pages.values() for piece in pieces})
    _report_errors(app, pages, state)
    _copy_katex(app, state, bool(pages))


def _draw_page(app: Sphinx, state: _State, pieces: list[Piece]) -> None:
    """The page's pieces the cache lacks, drawn after the definitions before them (drawn again)."""
    if all(p.error or p.key in state.cache for p in pieces):
        return
    asked = [p for p in pieces if p.error is None and (p.key not in state.cache or p.defines)]
    items = [{"tex": p.tex, "display": p.display, "keep": p.key not in state.cache} for p in asked]
    for piece, result in zip(
        asked, state.node().ask(settings.of(app.config, MathSettings).math_macros, items), strict=True
    ):
        if result is not None:
            state.cache[piece.key] = result


def _report_unavailable(app: Sphinx, pages: dict[str, list[Piece]], state: _State, problem: str) -> None:
    for docname, pieces in pages.items():
        missing = [p for p in pieces if p.key not in state.cache]
        if missing:
            logger.warning(
                "math is drawn by KaTeX, run by Node when the site is built, but %s "
                "(expected `npm ci --omit=dev` in the site's folder, with Node installed)",
                problem,
                type="blog",
                subtype="math",
                location=(docname, missing[0].line),
            )


def _report_errors(app: Sphinx, pages: dict[str, list[Piece]], state: _State) -> None:
    for docname, pieces in pages.items():
        for piece in pieces:
            error = piece.error or state.cache.get(piece.key, {}).get("error")
            if error:
                logger.warning(
                    "math %r cannot be drawn: %s (expected TeX that KaTeX draws)",
                    piece.source,
                    _reason(error),
                    type="blog",
                    subtype="math",
                    location=(docname, piece.line),
                )


def _reason(error: str) -> str:
    """KaTeX's message without its prefix and underlined excerpt; an unknown command named as one."""
    error = error.removeprefix("KaTeX parse error: ")
    error = re.sub(r" at position \d+: .*", "", error, flags=re.DOTALL)
    unknown = re.fullmatch(r"Undefined control sequence: (\\\S+)", error)
    return f"unknown command {unknown.group(1)}" if unknown else error


# -- the site's copy of KaTeX's CSS and fonts ------------------------------------------------


def _copy_katex(app: Sphinx, state: _State, wanted: bool) -> None:
    """One stylesheet, KaTeX's CSS (fonts as woff2 only: every browser that draws this site reads it,
    each cut to the characters the site's equations show, :mod:`blogext.markup.mathfonts`) then the site's
    (``blogext/math.css``), and the fonts it names."""
    target = Path(app.outdir) / "_static" / STATIC_FOLDER
    folder = katex_folder(app)
    if not wanted or folder is None:
        shutil.rmtree(target, ignore_errors=True)
        return
    dist = folder / "dist"
    css = _FONT_FALLBACKS.sub("", (dist / "katex.min.css").read_text("utf-8"))
    drawn = mathfonts.characters(v["html"] for v in state.cache.values() if "html" in v)
    if not mathfonts.can_write_woff2():
        drawn = set()  # each font whole
        logger.warning(
            "KaTeX's fonts are cut to the characters of the site's equations as WOFF2, which needs the "
            "brotli package (expected `pip install -r requirements/site.txt`, which has it)",
            type="blog",
            subtype="math",
        )
    pending: list[mathfonts.Pending] = []  # made beside the build while the pages are written
    css, fonts = mathfonts.subset_css(css, dist, drawn, target, pending)
    state.fonts = beside.start(app, "KaTeX's fonts", mathfonts.make_subsets, pending) if pending else None
    css += "\n" + _CSS_COMMENT.sub("", OWN_CSS.read_text("utf-8"))  # its comments are for maintainers
    state.stylesheet = STYLESHEET.format(digest=hashlib.sha256(css.encode()).hexdigest()[:16])
    _write_if_changed(target / state.stylesheet, css.encode())
    for old in [p for p in target.rglob("*") if p.is_file()]:
        if old.relative_to(target).as_posix() not in fonts | {state.stylesheet}:
            old.unlink()


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# -- writing ------------------------------------------------------------------------------


def _drawn(app: Sphinx, node: nodes.Element, index: int, display: bool) -> str | None:
    """The HTML of the *index*-th piece of *node*, or None when its TeX cannot be drawn (reported)."""
    state = _state(app)
    keys = node.get("blog_math") or []
    if index < len(keys):  # read with its page: drawn, or reported, once reading was done
        return state.cache.get(keys[index], {}).get("html")
    try:  # TeX made after reading: drawn here, with the site's macros
        cached = draw_now(state, node.astext(), display)
    except MathUnavailable as problem:
        cached = {"error": str(problem)}
    if "error" in cached:
        logger.warning(
            "math %r cannot be drawn: %s (expected TeX that KaTeX draws)",
            node.astext(),
            _reason(cached["error"]),
            type="blog",
            subtype="math",
            location=node,
        )
    return cached.get("html")


def _piece(self, app: Sphinx, node: nodes.Element, index: int, display: bool) -> Markup:
    """Piece *index* of *node*: KaTeX's HTML (trusted: KaTeX escapes the TeX), else the TeX as an error."""
    drawn = _drawn(app, node, index, display=display)
    if drawn is None:
        return safehtml.render(app, "blog/math-error.html", tex=node.astext(), display=display)
    return Markup(drawn)


def visit_inline(self, node: nodes.math, *, app: Sphinx) -> None:
    self.body.append(_piece(self, app, node, 0, display=False))
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block, *, app: Sphinx) -> None:
    classes = "math multline" if node.get("blog_math_multline") else "math"
    start = Markup(self.starttag(node, "div", CLASS=classes))  # docutils' element, its attributes escaped
    count = max(len(node.get("blog_math") or []), 1)
    pieces = [_piece(self, app, node, i, display=True) for i in range(count)]
    written = len(self.body)  # the translator's permalink, taken from the body into the template
    if node.get("ids") and node.get("number"):
        self.add_permalink_ref(node, _("Link to this equation"))
    permalink = Markup("".join(self.body[written:]))
    del self.body[written:]
    block = safehtml.render(app, "blog/math-block.html", start=start, pieces=pieces, permalink=permalink)
    self.body.append(block + "\n")
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


# -- titles as text -------------------------------------------------------------------------

_MATHML_TEXT = re.compile(r"<math[^>]*>(.*?)</math>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def as_text(app: Sphinx, tex: str) -> str:
    """*tex* as the plain characters it shows (``\\alpha^2`` -> ``α2``), or the TeX if it can't be drawn."""
    try:
        drawn = draw_now(_state(app), tex, display=False)
    except MathUnavailable:
        return tex
    found = _MATHML_TEXT.search(drawn.get("html", ""))
    return html.unescape(_TAG.sub("", found.group(1))) if found else tex


def title_text(app: Sphinx, title: nodes.Element) -> str:
    """A heading as plain text, its math as the characters it shows rather than TeX."""
    parts = []
    for node in title.findall(lambda n: isinstance(n, nodes.Text | nodes.math)):
        if isinstance(node, nodes.math):
            parts.append(as_text(app, node.astext()))
        elif not any(isinstance(parent, nodes.math) for parent in ancestors(node)):
            parts.append(str(node))
    return "".join(parts)


def _post_titles(app: Sphinx, doctree: nodes.document) -> None:
    """Post lists, previous/next links, feeds and the page's title show a heading's math as characters."""
    title = doctree.next_node(nodes.title)
    if title is not None and title.next_node(nodes.math) is not None:
        ablogadapter.set_post_title(doctree, title_text(app, title))


# -- pages ---------------------------------------------------------------------------------


def _page_has_math(app: Sphinx, context: dict[str, Any], doctree) -> bool:
    """Whether the page shows math: in its own doctree, or in the cards of the posts it lists."""
    if doctree is not None:
        return doctree.next_node(lambda n: isinstance(n, nodes.math | nodes.math_block)) is not None
    for value in context.values():
        if isinstance(value, Group):
            if any(_card_has_math(app, post) for post in value):
                return True
    return False


def _card_has_math(app: Sphinx, post: Post) -> bool:
    title = app.env.titles.get(post.docname)
    if title is not None and title.next_node(nodes.math) is not None:
        return True
    return any(node.next_node(nodes.math, include_self=True) is not None for node in post.excerpt or [])


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    stylesheet = _state(app).stylesheet
    if app.builder.math_renderer_name == "katex" and stylesheet and _page_has_math(app, context, doctree):
        app.add_css_file(f"{STATIC_FOLDER}/{stylesheet}")


def _choose(app: Sphinx, config: Config) -> None:
    if not config.html_math_renderer:
        config.html_math_renderer = "katex"


def _close(app: Sphinx, exception: Exception | None) -> None:
    state = _state(app)
    state.close()
    if exception is None and state.fonts is not None:
        state.fonts.result()


@dataclass(frozen=True)
class MathSettings:
    """Math's settings (``blogext_<field>`` in ``conf.py``)."""

    math_macros: dict[str, str] = settings.setting(
        {}, "site-wide TeX macros: name (no backslash) -> TeX", "env"
    )
    katex_folder: str = settings.setting("", "KaTeX's npm folder, relative to conf.py", "env")


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    settings.add(app, MathSettings)
    app.setup_extension("blogext.core.beside")
    app.connect("config-inited", _choose)
    app.connect("config-inited", _check_macros)
    app.connect("builder-inited", _state)  # before reading: forked readers share the loaded cache
    # The visitors are bound to the application, which renders their templates.
    inline, block = functools.partial(visit_inline, app=app), functools.partial(visit_block, app=app)
    app.add_html_math_renderer("katex", (inline, None), (block, None))
    app.connect("doctree-read", _prepare, priority=blogext.MATH_TITLES)
    app.connect("doctree-read", _post_titles, priority=blogext.MATH_TITLES)
    app.connect("doctree-read", _stable_ids)
    perdoc.keep(app, "blog_math")
    app.connect("env-updated", _draw_missing)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _close)
    return {"version": "2.0", "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
