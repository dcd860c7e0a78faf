"""Checked shell sessions (blogext.markup.sessions): the tutorials' commands run against real Git.

The Git guides are run as the series a reader follows, and each post on its own;
small posts under ``tests/sessions/`` show that a wrong expectation fails with a
useful message and that loose matching passes; mutated copies of the guides show
that the checks can fail; a real build shows what readers get.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the blog's own extensions package, ``blogext``

from conftest import run_sphinx  # noqa: E402

from blogcli.sessions_runner import SessionFailure, check_posts, matches, run_posts  # noqa: E402
from blogext.markup.sessions import FileBlock, Session, read_blocks  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "sessions"
POSTS = REPO / "posts"
#: The Git guides, in reading order: they run in one sandbox, as a reader works through them.
GIT_SERIES = [POSTS / "2023" / "what-a-git.md", POSTS / "2023" / "getting-started-with-git.md"]


def _posts_with_sessions() -> list[Path]:
    return sorted(p for p in POSTS.rglob("*.md") if any(isinstance(b, Session) for b in read_blocks(p)))


def _front_matter(post: Path) -> dict:
    text = post.read_text("utf-8")
    if not text.startswith("---\n"):
        return {}
    return yaml.safe_load(text[4 : text.index("\n---", 3)]) or {}


def _series_of_posts() -> dict[str, list[Path]]:
    """Series (``series:`` in front matter) that have checked sessions, each in reading order.

    Numbered parts first, by number; parts without a number after them, oldest first.
    """
    series: dict[str, list[Path]] = defaultdict(list)
    for post in _posts_with_sessions():
        slug = _front_matter(post).get("series")
        if slug:
            series[str(slug)].append(post)

    def reading_order(post: Path):
        meta = _front_matter(post)
        part = meta.get("part")
        return (part is None, part or 0, str(meta.get("date", "")))

    return {slug: sorted(posts, key=reading_order) for slug, posts in series.items()}


#: Every series to run in order; the Git guides even before their posts name their series.
SERIES = _series_of_posts() or {"git-guides": GIT_SERIES}


def _commands(posts: list[Path]):
    return [c for p in posts for b in read_blocks(p) if isinstance(b, Session) for c in b.commands]


def _copy_series(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "posts"
    folder.mkdir()
    return [Path(shutil.copy(post, folder / post.name)) for post in GIT_SERIES]


@pytest.fixture(scope="module")
def git_series_run():
    """One run of the Git guides as a series, shared by the tests that only read it."""
    return run_posts(GIT_SERIES)


# --- The real posts ---------------------------------------------------------------------


def test_git_guides_pass_when_run_as_one_series(git_series_run):
    if git_series_run.failure is not None:
        pytest.fail(str(git_series_run.failure), pytrace=False)
    assert len(git_series_run.outcomes) == len(_commands(GIT_SERIES))


@pytest.mark.parametrize("slug", sorted(SERIES))
def test_every_series_with_checked_sessions_passes_in_reading_order(slug):
    run = run_posts(SERIES[slug])
    if run.failure is not None:
        pytest.fail(str(run.failure), pytrace=False)


def test_git_guides_are_one_series_in_reading_order():
    slugs = {_front_matter(post).get("series") for post in GIT_SERIES}
    assert len(slugs) == 1, f"the Git guides name different series: {slugs}"
    slug = slugs.pop()
    if slug is not None:
        assert SERIES[slug] == GIT_SERIES


@pytest.mark.parametrize("post", _posts_with_sessions(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_post_with_checked_sessions_passes_on_its_own(post):
    """A reader may start at any post, part 2 included."""
    run = run_posts([post])
    if run.failure is not None:
        pytest.fail(str(run.failure), pytrace=False)


def test_git_guides_are_checked_tutorials():
    for post in GIT_SERIES:
        blocks = read_blocks(post)
        assert any(isinstance(b, Session) for b in blocks), f"{post.name} has no checked session"
    assert len(_commands(GIT_SERIES)) >= 40
    part2 = read_blocks(GIT_SERIES[1])
    remote = [c.text for b in part2 if isinstance(b, Session) and b.remote for c in b.commands]
    assert "git push -u origin main" in remote
    assert any(c.startswith("git clone https://github.com/") for c in remote)
    assert {".gitignore", "train.py"} <= {b.path for b in part2 if isinstance(b, FileBlock)}


def _code_spans_and_fences(text: str):
    """(inline code, fences) of MyST *text*, looking inside admonitions too."""
    md = MarkdownIt("commonmark").use(front_matter_plugin).use(colon_fence_plugin)
    spans, fences = [], []
    for token in md.parse(text):
        if token.type == "inline":
            spans += [t.content for t in token.children or [] if t.type == "code_inline"]
        elif token.type in ("fence", "colon_fence"):
            name = re.match(r"\{([\w:-]+)\}", token.info.strip())
            if name and name[1] not in ("code-block", "code", "sourcecode"):
                inner_spans, inner_fences = _code_spans_and_fences(token.content)
                spans += inner_spans
                fences += inner_fences
            else:
                fences.append(token)
    return spans, fences


def test_every_git_command_the_git_guides_show_is_checked():
    """Nothing to type escapes the tests: no unchecked console block, no git line outside a session."""
    checked = [c.text.split() for c in _commands(GIT_SERIES)]
    for post in GIT_SERIES:
        spans, fences = _code_spans_and_fences(post.read_text("utf-8"))
        for fence in fences:
            classes = re.search(r"^:class:(.*)$", fence.content, re.M)
            is_checked = classes is not None and "checked" in classes[1].split()
            where = f"{post.name}:{fence.map[0] + 1}"
            if "console" in fence.info:
                assert is_checked, f"{where}: a console block that is not checked"
            elif not is_checked:
                typed = [ln for ln in fence.content.splitlines() if re.match(r"\s*(\$ )?git\s", ln)]
                assert not typed, f"{where}: git commands outside a checked session: {typed}"
        for span in spans:
            if not span.startswith("git "):
                continue
            words = []
            for word in span.split():
                if any(ch in word for ch in "<\"'…"):
                    break
                words.append(word)
            assert any(cmd[: len(words)] == words for cmd in checked), (
                f"{post.name}: `{span}` is shown in the text but no checked session runs it"
            )


# --- How failures read, and what matches -------------------------------------------------


def test_wrong_expected_output_fails_naming_post_line_command_and_both_outputs():
    post = FIXTURES / "wrong-output.md"
    run = run_posts([post])
    assert run.failure is not None
    message = str(run.failure)
    line = next(c.line for c in _commands([post]) if c.text == "git status --short")
    header = f"wrong-output.md:{line}: checked command failed: its output differs from the expected output"
    assert message.splitlines()[0].endswith(header)
    assert "$ git status --short" in message
    assert "\n      ?? model.pkl\n" in message  # a line that matched, as context
    assert "\n    - ?? result.csv\n" in message  # expected
    assert "\n    + ?? results.csv" in message  # actual
    # the run stops at the failure: later commands, which depend on it, do not run
    assert [o.command.text for o in run.outcomes][-1] == "git status --short"
    with pytest.raises(SessionFailure, match=rf"wrong-output\.md:{line}: checked command failed"):
        check_posts([post])


def test_ellipsis_and_volatile_hashes_dates_paths_and_versions_match_loosely():
    post = FIXTURES / "loose-match.md"
    run = run_posts([post])
    if run.failure is not None:
        pytest.fail(str(run.failure), pytrace=False)
    text = post.read_text("utf-8")
    # the fixture really does show values from another machine
    assert "git version 2.47.1" in text and "/home/shruti/" in text and "deadbee" in text
    actual = {o.command.text: o.actual for o in run.outcomes}
    assert actual["git init demo"] == ["Initialized empty Git repository in ~/demo/.git/"]
    assert len(actual['git commit -m "First experiment"']) == 4  # three of them taken by "..."


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        (["[main 0a1b2c3] Fix"], ["[main 9f8e7d6] Fix"], True),
        (["[main 0a1b2c3] Fix"], ["[dev 9f8e7d6] Fix"], False),
        (["Date:   Tue Jan 2 09:30:00 2024 +0000"], ["Date:   Sun May 14 10:00:00 2023 +0100"], True),
        (["git version 2.47.1"], ["git version 2.39.5"], True),
        (["in /home/you/demo/.git/"], ["in ~/demo/.git/"], True),
        (["in /home/you/demo/.git/"], ["in ~/other/.git/"], False),
        (["a", "...", "z"], ["a", "b", "c", "z"], True),
        (["a", "...", "z"], ["a", "z"], True),
        (["a", "...", "z"], ["a", "b", "y"], False),
        (["origin  url (fetch)"], ["origin\turl (fetch)"], True),
        ([], [], True),
        ([], ["unexpected"], False),
        (["expected"], [], False),
    ],
)
def test_loose_matching_rules(expected, actual, same):
    assert matches(expected, actual) is same


# --- The checks can fail -------------------------------------------------------------------


def test_changing_an_expected_line_in_a_git_guide_makes_the_run_fail(tmp_path):
    copies = _copy_series(tmp_path)
    part2 = copies[1]
    text = part2.read_text("utf-8")
    assert text.count("Switched to branch 'main'\n") == 2  # after each of the two experiments
    part2.write_text(text.replace("Switched to branch 'main'\n", "Switched to branch 'master'\n", 1), "utf-8")
    line = next(c.line for c in _commands([part2]) if c.text == "git switch main")

    run = run_posts(copies)

    assert run.failure is not None
    message = str(run.failure)
    assert f"getting-started-with-git.md:{line}:" in message
    assert "$ git switch main" in message
    assert "- Switched to branch 'master'" in message
    assert "+ Switched to branch 'main'" in message


def test_every_expected_line_in_the_git_guides_is_compared(git_series_run):
    """No expected line is swallowed by loose matching: changing any one of them fails."""
    assert git_series_run.failure is None
    compared = 0
    for outcome in git_series_run.outcomes:
        expected = list(outcome.command.expected)
        for index, line in enumerate(expected):
            if line.strip() == "...":
                continue
            changed = [*expected[:index], line + " (changed)", *expected[index + 1 :]]
            assert not matches(changed, outcome.actual), (
                f"{outcome.command.post.name}:{outcome.command.line + 1 + index}: changing {line!r} "
                "does not make the check fail"
            )
            compared += 1
    assert compared >= 80


def test_a_network_step_not_marked_remote_fails_with_a_hint(tmp_path):
    copies = _copy_series(tmp_path)
    part2 = copies[1]
    text = part2.read_text("utf-8")
    push_block = ":class: checked remote\n\n$ git push -u origin main"
    assert push_block in text
    part2.write_text(text.replace(push_block, ":class: checked\n\n$ git push -u origin main"), "utf-8")

    run = run_posts(copies)

    assert run.failure is not None
    message = str(run.failure)
    assert "$ git push -u origin main" in message
    assert "it exited with status 128" in message
    assert "mark its block ':class: checked remote'" in message


def test_a_checked_block_without_commands_or_caption_is_rejected(tmp_path):
    post = tmp_path / "bad.md"
    post.write_text("# Bad\n\n```{code-block} text\n:class: checked\n\nno caption\n```\n", "utf-8")
    run = run_posts([post])
    assert run.failure is not None
    assert "bad.md:3: a checked text block is a file the reader creates" in str(run.failure)


# --- What readers get ----------------------------------------------------------------------


def _build(srcdir: Path, outdir: Path) -> str:
    """Build *srcdir* strictly with the dirhtml builder; return the warnings (and errors)."""
    built = run_sphinx(srcdir, outdir)
    problems = "\n".join(built.warnings)
    return problems or ("" if built.returncode == 0 else built.stderr)


def test_built_git_guide_shows_plain_console_blocks_and_copies_only_commands(tmp_path):
    outdir = tmp_path / "html"
    warnings = _build(REPO, outdir)
    assert warnings == ""

    page = BeautifulSoup(
        (outdir / "posts/2023/getting-started-with-git/index.html").read_text("utf-8"), "html.parser"
    )
    article = page.select_one("article") or page
    consoles = article.select("div.highlight-console")
    assert len(consoles) >= 10
    for block in article.select("div[class*=highlight-]"):
        assert not {"checked", "remote"} & set(block["class"]), block["class"]
        assert not {"checked", "remote"} & set(block.select_one("pre").get("class") or [])
    push = next(b for b in consoles if "git push -u origin main" in b.get_text())
    prompts = push.select("span.gp")
    assert [p.get_text() for p in prompts] == ["$ ", "$ "]
    assert "To https://github.com/your-username/ml-project.git" in push.get_text()
    html = str(article)
    assert ":class:" not in html and "<hash>" not in html and "&lt;hash&gt;" not in html
    assert "code-block-caption" in html and ">.gitignore<" in html  # files the reader creates are named

    copybutton = (outdir / "_static" / "copybutton.js").read_text("utf-8")
    assert "formatCopyText(text, '$ ', false, true, true, true, '', '')" in copybutton
    assert any("copybutton.js" in s.get("src", "") for s in page.select("script"))


def test_malformed_checked_blocks_warn_at_build_time(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "extensions = ['myst_parser', 'blogext.markup.sessions']\n",
        "utf-8",
    )
    (src / "index.md").write_text(
        "# Index\n\n"
        "```{code-block} console\n:class: checked\n\noutput before any command\n$ true\n```\n\n"
        "```{code-block} text\n:class: checked\n\na file without a caption\n```\n\n"
        "```{code-block} console\n:class: remote\n\n$ git push\n```\n",
        "utf-8",
    )
    warnings = _build(src, tmp_path / "html")
    assert "index.md:3: WARNING: checked session: line 1 of the block is output before" in warnings
    assert "a checked file block needs ':caption: <path of the file>'" in warnings
    assert "a 'remote' block must also be 'checked'" in warnings
    html = (tmp_path / "html" / "index.html").read_text("utf-8")
    assert "checked" not in html and 'remote"' not in html


# --- What the Git guides' sessions prove (issue 15) ------------------------------------------


def _outcome_index(run, text: str) -> int:
    return next(i for i, o in enumerate(run.outcomes) if o.command.text == text)


def test_the_clone_runs_train_py_after_cloning(git_series_run):
    """The colleague's fresh clone has no models/ (it is ignored), and the script still runs."""
    assert git_series_run.failure is None
    url = "https://github.com/your-username/ml-project.git"
    clone = _outcome_index(git_series_run, f"git clone {url} ml-project-copy")
    runs = [o for o in git_series_run.outcomes[clone:] if o.command.text == "python train.py"]
    assert runs, "no checked session runs python train.py in the clone"
    assert runs[0].status == 0 and runs[0].actual[-1].startswith("Test accuracy: ")
    listed = git_series_run.outcomes[_outcome_index(git_series_run, "git ls-files")].actual
    assert not any(line.startswith(("models/", "data/")) for line in listed)


