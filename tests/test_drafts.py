"""Drafts and scheduled posts never leak into the published site, are previewable, and go live on their date.

The test site ``tests/roots/test-drafts`` has three published posts (one dated
on the tests' "today", 2024-06-01, injected with BLOG_TODAY), a draft, an
undated draft and a scheduled post (2024-06-02). Each unpublished post has its
own marker text, image, tag and category.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import REPO, ROOTS, NoxSession, assert_clean, copy_site, entry_titles, load_noxfile

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the blog's own extensions package, ``blogext``

from blogcli.newpost import NewPostError, create_post, slugify  # noqa: E402
from blogext.core.errors import SettingError  # noqa: E402
from blogext.core.frontmatter_check import PostFrontMatter  # noqa: E402
from blogext.core.posts import resolve_preview, resolve_today, status, unpublished  # noqa: E402

TODAY = {"BLOG_TODAY": "2024-06-01"}
PREVIEW = {**TODAY, "BLOG_PREVIEW": "1"}
DRAFTS = ROOTS / "test-drafts" / "posts" / "2024"

#: Text that only the unpublished posts have: markers, titles, tags, categories, file names.
UNPUBLISHED_TRACES = [
    "DRAFTMARKER7731",
    "SCHEDMARKER4410",
    "UNDATEDMARKER5208",
    "Secret draft post",
    "Scheduled post",
    "Undated draft post",
    "Draftonlytag",
    "Scheduledonlytag",
    "Undatedonlytag",
    "Draftcategory",
    "Schedcategory",
    "secret-draft",
    "posts/2024/scheduled",
    "posts/2024/undated",
    "draft-only",
    "scheduled-only",
    "blog/drafts",
]
PUBLISHED = {"alpha", "beta", "on-time"}


def post_pages(built) -> set[str]:
    folder = built.outdir / "posts" / "2024"
    return {p.name for p in folder.iterdir() if (p / "index.html").is_file()}


def test_published_build_leaks_nothing_of_drafts_or_scheduled_posts(build_root):
    built = assert_clean(build_root("drafts", env=TODAY))
    files = built.files()
    # The search can fail: the published posts' text is in the same kinds of files.
    everything = b"\n".join(p.read_bytes() for p in files).lower()
    for trace in (
        "alpha excerpt paragraph",
        "on-time post",
        "posts/2024/beta",
        "_sources/posts/2024/alpha.md.txt",
    ):
        assert trace.encode() in everything or any(trace in p.as_posix() for p in files), trace
    for kind in (
        "searchindex.js",
        "sitemap.xml",
        "blog/atom.xml",
        "blog/tag/python/atom.xml",
        "_sources/index.md.txt",
    ):
        assert (built.outdir / kind).is_file(), f"{kind} was not built, so the search below proves nothing"
    for trace in UNPUBLISHED_TRACES:
        leaks = [
            p.relative_to(built.outdir).as_posix()
            for p in files
            if trace.lower().encode() in p.read_bytes().lower() or trace.lower() in p.as_posix().lower()
        ]
        assert leaks == [], f"{trace!r} leaked into {leaks}"
    # The unpublished posts' images, under any name.
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in DRAFTS.glob("*.png")}
    assert not [p for p in files if hashlib.sha256(p.read_bytes()).hexdigest() in digests]
    assert post_pages(built) == PUBLISHED


def test_published_build_has_no_drafts_page_and_no_page_for_a_draft_only_tag_or_category(build_root):
    built = assert_clean(build_root("drafts", env=TODAY))
    assert not (built.outdir / "blog" / "drafts").exists()
    assert sorted(p.name for p in (built.outdir / "blog" / "tag").iterdir() if p.is_dir()) == [
        "machine-learning",
        "python",
    ]
    assert sorted(p.name for p in (built.outdir / "blog" / "category").iterdir() if p.is_dir()) == ["notes"]
    listed = {
        a.get_text(strip=True) for a in built.html("blog/tag/python/").select("article .ablog-post-title a")
    }
    assert listed == {"Alpha post", "Beta post", "On-time post"}


@pytest.mark.parametrize(
    ("today", "pages"),
    [
        ("2024-05-31", {"alpha", "beta"}),  # the day before: on-time is scheduled
        ("2024-06-01", {"alpha", "beta", "on-time"}),  # its day: published; the 06-02 post is scheduled
        ("2024-06-02", {"alpha", "beta", "on-time", "scheduled"}),  # the daily rebuild publishes it
    ],
)
def test_post_is_published_on_its_date_and_not_before(build_root, today, pages):
    built = assert_clean(build_root("drafts", env={"BLOG_TODAY": today}))
    assert post_pages(built) == pages
    in_feed = set(entry_titles(built.feed("blog/atom.xml")))
    assert ("Scheduled post" in in_feed) == ("scheduled" in pages)
    assert ("On-time post" in in_feed) == ("on-time" in pages)


def test_changing_today_rebuilds_without_warnings(build_root):
    assert_clean(build_root("drafts", env={"BLOG_TODAY": "2024-06-01"}))
    again = assert_clean(build_root("drafts", env={"BLOG_TODAY": "2024-06-01"}))
    assert "0 added, 0 changed, 0 removed" in again.stdout, again.stdout
    later = assert_clean(build_root("drafts", env={"BLOG_TODAY": "2024-06-02"}))
    assert (later.outdir / "posts" / "2024" / "scheduled" / "index.html").is_file()


def test_preview_builds_unpublished_posts_with_a_banner(build_root):
    built = assert_clean(build_root("drafts", env=PREVIEW))
    assert post_pages(built) == PUBLISHED | {"secret-draft", "undated", "scheduled"}
    banners = {
        name: built.html(f"posts/2024/{name}/").select_one("article .post-unpublished .admonition-title")
        for name in ("secret-draft", "undated", "scheduled", "alpha")
    }
    assert banners["secret-draft"].get_text() == "Draft — not published"
    assert banners["undated"].get_text() == "Draft — not published"
    assert banners["scheduled"].get_text() == "Scheduled for 02 June 2024"
    assert banners["alpha"] is None
    assert "DRAFTMARKER7731" in built.html("posts/2024/secret-draft/").select_one("article").get_text()


def test_preview_lists_unpublished_posts_only_on_the_drafts_page(build_root):
    built = assert_clean(build_root("drafts", env=PREVIEW))
    home = {a.get_text(strip=True) for a in built.html("").select(".postlist .ablog-post-title a")}
    assert home == {"Alpha post", "Beta post", "On-time post"}
    assert set(entry_titles(built.feed("blog/atom.xml"))) == home
    drafts = {
        a.get_text(strip=True) for a in built.html("blog/drafts/").select("article .ablog-post-title a")
    }
    assert drafts == {"Secret draft post", "Undated draft post", "Scheduled post"}


def test_unpublished_names_the_previews_drafts_and_scheduled_posts(make_app, tmp_path, monkeypatch):
    for name in ("BLOG_TODAY", "BLOG_PREVIEW"):
        monkeypatch.delenv(name, raising=False)
    expected = {
        "posts/2024/secret-draft": "draft",
        "posts/2024/undated": "draft",
        "posts/2024/scheduled": "scheduled",
    }
    for preview, names in ((True, expected), (False, {})):
        src = tmp_path / f"src-{preview}"
        shutil.copytree(ROOTS / "test-drafts", src)
        app = make_app(
            "dirhtml", srcdir=src, confoverrides={"blogext_preview": preview, "blogext_today": "2024-06-01"}
        )
        app.build()
        assert unpublished(app.env) == names
        from ablog.blog import Blog

        Blog._dict.clear()


def test_published_post_linking_an_unpublished_post_fails_only_the_published_build(build_root, tmp_path):
    src = tmp_path / "src-drafts"
    shutil.copytree(ROOTS / "test-drafts", src)
    alpha = src / "posts" / "2024" / "alpha.md"
    alpha.write_text(alpha.read_text() + "\nMore in [the draft](secret-draft.md) and [soon](scheduled.md).\n")
    built = build_root("drafts", env=TODAY)
    assert built.returncode != 0
    assert (
        "posts/2024/alpha.md: link 'secret-draft.md' on line 11 points to posts/2024/secret-draft.md, "
        "which is a draft (expected a link to a published post)"
    ) in built.stderr
    assert (
        "posts/2024/alpha.md: link 'scheduled.md' on line 11 points to posts/2024/scheduled.md, "
        "which is scheduled for 02 June 2024 (expected a link to a published post)"
    ) in built.stderr
    assert_clean(build_root("drafts", env=PREVIEW))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BLOG_TODAY": "2024-6-1"}, "BLOG_TODAY '2024-6-1' is not a valid date (expected YYYY-MM-DD)"),
        ({"BLOG_TODAY": "2024-02-30"}, "BLOG_TODAY '2024-02-30' is not a valid date (expected YYYY-MM-DD)"),
        ({"BLOG_PREVIEW": "maybe"}, "BLOG_PREVIEW 'maybe' is not a boolean (expected 1 or 0)"),
    ],
)
def test_bad_today_or_preview_switch_fails_with_a_clear_message(build_root, env, message):
    built = build_root("drafts", env=env)
    assert built.returncode != 0
    assert message in built.stderr


# -- the date logic, with an injected today ---------------------------------------------------------------


def _post(**kwargs) -> PostFrontMatter:
    return PostFrontMatter(path="posts/2024/x.md", docname="posts/2024/x", title="X", **kwargs)


def test_status_draft_scheduled_or_published():
    today = date(2024, 6, 1)
    assert status(_post(date=datetime(2024, 6, 1, 23, 59)), today) is None  # today, at any time
    assert status(_post(date=datetime(2024, 5, 1)), today) is None
    assert status(_post(date=datetime(2024, 6, 2)), today) == "scheduled"  # tomorrow
    assert status(_post(date=datetime(2024, 5, 1), draft=True), today) == "draft"
    assert status(_post(date=datetime(2024, 7, 1), draft=True), today) == "draft"
    assert status(_post(), today) == "draft"  # no date


def test_today_comes_from_blog_today_then_conf_then_the_clock_in_the_time_zone():
    assert resolve_today({"BLOG_TODAY": "2027-05-14"}, "2020-01-01") == date(2027, 5, 14)
    assert resolve_today({}, "2020-01-01") == date(2020, 1, 1)
    assert (
        resolve_today({}, "", "Pacific/Kiritimati")
        == datetime.now(__import__("zoneinfo").ZoneInfo("Pacific/Kiritimati")).date()
    )
    with pytest.raises(
        SettingError, match=r"blogext_today '14/05/2027' is not a valid date \(expected YYYY-MM-DD\)"
    ):
        resolve_today({}, "14/05/2027")


def test_preview_switch_comes_from_blog_preview_env_then_conf():
    assert resolve_preview({"BLOG_PREVIEW": "1"}, False) is True
    assert resolve_preview({"BLOG_PREVIEW": "0"}, True) is False
    assert resolve_preview({}, True) is True
    assert resolve_preview({}, False) is False


class _Recorder:
    """A nox session that records the commands it is asked to run, and runs none."""

    posargs: list[str] = []

    def __init__(self) -> None:
        self.runs: list[tuple[tuple[str, ...], dict]] = []

    def install(self, *args: str, **kwargs) -> None:
        pass

    def run(self, *cmd: str, **kwargs) -> None:
        self.runs.append((cmd, kwargs))

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def test_serve_session_builds_the_preview():
    session = _Recorder()
    load_noxfile(REPO).serve(session)
    previews = [
        kwargs for cmd, kwargs in session.runs if (kwargs.get("env") or {}).get("BLOG_PREVIEW") == "1"
    ]
    assert previews, f"no command of the serve session builds the preview: {session.runs}"
    commands = [cmd for cmd, kwargs in session.runs if (kwargs.get("env") or {}).get("BLOG_PREVIEW") == "1"]
    assert any("blogcli.preview" in cmd for cmd in commands), "the serve session runs the kept-alive preview"


# -- a failed build leaves no half-written site --------------------------------------------------------------


def test_failed_build_leaves_the_previous_site_and_no_half_written_one(tmp_path):
    site = copy_site(tmp_path / "site")
    previous = site / "_build" / "html"
    previous.mkdir(parents=True)
    (previous / "index.html").write_text("the previous site")
    (site / "posts" / "2023" / "bad.md").write_text("---\ndate: 2023-02-30\n---\n\n# Bad\n")
    noxfile = load_noxfile(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOG_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with pytest.raises(RuntimeError, match=r"posts/2023/bad.md: date '2023-02-30' is not a valid date"):
        noxfile.build(NoxSession(env))
    assert sorted(p.name for p in (site / "_build").iterdir() if p.name != "doctrees") == ["html"]
    assert [p.name for p in previous.iterdir()] == ["index.html"]
    assert (previous / "index.html").read_text() == "the previous site"


# -- nox -s new ----------------------------------------------------------------------------------------------


def test_new_post_is_a_dated_draft_with_its_front_matter_filled_in(tmp_path):
    path = create_post(tmp_path, "Café:  Shipping Models, Safely!", date(2025, 3, 9))
    assert path == tmp_path / "posts" / "2025" / "cafe-shipping-models-safely.md"
    assert path.read_text() == (
        "---\n"
        "date: 2025-03-09\n"
        "draft: true\n"
        "tags: []\n"
        "# category: Tutorials\n"
        "# description: One sentence for search results and link previews.\n"
        "---\n"
        "\n"
        "# Café: Shipping Models, Safely!\n"
        "\n"
        "The first paragraph is the excerpt shown on the home page and in the archives.\n"
    )


def test_new_post_refuses_to_overwrite_a_post_or_take_its_url(tmp_path):
    path = create_post(tmp_path, "Hello World", date(2025, 3, 9))
    path.write_text("my words")
    with pytest.raises(
        NewPostError, match=r"posts/2025/hello-world.md already exists \(choose another title\)"
    ):
        create_post(tmp_path, "Hello, world", date(2025, 3, 9))
    assert path.read_text() == "my words"
    (tmp_path / "posts" / "2025" / "Good News.md").write_text("x")
    with pytest.raises(NewPostError, match=r"posts/2025/Good News.md already exists"):
        create_post(tmp_path, "good news", date(2025, 3, 9))
    with pytest.raises(NewPostError, match=r"title '!!!' has no letters or digits"):
        create_post(tmp_path, "!!!", date(2025, 3, 9))


def test_slug_is_ascii_lowercase_words_joined_by_hyphens():
    assert slugify("What a GIT.") == "what-a-git"
    assert slugify("  Naïve   Bayes -- from scratch ") == "naive-bayes-from-scratch"


def test_nox_new_session_creates_a_draft_that_builds_and_stays_unpublished(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(ROOTS / "test-badpost", root)
    shutil.copy(REPO / "noxfile.py", root)
    shutil.copy(REPO / "pyproject.toml", root)
    for package in ("blogext", "blogcli"):
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BLOG_")}, "BLOG_TODAY": "2024-05-01"}
    nox = [sys.executable, "-m", "nox", "-f", str(root / "noxfile.py"), "-s", "new", "--"]
    first = subprocess.run([*nox, "A New Post"], capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "posts/2024/a-new-post.md"
    again = subprocess.run([*nox, "A new post"], capture_output=True, text=True, env=env, check=False)
    assert again.returncode != 0
    assert "posts/2024/a-new-post.md already exists" in again.stdout + again.stderr
    # The new post passes the checks: the preview shows it, the published site does not.
    env["PYTHONPATH"] = str(REPO)
    sphinx = [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-W", "--keep-going", "-n", "-q"]
    preview = subprocess.run(
        [*sphinx, "-d", str(tmp_path / "d1"), str(root), str(tmp_path / "preview")],
        capture_output=True,
        text=True,
        env={**env, "BLOG_PREVIEW": "1"},
        check=False,
    )
    assert preview.returncode == 0, preview.stderr
    assert (tmp_path / "preview" / "posts" / "2024" / "a-new-post" / "index.html").is_file()
    published = subprocess.run(
        [*sphinx, "-d", str(tmp_path / "d2"), str(root), str(tmp_path / "published")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert published.returncode == 0, published.stderr
    assert not (tmp_path / "published" / "posts" / "2024" / "a-new-post").exists()


def test_real_site_publishes_no_drafts_page(site):
    assert not (site.outdir / "blog" / "drafts").exists()


# -- Every document Sphinx would read is known: hidden files, drafts outside posts/ -------------------

#: Written into a copy of tests/roots/test-documents: hidden files and folders, each with a marker.
HIDDEN = {
    "posts/2024/.wip.md": (
        "---\ndate: 2024-03-01\ndraft: true\ntags: [Hiddentag]\n---\n\n# Hidden wip\n\nHIDDENMARKER1 wip.\n"
    ),
    "posts/2024/.published-looking.md": (
        "---\ndate: 2024-03-01\n---\n\n# Hidden dated\n\nHIDDENMARKER2 dated.\n"
    ),
    "posts/.ipynb_checkpoints/alpha-checkpoint.md": "# Checkpoint\n\nHIDDENMARKER3 checkpoint.\n",
    ".drafts/idea.md": "---\ndraft: true\n---\n\n# Idea\n\nHIDDENMARKER4 idea.\n",
    "notes/.scratch.md": "# Scratch\n\nHIDDENMARKER5 scratch.\n",
}
DOCUMENTS_TRACES = [
    "HIDDENMARKER",
    "hidden wip",
    "hidden dated",
    "hiddentag",
    "PAGEDRAFTMARKER3391",
    "notes/plan",
]


def documents_site(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-documents", src)
    for path, text in HIDDEN.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text, "utf-8")
    return src


def leaks(outdir: Path, traces: list[str]) -> list[str]:
    """Files of *outdir* whose path or bytes hold one of *traces* (any case)."""
    found = []
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        data, name = path.read_bytes().lower(), path.relative_to(outdir).as_posix().lower()
        found += [
            f"{trace} in {name}"
            for trace in traces
            if trace.lower().encode() in data or trace.lower() in name
        ]
    return found


def test_npm_packages_and_build_output_beside_conf_py_are_never_searched_for_documents(tmp_path):
    from conftest import run_sphinx

    src = documents_site(tmp_path)
    for path in ("node_modules/a-package/README.md", "_build/html/_sources/old.md", "_build/preview/x.md"):
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text("# Not a document\n\nNOTADOCUMENTMARKER\n", "utf-8")
    # Every Markdown file included: a document found there would warn (in no toctree) and be written.
    built = assert_clean(run_sphinx(src, tmp_path / "out", "-D", "include_patterns=**"))
    assert leaks(built.outdir, ["NOTADOCUMENTMARKER", "a-package"]) == []
    assert "notes/public" in (built.outdir / "sitemap.xml").read_text("utf-8"), "the other pages are built"


@pytest.mark.parametrize("builder", ["dirhtml", "html"])
def test_hidden_files_and_draft_pages_leave_no_trace_in_a_plain_sphinx_build(tmp_path, builder):
    src = documents_site(tmp_path)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOG_")}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", builder, "-W", str(src), str(out)],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO), "BLOG_TODAY": "2024-06-01"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for kind in ("sitemap.xml", "searchindex.js", "blog/atom.xml"):
        assert (out / kind).is_file(), f"{kind} was not built, so the search below proves nothing"
    assert b"alpha excerpt paragraph" in (out / "blog" / "atom.xml").read_bytes().lower()
    assert b"public notes" in (out / "searchindex.js").read_bytes().lower()
    assert leaks(out, DOCUMENTS_TRACES) == []
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    assert "notes/public" in sitemap and ".wip" not in sitemap and "checkpoint" not in sitemap
    digest = hashlib.sha256((src / "notes" / "plan-only.png").read_bytes()).hexdigest()
    assert not [
        p for p in out.rglob("*") if p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == digest
    ]


def test_a_draft_page_outside_the_posts_is_previewed_with_a_banner_and_listed_nowhere(tmp_path):
    from conftest import run_sphinx

    src = documents_site(tmp_path)
    built = assert_clean(run_sphinx(src, tmp_path / "out", env=PREVIEW))
    banner = built.html("notes/plan/").select_one("article .post-unpublished")
    assert banner.select_one(".admonition-title").get_text() == "Draft — not published"
    assert "This page is a draft" in banner.get_text()
    assert "PAGEDRAFTMARKER3391" in built.html("notes/plan/").select_one("article").get_text()
    assert "notes/plan" not in (built.outdir / "sitemap.xml").read_text("utf-8")
    # Hidden files stay out of the preview too.
    assert leaks(built.outdir, ["HIDDENMARKER"]) == []


def test_a_page_that_becomes_a_draft_is_removed_from_the_published_site(tmp_path):
    from conftest import run_sphinx

    src = documents_site(tmp_path)
    out = tmp_path / "out"
    first = assert_clean(run_sphinx(src, out, env=TODAY))
    assert (first.outdir / "notes" / "public" / "index.html").is_file()
    public = src / "notes" / "public.md"
    public.write_text(public.read_text("utf-8").replace("draft: false", "draft: true"), "utf-8")
    again = assert_clean(run_sphinx(src, out, env=TODAY))
    assert not (again.outdir / "notes" / "public" / "index.html").exists()
    assert "notes/public" not in (again.outdir / "sitemap.xml").read_text("utf-8")


def test_a_published_post_linking_a_draft_page_fails_the_published_build(tmp_path):
    from conftest import run_sphinx

    src = documents_site(tmp_path)
    alpha = src / "posts" / "2024" / "alpha.md"
    alpha.write_text(alpha.read_text("utf-8") + "\nSee [the plan](../../notes/plan.md).\n", "utf-8")
    built = run_sphinx(src, tmp_path / "out", env=TODAY)
    assert built.returncode != 0
    assert (
        "posts/2024/alpha.md: link '../../notes/plan.md' on line 11 points to notes/plan.md, "
        "which is a draft (expected a link to a published page)"
    ) in built.stderr, built.stderr


def test_a_notebook_page_whose_metadata_says_draft_is_a_draft(tmp_path):
    from blogext.core.documents import read_page

    notebook = {"cells": [], "metadata": {"draft": True}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "lab.ipynb").write_text(json.dumps(notebook, indent=1), "utf-8")
    page, problems = read_page(tmp_path, "lab.ipynb")
    assert (page.docname, page.draft, problems) == ("lab", True, [])
    notebook["metadata"]["draft"] = "yes"
    (tmp_path / "lab.ipynb").write_text(json.dumps(notebook, indent=1), "utf-8")
    assert read_page(tmp_path, "lab.ipynb")[1] == ["draft 'yes' is not a boolean (expected true or false)"]
