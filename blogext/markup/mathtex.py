"""Equation numbers, ``\\label``, ``\\eqref`` and ``multline`` in TeX, for KaTeX (not an extension).

KaTeX draws ``\\tag{...}`` on any display line, but numbers ``align`` and ``gather``
with CSS counters that know nothing of Sphinx's numbers, and has no ``\\label``,
``\\eqref`` or ``multline``. :func:`number_page` numbers a page's equations the way
LaTeX does (one number an ``equation`` or ``multline``, one a line of ``align``,
``alignat`` or ``gather`` unless it has ``\\nonumber``/``\\notag`` or its own ``\\tag``;
Sphinx's ``{math}`` with ``:label:`` one number), writes each number as an explicit
``\\tag``, and turns ``\\eqref{x}``/``\\ref{x}`` into a link to the equation of the
same page whose ``\\label{x}`` it is.

String work on TeX, no docutils nodes: blogext.markup.math applies it to a page's nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docutils.nodes import make_id

#: Environments LaTeX numbers line by line, and one number for the whole.
ROW_NUMBERED = {"align", "gather", "alignat"}
ONE_NUMBER = {"equation", "multline"}
_BEGIN = re.compile(r"\\begin\s*\{(\w+\*?)\}")
_ENV_TOKEN = re.compile(r"\\(begin|end)\s*\{(\w+\*?)\}")
_ROW_BREAK = re.compile(r"\\\\\*?(?:\s*\[[^\]]*\])?")
_LABEL = re.compile(r"\\label\s*\{([^{}]*)\}")
_TAG = re.compile(r"\\tag(\*?)\s*\{([^{}]*)\}")
_NO_NUMBER = re.compile(r"\\(?:nonumber|notag)(?![A-Za-z])")
_REF = re.compile(r"\\(eqref|ref)\s*\{([^{}]*)\}")
#: Commands that define macros for the equations after them (KaTeX's globalGroup keeps them).
DEFINES = re.compile(r"\\(?:(?:re)?newcommand|providecommand|[gex]?def|let|futurelet|global)(?![A-Za-z])")


_NEWCOMMAND = re.compile(
    r"\\(?:re)?newcommand\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))\s*(?:\[(\d)\])?(?!\s*\[)"
)


def global_definitions(tex: str) -> str:
    """``\\newcommand`` and ``\\renewcommand`` as ``\\gdef``: a definition inside an environment is
    seen by the page's later equations too, as MathJax has it (LaTeX keeps it inside the group)."""

    def gdef(match: re.Match) -> str:
        count = int(match.group(3) or 0)
        return f"\\gdef{match.group(1) or match.group(2)}" + "".join(f"#{n}" for n in range(1, count + 1))

    return _NEWCOMMAND.sub(gdef, tex)


class TexError(ValueError):
    """A label or reference the page cannot have."""


@dataclass
class Unit:
    """One piece of TeX KaTeX draws on its own: an inline formula, or one display equation."""

    tex: str
    display: bool
    error: str | None = None


@dataclass
class Block:
    """A display block's pieces, what its numbers are, and the labels it defines."""

    units: list[Unit]
    multline: bool = False
    first_number: str | None = None
    labels: list[str] = field(default_factory=list)


def _scan(tex: str):
    """(position, depth) of every character outside braces and nested environments: depth 0 is top level."""
    depth, i = 0, 0
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            env = _ENV_TOKEN.match(tex, i)
            if env:
                depth += 1 if env.group(1) == "begin" else -1
                i = env.end()
                continue
            yield i, depth
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        yield i, depth
        i += 1


def split_rows(body: str) -> list[tuple[str, str]]:
    """*body* split at its top-level ``\\\\`` line breaks: (row, the break after it, or "")."""
    rows, start = [], 0
    for i, depth in _scan(body):
        if depth == 0 and i >= start and body.startswith("\\\\", i):
            brk = _ROW_BREAK.match(body, i)
            rows.append((body[start:i], brk.group(0)))
            start = brk.end()
    rows.append((body[start:], ""))
    return rows


def has_top_level_ampersand(tex: str) -> bool:
    return any(depth == 0 and tex[i] == "&" for i, depth in _scan(tex))


def outer_environment(tex: str) -> tuple[str, str, str] | None:
    """(name, argument, body) when *tex* is one environment from start to end, else None."""
    stripped = tex.strip()
    begin = _BEGIN.match(stripped)
    if not begin:
        return None
    name = begin.group(1)
    argument = ""
    rest = begin.end()
    if name.rstrip("*") == "alignat":
        arg = re.match(r"\s*\{[^{}]*\}", stripped[rest:])
        if arg:
            argument, rest = arg.group(0), rest + arg.end()
    end = f"\\end{{{name}}}"
    if not stripped.endswith(end):
        return None
    body = stripped[rest : -len(end)]
    if any(depth < 0 for _, depth in _scan(body)):  # the first \end closes an earlier environment
        return None
    return name, argument, body


