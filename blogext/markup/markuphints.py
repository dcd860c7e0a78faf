"""An unknown directive or role that a well-known package provides says which package to add.

MyST's own warning ("Unknown directive type: 'tab-set'") leaves the author to
guess. When the build starts (``builder-inited``, after every extension has
registered its own), each name of :data:`DIRECTIVES` and :data:`ROLES` that no
extension has registered gets a stand-in: using it is a warning of type
``blog``, subtype ``markup``, naming the file and line, the package and the
extension to add::

    posts/2024/x.md:12: WARNING: directive 'tab-set' is not available on this site: it comes from
    sphinx-design (expected 'sphinx_design' in conf.py's extensions, and sphinx-design in
    pyproject.toml's site group)

A prefixed name (``{prf:ref}``, ``{prf:theorem}``) whose prefix no extension registered
gets its stand-in in a stand-in domain of that prefix, made when the config is read:
without it Sphinx would warn without naming the file, and then take ``{prf:ref}`` for
its own ``{ref}``.

Names no well-known package provides (a role private to another site) keep
MyST's own warning, which names the file too. Either fails the strict build.
"""

from __future__ import annotations

import logging as logging_std
import re
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains import Domain
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, is_directive_registered, is_role_registered

import blogext
from blogext.core import sphinxinternals

logger = logging.getLogger(__name__)

#: package on PyPI -> (the extension to add, its directives, its roles). The common ones, not all.
PACKAGES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "myst-nb (blogext.markup.notebooks)": (
        "blogext.markup.notebooks",
        ("code-cell", "glue", "glue:any", "glue:figure", "glue:math", "glue:md"),
        ("glue", "glue:any", "glue:text", "glue:md", "eval", "nb-download"),
    ),
    "sphinx-design": (
        "sphinx_design",
        ("grid", "grid-item", "grid-item-card", "card", "card-carousel", "dropdown", "tab-set", "tab-item")
        + ("tab-set-code", "button-link", "button-ref", "article-info", "div"),
        ("bdg", "bdg-primary", "bdg-secondary", "bdg-success", "bdg-info", "bdg-warning", "bdg-danger")
        + ("bdg-light", "bdg-dark", "bdg-link", "bdg-ref", "octicon", "fab", "fas", "far", "button-link"),
    ),
    "sphinxcontrib-bibtex": (
        "sphinxcontrib.bibtex",
        ("bibliography", "footbibliography"),
        ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts", "cite:ct", "cite:cp", "cite:label", "footcite")
        + ("footcite:p", "footcite:t", "cite:year", "cite:author"),
    ),
    "sphinxcontrib-mermaid": ("sphinxcontrib.mermaid", ("mermaid",), ()),
    "sphinx-tabs": ("sphinx_tabs.tabs", ("tabs", "tab", "group-tab", "code-tab"), ()),
    "sphinx-togglebutton": ("sphinx_togglebutton", ("toggle",), ()),
    "sphinx-proof": (
        "sphinx_proof",
        tuple(
            f"prf:{name}"
            for name in (
                "algorithm",
                "assumption",
                "axiom",
                "conjecture",
                "corollary",
                "criterion",
                "definition",
                "example",
                "lemma",
                "notation",
                "observation",
                "proof",
                "property",
                "proposition",
                "remark",
                "theorem",
            )
        ),
        ("prf:ref",),
    ),
    "sphinx-exercise": (
        "sphinx_exercise",
        ("exercise", "solution", "exercise-start", "exercise-end", "solution-start", "solution-end"),
        (),
    ),
    "sphinx-examples": ("sphinx_examples", ("example",), ()),
    "sphinx-book-theme": ("sphinx_book_theme", ("margin",), ()),
    "sphinx-panels": ("sphinx_panels", ("panels", "tabbed", "link-button"), ()),
    "sphinx-jinja": ("sphinx_jinja", ("jinja",), ()),
    "sphinx-external-toc": ("sphinx_external_toc", ("tableofcontents",), ()),
    "sphinxcontrib-video": ("sphinxcontrib.video", ("video",), ()),
    "sphinxext-altair": ("sphinxext_altair.altairplot", ("altair-plot",), ()),
    "bokeh": ("bokeh.sphinxext.bokeh_plot", ("bokeh-plot",), ()),
    "ipython": ("IPython.sphinxext.ipython_directive", ("ipython",), ()),
    "sphinxcontrib-youtube": ("sphinxcontrib.youtube", ("youtube", "vimeo"), ()),
    "sphinx-issues": ("sphinx_issues", (), ("issue", "pr", "user", "commit", "cve", "cwe")),
    "jupyter-sphinx": ("jupyter_sphinx", ("jupyter-execute", "jupyter-kernel", "thebe-button"), ()),
    "matplotlib": ("matplotlib.sphinxext.plot_directive", ("plot",), ()),
    "sphinx.ext.graphviz (with Sphinx)": ("sphinx.ext.graphviz", ("graphviz", "graph", "digraph"), ()),
    "sphinx.ext.todo (with Sphinx)": ("sphinx.ext.todo", ("todo", "todolist"), ()),
    "sphinx.ext.autodoc (with Sphinx)": (
        "sphinx.ext.autodoc",
        ("automodule", "autoclass", "autofunction", "automethod", "autoattribute", "autodata"),
        (),
    ),
    "sphinx.ext.ifconfig (with Sphinx)": ("sphinx.ext.ifconfig", ("ifconfig",), ()),
}


