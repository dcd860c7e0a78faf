"""Private APIs only behind the doors: the architecture page's table of private uses, read against the code.

The table (docs/architecture.md, "Private APIs still used") names, for each private or undocumented thing
the site relies on, the door module that uses it and the names it has "in the code". This file checks:
each such name is in its door module and in no other module; each function of a door module that says it
uses something private or undocumented holds one of its rows' names; and no module outside the doors
reaches another package's private name (``x._name``, ``from pkg import _name``, ``pkg._module``).
"""

from __future__ import annotations

import ast
import re

import pytest
from checkers import PACKAGES, blog_modules
from conftest import REPO

ARCHITECTURE = REPO / "docs" / "architecture.md"
DOORS = ("ablogadapter", "pagefindadapter", "sphinxinternals")
#: Underscored names that are the documented API of their package, allowed anywhere.
DOCUMENTED = {
    "os._exit",  # the standard library's documented exit without clean-up (a forked child)
    "os._Environ",  # the type of os.environ, for annotations
    "etree._Element",  # lxml's documented element type, for annotations
    "sphinx.locale._",  # Sphinx's documented translation function
}
#: The project's own attributes kept on Sphinx's objects: named ``_blog_*``, private to no other package.
OWN_ATTRIBUTE = re.compile(r"^_blog_")


def _table_rows() -> list[tuple[str, list[str]]]:
    text = ARCHITECTURE.read_text("utf-8")
    section = text.split("## Private APIs still used", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[2])
        rows.append((cells[0].strip("`"), names))
    return rows


def _modules() -> dict[str, str]:
    return {name: path.read_text("utf-8") for name, path in blog_modules().items()}


def test_the_table_of_private_uses_is_read():
    rows = _table_rows()
    assert len(rows) >= 20, rows
    assert all(names for _module, names in rows), rows


@pytest.mark.parametrize("module,names", _table_rows(), ids=lambda value: str(value))
def test_each_private_use_in_the_table_is_in_its_door_module_only(module, names):
    modules = _modules()
    assert module in DOORS, f"{module} is not a door module ({', '.join(DOORS)})"
    for name in names:
        assert name in modules[module], f"the table says {module} uses {name!r}; it does not"
        others = sorted(other for other, text in modules.items() if other != module and name in text)
        assert not others, f"{name!r} is {module}'s to use, but {others} use it too"


def _declared_private_functions(source: str) -> list[tuple[str, str]]:
    """What a module says it uses that is private or undocumented: each function whose docstring says so
    (with its code), and each numbered item of its docstring's list of such uses."""
    tree = ast.parse(source)
    found = []
    listed = (ast.get_docstring(tree) or "").partition("Private or undocumented uses")[2]
    for number, item in enumerate(re.split(r"\n\d+\. ", "\n" + listed)[1:], start=1):
        found.append((f"docstring item {number}", item))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node) or ""
            if re.search(r"\b(Private|Undocumented):", doc):
                found.append((node.name, ast.get_source_segment(source, node) or ""))
    return found


@pytest.mark.parametrize("module", DOORS)
def test_every_private_use_a_door_module_declares_is_in_the_table(module):
    names = [name for where, row_names in _table_rows() if where == module for name in row_names]
    declared = _declared_private_functions(_modules()[module])
    assert declared, f"{module} declares no private use: the check below would see nothing"
    missing = [function for function, code in declared if not any(name in code for name in names)]
    assert not missing, f"{module}: {missing} say they use something private that the table omits"


def _private_reaches(source: str) -> list[str]:
    """Each place *source* reaches another package's private name, as ``line: what``."""
    tree = ast.parse(source)
    own: set[str] = set()  # names the module defines itself: its own classes' attributes and functions
    blog_names: set[str] = set()  # names bound to the project's own modules and objects
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                own.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            own.add(node.target.id)
        elif isinstance(node, ast.Assign):
            own.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(PACKAGES)):
            blog_names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            ours = [alias for alias in node.names if alias.name.startswith(PACKAGES)]
            blog_names.update((alias.asname or alias.name).split(".")[0] for alias in ours)

    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    reaches = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not (node.level or (node.module or "").startswith(PACKAGES)):
            module = node.module or ""
            for alias in node.names:
                if any(private(part) for part in module.split(".")) or (
                    private(alias.name) and f"{module}.{alias.name}" not in DOCUMENTED
                ):
                    reaches.append(f"{node.lineno}: from {module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(private(part) for part in alias.name.split(".")):
                    reaches.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and (base.id in ("self", "cls") or base.id in blog_names):
                continue
            if node.attr in own or OWN_ATTRIBUTE.match(node.attr) or ast.unparse(node) in DOCUMENTED:
                continue
            reaches.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and private(node.args[1].value)
            and not OWN_ATTRIBUTE.match(node.args[1].value)
            and node.args[1].value not in own
        ):
            reaches.append(f"{node.lineno}: {ast.unparse(node)}")
    return reaches


def test_no_module_outside_the_doors_reaches_a_private_name():
    found = {
        name: reaches
        for name, source in _modules().items()
        if name not in DOORS and (reaches := _private_reaches(source))
    }
    assert not found, f"private names reached outside {DOORS}: {found}"


@pytest.mark.parametrize(
    "source",
    [
        "import sphinx\nsphinx.application.Sphinx._load_existing_env(None)\n",
        "from sphinx.util import _private\n",
        "from sphinx._cli import main\n",
        "import myst_nb._compat\n",
        "x = getattr(app.env, '_cache', None)\n",
        "def f(app):\n    return app.registry._internal\n",
    ],
)
def test_the_private_check_sees_each_kind_of_reach(source):
    assert _private_reaches(source)


def test_the_private_check_lets_the_projects_own_names_be():
    source = (
        "import os\nfrom blogext import posts\nfrom sphinx.locale import _\n"
        "class Entry:\n    _xml = None\n\ndef f(app, entry):\n"
        "    entry._xml = b''\n    app._blog_state = 1\n    posts._helper()\n    os._exit(0)\n"
    )
    assert _private_reaches(source) == []
