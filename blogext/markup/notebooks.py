"""Jupyter notebooks as posts, through myst-nb.

A ``.ipynb`` file, or a MyST-NB text notebook (Markdown with ``{code-cell}``
blocks and a ``kernelspec`` in its front matter), under the posts' folders is a
post like any other: the post model finds it (:func:`blogext.core.frontmatter.read_posts`
checks a notebook's top-level metadata keys as its front matter, with the same
errors), and myst-nb parses it, handing the same keys to ABlog as docinfo.

- **Outputs** (plots, tables, text, errors) render as they are stored in the
  notebook, or, for a notebook that stores none (a text notebook, a ``.ipynb`` saved
  without outputs), as ``nox -s freeze`` froze them under ``_freeze/`` (:mod:`blogext.markup.freeze`).
  A build never executes (``nb_execution_mode = "off"`` in ``conf.py``, and a post cannot
  ask otherwise).
- **Where myst-nb writes** (the notebooks it renders, output images) is the doctree
  folder (``jupyter_execute/``), never an output folder (myst-nb's own default is beside
  the output, or in the source folder for ``sphinx-build . out``).
- **Errors**: a cell with an error output (executed now or stored) fails the strict
  build, naming the notebook and the cell, unless the cell is tagged
  ``raises-exception``. Execution always runs to the end (myst-nb's
  ``execution_allow_errors``), so this check is the one that decides.
- **Outputs made safe** (:mod:`blogext.markup.nbsanitize`): HTML, Markdown and SVG outputs are
  rewritten by a sanitizer (nh3) before anything reads them: no script, event handler,
  ``javascript:`` URL, embedded page, or load from another host reaches the page. What an
  output held that would run script or load from another host fails the build naming the
  notebook, the cell and what it was (with the URL); so does a widget or JavaScript output.
  A local file an HTML output shows (``<img>``, ``<video>``, ``<audio>``, ``<source>``) is
  kept as written: :mod:`blogext.markup.localfiles` publishes it with the page, or fails the build
  naming the notebook and the path when it is missing or outside the site's folder.
  ``nb_ipywidgets_js`` must name no off-site script (``conf.py`` empties it).
- **Messages** about a notebook name "cell N, line M" (myst-nb's own lines are cell x 10000
  + line), a heading that skips a level says what to write instead, and a failed execution
  (a timeout) names the cell and the settings that give it more time.

Each problem is a warning of type ``blog``, subtype ``notebooks``.
"""

from __future__ import annotations

import hashlib
import json
import logging as stdlib_logging
import os
import posixpath
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

import blogext
from blogext.core import assets, settings, sphinxinternals
from blogext.core.errors import SettingError
from blogext.core.nodeutil import ancestors
from blogext.markup import nbsanitize
from blogext.outputs.offsite import OffsiteSettings

logger = logging.getLogger(__name__)

#: Where, in the doctree folder, myst-nb writes executed notebooks and output images...
OUTPUT_FOLDER = "jupyter_execute"
#: ...and keeps jupyter-cache's cache.
CACHE_FOLDER = "jupyter_cache"
#: The cell tag that allows a cell's error (nbclient's and myst-nb's own).
ALLOW_ERROR_TAG = "raises-exception"
#: Tags after which a cell's outputs are not on the page.
NO_OUTPUT_TAGS = {"remove-output", "remove_output", "remove-cell", "remove_cell"}
#: Output types that show nothing without a script of their own: refused.
ACTIVE_MIME = ("application/javascript", "application/vnd.jupyter.widget-view+json", "text/javascript")
#: Stands for the path from a page to the site's root in a sanitized output, until the page is written.


