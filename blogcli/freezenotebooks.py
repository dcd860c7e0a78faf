"""``nox -s freeze``: execute the notebook posts whose code changed, and freeze their outputs (a program).

``python -m blogcli.freezenotebooks [SITE] [--force] [--timeout SECONDS] [PATH ...]``

Finds every notebook the site reads (``conf.py``'s ``include_patterns``, drafts too) that stores
no outputs (a MyST text notebook, a ``.ipynb`` saved without them; :func:`blogext.markup.freeze.needs_freeze`)
and executes, in the post's own folder, each one whose freeze in ``_freeze/`` is missing or was made
from other code or another kernel (:func:`blogext.markup.freeze.digest`); an unchanged notebook is not run
again, and its files are not touched. ``--force`` executes them all; paths restrict it to those posts.

A post runs on the kernel its ``kernelspec`` names (``python3``: the Python running this, in
``nox -s freeze``'s venv of the ``notebooks`` group); its cells may run for ``nb_execution_timeout``
seconds each (``conf.py``, myst-nb's default 30) or its own ``mystnb: {execution_timeout: N}``.
After the last cell the kernel reports its Python and the versions of the packages the cells
imported: the record the page shows (:mod:`blogext.markup.freeze`).

A notebook that fails (a cell that raised without the ``raises-exception`` tag, a timeout, a kernel
that is not installed) is reported naming the post, the cell and what to do, its previous freeze is
left as it was, and the program ends with status 1 once the others are frozen. Freezes of notebooks
that no longer exist are deleted.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blogext.markup import freeze

#: Folders never searched for notebooks, whatever ``conf.py`` includes.
NEVER = [
    "_build",
    "_build/**",
    ".nox/**",
    "node_modules/**",
    f"{freeze.FOLDER}/**",
    "**/.ipynb_checkpoints/**",
]
#: myst-nb's default cell timeout, when ``conf.py`` sets none.
DEFAULT_TIMEOUT = 30
#: Top-level modules a cell imports (``import a.b``, ``from a import b``, ``import a, b``).
_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_]\w*)|import\s+([A-Za-z_][\w., \t]*))", re.MULTILINE)
#: Run in the kernel after the last cell: its Python, and the distributions of the modules imported.
_RECORD = """\
def __blog_record(names):
    import importlib.metadata as metadata, json, platform, sys
    found, owners = {}, metadata.packages_distributions()
    for name in names:
        if name in sys.modules:
            for dist in owners.get(name, []):
                found[dist] = metadata.version(dist)
    print(json.dumps({"python": platform.python_version(), "packages": found}))
