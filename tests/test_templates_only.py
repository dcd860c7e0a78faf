"""No page HTML assembled in Python: every string of the blog's modules that holds an HTML tag is a
pattern that parses HTML, or in a short allow-list; markup comes from the escaping templates beside each
feature (its package's ``templates/blog/``, :mod:`blogext.core.safehtml`).

Read from the code with :mod:`ast`: string constants and f-strings (their literal parts, a
placeholder read as ``x``), except docstrings and bare string statements, the arguments of the
regular-expression functions (``re.compile``, ``pattern.search``..., the pattern of ``re.sub``), of
the string methods that look for text (``find``, ``startswith``, ``split``..., the text ``replace``
replaces) and of ``len``, and the left side of ``in``.
"""

from __future__ import annotations

import ast
import re

import pytest
from checkers import blog_modules
from conftest import REPO

#: Every HTML element name: a string holding ``<name ...>``, ``<name>``, ``<name/>`` or ``</name>`` of
#: one of these holds a tag (``<slug>`` or ``<docname>`` in a path's description does not).
ELEMENTS = frozenset(
    """a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption
    cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label
    legend li link main map mark menu meta meter nav noscript object ol optgroup option output p param
    picture pre progress q rp rt ruby s samp script search section select slot small source span strong
    style sub summary sup table tbody td template textarea tfoot th thead time title tr track u ul var
    video wbr applet font svg math""".split()
)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])[^<>]*>")

#: Regular-expression functions (of ``re``, or a compiled pattern's methods): their arguments are
#: patterns and text parsed, not markup. Not ``sub``: its replacement may build markup (only the
#: pattern of ``re.sub`` is skipped).
_PARSING_FUNCTIONS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "split"}
#: String methods whose arguments are text looked for.
_LOOKING_METHODS = {
    "find", "rfind", "index", "rindex", "startswith", "endswith", "count", "split", "rsplit", "partition",
    "rpartition", "removeprefix", "removesuffix",
}  # fmt: skip

#: (module, text in the string): strings that hold a tag and build no page, each with why.
ALLOWED = {
    # Marks looked for in rendered pages (written by the templates), cut at and put back.
    ("cards.py", '<li class="ablog-post post-card">'),
    ("searchindex.py", '<div class="blog-search-body" data-pagefind-body>'),
    # A fragment wrapped to be parsed by lxml (feeds read posts' HTML; nothing of it is written as is).
    ("feeds_content.py", "<html><body>"),
    # Error messages and findings naming elements in prose.
    ("offsite_reader.py", "<noscript> <style>"),
    ("offsite_reader.py", "<template> "),
    ("offsite_reader.py", "<style>"),
    ("offsite_reader.py", "<script>"),
    ("offsite.py", "no <object>, <embed> or <applet>"),
    ("offsite.py", "<base> element"),
}


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _parsed_arguments(call: ast.Call) -> list[ast.AST]:
    """The arguments of *call* that are patterns or text looked for, not markup."""
    func, everything = call.func, [*call.args, *(k.value for k in call.keywords)]
    if isinstance(func, ast.Name):
        return everything if func.id == "len" else []  # the length of a mark cut off
    name = _method(call)
    if name in _LOOKING_METHODS or name in _PARSING_FUNCTIONS:
        return everything
    if name in ("sub", "subn") and isinstance(func.value, ast.Name) and func.value.id == "re":
        return call.args[:1]  # re.sub's pattern
    if name == "replace":
        return call.args[:1]  # the text replaced
    return []


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        value = node.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def _skipped(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are not markup: docstrings and bare strings, patterns, text
    looked for."""
    skipped: set[int] = set()

    def skip(node: ast.AST) -> None:
        skipped.update(id(inner) for inner in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and _text(node.value) is not None:
            skip(node.value)
        elif isinstance(node, ast.Call):
            for argument in _parsed_arguments(node):
                skip(argument)
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            skip(node.left)
    return skipped


def markup_strings(module: str, source: str, allowed=ALLOWED) -> list[tuple[int, str]]:
    """(line, string) of every string in *source* (the module file *module*) that builds markup, but
    those *allowed*."""
    tree = ast.parse(source)
    skipped = _skipped(tree)
    # An f-string's literal parts are read with it, not alone.
    fstrings = [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    skipped.update(id(part) for node in fstrings for part in ast.walk(node) if part is not node)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        text = _text(node)
        if text is None:
            continue
        if not any(match[1].lower() in ELEMENTS for match in _TAG.finditer(text)):
            continue
        if any(name == module and part in text for name, part in allowed):
            continue
        found.append((node.lineno, text))
    return found


def test_no_blog_module_builds_page_html_in_python_strings():
    modules = sorted(blog_modules().values())
    assert len(modules) > 40
    found = [
        f"{path.relative_to(REPO)}:{line}: {text[:100]!r}"
        for path in modules
        for line, text in markup_strings(path.name, path.read_text("utf-8"))
    ]
    assert not found, "HTML built in Python (render a template with blogext.core.safehtml):\n" + "\n".join(
        found
    )


def test_every_string_the_check_allows_is_still_in_the_code():
    flagged = {
        path.name: [text for _, text in markup_strings(path.name, path.read_text("utf-8"), allowed=set())]
        for path in blog_modules().values()
    }
    unused = [entry for entry in ALLOWED if not any(entry[1] in text for text in flagged.get(entry[0], []))]
    assert not unused, f"allowed, but no longer in the code (remove them from ALLOWED): {unused}"


@pytest.mark.parametrize(
    ("source", "builds_markup"),
    [
        ("x = f'<div class=\"{c}\">'\n", True),
        ("x = '</section>\\n'\n", True),
        ('body.append(\'<meta name="a" content="b" />\')\n', True),
        ("x = b'<p>'\n", True),
        ("x = f'<{tag}>'\n", False),  # no element named: a placeholder
        ("x = f'<meta {attr}=\"{v}\" />'\n", True),
        ("x = '<slug>.md'\n", False),
        ("PATTERN = re.compile(r'<meta http-equiv=\"Content-Type\"[^>]*>')\n", False),
        ("x = _TAG.sub('', page)\n", False),
        ("x = re.sub(r'<b>', '<strong>', text)\n", True),  # the replacement builds markup
        ("x = _BOLD.sub(r'<strong>\\1</strong>', text)\n", True),
        ("x = text.replace('<br>', '')\n", False),
        ("i = page.rfind('</body>')\n", False),
        ("ok = '<html' in page\n", False),
        ("def f():\n    '''Writes a ``<meta>`` element.'''\n", False),
    ],
)
def test_the_check_finds_markup_built_in_python_and_nothing_else(source, builds_markup):
    assert bool(markup_strings("synthetic.py", source)) is builds_markup
