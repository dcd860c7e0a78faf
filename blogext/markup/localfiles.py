"""Nothing outside the site folder, nothing missing: every local file a post names.

A post names local files in many ways: Markdown images, ``{image}`` and ``{figure}``,
raw HTML anywhere (``<img>``, ``<picture>``/``<source srcset>``, ``<video src poster>``,
``<audio>``, ``<track>``, ``<embed>``, ``<object data>``, SVG ``<image href>``), even
inside other HTML (``<div><img src="x.png"></div>``, as notebooks and fastpages
posts write it), ``{download}``, ``{include}``, ``{literalinclude}`` (and its
``:diff:``), ``{csv-table}`` and ``{raw}`` with ``:file:``, and ``.bib`` files.

Every such path must name an existing file inside the source folder (Sphinx's
``srcdir``, symlinks resolved), and no hidden file or folder (a name starting with
``.``, such as ``.env`` or ``.git``). A path is read as Sphinx reads it: relative to
the post's folder, or, starting with ``/``, to the source folder; so ``/etc/hostname``
is ``<srcdir>/etc/hostname``, never the machine's file. A path with a backslash, a
``file:`` URL, a ``..`` that climbs out of the source folder, or a symlink that points
out of it is refused even when the file exists. Raw HTML URLs are read as browsers read
them (percent-decoded: ``%2e%2e/`` is ``../``; the ``?query`` and ``#fragment`` kept).

Anything else is a ``blog.localfiles`` warning naming the file, the line, the path
and what was expected, so the strict build fails; and the file is never read into a
page nor copied to the output, even by a build that goes on (``--keep-going``).

Raw HTML files are copied into ``_images/`` as a standalone ``<img>`` is (the same
``env.images`` Sphinx uses, so incremental builds and blogext.core.hosting's sweep treat
them alike), and their URLs in the page (and so in the feeds, made from the page)
point at the copies. :func:`check_url` and :func:`resource_urls` serve other features
(notebook outputs) that meet local URLs in HTML of their own.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from docutils import nodes
from docutils.parsers.rst.directives.misc import Raw
from docutils.parsers.rst.directives.tables import CSVTable
from docutils.utils import get_source_line
from markupsafe import escape
from selectolax.lexbor import LexborHTMLParser
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.directives.code import LiteralInclude
from sphinx.util import logging

import blogext
from blogext.core import sphinxinternals

logger = logging.getLogger(__name__)

SUBTYPE = "localfiles"
#: (element, attributes) whose URL a browser loads by itself and that can name a file of the post.
MEDIA_ATTRIBUTES = {
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # SVG
}
#: Node attributes of a raw HTML node with local files: its HTML as written, and {URL: file}.
ORIGINAL_HTML = "blog_localfiles_html"
FILES = "blog_localfiles_urls"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Refused(ValueError):
    """A local path that may not be used; the message says why and what was expected."""


# -- the rule -------------------------------------------------------------------------------------


def _inside(path: Path | str, folder: Path) -> bool:
    path = Path(path)
    return path == folder or path.is_relative_to(folder)


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in parts)


def _root_of(path: Path, roots: tuple[Path, ...]) -> Path | None:
    return next((root for root in roots if _inside(path, root)), None)


def check_path(
    path: str, srcdir: Path, docdir: str, trusted: tuple[Path, ...] = (), must_exist: bool = True
) -> Path:
    """The file *path* names, as Sphinx reads it from a document in *docdir* (relative to *srcdir*).

    Raises :class:`Refused` unless it is an existing file inside *srcdir* (or one of *trusted*,
    folders the build itself writes), symlinks resolved, with no hidden part.
    """
    srcdir = Path(srcdir).resolve()
    if not path.strip():
        raise Refused("an empty path (expected the path of a file next to the post)")
    if "\\" in path:
        raise Refused("a backslash in a path (expected / between folders: browsers read \\ as /)")
    if _CONTROL.search(path):
        raise Refused("a control character in a path (expected a plain file name)")
    base = srcdir if path.startswith("/") else srcdir / docdir
    lexical = Path(os.path.normpath(base / path.lstrip("/")))
    roots = (srcdir, *(Path(folder).resolve() for folder in trusted))
    root = _root_of(lexical, roots)
    if root is None:
        raise Refused(
            "a path outside the source folder (expected a file inside it: relative to the post's "
            "folder, or starting with / for the source folder)"
        )
    if _hidden(path.split("/")) or _hidden(lexical.relative_to(root).parts):
        raise Refused("a hidden file or folder (expected a file whose path has no name starting with '.')")
    real = lexical.resolve()
    real_root = _root_of(real, roots)
    if real_root is None or _hidden(real.relative_to(real_root).parts):
        raise Refused(
            f"a link to {real}, outside the source folder (expected a file inside it, not a link out)"
        )
    if not must_exist:
        return real
    if not real.exists():
        raise Refused(
            f"no such file, {lexical.relative_to(root).as_posix()} in the "
            f"{'source folder' if root == srcdir else 'build folder ' + str(root)} "
            "(expected an existing file inside the source folder)"
        )
    if not real.is_file():
        raise Refused("a folder (expected a file)")
    return real


def url_path(url: str) -> tuple[str, str] | None:
    """The path a raw HTML *url* names in the source folder, and its ``?query#fragment``, as a
    browser reads it; None for a URL that names no local file (off-site, ``data:``, fragment)."""
    url = url.strip(" \t\n\r\f")
    if _SCHEME.match(url):
        if url[: url.index(":")].lower() == "file":
            raise Refused(
                "a file: URL, a file of the author's machine (expected a file inside the source folder)"
            )
        return None
    if url.startswith("//") or not url or url.startswith(("#", "?")):
        return None  # another host (blogext.outputs.offsite decides), or this page
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return unquote(url[:cut], errors="strict"), url[cut:]


def check_url(app: Sphinx, docname: str, url: str) -> tuple[str, str] | None:
    """(the file's path relative to the source folder, ``?query#fragment``) for a raw HTML *url* of
    *docname*, or None when it names no local file; raises :class:`Refused` for a bad one."""
    try:
        found = url_path(url)
    except UnicodeDecodeError:
        raise Refused("a percent-encoding that is not UTF-8 (expected a file name)") from None
    if found is None:
        return None
    path, suffix = found
    srcdir = Path(app.srcdir).resolve()
    real = check_path(path, srcdir, _docdir(app.env, docname), _trusted(app))
    return real.relative_to(srcdir).as_posix(), suffix


def _docdir(env: Any, docname: str) -> str:
    """The folder of *docname*'s source file, relative to the source folder."""
    return Path(env.doc2path(docname, False)).parent.as_posix()


def _trusted(app: Sphinx) -> tuple[Path, ...]:
    """Folders the build writes files to that pages use: myst-nb's outputs (images of notebook cells)."""
    settings = sphinxinternals.mystnb_settings(app.env)
    folder = getattr(settings, "output_folder", None)
    return (Path(folder),) if folder else ()


def _warn(what: str, path: str, refused: Refused, location: Any) -> None:
    logger.warning("%s %r: %s", what, path, refused, type="blog", subtype=SUBTYPE, location=location)


# -- raw HTML: the files it loads -----------------------------------------------------------------


def _srcset_urls(value: str) -> list[str]:
    return [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]


def resource_urls(html: str) -> list[tuple[str, str]]:
    """(``<tag attribute>``, URL) for every URL in *html* that a browser loads and that may name a
    local file, read with an HTML5 parser as a browser reads it."""
    if "<" not in html:
        return []
    found = []
    for element in LexborHTMLParser(html).css(", ".join(MEDIA_ATTRIBUTES)):
        tag = element.tag.lower()
        for name in MEDIA_ATTRIBUTES.get(tag, ()):
            value = element.attributes.get(name)
            if value:
                urls = _srcset_urls(value) if name == "srcset" else [value]
                found.extend((f"<{tag} {name}>", url) for url in urls)
    return found


def _line_of(node: nodes.Node, url: str) -> int | None:
    """The line of *url* in the source: the node's first line plus the lines before it."""
    line = node.line or get_source_line(node)[1]
    if line is None:
        return None
    text = node.astext()
    at = text.find(url)
    return line + (text.count("\n", 0, at) if at >= 0 else 0)


def _check_raw(app: Sphinx, docname: str, node: nodes.raw) -> None:
    html = node.astext()
    files: dict[str, tuple[str, str] | None] = {}
    for what, url in resource_urls(html):
        try:
            checked = check_url(app, docname, url)
        except Refused as refused:
            _warn(what, url, refused, (docname, _line_of(node, url)))
            files[url] = None  # the page asks for nothing it may not have: the URL is emptied
            continue
        if checked is not None:
            relfn, _suffix = checked
            app.env.note_dependency(relfn)
            sphinxinternals.note_image(app.env, docname, relfn)
            files[url] = checked
    if files:
        node[ORIGINAL_HTML] = html
        node[FILES] = files


# -- Sphinx's nodes: images and downloads ----------------------------------------------------------


def _check_image(app: Sphinx, docname: str, node: nodes.image) -> None:
    uri = node["uri"]
    if uri.startswith("data:") or "://" in uri:
        return
    srcdir, trusted = Path(app.srcdir), _trusted(app)
    try:
        if uri.endswith(".*"):  # any suffix: each file that matches
            pattern = check_path(uri, srcdir, _docdir(app.env, docname), trusted, must_exist=False)
            matches = sorted(pattern.parent.glob(pattern.name))
            if not matches:
                raise Refused(f"no file matches {uri} (expected an image file, with any suffix)")
            for match in matches:
                check_path(os.path.relpath(match, pattern.parent), srcdir, _docdir(app.env, docname), trusted)
        else:
            check_path(uri, srcdir, _docdir(app.env, docname), trusted)
    except Refused as refused:
        _warn("image", uri, refused, node)
        node.replace_self(nodes.inline("", node.get("alt", ""), classes=["blog-missing-file"]))


def _check_download(app: Sphinx, docname: str, node: addnodes.download_reference) -> None:
    target = node["reftarget"]
    if "://" in target:
        return
    try:
        check_path(target, Path(app.srcdir), _docdir(app.env, docname))
    except Refused as refused:
        _warn("download", target, refused, node)
        node.replace_self(node.children or [nodes.Text(target)])


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    for node in list(doctree.findall(nodes.image)):
        _check_image(app, docname, node)
    for node in list(doctree.findall(addnodes.download_reference)):
        _check_download(app, docname, node)
    for node in list(doctree.findall(nodes.raw)):
        if "html" in node.get("format", "").split():
            _check_raw(app, docname, node)


# -- raw HTML: pointed at the copies ----------------------------------------------------------------


class _StartTags(HTMLParser):
    """Each start tag of some HTML: (offset, its text as written, name, attributes)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[int, str, str, list[tuple[str, str | None]]]] = []
        self._starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        self.tags.append((self._starts[line - 1] + column, self.get_starttag_text() or "", tag, attrs))


def _moved(value: str, name: str, urls: dict[str, str]) -> str:
    if name != "srcset":
        return urls.get(value, value)
    out = []
    for candidate in value.split(","):
        bits = candidate.strip().split(maxsplit=1)
        if bits and urls.get(bits[0], bits[0]):  # an emptied (refused) candidate is left out
            out.append(" ".join([urls.get(bits[0], bits[0]), *bits[1:]]))
    return ", ".join(out)


def pointed_at_copies(html: str, urls: dict[str, str]) -> str:
    """*html* with each URL of :data:`MEDIA_ATTRIBUTES` that *urls* maps given its new value; only the
    tags that change are written anew (their attributes escaped), the rest stays as written."""
    out, done = [], 0
    for offset, text, tag, attrs in _StartTags(html).tags:
        names = MEDIA_ATTRIBUTES.get(tag, ())
        new = [(n, _moved(v, n, urls) if n in names and v else v) for n, v in attrs]
        if new == attrs or html[offset : offset + len(text)] != text:
            continue
        written = "".join(f" {n}" if v is None else f' {n}="{escape(v)}"' for n, v in new)
        out.append(html[done:offset] + f"<{tag}{written}{' /' if text.endswith('/>') else ''}>")
        done = offset + len(text)
    return "".join(out) + html[done:]


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    folder = sphinxinternals.image_folder_uri(app.builder, docname)
    for node in doctree.findall(nodes.raw):
        if FILES not in node:
            continue
        urls = {}
        for url, checked in node[FILES].items():
            if checked is None:
                urls[url] = ""
                continue
            relfn, suffix = checked
            copy = sphinxinternals.publish_image(app.builder, app.env, relfn)
            urls[url] = f"{folder}/{quote(copy)}{suffix}" if folder else f"{quote(copy)}{suffix}"
        html = pointed_at_copies(node[ORIGINAL_HTML], urls)
        left = [u for _w, u in resource_urls(html) if u in urls and urls[u] != u]
        if left:
            logger.warning(
                "raw HTML %r: could not point it at the copied file (expected plain HTML attributes)",
                left[0],
                type="blog",
                subtype=SUBTYPE,
                location=node,
            )
        node.children = []
        node += nodes.Text(html)


# -- directives that read files while the post is parsed ---------------------------------------------


def _checked_option(directive: Any, option: str, what: str) -> bool:
    """Check the file the directive's *option* names; point the option at it. False if refused."""
    value = directive.options.get(option)
    if value is None:
        return True
    env = directive.state.document.settings.env
    try:
        real = check_path(value, Path(env.srcdir), _docdir(env, env.docname))
    except Refused as refused:
        _warn(what, value, refused, (env.docname, directive.lineno))
        return False
    directive.options[option] = str(real)
    return True


class CheckedLiteralInclude(LiteralInclude):
    """``{literalinclude}``, its file (and ``:diff:`` file) checked before it is read."""

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        try:
            check_path(self.arguments[0], Path(env.srcdir), _docdir(env, env.docname))
        except Refused as refused:
            _warn("literalinclude", self.arguments[0], refused, (env.docname, self.lineno))
            return []
        if "diff" in self.options:
            try:
                check_path(self.options["diff"], Path(env.srcdir), _docdir(env, env.docname))
            except Refused as refused:
                _warn("literalinclude :diff:", self.options["diff"], refused, (env.docname, self.lineno))
                return []
        return super().run()


class CheckedRaw(Raw):
    """``{raw}``, its ``:file:`` checked before it is read."""

    def run(self) -> list[nodes.Node]:
        return super().run() if _checked_option(self, "file", "raw :file:") else []


class CheckedCSVTable(CSVTable):
    """``{csv-table}``, its ``:file:`` checked before it is read."""

    def run(self) -> list[nodes.Node]:
        return super().run() if _checked_option(self, "file", "csv-table :file:") else []


_INCLUDE_LINE = re.compile(
    r"^\s*(?:[`~]{3,}|:{3,})\s*\{include\}\s*(\S.*?)\s*$|^\.\. include::\s*(\S.*?)\s*$"
)


def _include_written(app: Sphinx, docname: str, included: Path) -> tuple[int | None, str | None]:
    """The line of *docname* whose include names *included*, and the path as written there (the
    event says neither)."""
    try:
        lines = Path(app.env.doc2path(docname)).read_text("utf-8").splitlines()
    except OSError:
        return None, None
    for number, line in enumerate(lines, start=1):
        match = _INCLUDE_LINE.match(line)
        if not match:
            continue
        written = match.group(1) or match.group(2)
        if Path(app.env.relfn2path(written, docname)[1]) == included:
            return number, written
    return None, None


def _on_include_read(app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """An included file, already read (Sphinx and MyST read it before saying so): a refused one is
    emptied before its text reaches the page."""
    srcdir = Path(app.srcdir).resolve()
    real = (srcdir / relative_path).resolve()
    docname = app.env.docname
    try:
        if not _inside(real, srcdir):
            raise Refused(f"{real}, outside the source folder (expected a file inside it)")
        check_path("/" + real.relative_to(srcdir).as_posix(), srcdir, "")
    except Refused as refused:
        content[0] = ""
        line, written = _include_written(app, docname, real)
        _warn("include", written or relative_path.as_posix(), refused, (docname, line))


# -- documents -------------------------------------------------------------------------------------


def _skip_linked_documents(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """A document whose file is a link out of the source folder (or in a linked folder) is neither
    read nor written, nor its source copied."""
    srcdir = Path(app.srcdir).resolve()
    real_folders: dict[str, str] = {}  # each folder resolved once, not once for each of its files
    for docname in sorted(env.found_docs):
        path = os.fspath(env.doc2path(docname))
        folder, name = os.path.split(path)
        if folder not in real_folders:
            real_folders[folder] = os.path.realpath(folder)
        linked = os.path.islink(path)
        real = Path(os.path.realpath(path) if linked else os.path.join(real_folders[folder], name))
        if _inside(real, srcdir):
            continue
        logger.warning(
            "this document is a link to %s, outside the source folder (expected a file inside it, not a "
            "link out)",
            real,
            type="blog",
            subtype=SUBTYPE,
            location=docname,
        )
        sphinxinternals.forget_document(env, docname)
        if docname in docnames:
            docnames.remove(docname)


# -- .bib files ---------------------------------------------------------------------------------------


def _check_bib_files(app: Sphinx, config: Config) -> None:
    """Each ``.bib`` file sphinxcontrib-bibtex reads is inside the source folder; others are dropped."""
    bibfiles = getattr(config, "bibtex_bibfiles", None)
    if not bibfiles:
        return
    kept = []
    for bibfile in bibfiles:
        try:
            check_path("/" + bibfile.lstrip("/"), Path(app.srcdir), "")
        except Refused as refused:
            _warn("bibtex_bibfiles", bibfile, refused, bibfile)
            continue
        kept.append(bibfile)
    config.bibtex_bibfiles = kept


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _check_bib_files, priority=blogext.BIB_FILES)
    app.connect("doctree-read", _on_doctree_read, priority=blogext.LOCAL_FILES)
    app.connect("doctree-resolved", _on_doctree_resolved, priority=blogext.LOCAL_FILE_COPIES)
    app.connect("env-before-read-docs", _skip_linked_documents)
    app.connect("include-read", _on_include_read)
    app.add_directive("literalinclude", CheckedLiteralInclude, override=True)
    app.add_directive("raw", CheckedRaw, override=True)
    app.add_directive("csv-table", CheckedCSVTable, override=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
