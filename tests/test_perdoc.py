"""blogext.core.perdoc: per-document data cleared with its document and merged after parallel reading."""

from __future__ import annotations

from types import SimpleNamespace

from blogext.core import perdoc


def test_a_purged_document_loses_its_entry_and_the_others_keep_theirs():
    env = SimpleNamespace()
    perdoc.of(env, "blog_things").update({"a": [1], "b": [2]})
    perdoc._Collector("blog_things").clear_doc(None, env, "a")
    assert perdoc.of(env, "blog_things") == {"b": [2]}


def test_what_another_process_read_is_merged_for_its_documents_only():
    env, other = SimpleNamespace(), SimpleNamespace()
    perdoc.of(env, "blog_things")["a"] = "mine"
    perdoc.of(other, "blog_things").update({"b": "theirs", "c": "not read by it for this merge"})
    perdoc._Collector("blog_things").merge_other(None, env, {"b", "d"}, other)
    assert perdoc.of(env, "blog_things") == {"a": "mine", "b": "theirs"}
