"""The live preview (``nox -s serve``): one process keeps Sphinx loaded, rebuilds on save, reloads the page.

``python -m blogcli.preview [SOURCE] [OUTPUT]`` builds the preview (drafts and scheduled posts
shown, ``BLOG_PREVIEW=1``) into ``_build/preview`` and serves it on http://127.0.0.1:8000:

- **One process, Sphinx kept warm.** A *keeper* process imports Sphinx and every extension once,
  makes the first build itself, and keeps the environment the last build pickled, unpickled, in
  memory. For each save it forks: the copy builds (an incremental build, as ``sphinx-build``
  would make it from the same environment) and exits. The copy pickles the environment in a fork
  of its own, while it writes the pages; once they are written, the keeper loads that environment,
  while the copy makes the feeds, sitemap and search index, so the next save can build as soon as
  the copy ends. So a save pays for neither Python's start-up, nor the imports, nor the unpickling,
  nor the pickling. Where there is no ``fork`` (Windows), each build runs in the serving process
  instead.
- **The page reloads when it changed.** Every served HTML page gets a small script (served by the
  preview, never written to the output) that waits for the next build; the build reports the pages
  it wrote as soon as they are written (before feeds, sitemap and the search index, which follow),
  and a page reloads only if it is one of them. A save is built 10 ms after the last change the
  watcher sees (:data:`WATCH_STEP_MS`).
- **Errors are shown in the page.** The build's warnings and errors (bad front matter, a cell that
  raises, a build that stops) are listed in a panel at the top of every served page, with their file
  and line, until the file is fixed; they are printed in the terminal too. The preview keeps
  running, and the next save builds again.
- **Served to the author only** (:mod:`blogcli.preview_server`): on 127.0.0.1 unless ``--host``
  says otherwise; only to requests that name the preview by a loopback name (or ``--host``,
  ``--allow-host``), every query parameter checked, long-polls bounded, quiet when a reader leaves.
- **Notebooks execute on save.** A notebook post whose code changed since it was frozen (or that
  never was) is executed before the build, by ``nox -s freeze``'s code (:mod:`blogcli.freezenotebooks`,
  in a fork of the keeper), and frozen into ``_freeze/``, ready to commit. A cell that raises
  freezes nothing: the page shows the outputs up to the error (kept in the preview's own folder,
  :data:`blogext.markup.freeze.PREVIEW_OUTPUTS`) and the panel names the cell.
- **A change of ``conf.py`` or of the ``blogext`` package** restarts the preview and builds from a
  fresh environment: the extensions' code and settings are loaded anew.

The save-to-reload time is measured by ``nox -s bench`` (the "preview" row).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import queue
import re
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from blogcli.preview_build import BuildRequest, Problem, build_once, freeze_notebooks, stale_notebooks
from blogcli.preview_server import State, allowed_hosts, serve

#: Folders of the source tree whose changes never need a build (looked for inside it only: a site
#: may itself sit in a folder of one of these names, as the tests' copies under ``.nox/`` do).
IGNORED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", ".nox", ".tox", ".venv", "venv", "node_modules", "__pycache__",
     ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".idea", ".vscode"}
)  # fmt: skip
#: A save is built once no other change came for this long (milliseconds): an editor's save (its
#: writes, or a file written aside and renamed) takes a few; a change that comes later builds again.
WATCH_STEP_MS = 10
#: The longest changes are gathered for one build (milliseconds), however often they come.
WATCH_DEBOUNCE_MS = 400
#: Editors' scratch files.
_SCRATCH = re.compile(r"(~|\.sw[a-z]|\.py[cod]|\.tmp)$|^\.#|^\.DS_Store$")


#: The process executing notebooks now (0: none), for the keeper to end it when it ends.
_freezing = [0]


def _freeze_forked(srcdir: Path, posts: list[Any]) -> list[Problem]:
    """:func:`freeze_notebooks` in a forked copy of the keeper (the kernel's client, its threads and
    sockets, end with it); its problems come back through a pipe."""
    if not posts:
        return []
    reading, writing = os.pipe()
    pid = _freezing[0] = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.close(reading)
        code = 1
        try:
            found = [problem.__dict__ for problem in freeze_notebooks(srcdir, posts)]
            with os.fdopen(writing, "w") as out:
                json.dump(found, out)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(writing)
    with os.fdopen(reading) as incoming:
        text = incoming.read()
    _, code = os.waitpid(pid, 0)
    _freezing[0] = 0
    if code or not text:
        names = ", ".join(post.path for post in posts)
        return [Problem(f"ERROR: the preview could not execute {names} (see the terminal)", None, "read")]
    return [Problem(**found) for found in json.loads(text)]


# -- the keeper: Sphinx loaded once, a fork per build ------------------------------------------------------


def _load_env(doctreedir: Path) -> Any:
    """The environment the last build pickled, or None (then Sphinx reads it, or starts afresh)."""
    try:
        with open(doctreedir / "environment.pickle", "rb") as file:
            return pickle.load(file)
    except Exception:
        return None


def _pickle_stamp(doctreedir: Path) -> tuple[int, int, int] | None:
    """What tells one ``environment.pickle`` from another (None: there is none)."""
    try:
        found = os.stat(doctreedir / "environment.pickle")
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _ready_to_fork(env: Any) -> Any:
    """*env*, with every object the keeper holds set aside from the garbage collector.

    A copy's collector would otherwise walk the whole environment again and again while it builds
    (and, by touching each object, copy every page of memory the fork shared): at 1,000 posts that
    is most of a save's build. What is set aside is let back in before the keeper drops it.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return env