def _check_settings(app: Sphinx, config: Config) -> None:
    if isinstance(config.source_suffix, dict):
        # myst-nb reads Markdown too (a text notebook is a .md file; other Markdown goes on to MyST).
        # A new dict: Sphinx merges extensions' suffixes into this setting in place, which would change
        # its shared default for the next build in the same process.
        config.source_suffix = {**config.source_suffix, ".md": "myst-nb", ".ipynb": "myst-nb"}
    for key, value in dict(config.nb_ipywidgets_js or {}).items():
        if re.match(r"(https?:)?//", str(key)):
            raise SettingError(
                f"nb_ipywidgets_js names the off-site script {key!r} "
                "(expected {}: a published page loads nothing from another host)"
            )
        del value


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _choose_cache(app: Sphinx, config: Config) -> None:
    """jupyter-cache's folder settled before myst-nb names it ("Using jupyter-cache at: ..."): the
    doctree folder's, unless conf.py chose one outside the output folder."""
    cache = Path(config.nb_execution_cache_path or Path(app.doctreedir) / CACHE_FOLDER).resolve()
    if _inside(cache, Path(app.outdir).resolve()):
        raise SettingError(
            f"nb_execution_cache_path {str(config.nb_execution_cache_path)!r} is inside the output "
            "folder (expected a folder outside it, or leave it empty for the doctree folder)"
        )
    config.nb_execution_cache_path = str(cache)


def _place_folders(app: Sphinx) -> None:
    """myst-nb's output folder into the doctree folder; the blog decides about errors (see the module)."""
    if sphinxinternals.mystnb_settings(app.env) is None:
        return
    # Its output folder cannot be set otherwise (see sphinxinternals.mystnb_settings).
    sphinxinternals.change_mystnb_settings(
        app.env,
        output_folder=str(Path(app.doctreedir).resolve() / OUTPUT_FOLDER),
        execution_cache_path=app.config.nb_execution_cache_path,
        execution_allow_errors=True,
        execution_raise_on_error=False,
    )


_FRONT_DATE = re.compile(
    r"^(date|updated)([ \t]*:[ \t]*)(\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)[ \t]*$", re.MULTILINE
)


