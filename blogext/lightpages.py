"""Light pages: no script a page does not use, and none that holds up its first paint.

Sphinx adds its documentation helpers to every page, and extensions add their
scripts to the ``<head>`` where they block rendering. For a blog:

- ``blog_search_only_scripts`` (default: Sphinx's ``doctools.js`` and
  ``sphinx_highlight.js``) are loaded by no page: they served Sphinx's own
  search (its page, and highlighting its terms), which :mod:`blogext.search`
  replaces with Pagefind (and removes the files from the output);
- ``blog_deferred_scripts`` (default: sphinx-copybutton's two scripts) are
  loaded with ``defer``, so they run once the page is parsed, as they need to.

The theme's own scripts are left alone (they are loaded with ``defer`` already),
and ``documentation_options.js`` stays as it is: inline scripts need it at once.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

import blogext


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
    kept, later = lighten(scripts, app.config.blog_search_only_scripts, app.config.blog_deferred_scripts)
    # In place: the list is the builder's for this page. A script added during html-page-context is
    # added to this page only (Sphinx's public API), now with ``defer``.
    scripts[:] = kept
    for script in later:
        # The builder keeps a static script as "_static/<name>"; add_js_file takes the name in _static.
        name = str(script.filename).removeprefix("_static/")
        app.add_js_file(name, priority=script.priority, defer="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(
        "blog_search_only_scripts", ["doctools.js", "sphinx_highlight.js"], "html", types=[list]
    )
    app.add_config_value("blog_deferred_scripts", ["clipboard.min.js", "copybutton.js"], "html", types=[list])
    app.connect("html-page-context", _on_page_context, priority=blogext.LIGHT_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
