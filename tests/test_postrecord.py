"""The post record (blogext.postrecord.Post): immutable, made once per read, purged with its document,
and right in every field for a real test site's posts."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from datetime import datetime

import pytest
from conftest import REPO, ROOTS, assert_clean, run_sphinx

sys.path.insert(0, str(REPO))

from blogext.postrecord import Post  # noqa: E402

#: An extension the tests add to a copied site: it counts the records the post model makes, notes
#: which record objects the writing listeners are given, and writes it all down when the build ends.
PROBE = """
import json
from pathlib import Path

from blogext import posts

made = {}
seen = {}


def _count(make):
    def counted(env, docname, minutes):
        record = make(env, docname, minutes)
        if record is not None:
            made[docname] = made.get(docname, 0) + 1
        return record
    return counted


def _seen(app, doctree, docname):
    record = posts.post(app.env, docname)
    if record is not None:
        seen.setdefault(docname, set()).add(id(record))


def _context(app, pagename, templatename, context, doctree):
    record = posts.post(app.env, pagename)
    if record is not None:
        seen.setdefault(pagename, set()).add(id(record))
        every = {p.docname: p for p in posts.every_post(app.env)}
        seen[pagename].add(id(every[pagename]))


def _finished(app, exception):
    posts._make_record = _original
    records = {
        p.docname: {
            "title": p.title, "date": p.date.isoformat() if p.date else None,
            "update": p.update.isoformat() if p.update else None, "tags": list(p.tags),
            "category": list(p.category), "authors": list(p.authors), "series": p.series,
            "part": p.part, "description": p.description, "excerpt": p.excerpt_text,
            "reading_minutes": p.reading_minutes, "status": p.status, "published": p.published,
            "image": p.image, "order": p.order,
        }
        for p in posts.every_post(app.env)
    }
    Path(app.outdir, "probe.json").write_text(json.dumps({
        "records": records,
        "order": [p.docname for p in posts.every_post(app.env)],
        "published": [p.docname for p in posts.published_posts(app.env)],
        "made": made,
        "seen": {d: len(ids) for d, ids in seen.items()},
    }))


_original = None


def setup(app):
    global _original
    made.clear()
    seen.clear()
    _original = posts._make_record
    posts._make_record = _count(_original)
    app.connect("doctree-resolved", _seen)
    app.connect("html-page-context", _context)
    app.connect("build-finished", _finished)
    return {"parallel_read_safe": False}
"""


def _probed_site(tmp_path, root: str = "series"):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / f"test-{root}", src)
    (src / "postprobe.py").write_text(PROBE)
    with (src / "conf.py").open("a") as conf:
        conf.write("\nimport sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n")
        conf.write('extensions.append("postprobe")\n')
    return src


def _probe(built):
    return json.loads((built.outdir / "probe.json").read_text())


def test_a_record_cannot_be_changed():
    post = Post(docname="posts/x", title="X", date=datetime(2024, 1, 1), update=None, tags=("Git",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.title = "Y"
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.status = "draft"
    assert post.published and post.key == ("posts/x", 1)


def test_equal_records_have_equal_digests_and_a_changed_field_changes_it():
    post = Post(docname="posts/x", title="X", date=datetime(2024, 1, 1), update=None)
    assert post.digest == dataclasses.replace(post).digest
    assert post.digest != dataclasses.replace(post, reading_minutes=7).digest
    assert post.digest != dataclasses.replace(post, status="scheduled").digest


def test_every_field_of_a_test_sites_posts_is_read(tmp_path):
    src = _probed_site(tmp_path)
    built = assert_clean(
        run_sphinx(src, tmp_path / "html", env={"BLOG_PREVIEW": "1", "BLOG_TODAY": "2024-06-01"})
    )
    probe = _probe(built)
    first = probe["records"]["posts/2024/first-assertion"]
    assert first == {
        "title": "The first assertion",
        "date": "2024-02-10T00:00:00",
        "update": "2024-02-10T00:00:00",
        "tags": ["Testing"],
        "category": [],
        "authors": [],
        "series": "basics",
        "part": 1,
        "description": None,
        "excerpt": "Excerpt of the first assertion.",
        "reading_minutes": 1,
        "status": None,
        "published": True,
        "image": None,
        "order": 1,
    }
    later = probe["records"]["posts/2999/mocking"]
    assert (later["status"], later["published"], later["series"], later["part"]) == (
        "scheduled",
        False,
        "basics",
        3,
    )
    # Newest first, as ABlog orders them; the scheduled post is a post, but not a published one.
    assert probe["order"] == [
        "posts/2999/mocking",
        "posts/2024/serving",
        "posts/2024/packaging",
        "posts/2024/first-assertion",
        "posts/2024/aside",
        "posts/2024/fixtures",
    ]
    assert probe["published"] == probe["order"][1:]


def test_a_record_is_made_once_per_read_and_every_writer_gets_the_same_one(tmp_path):
    src = _probed_site(tmp_path)
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    probe = _probe(built)
    assert probe["made"] and set(probe["made"].values()) == {1}
    assert set(probe["made"]) == set(probe["records"])
    # The doctree-resolved and html-page-context listeners, and every_post, got one object per post.
    assert probe["seen"] and set(probe["seen"].values()) == {1}
    # A rebuild with nothing changed reads nothing: no record is made again.
    again = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert _probe(again)["made"] == {}


def test_a_removed_post_leaves_no_record_and_no_list_names_it(tmp_path):
    src = _probed_site(tmp_path)
    assert_clean(run_sphinx(src, tmp_path / "html"))
    (src / "posts/2024/aside.md").unlink()
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    probe = _probe(built)
    assert "posts/2024/aside" not in probe["records"]
    assert probe["made"] == {}  # nothing else was read again
    for page in ("", "blog/"):
        assert "An aside" not in built.path(page).read_text("utf-8"), page