def quote_dates(text: str) -> str:
    """A text notebook's front matter with its dates as strings, line for line.

    myst-nb reads the front matter with PyYAML, which makes ``date: 2024-04-02`` a date, and then
    writes the notebook as JSON, which has no dates (it fails). The blog's own check reads dates as
    text too (:mod:`blogext.core.frontmatter`), so quoting them changes nothing else.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return text
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in ("---", "...")), None)
    if end is None:
        return text
    head = _FRONT_DATE.sub(r'\1\2"\3"', "\n".join(lines[1:end]))
    return "\n".join([lines[0], head, *lines[end:]])


#: Keys one of which a text notebook's front matter has (``file_format: mystnb``, or ``jupytext``'s
#: ``format_name: myst``): a Markdown file without either word is no notebook, and its YAML is not parsed.
#: A backslash could spell one in a quoted key (``"\x66ile_format"``): such front matter is parsed.
_TEXT_NOTEBOOK_KEYS = ("file_format", "jupytext", "\\")


def might_be_text_notebook(text: str) -> bool:
    """False when *text* cannot be a MyST-NB text notebook (no front matter naming its format)."""
    if not text.startswith("---"):
        return False
    end = text.find("\n---", 3)
    head = text if end < 0 else text[:end]
    return any(key in head for key in _TEXT_NOTEBOOK_KEYS)


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    from myst_nb.core.read import is_myst_markdown_notebook

    # The cheap test first: myst-nb's parses the front matter's YAML, on every Markdown post.
    if (
        might_be_text_notebook(source[0])
        and str(app.env.doc2path(docname)).endswith(".md")
        and is_myst_markdown_notebook(source[0])
    ):
        source[0] = quote_dates(source[0])


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _first_line(cell: dict[str, Any]) -> str:
    lines = [line for line in _text(cell.get("source")).splitlines() if line.strip()]
    shown = lines[0].strip() if lines else ""
    return shown if len(shown) <= 60 else shown[:57] + "..."


def cell_problems(notebook: dict[str, Any]) -> list[tuple[int, str]]:
    """(0-based cell index, problem) for each cell with an error output the blog refuses (see the module)."""
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        name = f"cell {index + 1} ({_first_line(cell)!r})"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and ALLOW_ERROR_TAG not in tags:
                problems.append(
                    (
                        index,
                        f"{name} raised {output.get('ename', 'an error')}: {output.get('evalue', '')} "
                        f"(expected cells that run without error; tag the cell '{ALLOW_ERROR_TAG}' "
                        "to show the error on purpose)",
                    )
                )
    return problems


# -- Outputs made safe (blogext.markup.nbsanitize) ----------------------------------------------------------

#: What each kind of finding asks of the author (the page leaves every finding out).
_ADVICE = {
    nbsanitize.ACTIVE: (
        "would run a script on the page",
        "expected a static output, such as an image, a table or text: show a chart as an image "
        "(savefig, write_image), or tag the cell 'remove-output'",
    ),
    nbsanitize.OFFSITE: (
        "would load from another host",
        "expected files of the site: save the file next to the notebook and name it by its relative "
        "path, or add the host to blogext_allowed_hosts in conf.py",
    ),
    nbsanitize.MISSING: (
        "names a file the page cannot show",
        "expected a file in the site's folder, named relative to the notebook: add it, or correct the path",
    ),
}


def _is_cell(node: nodes.Node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def _is_mime(node: nodes.Node) -> bool:
    return isinstance(node, nodes.container) and bool(node.get("mime_type"))


def _cell_name(cell: nodes.Element) -> str:
    source = next(iter(cell.findall(nodes.literal_block)), None)
    lines = [line.strip() for line in (source.astext() if source else "").splitlines() if line.strip()]
    shown = lines[0] if lines else ""
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"cell {cell['cell_index'] + 1}" + (f" ({shown!r})" if shown else "")


def _allowed_hosts(app: Sphinx) -> frozenset[str]:
    hosts = {str(h).lower() for h in settings.of(app.config, OffsiteSettings).allowed_hosts}
    own = nbsanitize._resolve(app.config.html_baseurl or "", "") if app.config.html_baseurl else None
    return frozenset(hosts | ({own["hostname"].lower()} if own else set()))


def _keep_local(tag: str, attribute: str, value: str, path: str) -> tuple[str | None, str | None]:
    """A local file an output shows is kept as written: :mod:`blogext.markup.localfiles` checks that it is
    inside the site's folder and exists, copies it and links the page to the copy, as for any raw HTML."""
    return value, None


def _sanitize_outputs(app: Sphinx, doctree: nodes.document) -> None:
    """Every output of every code cell made safe (see the module), before anything else reads it."""
    docname = app.env.docname
    folder = posixpath.dirname(docname)
    hosts = _allowed_hosts(app)
    for cell in list(doctree.findall(_is_cell)):
        for mime in list(cell.findall(_is_mime)):
            output = nbsanitize.Output(folder, hosts, _keep_local)
            kind = mime["mime_type"]
            if kind in ACTIVE_MIME:
                what = f"an output of type {kind}, which shows nothing without its script"
                output.note(nbsanitize.Finding(nbsanitize.ACTIVE, what))
                mime.parent.remove(mime)
            elif kind == "image/svg+xml":
                _sanitize_svgs(app, mime, nbsanitize.Output(folder, hosts), output)
            else:
                _sanitize_markup(mime, output, nbsanitize.Output(folder, hosts, _keep_local))
            _report(app, docname, cell, kind, output.findings)


def _sanitize_markup(mime: nodes.Element, output: nbsanitize.Output, images: nbsanitize.Output) -> None:
    """HTML (a text/html output, or raw HTML in a text/markdown one) sanitized; Markdown images from
    another host left out (local ones are Sphinx's: copied, or reported missing)."""
    for raw in list(mime.findall(nodes.raw)):
        if "html" in raw.get("format", "").split():
            raw.replace_self(nodes.raw("", nbsanitize.clean_html(raw.astext(), output), **raw.attributes))
    for image in list(mime.findall(nodes.image)):
        kept, finding = images.judge("img", "src", image.get("uri", ""))
        output.note(finding)
        if kept is None:
            image.parent.remove(image)


