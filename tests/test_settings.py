"""The blog's settings: declared once per feature, registered and checked in one place, under ``blogext_``.

Real builds of ``tests/roots/test-settings`` (every extension of the site) with bad settings appended to its
``conf.py``: each kind of bad value, an old name and a typo stop the build before anything is read, naming
the setting, what was expected and what was given. The registry is introspected after a clean build: every
project setting is declared in exactly one dataclass and starts with ``blogext_``, and ABlog's settings keep
their names. An AST check: no module but ``blogext.core.settings`` registers a setting.
"""

from __future__ import annotations

import ast
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from checkers import blog_modules
from conftest import REPO, ROOTS, BuiltSite, assert_clean, run_sphinx

sys.path.insert(0, str(REPO))
from blogext.core import settings  # noqa: E402
from blogext.core.settings import Check, at_least, setting  # noqa: E402


def _site(tmp_path: Path, extra: str = "") -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-settings", src)
    shutil.copytree(REPO / "_templates", src / "_templates")
    if extra:
        with (src / "conf.py").open("a", encoding="utf-8") as conf:
            conf.write("\n" + extra + "\n")
    return src


def _build(tmp_path: Path, extra: str = "", *args: str) -> BuiltSite:
    return run_sphinx(_site(tmp_path, extra), tmp_path / "out", *args)


def _stopped(built: BuiltSite, *lines: str) -> None:
    """The build stopped before reading anything, with each of *lines* in its message."""
    assert built.returncode == 1, built.stderr
    for line in lines:
        assert line in built.stderr, built.stderr
    assert "reading sources" not in built.stdout
    assert not (built.outdir / "index.html").exists()


# -- bad values: one check, one line each ------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (  # the wrong type: text for a whole number
            "blogext_related_posts = '3'",
            "blogext_related_posts: expected a whole number >= 0, got '3'",
        ),
        (  # True is not a number, though Python's bool is an int
            "blogext_search_results = True",
            "blogext_search_results: expected a whole number >= 1, got True",
        ),
        (  # out of range
            "blogext_recent_posts = -1",
            "blogext_recent_posts: expected a whole number >= 0, got -1",
        ),
        (  # a list with an element of the wrong type
            "blogext_allowed_hosts = ['example.org', 3]",
            "blogext_allowed_hosts: expected a list of host names such as ['www.youtube-nocookie.com'], "
            "or [], got ['example.org', 3] (the item 3 is not a string)",
        ),
        (  # a list for a dict
            "blogext_author_bios = ['ada']",
            "blogext_author_bios: expected a dict of strings to strings, got ['ada']",
        ),
        (  # a dict with a value of the wrong type
            "blogext_author_bios = {'ada': 3}",
            "blogext_author_bios: expected a dict of strings to strings, got {'ada': 3} "
            "(the item 3 is not a string)",
        ),
        (  # a bool for a string
            "blogext_mermaid_dist = False",
            "blogext_mermaid_dist: expected a string, got False",
        ),
        (  # a check of the value's form
            "blogext_timezone = 'Mars/Olympus'",
            "blogext_timezone: expected an IANA time zone name such as 'Europe/London' or 'UTC', "
            "got 'Mars/Olympus'",
        ),
    ],
    ids=["type", "bool-for-int", "range", "element", "list-for-dict", "dict-value", "bool-for-str", "form"],
)
def test_a_bad_value_stops_the_build_naming_setting_expectation_and_value(tmp_path, extra, line):
    _stopped(_build(tmp_path, extra), line)


def test_every_bad_setting_is_named_at_once_one_a_line(tmp_path):
    built = _build(tmp_path, "blogext_related_posts = -2\nblogext_figure_numbers = 'no'")
    _stopped(
        built,
        "blogext_figure_numbers: expected True or False, got 'no'\n",
        "blogext_related_posts: expected a whole number >= 0, got -2",
    )


def test_a_whole_number_or_none_given_on_the_command_line_is_read_as_a_number(tmp_path):
    # Sphinx leaves -D values as text when the default is None; the check reads them as numbers.
    assert_clean(_build(tmp_path, "", "-D", "blogext_feed_archive_length=2"))
    _stopped(
        _build(tmp_path / "bad", "", "-D", "blogext_feed_archive_length=0"),
        "blogext_feed_archive_length: expected a whole number >= 1 or None, got 0",
    )


