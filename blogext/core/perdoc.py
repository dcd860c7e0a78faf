"""Per-document data a feature keeps in the build environment, kept by a Sphinx ``EnvironmentCollector``
(not an extension: features call :func:`keep` in their ``setup``).

A feature notes something of each document while it is read (its equations, its diagrams, its frozen
notebook's record) in ``env.<attribute>``, a dict keyed by docname. :func:`keep` registers a collector
that clears a document's entry when the document is purged (changed or removed) and, after parallel
reading, merges what the other processes read. So no feature writes its own ``env-purge-doc`` and
``env-merge-info`` listeners, and the environment pickles the data with the rest.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector


def of(env: BuildEnvironment, attribute: str) -> dict[str, Any]:
    """The per-document dict ``env.<attribute>`` (docname -> what the feature noted), made on first use."""
    return env.__dict__.setdefault(attribute, {})


class _Collector(EnvironmentCollector):
    """Clears and merges one attribute's entries; what goes in is the feature's own listeners' work."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        of(env, self.attribute).pop(docname, None)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
    ) -> None:
        theirs = of(other, self.attribute)
        of(env, self.attribute).update({name: theirs[name] for name in docnames if name in theirs})

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        """Nothing: the feature notes its data with its own ``doctree-read`` listener."""


def keep(app: Sphinx, attribute: str) -> None:
    """Keep ``env.<attribute>`` per document: cleared with its document, merged after parallel reading."""
    _Collector(attribute).enable(app)