def _sanitize_svgs(
    app: Sphinx, mime: nodes.Element, picture: nbsanitize.Output, output: nbsanitize.Output
) -> None:
    """An SVG output (a file myst-nb wrote, shown as a picture) replaced by its sanitized copy."""
    srcdir = Path(app.srcdir)
    for image in list(mime.findall(nodes.image)):
        original = Path(os.path.normpath(srcdir / image["uri"].lstrip("/")))
        cleaned = nbsanitize.clean_svg(original.read_text("utf-8"), picture)
        for finding in picture.findings:
            output.note(finding)
        if cleaned is None:
            output.note(
                nbsanitize.Finding(nbsanitize.ACTIVE, "an SVG output that is no SVG image without them")
            )
            image.parent.remove(image)
            continue
        data = cleaned.encode("utf-8")
        safe = original.with_name(hashlib.sha256(data).hexdigest() + ".svg")
        if not safe.is_file():
            safe.write_bytes(data)
        image["uri"] = "/" + os.path.relpath(safe, srcdir).replace(os.sep, "/")


def _report(app: Sphinx, docname: str, cell: nodes.Element, mime: str, findings: list) -> None:
    source = str(app.env.doc2path(docname))
    line = None if source.endswith(".ipynb") else cell.line
    for kind, (what, expected) in _ADVICE.items():
        items = [finding.what for finding in findings if finding.kind == kind]
        if not items:
            continue
        shown = "; ".join(items[:6]) + (f"; and {len(items) - 6} more" if len(items) > 6 else "")
        logger.warning(
            "%s: its %s output %s: %s (%s; the page leaves it out)",
            _cell_name(cell),
            mime,
            what,
            shown,
            expected,
            type="blog",
            subtype="notebooks",
            location=(docname, line),
        )


def _describe_images(doctree: nodes.document) -> None:
    """An output image without alt text of its own (myst-nb's alt is its file's path) gets a plain one;
    a cell's ``mystnb: {image: {alt: ...}}`` metadata gives a better one."""
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "")
        if any("cell_output" in p.get("classes", []) for p in ancestors(image)) and (
            not alt or alt == image.get("uri") or alt.endswith(Path(image.get("uri", "")).name)
        ):
            image["alt"] = "Output of the code above"


def _check_outputs(app: Sphinx, doctree: nodes.document) -> None:
    """Check the notebook as myst-nb rendered it (stored or executed outputs)."""
    _describe_images(doctree)
    env = app.env
    docname = env.docname
    config = sphinxinternals.mystnb_settings(env)
    if config is None or not is_notebook(env, docname):
        return
    written = Path(config.output_folder, *f"{docname}.ipynb".split("/"))
    try:
        notebook = json.loads(written.read_text("utf-8"))
    except (OSError, ValueError):
        return
    lines = env.metadata.get(docname, {}).get("source_map") or []
    timed_out = _report_execution(app, docname, notebook, lines)
    for index, problem in cell_problems(notebook):
        if index == timed_out:
            continue  # its error is the interruption, already reported
        line = lines[index] + 1 if index < len(lines) and isinstance(lines[index], int) else None
        logger.warning(problem, type="blog", subtype="notebooks", location=(docname, line))


# -- Messages about notebooks -------------------------------------------------------------------------

#: myst-nb numbers a notebook's lines cell by cell: (cell number x 10000) + line in the cell (+ 1).
CELL_LINES = 10000
_HEADING_JUMP = re.compile(r"Non-consecutive header level increase; H(\d) to H(\d)")
#: myst-nb's messages about a failed execution, which :func:`_report_execution` replaces: the second
#: points at a traceback file in the output folder, which is no place for it.
_MYSTNB_EXECUTION_MESSAGES = ("Executing notebook failed", "Notebook exception traceback saved in")


