"""Checked shell sessions: tutorial commands that the test suite runs against real Git.

A tutorial marks a console block as *checked*; the test suite then types its
commands, in reading order, into a throwaway sandbox and compares what they
print with what the post says they print. The full author's guide is in
``docs-snippets/checked-sessions.md``; in short::

    ```{code-block} console
    :class: checked

    $ git status --short
    ?? train.py
    ```

- A line starting with ``$ `` is a command (one line, run with bash); the lines
  under it, up to the next command, are its expected output. No lines means "prints
  nothing". Every command must exit with status 0.
- A line that is exactly ``...`` stands for any number of output lines (even none).
- Loose matching, applied to both sides: hex strings of 7 to 40 characters
  (commit hashes) match any such string, Git dates (``Sun May 14 10:00:00 2023
  +0100`` or ISO) match any date, the word after ``version`` matches any
  version, and a home directory (``/home/you``, ``/Users/you``, ``C:/Users/you``)
  matches the sandbox's ``~``. Tabs are expanded and trailing spaces and trailing
  blank lines ignored.
- ``:class: checked remote`` marks a block that needs a hosting service: inside it,
  ``https://github.com/…`` (and gitlab.com, bitbucket.org, and the ``git@host:``
  forms) are rewritten by ``url.<base>.insteadOf`` to local bare repositories the
  runner creates, and the local paths in the output are turned back into the URLs.
  Outside such blocks every network transport is refused.
- A checked block that is not a console block is a file the reader creates: its
  ``:caption:`` is the path (relative to the session's current directory) and its
  text is the content, written when the session reaches it.

Sandbox: the posts given to :func:`run_posts` share one directory with a private
``HOME`` (so files and ``git config --global`` carry over from post to post, as
for a reader working through a series), but each post starts a fresh bash in
``HOME``. Identity, default branch, dates, locale, pager and editor are fixed
(see :func:`_environment` and :data:`SANDBOX_GITCONFIG`).

As a Sphinx extension the module removes the marker classes from the rendered
page and warns about malformed checked blocks. Run the sessions of posts from the
command line with ``python -m blogext.sessions POST [POST ...]``.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The class that marks a block as checked, and the one that marks it as needing a remote.
CHECKED = "checked"
REMOTE = "remote"
MARKER_CLASSES = (CHECKED, REMOTE)
#: Block languages that are shell sessions; any other checked block is a file.
SESSION_LANGUAGES = ("console", "shell-session")
#: MyST directives that make a code block (the others may contain blocks: searched inside).
CODE_DIRECTIVES = ("code-block", "code", "sourcecode")
PROMPT = "$ "
ELLIPSIS = "..."
#: Hosting services whose URLs a ``remote`` block may use.
HOSTS = ("github.com", "gitlab.com", "bitbucket.org")
#: Every commit made in the sandbox gets this date.
FIXED_DATE = "2023-05-14T10:00:00+01:00"
#: Seconds a single command may take.
DEFAULT_TIMEOUT = 60.0

#: The sandbox's system-level Git config (``GIT_CONFIG_SYSTEM``). A post's own
#: ``git config --global`` overrides it, as it would on a reader's machine.
SANDBOX_GITCONFIG = """\
[user]
\tname = Tutorial Reader
\temail = reader@example.com
[init]
\tdefaultBranch = main
[log]
\t# a terminal shows branch names in git log; the sandbox's output is a pipe
\tdecorate = short
[advice]
\tdetachedHead = false
"""

# --- Parsing posts ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One ``$ `` line of a checked session and the output written under it."""

    post: Path
    line: int  #: 1-based line of the command in the post
    text: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Session:
    """A checked console block."""

    post: Path
    line: int  #: 1-based line of the opening fence
    commands: tuple[Command, ...]
    remote: bool = False


@dataclass(frozen=True)
class FileBlock:
    """A checked non-console block: a file the reader creates, named by its caption."""

    post: Path
    line: int
    path: str
    text: str


