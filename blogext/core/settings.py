"""The project's settings: declared per feature, registered and checked here (not an extension).

A feature declares its settings once, as one frozen dataclass whose fields are the settings (a default,
a type annotation, and :func:`setting`'s metadata: the help text, what a change rebuilds, a check of
the value's range or form), and registers it in its ``setup``::

    @dataclass(frozen=True)
    class RelatedSettings:
        related_posts: int = setting(3, "how many related posts ...", "html", check=at_least(0))

    def setup(app):
        settings.add(app, RelatedSettings)

and reads it as a typed instance: ``settings.of(app.config, RelatedSettings).related_posts``.

**The prefix.** A field ``x`` is the setting ``blogext_x`` in ``conf.py`` (the extension package's name),
so that a reader of ``conf.py`` tells the blog's settings from ABlog's, which keep their ``blog_`` names.
Computed settings (the post model's "today" and unpublished posts, the served URL) are declared the same
way with ``computed=True``; their one writer sets them with :func:`put` at ``config-inited``.

**One check.** At ``config-inited``, before any listener of the blog reads a setting
(``blogext.SETTINGS``), every registered value is checked against its annotation and its check, and
the names ``conf.py`` sets are checked too: a project setting under its old name (``blog_x``, before
the prefix) or an unknown ``blog_*``/``blogext_*`` name stops the build, naming the new name or the
closest known one. Sphinx itself ignores unknown names silently. Every problem is one line of the
:class:`~blogext.core.errors.SettingError` that stops the build.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sphinx.application import Sphinx
from sphinx.config import Config

import blogext
from blogext.core import buildstate, sphinxinternals
from blogext.core.errors import SettingError

T = TypeVar("T")

#: The prefix of every setting the project owns.
PREFIX = "blogext_"

#: The project's settings as they were named before the prefix (issue 24): in ``conf.py`` each stops the
#: build naming its new name, ``blogext_`` + the rest. ABlog's own ``blog_*`` settings are not here.
RENAMED = frozenset(
    {
        "blog_allowed_hosts",
        "blog_author_bios",
        "blog_canonical_url",
        "blog_comments",
        "blog_custom_domain",
        "blog_deferred_scripts",
        "blog_extra_front_matter_keys",
        "blog_feed_archive_length",
        "blog_feed_site_length",
        "blog_feed_tag_authority",
        "blog_feed_tag_date",
        "blog_figure_numbers",
        "blog_giscus",
        "blog_interactive_modules",
        "blog_katex_folder",
        "blog_math_macros",
        "blog_mermaid_dist",
        "blog_noindex_pages",
        "blog_notebook_launch",
        "blog_pages_repository",
        "blog_preview",
        "blog_recent_posts",
        "blog_related_posts",
        "blog_resolved_today",
        "blog_search_only_scripts",
        "blog_search_part_pages",
        "blog_search_placeholder",
        "blog_search_results",
        "blog_series_path",
        "blog_served_url",
        "blog_timezone",
        "blog_today",
        "blog_unpublished_posts",
        "blog_words_per_minute",
    }
)


@dataclass(frozen=True)
class Check:
    """A test of a value beyond its type: *expected* says what passes ("a whole number >= 0")."""

    expected: str
    test: Callable[[Any], bool]


def at_least(least: int) -> Check:
    """Whole numbers from *least* on."""
    return Check(f"a whole number >= {least}", lambda value: value >= least)


def setting(
    default: Any, help: str, rebuild: str = "", *, check: Check | None = None, computed: bool = False
):
    """A field of a feature's settings: its *default*, *help* text, what a change of it rebuilds (Sphinx's
    "env", "html" or ""), a *check* of the values its type allows, and whether the build computes it."""
    metadata = {"help": f"computed: {help}" if computed else help, "rebuild": rebuild, "check": check}
    metadata["computed"] = computed
    if isinstance(default, dict | list):
        return dataclasses.field(default_factory=functools.partial(type(default), default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Declared:
    """One field of a feature's settings, as registered: its setting's name and type."""

    name: str
    field: dataclasses.Field
    annotation: Any

    @property
    def check(self) -> Check | None:
        return self.field.metadata.get("check")

    @property
    def computed(self) -> bool:
        return bool(self.field.metadata.get("computed"))

    @property
    def default(self) -> Any:
        if self.field.default_factory is not dataclasses.MISSING:
            return self.field.default_factory()
        return list(self.field.default) if isinstance(self.field.default, tuple) else self.field.default


@functools.cache
def declared(kind: type) -> tuple[Declared, ...]:
    """The settings the dataclass *kind* declares."""
    if not (dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen):
        raise TypeError(f"{kind.__name__} is not a frozen dataclass of settings")
    hints = typing.get_type_hints(kind)
    return tuple(Declared(PREFIX + f.name, f, hints[f.name]) for f in dataclasses.fields(kind))


@dataclass
class _Registered:
    """This build's registered settings classes (a per-build state)."""

    kinds: list[type] = dataclasses.field(default_factory=list)


