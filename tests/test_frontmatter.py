"""Front matter is checked before it is used: every kind of bad post fails the build with one clear message.

Each bad-input test copies ``tests/roots/test-badpost`` (one good post), writes
one bad post next to it and builds *without* ``-W``: a bad post must fail the
build by itself, with exactly one message naming the file, the field, the bad
value and what was expected, and before any page is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REPO, ROOTS, assert_clean, make_site, run_sphinx

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the blog's own extensions package, ``blogext``

from blogext.core import frontmatter_yaml  # noqa: E402
from blogext.core.documents import url_key  # noqa: E402
from blogext.core.frontmatter_check import (  # noqa: E402
    KNOWN_KEYS,
    PostFrontMatter,
    canonical_labels,
    check_front_matter,
    label_key,
)
from blogext.core.frontmatter_yaml import split_front_matter  # noqa: E402

KEYS = ", ".join(KNOWN_KEYS)


def write_site(tmp_path: Path, posts: dict[str, str | bytes]) -> Path:
    """A copy of test-badpost with *posts* (path -> content) added (or written over the last copy's)."""
    src = tmp_path / "src"
    if not src.exists():
        shutil.copytree(ROOTS / "test-badpost", src)
    for path, content in posts.items():
        target = src / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, "utf-8")
    return src


@pytest.fixture
def build_with_posts(tmp_path, capfd, monkeypatch):
    """Build test-badpost plus some posts with the ``sphinx-build`` command's own code, in-process
    (fast) and without -W; gives (exit code, stderr, output folder)."""
    for name in ("BLOG_TODAY", "BLOG_PREVIEW", "BLOG_BASE_URL", "READTHEDOCS_CANONICAL_URL"):
        monkeypatch.delenv(name, raising=False)

    def build(posts: dict[str, str | bytes], *args: str):
        from sphinx.cmd.build import build_main

        src = write_site(tmp_path, posts)
        out = tmp_path / "out"
        capfd.readouterr()
        try:
            code = build_main(
                ["-b", "dirhtml", "-q", "-d", str(tmp_path / "doctrees"), *args, str(src), str(out)]
            )
            stopped = ""
        except SystemExit as exc:  # how the blog stops a build over bad input (blogext.core.errors)
            code, stopped = 1, str(exc)
        return code, capfd.readouterr().err + stopped, out

    return build


def post(front: str, body: str = "# A title\n\nSome text.\n") -> str:
    return f"---\n{front.strip()}\n---\n\n{body}"


GOOD_FRONT = "date: 2024-02-01\ntags: [Python]"

