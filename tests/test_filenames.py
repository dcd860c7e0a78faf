"""A document's file name is a plain URL, or the build fails with a name that builds.

Spaces, capitals and non-ASCII letters in a file name would put escaped or
case-dependent URLs into the sitemap, canonical links, ``og:url``, JSON-LD and
feeds. The build refuses such a name, for posts and for any other page the
``include_patterns`` let in, and suggests one; each test then renames the file
to the suggestion and builds again, strictly.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOTS, assert_clean, run_sphinx

from blogext.core.documents import name_problems, slugify

TODAY = {"BLOG_TODAY": "2024-06-01"}
RULE = "expected lowercase letters a-z, digits and hyphens, so that its URL is the same everywhere"
POST = "---\ndate: 2024-02-01\ntags: [Python]\n---\n\n# {title}\n\nSome text.\n"


def site(tmp_path: Path, root: str, files: dict[str, str]) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / f"test-{root}", src)
    for path, text in files.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text, "utf-8")
    return src


def suggestion(stderr: str, path: str) -> tuple[str, str]:
    """The message about *path*, and the name it suggests."""
    message = next(line.strip() for line in stderr.splitlines() if line.strip().startswith(f"{path}: "))
    return message, re.search(r"rename it to (\S+)\)$", message).group(1)


def rename(src: Path, old: str, new: str) -> None:
    target = src / new
    target.parent.mkdir(parents=True, exist_ok=True)
    (src / old).rename(target)


@pytest.mark.parametrize(
    ("path", "title", "what", "expected"),
    [
        (
            "posts/2024/My First Post.md",
            "A post",
            "file name 'My First Post.md' has spaces and capitals",
            "posts/2024/my-first-post.md",
        ),
        ("posts/2024/UPPER.md", "A post", "file name 'UPPER.md' has capitals", "posts/2024/upper.md"),
        (
            "posts/2024/café-notes.md",
            "A post",
            "file name 'café-notes.md' has non-ASCII characters",
            "posts/2024/cafe-notes.md",
        ),
        (
            "posts/2024/机器学习.md",
            "Machine learning",
            "file name '机器学习.md' has non-ASCII characters",
            "posts/2024/machine-learning.md",
        ),
        ("posts/2024/🎉.md", "🎉", "file name '🎉.md' has non-ASCII characters", "posts/2024/post.md"),
        (
            "posts/2024/-draft_.md",
            "A post",
            "file name '-draft_.md' has a hyphen, underscore or dot at its start or end",
            "posts/2024/draft.md",
        ),
        (
            "posts/Year 2024/x.md",
            "A post",
            "folder name 'Year 2024' has spaces and capitals",
            "posts/year-2024/x.md",
        ),
    ],
)
def test_a_post_file_name_that_is_not_a_plain_url_fails_with_a_name_that_builds(
    tmp_path, path, title, what, expected
):
    src = site(tmp_path, "badpost", {path: POST.format(title=title)})
    built = run_sphinx(src, tmp_path / "out", env=TODAY)
    assert built.returncode != 0
    message, suggested = suggestion(built.stderr, path)
    assert message == f"{path}: {what} ({RULE}: rename it to {expected})"
    assert not (tmp_path / "out" / "index.html").exists()

    rename(src, path, suggested)
    fixed = assert_clean(run_sphinx(src, tmp_path / "out", env=TODAY))
    url = suggested.removesuffix(".md") + "/"
    assert fixed.path(url).is_file()
    sitemap = (
        (fixed.outdir / "sitemap.xml").read_text("utf-8") if (fixed.outdir / "sitemap.xml").exists() else ""
    )
    assert "%" not in sitemap and " " not in re.sub(r"<[^>]+>", "", sitemap)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("notes/Read Me.md", "notes/read-me.md"), ("notes/Ünïcode Page.md", "notes/unicode-page.md")],
)
def test_a_page_file_name_outside_the_posts_fails_too_and_its_suggestion_builds(tmp_path, path, expected):
    src = site(tmp_path, "documents", {path: "---\norphan: true\n---\n\n# A page\n\nText.\n"})
    built = run_sphinx(src, tmp_path / "out", env=TODAY)
    assert built.returncode != 0
    message, suggested = suggestion(built.stderr, path)
    assert suggested == expected, message
    assert RULE in message
    rename(src, path, suggested)
    fixed = assert_clean(run_sphinx(src, tmp_path / "out", env=TODAY))
    url = suggested.removesuffix(".md") + "/"
    assert fixed.path(url).is_file()
    assert f"https://documents.example.org/{url}" in (fixed.outdir / "sitemap.xml").read_text("utf-8")


def test_a_suggested_name_never_takes_the_url_of_another_document(tmp_path):
    # good.md is the root's own post: Good.md may not become good.md, nor good-2.md once that is taken.
    src = site(
        tmp_path,
        "badpost",
        {"posts/2024/Good.md": POST.format(title="Other"), "posts/2024/good_2.md": POST.format(title="Two")},
    )
    built = run_sphinx(src, tmp_path / "out", env=TODAY)
    _message, suggested = suggestion(built.stderr, "posts/2024/Good.md")
    assert suggested == "posts/2024/good-3.md"
    rename(src, "posts/2024/Good.md", suggested)
    assert_clean(run_sphinx(src, tmp_path / "out", env=TODAY))


def test_a_file_outside_the_include_patterns_may_have_any_name(tmp_path):
    src = site(tmp_path, "documents", {"Scratch Notes.md": "# Not part of the site\n"})
    assert_clean(run_sphinx(src, tmp_path / "out", env=TODAY))


def test_plain_names_pass_and_slugs_are_plain():
    assert name_problems(["index.md", "posts/2024/a-b_c.d.md", "posts/2024/v2.md", "notes/x1.ipynb"]) == {}
    assert slugify("Ünïcode Page") == "unicode-page"
    assert slugify("机器学习") == ""


def test_new_posts_get_names_the_build_accepts(tmp_path):
    from datetime import date

    from blogcli.newpost import create_post

    for title in ("Ünïcode Page", "My First Post!", "C++ & Rust: 2024", "machine-learning 101"):
        path = create_post(tmp_path, title, date(2024, 2, 1)).relative_to(tmp_path).as_posix()
        assert name_problems([path]) == {}, path


def test_the_sitemap_lists_generated_pages_with_non_ascii_names_percent_encoded():
    from lxml import etree

    from blogext.outputs.sitemap import NAMESPACE, render

    root = etree.fromstring(render("https://example.org/blog/", {"blog/tag/机器学习/": None, "about/": None}))
    assert [loc.text for loc in root.iter(f"{{{NAMESPACE}}}loc")] == [
        "https://example.org/blog/about/",
        "https://example.org/blog/blog/tag/%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0/",
    ]
