"""Frozen notebooks: outputs executed on the author's machine, rendered by every publishing build.

A notebook post that stores no outputs (a MyST text notebook, or a ``.ipynb`` saved without
outputs) is executed by ``nox -s freeze`` (:mod:`blogcli.freezenotebooks`), never by a build. Its
outputs are kept under ``_freeze/`` at the site's root, to be committed:

- ``_freeze/<docname>/outputs.json``: the freshness key (a digest of the kernel's name and the
  code cells' source), the reproducibility record (when, with which Python and which versions of
  the packages the post imported) and each code cell's outputs, as nbformat writes them;
- ``_freeze/<docname>/cell-<N>-<M>.<ext>``: each image output (PNG, JPEG, GIF, SVG) as a file.

**Every build** (``nox -s build``, Read the Docs, the Pages workflow, a plain ``sphinx-build``)
puts the frozen outputs into the notebook just before myst-nb renders it (a hook on myst-nb's
execution client, :func:`blogext.core.sphinxinternals.before_mystnb_executes`), and myst-nb renders
them as stored outputs: nothing is executed. A notebook whose code (or kernel) changed since it
was frozen, or that was never frozen, fails the build naming the post and ``nox -s freeze``; so
does a post asking for execution (``mystnb: {execution_mode: cache}``) or a ``conf.py`` whose
``nb_execution_mode`` is not ``"off"``. A Markdown-only edit keeps the digest, and the freeze.
A ``.ipynb`` with stored outputs renders them, as before: it has nothing to freeze.

**The record**: each page rendered from a freeze ends with a small footer (template
``blog/notebook-record.html``) saying when it was executed, with which Python, and the versions
of the packages its cells import. **Launch links** (``blogext_notebook_launch``, off by default):
"Open in Colab" and "Open in Binder" for ``.ipynb`` posts of a GitHub repository, plain links.

Problems are warnings of type ``blog``, subtype ``notebooks``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from blogext.core import assets, perdoc, safehtml, settings, sphinxinternals
from blogext.core.errors import SettingError
from blogext.core.settings import Check, setting

logger = logging.getLogger(__name__)

#: The folder, at the site's root, that holds the frozen outputs.
FOLDER = "_freeze"
#: The file of each frozen notebook's outputs, in its folder ``_freeze/<docname>/``.
OUTPUTS = "outputs.json"
#: Image outputs kept as files: their MIME type and the file's extension (SVG is text; the rest base64).
IMAGE_FILES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/svg+xml": "svg"}
#: The kernel a notebook without a ``kernelspec`` name runs on.
DEFAULT_KERNEL = "python3"
#: What to run when a notebook's freeze is missing or out of date.
COMMAND = "nox -s freeze"
#: Set by the live preview only (:mod:`blogcli.preview`): a folder whose ``_freeze/`` holds the
#: outputs of the notebooks it executed whose cells raised, so that its pages show the errors
#: where they happened. Never frozen; a published build does not have it.
PREVIEW_OUTPUTS = "BLOG_PREVIEW_OUTPUTS"


# -- The freeze: what is stored, and when it is fresh ----------------------------------------------


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def kernel_name(notebook: Any) -> str:
    spec = notebook.get("metadata", {}).get("kernelspec") or {}
    return str(spec.get("name") or DEFAULT_KERNEL)


def code_cells(notebook: Any) -> list[tuple[int, Any]]:
    """(index, cell) of each code cell of *notebook*."""
    return [(i, cell) for i, cell in enumerate(notebook.get("cells", [])) if cell.get("cell_type") == "code"]


def digest(notebook: Any) -> str:
    """The freshness key: a digest of the kernel's name and every code cell's source, in order.
    Markdown cells, metadata and outputs are not in it: editing the text needs no new freeze."""
    key = {
        "kernel": kernel_name(notebook),
        "code": [_text(cell.get("source")) for _i, cell in code_cells(notebook)],
    }
    data = json.dumps(key, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def needs_freeze(notebook: Any, text_notebook: bool) -> bool:
    """Whether *notebook* is rendered from a freeze: it has code, and stores no output of it (a text
    notebook never stores any)."""
    cells = [cell for _i, cell in code_cells(notebook) if _text(cell.get("source")).strip()]
    if not cells:
        return False
    return text_notebook or not any(cell.get("outputs") for _i, cell in code_cells(notebook))


def folder(srcdir: Path | str, docname: str) -> Path:
    return Path(srcdir, FOLDER, *docname.split("/"))


def load(srcdir: Path | str, docname: str) -> dict[str, Any] | None:
    """The freeze of *docname* (its ``outputs.json``), or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((folder(srcdir, docname) / OUTPUTS).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("cells"), list) else None


