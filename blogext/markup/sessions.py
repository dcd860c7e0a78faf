"""Checked shell sessions: tutorial commands that the test suite runs against real Git.

A tutorial marks a console block as *checked*; the test suite then types its
commands, in reading order, into a throwaway sandbox and compares what they
print with what the post says they print. The full author's guide is in
``docs/checked-sessions.md``; in short::

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

As a Sphinx extension this module removes the marker classes from the rendered
page and warns about malformed checked blocks; it also reads posts' checked blocks
(:func:`read_blocks`). :mod:`blogcli.sessions_runner` runs them: from the command
line, ``python -m blogcli.sessions_runner POST [POST ...]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
                raise SessionSyntaxError(f"{shown_path(post)}:{opening}: {error}") from None
            commands = tuple(
                Command(post, body_line + index + 1, command, tuple(expected))
                for index, command, expected in steps
            )
            yield Session(post, opening, commands, remote=REMOTE in classes)
        else:
            caption = str(options.get("caption", "")).strip()
            if not caption:
                raise SessionSyntaxError(
                    f"{shown_path(post)}:{opening}: a checked {language or 'code'} block is a file the "
                    "reader creates, so it needs ':caption: <path of the file>'"
                )
            yield FileBlock(post, opening, caption, "\n".join(body) + "\n")


def read_blocks(post: Path | str) -> list[Block]:
    """The checked blocks of the MyST post *post*, in reading order."""
    post = Path(post)
    return list(_blocks_in(post.read_text(encoding="utf-8"), post, 0))


def shown_path(post: Path) -> str:
    """*post* as a failure message names it: relative to the working directory if under it."""
    try:
        return str(post.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(post)


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