# -- names: old ones, typos, computed ones, and ABlog's ---------------------------------------------


def test_an_old_name_stops_the_build_naming_the_new_one(tmp_path):
    built = _build(tmp_path, "blog_related_posts = 3\nblog_allowed_hosts = []")
    _stopped(
        built,
        "blog_related_posts is now blogext_related_posts (rename it in conf.py)",
        "blog_allowed_hosts is now blogext_allowed_hosts (rename it in conf.py)",
    )


def test_an_old_name_on_the_command_line_is_named_too(tmp_path):
    built = _build(tmp_path, "", "-D", "blog_search_results=5")
    _stopped(built, "blog_search_results is now blogext_search_results")


@pytest.mark.parametrize(
    ("extra", "suggestion"),
    [
        ("blogext_related_post = 3", "blogext_related_posts"),
        ("blogext_alowed_hosts = []", "blogext_allowed_hosts"),
        ("blog_titel = 'x'", "blog_title"),  # ABlog's, misspelt
        ("blog_related_postz = 3", "blogext_related_posts"),  # an old name, misspelt
    ],
)
def test_a_typo_stops_the_build_with_the_closest_known_name(tmp_path, extra, suggestion):
    name = extra.split(" ")[0]
    built = _build(tmp_path, extra)
    _stopped(
        built,
        f"{name} in conf.py is not a setting of any extension this build loads (did you mean {suggestion}?)",
    )


def test_a_computed_setting_in_conf_py_stops_the_build(tmp_path):
    _stopped(
        _build(tmp_path, "blogext_resolved_today = '2024-01-01'"),
        "blogext_resolved_today is computed by the build (expected it nowhere in conf.py)",
    )


def test_ablogs_settings_keep_their_names_and_are_left_to_ablog(make_app, tmp_path, monkeypatch):
    from ablog.blog import CONFIG

    ablogs = {entry[0] for entry in CONFIG}
    assert not ablogs & {name.removeprefix("blogext_") for name in settings.RENAMED}
    assert not {f"blog_{name}" for name in ablogs} & settings.RENAMED
    app = _app(make_app, tmp_path, monkeypatch)
    assert app.config.blog_title == "Settings test blog"
    assert app.config.blog_post_pattern == ["posts/*/*"]
    assert not ablogs & set(settings.declared_settings(app))


# -- the registry --------------------------------------------------------------------------------------