def test_the_clone_fails_if_train_py_does_not_make_its_models_folder(tmp_path):
    copies = _copy_series(tmp_path)
    part2 = copies[1]
    text = part2.read_text("utf-8")
    # the three versions of train.py and the diff that shows the line added; a line that does
    # nothing takes its place, so that everything up to the clone still runs as shown
    assert text.count('Path("models").mkdir(exist_ok=True)\n') == 4
    text = text.replace('Path("models").mkdir(exist_ok=True)\n', 'Path("models").exists()\n')
    part2.write_text(text, "utf-8")

    run = run_posts(copies)

    assert run.failure is not None
    assert run.failure.command is not None and run.failure.command.text == "python train.py"
    assert "No such file or directory: 'models/model.joblib'" in str(run.failure)
    assert any(o.command.text.startswith("git clone ") for o in run.outcomes)  # it failed in the clone


def test_deleting_the_flopped_branch_needs_capital_d(tmp_path):
    copies = _copy_series(tmp_path)
    part2 = copies[1]
    text = part2.read_text("utf-8")
    assert text.count("$ git branch -D shallow-trees\n") == 1
    text = text.replace("$ git branch -D shallow-trees\n", "$ git branch -d shallow-trees\n")
    part2.write_text(text, "utf-8")

    run = run_posts(copies)

    assert run.failure is not None and run.failure.command.text == "git branch -d shallow-trees"
    assert "not fully merged" in str(run.failure)