#: (test id, {path: content}, the one expected message)
BAD_POSTS = [
    (
        "yaml-does-not-parse",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: [Git, Python")},
        "posts/2024/x.md: front matter is not valid YAML on line 3: "
        "expected ',' or ']', but got '<stream end>' "
        "(expected 'key: value' lines)",
    ),
    (
        "yaml-not-a-mapping",
        {"posts/2024/x.md": post("- date\n- tags")},
        "posts/2024/x.md: front matter ['date', 'tags'] is not a mapping (expected 'key: value' lines)",
    ),
    (
        "front-matter-not-closed",
        {"posts/2024/x.md": "---\ndate: 2024-02-01\n\n# A title\n"},
        "posts/2024/x.md: front matter is not closed (expected a line '---' after it)",
    ),
    (
        "missing-title",
        {"posts/2024/x.md": post(GOOD_FRONT, "Just a paragraph, no heading.\n\n## A section\n")},
        "posts/2024/x.md: title is missing (expected a '# Title' heading after the front matter)",
    ),
    (
        "second-title",
        {"posts/2024/x.md": post(GOOD_FRONT, "# A title\n\nText.\n\n# Another\n")},
        "posts/2024/x.md: heading 'Another' on line 10 is a second title "
        "(expected one '# ' heading, the title; use '## ' for sections)",
    ),
    (
        "malformed-date",
        {"posts/2024/x.md": post("date: 14/05/2024")},
        "posts/2024/x.md: date '14/05/2024' is not a valid date (expected YYYY-MM-DD)",
    ),
    (
        "impossible-month",
        {"posts/2024/x.md": post("date: 2024-13-01")},
        "posts/2024/x.md: date '2024-13-01' is not a valid date (expected YYYY-MM-DD)",
    ),
    (
        "impossible-day",
        {"posts/2024/x.md": post("date: 2023-02-29")},
        "posts/2024/x.md: date '2023-02-29' is not a valid date (expected YYYY-MM-DD)",
    ),
    (
        "empty-date",
        {"posts/2024/x.md": post("date:")},
        "posts/2024/x.md: date is empty (expected YYYY-MM-DD, or leave the key out)",
    ),
    (
        "updated-not-a-date",
        {"posts/2024/x.md": post("date: 2024-02-01\nupdated: yesterday")},
        "posts/2024/x.md: updated 'yesterday' is not a valid date (expected YYYY-MM-DD)",
    ),
    (
        "updated-before-date",
        {"posts/2024/x.md": post("date: 2024-02-01\nupdated: 2024-01-31")},
        "posts/2024/x.md: updated '2024-01-31' is before date '2024-02-01' "
        "(expected the day the post was last changed, on or after its date)",
    ),
    (
        "tags-not-a-list",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: Git, Python")},
        "posts/2024/x.md: tags 'Git, Python' is not a list (expected a list of names, such as [Git, Python])",
    ),
    (
        "tag-not-a-string",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: [Git, 3.12]")},
        "posts/2024/x.md: tag 3.12 is not text "
        '(expected a name; put quotes around names such as "1.0" or "no")',
    ),
    (
        "tag-a-mapping",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags:\n  - Git\n  - name: Python")},
        "posts/2024/x.md: tag {name: 'Python'} is not text "
        '(expected a name; put quotes around names such as "1.0" or "no")',
    ),
    (
        "empty-tag",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: [Git, '']")},
        "posts/2024/x.md: tags has an empty tag '' (expected a name for every item)",
    ),
    (
        "blank-tag-item",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags:\n  - Git\n  -\n")},
        "posts/2024/x.md: tags has an empty tag null (expected a name for every item)",
    ),
    (
        "tag-with-a-comma",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: ['Git, Python']")},
        "posts/2024/x.md: tag 'Git, Python' contains a comma (expected one name per tag)",
    ),
    (
        "tag-without-letters",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: ['+++']")},
        "posts/2024/x.md: tag '+++' has no letters or digits (expected a name such as 'Python')",
    ),
    (
        "unknown-key-typo",
        {"posts/2024/x.md": post("date: 2024-02-01\ntgas: [Git]")},
        f"posts/2024/x.md: unknown key 'tgas' (did you mean 'tags'? expected one of: {KEYS})",
    ),
    (
        "unknown-key",
        {"posts/2024/x.md": post("date: 2024-02-01\nlayout: wide")},
        f"posts/2024/x.md: unknown key 'layout' (expected one of: {KEYS})",
    ),
    (
        "draft-not-a-boolean",
        {"posts/2024/x.md": post("date: 2024-02-01\ndraft: maybe")},
        "posts/2024/x.md: draft 'maybe' is not a boolean (expected true or false)",
    ),
    (
        "draft-a-string",
        {"posts/2024/x.md": post("date: 2024-02-01\ndraft: 'true'")},
        "posts/2024/x.md: draft 'true' is not a boolean (expected true or false)",
    ),
    (
        "category-empty",
        {"posts/2024/x.md": post("date: 2024-02-01\ncategory: ' '")},
        "posts/2024/x.md: category ' ' is empty (expected a name, or leave the key out)",
    ),
    (
        "category-a-list",
        {"posts/2024/x.md": post("date: 2024-02-01\ncategory: [Notes, Tutorials]")},
        "posts/2024/x.md: category ['Notes', 'Tutorials'] is not text "
        '(expected a name; put quotes around names such as "1.0" or "no")',
    ),
    (
        "description-not-text",
        {"posts/2024/x.md": post("date: 2024-02-01\ndescription: 42")},
        "posts/2024/x.md: description 42 is not a sentence (expected a sentence)",
    ),
    (
        "series-not-a-slug",
        {"posts/2024/x.md": post("date: 2024-02-01\nseries: Git Guides\npart: 1")},
        "posts/2024/x.md: series 'Git Guides' is not a slug "
        "(expected lowercase letters, digits and hyphens, such as 'git-guides')",
    ),
    (
        "part-not-positive",
        {"posts/2024/x.md": post("date: 2024-02-01\nseries: git-guides\npart: 0")},
        "posts/2024/x.md: part 0 is not a positive whole number (expected 1, 2, 3, ...)",
    ),
    (
        "part-not-a-number",
        {"posts/2024/x.md": post("date: 2024-02-01\nseries: git-guides\npart: two")},
        "posts/2024/x.md: part 'two' is not a positive whole number (expected 1, 2, 3, ...)",
    ),
    (
        "author-unknown",
        {"posts/2024/x.md": post("date: 2024-02-01\nauthor: [ada, bob]")},
        "posts/2024/x.md: author 'bob' is not in blog_authors (expected one of: ada, grace)",
    ),
    (
        "author-not-text",
        {"posts/2024/x.md": post("date: 2024-02-01\nauthor: 7")},
        "posts/2024/x.md: author 7 is not a name or a list of names "
        "(expected a key of blog_authors in conf.py, or a list of them)",
    ),
    (
        "url-collision-underscore",
        {"posts/2024/my_post.md": post(GOOD_FRONT), "posts/2024/my-post.md": post(GOOD_FRONT)},
        "posts/2024/my_post.md: URL 'posts/2024/my_post/' differs only in case, spaces or punctuation "
        "from the URL of "
        "posts/2024/my-post.md (expected every post to have a URL of its own: rename one of the files)",
    ),
    (
        "file-name-differing-only-in-case-and-space",
        {"posts/2024/My Post.md": post(GOOD_FRONT), "posts/2024/my-post.md": post(GOOD_FRONT)},
        "posts/2024/My Post.md: file name 'My Post.md' has spaces and capitals (expected lowercase letters "
        "a-z, digits and hyphens, so that its URL is the same everywhere: "
        "rename it to posts/2024/my-post-2.md)",
    ),
    (
        "file-name-differing-only-in-case",
        {"posts/2024/Good.md": post(GOOD_FRONT)},
        "posts/2024/Good.md: file name 'Good.md' has capitals (expected lowercase letters a-z, digits and "
        "hyphens, so that its URL is the same everywhere: rename it to posts/2024/good-2.md)",
    ),
    (
        "url-collision-dirhtml-index",
        {"posts/2024/good/index.md": post(GOOD_FRONT)},
        "posts/2024/good/index.md: URL 'posts/2024/good/' is the same as the URL of posts/2024/good.md "
        "(expected every post to have a URL of its own: rename one of the files)",
    ),
    # -- Strict YAML: what front matter has no use for is refused, naming the key and the line.
    (
        "duplicate-key",
        {"posts/2024/x.md": post("date: 2024-02-01\ndraft: true\ntags: [Git]\ndraft: false")},
        "posts/2024/x.md: front matter has the key 'draft' twice on lines 3 and 5 "
        "(expected each key once: keep the value you mean, delete the other)",
    ),
    (
        "duplicate-key-quoted",
        {"posts/2024/x.md": post("date: 2024-02-01\ndraft: true\n'draft': false")},
        "posts/2024/x.md: front matter has the key 'draft' twice on lines 3 and 4 "
        "(expected each key once: keep the value you mean, delete the other)",
    ),
    (
        "duplicate-key-nested",
        {
            "posts/2024/x.md": post(
                "date: 2024-02-01\nmystnb:\n  execution_mode: 'off'\n  execution_mode: cache"
            )
        },
        "posts/2024/x.md: front matter has the key 'execution_mode' twice on lines 4 and 5 "
        "(expected each key once: keep the value you mean, delete the other)",
    ),
    (
        "anchor",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: &t [Git]")},
        "posts/2024/x.md: front matter has the anchor '&t' on line 3 (expected plain keys and values: "
        "front matter has no use for anchors, aliases or merge keys; delete '&t')",
    ),
    (
        "alias",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: *t")},
        "posts/2024/x.md: front matter has the alias '*t' on line 3 (expected plain keys and values: "
        "front matter has no use for anchors, aliases or merge keys; write the value itself)",
    ),
    (
        "merge-key",
        {"posts/2024/x.md": post("date: 2024-02-01\n<<: {draft: false}")},
        "posts/2024/x.md: front matter has the merge key '<<' on line 3 (expected plain keys and values: "
        "front matter has no use for anchors, aliases or merge keys; write the keys themselves)",
    ),
    (
        "front-matter-too-large",
        {"posts/2024/x.md": post("date: 2024-02-01\ndescription: " + "x" * 70_000)},
        "posts/2024/x.md: front matter is 70,030 bytes (expected at most 65,536 bytes: "
        "a few 'key: value' lines; long text belongs in the post's body)",
    ),
    (
        "front-matter-nested-too-deep",
        {"posts/2024/x.md": post("date: 2024-02-01\ntags: " + "[" * 40 + "]" * 40)},
        "posts/2024/x.md: front matter nests lists and mappings more than 16 deep on line 3 "
        "(expected plain keys and values)",
    ),
    (
        "missing-image",
        {"posts/2024/x.md": post(GOOD_FRONT, "# A title\n\n![A chart](chart.png)\n")},
        "posts/2024/x.md: image 'chart.png' on line 8 does not exist "
        "(expected a file at posts/2024/chart.png)",
    ),
    (
        "missing-figure",
        {"posts/2024/x.md": post(GOOD_FRONT, "# A title\n\n```{figure} ../img/chart.png\nCaption.\n```\n")},
        "posts/2024/x.md: image '../img/chart.png' on line 8 does not exist "
        "(expected a file at posts/img/chart.png)",
    ),
    (
        "missing-image-outside-site",
        {"posts/2024/x.md": post(GOOD_FRONT, "# A title\n\n![A chart](../../../chart.png)\n")},
        "posts/2024/x.md: image '../../../chart.png' on line 8 does not exist "
        "(expected a file inside the site's folder)",
    ),
    (
        "link-to-missing-post",
        {"posts/2024/x.md": post(GOOD_FRONT, "# A title\n\nSee [the other](../2023/other.md).\n")},
        "posts/2024/x.md: link '../2023/other.md' on line 8 points to a file that does not exist "
        "(expected a file at posts/2023/other.md)",
    ),
    (
        "link-to-missing-file-in-a-note",
        {
            "posts/2024/x.md": post(
                GOOD_FRONT, "# A title\n\n:::{note}\n:class: tip\n\nGet [the data](data/train.csv).\n:::\n"
            )
        },
        "posts/2024/x.md: link 'data/train.csv' on line 11 points to a file that does not exist "
        "(expected a file at posts/2024/data/train.csv)",
    ),
    (
        "not-utf8",
        {"posts/2024/x.md": "---\ndate: 2024-02-01\n---\n\n# Caf\xe9\n".encode("latin-1")},
        "posts/2024/x.md: file is not UTF-8 text (invalid continuation byte at byte 31; expected UTF-8)",
    ),
    (
        "comments-not-a-boolean",
        {"posts/2024/x.md": post("date: 2024-02-01\ncomments: 'yes please'")},
        "posts/2024/x.md: comments 'yes please' is not a boolean (expected true or false)",
    ),
    (
        "image-from-another-host",
        {
            "posts/2024/x.md": post(
                "date: 2024-02-01\nshare_image: https://cdn.example.org/card.png\nshare_image_alt: A card"
            )
        },
        "posts/2024/x.md: share_image 'https://cdn.example.org/card.png' is not a local file "
        "(expected a PNG, JPEG, GIF or WebP file next to the post, such as card.png: "
        "a page of this blog loads nothing from another host)",
    ),
    (
        "image-not-an-image",
        {"posts/2024/x.md": post("date: 2024-02-01\nshare_image: notes.pdf\nshare_image_alt: A card")},
        "posts/2024/x.md: share_image 'notes.pdf' is not an image file "
        "(expected a PNG, JPEG, GIF or WebP file next to the post, such as card.png)",
    ),
    (
        "image-a-list",
        {"posts/2024/x.md": post("date: 2024-02-01\nshare_image: [a.png]\nshare_image_alt: A card")},
        "posts/2024/x.md: share_image ['a.png'] is not a file name (expected a PNG, JPEG, GIF or WebP file "
        "next to the post, such as card.png)",
    ),
    (
        "image-missing",
        {"posts/2024/x.md": post("date: 2024-02-01\nshare_image: card.png\nshare_image_alt: A card")},
        "posts/2024/x.md: image 'card.png' on line 3 does not exist (expected a file at posts/2024/card.png)",
    ),
    (
        "image-without-alt",
        {"posts/2024/x.md": post("date: 2024-02-01\nshare_image: ../../good.png"), "good.png": b"x"},
        "posts/2024/x.md: share_image '../../good.png' has no share_image_alt "
        "(expected a sentence describing the image, for readers who cannot see it)",
    ),
    (
        "image-alt-empty",
        {
            "posts/2024/x.md": post("date: 2024-02-01\nshare_image: ../../good.png\nshare_image_alt: '  '"),
            "good.png": b"x",
        },
        "posts/2024/x.md: share_image_alt '  ' is not a sentence (expected a sentence describing the image)",
    ),
    (
        "image-alt-without-image",
        {"posts/2024/x.md": post("date: 2024-02-01\nshare_image_alt: A card")},
        "posts/2024/x.md: share_image_alt 'A card' describes no image "
        "(expected a share_image key with it, or no share_image_alt: the drawn share card has its own)",
    ),
]


@pytest.mark.parametrize(
    ("posts", "message"), [case[1:] for case in BAD_POSTS], ids=[case[0] for case in BAD_POSTS]
)
def test_bad_post_fails_the_build_with_one_clear_message(build_with_posts, posts, message):
    returncode, stderr, out = build_with_posts(posts)
    assert returncode != 0
    lines = [line.strip() for line in stderr.splitlines()]
    assert message in lines, stderr
    problems = [line for line in lines if line.startswith("posts/")]
    assert problems == [message], "expected exactly one message"
    assert not (out / "index.html").exists(), "a page was written before the bad post stopped the build"


def test_bad_front_matter_fails_a_plain_sphinx_build_without_w(tmp_path):
    src = write_site(tmp_path, {"posts/2024/x.md": post("date: 2024-13-01")})
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOG_")}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "dirhtml", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert proc.returncode != 0
    assert "Post check failed!" in proc.stderr
    assert "posts/2024/x.md: date '2024-13-01' is not a valid date (expected YYYY-MM-DD)" in proc.stderr


def test_every_problem_of_every_post_is_listed_once(build_with_posts):
    returncode, stderr, _ = build_with_posts(
        {
            "posts/2024/x.md": post("date: 2024-13-01\ndraft: maybe"),
            "posts/2024/y.md": post("date: 2024-02-01\ntgas: [Git]"),
        }
    )
    assert returncode != 0
    assert "Post check failed!" in stderr
    for message in (
        "posts/2024/x.md: date '2024-13-01' is not a valid date (expected YYYY-MM-DD)",
        "posts/2024/x.md: draft 'maybe' is not a boolean (expected true or false)",
        "posts/2024/y.md: unknown key 'tgas' (did you mean 'tags'?",
    ):
        assert stderr.count(message) == 1, stderr


def test_many_posts_parsed_beside_the_build_report_every_problem_once(build_with_posts):
    # From PARSE_BESIDE_FROM posts on, half are parsed in a process beside the build
    # (blogext.core.frontmatter._parse_all): a problem in either half is reported, once, with its file.
    from blogext.core.frontmatter import PARSE_BESIDE_FROM

    count = PARSE_BESIDE_FROM + 6
    posts = {
        f"posts/2024/p{i:03}.md": post(f"date: 2024-02-{1 + i % 28:02}", f"# Post {i}\n\nText {i}.\n")
        for i in range(count)
    }
    posts["posts/2024/p001.md"] = post("date: 2024-02-01\ndraft: maybe")
    posts[f"posts/2024/p{count - 2:03}.md"] = post("date: 2024-02-01\ntgas: [Git]")
    returncode, stderr, _ = build_with_posts(posts)
    assert returncode != 0
    for message in (
        "posts/2024/p001.md: draft 'maybe' is not a boolean (expected true or false)",
        f"posts/2024/p{count - 2:03}.md: unknown key 'tgas' (did you mean 'tags'?",
    ):
        assert stderr.count(message) == 1, stderr


def test_good_posts_with_every_known_key_build_strictly(build_with_posts):
    text = post(
        "date: 2024-02-01 09:30\nupdated: 2024-03-01\ndraft: false\ntags: [Git, 'no']\ncategory: Tutorials\n"
        "description: A sentence.\nseries: git-guides\npart: 2\nauthor: [ada, grace]\n"
        "share_image: pixel.png\nshare_image_alt: One pixel.\ncomments: true",
        "# A title\n\n![A pixel](pixel.png) and [the good post](good.md), [again](/posts/2024/good), "
        "[the web](https://example.org/a.png) and [an anchor](#a-title).\n",
    )
    png = (REPO / "tests" / "roots" / "test-drafts" / "posts" / "2024" / "draft-only.png").read_bytes()
    returncode, stderr, out = build_with_posts(
        {"posts/2024/x.md": text, "posts/2024/pixel.png": png}, "-W", "--keep-going", "-n"
    )
    assert returncode == 0, stderr
    assert (out / "posts" / "2024" / "x" / "index.html").is_file()


# -- Fast checks of the rules themselves ----------------------------------------------------------------


def test_dates_may_have_a_time_and_are_kept_as_datetimes():
    values, problems = check_front_matter({"date": "2024-05-14 09:30", "updated": "2024-05-15T10:00:05"})
    assert problems == []
    assert values["date"] == datetime(2024, 5, 14, 9, 30)
    assert values["updated"] == datetime(2024, 5, 15, 10, 0, 5)


def test_unknown_key_suggestion_comes_from_the_known_keys_and_extra_keys():
    _, problems = check_front_matter({"seires": "x"}, extra_keys=["cover"])
    assert problems == [f"unknown key 'seires' (did you mean 'series'? expected one of: {KEYS}, cover)"]
    values, problems = check_front_matter({"cover": "card.png"}, extra_keys=["cover"])
    assert problems == [] and values == {}


def test_yes_is_a_boolean_as_in_yaml_but_a_quoted_word_is_not():
    # Read by the loader the build uses: YAML's unquoted yes is true (as MyST reads it too).
    assert frontmatter_yaml.load("draft: yes\ncomments: no") == {"draft": True, "comments": False}
    assert check_front_matter(frontmatter_yaml.load("draft: yes")) == ({"draft": True}, [])
    assert check_front_matter(frontmatter_yaml.load("draft: 'no'"))[1] == [
        "draft 'no' is not a boolean (expected true or false)"
    ]


def test_a_post_whose_draft_is_yaml_yes_is_not_published(build_with_posts):
    returncode, stderr, out = build_with_posts({"posts/2024/x.md": post("date: 2024-02-01\ndraft: yes")})
    assert returncode == 0, stderr
    assert (out / "posts" / "2024" / "good" / "index.html").is_file()
    assert not (out / "posts" / "2024" / "x").exists()


def test_front_matter_is_split_from_the_body():
    assert split_front_matter("---\ndate: 2024-01-01\n---\n# T\n") == ("date: 2024-01-01", 2)
    assert split_front_matter("# T\n") == (None, 0)
    assert split_front_matter("---\ndate: 2024-01-01\n# T\n") == ("date: 2024-01-01\n# T", -1)


@pytest.mark.parametrize(
    "name",
    ["Machine Learning", "machine-learning", "machine learning", "MACHINE_LEARNING", " Machine   Learning "],
)
def test_tags_differing_in_case_spacing_or_punctuation_have_one_key(name):
    assert label_key(name) == "machine-learning"


def test_labels_with_one_ablog_url_have_one_key():
    # ABlog's slugify drops the dot: "ML.Ops" and "MLOps" share the URL blog/tag/mlops/.
    assert label_key("ML.Ops") == label_key("MLOps") == "mlops"
    assert label_key("ML Ops") != label_key("MLOps")


def test_url_key_ignores_case_spaces_punctuation_and_a_trailing_index():
    assert (
        url_key("posts/2024/My Post") == url_key("posts/2024/my-post") == url_key("posts/2024/my_post/index")
    )
    assert url_key("posts/2024/a") != url_key("posts/2023/a")


def test_display_name_is_the_one_used_first_by_date_then_path():
    def fm(path, date, tags, category=None):
        return PostFrontMatter(
            path=path, docname=path[:-3], title="T", date=date, tags=tuple(tags), category=category
        )

    names = canonical_labels(
        [
            fm("posts/2024/c.md", datetime(2024, 3, 1), ["Machine Learning"], "tutorials"),
            fm("posts/2024/b.md", datetime(2024, 2, 1), ["machine-learning"]),
            fm("posts/2024/a.md", datetime(2024, 2, 1), ["machine learning"], "Tutorials"),
            fm("posts/2024/undated.md", None, ["ML"]),
        ]
    )
    assert names["tags"] == {"machine-learning": "machine learning", "ml": "ML"}
    assert names["category"] == {"tutorials": "Tutorials"}


def test_real_posts_pass_the_checks(site):
    # The real site builds (the fixture asserts it), so its posts passed; name the guarantee.
    assert (site.outdir / "posts").is_dir()


def test_tags_that_differ_in_case_spacing_or_punctuation_share_one_page_feed_and_name(build_root):
    built = assert_clean(build_root("drafts", env={"BLOG_TODAY": "2024-06-01"}))
    tags = sorted(p.name for p in (built.outdir / "blog" / "tag").iterdir() if p.is_dir())
    assert tags == ["machine-learning", "python"]
    page = built.html("blog/tag/machine-learning/")
    assert {a.get_text(strip=True) for a in page.select("article .ablog-post-title a")} == {
        "Alpha post",
        "Beta post",
    }
    # The name the author used first (alpha, the earlier post), on the later post too.
    beta_tags = [
        a.get_text(strip=True) for a in built.html("posts/2024/beta/").select(".post-meta a.post-tag")
    ]
    assert beta_tags == ["Machine Learning", "Python"]
    catalog = [a.get_text(strip=True) for a in built.html("blog/tag/").select("article a")]
    assert catalog.count("Machine Learning") == 1 and not {"machine-learning", "machine learning"} & set(
        catalog
    )
    feed_titles = {
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in built.feed("blog/tag/machine-learning/atom.xml").iter("{http://www.w3.org/2005/Atom}entry")
    }
    assert feed_titles == {"Alpha post", "Beta post"}
    # Categories too: beta's "notes" is alpha's "Notes".
    assert sorted(p.name for p in (built.outdir / "blog" / "category").iterdir() if p.is_dir()) == ["notes"]
    assert built.html("posts/2024/beta/").select_one("a.post-category-link").get_text() == "Notes"


def test_renaming_a_tag_in_its_first_post_renames_it_everywhere_without_rereading_other_posts(build_root):
    first = assert_clean(build_root("drafts", env={"BLOG_TODAY": "2024-06-01"}))
    alpha = first.srcdir / "posts" / "2024" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("[Machine Learning, Python]", "[MACHINE LEARNING, Python]"))
    again = assert_clean(build_root("drafts", env={"BLOG_TODAY": "2024-06-01"}))
    # alpha changed; beta, read with the old name, is read again; on-time (no such tag) is not.
    assert "0 added, 2 changed, 0 removed" in again.stdout, again.stdout
    beta_tags = [
        a.get_text(strip=True) for a in again.html("posts/2024/beta/").select(".post-meta a.post-tag")
    ]
    assert beta_tags == ["MACHINE LEARNING", "Python"]


