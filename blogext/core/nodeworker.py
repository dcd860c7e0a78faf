"""One Node process a build for a feature that needs a JavaScript library (not an extension).

:mod:`blogext.markup.math` (KaTeX) and :mod:`blogext.markup.diagrams` (mermaid's parser) each start one
:class:`Worker` when a build first needs it, ask it one JSON request a line on stdin and read one
JSON answer a line on stdout, and close it when the build ends. A forked process (``-j``) that asks
starts a Node of its own rather than writing to its parent's pipe.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any


class NodeUnavailable(RuntimeError):
    """Node or the library is missing, or the worker stopped."""


class Worker:
    """``node <script> <args...>``: one JSON request a line in, one JSON answer a line out."""

    def __init__(self, script: Path, args: list[str], name: str) -> None:
        program = shutil.which("node")
        if program is None:
            raise NodeUnavailable("node is not on PATH")
        self.name = name
        self.pid = os.getpid()
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [program, str(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            encoding="utf-8",
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """The worker's answer to *request*; NodeUnavailable (with its last words) if it stopped."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except OSError:
            line = ""
        if not line:
            self.errors.seek(0)
            raise NodeUnavailable(
                f"{self.name}'s process stopped: {self.errors.read().decode(errors='replace')[-500:]}"
            )
        answer = json.loads(line)
        if "failure" in answer:
            raise NodeUnavailable(f"{self.name}'s process refused a request: {answer['failure']}")
        return answer

    def owned(self) -> bool:
        """Whether this process started the worker (a forked child has its parent's copy)."""
        return self.pid == os.getpid()

    def close(self) -> None:
        if self.owned() and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.errors.close()
