"""The house's shape, read from the code: the modules of ``blogext`` import one another without a circle."""

from __future__ import annotations

import ast

from conftest import REPO

BLOGEXT = REPO / "blogext"


def _blog_imports(source: str) -> set[str]:
    """The ``blogext`` modules *source* imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("blogext."))
        elif isinstance(node, ast.ImportFrom) and node.module == "blogext":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("blogext."):
            found.add(node.module.split(".")[1])
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
    sources = {path.stem: path.read_text("utf-8") for path in BLOGEXT.glob("*.py")}
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
        for path in sorted(BLOGEXT.glob("*.py"))
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
        for path in BLOGEXT.glob("*.py")
        if (n := len(path.read_text("utf-8").splitlines())) > 600
    }
    assert not long, f"split these modules (at most 600 lines each): {long}"
