"""Python's garbage collector, set for a build (an extension, set up by :mod:`blogext.core.posts`).

CPython's cycle collector looks at its youngest objects after every 700 containers allocated, and
at every object it tracks each time the older ones have grown by a quarter. A Sphinx build makes
millions of short-lived containers (docutils nodes, Jinja contexts) and holds a large environment,
so at 1,000 posts the collector walked the whole environment again and again: 6.5 to 7.6 s of a
clean build's CPU, and 0.6 to 1 s of a 3.5 s rebuild with nothing changed (measured with
``gc.callbacks``; plain Sphinx pays the same, 0.5 s of its 2.8 s rebuild). For one build:

- the youngest generation is looked at after :data:`YOUNGEST` containers instead of 700 (mypy
  raises it too, for the same reason): far fewer collections, and fewer full ones (clean build:
  3.7 s of collection, for 5 MB more at its peak; 10,000 gave 3.2 s for 40 MB more, 20,000 2.3 s
  for 50 MB more);
- what is loaded once the builder is set up, the environment of the last build above all, is set
  aside from the collector (``gc.freeze``): it is data the build keeps, and a rebuild's collections
  no longer walk it; what a rebuild replaces of it is freed by reference counting as before;
- a process that ends after a build does not collect its garbage first (the memory goes back to
  the system anyway): 0.3 to 1 s at 1,000 posts.

Nothing changes until the configuration and the posts have passed their checks (``config-inited``
and ``builder-inited``, after every other listener), so a build stopped by a bad setting or post
leaves the collector as it was. What a build changed is undone when it ends (``build-finished``,
after every other listener, which Sphinx emits for a build that fails too), so a process that goes
on after a build (the tests) keeps its own settings and collects the build's garbage. The preview's
keeper sets its own objects aside before each build it forks (:mod:`blogcli.preview`).
"""

from __future__ import annotations

import atexit
import gc
from dataclasses import dataclass
from typing import Any

from sphinx.application import Sphinx

import blogext
from blogext.core import buildstate

#: Containers allocated between two looks at the youngest generation (CPython's default: 700).
YOUNGEST = 5_000
#: build-finished: undone after every other listener (blogext.core.beside stops jobs at 1000).
RESTORE = 1100


@dataclass
class _Before:
    """The collector as the build found it."""

    thresholds: tuple[int, int, int]


def _set_for_build(app: Sphinx, config: Any) -> None:
    before = buildstate.of(app, _Before, lambda: _Before(gc.get_threshold()))
    gc.set_threshold(max(YOUNGEST, before.thresholds[0]), *before.thresholds[1:])
    atexit.unregister(gc.disable)
    atexit.register(gc.disable)  # no collection on the way out (CPython skips it when disabled)


def _environment_aside(app: Sphinx) -> None:
    """The environment is loaded (or new): it and everything loaded so far are set aside."""
    gc.freeze()


def _restore(app: Sphinx, exception: Exception | None) -> None:
    before = buildstate.peek(app, _Before)
    if before is None:
        return
    gc.set_threshold(*before.thresholds)
    gc.unfreeze()  # not gc.get_freeze_count(): it counts them one by one (60 ms in a preview's build)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _set_for_build, priority=blogext.COLLECTOR)
    app.connect("builder-inited", _environment_aside, priority=blogext.COLLECTOR)
    app.connect("build-finished", _restore, priority=RESTORE)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
