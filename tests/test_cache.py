"""The one cache helper (blogext.core.cache): a cache is only a cache, versioned and keyed, written whole."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from conftest import REPO

sys.path.insert(0, str(REPO))

from blogext.core import cache  # noqa: E402


def _app(folder):
    return SimpleNamespace(doctreedir=str(folder))


def test_a_saved_cache_loads_with_the_same_version_and_key(tmp_path):
    app = _app(tmp_path)
    cache.save(app, "things", 3, {"a": [1, 2]}, "settings-1")
    assert cache.load(app, "things", 3, "settings-1") == {"a": [1, 2]}
    assert cache.path(app, "things") == tmp_path / "blogext-things.json"


def test_another_version_or_key_reads_as_empty(tmp_path):
    app = _app(tmp_path)
    cache.save(app, "things", 3, {"a": 1}, "settings-1")
    assert cache.load(app, "things", 4, "settings-1") == {}
    assert cache.load(app, "things", 3, "settings-2") == {}


def test_a_missing_or_damaged_cache_reads_as_empty(tmp_path):
    app = _app(tmp_path)
    assert cache.load(app, "things", 1) == {}
    cache.path(app, "things").write_text('{"version": 1, "key": "", "data": {"a"', "utf-8")
    assert cache.load(app, "things", 1) == {}
    cache.path(app, "things").write_text('{"version": 1, "key": "", "data": [1]}', "utf-8")
    assert cache.load(app, "things", 1) == {}


def test_saving_leaves_no_partial_file_and_makes_the_folder(tmp_path):
    app = _app(tmp_path / "new" / "doctrees")
    cache.save(app, "things", 1, {"a": 1})
    assert sorted(p.name for p in (tmp_path / "new" / "doctrees").iterdir()) == ["blogext-things.json"]


def test_a_cache_that_cannot_be_written_costs_only_time(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", "utf-8")
    app = _app(blocked / "doctrees")
    cache.save(app, "things", 1, {"a": 1})  # no error
    cache.save(_app(tmp_path), "things", 1, {"not json": {1, 2}})  # a set: not JSON, no error
    assert cache.load(_app(tmp_path), "things", 1) == {}
    assert not list(tmp_path.glob("*.tmp"))


def test_a_forgotten_cache_reads_as_empty(tmp_path):
    app = _app(tmp_path)
    cache.save(app, "things", 1, {"a": 1})
    cache.forget(app, "things")
    assert cache.load(app, "things", 1) == {}
    cache.forget(app, "things")  # nothing to forget: no error
