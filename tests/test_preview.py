"""The live preview (``nox -s serve``, :mod:`blogext.preview`): one process kept alive between saves.

Each test starts the preview on a copy of the real site, as ``nox -s serve`` does, edits the copy's
files the way an author saves them, and reads what the preview serves over HTTP (a browser test
checks that the page reloads by itself).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, assert_clean, copy_site, run_sphinx
from test_incremental import tree_differences
from test_notebooks import KERNEL, ZERO_DIVISION, code_cell, markdown_cell, notebook

sys.path.insert(0, str(REPO))
from bench.preview import RunningPreview  # noqa: E402
from bench.preview import until as wait_until  # noqa: E402

POST = "posts/2023/finding-my-feet-as-a-machine-learning-engineer.md"
POST_URL = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"
OTHER_URL = "posts/2023/what-a-git/"
#: Long enough for a build on a loaded CI machine; a passing check returns as soon as it holds.
PATIENCE = 120.0
#: This process's environment without the host's URLs, as ``run_sphinx`` builds.
CLEAN_ENVIRON = {
    name: value
    for name, value in os.environ.items()
    if name
    not in ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL", "BLOG_PAGES_REPOSITORY", "BLOG_CANONICAL_URL")
}


class Preview(RunningPreview):
    """The preview, started as ``nox -s serve`` starts it, with what the tests read of it."""

    def __init__(self, site: Path, work: Path, *options: str) -> None:
        super().__init__(site, work, CLEAN_ENVIRON, PATIENCE, *options)

    def page(self, path: str) -> BeautifulSoup:
        return BeautifulSoup(self.get(path)[1], "html.parser")

    def problems(self, path: str = POST_URL) -> str | None:
        """The text of the page's problems panel, "" without one, None while nothing is served."""
        status, html = self.get(path)
        if status != 200:
            return None
        panel = BeautifulSoup(html, "html.parser").find(id="blog-preview-problems")
        return panel.get_text(" ", strip=True) if panel else ""


def until(check, timeout: float = PATIENCE):
    """The first true answer of *check*, asked every 50 ms; fails after *timeout* seconds."""
    return wait_until(check, timeout, poll=0.05)


@pytest.fixture
def preview(tmp_path):
    site = copy_site(tmp_path / "site")
    running = Preview(site, tmp_path)
    yield running
    running.stop()
    assert running.proc.returncode is not None


def save(path: Path, text: str) -> None:
    path.write_text(text, "utf-8")


def test_preview_shows_an_edit_then_the_error_in_the_page_then_the_fix(preview):
    post = preview.site / POST
    original = post.read_text("utf-8")
    assert "Finding my feet" in preview.page(POST_URL).title.get_text()
    assert preview.problems() == ""

    save(post, original + "\nA sentence saved a moment ago, zebra-mango.\n")
    until(lambda: "zebra-mango" in preview.get(POST_URL)[1])

    save(post, original.replace("date: 2023-04-30", "date: 2023-02-30"))
    problems = until(preview.problems)
    assert POST in problems
    assert "date '2023-02-30' is not a valid date (expected YYYY-MM-DD)" in problems
    assert "zebra-mango" in preview.get(POST_URL)[1], "the last good page is still served"
    assert preview.problems(OTHER_URL) == problems, "every page shows the build's problems"

    save(post, original + "\nFixed, and one more sentence, kiwi-quartz.\n")
    until(lambda: "kiwi-quartz" in preview.get(POST_URL)[1])
    until(lambda: preview.problems() == "")
    assert preview.proc.poll() is None, "the preview kept running through the error"


