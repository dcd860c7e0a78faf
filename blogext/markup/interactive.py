"""Interactive figures from notebooks: Plotly and Vega-Lite (Altair) charts drawn in the reader's browser by
the site's own copies of their libraries, only when a figure comes near the viewport.

A notebook output whose bundle holds ``application/vnd.plotly.v1+json`` (plotly's notebook renderer) or
``application/vnd.vegalite.v5+json`` (Altair's ``mimetype`` renderer) is rendered from that JSON spec:

- **the page** gets, in place of the output, a box of the figure's height (template
  ``blog/interactive-figure.html``) holding the spec as a JSON data block (``<script
  type="application/json">``, which no browser runs and the Content-Security-Policy does not concern;
  Jinja's ``tojson`` writes ``<``, ``>``, ``&`` and ``'`` as ``\\u`` escapes, so no string of the
  spec ends the block or opens a tag), and the bundle's own picture (``image/png``, ``image/svg+xml``,
  ``image/jpeg``) when it has one, as the **stand-in**; a bundle's ``text/html`` (plotly's and
  Altair's load their library from a CDN) is left out (its ``text/plain`` is for other builders);
- ``_static/interactive.js`` (on pages with a figure only) loads the library of a figure's kind from
  ``_static/interactive/`` when the figure is within a screen of the viewport (IntersectionObserver)
  and draws it, in the page's light or dark theme (again when it changes): plotly.js's *strict* bundle
  (no ``new Function``), and Vega, Vega-Lite, vega-embed with vega-interpreter (``ast: true``: Vega's
  own expression parser compiles with ``new Function``, which the policy forbids);
- the libraries are copied from ``node_modules`` (``npm ci --omit=dev``) into the output's
  ``_static/interactive/`` after a build in which a published page has such a figure, only the files of
  the kinds in use; when no page has one, the copy is removed;
- **feeds** (:mod:`blogext.outputs.feeds`) carry the stand-in picture, or a link "Interactive figure: see it
on
  the post" when the bundle has none; never the spec. **Print** shows the stand-in when there is one,
  else the chart if it was drawn (``beforeprint`` starts drawing every figure), else the note;
- a spec that would load from elsewhere fails the build naming the notebook, the cell and what: a
  Vega-Lite ``url`` anywhere in the spec (such as ``data.url``), and with an image mark, a URL in its
  data; a Plotly geo trace or subplot (plotly.js fetches its map from its CDN), a map trace or subplot
  (tiles from a map host), a layout image that is not a ``data:`` URL. The page leaves the figure out
  (its stand-in stays). A figure while the npm packages are missing fails the build too.

myst-nb renders the two MIME types through :class:`MimeRenderer`, its mime-renderer plugin protocol,
handed to it by :func:`blogext.core.sphinxinternals.add_mystnb_mime_renderer` (myst-nb reads plugins from
entry points only). Other builders than HTML show the bundle's ``text/plain``.

Each problem is a warning of type ``blog``, subtype ``notebooks``. ``blogext_interactive_modules``
(``conf.py``) names another ``node_modules`` folder.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import blogext
from blogext.core import assets, perdoc, safehtml, settings, sphinxinternals
from blogext.core.settings import setting

logger = logging.getLogger(__name__)

#: The MIME types drawn here, and the kind of figure each is.
KINDS = {"application/vnd.plotly.v1+json": "plotly", "application/vnd.vegalite.v5+json": "vegalite"}
#: The files of each kind, in the order the page loads them: (npm package, file in it).
LIBRARIES = {
    "plotly": [("plotly.js-strict-dist-min", "plotly-strict.min.js")],
    "vegalite": [
        ("vega", "build/vega.min.js"),
        ("vega-lite", "build/vega-lite.min.js"),
        ("vega-interpreter", "build/vega-interpreter.min.js"),
        ("vega-embed", "build/vega-embed.min.js"),
    ],
}
#: Where the copies go, under the output's ``_static``.
STATIC_FOLDER = "interactive"
LOADER = "interactive.js"
STYLE = "interactive.css"
TEMPLATE = "blog/interactive-figure.html"
ANCHOR = "figure-{}"
#: The builders that draw the figures (myst-nb's priority puts the spec first for them).
HTML_BUILDERS = ("html", "dirhtml", "singlehtml")
#: A bundle's alternatives that stand in for the figure where no script runs (feeds, print, no JavaScript).
STANDIN_MIME = ("image/svg+xml", "image/png", "image/jpeg")
#: The height a figure takes before it is drawn, when its spec does not say (plotly.js's and Vega-Lite's
#: defaults, with Vega-Lite's axes).
DEFAULT_HEIGHT = {"plotly": 450, "vegalite": 300}
AXES = 60
PLOTLY_GEO = {"scattergeo", "choropleth"}
PLOTLY_MAPS = {
    "scattermapbox",
    "choroplethmapbox",
    "densitymapbox",
    "scattermap",
    "choroplethmap",
    "densitymap",
}
_ADVICE = {
    "plotly": "a figure without maps, or the map saved as a picture (fig.write_image) and shown as one",
    "vegalite": "the data in the spec, which the reader's browser would otherwise fetch: Altair puts a "
    "DataFrame's rows in it (alt.Chart(df))",
}
_NOTE = "Interactive figure: it is drawn when it comes into view, with JavaScript."


class interactive_figure(nodes.General, nodes.Element):  # noqa: N801 (docutils' node naming)
    """A figure drawn in the browser: ``kind`` (``plotly``, ``vegalite``) and ``spec`` (its JSON)."""


# -- myst-nb renders the two MIME types as figures ---------------------------------------------------


class MimeRenderer:
    """myst-nb's ``MimeRenderPlugin`` for the two MIME types (given to myst-nb by
    :func:`blogext.core.sphinxinternals.add_mystnb_mime_renderer`)."""

    mime_priority_overrides = [(builder, mime, 1) for builder in HTML_BUILDERS for mime in KINDS]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        env = getattr(renderer.renderer, "sphinx_env", None) if hasattr(renderer, "renderer") else None
        if (
            inline
            or data.mime_type not in KINDS
            or env is None
            or not settings.is_registered(env.config, InteractiveSettings)
        ):
            return None
        spec = data.content
        if isinstance(spec, str):
            try:
                spec = json.loads(spec)
            except ValueError:
                return None
        if not isinstance(spec, dict):
            return None
        return [interactive_figure("", kind=KINDS[data.mime_type], spec=json.dumps(spec))]


# -- reading: the stand-in, the checks ------------------------------------------------------------------


def _figures(env: BuildEnvironment) -> dict[str, list[str]]:
    """Docname -> the kinds of its figures (kept per document: :mod:`blogext.core.perdoc`)."""
    return perdoc.of(env, "blog_interactive")


def _offsite(value: str) -> bool:
    text = value.strip().lower()
    return not text.startswith("data:")


def vegalite_problems(spec: Any, where: str = "") -> list[str]:
    """What in a Vega-Lite spec would load from elsewhere: every ``url`` (data, lookups, an image
    mark's ``value``), and with an image mark, each URL in the data (its images)."""
    found = _urls(spec, where)
    if not where and _has_image_mark(spec):
        found += [f"an image mark's picture {url!r}" for url in sorted(set(_data_urls(spec)))]
    return found


def _urls(spec: Any, where: str) -> list[str]:
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            here = f"{where}.{key}" if where else str(key)
            if key == "url" and isinstance(value, str) and _offsite(value):
                found.append(f"{here} {value!r}")
            elif key != "$schema":
                found += _urls(value, here)
    elif isinstance(spec, list):
        for index, value in enumerate(spec):
            found += _urls(value, f"{where}[{index}]")
    return found


def _has_image_mark(spec: Any) -> bool:
    if isinstance(spec, dict):
        mark = spec.get("mark")
        if mark == "image" or (isinstance(mark, dict) and mark.get("type") == "image"):
            return True
        return any(_has_image_mark(value) for value in spec.values())
    return isinstance(spec, list) and any(_has_image_mark(value) for value in spec)


_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def _data_urls(spec: Any, in_data: bool = False) -> list[str]:
    """The strings of inline data (``values``, ``datasets``) that are URLs of another host."""
    if isinstance(spec, dict):
        return [
            url
            for key, value in spec.items()
            for url in _data_urls(value, in_data or key in ("values", "datasets"))
        ]
    if isinstance(spec, list):
        return [url for value in spec for url in _data_urls(value, in_data)]
    return [spec] if in_data and isinstance(spec, str) and _URL.match(spec) else []


def plotly_problems(spec: dict[str, Any]) -> list[str]:
    """What in a Plotly figure would load from elsewhere (its own traces and layout, not its template)."""
    found = []
    traces = spec.get("data") if isinstance(spec.get("data"), list) else []
    layout = spec.get("layout") if isinstance(spec.get("layout"), dict) else {}
    kinds = {str(t.get("type")) for t in traces if isinstance(t, dict)}
    if kinds & PLOTLY_GEO or any(key.startswith("geo") for key in layout):
        found.append("a geo trace or subplot, whose map plotly.js fetches from its CDN (cdn.plot.ly)")
    if kinds & PLOTLY_MAPS or any(key.startswith(("mapbox", "map")) for key in layout):
        found.append("a map trace or subplot, whose tiles plotly.js fetches from a map host")
    for index, image in enumerate(layout.get("images") or []):
        source = image.get("source") if isinstance(image, dict) else None
        if isinstance(source, str) and _offsite(source):
            found.append(f"layout.images[{index}].source {source!r}")
    return found


def _height(kind: str, spec: dict[str, Any]) -> int:
    if kind == "plotly":
        layout = spec.get("layout") if isinstance(spec.get("layout"), dict) else {}
        height = layout.get("height")
        return (
            int(height) if isinstance(height, int | float) and 50 <= height <= 3000 else DEFAULT_HEIGHT[kind]
        )
    height = spec.get("height")
    return (
        int(height) if isinstance(height, int | float) and 20 <= height <= 3000 else DEFAULT_HEIGHT[kind]
    ) + AXES


def _label(kind: str, spec: dict[str, Any]) -> str:
    """The figure's title, for its accessible name."""
    if kind == "plotly":
        layout = spec.get("layout") if isinstance(spec.get("layout"), dict) else {}
        title = layout.get("title")
    else:
        title = spec.get("title") or spec.get("description")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return f"Interactive chart: {title}" if isinstance(title, str) and title.strip() else "Interactive chart"


def _bundle_of(figure: interactive_figure) -> tuple[nodes.Element, nodes.Element] | None:
    mime = figure.parent
    bundle = mime.parent if mime is not None else None
    if not isinstance(mime, nodes.container) or not isinstance(bundle, nodes.container):
        return None
    return mime, bundle


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Each figure with its stand-in and checked; its bundle's scripted alternatives left out. Runs before
    :mod:`blogext.markup.notebooks` sanitizes outputs (the stand-in SVG is sanitized there, in its new
    place)."""
    from blogext.markup import notebooks

    kinds = []
    for number, figure in enumerate(list(doctree.findall(interactive_figure)), start=1):
        found = _bundle_of(figure)
        if found is None:
            continue
        mime, bundle = found
        standin = nodes.container(classes=["interactive-standin"])
        for other in [c for c in bundle.children if c is not mime and isinstance(c, nodes.container)]:
            if other.get("mime_type") in STANDIN_MIME and not standin.children:
                bundle.remove(other)
                standin += other
            elif other.get("mime_type") == "text/html" or other.get("mime_type") in STANDIN_MIME:
                bundle.remove(other)  # text/plain stays, for builders that draw no figure
        if standin.children:
            figure += standin
        spec = json.loads(figure["spec"])
        figure["label"] = _label(figure["kind"], spec)
        for image in standin.findall(nodes.image):
            image["alt"] = f"{figure['label']} (a picture of it)"
        problems = plotly_problems(spec) if figure["kind"] == "plotly" else vegalite_problems(spec)
        if problems:
            cell = next((a for a in _ancestors(figure) if a.get("nb_element") == "cell_code"), None)
            name = notebooks._cell_name(cell) if cell is not None else "an output"
            source = str(app.env.doc2path(app.env.docname))
            logger.warning(
                "%s: its %s output would load what is not in it: %s (expected %s; the page leaves it out)",
                name,
                mime.get("mime_type"),
                "; ".join(problems),
                _ADVICE[figure["kind"]],
                type="blog",
                subtype="notebooks",
                location=(app.env.docname, None if cell is None or source.endswith(".ipynb") else cell.line),
            )
            figure.replace_self(standin.children or [])
            continue
        figure["ids"].append(ANCHOR.format(number))
        figure["height"] = _height(figure["kind"], spec)
        kinds.append(figure["kind"])
    if kinds:
        _figures(app.env)[app.env.docname] = sorted(set(kinds))


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


# -- writing -------------------------------------------------------------------------------------------


def _visit(self: Any, node: interactive_figure, *, app: Sphinx) -> None:
    self.body.append(
        safehtml.render(
            app,
            TEMPLATE,
            end=False,
            anchor=node["ids"][0] if node["ids"] else "",
            kind=node["kind"],
            spec=json.loads(node["spec"]),
            height=node.get("height", DEFAULT_HEIGHT.get(node["kind"], 300)),
            label=node.get("label", "Interactive chart"),
            standin=any("interactive-standin" in c.get("classes", []) for c in node.children),
            note=_NOTE,
        )
    )


def _depart(self: Any, node: interactive_figure, *, app: Sphinx) -> None:
    self.body.append(safehtml.render(app, TEMPLATE, end=True))


def _skip(self: Any, node: interactive_figure) -> None:
    raise nodes.SkipNode


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    if doctree is not None and doctree.next_node(interactive_figure) is not None:
        app.add_css_file(STYLE)
        app.add_js_file(LOADER, type="module")


# -- the site's copies of the libraries -----------------------------------------------------------------


def modules_folder(app: Sphinx) -> Path | None:
    """The ``node_modules`` folder with the libraries, or None when they are not installed."""
    if folder := settings.of(app.config, InteractiveSettings).interactive_modules:
        candidates = [Path(app.confdir) / folder]
    else:
        candidates = [
            Path(app.confdir) / "node_modules",
            Path(__file__).resolve().parents[2] / "node_modules",
        ]
    for folder in candidates:
        if all(
            (folder / package / file).is_file() for files in LIBRARIES.values() for package, file in files
        ):
            return folder
    return None


def _published(app: Sphinx) -> dict[str, list[str]]:
    return {d: kinds for d, kinds in sorted(_figures(app.env).items()) if d in app.env.all_docs}


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    if app.builder.format != "html" or modules_folder(app) is not None:
        return
    for docname in _published(app):
        logger.warning(
            "an interactive figure is drawn by the site's copy of its library, but the npm packages are "
            "missing (expected `npm ci --omit=dev` in the site's folder, or blogext_interactive_modules in "
            "conf.py naming a node_modules folder that has %s)",
            ", ".join(package for files in LIBRARIES.values() for package, _file in files),
            type="blog",
            subtype="notebooks",
            location=(docname, None),
        )


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / STATIC_FOLDER
    source = modules_folder(app)
    used = {kind for kinds in _published(app).values() for kind in kinds}
    if not used or source is None:
        shutil.rmtree(target, ignore_errors=True)
        return
    wanted = {
        Path(file).name: source / package / file for kind in sorted(used) for package, file in LIBRARIES[kind]
    }
    target.mkdir(parents=True, exist_ok=True)
    for name, path in wanted.items():
        copy = target / name
        if (
            not copy.is_file()
            or copy.stat().st_size != path.stat().st_size
            or copy.stat().st_mtime < path.stat().st_mtime
        ):
            shutil.copy2(path, copy)
    for old in target.iterdir():
        if old.name not in wanted:
            old.unlink()


@dataclass(frozen=True)
class InteractiveSettings:
    """The interactive figures' settings (``blogext_<field>`` in ``conf.py``)."""

    interactive_modules: str = setting(
        "", "node_modules with plotly.js and Vega, relative to conf.py (default: node_modules)", "html"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "interactive", "drawnear")
    settings.add(app, InteractiveSettings)
    sphinxinternals.add_mystnb_mime_renderer(MimeRenderer)
    app.add_node(
        interactive_figure,
        html=(functools.partial(_visit, app=app), functools.partial(_depart, app=app)),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.connect("doctree-read", _on_doctree_read, priority=blogext.INTERACTIVE_FIGURES)
    perdoc.keep(app, "blog_interactive")
    app.connect("env-updated", _check)
    app.connect("build-finished", _on_build_finished)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