def _gitignore_of_the_guide() -> str:
    blocks = read_blocks(GIT_SERIES[1])
    return next(b.text for b in blocks if isinstance(b, FileBlock) and b.path == ".gitignore")


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("data/iris.csv", True),
        ("models/model.joblib", True),
        (".env", True),
        (".env.local", True),
        ("venv/bin/python", True),
        (".venv/bin/python", True),
        ("checkpoints/epoch-3.ckpt", True),
        ("weights/model.pth", True),
        ("keras/model.h5", True),
        ("export/model.safetensors", True),
        ("notebooks/.DS_Store", True),
        ("notebooks/.ipynb_checkpoints/eda-checkpoint.ipynb", True),
        ("src/__pycache__/train.cpython-311.pyc", True),
        ("mlruns/0/meta.yaml", True),
        # the Cookiecutter Data Science layout keeps code in folders called data and models
        ("src/data/make_dataset.py", False),
        ("src/models/train_model.py", False),
        ("train.py", False),
        ("requirements.txt", False),
        (".gitignore", False),
        (".env.example", False),
    ],
)
def test_the_guides_gitignore_ignores_artefacts_and_secrets_but_no_code(tmp_path, path, ignored):
    import subprocess

    (tmp_path / ".gitignore").write_text(_gitignore_of_the_guide(), "utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", path], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stderr
    assert (result.returncode == 0) is ignored, f"{path} {'is not' if ignored else 'is'} ignored"


#: Git releases shown in the guides, with their release dates (https://git-scm.com, kernel.org).
GIT_RELEASES = {"2.40.0": "2023-03-13", "2.40.1": "2023-04-25"}
#: The oldest Git the guides work with: init.defaultBranch (2.28) and git switch (2.23).
OLDEST_GIT = (2, 28)


@pytest.mark.parametrize("post", GIT_SERIES, ids=lambda p: p.name)
def test_the_git_version_a_guide_shows_was_released_before_the_post(post):
    shown = re.findall(r"^git version (\S+)$", post.read_text("utf-8"), re.M)
    assert shown, f"{post.name} shows no git version"
    date = str(_front_matter(post)["date"])
    for version in shown:
        assert version in GIT_RELEASES, f"{post.name} shows Git {version}: add it to GIT_RELEASES"
        assert GIT_RELEASES[version] < date, f"{post.name} ({date}) shows Git {version}, released later"
        assert tuple(int(n) for n in version.split(".")[:2]) >= OLDEST_GIT
    assert "2.28 or newer" in post.read_text("utf-8")
