"""Drafts and scheduled posts (stub: issue 5 fills this in).

Contract used by the other features (series, feeds, listings):

- In the published build, drafts and scheduled posts are excluded from the
  build entirely, so no other feature ever sees them.
- In the preview build they are read and rendered, and :func:`unpublished`
  names them, so features that must never show them (feeds) or must not count
  them (series "Part N of M") can skip them.
"""

from __future__ import annotations

from sphinx.environment import BuildEnvironment


def unpublished(env: BuildEnvironment) -> dict[str, str]:
    """Docnames of posts that are built but not published, each with why ("draft" or "scheduled")."""
    return getattr(env, "blog_unpublished", {})
