"""Work beside the build: a job started in a forked process as soon as its inputs are known, whose
result the build collects when it needs it (an extension each feature that starts jobs sets up).

A serial build keeps one core busy; a job started here runs on another while the build goes on (share
cards drawn while the pages are written, the off-site check of the documents' pages while the archives
and feeds are made). It is the same work as in the build's own process, so the output is the same::

    job = beside.start(app, "share cards", draw_into, cards)   # at env-updated
    ...
    job.result()                                                # at build-finished

The job's function runs in a child made by ``os.fork()``, which sees the build's memory as it was when
the job started, and sends back its return value (pickled, through a temporary file outside the
output and doctree folders, deleted once read). An exception in the child is raised again by
:meth:`Job.result`, with the child's traceback. The child runs at a lower priority (``nice`` +5), so
on a busy machine the build's own processes go first.

Jobs are forked when no thread of the build is running (Pagefind's threads start later, at
``html-collect-pages``, after the jobs of that event: :data:`blogext.SEARCH_EARLY`). Where Sphinx would
not fork either (``sphinx.util.parallel.parallel_available`` is false: no ``fork``), or in a process
that is already one of Sphinx's ``-j`` workers, a job runs at once, in the build's own process.

Every job this module started and that the build did not collect is stopped when the build ends
(``build-finished``, last of all), so an interrupted or failed build leaves no process behind.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.parallel import parallel_available

from blogext.core import buildstate

#: How much lower the children's priority is than the build's.
NICENESS = 5


class JobFailed(RuntimeError):
    """The job's function raised in the child (its traceback is the message), or the child died."""


class Job:
    """One job: its result, once :meth:`result` has waited for the child."""

    def __init__(self, name: str, pid: int | None, path: str | None, value: Any = None) -> None:
        self.name = name
        self._pid = pid
        self._path = path
        self._value = value
        self._done = pid is None

    def result(self) -> Any:
        """The function's return value; waits for the child if it is still running."""
        if not self._done:
            self._done = True
            _, status = os.waitpid(self._pid, 0)
            try:
                with open(self._path, "rb") as file:
                    ok, value = pickle.load(file)
            except (OSError, EOFError, pickle.UnpicklingError) as error:
                raise JobFailed(
                    f"{self.name}: the process beside the build died ({status}): {error}"
                ) from None
            finally:
                _unlink(self._path)
            if not ok:
                raise JobFailed(f"{self.name} failed beside the build:\n{value}")
            self._value = value
        return self._value

    def stop(self) -> None:
        """Stop the child if it runs, and forget its result."""
        if self._done:
            return
        self._done = True
        try:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        _unlink(self._path)


def _unlink(path: str | None) -> None:
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass


@dataclass
class _Jobs:
    """This build's jobs, stopped at its end if nobody collected them."""

    started: list[Job] = field(default_factory=list)
    #: The process that made this build: Sphinx's -j workers are forks of it, which run jobs at once.
    pid: int = field(default_factory=os.getpid)


def start(app: Sphinx, name: str, function: Callable[..., Any], *args: Any) -> Job:
    """Run ``function(*args)`` beside the build; *name* says what it is, in errors."""
    jobs = buildstate.of(app, _Jobs)
    if not parallel_available or os.getpid() != jobs.pid:
        return Job(name, None, None, function(*args))
    handle, path = tempfile.mkstemp(prefix="blogext-beside-", suffix=".pickle")
    os.close(handle)
    pid = os.fork()
    if pid == 0:  # the child: never returns into the build
        code = 0
        try:
            try:
                os.nice(NICENESS)
            except OSError:
                pass
            try:
                outcome: tuple[bool, Any] = (True, function(*args))
            except BaseException:  # noqa: BLE001 - every failure goes back to the build
                outcome = (False, traceback.format_exc())
            with open(path, "wb") as file:
                pickle.dump(outcome, file, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # noqa: BLE001 - cannot even write: the parent reports a dead child
            code = 1
        finally:
            os._exit(code)
    job = Job(name, pid, path)
    jobs.started.append(job)
    return job


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    jobs = buildstate.peek(app, _Jobs)
    if jobs is not None:
        for job in jobs.started:
            job.stop()


def setup(app: Sphinx) -> dict[str, Any]:
    """Connected by each feature that starts jobs (``app.setup_extension``)."""
    app.connect("build-finished", _on_finished, priority=1000)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