def _lines(value: str) -> list[str] | str:
    """A multi-line string as nbformat writes it (a list of lines), so that a diff shows lines."""
    lines = value.splitlines(keepends=True)
    return lines if len(lines) > 1 else value


def stored_output(output: dict[str, Any], name: str, files: dict[str, bytes]) -> dict[str, Any]:
    """*output* as it is frozen: images moved to files (``name.<ext>``, added to *files*), text in lines."""
    output = json.loads(json.dumps(output))  # a plain copy
    if "text" in output:
        output["text"] = _lines(_text(output["text"]))
    data = output.get("data")
    if isinstance(data, dict):
        for mime in list(data):
            if mime in IMAGE_FILES:
                filename = f"{name}.{IMAGE_FILES[mime]}"
                value = _text(data.pop(mime))
                files[filename] = (
                    value.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(value)
                )
                output.setdefault("files", {})[mime] = filename
            elif isinstance(data[mime], str):
                data[mime] = _lines(data[mime])
    return output


def restored_output(output: dict[str, Any], where: Path) -> dict[str, Any]:
    """A frozen output as a notebook holds it (its image files read back into its data)."""
    output = json.loads(json.dumps(output))
    if "text" in output:
        output["text"] = _text(output["text"])
    data = output.setdefault("data", {}) if "files" in output or "data" in output else None
    for mime, filename in (output.pop("files", None) or {}).items():
        raw = (where / posixpath.basename(filename)).read_bytes()
        data[mime] = raw.decode("utf-8") if mime == "image/svg+xml" else base64.b64encode(raw).decode("ascii")
    if isinstance(data, dict):
        for mime, value in data.items():
            if isinstance(value, list):
                data[mime] = _text(value)
    return output


def inject(notebook: Any, frozen: dict[str, Any], where: Path) -> None:
    """The frozen outputs put into *notebook*'s code cells, in place (as if it had stored them)."""
    from nbformat import from_dict

    stored = frozen["cells"]
    if frozen.get("language_info") and not notebook["metadata"].get("language_info"):
        # The kernel's language, as execution would have noted it: myst-nb highlights the cells with it.
        notebook["metadata"]["language_info"] = from_dict(frozen["language_info"])
    for (_index, cell), saved in zip(code_cells(notebook), stored, strict=True):
        cell["outputs"] = [from_dict(restored_output(o, where)) for o in saved.get("outputs", [])]
        cell["execution_count"] = saved.get("execution_count")


# -- The build: frozen outputs in, never an execution ----------------------------------------------

#: docname -> its record, from the hook (while myst-nb parses it) to doctree-read (which has the env).
_pending: dict[str, dict[str, Any]] = {}


def _srcdir(source: str, docname: str) -> Path:
    """The source folder: *source* (``<srcdir>/<docname>.<suffix>``) without the docname's parts."""
    return Path(source).parents[len(docname.split("/")) - 1]


def _warn(docname: str, message: str) -> None:
    logger.warning(message, type="blog", subtype="notebooks", location=(docname, None))


def before_execution(notebook: Any, source: str, nb_config: Any, docname: str) -> Any:
    """myst-nb is about to execute or render *notebook*: its frozen outputs go in, execution is off."""
    if nb_config.execution_mode != "off":
        _warn(
            docname,
            f"asks for execution (mystnb execution_mode {nb_config.execution_mode!r}), and a published "
            f"build never executes (expected no execution_mode: run `{COMMAND}`, which executes the "
            f"notebook and writes its outputs under {FOLDER}/, and commit them)",
        )
        nb_config = nb_config.copy(execution_mode="off")
    text_notebook = not str(source).endswith(".ipynb")
    if not needs_freeze(notebook, text_notebook):
        return nb_config
    srcdir = _srcdir(source, docname)
    frozen = load(srcdir, docname)
    wanted = digest(notebook)
    if frozen is None or frozen.get("digest") != wanted:
        if _inject_preview_outputs(notebook, docname, wanted):
            return nb_config
        state = "was never frozen" if frozen is None else "has code that changed since it was frozen"
        _warn(
            docname,
            f"notebook {state}, so its page would show code without its outputs (expected outputs "
            f"frozen for this code: run `{COMMAND}` and commit {FOLDER}/{docname}/)",
        )
        return nb_config
    try:
        inject(notebook, frozen, folder(srcdir, docname))
    except (OSError, ValueError, KeyError, TypeError) as error:
        _warn(
            docname, f"its freeze in {FOLDER}/{docname}/ cannot be read: {error} (expected: run `{COMMAND}`)"
        )
        return nb_config
    _pending[docname] = dict(frozen.get("record") or {}, kernel=frozen.get("kernel", DEFAULT_KERNEL))
    return nb_config


