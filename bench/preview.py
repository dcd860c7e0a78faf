"""The preview row of the benchmark: from saving a post's body edit to the page served with it.

:func:`time_preview` starts the live preview (``python -m blogcli.preview``, what ``nox -s serve``
runs) on a synthetic blog, waits for its first build, then saves edits of one post's body, one at a
time, each once the build before it has ended, and times each from the save to the moment the
preview serves that post's page with the edit in it (polled over HTTP every 10 ms: the page a
browser reloads is the page served). Plain Sphinx has no preview of its own: its row is the
rebuild after a body edit (a fresh ``sphinx-build`` per save, which is what sphinx-autobuild runs).
The same edits are timed again with another core kept busy by the benchmark (:class:`BusyCore`), as
another job on the author's machine would: on 2 cores, the preview then has one.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

#: Longest wait for the preview's first build (a clean build of the blog) and for one edit.
FIRST_BUILD_SECONDS = 1800.0
EDIT_SECONDS = 120.0


class RunningPreview:
    """``python -m blogcli.preview`` started on *site* (output and doctrees in *work*), as ``nox -s
    serve`` starts it, on a free port; its output is collected as it comes (:attr:`log`)."""

    def __init__(
        self,
        site: Path,
        work: Path,
        env: dict[str, str],
        timeout: float = FIRST_BUILD_SECONDS,
        *options: str,
        out: Path | None = None,
        doctrees: Path | None = None,
    ) -> None:
        self.site = site
        self.out = out or work / "preview"
        doctrees = doctrees or work / "preview-doctrees"
        self.log: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "blogcli.preview", str(site), str(self.out),
             "--doctrees", str(doctrees), "--port", "0", *options],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={"BLOG_PREVIEW": "1", **env, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()
        started = time.perf_counter()
        self.url = until(self._served_url, timeout, "start", poll=0.05)
        if self.proc.poll() is not None:
            raise RuntimeError("the preview stopped:\n" + "\n".join(self.log[-40:]))
        #: Seconds from the start to serving: the first build.
        self.first_build = time.perf_counter() - started

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line.rstrip("\n"))

    def _served_url(self) -> str | bool:
        found = re.findall(r"serving (\S+)", "\n".join(self.log))
        return found[0] if found else self.proc.poll() is not None

    def get(self, path: str) -> tuple[int, str]:
        """The status and text of what the preview serves at *path*; status 0 while it is not listening."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError):  # restarting: not listening for a moment
            return 0, ""
        except http.client.IncompleteRead:  # the server went away mid-answer (its builder restarting)
            return 0, ""

    def state(self) -> dict:
        """The preview's state: ``building``, ``problems``, ``last`` (the last build), ``seq``."""
        status, text = self.get("_preview/state")
        return json.loads(text) if status == 200 else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def until(check, timeout: float, what: str = "", poll: float = 0.01):
    """The first true answer of *check*, asked every *poll* seconds; an error after *timeout*."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(poll)
    raise AssertionError(f"still not true after {timeout:.0f} s: {what or check}")


class BusyCore:
    """One process that keeps one core busy (a loop of arithmetic), as another job on the author's
    machine would, for the time of a ``with`` block; on 2 cores, the preview then has one."""

    def __enter__(self) -> BusyCore:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "x = 0\nwhile True:\n    x = (x + 1) % 1000003"], start_new_session=True
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def time_preview(
    site: Path, work: Path, posts: list[str], env: dict[str, str], busy: bool = False, **folders: Path
) -> tuple[float, list[float]]:
    """The preview's first build (seconds) and each edit's save-to-served time (seconds).

    *posts*: the source paths (relative to *site*) of the posts to edit, one edit each; *busy*: the
    edits are timed with another core busy (:class:`BusyCore`); *folders*: ``out`` and ``doctrees``,
    to start from a build already made there.
    """
    preview = RunningPreview(site, work, env, FIRST_BUILD_SECONDS, **folders)
    try:
        with BusyCore() if busy else contextlib.nullcontext():
            return preview.first_build, _edits(preview, site, posts)
    finally:
        preview.stop()


def _edits(preview: RunningPreview, site: Path, posts: list[str]) -> list[float]:
    times = []
    for path in posts:
        until(lambda: preview.state().get("building") is False, EDIT_SECONDS, "finish its build")
        source = site / path
        page = re.sub(r"\.(md|ipynb)$", "/", path)
        marker = f"preview-edit-{time.time_ns()}"
        text = source.read_text("utf-8")
        saved = time.perf_counter()
        source.write_text(text.rstrip("\n") + f"\n\nAn edit saved in the preview, {marker}.\n", "utf-8")
        until(lambda m=marker, p=page: m in preview.get(p)[1], EDIT_SECONDS, "serve the edit")
        times.append(time.perf_counter() - saved)
    problems = preview.state().get("problems")
    if problems:
        raise RuntimeError("the preview's builds had problems:\n" + "\n".join(problems))
    return times