def test_rebuild_parses_only_changed_posts_and_still_catches_a_bad_edit(tmp_path):
    # The parsed posts are cached in the doctree folder: a rebuild parses only the posts whose
    # bytes changed (-v logs which), and checks every post as thoroughly as a clean build does.
    src = write_site(
        tmp_path,
        {
            "posts/2024/pictured.md": post(GOOD_FRONT, "# Pictured\n\n![A diagram](diagram.png)\n"),
            "posts/2024/diagram.png": b"\x89PNG\r\n\x1a\n",
        },
    )

    def build():
        return run_sphinx(src, tmp_path / "out", "-v")

    first = assert_clean(build())
    assert "front matter: parsed 2 of 2 posts" in first.stdout, first.stdout
    again = assert_clean(build())
    assert "front matter: parsed 0 of 2 posts" in again.stdout, again.stdout

    good = src / "posts/2024/good.md"
    good.write_text(good.read_text("utf-8").replace("# Good post", "# Good post, retitled"), "utf-8")
    edited = assert_clean(build())
    assert (
        "front matter: parsed 1 of 2 posts (the others are unchanged since the last build): "
        "posts/2024/good.md" in edited.stdout
    ), edited.stdout

    good.write_text(good.read_text("utf-8").replace("date: 2024-01-10", "date: 2024-01-32"), "utf-8")
    bad = build()
    assert bad.returncode != 0
    assert "posts/2024/good.md: date '2024-01-32' is not a valid date (expected YYYY-MM-DD)" in bad.stderr
    assert "parsed 1 of 2 posts" in bad.stdout, bad.stdout

    # An unchanged post comes from the cache, but the files it points to are looked for again.
    good.write_text(good.read_text("utf-8").replace("date: 2024-01-32", "date: 2024-01-31"), "utf-8")
    assert_clean(build())
    (src / "posts/2024/diagram.png").unlink()
    gone = build()
    assert gone.returncode != 0
    assert "parsed 0 of 2 posts" in gone.stdout, gone.stdout
    assert (
        "posts/2024/pictured.md: image 'diagram.png' on line 8 does not exist "
        "(expected a file at posts/2024/diagram.png)" in gone.stderr
    )


