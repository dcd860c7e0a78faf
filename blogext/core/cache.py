"""One way to keep a cache between builds: a JSON file in the doctree folder, versioned and keyed
(not an extension).

A feature that keeps what it worked out for the next build (the posts' front matter, the archive
pages written, the cards drawn...) calls :func:`load` and :func:`save` with its own name, a version
it bumps when what it stores changes, and a key saying what the stored data is only valid for (the
settings, the output folder). Because it is only a cache:

- a missing, unreadable or damaged file, another version or another key reads as empty;
- writing is atomic (a temporary file beside it, then a rename), so an interrupted build or a
  parallel process never leaves half a file; a failure to write is ignored, and the next build
  works it out again;
- it lives in the doctree folder, never in the output folder: nothing of it is published, and
  ``sphinx-build -E`` or deleting the doctree folder starts afresh.

The file is ``<doctrees>/blogext-<name>.json``: ``{"version": ..., "key": ..., "data": ...}``.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx


def path(app: Sphinx, name: str) -> Path:
    """The file of the cache *name* (for a builder's own cache, put the builder's name in *name*)."""
    return Path(app.doctreedir) / f"blogext-{name}.json"


def load(app: Sphinx, name: str, version: int, key: str = "") -> dict[str, Any]:
    """What the last build saved as *name*, if it was saved with this *version* and *key*; else ``{}``."""
    try:
        stored = json.loads(path(app, name).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("version") != version or stored.get("key") != key:
        return {}
    data = stored.get("data")
    return data if isinstance(data, dict) else {}


def forget(app: Sphinx, name: str) -> None:
    """Drop the cache *name*: the next build works it all out again."""
    with contextlib.suppress(OSError):
        path(app, name).unlink(missing_ok=True)


def save(app: Sphinx, name: str, version: int, data: dict[str, Any], key: str = "") -> None:
    """Keep *data* as *name* for the next build (atomically; a failure only costs the next build time)."""
    target = path(app, name)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": version, "key": key, "data": data}, sort_keys=True)
        partial.write_text(text, "utf-8")
        os.replace(partial, target)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
