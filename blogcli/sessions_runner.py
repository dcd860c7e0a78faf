"""The runner of checked shell sessions (:mod:`blogext.markup.sessions`): a post's commands typed, in
reading order, into a throwaway sandbox, and what they print compared with what the post says
(loose matching: hashes, dates, versions, home folders). A program, not an extension::

    python -m blogcli.sessions_runner POST [POST ...]
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

from blogext.markup.sessions import (
    DEFAULT_TIMEOUT,
    ELLIPSIS,
    FIXED_DATE,
    HOSTS,
    SANDBOX_GITCONFIG,
    Command,
    FileBlock,
    Session,
    SessionSyntaxError,
    read_blocks,
    shown_path,
)

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
        f"{shown_path(command.post)}:{command.line}: checked command failed: {'; '.join(problems)}",
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


# --- Command line ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m blogcli.sessions_runner",
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
