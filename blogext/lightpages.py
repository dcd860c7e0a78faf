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
from blogext import sphinxinternals


def _name(script) -> str:
    filename = getattr(script, "filename", script) or ""
    return str(filename).rsplit("/", 1)[-1]


def lighten(scripts: list, pagename: str, search_only: list[str], deferred: list[str]) -> list:
    """*scripts* without the search-only ones, with *deferred* ones deferred.

    *pagename* is the page's name (every page drops the same scripts now that Sphinx's search page,
    the one page that loaded them, is gone).
    """
    kept = []
    for script in scripts:
        name = _name(script)
        if name in search_only:
            continue
        if name in deferred:
            script = sphinxinternals.deferred_script(script)
        kept.append(script)
    return kept


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if "script_files" in context:
        context["script_files"] = lighten(
            context["script_files"],
            pagename,
            app.config.blog_search_only_scripts,
            app.config.blog_deferred_scripts,
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(
        "blog_search_only_scripts", ["doctools.js", "sphinx_highlight.js"], "html", types=[list]
    )
    app.add_config_value("blog_deferred_scripts", ["clipboard.min.js", "copybutton.js"], "html", types=[list])
    app.connect("html-page-context", _on_page_context, priority=blogext.LIGHT_PAGES)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