def test_cached_checks_follow_the_settings_they_depend_on(tmp_path):
    # A post's cached check is made against blog_authors: changing the setting checks it again.
    src = write_site(tmp_path, {"posts/2024/grace.md": post("date: 2024-02-01\nauthor: grace")})
    assert_clean(run_sphinx(src, tmp_path / "out", "-v"))
    conf = src / "conf.py"
    conf.write_text(conf.read_text("utf-8").replace(', "grace": ("Grace Hopper", None)', ""), "utf-8")
    built = run_sphinx(src, tmp_path / "out", "-v")
    assert built.returncode != 0
    assert "parsed 2 of 2 posts" in built.stdout, built.stdout
    assert "posts/2024/grace.md: author 'grace' is not in blog_authors (expected one of: ada)" in built.stderr


# -- Strict YAML: refused quickly, naming the file, wherever the front matter is -----------------------

#: "Billion laughs": nine aliases a level, nine levels: 9**9 strings once expanded.
BILLION_LAUGHS = "\n".join(
    ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 9)}]" for n in range(1, 10)]
    + ["tags: *lol9"]
)


@pytest.mark.parametrize("path", ["posts/2024/x.md", "index.md"])
def test_a_billion_laughs_fails_at_once_naming_the_file_and_line(build_with_posts, path):
    body = "# A title\n\nText.\n" if path.startswith("posts/") else "# Home\n"
    start = time.perf_counter()
    returncode, stderr, out = build_with_posts({path: post("date: 2024-02-01\n" + BILLION_LAUGHS, body)})
    took = time.perf_counter() - start
    assert returncode != 0
    assert (
        f"{path}: front matter has the anchor '&lol0' on line 3 (expected plain keys and values: "
        "front matter has no use for anchors, aliases or merge keys; delete '&lol0')"
    ) in stderr, stderr
    assert took < 5, f"the refusal took {took:.1f} s"
    assert not (out / "index.html").exists()


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (
            "orphan: true\norphan: false",
            "index.md: front matter has the key 'orphan' twice on lines 2 and 3 "
            "(expected each key once: keep the value you mean, delete the other)",
        ),
        (
            "myst: &m {}\n",
            "index.md: front matter has the anchor '&m' on line 2 (expected plain keys and values: "
            "front matter has no use for anchors, aliases or merge keys; delete '&m')",
        ),
        ("draft: maybe", "index.md: draft 'maybe' is not a boolean (expected true or false)"),
        (
            "draft: true",
            "index.md: draft true on the home page (expected draft: false or no draft key: "
            "every other page links to the home page, so it is always published)",
        ),
        (
            "title: [unclosed",
            "index.md: front matter is not valid YAML on line 2: expected ',' or ']', but got '<stream end>' "
            "(expected 'key: value' lines)",
        ),
    ],
)
def test_a_page_front_matter_is_as_strict_as_a_post(build_with_posts, front, message):
    returncode, stderr, out = build_with_posts({"index.md": post(front, "# Home\n")})
    assert returncode != 0
    assert message in [line.strip() for line in stderr.splitlines()], stderr
    assert not (out / "index.html").exists()


