"""The house's shape, read from the code: the modules of ``blogext`` import one another without a circle."""

from __future__ import annotations

import ast

from checkers import PACKAGES, blog_modules, blog_packages
from conftest import REPO


def _blog_imports(source: str) -> set[str]:
    """The blog's modules and packages *source* imports, at the top or inside a function, by their last name
    (``from blogext.core import posts`` and ``import blogext.core.posts`` are ``posts``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[-1] for a in node.names if a.name.startswith(PACKAGES))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGES):
            found.add(node.module.split(".")[-1])
            found.update(alias.name for alias in node.names)
    return found


def _graph(sources: dict[str, str]) -> dict[str, set[str]]:
    return {name: _blog_imports(source) & sources.keys() - {name} for name, source in sources.items()}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports in *graph*, as the modules around it, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                return path[path.index(imported) :] + [imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_blog_modules_import_one_another_without_a_circle():
    sources = {name: path.read_text("utf-8") for name, path in blog_modules().items()}
    assert len(sources) > 40
    assert _circle(_graph(sources)) is None, " -> ".join(_circle(_graph(sources)) or [])


def test_the_circle_check_finds_a_circle_through_a_late_import():
    sources = {
        "posts": "from blogext import ablogadapter\n",
        "ablogadapter": "def f():\n    from blogext import frontmatter\n",
        "frontmatter": "from blogext.core.posts import today\n",
        "math": "import blogext.core.posts\n",
    }
    assert _circle(_graph(sources)) == ["ablogadapter", "frontmatter", "posts", "ablogadapter"]


# -- one way to keep state: no module globals, nothing of a build hung on Sphinx's objects ----------------

#: Modules that may touch the application's or the builder's attributes: the build state itself, and the
#: door to Sphinx's internals (which reassigns the doctree folder, as Sphinx has no setting for it).
STATE_DOORS = {"buildstate", "sphinxinternals"}
#: Names a feature's state hung on Sphinx's objects would be reached through.
SPHINX_OBJECTS = {
    "app",
    "builder",
    "self.app",
    "app.builder",
    "self.builder",
    "snapshot.app",
    "snapshot.app.builder",
}


def _state_outside_its_place(source: str) -> list[str]:
    """Where *source* keeps state of its own: a ``global`` statement, a module-level weak or plain map
    of objects, or an attribute of the application or builder set, or reached through ``__dict__``."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(f"{node.lineno}: global {', '.join(node.names)}")
        elif isinstance(node, ast.Attribute) and ast.unparse(node.value) in SPHINX_OBJECTS:
            if isinstance(node.ctx, ast.Store) or node.attr == "__dict__":
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            if node.args and ast.unparse(node.args[0]) in SPHINX_OBJECTS:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("WeakKeyDictionary"):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_features_keep_a_builds_state_in_the_build_state_only():
    found = {
        path.stem: places
        for path in blog_modules().values()
        if path.stem not in STATE_DOORS and (places := _state_outside_its_place(path.read_text("utf-8")))
    }
    assert not found, f"state kept outside blogext.core.buildstate: {found}"


def test_the_state_check_sees_each_way_of_keeping_state():
    for source in (
        "def f(app):\n    app.builder.blog_x = 1\n",
        "def f(app):\n    app._blog_cards = 1\n",
        "def f(app):\n    app.builder.__dict__.setdefault('x', 1)\n",
        "def f(app):\n    setattr(app, 'x', 1)\n",
        "import weakref\n_SEEN = weakref.WeakKeyDictionary()\n",
        "X = 0\ndef f():\n    global X\n    X = 1\n",
    ):
        assert _state_outside_its_place(source), source
    assert _state_outside_its_place("def f(app):\n    return app.builder.name\n") == []


def test_no_blog_module_is_over_600_lines():
    long = {
        path.name: n
        for path in blog_modules().values()
        if (n := len(path.read_text("utf-8").splitlines())) > 600
    }
    assert not long, f"split these modules (at most 600 lines each): {long}"


# -- the layout shows the data flow: each package imports only the packages below it ---------------------

#: What each package may import of the blog's own code. ``core`` is the house (the post model, state,
#: errors, templates, the doors); ``markup`` what a post holds; ``pages`` what pages show; ``outputs`` what is
#: written beside the pages. ``pages`` uses two contracts of ``outputs``: the series declare their feeds
#: (``feeds.FeedSpec``), and the visible breadcrumbs are the JSON-LD trail (``structured.trail``); and the
#: features that embed from other hosts (notebooks, comments) read ``offsite``'s setting of the hosts a
#: page may load from. The programs (``blogcli``) use the extension, which never imports them.
MAY_IMPORT = {
    "blogext.core": {"blogext.core"},
    "blogext.markup": {"blogext.core", "blogext.markup", "blogext.outputs.offsite"},
    "blogext.pages": {
        "blogext.core",
        "blogext.markup",
        "blogext.pages",
        "blogext.outputs.feeds",
        "blogext.outputs.structured",
        "blogext.outputs.offsite",
    },
    "blogext.outputs": {"blogext.core", "blogext.markup", "blogext.pages", "blogext.outputs"},
    "blogcli": {"blogext", "blogcli"},
}


def _imported_modules(source: str, modules: dict[str, str]) -> set[str]:
    """The dotted names of the blog's modules *source* imports (*modules*: short name -> dotted name)."""
    return {modules[name] for name in _blog_imports(source) if name in modules}


def _outside(package: str, imported: set[str]) -> set[str]:
    allowed = MAY_IMPORT[package]
    return {name for name in imported if not any(name == a or name.startswith(a + ".") for a in allowed)}


def test_each_package_imports_only_the_packages_below_it():
    modules = {
        name: ".".join(path.with_suffix("").relative_to(REPO).parts) for name, path in blog_modules().items()
    }
    packages = sorted(p for p in blog_packages() if p != "blogext")
    assert set(packages) == set(MAY_IMPORT), "a new package needs its place in MAY_IMPORT"
    wrong = {}
    for name, path in blog_modules().items():
        package = next(p for p in packages if modules[name].startswith(p + "."))
        if outside := _outside(
            package, _imported_modules(path.read_text("utf-8"), modules) - {modules[name]}
        ):
            wrong[modules[name]] = sorted(outside)
    assert not wrong, f"imports against the layout: {wrong}"


def test_the_layout_check_sees_an_import_upwards():
    modules = {"posts": "blogext.core.posts", "cards": "blogext.pages.cards", "preview": "blogcli.preview"}
    assert _outside("blogext.core", _imported_modules("from blogext.pages import cards\n", modules))
    assert _outside("blogext.core", _imported_modules("def f():\n    import blogcli.preview\n", modules))
    assert not _outside("blogext.pages", _imported_modules("from blogext.core import posts\n", modules))