__blog_record(%r)
del __blog_record
"""


@dataclass
class Post:
    """A notebook post that is rendered from its freeze."""

    path: str  # relative to the site, such as posts/2024/losses.md
    docname: str
    notebook: Any
    config: dict[str, Any]


@dataclass
class Result:
    executed: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class FreezeError(Exception):
    """A notebook that could not be frozen; the message names the post, the cell and what to do.
    *executed*: what it ran to, when every cell ran and one raised (as :func:`execute` returns it)."""

    def __init__(self, message: str, executed: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.executed = executed


def read_config(site: Path) -> dict[str, Any]:
    from sphinx.config import eval_config_file
    from sphinx.util.tags import Tags

    return eval_config_file(site / "conf.py", Tags())


def _md_config(config: dict[str, Any]) -> Any:
    """myst-parser's settings from conf.py, so a text notebook's cells are read as the build reads them."""
    import dataclasses

    from myst_parser.config.main import MdParserConfig

    given = {
        f.name: config[f"myst_{f.name}"]
        for f in dataclasses.fields(MdParserConfig)
        if f"myst_{f.name}" in config
    }
    if "enable_extensions" in given:
        given["enable_extensions"] = set(given["enable_extensions"])
    try:
        return MdParserConfig(**given)
    except (TypeError, ValueError):
        return MdParserConfig()


def read_notebook(path: Path, md_config: Any) -> tuple[Any, bool] | None:
    """(notebook, is a text notebook) for *path*, or None when it is no notebook."""
    import nbformat
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    from blogext.markup.notebooks import might_be_text_notebook, quote_dates

    text = path.read_text("utf-8-sig")
    if path.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4), False
    if path.suffix == ".md" and might_be_text_notebook(text) and is_myst_markdown_notebook(text):
        notebook = read_myst_markdown_notebook(quote_dates(text), config=md_config, add_source_map=True)
        return notebook, True
    return None


def find_posts(site: Path, config: dict[str, Any]) -> list[Post]:
    """Every notebook the site reads that is rendered from a freeze, in path order."""
    from sphinx.util.matching import get_matching_files

    include = config.get("include_patterns", ["**"])
    exclude = [*config.get("exclude_patterns", []), *NEVER]
    md_config = _md_config(config)
    posts = []
    for relpath in sorted(get_matching_files(site, include, exclude)):
        if not relpath.endswith((".md", ".ipynb")):
            continue
        read = read_notebook(site / relpath, md_config)
        if read and freeze.needs_freeze(read[0], text_notebook=read[1]):
            docname = relpath.rsplit(".", 1)[0]
            posts.append(Post(relpath, docname, read[0], config))
    return posts


def is_fresh(site: Path, post: Post) -> bool:
    frozen = freeze.load(site, post.docname)
    return frozen is not None and frozen.get("digest") == freeze.digest(post.notebook)


def _timeout(post: Post, override: float | None) -> float | None:
    if override is not None:
        return override
    own = post.notebook.get("metadata", {}).get("mystnb") or {}
    seconds = own.get("execution_timeout", post.config.get("nb_execution_timeout", DEFAULT_TIMEOUT))
    return None if seconds is None or seconds < 0 else seconds


def _place(post: Post, index: int) -> str:
    """``path:line`` of cell *index* (a text notebook's line), or the path."""
    lines = post.notebook.get("metadata", {}).get("source_map") or []
    if post.path.endswith(".md") and index < len(lines) and isinstance(lines[index], int):
        return f"{post.path}:{lines[index] + 1}"
    return post.path


def _cell_name(post: Post, index: int) -> str:
    from blogext.markup.notebooks import _first_line

    return f"cell {index + 1} ({_first_line(post.notebook['cells'][index])!r})"


def imported_modules(notebook: Any) -> list[str]:
    """The top-level modules the code cells import, in order of appearance."""
    names: dict[str, None] = {}
    for _index, cell in freeze.code_cells(notebook):
        for single, several in _IMPORT.findall(freeze._text(cell.get("source"))):
            for part in [single] if single else several.split(","):
                name = part.strip().split(".")[0].split()[0] if part.strip() else ""
                if name.isidentifier():
                    names.setdefault(name)
    return list(names)


def execute(site: Path, post: Post, timeout: float | None = None) -> dict[str, Any]:
    """Run *post*'s notebook in its folder; its freeze (what :func:`write` stores) or FreezeError."""
    import nbformat
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.from_dict(json.loads(json.dumps(post.notebook)))
    for _index, cell in freeze.code_cells(notebook):
        cell["outputs"], cell["execution_count"] = [], None
    kernel = freeze.kernel_name(notebook)
    seconds = _timeout(post, timeout)
    client = NotebookClient(
        notebook,
        timeout=seconds,
        kernel_name=kernel,
        allow_errors=True,
        resources={"metadata": {"path": str((site / post.path).parent)}},
    )
    python = (notebook.metadata.get("kernelspec") or {}).get("language", "python") == "python"
    record: dict[str, Any] = {}
    index = 0
    try:
        with client.setup_kernel():
            reply = client.wait_for_reply(client.kc.kernel_info())  # as nbclient's execute() does
            if reply and "language_info" in reply["content"]:
                notebook.metadata["language_info"] = reply["content"]["language_info"]
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            if python:
                probe = nbformat.v4.new_code_cell(_RECORD % (imported_modules(notebook),))
                notebook.cells.append(probe)  # nbclient stores each cell it ran back into the notebook
                try:
                    client.execute_cell(probe, len(notebook.cells) - 1, store_history=False)
                finally:
                    notebook.cells.pop()
                text = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
                record = json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
    except NoSuchKernel:
        from jupyter_client.kernelspec import find_kernel_specs

        installed = ", ".join(sorted(find_kernel_specs())) or "none: install ipykernel"
        raise FreezeError(
            f"{post.path}: kernelspec name {kernel!r} is not a kernel installed here (expected one of: "
            f"{installed}; `jupyter kernelspec list` shows them)"
        ) from None
    except CellTimeoutError:
        raise FreezeError(
            f"{_place(post, index)}: {_cell_name(post, index)} was still running after {seconds:g} seconds, "
            "the execution timeout, so nothing was frozen for this post (expected every cell to finish in "
            "time: make the cell quicker, or allow this post more seconds with "
            "'mystnb: {execution_timeout: 300}' in its metadata, or every notebook with "
            "nb_execution_timeout in conf.py; -1 is no limit)"
        ) from None
    except DeadKernelError as error:
        raise FreezeError(
            f"{_place(post, index)}: the kernel died in {_cell_name(post, index)}: {error} (expected a "
            "kernel that runs every cell: run the notebook in Jupyter to see why)"
        ) from None
    record = {
        "executed": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "python": record.get("python", ""),
        "packages": dict(sorted(record.get("packages", {}).items())),
    }
    executed = {"notebook": notebook, "record": record}
    _refuse_errors(post, executed)
    return executed


def _refuse_errors(post: Post, executed: dict[str, Any]) -> None:
    from blogext.markup.notebooks import cell_problems

    problems = cell_problems(executed["notebook"])
    if problems:
        raise FreezeError(
            "\n".join(f"{_place(post, index)}: {problem}; nothing was frozen" for index, problem in problems),
            executed,
        )


def write(site: Path, post: Post, executed: dict[str, Any]) -> Path:
    """The freeze of *post*: ``_freeze/<docname>/outputs.json`` and its image files (the folder's old
    files replaced)."""
    notebook = executed["notebook"]
    files: dict[str, bytes] = {}
    cells = []
    for index, cell in freeze.code_cells(notebook):
        outputs = [
            freeze.stored_output(output, f"cell-{index + 1}-{number}", files)
            for number, output in enumerate(cell.get("outputs", []), 1)
        ]
        cells.append({"cell": index + 1, "execution_count": cell.get("execution_count"), "outputs": outputs})
    data = {
        "source": post.path,
        "digest": freeze.digest(post.notebook),
        "kernel": freeze.kernel_name(post.notebook),
        "language_info": dict(notebook.metadata.get("language_info") or {}),
        "record": executed["record"],
        "cells": cells,
    }
    target = freeze.folder(site, post.docname)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, content in files.items():
        (target / name).write_bytes(content)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (target / freeze.OUTPUTS).write_text(text, "utf-8")
    return target


def prune(site: Path, posts: list[Post]) -> list[Path]:
    """Delete the freezes of notebooks that are gone (or now store their outputs themselves)."""
    kept = {freeze.folder(site, post.docname) for post in posts}
    removed = []
    root = site / freeze.FOLDER
    for found in sorted(root.rglob(freeze.OUTPUTS)) if root.is_dir() else []:
        if found.parent not in kept:
            shutil.rmtree(found.parent)
            removed.append(found.parent)
    for empty in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True) if root.is_dir() else []:
        if not any(empty.iterdir()):
            empty.rmdir()
    return removed


