"""The documentation stays true: a short README that links to docs/, a quick start that works on an
externally managed Python, and an architecture page whose map names what the code has."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
from checkers import blog_modules, blog_packages
from conftest import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
ARCHITECTURE = DOCS / "architecture.md"
#: Every module and package of the blog's code, by its last name (``posts``, ``core``, ``blogcli``).
MODULES = sorted(blog_modules()) + sorted(
    name.split(".")[-1] for name in blog_packages() if name != "blogext"
)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = re.search(r"^## ", text[start + len(heading) :], re.MULTILINE)
    return text[start : start + len(heading) + following.start()] if following else text[start:]


def test_readme_is_a_front_door_of_at_most_250_lines():
    assert len(README.read_text("utf-8").splitlines()) <= 250


def test_every_docs_link_of_the_readme_and_the_docs_resolves():
    pages = [README, *DOCS.glob("*.md")]
    linked = set()
    for page in pages:
        prose = re.sub(
            r"^(`{3,}|~{3,}).*?^\1\s*$", "", page.read_text("utf-8"), flags=re.MULTILINE | re.DOTALL
        )
        prose = re.sub(r"`[^`\n]*`", "", prose)  # code spans show links, they are not links
        for target in re.findall(r"\]\(((?:\.\./|docs/)?[\w./-]+\.md)(?:#[\w-]+)?\)", prose):
            path = (page.parent / target).resolve()
            assert path.is_file(), f"{page.relative_to(REPO)} links to {target}, which does not exist"
            linked.add(path)
    # Every page of docs/ is reachable from the README.
    assert {p.resolve() for p in DOCS.glob("*.md")} <= linked


def test_the_quick_start_names_one_install_and_two_commands():
    quick = _section(README.read_text("utf-8"), "## Quick start")
    commands = re.findall(r"^\$ (.+?)(?:\s+#.*)?$", quick, re.MULTILINE)
    assert commands[0].startswith("python3 -m venv .venv && ")
    assert "-r requirements/nox.txt" in commands[0]
    assert [c.split()[-1] for c in commands[1:]] == ["build", "tests"]
    assert "nox -s tests" in (REPO / ".ci" / "run").read_text()  # CI runs the README's test command


def _externally_managed_python() -> str | None:
    """A Python on this machine that refuses ``pip install`` (PEP 668), such as Debian's."""
    for candidate in ("/usr/bin/python3", "/opt/homebrew/bin/python3", "/usr/local/bin/python3"):
        if not os.access(candidate, os.X_OK):
            continue
        stdlib = subprocess.run(
            [candidate, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if stdlib and (Path(stdlib) / "EXTERNALLY-MANAGED").is_file():
            return candidate
    return None


def test_the_quick_start_install_works_on_an_externally_managed_python(tmp_path):
    python = _externally_managed_python()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("CI's machine has Debian's externally managed python3; it was not found")
        pytest.skip("no externally managed Python on this machine")
    assert sysconfig  # the check above reads the candidate's own sysconfig, not this interpreter's
    # It is externally managed: the old quick start, a plain pip install, is refused.
    refused = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "nox"], capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr + refused.stdout
    # The README's one-time install line, as written, in a copy of the checkout.
    work = tmp_path / "blog"
    work.mkdir()
    shutil.copytree(REPO / "requirements", work / "requirements")
    shutil.copy(REPO / "noxfile.py", work / "noxfile.py")
    shutil.copy(REPO / "pyproject.toml", work / "pyproject.toml")
    quick = _section(README.read_text("utf-8"), "## Quick start")
    install = re.findall(r"^\$ (.+?)(?:\s+#.*)?$", quick, re.MULTILINE)[0].replace("python3", python, 1)
    done = subprocess.run(install, shell=True, cwd=work, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # The two commands' program is there, and knows both sessions.
    listed = subprocess.run(
        [str(work / ".venv" / "bin" / "nox"), "--list"], cwd=work, capture_output=True, text=True, check=False
    )
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^\* build\b", listed.stdout, re.MULTILINE), listed.stdout
    assert re.search(r"^\* tests\b", listed.stdout, re.MULTILINE), listed.stdout


def test_the_architecture_page_names_every_module():
    text = ARCHITECTURE.read_text("utf-8")
    modules_table = _section(text, "## Modules")
    named = set(re.findall(r"`([\w.]+)`", modules_table))
    missing = [name for name in MODULES if name not in named]
    assert not missing, f"docs/architecture.md's module map does not name {missing}"
    stale = sorted(
        name for name in re.findall(r"^\| `(\w+)`", modules_table, re.MULTILINE) if name not in MODULES
    )
    assert not stale, f"docs/architecture.md names modules that do not exist: {stale}"


def test_the_architecture_page_lists_exactly_the_warning_subtypes_the_code_uses():
    used = set()
    for path in (REPO / "blogext").rglob("*.py"):
        used |= set(re.findall(r'(?:subtype=|SUBTYPE = )"(\w+)"', path.read_text("utf-8")))
    text = ARCHITECTURE.read_text("utf-8")
    listed = set(re.findall(r"`blog\.(\w+)`", text))
    assert used == listed, (
        f"in the code, not the page: {used - listed}; on the page, not the code: {listed - used}"
    )
