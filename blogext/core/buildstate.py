"""One typed per-build state: what features work out during a build and keep until it ends (not an
extension).

A feature's state is an instance of its own class, made on first use and found again by that class::

    state = buildstate.of(app, CardState)               # made with CardState()
    state = buildstate.of(app, Record, lambda: Record(app))

It lives with the application, which is one build (the preview starts a new application for each
build), never in a module's global and never on Sphinx's objects under a name of its own; nothing of
it is pickled with the environment (what must outlive a build goes through :mod:`blogext.core.perdoc`
or :mod:`blogext.core.cache`). :func:`peek` finds a state without making it; :func:`put` sets one made
elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sphinx.application import Sphinx

T = TypeVar("T")

#: The one attribute of the application that holds every feature's state of this build.
_ATTRIBUTE = "_blog_build_state"


def _states(app: Sphinx) -> dict[type, Any]:
    return app.__dict__.setdefault(_ATTRIBUTE, {})


def of(app: Sphinx, kind: type[T], make: Callable[[], T] | None = None) -> T:
    """This build's state of the class *kind*, made with *make* (or ``kind()``) on first use."""
    states = _states(app)
    if kind not in states:
        states[kind] = make() if make is not None else kind()
    return states[kind]


def put(app: Sphinx, state: T) -> T:
    """Make *state* this build's state of its class (replacing any earlier one), and return it."""
    _states(app)[type(state)] = state
    return state


def peek(app: Sphinx, kind: type[T]) -> T | None:
    """This build's state of the class *kind*, or None when nothing has made it yet."""
    return _states(app).get(kind)