def _app(make_app, tmp_path: Path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))
    for name in (
        "BLOG_TODAY",
        "BLOG_PREVIEW",
        "BLOG_PAGES_REPOSITORY",
        "BLOG_CANONICAL_URL",
        "BLOG_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    app = make_app("dirhtml", srcdir=_site(tmp_path))
    app.build()
    assert app.statuscode == 0
    assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
    return app


def test_every_project_setting_is_declared_in_one_dataclass_under_the_prefix(make_app, tmp_path, monkeypatch):
    from ablog.blog import CONFIG

    app = _app(make_app, tmp_path, monkeypatch)
    declared = settings.declared_settings(app)
    kinds = set(declared.values())
    names = [one.name for kind in kinds for one in settings.declared(kind)]
    assert len(names) == len(set(names)), "a setting declared twice"
    assert all(name.startswith("blogext_") for name in names)
    registered = {value.name for value in app.config}
    assert {name for name in registered if name.startswith("blogext_")} == set(names)
    ablogs = {entry[0] for entry in CONFIG}
    assert {name for name in registered if name.startswith("blog_")} <= ablogs, "a blog_ setting not ABlog's"
    # Every setting the site had before the prefix is declared again, under it.
    assert {"blogext_" + name.removeprefix("blog_") for name in settings.RENAMED} <= set(names)
    # Each declared value is in the configuration, typed as declared.
    for kind in kinds:
        assert isinstance(settings.of(app.config, kind), kind)


def _registrations(source: str) -> list[str]:
    """Where *source* calls ``add_config_value``."""
    return [
        f"{node.lineno}: {ast.unparse(node)[:60]}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("add_config_value")
    ]


def test_no_module_but_the_settings_core_registers_a_setting():
    found = {
        path.stem: places
        for path in blog_modules().values()
        if path.stem != "settings" and (places := _registrations(path.read_text("utf-8")))
    }
    assert not found, f"settings registered outside blogext.core.settings: {found}"
    assert _registrations(blog_modules()["settings"].read_text("utf-8"))


def test_the_registration_check_sees_a_registration():
    assert _registrations("def setup(app):\n    app.add_config_value('blog_x', 1, 'html')\n")
    assert _registrations("def setup(app):\n    app.add_config_value(name, 1, 'html')\n")
    assert _registrations("def setup(app):\n    return app.config.blog_x\n") == []


# -- the checks, on their own ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Example:
    count: int = setting(1, "a count", check=at_least(1))
    limit: int | None = setting(None, "a limit or None", check=at_least(0))
    names: tuple[str, ...] = setting((), "names")
    table: dict[str, Any] = setting({}, "a table")
    word: str = setting("x", "a word", check=Check("one letter", lambda value: len(value) == 1))


def _problem(field: str, value: Any) -> str | None:
    [one] = [one for one in settings.declared(_Example) if one.name == "blogext_" + field]
    return settings.problem_of(one, value)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("count", 2, None),
        ("count", 0, "blogext_count: expected a whole number >= 1, got 0"),
        ("count", 2.0, "blogext_count: expected a whole number >= 1, got 2.0"),
        ("limit", None, None),
        ("limit", 0, None),
        ("limit", -1, "blogext_limit: expected a whole number >= 0 or None, got -1"),
        ("limit", "1", "blogext_limit: expected a whole number >= 0 or None, got '1'"),
        ("names", ["a", "b"], None),
        ("names", ("a",), None),
        ("names", "ab", "blogext_names: expected a list of strings, got 'ab'"),
        (
            "names",
            ["a", None],
            "blogext_names: expected a list of strings, got ['a', None] (the item None is not a string)",
        ),
        ("table", {"a": [1]}, None),
        (
            "table",
            {1: "a"},
            "blogext_table: expected a dict of strings to values, got {1: 'a'} (the key 1 is not a string)",
        ),
        ("word", "y", None),
        ("word", "yz", "blogext_word: expected one letter, got 'yz'"),
    ],
)
def test_each_value_is_checked_against_its_annotation_and_its_check(field, value, problem):
    assert _problem(field, value) == problem


def test_the_typed_instance_holds_lists_as_tuples_and_defaults_for_a_feature_not_loaded():
    class Config:
        blogext_count = 3
        blogext_names = ["a", "b"]

        def __contains__(self, name: str) -> bool:
            return hasattr(self, name)

    assert settings.of(Config(), _Example) == _Example(count=3, names=("a", "b"))
    assert not settings.is_registered(Config(), _Example)


def test_only_frozen_dataclasses_declare_settings():
    @dataclass
    class Loose:
        count: int = setting(1, "a count")

    with pytest.raises(TypeError, match="not a frozen dataclass"):
        settings.declared(Loose)


def test_typed_settings_are_made_from_the_values_until_they_are_final_then_once():
    # settings.of reads the configuration afresh during config-inited (a feature's put is seen at
    # once), and from builder-inited on makes each class's instance once a build.
    from types import SimpleNamespace

    from sphinx.config import Config

    @dataclass(frozen=True)
    class Sample:
        count: int = setting(1, "a count", "html")

    config = Config({}, {})
    for one in settings.declared(Sample):
        config.add(one.name, one.default, "html", ())
    assert settings.of(config, Sample).count == 1
    settings.put(config, Sample, count=2)
    assert settings.of(config, Sample).count == 2  # not final yet: read afresh
    settings._final(SimpleNamespace(config=config))
    first = settings.of(config, Sample)
    assert settings.of(config, Sample) is first and first.count == 2
    settings.put(config, Sample, count=3)  # a late writer is still seen
    assert settings.of(config, Sample).count == 3
    assert "_blog_typed_settings" not in config.__getstate__()  # never pickled with the environment