Block = Session | FileBlock


class SessionSyntaxError(ValueError):
    """A checked block that cannot be read as a session or a file."""


def split_session(lines: Sequence[str]) -> list[tuple[int, str, list[str]]]:
    """Split a console block's lines into ``(index, command, expected output)``.

    *index* is the 0-based index of the command's line in *lines*. Raises
    :class:`SessionSyntaxError` for output before the first command or an empty prompt.
    """
    steps: list[tuple[int, str, list[str]]] = []
    for index, line in enumerate(lines):
        if line.startswith(PROMPT) or line.rstrip() == PROMPT.rstrip():
            command = line[len(PROMPT) :].strip()
            if not command:
                raise SessionSyntaxError(f"line {index + 1} of the block is a prompt without a command")
            steps.append((index, command, []))
        elif steps:
            steps[-1][2].append(line)
        elif line.strip():
            raise SessionSyntaxError(
                f"line {index + 1} of the block is output before the first {PROMPT.strip()!r} command"
            )
    if not steps:
        raise SessionSyntaxError(f"a checked console block needs at least one {PROMPT!r} command")
    return steps


def _split_options(lines: list[str]) -> tuple[dict[str, Any], int]:
    """MyST directive options at the top of *lines*, and how many lines they take."""
    options: dict[str, Any] = {}
    used = 0
    if lines and lines[0].startswith("---"):
        for end in range(1, len(lines)):
            if lines[end].startswith("---"):
                options = yaml.safe_load("\n".join(lines[1:end])) or {}
                used = end + 1
                break
    else:
        while used < len(lines):
            stripped = lines[used].lstrip()
            if not stripped.startswith(":") or stripped.startswith(":::"):
                break
            match = re.match(r":([^:\s][^:]*):\s*(.*)$", stripped)
            if match is None:
                break
            options[match[1].strip()] = match[2].strip()
            used += 1
    if used < len(lines) and not lines[used].strip():
        used += 1  # MyST allows one blank line between options and body
    return options, used


def _classes(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return []


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").use(front_matter_plugin).use(colon_fence_plugin)


def _blocks_in(text: str, post: Path, offset: int) -> Iterable[Block]:
    """Checked blocks in MyST *text* whose first line is line ``offset + 1`` of *post*."""
    for token in _markdown().parse(text):
        if token.type not in ("fence", "colon_fence") or token.map is None:
            continue
        match = re.match(r"\{([\w:-]+)\}\s*(.*)$", token.info.strip())
        if match is None:
            continue
        name, argument = match[1], match[2].strip()
        lines = token.content.splitlines()
        options, used = _split_options(lines)
        body, body_line = lines[used:], offset + token.map[0] + 1 + used  # 0-based line of body[0]
        if name not in CODE_DIRECTIVES:
            # an admonition or other container: look inside it
            yield from _blocks_in("\n".join(body) + "\n", post, body_line)
            continue
        classes = _classes(options.get("class", ""))
        if CHECKED not in classes:
            continue
        opening = offset + token.map[0] + 1
        language = argument.split()[0] if argument else ""
        if language in SESSION_LANGUAGES:
            try:
                steps = split_session(body)
            except SessionSyntaxError as error:
                raise SessionSyntaxError(f"{_shown(post)}:{opening}: {error}") from None
            commands = tuple(
                Command(post, body_line + index + 1, command, tuple(expected))
                for index, command, expected in steps
            )
            yield Session(post, opening, commands, remote=REMOTE in classes)
        else:
            caption = str(options.get("caption", "")).strip()
            if not caption:
                raise SessionSyntaxError(
                    f"{_shown(post)}:{opening}: a checked {language or 'code'} block is a file the reader "
                    "creates, so it needs ':caption: <path of the file>'"
                )
            yield FileBlock(post, opening, caption, "\n".join(body) + "\n")


def read_blocks(post: Path | str) -> list[Block]:
    """The checked blocks of the MyST post *post*, in reading order."""
    post = Path(post)
    return list(_blocks_in(post.read_text(encoding="utf-8"), post, 0))


def _shown(post: Path) -> str:
    """*post* as a failure message names it: relative to the working directory if under it."""
    try:
        return str(post.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(post)


# --- Comparing output ----------------------------------------------------------------

_HASH = re.compile(r"\b[0-9a-f]{7,40}\b")
_DAY, _MONTH = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)", r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DATE = re.compile(
    rf"\b{_DAY} {_MONTH} +\d{{1,2}} \d\d:\d\d:\d\d \d{{4}}(?: [+-]\d{{4}})?"
    r"|\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?(?: ?(?:[+-]\d\d:?\d\d|Z))?"
)
_VERSION = re.compile(r"(\bversion )\S+")
_HOME = re.compile(r"(?<![\w.~/\\-])(?:/home/|/Users/|/c/Users/|[A-Za-z]:[/\\]Users[/\\])[^/\\\s'\"]+")