def _expected(package: str, extension: str) -> str:
    if package.endswith("(with Sphinx)"):
        return f"expected '{extension}' in conf.py's extensions"
    if extension.startswith("blogext."):
        return f"expected '{extension}' in conf.py's extensions, with myst-nb installed"
    name = package.split(" ")[0]
    return f"expected '{extension}' in conf.py's extensions, and {name} in pyproject.toml's site group"


def _message(kind: str, name: str, package: str, extension: str) -> str:
    return (
        f"{kind} {name!r} is not available on this site: it comes from {package} "
        f"({_expected(package, extension)})"
    )


class _AnyOption(dict):
    """Accepts every option, so that the stand-in's warning is the only one."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged


def _stand_in_directive(name: str, package: str, extension: str) -> type[SphinxDirective]:
    class StandIn(SphinxDirective):
        has_content = True
        optional_arguments = 99
        final_argument_whitespace = True
        option_spec = _AnyOption()

        def run(self) -> list[nodes.Node]:
            logger.warning(
                _message("directive", name, package, extension),
                type="blog",
                subtype="markup",
                location=self.get_location(),
            )
            return []

    return StandIn


def _stand_in_role(name: str, package: str, extension: str):
    def role(typ, rawtext, text, lineno, inliner, options=None, content=None):
        env = inliner.document.settings.env
        logger.warning(
            _message("role", name, package, extension),
            type="blog",
            subtype="markup",
            location=(env.docname, lineno),
        )
        return [nodes.literal(rawtext, text)], []

    return role


def _stand_in_domain(prefix: str, directive_names: dict, role_names: dict) -> type[Domain]:
    """A domain named *prefix* (``prf`` of ``prf:ref``) holding stand-ins. Without it Sphinx warns
    "unknown role name: prf:ref" without naming the file, then looks the name up without its prefix
    in the standard domain, where ``ref`` is Sphinx's own role: ``{prf:ref}`` would silently be
    ``{ref}``, and fail, if at all, as an undefined label."""

    class StandInDomain(Domain):
        name = prefix
        label = f"{prefix} (not available on this site)"
        directives = directive_names
        roles = role_names
        initial_data: dict[str, Any] = {}

        def clear_doc(self, docname: str) -> None:
            pass

        def merge_domaindata(self, docnames: Any, otherdata: dict[str, Any]) -> None:
            pass

        def resolve_xref(self, *args: Any) -> None:  # its roles make no references to resolve
            return None

        def resolve_any_xref(self, *args: Any) -> list:  # MyST asks every domain about [text](target)
            return []

    return StandInDomain


def _prefixed(name: str, app: Sphinx) -> tuple[str, str] | None:
    """(prefix, name) of a name such as ``prf:ref`` whose prefix no extension registered as a domain."""
    prefix, colon, short = name.partition(":")
    return (prefix, short) if colon and prefix not in sphinxinternals.registered_domains(app) else None


def _add_stand_in_domains(app: Sphinx, config: Config) -> None:
    """Domains are made with the environment, before ``builder-inited``: added when the config is
    read, after every extension's ``setup``."""
    domains: dict[str, tuple[dict, dict]] = {}
    for package, (extension, directive_names, role_names) in PACKAGES.items():
        for name in directive_names:
            if split := _prefixed(name, app):
                stand_in = _stand_in_directive(name, package, extension)
                domains.setdefault(split[0], ({}, {}))[0][split[1]] = stand_in
        for name in role_names:
            if split := _prefixed(name, app):
                domains.setdefault(split[0], ({}, {}))[1][split[1]] = _stand_in_role(name, package, extension)
    for prefix, (directive_names, role_names) in domains.items():
        app.add_domain(_stand_in_domain(prefix, directive_names, role_names))


