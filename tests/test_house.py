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
        "frontmatter": "from blogext.posts import today\n",
        "math": "import blogext.posts\n",
    }
    assert _circle(_graph(sources)) == ["ablogadapter", "frontmatter", "posts", "ablogadapter"]