def normalise(line: str) -> str:
    """*line* with its volatile parts replaced, as both sides are compared."""
    line = line.expandtabs().rstrip()
    line = _HOME.sub("~", line)
    line = _DATE.sub("<date>", line)
    line = _VERSION.sub(r"\1<version>", line)
    return _HASH.sub("<hash>", line)


def _trimmed(lines: Sequence[str]) -> list[str]:
    lines = [line.expandtabs().rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _align(expected: Sequence[str], actual: Sequence[str]) -> tuple[int, list[tuple[str, str]]]:
    """Cheapest alignment of *expected* (with ``...`` lines) against *actual*.

    Returns the number of differing lines and the alignment as ``(tag, line)``
    pairs: ``" "`` same, ``"-"`` expected only, ``"+"`` actual only, ``"~"`` an
    actual line taken by ``...``, ``"."`` the ``...`` line itself.
    """
    exp, act = _trimmed(expected), _trimmed(actual)
    keys_e = [None if line.strip() == ELLIPSIS else normalise(line) for line in exp]
    keys_a = [normalise(line) for line in act]
    n, m = len(exp), len(act)
    inf = n + m + 1
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n:
                cost[i][j] = m - j
            elif keys_e[i] is None:
                cost[i][j] = min(cost[i + 1][j], cost[i][j + 1] if j < m else inf)
            else:
                best = 1 + cost[i + 1][j]
                if j < m:
                    best = min(best, 1 + cost[i][j + 1])
                    if keys_e[i] == keys_a[j]:
                        best = min(best, cost[i + 1][j + 1])
                cost[i][j] = best
    ops: list[tuple[str, str]] = []
    i = j = 0
    while i < n or j < m:
        here = cost[i][j]
        if i < n and keys_e[i] is None:
            if j < m and cost[i][j + 1] == here:
                ops.append(("~", act[j]))
                j += 1
            else:
                ops.append((".", exp[i]))
                i += 1
        elif i < n and j < m and keys_e[i] == keys_a[j] and cost[i + 1][j + 1] == here:
            ops.append((" ", exp[i]))
            i, j = i + 1, j + 1
        elif i < n and cost[i + 1][j] + 1 == here:
            ops.append(("-", exp[i]))
            i += 1
        else:
            ops.append(("+", act[j]))
            j += 1
    # show each "..." before the lines it took
    tidy: list[tuple[str, str]] = []
    for tag, line in ops:
        if tag == ".":
            k = len(tidy)
            while k and tidy[k - 1][0] == "~":
                k -= 1
            tidy.insert(k, (tag, line))
        else:
            tidy.append((tag, line))
    return cost[0][0], tidy


def matches(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether *actual* output lines match the *expected* lines of a session."""
    return _align(expected, actual)[0] == 0


def output_diff(expected: Sequence[str], actual: Sequence[str]) -> list[str]:
    """A readable diff of *expected* against *actual*, one string per line."""
    marks = {" ": "  ", "-": "- ", "+": "+ ", "~": "~ ", ".": "  "}
    return [marks[tag] + line for tag, line in _align(expected, actual)[1]]


# --- Running ---------------------------------------------------------------------------


class SessionFailure(AssertionError):
    """A checked command that failed or printed something other than its expected output."""

    def __init__(self, message: str, command: Command | None = None) -> None:
        super().__init__(message)
        self.command = command


@dataclass
class Outcome:
    """What one command printed (as a reader would see it) and its exit status."""

    command: Command
    actual: list[str]
    status: int | None  #: ``None`` if it timed out


@dataclass
class Run:
    """The result of running the checked blocks of some posts."""

    posts: list[Path]
    outcomes: list[Outcome] = field(default_factory=list)
    failure: SessionFailure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def check(self) -> Run:
        """Raise the failure, if any; return the run otherwise."""
        if self.failure is not None:
            raise self.failure
        return self


class _Sandbox:
    """A throwaway directory: private HOME, stand-in remotes, and one bash at a time."""

    def __init__(self, root: Path, timeout: float) -> None:
        self.root = root.resolve()
        self.home = self.root / "home"
        self.remotes = self.root / "remotes"
        self.runner = self.root / "runner"
        self.timeout = timeout
        for directory in (self.home, self.runner, self.remotes / "ssh"):
            directory.mkdir(parents=True, exist_ok=True)
        for host in HOSTS:
            (self.remotes / host).mkdir(exist_ok=True)
            link = self.remotes / "ssh" / host
            if not link.exists():
                link.symlink_to(Path("..") / host, target_is_directory=True)
        self.gitconfig = self.runner / "gitconfig"
        self.gitconfig.write_text(SANDBOX_GITCONFIG, encoding="utf-8")
        self.output = self.runner / "output"
        self.env = _environment(self)
        self._shell: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    # url.<local>.insteadOf <url>: pairs of (local directory prefix, URL prefix)
    def rewrites(self) -> list[tuple[str, str]]:
        pairs = []
        for host in HOSTS:
            pairs.append((f"{self.remotes / 'ssh' / host}/", f"git@{host}:"))
            pairs.append((f"{self.remotes / host}/", f"https://{host}/"))
        return pairs

    def start_shell(self) -> None:
        self.stop_shell()
        self._shell = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.home,
            env=self.env,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        self._lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self._shell, self._lines), daemon=True).start()

    @staticmethod
    def _pump(shell: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert shell.stdout is not None
        for line in shell.stdout:
            lines.put(line)
        lines.put(None)

    def stop_shell(self) -> None:
        shell, self._shell = self._shell, None
        if shell is None:
            return
        try:
            shell.stdin.close()  # type: ignore[union-attr]  # bash exits at the end of its input
            shell.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:  # the shell's process group: anything a command left running in the background
            os.killpg(shell.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        shell.wait()
        if shell.stdout is not None:
            shell.stdout.close()

    def _send(self, script: str) -> None:
        assert self._shell is not None and self._shell.stdin is not None
        try:
            self._shell.stdin.write(script)
            self._shell.stdin.flush()
        except BrokenPipeError:
            pass

    def _wait_for(self, token: str) -> str | None:
        """The rest of the line after *token* on the shell's stdout, or None on timeout/exit."""
        while True:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith(token):
                return line[len(token) :].strip()

    def run(self, command: str) -> tuple[int | None, list[str]]:
        """Run *command* in the current shell; its exit status (None: timeout) and output lines."""
        token = f"__session_done_{os.getpid()}_{threading.get_ident()}__ "
        self.output.unlink(missing_ok=True)
        out = shlex.quote(str(self.output))
        self._send(f'{{ {command}\n}} </dev/null >{out} 2>&1\nprintf "\\n{token}%s\\n" "$?"\n')
        status = self._wait_for(token)
        text = self.output.read_text(encoding="utf-8", errors="replace") if self.output.exists() else ""
        if status is None:
            self.start_shell()  # the old one is stuck or gone
            return None, self._reader_view(text)
        return int(status), self._reader_view(text)

    def cwd(self) -> Path:
        token = f"__session_cwd_{os.getpid()}__ "
        self._send(f'printf "\\n{token}%s\\n" "$PWD"\n')
        where = self._wait_for(token)
        return Path(where) if where else self.home

    def set_remote(self, on: bool) -> None:
        if on:
            pairs = self.rewrites()
            exports = [f"export GIT_CONFIG_COUNT={len(pairs)}"]
            for index, (local, url) in enumerate(pairs):
                exports.append(f"export GIT_CONFIG_KEY_{index}={shlex.quote(f'url.{local}.insteadOf')}")
                exports.append(f"export GIT_CONFIG_VALUE_{index}={shlex.quote(url)}")
            self._send("\n".join(exports) + "\n")
        else:
            self._send("unset GIT_CONFIG_COUNT\n")

    def create_remotes(self, commands: Iterable[Command]) -> None:
        """Create an empty bare repository for every hosted URL named in *commands*.

        ``…/name`` and ``…/name.git`` are the same repository, as on a hosting service.
        """
        hosts = "|".join(re.escape(host) for host in HOSTS)
        pattern = re.compile(rf"(?:https://({hosts})/|git@({hosts}):)([\w.~-]+(?:/[\w.~-]+)+)")
        for command in commands:
            for match in pattern.finditer(command.text):
                host = match[1] or match[2]
                name = match[3].rstrip("/").removesuffix(".git")
                bare = self.remotes / host / f"{name}.git"
                if not bare.exists():
                    bare.parent.mkdir(parents=True, exist_ok=True)
                    subprocess.run(
                        ["git", "init", "--quiet", "--bare", str(bare)],
                        env=self.env,
                        check=True,
                        capture_output=True,
                    )

    def _reader_view(self, text: str) -> list[str]:
        """Output as a reader would see it: stand-in remotes shown as URLs, HOME as ``~``."""
        for local, url in self.rewrites():
            text = text.replace(local, url)
        text = text.replace(str(self.home), "~")
        return [line.split("\r")[-1] for line in text.splitlines()]


def _environment(sandbox: _Sandbox) -> dict[str, str]:
    """The fixed environment every command runs in; nothing else leaks in from the machine."""
    # `python` is the interpreter running the sessions, so a tutorial's scripts run with the
    # test environment's libraries (the guides' train.py needs scikit-learn: see the test group)
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")]
    )
    return {
        "PATH": path,
        "HOME": str(sandbox.home),
        "USER": "reader",
        "LOGNAME": "reader",
        "SHELL": "/bin/bash",
        "LC_ALL": "C",
        "LANG": "C",
        "TZ": "UTC",
        "TERM": "dumb",
        "XDG_CONFIG_HOME": str(sandbox.home / ".config"),
        "GIT_CONFIG_SYSTEM": str(sandbox.gitconfig),
        "GIT_AUTHOR_DATE": FIXED_DATE,
        "GIT_COMMITTER_DATE": FIXED_DATE,
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_EDITOR": "true",
        "EDITOR": "true",
        "VISUAL": "true",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "SSH_ASKPASS": "true",
        # only local repositories: the network is reached through `remote` blocks
        "GIT_ALLOW_PROTOCOL": "file",
    }


def _failure(command: Command, status: int | None, actual: list[str], remote: bool) -> SessionFailure | None:
    problems = []
    if status is None:
        problems.append("it did not finish (is it waiting for input, a pager or an editor?)")
    elif status != 0:
        problems.append(f"it exited with status {status} (a checked command must succeed)")
    same = matches(command.expected, actual)
    if not same:
        problems.append("its output differs from the expected output")
    if not problems:
        return None
    lines = [
        f"{_shown(command.post)}:{command.line}: checked command failed: {'; '.join(problems)}",
        f"  command: $ {command.text}",
    ]
    if same:
        lines.append("  output (as expected):")
        lines += ["      " + line for line in _trimmed(actual)] or ["      (none)"]
    else:
        lines.append("  expected (-) vs actual (+); '~' lines are taken by '...':")
        lines += ["    " + line for line in output_diff(command.expected, actual)]
        if not _trimmed(actual):
            lines.append("    (the command printed nothing)")
    if not remote and any("not allowed" in line and "transport" in line for line in actual):
        lines.append("  hint: this step needs a remote; mark its block ':class: checked remote'")
    return SessionFailure("\n".join(lines), command)


def run_posts(
    posts: Sequence[Path | str], *, workdir: Path | str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> Run:
    """Run the checked blocks of *posts*, in order, in one sandbox; stop at the first failure.

    *workdir* (empty or missing) holds the sandbox and is kept; without it a
    temporary directory is used and removed.
    """
    run = Run([Path(p) for p in posts])
    try:
        blocks = [(post, read_blocks(post)) for post in run.posts]
    except SessionSyntaxError as error:
        run.failure = SessionFailure(str(error))
        return run
    root = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="sessions-"))
    sandbox = _Sandbox(root, timeout)
    # the reader makes the (empty) repositories on the website before using them
    sandbox.create_remotes(
        command
        for _post, post_blocks in blocks
        for block in post_blocks
        if isinstance(block, Session)
        for command in block.commands
    )
    try:
        for _post, post_blocks in blocks:
            sandbox.start_shell()  # each post starts in a new terminal, in HOME
            for block in post_blocks:
                if isinstance(block, FileBlock):
                    target = sandbox.cwd() / block.path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(block.text, encoding="utf-8")
                    continue
                sandbox.set_remote(block.remote)
                for command in block.commands:
                    status, actual = sandbox.run(command.text)
                    run.outcomes.append(Outcome(command, actual, status))
                    failure = _failure(command, status, actual, block.remote)
                    if failure is not None:
                        run.failure = failure
                        return run
                sandbox.set_remote(False)
    finally:
        sandbox.stop_shell()
        if workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    return run


def check_posts(posts: Sequence[Path | str], **kwargs: Any) -> Run:
    """:func:`run_posts`, raising :class:`SessionFailure` on the first failure."""
    return run_posts(posts, **kwargs).check()


# --- Sphinx ------------------------------------------------------------------------------


class HideSessionMarkers(SphinxTransform):
    """Drop the marker classes from checked blocks, and warn about malformed ones."""

    default_priority = 500

    def apply(self, **kwargs: Any) -> None:
        for block in self.document.findall(nodes.literal_block):
            classes = block.get("classes", [])
            if not any(name in classes for name in MARKER_CLASSES):
                continue
            if CHECKED not in classes:
                logger.warning(
                    "a 'remote' block must also be 'checked'", location=block, type="blog", subtype="sessions"
                )
            elif block.get("language") in SESSION_LANGUAGES:
                try:
                    split_session(block.astext().splitlines())
                except SessionSyntaxError as error:
                    logger.warning(
                        "checked session: %s", error, location=block, type="blog", subtype="sessions"
                    )
            elif not (isinstance(block.parent, nodes.container) and block.parent.get("literal_block")):
                logger.warning(
                    "a checked file block needs ':caption: <path of the file>'",
                    location=block,
                    type="blog",
                    subtype="sessions",
                )
            block["classes"] = [name for name in classes if name not in MARKER_CLASSES]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(HideSessionMarkers)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}


# --- Command line ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m blogext.sessions",
        description="Run the checked shell sessions of posts, in order, as one series.",
    )
    parser.add_argument("posts", nargs="+", type=Path, help="MyST posts, in reading order")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the sandbox in DIR and keep it")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per command")
    args = parser.parse_args(argv)
    run = run_posts(args.posts, workdir=args.keep, timeout=args.timeout)
    if run.failure is not None:
        print(run.failure, file=sys.stderr)
        return 1
    print(f"{len(run.outcomes)} checked commands in {len(run.posts)} post(s): all as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
