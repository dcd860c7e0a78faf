"""ABlog behind one door: only the adapter imports it, and the environment holds each post once."""

from __future__ import annotations

import ast
import pickle
import sys

from checkers import blog_modules
from conftest import REPO, assert_clean, make_site, run_sphinx

sys.path.insert(0, str(REPO))

from blogext.core.ablogadapter import StoredDoctree  # noqa: E402


def _environment(doctrees):
    with open(doctrees / "environment.pickle", "rb") as f:
        return pickle.load(f)


def test_environment_keeps_no_copy_of_any_posts_doctree(tmp_path):
    src = make_site("incremental", tmp_path / "src")
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    env = _environment(built.outdir.with_name("html.doctrees"))
    posts = env.ablog_posts
    assert len(posts) == 6
    for docname, infos in posts.items():
        (info,) = infos
        assert isinstance(info["doctree"], StoredDoctree), docname
        for top in info["excerpt"]:
            # A node copied from the document points back at the whole document unless cleared.
            assert all(node.document is None for node in top.findall()), docname
        # Without the copies a post's entry is its excerpt and metadata: well under a kilobyte or two.
        assert len(pickle.dumps(info, pickle.HIGHEST_PROTOCOL)) < 3000, docname


def test_stored_doctree_loads_the_post_when_asked(tmp_path):
    src = make_site("incremental", tmp_path / "src")
    built = assert_clean(run_sphinx(src, tmp_path / "html"))
    env = _environment(built.outdir.with_name("html.doctrees"))
    env.doctreedir = built.outdir.with_name("html.doctrees")
    StoredDoctree.env = env
    try:
        section = env.ablog_posts["posts/2024/alpha"][0]["doctree"].deepcopy()
    finally:
        StoredDoctree.env = None
    assert section.tagname == "section"
    assert "def alpha()" in section.astext()


def _imports_of(path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_the_adapter_imports_ablog():
    importers = sorted(
        path.name
        for path in blog_modules().values()
        if any(name == "ablog" or name.startswith("ablog.") for name in _imports_of(path))
    )
    assert importers == ["ablogadapter.py"]


def test_import_check_sees_an_ablog_import(tmp_path):
    # The check above must be able to fail.
    module = tmp_path / "x.py"
    module.write_text("from ablog.blog import Blog\nimport os\n")
    assert "ablog.blog" in _imports_of(module)
