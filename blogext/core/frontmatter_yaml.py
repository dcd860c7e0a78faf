"""Front matter read strictly: plain YAML keys and values, each key once, bounded in size.

Front matter is a handful of ``key: value`` lines. YAML can say far more, and
some of it lets a file mean something other than it shows, or cost more than a
build can pay:

- a key written twice (``draft: true``, then ``draft: false``) would silently
  keep the last value: refused, naming the key and both lines;
- anchors (``&a``), aliases (``*a``) and the merge key (``<<``) have no use in
  front matter, and aliases nest a "billion laughs" into a few lines: refused at
  the first such event of the parser, before any value is made, so the refusal
  is as quick as reading the text;
- more than :data:`MAX_BYTES` of front matter, or nesting deeper than
  :data:`MAX_DEPTH`, is refused before and while parsing.

:func:`load` raises :class:`StrictYAMLError` (a ``yaml.MarkedYAMLError``, so
its ``problem`` and ``problem_mark`` say what and where) or PyYAML's own error
for text that is not YAML. Dates stay text, so an impossible date is the
front-matter check's error, not a YAML crash.

A notebook's front matter is its JSON metadata: :func:`load_notebook` refuses a
key written twice in it as well (:class:`DuplicateKeyError`), since JSON too
keeps the last value silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

#: The most front matter a file may have, in bytes of UTF-8. The longest real front matter (a
#: description, tags, a few MyST substitutions) is under 2 KiB; 64 KiB leaves room for long
#: substitutions, and bounds what PyYAML parses (tens of milliseconds) before a build starts.
MAX_BYTES = 64 * 1024
#: The deepest nesting of lists and mappings: front matter needs three levels (``myst:``
#: ``substitutions:`` then a value); deeper is a mistake, or an attack on the parser's stack.
MAX_DEPTH = 16

_PLAIN = "expected plain keys and values: front matter has no use for anchors, aliases or merge keys"


class StrictYAMLError(yaml.MarkedYAMLError):
    """Front matter that is YAML, but not the plain YAML front matter may be.

    *template* says what, with ``{at}`` where the lines go; *lines* are 0-based lines of the YAML
    text (see :meth:`describe`).
    """

    def __init__(self, template: str, lines: tuple[int, ...] = (), mark: yaml.Mark | None = None) -> None:
        super().__init__(problem=template.format(at=_at(lines, 1)), problem_mark=mark)
        self.template = template
        self.lines = lines

    def describe(self, first_line: int) -> str:
        """The problem, with the lines counted from *first_line* (the file's line of the YAML's first)."""
        return self.template.format(at=_at(self.lines, first_line))

    def __str__(self) -> str:
        return self.problem or ""


def _at(lines: tuple[int, ...], first_line: int) -> str:
    numbers = [str(line + first_line) for line in lines]
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f" on line {numbers[0]}"
    return f" on lines {', '.join(numbers[:-1])} and {numbers[-1]}"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader; dates stay text; a key twice and the merge key ``<<`` are refused."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        return _construct_mapping(self, node, deep)


#: The same loader with libyaml's parser, when PyYAML has it: several times quicker. Its error
#: messages differ, so text it rejects as YAML is read again by :class:`_Loader`, whose messages count.
_FastLoader: type = _Loader
if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            return _construct_mapping(self, node, deep)


def _construct_mapping(loader: yaml.constructor.SafeConstructor, node: yaml.MappingNode, deep: bool) -> dict:
    _check_keys(loader, node)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


def _check_keys(loader: yaml.BaseConstructor, node: yaml.MappingNode) -> None:
    """Refuse the merge key and any key written twice in the mapping *node*."""
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value in node.value:
        line = key_node.start_mark.line
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise StrictYAMLError(
                f"front matter has the merge key '<<'{{at}} ({_PLAIN}; write the keys themselves)",
                (line,),
                key_node.start_mark,
            )
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:
            continue  # an unhashable key: PyYAML's own error follows
        if first is not key_node:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
            raise StrictYAMLError(
                f"front matter has the key {str(name)!r} twice{{at}} "
                "(expected each key once: keep the value you mean, delete the other)",
                (first.start_mark.line, line),
                key_node.start_mark,
            )


def _check_events(text: str, loader: type) -> None:
    """Refuse anchors, aliases and deep nesting at the parser's events, before any value is made."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        line = (event.start_mark.line,)
        if isinstance(event, AliasEvent):
            raise StrictYAMLError(
                f"front matter has the alias '*{event.anchor}'{{at}} ({_PLAIN}; write the value itself)",
                line,
                event.start_mark,
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise StrictYAMLError(
                f"front matter has the anchor '&{event.anchor}'{{at}} ({_PLAIN}; delete '&{event.anchor}')",
                line,
                event.start_mark,
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise StrictYAMLError(
                    f"front matter nests lists and mappings more than {MAX_DEPTH} deep{{at}} "
                    "(expected plain keys and values)",
                    line,
                    event.start_mark,
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _load_with(text: str, loader: type) -> Any:
    _check_events(text, loader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader subclasses


def load(text: str) -> Any:
    """*text*, front matter without its ``---`` lines, loaded as strict YAML.

    Raises :class:`StrictYAMLError` for what front matter may not hold (its message names the key
    or the anchor, and its mark the line) and ``yaml.YAMLError`` for text that is not YAML.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise StrictYAMLError(
            f"front matter is {size:,} bytes (expected at most {MAX_BYTES:,} bytes: "
            "a few 'key: value' lines; long text belongs in the post's body)"
        )
    if _FastLoader is not _Loader:
        try:
            return _load_with(text, _FastLoader)
        except StrictYAMLError:
            raise
        except yaml.YAMLError:
            pass  # read again below, for PyYAML's clearer message
    return _load_with(text, _Loader)


def split_front_matter(text: str) -> tuple[str | None, int]:
    """The YAML between the opening and closing ``---`` lines (None without front matter), and the
    0-based index of the closing line (-1 when not closed)."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), i
    return "\n".join(lines[1:]), -1


# -- Notebooks' JSON metadata ------------------------------------------------------------------------


class DuplicateKeyError(ValueError):
    """A notebook's metadata has a key twice; the message names it and its lines."""


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    made = _Object(pairs)
    if len(made) < len(pairs):
        seen: set[str] = set()
        made.duplicates = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return made


def _duplicates(value: Any) -> Iterator[str]:
    if isinstance(value, _Object):
        yield from value.duplicates
        for item in value.values():
            yield from _duplicates(item)
    elif isinstance(value, list):
        for item in value:
            yield from _duplicates(item)


#: The notebook's own metadata, as Jupyter writes it (indented one space), after its cells.
_TOP_METADATA = re.compile(r'^ ?"metadata"\s*:', re.MULTILINE)


def _key_lines(text: str, key: str) -> list[int]:
    """The 0-based lines where *key* is given in the notebook's own metadata (none if it cannot tell)."""
    tops = list(_TOP_METADATA.finditer(text))
    if not tops:
        return []
    written = re.escape(json.dumps(key)[1:-1])
    found = re.finditer(rf'"{written}"\s*:', text[tops[-1].end() :])
    start = text.count("\n", 0, tops[-1].end())
    lines = [start + text.count("\n", tops[-1].end(), tops[-1].end() + m.start()) for m in found]
    return lines if len(lines) > 1 else []


def load_notebook(text: str) -> Any:
    """The notebook JSON *text*; raises :class:`DuplicateKeyError` when its ``metadata`` (at any depth
    within it) gives a key twice, and ``ValueError`` when it is not JSON."""
    notebook = json.loads(text, object_pairs_hook=_object)
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    for key in _duplicates(metadata):
        at = _at(tuple(_key_lines(text, key)), 1)
        raise DuplicateKeyError(
            f"notebook metadata has the key {key!r} twice{at} "
            "(expected each key once: keep the value you mean, delete the other)"
        )
    return notebook