def test_preview_shows_a_warning_with_its_file_and_line_until_the_file_is_fixed(preview):
    post = preview.site / POST
    original = post.read_text("utf-8")
    save(post, original + "\nSee {ref}`a-label-nowhere`.\n")
    problems = until(preview.problems)
    line = len(original.splitlines()) + 2
    assert f"{POST}:{line}: WARNING: undefined label: 'a-label-nowhere'" in problems
    other = preview.site / "posts/2023/what-a-git.md"
    save(other, other.read_text("utf-8") + "\nMore.\n")
    until(lambda: "More." in preview.get(OTHER_URL)[1])
    assert "a-label-nowhere" in preview.problems(), "a build that did not read the post keeps its problem"
    save(post, original)
    until(lambda: preview.problems() == "")


def test_preview_shows_a_notebook_cell_error_until_the_output_is_fixed(preview):
    post = preview.site / "posts/2023/losses.ipynb"
    metadata = {**KERNEL, "date": "2023-06-01", "tags": ["Machine Learning"], "category": "Career",
                "description": "A notebook post."}  # fmt: skip
    cells = [markdown_cell("# Losses\n\nA notebook."), code_cell("1 / 0", [ZERO_DIVISION])]
    save(post, notebook(metadata, cells))
    problems = until(preview.problems)
    assert "posts/2023/losses.ipynb" in problems
    assert "ZeroDivisionError" in problems
    save(post, notebook(metadata, [cells[0], code_cell("1 / 1", [])]))
    until(lambda: preview.problems() == "")
    assert preview.get("posts/2023/losses/")[0] == 200


def test_preview_reloads_only_the_pages_a_build_wrote(preview):
    _, html = preview.get(OTHER_URL)
    seq = int(re.search(r"let seq = (\d+);", html)[1])
    post = preview.site / POST
    save(post, post.read_text("utf-8") + "\nA change further down, walrus-piano.\n")
    instance = re.search(r'const instance = "(\d+)";', html)[1]
    edited = json.loads(preview.get(f"_preview/wait?since={seq}&instance={instance}&path=/{POST_URL}")[1])
    assert edited["reload"] is True
    until(lambda: preview.state()["last"].get("build", 0) >= 2)
    asked = f"_preview/wait?since={seq}&instance={instance}&path=/{OTHER_URL}&timeout=1"
    other = json.loads(preview.get(asked)[1])
    assert other["reload"] is False, "a page the build did not write is not reloaded"


def test_preview_adds_its_script_and_panel_only_to_what_it_serves(preview):
    assert "_preview/wait" in preview.get(POST_URL)[1]
    written = (preview.out / POST_URL / "index.html").read_text("utf-8")
    assert "_preview" not in written
    assert "blog-preview-problems" not in written


def test_preview_restarts_with_a_full_rebuild_when_conf_py_changes(preview):
    conf = preview.site / "conf.py"
    text = conf.read_text("utf-8")
    assert re.search(r'^html_title = ".*"$', text, flags=re.MULTILINE), "the test needs html_title in conf.py"
    save(conf, re.sub(r'^html_title = ".*"$', 'html_title = "A Renamed Blog"', text, flags=re.MULTILINE))
    until(lambda: "A Renamed Blog" in preview.get(OTHER_URL)[1])
    assert any("restarting" in line for line in preview.log)
    assert preview.proc.poll() is None


def test_preview_tells_pages_served_before_a_restart_to_reload(preview):
    _, html = preview.get(OTHER_URL)
    seq = int(re.search(r"let seq = (\d+);", html)[1])
    stale = json.loads(preview.get(f"_preview/wait?since={seq}&instance=1&path=/{OTHER_URL}&timeout=1")[1])
    assert stale["reload"] is True


def test_preview_restarts_when_an_extension_changes(preview):
    module = preview.site / "blogext" / "related.py"
    save(module, module.read_text("utf-8") + "\n# saved by the test\n")
    until(lambda: any("restarting" in line for line in preview.log))
    until(lambda: sum("preview: serving" in line for line in preview.log) >= 2)
    assert preview.get(POST_URL)[0] == 200
    assert preview.problems() == ""


