"""The preview row of the benchmark: from saving a post's body edit to the page served with it.

:func:`time_preview` starts the live preview (``python -m blogext.preview``, what ``nox -s serve``
runs) on a synthetic blog, waits for its first build, then saves edits of one post's body, one at a
time, each once the build before it has ended, and times each from the save to the moment the
preview serves that post's page with the edit in it (polled over HTTP every 10 ms: the page a
browser reloads is the page served). Plain Sphinx has no preview of its own: its row is the
rebuild after a body edit (a fresh ``sphinx-build`` per save, which is what sphinx-autobuild runs).
"""

from __future__ import annotations

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


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def _until(check, timeout: float, what: str, poll: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(poll)
    raise RuntimeError(f"the preview did not {what} within {timeout:.0f} s")


def time_preview(site: Path, work: Path, posts: list[str], env: dict[str, str]) -> tuple[float, list[float]]:
    """The preview's first build (seconds) and each edit's save-to-served time (seconds).

    *posts*: the source paths (relative to *site*) of the posts to edit, one edit each.
    """
    log: list[str] = []
    proc = subprocess.Popen(
        [sys.executable, "-m", "blogext.preview", str(site), str(work / "preview"),
         "--doctrees", str(work / "preview-doctrees"), "--port", "0"],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "BLOG_PREVIEW": "1", "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )  # fmt: skip

    def read() -> None:
        log.extend(line.rstrip("\n") for line in proc.stdout)

    threading.Thread(target=read, daemon=True).start()
    started = time.perf_counter()
    try:
        url = _until(
            lambda: next(iter(re.findall(r"serving (\S+)", "\n".join(log))), None) or proc.poll() is not None,
            FIRST_BUILD_SECONDS,
            "start",
            poll=0.1,
        )
        if proc.poll() is not None:
            raise RuntimeError("the preview stopped:\n" + "\n".join(log[-40:]))
        first = time.perf_counter() - started

        def state() -> dict:
            status, text = _get(url + "_preview/state")
            return json.loads(text) if status == 200 else {}

        times = []
        for path in posts:
            _until(lambda: state().get("building") is False, EDIT_SECONDS, "finish its build")
            source = site / path
            page = url + re.sub(r"\.(md|ipynb)$", "/", path)
            marker = f"preview-edit-{time.time_ns()}"
            text = source.read_text("utf-8")
            saved = time.perf_counter()
            source.write_text(text.rstrip("\n") + f"\n\nAn edit saved in the preview, {marker}.\n", "utf-8")
            _until(lambda m=marker, p=page: m in _get(p)[1], EDIT_SECONDS, "serve the edit")
            times.append(time.perf_counter() - saved)
        problems = state().get("problems")
        if problems:
            raise RuntimeError("the preview's builds had problems:\n" + "\n".join(problems))
        return first, times
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