class _NotebookMessages(stdlib_logging.Filter):
    """Warnings about a notebook, as the author can act on them: "cell N, line M" instead of
    myst-nb's line numbers, and a heading that skips a level with what to write instead."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__()
        self.app = app

    def filter(self, record: stdlib_logging.LogRecord) -> bool:
        kind = (getattr(record, "type", None), getattr(record, "subtype", None))
        if kind == ("mystnb", "exec") and str(record.msg).startswith(_MYSTNB_EXECUTION_MESSAGES):
            return False
        docname, line = self._place(getattr(record, "location", None))
        if docname is None or not _is_notebook_file(str(self.app.env.doc2path(docname))):
            return True
        jump = _HEADING_JUMP.search(str(record.msg)) if kind == ("myst", "header") else None
        if jump:
            above, level = int(jump.group(1)), int(jump.group(2))
            record.msg = (
                f"heading of level {level} ({'#' * level}) follows one of level {above} (expected a heading "
                f"at most one level deeper than the one before it: write it with {'#' * (above + 1)})"
            )
            record.args = ()
        if line and line > CELL_LINES and str(self.app.env.doc2path(docname)).endswith(".ipynb"):
            # myst-nb counts from line 1 of a cell, and docutils' node lines add 1 more.
            record.msg = f"cell {line // CELL_LINES}, line {max(line % CELL_LINES - 1, 1)}: {record.msg}"
            record.location = (docname, None)
        return True

    def _place(self, location: Any) -> tuple[str | None, int | None]:
        """The document and line a warning's location names (a tuple, ``path:line``, or a node)."""
        env = self.app.env
        if isinstance(location, tuple) and len(location) == 2:
            return location[0], location[1] if isinstance(location[1], int) else None
        if isinstance(location, nodes.Node):
            source, line = get_source_line(location)
            location = f"{source}:{line or ''}" if source else None
        if not isinstance(location, str) or not location:
            return None, None
        if ":" not in location:
            return (location, None) if location in env.found_docs else (None, None)
        path, _colon, line = location.rpartition(":")
        docname = env.path2doc(path) if path else None
        return docname, int(line) if line.isdigit() else None


def _is_notebook_file(path: str) -> bool:
    if path.endswith(".ipynb"):
        return True
    if not path.endswith(".md"):
        return False
    from myst_nb.core.read import is_myst_markdown_notebook

    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError:
        return False
    return might_be_text_notebook(text) and is_myst_markdown_notebook(text)


def _rewrite_messages(app: Sphinx) -> None:
    """The filter goes first on Sphinx's warning handler: what it drops is neither counted nor shown."""
    sphinxinternals.filter_warnings_first(_NotebookMessages(app))


def _timed_out_cell(notebook: dict[str, Any], traceback: str) -> int | None:
    """The index of the cell nbclient's timeout message shows (it quotes the cell's source)."""
    for index, cell in enumerate(notebook.get("cells", [])):
        source = _text(cell.get("source"))
        lines = source.strip().split("\n")
        shown = source if len(lines) < 11 else f"{lines[:5]}\n...\n{lines[-5:]}"
        if cell.get("cell_type") == "code" and source.strip() and shown in traceback:
            return index
    return None