def test_preview_starts_again_when_its_builder_dies(preview):
    children = Path(f"/proc/{preview.proc.pid}/task/{preview.proc.pid}/children").read_text().split()
    assert len(children) == 1, "one keeper process"
    os.kill(int(children[0]), signal.SIGKILL)
    assert "builder stopped" in until(preview.problems)
    post = preview.site / POST
    save(post, post.read_text("utf-8") + "\nSaved after the builder died, ibis-copper.\n")
    until(lambda: "ibis-copper" in preview.get(POST_URL)[1])
    until(lambda: preview.problems() == "")


def _text(page) -> str:
    """The page's text, or "" while it reloads."""
    try:
        return page.evaluate("document.body ? document.body.innerText : ''")
    except Exception:  # the page went away under the evaluation: it is reloading
        return ""


@pytest.mark.browser
def test_preview_page_reloads_by_itself_after_a_save(preview, browser):
    post = preview.site / POST
    page = browser.new_page()
    try:
        page.goto(preview.url + POST_URL)
        # Polled from here: wait_for_function evaluates a string in the page, which its policy forbids.
        until(lambda: page.evaluate("typeof fetch === 'function'"))
        time.sleep(0.5)  # the page's wait is open
        save(post, post.read_text("utf-8") + "\nReloaded without a click, lemon-otter.\n")
        until(lambda: "lemon-otter" in _text(page))
    finally:
        page.close()


def test_preview_builds_after_an_edit_and_a_new_post_equal_a_clean_build(preview, tmp_path):
    post = preview.site / POST
    save(post, post.read_text("utf-8") + "\nOne more paragraph, heron-violet.\n")
    until(lambda: "heron-violet" in preview.get(POST_URL)[1])
    added = preview.site / "posts/2023/a-new-post.md"
    save(
        added,
        "---\ndate: 2023-07-01\ntags: [Git]\ncategory: Career\ndescription: New.\n---\n\n"
        "# A new post\n\nText.\n",
    )
    until(lambda: preview.get("posts/2023/a-new-post/")[0] == 200)
    until(lambda: preview.state().get("building") is False)
    time.sleep(1.0)
    assert preview.state()["building"] is False, "no build is pending: the last was the new post's"
    preview.stop()
    clean = assert_clean(run_sphinx(preview.site, tmp_path / "clean", env={"BLOG_PREVIEW": "1"}))
    problems = tree_differences(preview.out, clean.outdir)
    assert not problems, "the preview differs from a clean build:\n" + "\n\n".join(problems)


def test_preview_without_fork_builds_in_the_serving_process_and_shows_edits(tmp_path):
    site = copy_site(tmp_path / "site")
    preview = Preview(site, tmp_path, "--no-fork")
    try:
        post = site / POST
        original = post.read_text("utf-8")
        save(post, original + "\nBuilt without a fork, yak-saffron.\n")
        until(lambda: "yak-saffron" in preview.get(POST_URL)[1])
        save(post, original.replace("date: 2023-04-30", "date: 2023-02-30"))
        assert "2023-02-30" in until(preview.problems)
        save(post, original)
        until(lambda: preview.problems() == "")
    finally:
        preview.stop()


def test_preview_watches_a_site_that_sits_in_a_folder_named_like_an_ignored_one(tmp_path):
    # Folders such as .nox and node_modules are ignored inside the site, not above it (CI's copies
    # of the site sit under .nox/).
    site = copy_site(tmp_path / ".nox" / "node_modules" / "site")
    preview = Preview(site, tmp_path / ".nox")
    try:
        post = site / POST
        save(post, post.read_text("utf-8") + "\nSeen from under .nox, puffin-basalt.\n")
        until(lambda: "puffin-basalt" in preview.get(POST_URL)[1])
        (site / "node_modules").mkdir(exist_ok=True)
        save(site / "node_modules" / "x.md", "ignored\n")  # inside the site: not a change to build
        time.sleep(1.0)
        assert preview.state()["building"] is False
    finally:
        preview.stop()
