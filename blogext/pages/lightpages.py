"""Light pages: no script a page does not use, and none that holds up its first paint.

Sphinx adds its documentation helpers to every page, and extensions add their
scripts to the ``<head>`` where they block rendering. For a blog:

- ``blogext_search_only_scripts`` (default: Sphinx's ``doctools.js`` and
  ``sphinx_highlight.js``) are loaded by no page: they served Sphinx's own
  search (its page, and highlighting its terms), which :mod:`blogext.outputs.search`
  replaces with Pagefind (and removes the files from the output);
- ``blogext_deferred_scripts`` (default: sphinx-copybutton's two scripts) are
  loaded with ``defer``, so they run once the page is parsed, as they need to.

The theme's own scripts are left alone (they are loaded with ``defer`` already),
and ``documentation_options.js`` stays as it is: inline scripts need it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sphinx.application import Sphinx

import blogext
from blogext.core import settings
from blogext.core.settings import setting


def _name(script) -> str:
    filename = getattr(script, "filename", script) or ""
    return str(filename).rsplit("/", 1)[-1]


def lighten(scripts: list, search_only: list[str], deferred: list[str]) -> tuple[list, list]:
    """*scripts* split into those a page keeps as they are, and those it loads deferred: the
    search-only ones are in neither."""
    kept, later = [], []
    for script in scripts:
        name = _name(script)
        if name in search_only:
            continue
        (later if name in deferred and getattr(script, "filename", None) else kept).append(script)
    return kept, later


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    scripts = context.get("script_files")
    if scripts is None:
        return
    given = settings.of(app.config, LightPagesSettings)
    kept, later = lighten(scripts, given.search_only_scripts, given.deferred_scripts)
    # In place: the list is the builder's for this page. A script added during html-page-context is
    # added to this page only (Sphinx's public API), now with ``defer``.
    scripts[:] = kept
    for script in later:
        # The builder keeps a static script as "_static/<name>"; add_js_file takes the name in _static.
        name = str(script.filename).removeprefix("_static/")
        app.add_js_file(name, priority=script.priority, defer="defer")


@dataclass(frozen=True)
class LightPagesSettings:
    """Which scripts no page loads, and which load deferred (``blogext_<field>`` in ``conf.py``)."""

    search_only_scripts: tuple[str, ...] = setting(
        ("doctools.js", "sphinx_highlight.js"), "scripts of Sphinx's own search, loaded by no page", "html"
    )
    deferred_scripts: tuple[str, ...] = setting(
        ("clipboard.min.js", "copybutton.js"), "scripts loaded with defer", "html"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    settings.add(app, LightPagesSettings)
    app.connect("html-page-context", _on_page_context, priority=blogext.LIGHT_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
