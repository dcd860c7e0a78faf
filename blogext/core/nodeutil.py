"""Small helpers on docutils nodes that more than one feature needs (not an extension)."""

from __future__ import annotations

from collections.abc import Iterator

from docutils import nodes


def ancestors(node: nodes.Node) -> Iterator[nodes.Node]:
    """*node*'s parent, its parent's parent, and so on up to the document."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent
