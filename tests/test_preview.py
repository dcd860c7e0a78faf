"""The live preview (``nox -s serve``, :mod:`blogcli.preview`): one process kept alive between saves.

Each test starts the preview on a copy of the real site, as ``nox -s serve`` does, edits the copy's
files the way an author saves them, and reads what the preview serves over HTTP (a browser test
checks that the page reloads by itself).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import (
    KERNEL,
    REPO,
    ZERO_DIVISION,
    assert_clean,
    code_cell,
    copy_site,
    make_site,
    markdown_cell,
    notebook,
    run_sphinx,
    tree_differences,
)

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
    module = preview.site / "blogext" / "pages" / "related.py"
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
    # In a process of its own, as the author runs it: the site's own blogext, as the preview's.
    clean = assert_clean(run_sphinx(preview.site, tmp_path / "clean", env={"BLOG_PREVIEW": "1"}, timeout=600))
    problems = tree_differences(preview.out, clean.outdir)
    assert not problems, "the preview differs from a clean build:\n" + "\n\n".join(problems)


def test_preview_builds_afresh_after_a_build_that_failed_once_its_pages_were_served(preview, tmp_path):
    # The keeper loads the environment a build pickled as soon as its pages are written; a build
    # that fails after that (Sphinx then deletes the pickle) is not built on, as with sphinx-build.
    post = preview.site / POST
    original = post.read_text("utf-8")
    sitemap = preview.out / "sitemap.xml"
    sitemap.unlink()
    sitemap.mkdir()  # the sitemap, written after the pages, cannot be
    save(post, original + "\nServed, then the build failed, pelican-drum.\n")
    until(lambda: "pelican-drum" in preview.get(POST_URL)[1])
    assert "the build stopped" in until(preview.problems)
    until(lambda: preview.state().get("building") is False)
    sitemap.rmdir()
    save(post, original + "\nBuilt again, osprey-lute.\n")
    until(lambda: "osprey-lute" in preview.get(POST_URL)[1])
    until(lambda: preview.problems() == "")
    until(lambda: preview.state().get("building") is False)
    preview.stop()
    clean = assert_clean(run_sphinx(preview.site, tmp_path / "clean", env={"BLOG_PREVIEW": "1"}, timeout=600))
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


# -- the preview answers the author only, and only what it must (blogcli.preview_server) --------------

#: A small site (two posts, the real conf.py): the preview's answers, not its builds, are under test.
SMALL_ENVIRON = {**CLEAN_ENVIRON, "PYTHONPATH": str(REPO), "BLOG_TODAY": "2024-06-01"}


@pytest.fixture(scope="module")
def small_preview(tmp_path_factory):

    work = tmp_path_factory.mktemp("small-preview")
    running = RunningPreview(make_site("stayfailed", work / "site"), work, SMALL_ENVIRON, PATIENCE)
    yield running
    running.stop()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def ask(preview: RunningPreview, target: str, host: str | None = "", timeout: float = 60.0) -> Answer:
    """GET *target* from the preview with the Host header *host* ("" for the preview's own, None for none)."""
    url = urlsplit(preview.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host or url.netloc)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, dict(response.getheaders()), body, time.monotonic() - started)
    finally:
        connection.close()


def instance_of(preview: RunningPreview) -> str:
    return re.search(r'const instance = "(\d+)";', preview.get("")[1])[1]


def test_preview_listens_on_the_loopback_address_by_default(small_preview):
    assert small_preview.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "LocalHost:{port}", "127.0.0.1:{port}",
                                  "[::1]:{port}", "[::1]"])  # fmt: skip
def test_preview_answers_requests_that_name_it_by_a_loopback_name(small_preview, host):
    port = urlsplit(small_preview.url).port
    for target in ("/", "/_preview/state"):
        assert ask(small_preview, target, host.format(port=port)).status == 200, target


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "localhost.evil.example", "127.0.0.1.nip.io:{port}",
     "evil.example@localhost", "localhost:{port}/x", "127.0.0.2", "[::2]", "", None],
)  # fmt: skip
def test_preview_refuses_requests_that_name_another_host_with_421(small_preview, host):
    # A DNS-rebinding page (its own name pointed at 127.0.0.1) sends its own name as Host.
    port = urlsplit(small_preview.url).port
    instance = instance_of(small_preview)
    for target in ("/", "/posts/2024/plain/", "/_preview/state", f"/_preview/wait?instance={instance}"):
        answer = ask(small_preview, target, None if host is None else host.format(port=port) or " ")
        assert answer.status == 421, (host, target)
        assert b"plain" not in answer.body and b"seq" not in answer.body
        assert answer.seconds < 5, "answered at once, without waiting for a build"


BAD_QUERIES = {
    "timeout-nan": "timeout=nan",
    "timeout-inf": "timeout=inf",
    "timeout-negative": "timeout=-1",
    "timeout-huge": "timeout=100000",
    "timeout-exponent": "timeout=1e9",
    "timeout-above-the-cap": "timeout=26",
    "timeout-empty": "timeout=",
    "since-text": "since=abc",
    "since-negative": "since=-1",
    "since-huge": "since=" + "9" * 40,
    "instance-script": "instance=%3Cscript%3E",
    "path-relative": "path=posts",
    "path-control-character": "path=/a%0Ab",
    "repeated": "since=1&since=2",
    "unknown": "callback=x",
    "too-many": "a=1&b=2&c=3&d=4&e=5",
}


@pytest.mark.parametrize("query", list(BAD_QUERIES.values()), ids=list(BAD_QUERIES))
def test_preview_answers_400_to_a_bad_query_value_at_once(small_preview, query):
    instance = instance_of(small_preview)
    defaults = {"since": "0", "instance": instance, "path": "/"}
    for name in re.findall(r"(\w+)=", query):
        defaults.pop(name, None)
    target = "/_preview/wait?" + "&".join([query, *(f"{k}={v}" for k, v in defaults.items())])
    answer = ask(small_preview, target)
    assert answer.status == 400, target
    assert json.loads(answer.body)["error"]
    assert answer.seconds < 5


def test_preview_wait_is_bounded_in_time_whatever_it_is_given(monkeypatch):
    from blogcli import preview_server

    monkeypatch.setattr(preview_server, "WAIT_SECONDS", 0.3)
    state = preview_server.State()
    for timeout in (float("nan"), float("inf"), float("-inf"), -5.0, 1e9):
        started = time.monotonic()
        assert state.wait(0, "/", timeout) == {"reload": False, "seq": 0}
        assert time.monotonic() - started < 2, timeout


def test_preview_caps_the_pages_waiting_at_once_with_503(small_preview):
    from blogcli.preview_server import MAX_WAITERS

    instance = instance_of(small_preview)
    seq = small_preview.state()["seq"]
    # The pages wait as long as a wait may last, so that all are still waiting however slowly a busy
    # machine starts them.
    waiting = f"/_preview/wait?since={seq}&instance={instance}&path=/&timeout=25"
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(ask(small_preview, waiting).status))
               for _ in range(MAX_WAITERS)]  # fmt: skip
    for thread in threads:
        thread.start()
    until(lambda: small_preview.state()["waiting"] == MAX_WAITERS, timeout=20)
    extra = f"/_preview/wait?since={seq}&instance={instance}&path=/&timeout=0"
    refused = ask(small_preview, extra)
    assert refused.status == 503
    assert refused.headers["Retry-After"] == "1"
    assert json.loads(refused.body)["error"]
    for thread in threads:
        thread.join()
    assert answers == [200] * MAX_WAITERS
    assert ask(small_preview, extra).status == 200, "a slot is free again once the pages' waits end"


def _hang_up(preview: RunningPreview, target: str) -> None:
    """Send a request for *target*, then reset the connection before reading the answer."""
    url = urlsplit(preview.url)
    with socket.create_connection((url.hostname, url.port)) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_preview_says_nothing_when_a_reader_hangs_up(small_preview):
    before = len(small_preview.log)
    seq = small_preview.state()["seq"]
    instance = instance_of(small_preview)
    for _ in range(3):
        _hang_up(small_preview, f"/_preview/wait?since={seq}&instance={instance}&path=/&timeout=0.5")
        _hang_up(small_preview, "/posts/2024/plain/")
    time.sleep(2.0)  # the waits are answered, to readers who are gone
    assert small_preview.get("")[0] == 200
    printed = "\n".join(small_preview.log[before:])
    for noise in ("Traceback", "BrokenPipeError", "ConnectionResetError", "Exception occurred"):
        assert noise not in printed, printed


def test_preview_answers_the_host_it_is_given_and_allowed_names(tmp_path):

    site = make_site("stayfailed", tmp_path / "site")
    options = ("--host", "127.0.0.2", "--allow-host", "Blog.Test")
    preview = RunningPreview(site, tmp_path, SMALL_ENVIRON, PATIENCE, *options)
    try:
        port = urlsplit(preview.url).port
        assert preview.url == f"http://127.0.0.2:{port}/"
        for host in (f"127.0.0.2:{port}", "blog.test", f"localhost:{port}"):
            assert ask(preview, "/", host).status == 200, host
        assert ask(preview, "/", "evil.example").status == 421
    finally:
        preview.stop()


def test_preview_host_names_are_read_strictly():
    from blogcli.preview_server import allowed_hosts, host_name

    assert host_name("LocalHost:8000") == "localhost"
    assert host_name("[::1]:8000") == "[::1]"
    for header in ("evil.example@localhost", "localhost:8000/x", "localhost:", "local host", "", None):
        assert host_name(header) not in allowed_hosts("127.0.0.1"), header
    assert allowed_hosts("0.0.0.0") == allowed_hosts("127.0.0.1") == {"localhost", "127.0.0.1", "[::1]"}
    assert "[fe80::1]" in allowed_hosts("fe80::1")


# -- notebooks: the preview executes what changed, and freezes it (blogcli.freezenotebooks) -----------

LIVE = "posts/2024/live-cells.md"
LIVE_URL = "posts/2024/live-cells/"


def _frozen_text(site: Path) -> str:
    outputs = site / "_freeze/posts/2024/live-cells/outputs.json"
    return outputs.read_text("utf-8") if outputs.is_file() else ""


def _executions(preview: RunningPreview) -> int:
    return sum(f"{LIVE}: executing on kernel" in line for line in preview.log)


class _SmallPreview(Preview):
    def __init__(self, site: Path, work: Path, *options: str) -> None:
        RunningPreview.__init__(self, site, work, SMALL_ENVIRON, PATIENCE, *options)


#: Known gap, without fork (Windows): a save that lands while the build after a freeze runs is built
#: without executing the notebook first (the page shows the stale-freeze problem, not the cell's).
_NO_FORK_GAP = pytest.mark.xfail(
    reason="without fork, a save during a build can skip its execution", strict=False
)


@pytest.mark.parametrize(
    "options", [(), pytest.param(("--no-fork",), marks=_NO_FORK_GAP)], ids=["keeper", "no-fork"]
)
def test_preview_executes_a_notebook_whose_code_changed_and_freezes_it(tmp_path, options):

    from blogcli.freezenotebooks import find_posts, read_config
    from blogext.markup import freeze

    site = make_site("freezepreview", tmp_path / "site")
    post = site / LIVE
    original = post.read_text("utf-8")
    preview = _SmallPreview(site, tmp_path, *options)
    try:
        # Never frozen: executed before the first build, and served with its output.
        assert "first answer 42" in preview.get(LIVE_URL)[1]
        assert "first answer 42" in _frozen_text(site)
        assert _executions(preview) == 1

        save(post, original.replace('print("first answer", 6 * 7)', 'print("second answer", 6 * 8)'))
        until(lambda: "second answer 48" in preview.get(LIVE_URL)[1])
        assert "second answer 48" in _frozen_text(site), "_freeze/ holds the new output, ready to commit"
        [fresh] = find_posts(site, read_config(site))
        assert json.loads(_frozen_text(site))["digest"] == freeze.digest(fresh.notebook)
        assert until(lambda: preview.problems(LIVE_URL) == "" and preview.state()["building"] is False)

        save(post, post.read_text("utf-8").replace("The end of the text.", "The end, walrus-fig."))
        until(lambda: "walrus-fig" in preview.get(LIVE_URL)[1])
        assert _executions(preview) == 2, "a Markdown-only edit is not executed again"

        save(post, original.replace('print("first answer", 6 * 7)', "1 / 0"))
        problems = until(lambda: preview.problems(LIVE_URL))
        assert f"{LIVE}:19: WARNING: cell 2 ('1 / 0') raised ZeroDivisionError" in problems
        assert "since it was frozen" not in problems, "the error is the problem, not a stale freeze"
        page = preview.page(LIVE_URL)
        page.find(id="blog-preview-problems").decompose()
        assert "ZeroDivisionError" in page.get_text(), "the page shows the cell's error where it happened"
        assert "second answer 48" in _frozen_text(site), "a failed execution freezes nothing"

        save(post, original)
        until(lambda: "first answer 42" in preview.get(LIVE_URL)[1] and preview.problems(LIVE_URL) == "")
        assert "first answer 42" in _frozen_text(site)

        slow = original.replace("kernelspec:", "mystnb:\n  execution_timeout: 1\nkernelspec:")
        save(post, slow.replace('print("first answer", 6 * 7)', "import time\ntime.sleep(30)"))
        problems = until(lambda: preview.problems(LIVE_URL))
        assert "cell 2 ('import time') was still running after 1 seconds" in problems, "\n".join(
            preview.log[-30:]
        )
        assert "(executed by the preview; _freeze/posts/2024/live-cells/ left as it was)" in problems
        assert "first answer 42" in _frozen_text(site)
    finally:
        preview.stop()