def freeze_post(
    site: Path, post: Post, timeout: float | None = None, log: Any = print, failed: Path | None = None
) -> FreezeError | None:
    """Execute *post* and write its freeze; None, or the error (logged) when nothing was frozen.

    *failed* (the preview's): a folder whose ``_freeze/`` keeps the outputs of an execution where a
    cell raised, for the preview's page to show; the post's folder there is emptied otherwise."""
    log(f"{post.path}: executing on kernel {freeze.kernel_name(post.notebook)!r}...")
    if failed is not None:
        shutil.rmtree(freeze.folder(failed, post.docname), ignore_errors=True)
    try:
        executed = execute(site, post, timeout)
    except FreezeError as error:
        log(str(error))
        if failed is not None and error.executed is not None:
            write(failed, post, error.executed)
        return error
    target = write(site, post, executed)
    log(f"{post.path}: frozen into {target.relative_to(site).as_posix()}/")
    return None


def stale_posts(site: Path, config: dict[str, Any], paths: list[str]) -> list[Post]:
    """The notebook posts among *paths* (relative to *site*) that the site reads and whose freeze is
    missing or out of date: what the preview executes when they are saved."""
    from sphinx.util.matching import Matcher

    included = Matcher(config.get("include_patterns", ["**"]))
    excluded = Matcher([*config.get("exclude_patterns", []), *NEVER])
    md_config = _md_config(config)
    posts = []
    for relpath in sorted(set(paths)):
        if not relpath.endswith((".md", ".ipynb")) or not included(relpath) or excluded(relpath):
            continue
        try:
            read = read_notebook(site / relpath, md_config)
        except Exception:  # noqa: BLE001 - gone, or not readable yet: the build reports it
            continue
        if read and freeze.needs_freeze(read[0], text_notebook=read[1]):
            post = Post(relpath, relpath.rsplit(".", 1)[0], read[0], config)
            if not is_fresh(site, post):
                posts.append(post)
    return posts


def freeze_site(
    site: Path,
    *,
    force: bool = False,
    only: list[str] | None = None,
    timeout: float | None = None,
    log: Any = print,
) -> Result:
    """Execute and freeze the notebooks of *site* that need it (see the module)."""
    site = Path(site).resolve()
    config = read_config(site)
    posts = find_posts(site, config)
    result = Result()
    wanted = {Path(p).as_posix() for p in only or []}
    for post in posts:
        if wanted and post.path not in wanted:
            continue
        if not force and is_fresh(site, post):
            result.fresh.append(post.path)
            continue
        error = freeze_post(site, post, timeout, log)
        (result.failed if error else result.executed).append(post.path)
    if not wanted:
        for gone in prune(site, posts):
            log(f"{gone.relative_to(site).as_posix()}/: deleted (its notebook is gone or stores its outputs)")
    log(
        f"{len(result.executed)} notebook(s) executed, {len(result.fresh)} unchanged, "
        f"{len(result.failed)} failed" + (": commit _freeze/ with your posts" if result.executed else "")
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s freeze --", description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default=".", help="the site's folder (with conf.py)")
    parser.add_argument("paths", nargs="*", help="only these notebooks (paths relative to the site)")
    parser.add_argument("--force", action="store_true", help="execute even the notebooks that are unchanged")
    parser.add_argument("--timeout", type=float, help="seconds each cell may run, for every notebook")
    options = parser.parse_args(argv)
    result = freeze_site(Path(options.site), force=options.force, only=options.paths, timeout=options.timeout)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
