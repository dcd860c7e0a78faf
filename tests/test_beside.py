"""Work beside the build (blogext.core.beside): a forked child's result, its failures, and no child left."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from types import SimpleNamespace

import pytest

from blogext.core import beside


def _pid_and(value):
    return os.getpid(), value


def _fails():
    raise ValueError("the card's font is unreadable")


def _sleeps():
    time.sleep(60)


def _dies():
    os._exit(3)


def _leftovers() -> list[str]:
    return glob.glob(os.path.join(tempfile.gettempdir(), "blogext-beside-*"))


def test_a_job_runs_in_another_process_and_returns_its_value():
    before = _leftovers()
    job = beside.start(SimpleNamespace(), "a job", _pid_and, {"cards": [1, 2]})
    pid, value = job.result()
    assert pid != os.getpid()
    assert value == {"cards": [1, 2]}
    assert job.result() == (pid, value)  # collected once, kept
    assert _leftovers() == before


def test_a_job_that_raises_fails_with_its_traceback():
    job = beside.start(SimpleNamespace(), "share cards", _fails)
    with pytest.raises(beside.JobFailed, match=r"(?s)share cards failed.*ValueError: the card's font"):
        job.result()


def test_a_job_whose_process_dies_fails_saying_so():
    job = beside.start(SimpleNamespace(), "share cards", _dies)
    with pytest.raises(beside.JobFailed, match="share cards: the process beside the build died"):
        job.result()


def test_the_build_end_stops_jobs_nobody_collected():
    app = SimpleNamespace()
    before = _leftovers()
    job = beside.start(app, "a slow job", _sleeps)
    started = time.monotonic()
    beside._on_finished(app, RuntimeError("the build failed"))
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(job._pid, os.WNOHANG)  # reaped: no process left behind
    assert _leftovers() == before


def test_a_job_in_a_forked_worker_of_the_build_runs_at_once():
    app = SimpleNamespace()
    beside.start(app, "first", _pid_and, 0).result()  # the build's own process is recorded
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # as Sphinx's -j workers are: forks of the build
        job = beside.start(app, "in a worker", _pid_and, 1)
        os.write(write, b"inline" if job._pid is None and job.result()[0] == os.getpid() else b"forked")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 10) == b"inline"