def add(app: Sphinx, kind: type) -> None:
    """Register every setting of the dataclass *kind* with Sphinx; call it in the feature's ``setup``."""
    registered = buildstate.of(app, _Registered)
    if kind in registered.kinds:
        return
    if not registered.kinds:
        app.connect("config-inited", _check, priority=blogext.SETTINGS)
        app.connect("builder-inited", _final, priority=0)
    registered.kinds.append(kind)
    for one in declared(kind):
        rebuild = one.field.metadata["rebuild"]
        app.add_config_value(
            one.name,
            one.default,
            rebuild,
            types=_types(one.annotation),
            description=one.field.metadata["help"],
        )


def is_registered(config: Config, kind: type) -> bool:
    """Whether this build has the settings of *kind* (its feature's extension is loaded)."""
    return all(one.name in config for one in declared(kind))


#: Where the configuration keeps each settings class's typed instance once its values are final
#: (Sphinx pickles no ``_`` name of a configuration).
_TYPED = "_blog_typed_settings"


def of(config: Config, kind: type[T]) -> T:
    """The settings of *kind* this build has, typed (lists as tuples), checked at ``config-inited``.

    Made from the configuration's values until ``config-inited`` has ended, so what a feature writes
    then (:func:`put`) is always seen; from ``builder-inited`` on, when the values are final, made once
    a build (features ask tens of thousands of times a build). A feature whose extension is not loaded
    has its declared defaults.
    """
    typed = config.__dict__.get(_TYPED)
    if typed is not None and kind in typed:
        return typed[kind]
    values = {
        one.field.name: _typed(getattr(config, one.name), one.annotation)
        for one in declared(kind)
        if one.name in config
    }
    made = kind(**values)
    if typed is not None:
        typed[kind] = made
    return made


def _final(app: Sphinx) -> None:
    """``builder-inited``: every ``config-inited`` listener has run; the values are final."""
    app.config.__dict__[_TYPED] = {}


def put(config: Config, kind: type, **values: Any) -> None:
    """Write settings of *kind* at ``config-inited``: the computed ones, by their one writer (the
    feature that declares them), or a value it settled (``BLOG_PREVIEW`` over ``blogext_preview``)."""
    names = {one.field.name: one.name for one in declared(kind)}
    for field_name, value in values.items():
        setattr(config, names[field_name], value)
    if _TYPED in config.__dict__:  # too late, but seen all the same
        config.__dict__[_TYPED] = {}


# -- The check ------------------------------------------------------------------------------------------


def _check(app: Sphinx, config: Config) -> None:
    """Stop the build on any setting the blog cannot use: one problem a line."""
    problems = _names_problems(app, config)
    for kind in buildstate.of(app, _Registered).kinds:
        for one in declared(kind):
            if one.computed:
                continue
            value = getattr(config, one.name)
            if isinstance(value, str) and one.name in sphinxinternals.command_line_settings(config):
                value = _from_command_line(config, one, value)
            if (problem := problem_of(one, value)) is not None:
                problems.append(problem)
    if problems:
        raise SettingError("\n".join(problems))


def problem_of(one: Declared, value: Any) -> str | None:
    """What is wrong with *value* for the setting *one*, as a line naming the setting, or None."""
    check = one.check
    expected = _describe(one.annotation, check)
    where = _mismatch(value, one.annotation)
    if where is None and check is not None and value is not None and not check.test(value):
        where = ""
    if where is None:
        return None
    return f"{one.name}: expected {expected}, got {value!r}{where}"


