"""HTML of the blog's own components, from templates that escape what they are given (not an extension).

Every piece of HTML a feature draws itself (the series box and navigation, a card's
heading, a post's date, the related posts, the author card...) is a Jinja template
beside it, in its package's ``templates/blog/`` (:mod:`blogext.core.assets`), rendered
by :func:`render` in an environment with **autoescape on**: a value reaches the page escaped unless it is
:class:`markupsafe.Markup`, which only code makes (a post's title as HTML,
:func:`blogext.core.posts.title_html`, escapes its text). No feature writes HTML with
f-strings of post text.

Templates are looked for in the project's ``templates_path`` first (a site may
override them), then in the packages' own ``templates`` folders.

Code that has no application (the live preview's server, with its own folder; Pagefind's page
shells, made in its threads) renders the blog's own templates with :func:`render_own`, which
escapes the same way. A translator's visitor is given the application by the feature's ``setup``
(``functools.partial(visit, app=app)``): Sphinx's translators name it only through
deprecated attributes. ``tests/test_templates_only.py`` fails any string of ``blogext``
that holds an HTML tag and is not a pattern parsing HTML.

Sphinx's own template environment does not autoescape: the templates it renders
(``_templates/ablog/*.html``, which override ABlog's) write ``|e`` on every value.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sphinx.application import Sphinx

from blogext.core import assets, buildstate

#: The blog's own templates (each package's ``templates`` folder), used when the project's
#: ``templates_path`` does not override them.
TEMPLATES = assets.templates_folders()


def _environment(folders: list[str], *, auto_reload: bool = True) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=auto_reload,
    )


class _Templates:
    """This build's autoescaping environment (its state in :mod:`blogext.core.buildstate`)."""

    def __init__(self, app: Sphinx) -> None:
        folders = [str(Path(app.confdir, path)) for path in app.config.templates_path]
        own = [str(folder) for folder in TEMPLATES if str(folder) not in folders]
        # One build: its templates are read once (as blogext.core.templatecache has Sphinx's).
        self.environment = _environment([*folders, *own], auto_reload=False)
        self.environment.globals["_"] = app.translator.gettext


def environment(app: Sphinx) -> jinja2.Environment:
    """The application's autoescaping environment for the blog's components (made on first use)."""
    return buildstate.of(app, _Templates, lambda: _Templates(app)).environment


@functools.cache
def _own_environment(*extra: str) -> jinja2.Environment:
    return _environment([*extra, *(str(folder) for folder in TEMPLATES)])


#: Quotes as MarkupSafe escapes them, and as Python's ``html.escape`` does: the same characters, spelled as
#: the pages spelled them before they came from templates, so moving HTML into templates changed no byte.
_QUOTES = (("&#39;", "&#x27;"), ("&#34;", "&quot;"))


def _spelled(html: str) -> Markup:
    for markupsafe_spelling, page_spelling in _QUOTES:
        html = html.replace(markupsafe_spelling, page_spelling)
    return Markup(html)


def render(app: Sphinx, name: str, /, **context: Any) -> Markup:
    """The template *name* (such as ``blog/series-box.html``) rendered with *context*, every value
    escaped unless it is :class:`~markupsafe.Markup`."""
    return _spelled(environment(app).get_template(name).render(context))


def render_own(name: str, /, *, folder: Path | None = None, **context: Any) -> Markup:
    """The blog's own template *name* (a site's ``templates_path`` does not override it), looked for in
    *folder* first (a program's own templates), rendered with *context*, escaped as :func:`render`
    escapes: for code that has no application."""
    extra = (str(folder),) if folder is not None else ()
    return _spelled(_own_environment(*extra).get_template(name).render(context))
