"""One build of the live preview (:mod:`blogcli.preview`), and what it reports (not an extension).

:func:`build_once` makes an incremental build as ``sphinx-build`` would from the same environment,
with drafts and scheduled posts shown, and reports the pages it wrote as soon as they are written
and every warning and error as a :class:`Problem` (file, line, message) for the page's panel.
Notebook posts whose code changed since they were frozen are executed and frozen first
(:func:`stale_notebooks`, :func:`freeze_notebooks`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blogext

#: Sphinx's level of ``-v`` messages (``sphinx.util.logging.VERBOSE``), just below INFO.
VERBOSE = 15
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: A Sphinx warning line: ``<location>: WARNING: <message>``, the location ``path``, ``path:line``
#: or ``path:docstring of x:line``; no location at all for a message about the whole build.
_WARNING = re.compile(r"^(?:(?P<location>.+?): )?(?P<kind>WARNING|ERROR|CRITICAL): (?P<message>.*)$")


# -- what a build reports ------------------------------------------------------------------------------


@dataclass
class Problem:
    """A warning or error of a build, as the panel lists it."""

    text: str  # "posts/2023/x.md:3: WARNING: ..." relative to the source folder
    doc: str | None  # the document it is about, if any
    phase: str  # "init", "read", "write" or "finish": when in the build it was reported


class _Reporter(io.StringIO):
    """The warning stream of one build: prints each warning to the terminal, and keeps it as a
    :class:`Problem` with the document and the build phase it came from."""

    def __init__(self, srcdir: Path, terminal: io.TextIOBase | None) -> None:
        super().__init__()
        self.srcdir = srcdir
        self.terminal = terminal
        self.phase = "init"
        self.app: Any = None
        self.problems: list[Problem] = []
        self._partial = ""

    def write(self, text: str) -> int:
        if self.terminal is not None:
            self.terminal.write(text)
            self.terminal.flush()
        self._partial += _ANSI.sub("", text)
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self._add(line)
        return len(text)

    def _add(self, line: str) -> None:
        match = _WARNING.match(line.strip())
        if not match:
            if line.strip() and self.problems:  # a continuation line (a traceback, a long message)
                self.problems[-1].text += "\n" + line.rstrip()
            return
        location = match["location"] or ""
        doc = None
        path = location.split(":", 1)[0]
        if path:
            try:
                relative = Path(path).resolve().relative_to(self.srcdir)
            except ValueError:
                relative = None
            if relative is not None:
                location = relative.as_posix() + location[len(path) :]
                if self.app is not None and getattr(self.app, "env", None) is not None:
                    doc = self.app.env.path2doc(str(self.srcdir / relative))
        prefix = f"{location}: " if location else ""
        self.problems.append(Problem(f"{prefix}{match['kind']}: {match['message']}", doc, self.phase))

    def take(self) -> list[dict[str, Any]]:
        """The problems reported since the last call, as plain data."""
        taken, self.problems = self.problems, []
        return [problem.__dict__ for problem in taken]


@dataclass
class BuildRequest:
    number: int
    srcdir: Path
    outdir: Path
    doctrees: Path
    builder: str
    fresh: bool = False
    nitpicky: bool = True


def build_once(
    request: BuildRequest,
    send: Callable[[dict[str, Any]], None],
    env: Any = None,
    problems: list[Problem] | None = None,
    pickle_aside: bool = False,
    notify: Callable[[], object] | None = None,
) -> int:
    """Build the preview once, in this process, reporting to *send* as the build goes:

    - ``written``: right after the documents' pages are written, the pages written, the documents
      read or removed, and the problems so far;
    - ``pages``: after the pages made by extensions (archives), before feeds, sitemap and search;
    - ``done``: at the end, with the remaining problems and Sphinx's status code.

    *env*: an environment already unpickled from the doctree folder, to start from; *problems*:
    found before the build (a notebook the preview could not execute), reported with its own;
    *pickle_aside*: the environment is pickled by a forked copy of this process, beside the pages
    being written (:class:`~blogext.core.sphinxinternals.EnvironmentPickledAside`; only in a process
    whose one thread builds: the keeper's forked builds); *notify*: called once the pages are
    reported, and, in that copy, once the environment is pickled (the keeper loads it when both are).
    """
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from blogext.core import sphinxinternals

    started = time.perf_counter()
    reporter = _Reporter(request.srcdir.resolve(), sys.stderr)
    reporter.problems += problems or []
    purged: set[str] = set()
    written: list[str] = []

    def event(name: str, **data: Any) -> None:
        send({"event": name, "build": request.number, "problems": reporter.take(), **data})

    def on_purge(app: Any, env: Any, docname: str) -> None:
        purged.add(docname)

    def on_read(app: Any, env: Any, docnames: list[str]) -> None:
        reporter.phase = "read"

    def on_resolve(app: Any, env: Any) -> None:
        reporter.phase = "write"

    def on_page(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
        written.append(pagename)

    def uris(app: Any) -> list[str]:
        return [app.builder.get_target_uri(pagename) for pagename in written]

    def on_collect(app: Any) -> list:
        wrote = [pagename for pagename in written if pagename in app.env.all_docs]
        seconds = round(time.perf_counter() - started, 3)
        event("written", pages=uris(app), purged=sorted(purged), wrote=wrote, seconds=seconds)
        written.clear()
        reporter.phase = "finish"
        if notify is not None:
            notify()
        return []

    def on_finished(app: Any, exception: Exception | None) -> None:
        event("pages", pages=uris(app))
        written.clear()

    status = 1
    aside = sphinxinternals.EnvironmentPickledAside(notify) if pickle_aside else contextlib.nullcontext()
    try:
        with aside, _quiet_below_info(), patch_docutils(request.srcdir), docutils_namespace():
            application = sphinxinternals.sphinx_starting_from(None if request.fresh else env)
            app = application(
                request.srcdir,
                request.srcdir,
                request.outdir,
                request.doctrees,
                request.builder,
                confoverrides={"nitpicky": True} if request.nitpicky else {},
                status=None,
                warning=reporter,
                freshenv=request.fresh,
            )
            reporter.app = app
            app.connect("env-purge-doc", on_purge)
            app.connect("env-before-read-docs", on_read)
            app.connect("env-updated", on_resolve)
            app.connect("html-page-context", on_page)
            app.connect("html-collect-pages", on_collect, priority=blogext.PREVIEW_REPORT)
            app.connect("build-finished", on_finished, priority=blogext.PREVIEW_REPORT)
            app.build()
            status = app.statuscode
    except SystemExit as stop:  # blogext.core.errors.BuildStopped: the author's mistake, one problem a line
        message = str(stop).strip() or "the build stopped"
        print(message, file=sys.stderr, flush=True)
        lines = [line for line in message.splitlines() if line.strip()]
        if len(lines) > 1 and lines[0].endswith(":"):  # "Post check failed! 2 problems; ...:", then each
            lines = lines[1:]
        reporter.problems += [Problem(line, None, reporter.phase) for line in lines]
    except Exception as error:  # a bug, or Sphinx stopping on the author's input: shown either way
        traceback.print_exc()
        stopped = f"ERROR: the build stopped: {_stopped(error)}"
        reporter.problems.append(Problem(stopped, None, reporter.phase))
    if pickle_aside:  # waited for on leaving the build: what went wrong, if anything
        for failed in aside.wait():
            status = 1
            reporter.problems.append(Problem(f"ERROR: {failed}", None, "finish"))
    event("done", status=status, seconds=round(time.perf_counter() - started, 3))
    return status


@contextlib.contextmanager
def _quiet_below_info() -> Iterator[None]:
    """Messages below INFO (Sphinx's debug and ``-v`` ones), which a build at verbosity 0 never shows,
    not even made: Sphinx logs some 1,400 as it sets up the extensions, on every build."""
    logging.disable(VERBOSE)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _stopped(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if type(error).__module__.startswith(("sphinx", "blogext")):
        return text
    return f"{type(error).__name__}: {text}"


# -- notebooks: executed on save, frozen into _freeze/ ---------------------------------------------------


def stale_notebooks(srcdir: Path, paths: list[str] | None) -> list[Any]:
    """The notebook posts among *paths* (relative to *srcdir*; None: all the site reads) whose freeze
    is missing or out of date (:mod:`blogcli.freezenotebooks`)."""
    from blogcli import freezenotebooks

    try:
        config = freezenotebooks.read_config(srcdir)
    except Exception:  # noqa: BLE001 - a broken conf.py: the build reports it
        return []
    if paths is None:
        posts = freezenotebooks.find_posts(srcdir, config)
        return [post for post in posts if not freezenotebooks.is_fresh(srcdir, post)]
    return freezenotebooks.stale_posts(srcdir, config, paths)


def freeze_notebooks(srcdir: Path, posts: list[Any]) -> list[Problem]:
    """Execute *posts* and freeze them into ``_freeze/``, as ``nox -s freeze`` does (same code).

    A post whose cells raised is not frozen; its outputs go to the preview's own folder
    (:data:`blogext.markup.freeze.PREVIEW_OUTPUTS`), and its page shows them, the build naming the cell.
    A post that ran to no outputs (a timeout, no such kernel) is a problem of its own, listed."""
    from blogcli import freezenotebooks
    from blogext.markup import freeze

    failed = os.environ.get(freeze.PREVIEW_OUTPUTS)
    problems = []
    for post in posts:
        error = freezenotebooks.freeze_post(
            srcdir,
            post,
            log=lambda line: print(f"preview: {line}", flush=True),
            failed=failed and Path(failed),
        )
        if error is None or (failed and error.executed is not None):
            continue  # frozen, or its page shows what raised (the build reports it)
        for line in str(error).splitlines():
            location, _, message = line.partition(": ")
            note = f"executed by the preview; {freeze.FOLDER}/{post.docname}/ left as it was"
            problems.append(Problem(f"{location}: ERROR: {message} ({note})", post.docname, "read"))
    return problems