def _inject_preview_outputs(notebook: Any, docname: str, wanted: str) -> bool:
    """In the preview, the outputs of the failed execution of this very code, if it left some."""
    import os

    root = os.environ.get(PREVIEW_OUTPUTS)
    failed = load(root, docname) if root else None
    if failed is None or failed.get("digest") != wanted:
        return False
    try:
        inject(notebook, failed, folder(root, docname))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _note_record(app: Sphinx, doctree: Any) -> None:
    record = _pending.pop(app.env.docname, None)
    records = _records(app.env)
    records.pop(app.env.docname, None)
    if record is not None:
        records[app.env.docname] = record


def _records(env: Any) -> dict[str, dict[str, Any]]:
    """Docname -> its frozen notebook's record (kept per document: :mod:`blogext.core.perdoc`)."""
    return perdoc.of(env, "blog_frozen_records")


def _check_settings(app: Sphinx, config: Config) -> None:
    if config.nb_execution_mode != "off":
        raise SettingError(
            f"nb_execution_mode = {config.nb_execution_mode!r} in conf.py: a published build never executes "
            f'notebooks (expected "off": `{COMMAND}` executes them on your machine into {FOLDER}/)'
        )
    launch = settings.of(config, FreezeSettings).notebook_launch  # its keys checked by blogext.core.settings
    repository = str(launch.get("repository", ""))
    if (launch.get("colab") or launch.get("binder")) and not re.fullmatch(
        r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+", repository
    ):
        raise SettingError(
            f"blogext_notebook_launch 'repository' {repository!r} is not a GitHub repository "
            "(expected 'owner/name', the repository that holds the site's source)"
        )


# -- The page: the record footer and the launch links -----------------------------------------------


def launch_links(config: Config, source: str) -> list[tuple[str, str]]:
    """(label, URL) of each launch link for the notebook at *source* (a path in the repository)."""
    launch = settings.of(config, FreezeSettings).notebook_launch
    if not source.endswith(".ipynb") or not (launch.get("colab") or launch.get("binder")):
        return []
    repository, branch = str(launch["repository"]), str(launch.get("branch") or "main")
    links = []
    if launch.get("colab"):
        url = f"https://colab.research.google.com/github/{repository}/blob/{quote(branch)}/{quote(source)}"
        links.append(("Open in Colab", url))
    if launch.get("binder"):
        branch_path, lab_path = quote(branch, safe=""), quote(source, safe="")
        url = f"https://mybinder.org/v2/gh/{repository}/{branch_path}?labpath={lab_path}"
        links.append(("Open in Binder", url))
    return links


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if doctree is None or "body" not in context or pagename not in app.env.found_docs:
        return
    record = _records(app.env).get(pagename)
    source = Path(app.env.doc2path(pagename)).relative_to(app.srcdir).as_posix()
    links = launch_links(app.config, source) if sphinxinternals.mystnb_settings(app.env) else []
    if record is None and not links:
        return
    packages = sorted((record or {}).get("packages", {}).items(), key=lambda item: item[0].lower())
    footer = safehtml.render(
        app, "blog/notebook-record.html", record=record, packages=packages, launch_links=links
    )
    # str(): a str + Markup would escape the page's body (it is HTML already).
    context["body"] = str(context["body"]) + str(footer)


@dataclass(frozen=True)
class FreezeSettings:
    """The frozen notebooks' settings (``blogext_<field>`` in ``conf.py``)."""

    notebook_launch: dict[str, Any] = setting(
        {},
        "'Open in Colab' / 'Open in Binder' links on .ipynb posts (off: {})",
        "html",
        check=Check(
            "a dict of repository, branch, colab and binder: {} for no launch links, or "
            "{'repository': 'owner/name', 'branch': 'main', 'colab': True, 'binder': True}",
            lambda launch: set(launch) <= {"repository", "branch", "colab", "binder"},
        ),
    )


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    settings.add(app, FreezeSettings)
    sphinxinternals.before_mystnb_executes(before_execution)
    app.connect("config-inited", _check_settings)
    app.connect("doctree-read", _note_record)
    perdoc.keep(app, "blog_frozen_records")
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