def _add_stand_ins(app: Sphinx) -> None:
    for package, (extension, directive_names, role_names) in PACKAGES.items():
        for name in directive_names:
            if ":" not in name and not is_directive_registered(name):
                app.add_directive(name, _stand_in_directive(name, package, extension))
        for name in role_names:
            if ":" not in name and not is_role_registered(name):
                app.add_role(name, _stand_in_role(name, package, extension))


class _UnknownPrefixFilter(logging_std.Filter):
    """Sphinx's own warning for a prefixed name whose prefix no extension registered and no
    well-known package provides (``{myteam:ref}``, private to another site) names no file, and
    Sphinx then looks the name up without its prefix: ``{myteam:ref}`` is taken for ``{ref}``.
    This filter gives the warning the file being read, the blog's type and what was expected."""

    app: Sphinx | None = None

    def _sphinx_has(self, kind: str, name: str) -> bool:
        """Whether Sphinx's standard domain has a role or directive *name*, which it would use instead."""
        std = self.app.env.domains.standard_domain
        return (std.role(name) if kind == "role" else std.directive(name)) is not None

    def filter(self, record: logging_std.LogRecord) -> bool:
        app = self.app
        if app is None or getattr(record, "location", None) is not None:
            return True
        match = _SPHINX_UNKNOWN.match(record.getMessage())
        docname = getattr(getattr(app.env, "current_document", None), "docname", None) if app.env else None
        if not match or not docname:
            return True
        kind, name = match.groups()
        prefix, _, short = name.partition(":")
        record.msg = (
            f"{kind} {name!r} is not available on this site: no extension here provides the prefix "
            f"{prefix!r}, nor does a package the blog knows (expected a {kind} of this site's extensions; "
            f"one private to another site's own extension must be rewritten"
            + (f"; Sphinx would take it for its own {short!r})" if self._sphinx_has(kind, short) else ")")
        )
        record.args = ()
        record.location = (docname, None)
        record.type, record.subtype = "blog", "markup"
        return True


_SPHINX_UNKNOWN = re.compile(r"unknown (role|directive) name: (\S+)$")
_UNKNOWN_PREFIX = _UnknownPrefixFilter()


def _watch_unknown_prefixes(app: Sphinx) -> None:
    _UNKNOWN_PREFIX.app = app
    logging_std.getLogger("sphinx.sphinx.util.docutils").addFilter(_UNKNOWN_PREFIX)  # once: same object


def _stop_watching(app: Sphinx, exception: BaseException | None) -> None:
    """Another build in this process (the tests, the preview) may be of a site without this module."""
    logging_std.getLogger("sphinx.sphinx.util.docutils").removeFilter(_UNKNOWN_PREFIX)
    _UNKNOWN_PREFIX.app = None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _watch_unknown_prefixes)
    app.connect("build-finished", _stop_watching)
    app.connect("config-inited", _add_stand_in_domains, priority=blogext.MARKUP_HINTS)
    app.connect("builder-inited", _add_stand_ins, priority=blogext.MARKUP_HINTS)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