def _keeper(commands: int, events: int, template: BuildRequest) -> None:
    """The keeper's loop: read a command (a JSON line), build in a forked copy, load what it left.

    Ctrl+C is the serving process's to handle; it ends the keeper (and a build under way) with SIGTERM.
    """
    building = 0

    def end(signum: int, frame: Any) -> None:
        for pid in (building, _freezing[0]):
            if pid:
                os.kill(pid, signal.SIGTERM)
        os._exit(0)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, end)
    out = os.fdopen(events, "w", buffering=1)
    lock = threading.Lock()

    def send(data: dict[str, Any]) -> None:
        with lock:
            out.write(json.dumps(data) + "\n")
            out.flush()

    env = None

    def build_forked(request: BuildRequest, problems: list[Problem]) -> bool:
        """Build in a forked copy, and load the environment it pickled as soon as it is pickled and
        the pages are served, while the copy makes feeds, sitemap and search; whether it was kept."""
        nonlocal building, env
        notice, noticed = os.pipe()
        pid = building = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.close(notice)
            code = 1
            try:
                build_once(
                    request, send, env, problems, pickle_aside=True, notify=lambda: os.write(noticed, b".")
                )
                code = 0
            finally:
                os._exit(code)
        os.close(noticed)
        stamp = None
        with os.fdopen(notice, "rb") as notices:
            # Two notices: the pages served, and the environment pickled (by a copy of the build's
            # process). Else the build ended before, or read nothing (and pickled nothing).
            if len(notices.read(2)) == 2:
                env = _ready_to_fork(None)  # the last environment freed before the next is loaded
                stamp = _pickle_stamp(request.doctrees)
                env = _ready_to_fork(_load_env(request.doctrees))
        _, code = os.waitpid(pid, 0)
        building = 0
        if code:
            send({"event": "done", "build": request.number, "status": 1, "seconds": 0, "pages": [],
                  "problems": [{"text": "ERROR: the build's process ended abruptly", "doc": None,
                                "phase": "finish"}]})  # fmt: skip
        # Kept unless the build failed after (Sphinx then deletes the pickle) or never pickled it.
        return env is not None and stamp is not None and _pickle_stamp(request.doctrees) == stamp

    first = True
    with os.fdopen(commands) as incoming:
        for line in incoming:
            command = json.loads(line)
            if command.get("quit"):
                break
            number, fresh = command["build"], command["fresh"]
            request = BuildRequest(**{**template.__dict__, "number": number, "fresh": fresh})
            problems = _freeze_forked(request.srcdir, stale_notebooks(request.srcdir, command.get("paths")))
            if first:  # in this process: the imports a build makes, made once, for every copy to share
                first = False
                build_once(request, send, problems=problems)
            elif build_forked(request, problems):
                send({"event": "ready", "build": request.number})
                continue
            env = _ready_to_fork(None)  # the last environment freed before the next is loaded
            env = _ready_to_fork(_load_env(request.doctrees))
            send({"event": "ready", "build": request.number})
    out.close()