def _names_problems(app: Sphinx, config: Config) -> list[str]:
    """The names ``conf.py`` (or ``-D``) sets that are old names of the project's settings, unknown
    ``blog_*``/``blogext_*`` names, or computed settings."""
    known = sorted(name for name in config.values if name.startswith(("blog_", PREFIX)))
    computed = {
        one.name for kind in buildstate.of(app, _Registered).kinds for one in declared(kind) if one.computed
    }
    problems = []
    for name in sphinxinternals.conf_py_settings(config):
        if name in RENAMED:
            problems.append(f"{name} is now {PREFIX}{name.removeprefix('blog_')} (rename it in conf.py)")
        elif name in computed:
            problems.append(f"{name} is computed by the build (expected it nowhere in conf.py)")
        elif name in config or not name.startswith(("blog_", PREFIX)):
            continue
        elif name.startswith("blog_") and "ablog" not in app.extensions:
            continue  # ABlog's own settings, in a build without ABlog
        else:
            close = _closest(name, known)
            hint = f" (did you mean {close}?)" if close else ""
            problems.append(f"{name} in conf.py is not a setting of any extension this build loads{hint}")
    return problems


def _closest(name: str, known: list[str]) -> str | None:
    """The known name closest to *name*, comparing the parts after the prefixes too."""
    bare = name.removeprefix(PREFIX).removeprefix("blog_")
    scored = [(max(difflib.SequenceMatcher(None, name, k).ratio(), _bare_ratio(bare, k)), k) for k in known]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] >= 0.75 else None


def _bare_ratio(bare: str, known: str) -> float:
    return difflib.SequenceMatcher(None, bare, known.removeprefix(PREFIX).removeprefix("blog_")).ratio()


def _from_command_line(config: Config, one: Declared, value: str) -> Any:
    """A ``-D`` value given as text where Sphinx does not convert it (a whole number or None)."""
    if int in _members(one.annotation) and value.strip().lstrip("-").isdigit():
        setattr(config, one.name, int(value))
        return int(value)
    return value


# -- Types --------------------------------------------------------------------------------------------


def _members(annotation: Any) -> tuple[Any, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def _types(annotation: Any) -> list[type]:
    """The types Sphinx is told a setting may have."""
    found: list[type] = []
    for member in _members(annotation):
        origin = typing.get_origin(member) or member
        found += [list, tuple] if origin is tuple else [type(None) if member is None else origin]
    return found


_NAMES = {
    str: "a string",
    int: "a whole number",
    bool: "True or False",
    type(None): "None",
    float: "a number",
}


def _describe(annotation: Any, check: Check | None = None) -> str:
    """What a value of *annotation* is, in words (its check's words for the type it checks)."""
    words = []
    for member in _members(annotation):
        origin, args = typing.get_origin(member), typing.get_args(member)
        if member is None or member is type(None):
            words.append("None")
        elif check is not None:
            words.append(check.expected)
        elif origin is tuple:
            words.append(f"a list of {_plural(args[0])}")
        elif origin is dict or member is dict:
            words.append(f"a dict of {_plural(args[0])} to {_plural(args[1])}" if args else "a dict")
        else:
            words.append(_NAMES.get(member, getattr(member, "__name__", str(member))))
    return " or ".join(words)


def _plural(annotation: Any) -> str:
    if annotation is Any or annotation is object:
        return "values"
    word = _describe(annotation)
    return {"a string": "strings", "a whole number": "whole numbers", "True or False": "True or False"}.get(
        word, word
    )


def _mismatch(value: Any, annotation: Any) -> str | None:
    """None when *value* is of *annotation*; else "" or the words naming the element that is not."""
    found = ""
    for member in _members(annotation):
        where = _mismatch_one(value, member)
        if where is None:
            return None
        found = found or where
    return found


def _mismatch_one(value: Any, annotation: Any) -> str | None:
    if annotation is Any or annotation is object:
        return None
    if annotation is None or annotation is type(None):
        return None if value is None else ""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            return ""
        return _first_bad(value, args[0])
    if origin is dict or annotation is dict:
        if not isinstance(value, dict):
            return ""
        if not args:
            return None
        keys = _first_bad(list(value), args[0], what="key")
        return keys if keys is not None else _first_bad(list(value.values()), args[1])
    if annotation is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else ""
    return None if isinstance(value, annotation) else ""


def _first_bad(items: list, annotation: Any, what: str = "item") -> str | None:
    for item in items:
        if _mismatch(item, annotation) is not None:
            return f" (the {what} {item!r} is not {_describe(annotation)})"
    return None


def _typed(value: Any, annotation: Any) -> Any:
    """*value* as the typed instance holds it: a list as a tuple."""
    if isinstance(value, list) and any(typing.get_origin(m) is tuple for m in _members(annotation)):
        return tuple(value)
    return value


def declared_settings(app: Sphinx) -> Mapping[str, type]:
    """Every setting this build registered, with the dataclass that declares it."""
    return {one.name: kind for kind in buildstate.of(app, _Registered).kinds for one in declared(kind)}
