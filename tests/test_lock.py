"""One lock of exact versions, made from pyproject.toml and installed everywhere.

requirements/<group>.txt is the lock of each dependency group (``nox -s lock``,
``nox -s upgrade``). These tests check that it agrees with pyproject.toml, holds
exact versions only, names no index or machine path, and that nox, CI, Read the
Docs and the Pages workflow all install from it.
"""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml
from conftest import REPO
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

LOCK = REPO / "requirements"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
GROUPS = PYPROJECT["dependency-groups"]
#: A lock line: an exact version, maybe with an environment marker.
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)(?:\s*;\s*(?P<marker>.+))?$")


def expand(group: str) -> list[Requirement]:
    """The requirements of *group*, with the groups it includes."""
    found: list[Requirement] = []
    for item in GROUPS[group]:
        if isinstance(item, dict):
            found += expand(item["include-group"])
        else:
            found.append(Requirement(item))
    return found


def pins(group: str) -> dict[str, list[tuple[Version, str | None]]]:
    """The lock of *group*: package name -> its pinned versions (one per marker)."""
    found: dict[str, list[tuple[Version, str | None]]] = {}
    for number, line in enumerate((LOCK / f"{group}.txt").read_text().splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = PIN.match(stripped)
        assert match, f"requirements/{group}.txt:{number}: {line!r} is not an exact pin (name==version)"
        name = canonicalize_name(match["name"])
        found.setdefault(name, []).append((Version(match["version"]), match["marker"]))
    return found


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_group_is_locked_and_every_direct_dependency_pinned_within_its_range(group):
    locked = pins(group)
    for requirement in expand(group):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} of group {group!r} is not in requirements/{group}.txt"
        for version, _marker in locked[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements/{group}.txt pins {name}=={version}, outside {requirement} (run nox -s lock)"
            )


def test_one_version_of_each_package_across_every_python_and_every_lock():
    seen: dict[str, tuple[Version, str]] = {}
    for group in GROUPS:
        for name, versions in pins(group).items():
            assert len({v for v, _ in versions}) == 1, f"{group}.txt pins {name} twice: {versions}"
            version = versions[0][0]
            if name in seen:
                other, where = seen[name]
                assert other == version, f"{name}: {version} in {group}.txt, {other} in {where}.txt"
            seen[name] = (version, group)


def test_locks_name_no_index_host_or_machine_path():
    for path in sorted(LOCK.glob("*.txt")):
        text = path.read_text()
        for bad in ("://", "--index-url", "--extra-index-url", "--find-links", "file:", "/home/", "/root/"):
            assert bad not in text, f"{path.name} contains {bad!r}"
        assert not re.search(r"(^|\s)/\w", text), f"{path.name} names an absolute path"


def test_nox_ci_read_the_docs_and_pages_install_from_the_lock():
    noxfile = (REPO / "noxfile.py").read_text()
    assert "dependency_groups" not in noxfile
    assert 'session.install("-r", str(LOCK / f"{group}.txt"))' in noxfile
    installs = re.findall(r"session\.install\(([^)]*)\)", noxfile)
    assert all(args.startswith('"-r"') for args in installs), installs
    rtd = yaml.safe_load((REPO / ".readthedocs.yaml").read_text())
    assert rtd["build"]["jobs"]["install"] == [
        "python -m pip install -r requirements/site.txt",
        "npm ci --omit=dev --no-audit --no-fund --ignore-scripts",  # mermaid, from package-lock.json
    ]
    site = (REPO / ".github" / "workflows" / "site.yml").read_text()
    assert "pip install -r requirements/nox.txt" in site and "nox -s build" in site
    ci = (REPO / ".ci" / "run").read_text()
    assert "-r requirements/nox.txt" in ci
    assert ci.index("nox -s tests") < ci.index("nox -s lowest")
    upgrade = yaml.safe_load((REPO / ".github" / "workflows" / "upgrade.yml").read_text())
    assert upgrade[True]["schedule"], "the upgrade workflow runs on a schedule"  # YAML reads `on:` as True
    assert "nox -s upgrade" in (REPO / ".github" / "workflows" / "upgrade.yml").read_text()


def test_every_group_is_one_the_noxfile_locks():
    noxfile = (REPO / "noxfile.py").read_text()
    listed = re.search(r"^GROUPS = \(([^)]*)\)", noxfile, re.M)[1]
    assert sorted(re.findall(r'"([^"]+)"', listed)) == sorted(GROUPS)
    assert sorted(p.stem for p in LOCK.glob("*.txt")) == sorted(GROUPS)


def test_lock_markers_are_valid():
    for group in GROUPS:
        for versions in pins(group).values():
            for _version, marker in versions:
                if marker:
                    Marker(marker)
