"""One record of what each page shows of other documents, so that incremental builds equal clean ones.

Sphinx rewrites the documents it reads again, and nothing else. But a page of the
blog also shows other posts: a list of posts, the recent-posts sidebar, links to
the previous and next post, a series box. When one of those posts changes, the
page must be rewritten too, though its own source did not change.

Every feature that shows other documents on a page says so here, once:

- :func:`add_kind` names a *kind* of thing a page can show (``"recent"``,
  ``"neighbours"``, ``"posts"``, ``"series"``...), with a function that gives
  what such a thing shows *now*, for an argument (a series' slug, a post's
  docname...). It may also say which pages show it without being told (every
  page shows the recent posts; every post its neighbours).
- :func:`record` notes, while a document is read, that it shows a kind with an
  argument (a page with a ``postlist`` shows ``"posts"``). The notes are kept in
  the environment, purged and merged, so parallel reading is safe.

After every read phase (``env-get-updated``), what every noted thing shows is
computed once and compared with what it showed after the previous build; every
page that shows something that changed is written again (without being read
again). What each thing shows is kept as a digest, in the environment.

Archive pages are not documents: :mod:`blogext.pages.archives` gives each a fingerprint
built from the same post model, and writes it again only when that changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from blogext.core import buildstate, perdoc

#: What a page shows: a kind and its argument.
Shown = tuple[str, Any]


class Snapshot:
    """The environment after a read phase, with values that several digests share computed once."""

    def __init__(self, app: Sphinx, env: BuildEnvironment) -> None:
        self.app = app
        self.env = env
        self._memo: dict[str, Any] = {}

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """*compute*'s value, computed once per snapshot under *name*."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]


@dataclass(frozen=True)
class Kind:
    """A kind of thing that pages show (see :func:`add_kind`)."""

    name: str
    shows: Callable[[Snapshot, Any], Any]
    pages: Callable[[BuildEnvironment], Iterable[tuple[str, Any]]] | None = None


def add_kind(
    app: Sphinx,
    name: str,
    shows: Callable[[Snapshot, Any], Any],
    pages: Callable[[BuildEnvironment], Iterable[tuple[str, Any]]] | None = None,
) -> None:
    """Declare the kind *name*: ``shows(snapshot, arg)`` is what a page that shows it displays now (any
    value with a stable ``repr``); ``pages(env)``, when given, yields the (docname, arg) of the pages
    that show it without a :func:`record`."""
    kinds = _kinds(app)
    if name in kinds:
        raise ValueError(f"the kind of shown thing {name!r} is declared twice")
    kinds[name] = Kind(name, shows, pages)


def record(env: BuildEnvironment, kind: str, arg: Any = None) -> None:
    """Note that the document being read shows *kind* with *arg* (call it while the document is read)."""
    _records(env).setdefault(env.docname, set()).add((kind, arg))


# -- State ---------------------------------------------------------------------------------------------


class _Kinds(dict):
    """The kinds of things pages show, registered by the features of this application (by name)."""


def _kinds(app: Sphinx) -> dict[str, Kind]:
    return buildstate.of(app, _Kinds)


def _records(env: BuildEnvironment) -> dict[str, set[Shown]]:
    return perdoc.of(env, "blog_shown_records")


def pages_showing(app: Sphinx, env: BuildEnvironment) -> dict[str, set[Shown]]:
    """Every document (that is built) and what it shows: recorded, and declared by the kinds."""
    found = env.found_docs
    pages = {docname: set(shown) for docname, shown in _records(env).items() if docname in found}
    for kind in _kinds(app).values():
        if kind.pages is not None:
            for docname, arg in kind.pages(env):
                if docname in found:
                    pages.setdefault(docname, set()).add((kind.name, arg))
    return pages


def _digest(value: Any) -> str:
    return hashlib.blake2b(repr(value).encode("utf-8"), digest_size=16).hexdigest()


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    kinds = _kinds(app)
    pages = pages_showing(app, env)
    snapshot = Snapshot(app, env)
    everything = set().union(*pages.values())
    now = {shown: _digest(kinds[shown[0]].shows(snapshot, shown[1])) for shown in everything}
    before: dict[Shown, str] | None = getattr(env, "blog_shown_digests", None)
    env.blog_shown_digests = now
    if before is None:  # a first build writes everything anyway
        return []
    changed = {shown for shown, digest in now.items() if before.get(shown) != digest}
    return sorted(docname for docname, shown in pages.items() if shown & changed)


def setup(app: Sphinx) -> dict[str, Any]:
    perdoc.keep(app, "blog_shown_records")
    app.connect("env-get-updated", _on_get_updated)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
