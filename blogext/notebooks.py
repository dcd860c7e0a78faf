"""Jupyter notebooks as posts, through myst-nb.

A ``.ipynb`` file, or a MyST-NB text notebook (Markdown with ``{code-cell}``
blocks and a ``kernelspec`` in its front matter), under the posts' folders is a
post like any other: the post model finds it (:func:`blogext.frontmatter.read_posts`
checks a notebook's top-level metadata keys as its front matter, with the same
errors), and myst-nb parses it, handing the same keys to ABlog as docinfo.

- **Outputs** (plots, tables, text, errors) render as they are stored in the
  notebook: by default nothing is executed (``nb_execution_mode = "off"`` in
  ``conf.py``). The site (``nb_execution_mode = "cache"``) or one post (metadata
  ``mystnb: {execution_mode: cache}``) can ask for execution, cached by
  jupyter-cache: an unchanged notebook is never executed again.
- **Where myst-nb writes** (its executed notebooks, output images, the cache) is
  the doctree folder (``jupyter_execute/`` and ``jupyter_cache/``), never an
  output folder (myst-nb's own default is beside the output, or in the source
  folder for ``sphinx-build . out``). A draft is not read in the published build,
  so nothing of it is executed, cached or copied there.
- **Text notebooks** (no stored outputs) that are not executed fail the build, naming the
  post: their pages would show code without what it printed or plotted.
- **Errors**: a cell with an error output (executed now or stored) fails the strict
  build, naming the notebook and the cell, unless the cell is tagged
  ``raises-exception``. Execution always runs to the end (myst-nb's
  ``execution_allow_errors``), so this check is the one that decides.
- **Privacy**: an output that would load something from another host or run a
  script on the page (``<script>``, ``<iframe>``, a widget, an off-site ``src``)
  fails the build naming the notebook and the cell (expected: a static output, or
  the cell tagged ``remove-output``); ``nb_ipywidgets_js`` must name no off-site
  script (``conf.py`` empties it).

Each problem is a warning of type ``blog``, subtype ``notebooks``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

import blogext
from blogext import sphinxinternals
from blogext.errors import SettingError
from blogext.nodeutil import ancestors

logger = logging.getLogger(__name__)

#: Where, in the doctree folder, myst-nb writes executed notebooks and output images...
OUTPUT_FOLDER = "jupyter_execute"
#: ...and keeps jupyter-cache's cache.
CACHE_FOLDER = "jupyter_cache"
#: The cell tag that allows a cell's error (nbclient's and myst-nb's own).
ALLOW_ERROR_TAG = "raises-exception"
#: Tags after which a cell's outputs are not on the page.
NO_OUTPUT_TAGS = {"remove-output", "remove_output", "remove-cell", "remove_cell"}
#: Output types that would run a script or load from another host on the page.
_ACTIVE_MIME = ("application/javascript", "application/vnd.jupyter.widget-view+json", "text/javascript")
_ACTIVE_HTML = re.compile(
    r"<\s*(script|iframe|object|embed|link|base)\b"
    r"|\b(src|href|srcset|data|action)\s*=\s*[\"']?\s*(https?:)?//"
    r"|url\(\s*[\"']?\s*(https?:)?//",
    re.IGNORECASE,
)


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


def _front(app: Sphinx, relpath: str) -> dict[str, Any]:
    """The metadata of the notebook post *relpath* (a text notebook's front matter), or {}."""
    from blogext.frontmatter import _load_yaml, split_front_matter

    text = (Path(app.srcdir) / relpath).read_text("utf-8-sig")
    if relpath.endswith(".ipynb"):
        data = json.loads(text).get("metadata", {})
    elif "kernelspec" not in text:
        return {}
    else:
        raw, _closing = split_front_matter(text)
        data = _load_yaml(raw) if raw else {}
    return data if isinstance(data, dict) else {}


def _check_kernels(app: Sphinx, config: Config) -> None:
    """Every notebook post that is executed names a kernel installed here (before anything runs)."""
    from jupyter_client.kernelspec import find_kernel_specs

    from blogext.frontmatter import FrontMatterError, read_posts

    problems = []
    installed: list[str] | None = None
    for post in read_posts(app).values():
        if not post.path.endswith((".md", ".ipynb")):
            continue
        meta = _front(app, post.path)
        if not (post.path.endswith(".ipynb") or "kernelspec" in meta):
            continue
        own = meta.get("mystnb") if isinstance(meta.get("mystnb"), dict) else {}
        if own.get("execution_mode", config.nb_execution_mode) == "off":
            continue
        spec = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
        name = spec.get("name")
        installed = sorted(find_kernel_specs()) if installed is None else installed
        if name not in installed:
            problems.append(
                f"{post.path}: kernelspec name {name!r} is not a kernel installed here, and the post is "
                f"executed (expected one of: {', '.join(installed) or 'none: install ipykernel'})"
            )
    if problems:
        raise FrontMatterError("Notebook check failed!\n" + "\n".join(problems))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _place_folders(app: Sphinx) -> None:
    """myst-nb's folders into the doctree folder; the blog decides about errors (see the module)."""
    config = sphinxinternals.mystnb_settings(app.env)
    if config is None:
        return
    doctrees = Path(app.doctreedir).resolve()
    cache = Path(app.config.nb_execution_cache_path or doctrees / CACHE_FOLDER).resolve()
    outdir = Path(app.outdir).resolve()
    if _inside(cache, outdir):
        raise SettingError(
            f"nb_execution_cache_path {str(app.config.nb_execution_cache_path)!r} is inside the output "
            "folder (expected a folder outside it, or leave it empty for the doctree folder)"
        )
    # Its output folder cannot be set otherwise (see sphinxinternals.mystnb_settings).
    sphinxinternals.change_mystnb_settings(
        app.env,
        output_folder=str(doctrees / OUTPUT_FOLDER),
        execution_cache_path=str(cache),
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
    text too (:mod:`blogext.frontmatter`), so quoting them changes nothing else.
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
_TEXT_NOTEBOOK_KEYS = ("file_format", "jupytext")


def might_be_text_notebook(text: str) -> bool:
    """False when *text* cannot be a MyST-NB text notebook (no front matter naming its format)."""
    return text.startswith("---") and any(key in text for key in _TEXT_NOTEBOOK_KEYS)


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
    """(0-based cell index, problem) for each cell whose outputs the blog refuses (see the module)."""
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        name = f"cell {index + 1} ({_first_line(cell)!r})"
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error" and ALLOW_ERROR_TAG not in tags:
                problems.append(
                    (
                        index,
                        f"{name} raised {output.get('ename', 'an error')}: {output.get('evalue', '')} "
                        f"(expected cells that run without error; tag the cell '{ALLOW_ERROR_TAG}' "
                        "to show the error on purpose)",
                    )
                )
            if kind not in ("display_data", "execute_result") or tags & NO_OUTPUT_TAGS:
                continue
            data = output.get("data", {})
            active = [mime for mime in _ACTIVE_MIME if mime in data]
            html = _text(data.get("text/html", "")) + _text(data.get("image/svg+xml", ""))
            match = _ACTIVE_HTML.search(html)
            if active or match:
                what = active[0] if active else match.group(0).strip()
                problems.append(
                    (
                        index,
                        f"{name} has an output that would run a script or load from another host "
                        f"({what!r}; expected static outputs such as images, text and tables: "
                        "save the output as an image, or tag the cell 'remove-output')",
                    )
                )
    return problems


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
    _check_text_notebook_runs(app, docname, config, notebook, lines)
    for index, problem in cell_problems(notebook):
        line = lines[index] + 1 if index < len(lines) and isinstance(lines[index], int) else None
        logger.warning(problem, type="blog", subtype="notebooks", location=(docname, line))


def _check_text_notebook_runs(app: Sphinx, docname: str, config: Any, notebook: dict, lines: list) -> None:
    """A text notebook (Markdown with ``{code-cell}`` blocks) stores no outputs: not executed, its page
    would show its code and none of what it printed or plotted (as a post from a blog that executes
    its notebooks would be published)."""
    source = Path(app.env.doc2path(docname))
    if source.suffix == ".ipynb":
        return
    settings = _front(app, source.relative_to(app.srcdir).as_posix()).get("mystnb")
    mode = (settings.get("execution_mode") if isinstance(settings, dict) else None) or config.execution_mode
    if mode != "off":
        return
    cells = [i for i, cell in enumerate(notebook.get("cells", [])) if cell.get("cell_type") == "code"]
    if not cells:
        return
    first = cells[0]
    line = lines[first] + 1 if first < len(lines) and isinstance(lines[first], int) else None
    logger.warning(
        "text notebook's %d code cell(s) are not executed (execution mode 'off'), so its page would show "
        "their code without any output (expected 'mystnb: {execution_mode: cache}' in its front matter, "
        'or nb_execution_mode = "cache" in conf.py; code only to be shown is a ```python block)',
        len(cells),
        type="blog",
        subtype="notebooks",
        location=(docname, line),
    )


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


def setup(app: Sphinx) -> dict[str, Any]:
    # Nothing executed, nothing of jupyter-cache imported (see sphinxinternals.defer_mystnb_executors).
    sphinxinternals.defer_mystnb_executors()
    app.setup_extension("myst_nb")
    app.add_css_file("notebooks.css")  # _static/notebooks.css of the site
    app.setup_extension("blogext.frontmatter")
    app.connect("config-inited", _check_settings)
    app.connect("config-inited", _check_kernels, priority=blogext.NOTEBOOK_KERNELS)
    app.connect("builder-inited", _place_folders, priority=blogext.NOTEBOOK_FOLDERS)
    app.connect("source-read", _on_source_read)
    app.connect("doctree-read", _check_outputs)
    app.connect("html-page-context", _style_notebooks_only)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