class Numberer:
    """Numbers a page's equations in order, and remembers each label's number."""

    def __init__(self) -> None:
        self.count = 0
        self.labels: dict[str, str] = {}

    def next(self) -> str:
        self.count += 1
        return str(self.count)

    def _label(self, names: list[str], number: str | None) -> None:
        for name in names:
            if number is None:
                raise TexError(
                    f"\\label{{{name}}} is on an equation without a number (expected a numbered "
                    "environment such as equation or align, a \\tag, or the {math} directive's :label:)"
                )
            if name in self.labels:
                raise TexError(f"\\label{{{name}}} is used twice on this page")
            self.labels[name] = number

    def row(self, tex: str, numbered: bool) -> tuple[str, str | None]:
        """One line: its TeX with its number as a ``\\tag`` and no ``\\label``; its number (or tag)."""
        labels = _LABEL.findall(tex)
        tex = _LABEL.sub("", tex)
        tag = _TAG.search(tex)
        if tag:
            number = tag.group(2)
        elif _NO_NUMBER.search(tex) or not numbered or not tex.strip():
            number = None
        else:
            number = self.next()
            tex = f"{tex.rstrip()} \\tag{{{number}}}"
        self._label(labels, number)
        return _NO_NUMBER.sub("", tex), number

    def block(self, parts: list[str], sphinx_numbered: bool, wrap_ampersands: bool) -> Block:
        """A display block made of *parts* (each its own equation); *sphinx_numbered*: ``:label:`` given."""
        block = Block(units=[])
        numbers: list[str | None] = []
        for index, part in enumerate(parts):
            want = sphinx_numbered and index == len(parts) - 1 and not any(numbers)
            try:
                numbers += self._part(block, part, want, wrap_ampersands)
            except TexError as error:
                block.units.append(Unit(part, True, error=str(error)))
        block.first_number = next((n for n in numbers if n), None)
        return block

    def _part(self, block: Block, part: str, sphinx_number: bool, wrap_ampersands: bool) -> list[str | None]:
        env = outer_environment(part)
        if env and env[0].rstrip("*") == "multline":
            block.multline = True
            return self._multline(block, env)
        if env and env[0].rstrip("*") in ROW_NUMBERED | {"equation"}:
            tex, numbers = self._environment(env)
            block.units.append(Unit(tex, True))
            return numbers
        tex, number = self.row(part, sphinx_number)
        if wrap_ampersands and has_top_level_ampersand(tex):
            tex = f"\\begin{{aligned}}{tex}\\end{{aligned}}"
        block.units.append(Unit(tex, True))
        return [number]

    def _environment(self, env: tuple[str, str, str]) -> tuple[str, list[str | None]]:
        name, argument, body = env
        numbered = not name.endswith("*")
        base = name.rstrip("*")
        if base == "equation":
            tex, number = self.row(body, numbered)
            return f"\\begin{{equation*}}{tex}\\end{{equation*}}", [number]
        rows, numbers = [], []
        for row, brk in split_rows(body):
            tex, number = self.row(row, numbered)
            rows.append(tex + brk)
            numbers.append(number)
        return f"\\begin{{{base}*}}{argument}{''.join(rows)}\\end{{{base}*}}", numbers

    def _multline(self, block: Block, env: tuple[str, str, str]) -> list[str | None]:
        """multline as LaTeX sets it: first line to the left, last to the right, one number on the last."""
        name, _, body = env
        rows = [row for row, _ in split_rows(body)]
        labels = [label for row in rows for label in _LABEL.findall(row)]
        rows = [_LABEL.sub("", row) for row in rows]
        tagged = any(_TAG.search(row) for row in rows)
        skip = tagged or name.endswith("*") or any(_NO_NUMBER.search(row) for row in rows)
        number = None if skip else self.next()
        if tagged:
            number = next(_TAG.search(row).group(2) for row in rows if _TAG.search(row))
        if number is not None and not tagged:
            rows[-1] = f"{rows[-1].rstrip()} \\tag{{{number}}}"
        self._label(labels, number)
        block.units += [Unit(_NO_NUMBER.sub("", row), True) for row in rows]
        return [number]

    def references(self, unit: Unit) -> None:
        """``\\eqref{x}`` as a link showing ``(n)``, ``\\ref{x}`` one showing ``n``: labels of this page."""

        def link(match: re.Match) -> str:
            name = match.group(2)
            if name not in self.labels:
                raise TexError(
                    f"\\{match.group(1)}{{{name}}}: no equation on this page has \\label{{{name}}} "
                    "(an equation of another page: write {eq}`" + name + "` in the text)"
                )
            number = self.labels[name]
            shown = f"({number})" if match.group(1) == "eqref" else number
            return f"\\href{{#{anchor(name)}}}{{\\text{{{shown}}}}}"

        try:
            unit.tex = _REF.sub(link, unit.tex)
        except TexError as error:
            unit.error = str(error)


def anchor(label: str) -> str:
    """The HTML id of the equation labelled *label*, as Sphinx's math domain links to it."""
    return make_id(f"equation-{label}")
