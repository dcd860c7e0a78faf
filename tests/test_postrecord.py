"""The post record (blogext.core.postrecord.Post): immutable, made once per read, purged with its document,
and right in every field for a real test site's posts; ABlog's groupings given as records; and no
module but the ABlog door, and no template of ours, sees one of ABlog's objects."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import shutil
import sys
from datetime import datetime

import pytest
from checkers import blog_modules
from conftest import REPO, ROOTS, assert_clean, run_sphinx

sys.path.insert(0, str(REPO))

from blogext.core import ablogadapter, assets  # noqa: E402
from blogext.core.postrecord import Group, GroupIndex, Post  # noqa: E402

#: An extension the tests add to a copied site: it counts the records the post model makes, notes
#: which record objects the writing listeners are given, and writes it all down when the build ends.
PROBE = """
import json
from pathlib import Path

from blogext.core import ablogadapter, posts

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
    grouped = ablogadapter.groups(app)
    groups = {
        kind: {str(g): [p.docname for p in g] for g in grouped.index(kind)}
        for kind in ("tags", "archive")
    }
    groups["posts"] = [p.docname for p in grouped.posts]
    groups["of"] = {
        p.docname: {kind: [(g.name, g.pagename) for g in grouped.of(p, kind)] for kind in ("tags", "author")}
        for p in posts.every_post(app.env)
    }
    groups["same"] = all(
        p is posts.post(app.env, p.docname) for g in grouped.index("tags") for p in g
    )
    Path(app.outdir, "probe.json").write_text(json.dumps({
        "records": records,
        "groups": groups,
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


def test_the_groupings_hold_the_published_records_as_ablog_groups_them(tmp_path):
    src = _probed_site(tmp_path)
    built = assert_clean(
        run_sphinx(src, tmp_path / "html", env={"BLOG_PREVIEW": "1", "BLOG_TODAY": "2024-06-01"})
    )
    groups = _probe(built)["groups"]
    # Newest first in every group; the scheduled post is in none.
    assert groups["tags"] == {
        "Misc": ["posts/2024/aside"],
        "Testing": ["posts/2024/first-assertion", "posts/2024/fixtures"],
    }
    # A group without published posts (the scheduled post's year) is there, empty: no page lists it.
    assert groups["archive"] == {"2999": [], "2024": _probe(built)["published"]}
    assert groups["posts"] == _probe(built)["published"]
    assert groups["of"]["posts/2024/fixtures"] == {"tags": [["Testing", "blog/tag/testing"]], "author": []}
    # The groups hold the very records the post model gives.
    assert groups["same"] is True


def test_a_page_with_two_post_directives_fails_naming_the_file(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-series", src)
    (src / "notes.md").write_text(
        "# Notes\n\n## First note\n\n```{post} 2024-04-01\n```\n\nThe first.\n\n"
        "## Second note\n\n```{post} 2024-04-02\n```\n\nThe second.\n"
    )
    with (src / "conf.py").open("a") as conf:
        conf.write('\ninclude_patterns.append("notes.md")\n')
    built = run_sphinx(src, tmp_path / "html")
    assert built.returncode != 0
    [warning] = [w for w in built.warnings if "{post}" in w]
    assert "notes.md: WARNING: 2 ABlog {post} directives make this page 2 posts" in warning
    assert warning.endswith("[blog.posts]")


def test_a_page_with_one_post_directive_is_one_post(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-series", src)
    (src / "notes.md").write_text("# Notes\n\n```{post} 2024-04-01\n```\n\nA note.\n")
    with (src / "conf.py").open("a") as conf:
        conf.write('\ninclude_patterns.append("notes.md")\n')
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert "Notes" in built.path("blog/").read_text("utf-8")


# -- No module but the ABlog door sees an ABlog object ---------------------------------------------------

ADAPTER = blog_modules()["ablogadapter"]


def _ablog_classes() -> set[str]:
    """The names the adapter has ABlog's classes under."""
    return {
        name
        for name, value in vars(ablogadapter).items()
        if isinstance(value, type) and value.__module__.split(".")[0] == "ablog"
    }


def _returning_ablog(source: str, classes: set[str]) -> set[str]:
    """The functions of the adapter's *source* whose return annotation names one of *classes*."""
    pattern = re.compile(r"\b(?:" + "|".join(sorted(classes)) + r")\b")
    return {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.returns and pattern.search(ast.unparse(node.returns))
    }


def _ablog_uses(source: str, forbidden: set[str]) -> list[str]:
    """What a module's *source* does that only the adapter may: import ``ablog``, import a name of
    *forbidden* from the adapter, or reach one through it (``ablogadapter.Collection``,
    ``ablogadapter._blog(app)``)."""
    found = []
    adapter_names = {"blogext.core.ablogadapter"}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ablog" or alias.name.startswith("ablog."):
                    found.append(f"import {alias.name}")
                if alias.name == "blogext.core.ablogadapter":
                    adapter_names.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "ablog" or node.module.startswith("ablog."):
                found.append(f"from {node.module} import ...")
            elif node.module == "blogext.core.ablogadapter":
                found += [f"from the adapter: {a.name}" for a in node.names if a.name in forbidden]
            elif node.module == "blogext":
                adapter_names |= {a.asname or a.name for a in node.names if a.name == "ablogadapter"}
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in forbidden
            and ast.unparse(node.value) in adapter_names
        ):
            found.append(f"{ast.unparse(node)}")
    return found


def _forbidden() -> set[str]:
    classes = _ablog_classes()
    return classes | _returning_ablog(ADAPTER.read_text("utf-8"), classes)


def test_no_module_but_the_adapter_imports_ablog_or_is_given_an_ablog_object():
    forbidden = _forbidden()
    assert {"Blog", "Collection", "Catalog", "PostList", "PostListDirective", "AblogPost"} <= forbidden
    assert "_blog" in forbidden  # the function that returns ABlog's Blog
    found = {
        path.name: uses
        for path in blog_modules().values()
        if path != ADAPTER and (uses := _ablog_uses(path.read_text("utf-8"), forbidden))
    }
    assert found == {}


def test_the_adapter_exports_no_ablog_class_and_no_function_returning_an_ablog_object():
    forbidden = _forbidden()
    assert not set(ablogadapter.__all__) & forbidden
    for name in ablogadapter.__all__:
        value = getattr(ablogadapter, name)
        assert not (isinstance(value, type) and value.__module__.split(".")[0] == "ablog"), name
    # Every function it exports says what it returns, so the check above sees what it gives.
    functions = {
        n.name: n for n in ast.parse(ADAPTER.read_text("utf-8")).body if isinstance(n, ast.FunctionDef)
    }
    assert [
        name for name in ablogadapter.__all__ if name in functions and functions[name].returns is None
    ] == []


def test_the_ablog_check_finds_every_kind_of_use():
    forbidden = {"Collection", "_blog"}
    source = (
        "import ablog.blog\n"
        "from ablog.post import PostList\n"
        "from blogext.core.ablogadapter import Collection\n"
        "from blogext import ablogadapter as door\n"
        "def f(app):\n    return door._blog(app)\n"
        "def g(value):\n    return isinstance(value, door.Collection)\n"
    )
    assert _ablog_uses(source, forbidden) == [
        "import ablog.blog",
        "from ablog.post import ...",
        "from the adapter: Collection",
        "door._blog",
        "door.Collection",
    ]
    assert _returning_ablog("def a(app) -> Blog: ...\ndef b(app) -> Groupings: ...\n", {"Blog"}) == {"a"}


def test_no_template_of_ours_reads_ablogs_objects():
    found = {}
    ours = [REPO / "_templates", *assets.templates_folders()]
    for path in sorted(p for folder in ours for p in folder.rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text("utf-8"), flags=re.S)
        # ``ablog`` (ABlog's template object), ``collection`` and ``catalog`` (its archive contexts)
        names = re.findall(r"\b(ablog|collection|catalog)\b(?![/-])", text)
        if names:
            found[path.relative_to(REPO).as_posix()] = sorted(set(names))
    assert found == {}


def test_groups_read_as_their_names_and_hold_their_posts():
    post = Post(docname="posts/x", title="X", date=datetime(2024, 1, 1), update=None, tags=("Git",))
    git = Group(kind="tags", label="Git", name="Git", pagename="blog/tag/git", posts=(post,))
    empty = Group(kind="tags", label="Old", name="Old", pagename="blog/tag/old")
    tags = GroupIndex(kind="tags", name="tags", pagename="blog/tag", groups=(empty, git))
    assert (str(git), len(git), list(git), git.slug) == ("Git", 1, [post], "git")
    assert not empty and len(tags) == 1 and tags.get("Git") is git and tags.get("Nope") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        git.name = "Other"
