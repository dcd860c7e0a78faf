"""The files under a folder, named as the blog names them: paths relative to the folder, with ``/``
between their parts on every system (not an extension).

Used wherever a feature lists a folder of its own: the ``.bib`` files beside ``conf.py``
(:mod:`blogext.markup.citations`), hidden documents (:mod:`blogext.core.documents`), the pages of the
output folder (:mod:`blogext.outputs.sitemap`) and the files left over in it
(:mod:`blogext.core.hosting`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path


def relative_files(root: Path | str, skip_folder: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Every file under *root*, as a ``/``-separated path relative to it, in ``os.walk``'s order; a
    folder whose name *skip_folder* accepts is not walked into (nor is a link to a folder)."""
    for folder, subfolders, files in os.walk(root):
        if skip_folder is not None:
            subfolders[:] = [name for name in subfolders if not skip_folder(name)]
        base = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in files:
            yield name if base == "." else f"{base}/{name}"