def test_a_notebook_metadata_key_given_twice_fails_naming_the_key_and_lines(tmp_path):
    src = make_site("notebooks", tmp_path / "src")
    path = src / "posts" / "2024" / "plotting-losses.ipynb"
    text = path.read_text("utf-8")
    assert '\n  "date": ' in text
    path.write_text(
        text.replace('\n  "date": ', '\n  "draft": true,\n  "draft": false,\n  "date": ', 1), "utf-8"
    )
    lines = [n for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1) if '"draft"' in line]
    built = run_sphinx(src, tmp_path / "out", env={"BLOG_TODAY": "2024-06-01"})
    assert built.returncode != 0
    assert (
        f"posts/2024/plotting-losses.ipynb: notebook metadata has the key 'draft' twice on lines {lines[0]} "
        f"and {lines[1]} (expected each key once: keep the value you mean, delete the other)"
    ) in built.stderr, built.stderr


# -- Every suggested fix is one the build accepts ---------------------------------------------------------


def _apply_front_matter_suggestion(text: str, message: str) -> str:
    """*text* with the ``{post}`` directive removed and the front-matter lines *message* suggests."""
    suggested = re.search(r"in the front matter, as (.*), and no \{post\} directive", message).group(1)
    lines = re.findall(r"'([a-z]+: [^']*)'", suggested)
    body = re.sub(r"```\{post\}.*?```\n", "", text, flags=re.DOTALL)
    return "---\n" + "\n".join(lines) + "\n---\n" + body


@pytest.mark.parametrize(
    "directive",
    [
        "```{post} May 31, 2022\n:tags: Machine Learning, Git, no, 1.0\n:category: Notes\n:excerpt: 1\n```\n",
        "```{post} 2021-11-03 14:30\n```\n",
        "```{post} 15 Mar 2020\n:tags: ml\n```\n",
    ],
)
def test_the_post_directive_message_suggests_front_matter_that_builds(build_with_posts, tmp_path, directive):
    text = directive + "\n# Written for an ABlog site\n\nThe body.\n"
    returncode, stderr, _out = build_with_posts({"posts/2024/x.md": text})
    assert returncode != 0
    message = next(line for line in stderr.splitlines() if "directive {post}" in line)
    assert "'date: 20" in message, message
    fixed = _apply_front_matter_suggestion(text, message)
    returncode, stderr, out = build_with_posts({"posts/2024/x.md": fixed}, "-W", "--keep-going", "-n")
    assert returncode == 0, f"{fixed}\n{stderr}"
    assert (out / "posts" / "2024" / "x" / "index.html").is_file()
