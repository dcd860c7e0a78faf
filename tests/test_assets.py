"""A feature's templates and static files live beside its module (:mod:`blogext.core.assets`): each
package's ``templates/blog/`` and ``static/<feature>/``, brought by the feature's ``setup``, so a site
gets the files of the features it loads, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from checkers import blog_modules
from conftest import REPO, assert_clean

from blogext.core import assets

#: ``assets.bring(app, __file__, "series", ...)`` in a module: the static folders it brings.
_BRING = re.compile(r"assets\.bring\(\s*app,\s*__file__((?:,\s*\"[\w-]+\")*)\s*\)")


def _brought() -> dict[Path, set[str]]:
    """Each static folder brought by a module, with the modules that bring it."""
    found: dict[Path, set[str]] = {}
    for name, path in blog_modules().items():
        for call in _BRING.findall(path.read_text("utf-8")):
            for feature in re.findall(r'"([\w-]+)"', call):
                found.setdefault(path.parent / "static" / feature, set()).add(name)
    return found


def _static_folders() -> set[Path]:
    return {folder for folder in (REPO / "blogext").glob("*/static/*") if folder.is_dir()}


def test_every_features_static_folder_is_brought_by_a_module_and_every_brought_folder_exists():
    folders, brought = _static_folders(), set(_brought())
    assert len(folders) > 10
    assert not folders - brought, f"static folders no module brings: {sorted(folders - brought)}"
    assert not brought - folders, f"brought folders that do not exist: {sorted(brought - folders)}"


def test_the_bring_pattern_reads_a_call_with_features():
    assert _BRING.findall('    assets.bring(app, __file__, "diagrams", "drawnear")\n') == [
        ', "diagrams", "drawnear"'
    ]


def test_static_file_names_are_unique_across_features():
    names = [path.name for folder in _static_folders() for path in folder.iterdir() if path.is_file()]
    assert len(names) == len(set(names)), "two features' files would land on one name in _static/"


def test_a_features_templates_are_in_its_own_package():
    own = {
        folder.parent.name: {p.name for p in (folder / "blog").glob("*.html")}
        for folder in assets.templates_folders()
    }
    misplaced = []
    for name, path in blog_modules().items():
        package = path.parent.name
        for template in set(re.findall(r'"blog/([\w-]+\.html)"', path.read_text("utf-8"))):
            if template not in own.get(package, set()) and path.parent.name != "blogcli":
                misplaced.append(f"{name} renders blog/{template}, not in blogext/{package}/templates/blog")
    assert not misplaced, "\n".join(misplaced)


def test_a_site_gets_the_static_files_of_the_features_it_loads_and_no_others(build_root):
    # test-series loads the post header, the feeds and the series: not search, notes, diagrams...
    built = assert_clean(build_root("series"))
    static = {path.name for path in (built.outdir / "_static").iterdir() if path.is_file()}
    series = REPO / "blogext" / "pages" / "static" / "series" / "series.css"
    assert (built.outdir / "_static" / "series.css").read_bytes() == series.read_bytes()
    brought = {folder.name for folder in _static_folders() if {f.name for f in folder.iterdir()} <= static}
    assert "series" in brought
    for feature in ("search", "sidenotes", "diagrams", "comments", "interactive", "figures"):
        folder = (
            REPO
            / "blogext"
            / ("outputs" if feature == "search" else "markup" if feature != "comments" else "pages")
        )
        files = {f.name for f in (folder / "static" / feature).iterdir()}
        assert not files & static, f"{feature}'s files reached a site that does not load it: {files & static}"