# -- the coordinator: watch, build, restart --------------------------------------------------------------


class Preview:
    def __init__(self, options: argparse.Namespace, argv: list[str]) -> None:
        self.options = options
        self.argv = argv
        self.srcdir = Path(options.source).resolve()
        self.outdir = Path(options.output).resolve()
        self.doctrees = Path(options.doctrees).resolve()
        self.state = State()
        self.number = 0
        self.idle = threading.Event()
        self.idle.set()
        self.template = BuildRequest(0, self.srcdir, self.outdir, self.doctrees, options.builder)
        # Outputs of notebooks whose cells raised: shown by the preview's builds (blogext.markup.freeze).
        os.environ["BLOG_PREVIEW_OUTPUTS"] = str(self.doctrees / "failed-notebooks")  # freeze.PREVIEW_OUTPUTS
        self.keeper: int | None = None
        self.commands: Any = None

    # Builds are run one at a time: a save during a build queues one more build.

    def start(self) -> None:
        self.outdir.mkdir(parents=True, exist_ok=True)
        if hasattr(os, "fork") and not self.options.no_fork:
            self._start_keeper()  # before any thread starts: a fork copies only the thread that forks
        changes: queue.Queue[set[Path]] = queue.Queue()
        # Watching from now: saves made during the first build are built next.
        threading.Thread(target=self._watch, args=(changes,), daemon=True).start()
        hosts = allowed_hosts(self.options.host, self.options.allow_host)
        server = serve(self.state, self.outdir, self.options.host, self.options.port, hosts)
        host, self.port = server.server_address[:2]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{self.port}/"
        self._build(fresh=self.options.fresh)
        print(f"preview: serving {self.url} (Ctrl+C stops)", flush=True)
        while True:
            paths = changes.get()
            while not changes.empty():  # saves made during the last build: one build for them all
                paths |= changes.get()
            if any(self._needs_restart(path) for path in paths):
                print("preview: conf.py or an extension changed: restarting, with a full rebuild", flush=True)
                self.restart()
            self._build(saved=paths)

    def _start_keeper(self) -> None:
        commands_read, commands_write = os.pipe()
        events_read, events_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(commands_write)
            os.close(events_read)
            code = 0
            try:
                _keeper(commands_read, events_write, self.template)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(commands_read)
        os.close(events_write)
        self.keeper = pid
        self.commands = os.fdopen(commands_write, "w", buffering=1)
        self.events = os.fdopen(events_read)
        threading.Thread(target=self._read_events, daemon=True).start()

    def _read_events(self) -> None:
        for line in self.events:
            self._on_event(json.loads(line))
        ended = "ERROR: the preview's builder stopped; restart nox -s serve"
        problem = {"text": ended, "doc": None, "phase": "finish"}
        self.state.apply({"event": "done", "build": self.number, "status": 1, "problems": [problem]})
        self._ready()

    def _on_event(self, event: dict[str, Any]) -> None:
        self.state.apply(event)
        if event["event"] == "done":
            problems = len(self.state.problems())
            print(
                f"preview: build {event['build']} done in {event.get('seconds', 0):.2f} s"
                + (f", {problems} problem(s) shown in the page" if problems else ""),
                flush=True,
            )
            if self.keeper is None:
                self._ready()
        elif event["event"] == "written":
            pages, seconds = len(event["pages"]), event["seconds"]
            print(f"preview: build {event['build']} wrote {pages} page(s) in {seconds:.2f} s", flush=True)
        elif event["event"] == "ready":
            self._ready()

    def _ready(self) -> None:
        """The next build may start (the keeper holds the environment the last one left)."""
        with self.state.condition:
            self.state.building = False
        self.idle.set()

    def _build(self, fresh: bool = False, saved: set[Path] | None = None) -> None:
        """Start a build and wait until the next one may start. The notebooks among the files
        *saved* (None, at the start: every notebook) whose freeze is out of date are executed first."""
        self.idle.wait()
        self.idle.clear()
        self.number += 1
        with self.state.condition:
            self.state.building = True
        paths = None if saved is None else sorted(self._relative(path) for path in saved)
        if self.keeper is not None:
            command = {"build": self.number, "fresh": fresh, "paths": paths}
            try:
                self.commands.write(json.dumps(command) + "\n")
                self.commands.flush()
            except OSError:  # the keeper is gone (it crashed): start again, afresh
                print("preview: the builder stopped; restarting", flush=True)
                self.restart()
        else:
            request = BuildRequest(**{**self.template.__dict__, "number": self.number, "fresh": fresh})
            problems = freeze_notebooks(self.srcdir, stale_notebooks(self.srcdir, paths))
            build_once(request, self._on_event, problems=problems)
        self.idle.wait()

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.srcdir).as_posix()
        except ValueError:
            return path.as_posix()

    def _watch(self, changes: queue.Queue[set[Path]]) -> None:
        import watchfiles

        for found in watchfiles.watch(
            self.srcdir, watch_filter=self._wanted, step=WATCH_STEP_MS, debounce=WATCH_DEBOUNCE_MS
        ):
            changes.put({Path(path) for _, path in found})

    def _wanted(self, change: Any, path: str) -> bool:
        """Whether a change of *path* may need a build: a file of the source tree, outside the
        output, the doctrees, ``_build`` and :data:`IGNORED_FOLDERS`, not an editor's scratch file."""
        found = Path(path)
        for folder in (self.outdir, self.doctrees, self.srcdir / "_build"):
            if found == folder or folder in found.parents:
                return False
        try:
            parts = found.relative_to(self.srcdir).parts
        except ValueError:
            return False
        return bool(parts) and not IGNORED_FOLDERS.intersection(parts) and not _SCRATCH.search(parts[-1])

    def _needs_restart(self, path: Path) -> bool:
        try:
            relative = path.resolve().relative_to(self.srcdir)
        except ValueError:
            return False
        return relative.as_posix() == "conf.py" or (relative.parts[0] == "blogext" and path.suffix == ".py")

    def restart(self) -> None:
        self.stop()
        # The same port (the one bound, when the preview was asked for any free one), afresh.
        argv = [*self.argv, "--fresh", "--port", str(self.port)]
        os.execv(sys.executable, [sys.executable, "-m", "blogcli.preview", *argv])

    def stop(self) -> None:
        if self.keeper is not None:
            try:
                os.kill(self.keeper, signal.SIGTERM)
                os.waitpid(self.keeper, 0)
            except (OSError, ChildProcessError):
                pass
            self.keeper = None


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m blogcli.preview", description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?", default=".", help="the site's source folder (default: .)")
    parser.add_argument("output", nargs="?", default=None, help="default: SOURCE/_build/preview")
    parser.add_argument("--doctrees", default=None, help="default: SOURCE/_build/preview-doctrees")
    parser.add_argument("--host", default="127.0.0.1", help="the address listened on (default: 127.0.0.1)")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name to answer besides localhost, 127.0.0.1, [::1] and --host (repeatable)",
    )
    parser.add_argument("--port", type=int, default=8000, help="0: a free port (default: 8000)")
    parser.add_argument("--builder", default="dirhtml")
    parser.add_argument("--fresh", action="store_true", help="start from a fresh environment (full rebuild)")
    parser.add_argument(
        "--no-fork", action="store_true", help="build in the serving process (as without fork)"
    )
    options = parser.parse_args(argv)
    source = Path(options.source)
    options.output = options.output or str(source / "_build" / "preview")
    options.doctrees = options.doctrees or str(source / "_build" / "preview-doctrees")
    return options


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("BLOG_PREVIEW", "1")
    preview = Preview(parse(argv), argv)
    try:
        preview.start()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()


if __name__ == "__main__":
    main()