def _report_execution(app: Sphinx, docname: str, notebook: dict[str, Any], lines: list) -> int | None:
    """A notebook whose execution failed (a timeout, a dead kernel): which cell (its index, returned),
    and what to change."""
    data = getattr(app.env, "nb_metadata", {}).get(docname, {}).get("exec_data") or {}
    if not data.get("error"):
        return None
    reports = Path(app.outdir, "reports")
    Path(reports, *f"{docname}.err.log".split("/")).unlink(missing_ok=True)
    for folder in sorted((p for p in reports.rglob("*") if p.is_dir()), reverse=True) + [reports]:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    trace = str(data.get("traceback") or "")
    index = _timed_out_cell(notebook, trace) if data["error"] == "CellTimeoutError" else None
    cell = f"cell {index + 1} ({_first_line(notebook['cells'][index])!r})" if index is not None else "a cell"
    if data["error"] == "CellTimeoutError":
        seconds = re.search(r"after (\d+) seconds", trace)
        message = (
            f"{cell} was still running after {seconds.group(1) if seconds else 'the'} seconds, the execution "
            "timeout, so the notebook's outputs are not all there (expected every cell to finish in time: "
            "make the cell quicker, or allow this post more seconds with 'mystnb: {execution_timeout: 300}' "
            "in its metadata, or every notebook with nb_execution_timeout in conf.py; -1 is no limit)"
        )
    else:
        last = [line for line in trace.splitlines() if line.strip()][-1:] or [data["error"]]
        message = (
            f"the notebook could not be executed to the end: {last[0].strip()} (expected a kernel that "
            "runs every cell: run the notebook in Jupyter to see why)"
        )
    line = (
        lines[index] + 1
        if index is not None and index < len(lines) and isinstance(lines[index], int)
        else None
    )
    logger.warning(message, type="blog", subtype="notebooks", location=(docname, line))
    return index


def is_notebook(env: Any, docname: str) -> bool:
    """Whether the document *docname* is a notebook (``.ipynb``, or Markdown with a ``kernelspec``)."""
    if docname not in env.found_docs:
        return False
    return str(env.doc2path(docname)).endswith(".ipynb") or "kernelspec" in env.metadata.get(docname, {})


def _style_notebooks_only(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """myst-nb's stylesheet (43 KB) and the blog's on notebook pages only."""
    if "css_files" in context and not is_notebook(app.env, pagename):
        # In place: the list is the builder's for this page, which other features still add to.
        context["css_files"][:] = [
            css
            for css in context["css_files"]
            if not str(getattr(css, "filename", css)).rsplit("/", 1)[-1].startswith(("mystnb.", "notebooks."))
        ]


def _stylesheet_before_pages(app: Sphinx, env: Any) -> None:
    """myst-nb's stylesheet in the output before the pages are written, as the theme's are: myst-nb
    copies it when the build ends, so a clean build wrote its link without Sphinx's ``?v=`` checksum
    (the file was not there yet) and a rebuild with it, and the two differed."""
    from myst_nb.sphinx_ext import add_global_html_resources

    if app.builder.format == "html":
        Path(app.outdir, "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "notebooks")
    # Nothing executed, nothing of jupyter-cache imported (see sphinxinternals.defer_mystnb_executors).
    sphinxinternals.defer_mystnb_executors()
    app.setup_extension("myst_nb")
    sphinxinternals.quick_notebook_test(might_be_text_notebook)  # no YAML parsed for a plain Markdown post
    app.add_css_file("notebooks.css")  # _static/notebooks.css of the site
    app.setup_extension("blogext.core.frontmatter")
    app.connect("config-inited", _check_settings)
    app.connect("config-inited", _choose_cache)
    app.connect("builder-inited", _place_folders, priority=blogext.NOTEBOOK_FOLDERS)
    app.connect("env-updated", _stylesheet_before_pages)
    app.connect("builder-inited", _rewrite_messages)
    app.connect("source-read", _on_source_read)
    app.connect("doctree-read", _sanitize_outputs, priority=blogext.NOTEBOOK_OUTPUTS)
    app.connect("doctree-read", _check_outputs)
    app.connect("html-page-context", _style_notebooks_only)
    app.setup_extension("blogext.markup.freeze")  # outputs frozen by `nox -s freeze`, never executed here
    app.setup_extension(
        "blogext.markup.interactive"
    )  # Plotly and Vega-Lite outputs drawn by the site's copies
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
