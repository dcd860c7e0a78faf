"""Mermaid diagrams at build time (tests/roots/test-diagrams): checked by mermaid's parser in one Node
process a build, cached by digest; an invalid diagram fails the build naming the file, the line and
mermaid's message; feed entries link to the diagram instead of carrying its source."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from bs4 import BeautifulSoup
from conftest import ATOM, REPO, ROOTS, assert_clean, feed_entries, run_sphinx

from blogext.core import nodeworker
from blogext.markup import diagrams

BAD_CLASS = """---
date: 2024-05-03
---

# A broken diagram

Some text.

```mermaid
classDiagram
  class Model {
    +forward(x) Tensor
```
"""

BAD_FLOW = """---
date: 2024-05-04
---

# Another

```{mermaid}
flowchart LR
  a -->
```
"""


SEQUENCE = """---
date: 2024-05-06
---

# A conversation

```mermaid
sequenceDiagram
  Reader->>Site: asks
  Site-->>Reader: answers
```
"""

KINDS_OF_DIAGRAM = [
    "flowchart LR\n a --> b",
    "classDiagram\n class A {\n  +x int\n }\n A <|-- B",
    "sequenceDiagram\n A->>B: hi",
    "gantt\n dateFormat YYYY-MM-DD\n section S\n a :a1, 2024-01-01, 3d",
    "erDiagram\n A ||--o{ B : has",
    "stateDiagram-v2\n [*] --> A",
    "mindmap\n  root\n    a",
    'pie\n "a": 1',
    "gitGraph\n commit",
    "timeline\n 2020 : a",
]

#: What the site's copy of mermaid weighs for the test site's flowchart, class diagram and Gantt chart:
#: measured at 1.84 MB, 37 modules of the site's build of mermaid (all its modules: 3.44 MB, 106); before
#: issue 22 the site copied all of mermaid's own build, 3.52 MB in 104 modules.
SITE_COPY_BYTES = 2_000_000


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("diagrams")
    shutil.copytree(ROOTS / "test-diagrams", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


class _Asked:
    """The diagrams each Node worker was asked to parse, one JSON line each in *path*: the check runs
    in a process beside the build (blogext.core.beside), so what it was asked comes back in a file."""

    def __init__(self, path) -> None:
        self.path = path
        self.pids = path.with_suffix(".pids")

    def _all(self) -> list[list[str]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines()]

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, index: int) -> list[str]:
        return self._all()[index]


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """The diagrams each Node worker started by blogext.markup.diagrams was asked to parse."""
    asked = _Asked(tmp_path / "asked.jsonl")
    parse = diagrams.parse

    def counting(sources, dist):
        with asked.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(list(sources)) + "\n")
        with asked.pids.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return parse(sources, dist)

    monkeypatch.setattr(diagrams, "parse", counting)
    return asked


def copy(tmp_path, files: dict[str, str]):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-diagrams", src)
    for name, text in files.items():
        (src / name).write_text(text, "utf-8")
    return src


def test_mermaid_parses_every_kind_of_diagram_in_node_and_names_the_mistake():
    dist = REPO / "node_modules" / "mermaid" / "dist"
    good = KINDS_OF_DIAGRAM
    results = diagrams.parse([*good, "classDiagram\n class A {", "pie\n a: 1", "nonsense"], dist)
    assert [r.get("error") for r in results[: len(good)]] == [None] * len(good)
    assert "Expecting 'STRUCT_STOP'" in results[-3]["error"]
    assert "Parse error on line 2" in results[-2]["error"]
    assert "No diagram type detected" in results[-1]["error"]


def test_invalid_diagram_fails_the_build_naming_file_line_and_mermaids_message(tmp_path):
    built = run_sphinx(
        copy(tmp_path, {"posts/2024/broken.md": BAD_CLASS, "posts/2024/other.md": BAD_FLOW}),
        tmp_path / "html",
    )
    assert built.returncode != 0
    [broken] = [w for w in built.warnings if "broken.md" in w]
    assert "posts/2024/broken.md:9:" in broken  # the line of the fence
    assert "mermaid cannot draw this diagram" in broken and "[blog.diagrams]" in broken
    assert "Expecting 'STRUCT_STOP', 'MEMBER', got 'EOF_IN_STRUCT'" in broken
    assert "---^" not in broken  # mermaid's caret pointed into text the message does not show
    assert "on line 3 of the diagram (line 12)" in broken
    [other] = [w for w in built.warnings if "other.md" in w]
    assert "posts/2024/other.md:7:" in other and "Parse error" in other


def test_one_node_per_build_and_a_rebuild_parses_only_changed_diagrams(tmp_path, counted):
    src = copy(tmp_path, {})
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert len(counted) == 1 and len(counted[0]) == 4
    assert_clean(run_sphinx(src, tmp_path / "html"))  # nothing changed: no Node at all
    assert len(counted) == 1
    post = src / "posts" / "2024" / "shapes.md"
    post.write_text(post.read_text("utf-8").replace("Quality filter", "Filter"), "utf-8")
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert len(counted) == 2 and len(counted[1]) == 1 and "Filter]" in counted[1][0]
    # Checked beside the build, while the pages were written (blogext.core.beside), not in it.
    assert str(os.getpid()) not in counted.pids.read_text("utf-8").split()


def test_an_invalid_diagram_fails_every_build_until_it_is_fixed(tmp_path):
    src = copy(tmp_path, {"posts/2024/broken.md": BAD_CLASS})
    for _ in range(2):
        built = run_sphinx(src, tmp_path / "html")
        assert any("broken.md:9:" in w and "blog.diagrams" in w for w in built.warnings)
    (src / "posts" / "2024" / "broken.md").write_text(BAD_CLASS.replace("Tensor\n", "Tensor\n  }\n"))
    assert_clean(run_sphinx(src, tmp_path / "html"))


def test_without_node_a_diagram_fails_the_build_saying_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(nodeworker.shutil, "which", lambda name: None)
    built = run_sphinx(copy(tmp_path, {}), tmp_path / "html")
    assert built.returncode != 0
    assert any("shapes.md" in w and "node is not on PATH" in w and "npm ci" in w for w in built.warnings)


def test_feed_entry_links_to_the_diagram_instead_of_its_source(site):
    [entry] = [e for e in feed_entries(site.feed("blog/atom.xml")) if "shapes" in e.findtext(f"{ATOM}id")]
    content = entry.findtext(f"{ATOM}content")
    for source in ("classDiagram", "flowchart LR", "gantt", "Module &lt;|--", "-->"):
        assert source not in content
    body = BeautifulSoup(content, "html.parser")
    links = [a["href"] for a in body.find_all("a") if a.get_text() == "Diagram: open it on the page"]
    page = "https://diagrams.example.org/posts/2024/shapes/"
    assert links == [f"{page}#diagram-1", f"{page}#diagram-2", f"{page}#diagram-3"]
    assert body.find("pre") is None
    html = site.html("posts/2024/shapes/")
    assert [p["id"] for p in html.find_all("pre", class_="mermaid")] == [
        "diagram-1",
        "diagram-2",
        "diagram-3",
    ]


def test_only_diagram_pages_load_the_diagram_script(site):
    page = site.html("posts/2024/shapes/")
    assert [s["src"].split("?")[0] for s in page.find_all("script", type="module")] == [
        "../../../_static/diagrams.js"
    ]
    for other in ("posts/2024/plain/", "", "blog/", "search/"):
        head = str(site.html(other).find("head")).lower()
        assert "diagrams.js" not in head and "mermaid" not in head
    assert (site.outdir / "_static" / "diagrams.js").is_file()


def test_a_mermaid_dist_copied_without_its_package_fails_naming_what_is_missing(tmp_path):
    # mermaid's dist files alone (no package.json beside them): the check cannot know mermaid's version,
    # so the build fails saying what is missing, with no traceback.
    shutil.copytree(ROOTS / "test-diagrams", tmp_path / "src")
    (tmp_path / "lone").mkdir()
    (tmp_path / "lone" / "dist").symlink_to(
        REPO / "node_modules" / "mermaid" / "dist", target_is_directory=True
    )
    with (tmp_path / "src" / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(f"\nblogext_mermaid_dist = {str(tmp_path / 'lone' / 'dist')!r}\n")
    built = run_sphinx(tmp_path / "src", tmp_path / "out")
    assert built.returncode != 0
    assert "Traceback" not in built.stderr and "Extension error" not in built.stderr, built.stderr
    assert "package.json is missing or unreadable" in built.stderr and "[blog.diagrams]" in built.stderr


DIST = REPO / "node_modules" / "mermaid" / "dist"


@pytest.fixture(scope="module")
def build():
    """The site's own build of mermaid (made once, kept in node_modules/.cache)."""
    return diagrams.site_build(DIST)


def test_every_diagram_type_mermaid_parses_has_the_module_mermaid_loads_to_draw_it(build):
    # The site copies a diagram type's modules by the loader mermaid's entry has for that type: read
    # from the entry, which a new mermaid could shape otherwise (then this fails, and the site copies all).
    kinds = [r["type"] for r in diagrams.parse(KINDS_OF_DIAGRAM, DIST)]
    for folder in (DIST, build):
        loaders = diagrams.diagram_loaders(folder)
        assert loaders is not None, folder
        assert set(kinds) <= loaders.keys(), set(kinds) - loaders.keys()
        assert "/flowDiagram-" in loaders["flowchart-v2"] and "/sequenceDiagram-" in loaders["sequence"]
        assert all((folder / module).is_file() for module in loaders.values())


def test_the_site_serves_its_own_build_of_mermaid_made_once(site, build, monkeypatch):
    assert build != DIST and build.parent.parent.name == ".cache"
    served = site.outdir / "_static" / "mermaid" / diagrams.ENTRY
    assert served.read_bytes() == (build / diagrams.ENTRY).read_bytes()
    assert served.read_bytes() != (DIST / diagrams.ENTRY).read_bytes()

    def no_node(*args, **kwargs):
        raise AssertionError("bundled again")

    monkeypatch.setattr(diagrams.subprocess, "run", no_node)
    assert diagrams.site_build(DIST) == build  # kept: the next build does not bundle again


def test_a_fresh_checkout_makes_its_build_of_mermaid_and_drops_older_builds(tmp_path):
    # A checkout whose node_modules has no build yet (as CI's first build has): the same packages,
    # linked, and a build of another version of mermaid left in its cache.
    modules = tmp_path / "node_modules"
    modules.mkdir()
    for entry in DIST.parent.parent.iterdir():
        if entry.name != ".cache":
            (modules / entry.name).symlink_to(entry)
    older = modules / ".cache" / diagrams.BUILD_CACHE / "0123456789abcdef"
    older.mkdir(parents=True)
    build = diagrams.site_build(modules / "mermaid" / "dist")
    assert build.parent == modules / ".cache" / diagrams.BUILD_CACHE
    assert (build / diagrams.ENTRY).is_file()
    assert not older.exists()


def test_without_esbuild_or_when_it_fails_the_site_serves_mermaids_own_build(tmp_path, monkeypatch):
    monkeypatch.setattr(diagrams, "_esbuild_version", lambda dist: None)
    assert diagrams.site_build(DIST) == DIST
    monkeypatch.undo()
    failing = tmp_path / "mermaid_bundle.mjs"
    failing.write_text("process.exit(3);\n", "utf-8")
    monkeypatch.setattr(diagrams, "BUNDLER", failing)
    assert diagrams.site_build(DIST) == DIST
    assert not [
        p
        for p in (DIST.parent.parent / ".cache" / diagrams.BUILD_CACHE).iterdir()
        if p.name.startswith("new-")
    ]


def test_a_rebuild_takes_the_mermaid_modules_its_pages_need_from_the_doctree_folder(tmp_path, monkeypatch):
    # Which of mermaid's modules the pages need is worked out by reading them, once per build of
    # mermaid and set of diagram types; a new type works it out again.
    reads = []
    needed = diagrams.needed_files
    monkeypatch.setattr(
        diagrams, "needed_files", lambda build, types: reads.append(types) or needed(build, types)
    )
    src = copy(tmp_path, {})
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert len(reads) == 1
    static = tmp_path / "html" / "_static" / "mermaid"
    first = sorted(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file())
    assert_clean(run_sphinx(src, tmp_path / "html", "-E"))
    assert len(reads) == 1, "mermaid's modules were read again for the same diagram types"
    assert sorted(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file()) == first
    post = src / "posts" / "2024" / "pie.md"
    post.write_text('---\ndate: 2024-05-02\n---\n\n# Pie\n\n```mermaid\npie\n  "a" : 1\n```\n', "utf-8")
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert len(reads) == 2 and "pie" in reads[1]


def test_the_site_holds_only_the_mermaid_modules_of_its_diagram_types(site, build):
    static = site.outdir / "_static" / "mermaid"
    copied = {p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file()}
    loaders = diagrams.diagram_loaders(build)
    used = {loaders[t] for t in ("flowchart-v2", "classDiagram", "gantt")}
    assert copied == diagrams.needed_files(build, {"flowchart-v2", "classDiagram", "gantt"})
    assert used <= copied
    assert not (set(loaders.values()) - used) & copied  # no other type's loader module
    assert not any("mindmap" in name or "architecture" in name for name in copied)
    everything = diagrams.needed_files(build, None)
    assert len(copied) < len(everything) / 2, (len(copied), len(everything))
    size = sum((static / name).stat().st_size for name in copied)
    assert size <= SITE_COPY_BYTES, size


def test_every_module_a_copied_module_imports_is_copied_too(site, build):
    # A module's imports, static and dynamic, all resolve within the copy, except the entry's loaders of
    # diagram types the site has none of (mermaid fetches a loader only for a diagram of its type).
    root = site.outdir / "_static" / "mermaid"
    loaders = set(diagrams.diagram_loaders(build).values())
    for module in root.rglob("*.mjs"):
        text = module.read_text("utf-8")
        for spec in diagrams._STATIC_IMPORT.findall(text) + diagrams._DYNAMIC_IMPORT.findall(text):
            target = (module.parent / spec).resolve()
            name = target.relative_to(root.resolve()).as_posix()
            assert target.is_file() or (module.name == diagrams.ENTRY and name in loaders), (module, spec)


def test_an_unknown_diagram_type_or_build_of_mermaid_copies_every_module():
    everything = diagrams.needed_files(DIST, None)
    assert diagrams.ENTRY in everything and len(everything) > 100
    assert diagrams.needed_files(DIST, {"flowchart-v2", "a-type-mermaid-lacks"}) == everything


def test_a_rebuild_copies_a_new_diagram_types_modules_and_drops_them_with_it(tmp_path, build):
    src = copy(tmp_path, {})
    assert_clean(run_sphinx(src, tmp_path / "html"))
    static = tmp_path / "html" / "_static" / "mermaid"
    sequence = diagrams.diagram_loaders(build)["sequence"]
    assert not (static / sequence).exists()
    post = src / "posts" / "2024" / "talk.md"
    post.write_text(SEQUENCE, "utf-8")
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert (static / sequence).is_file()
    post.unlink()
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert not (static / sequence).exists() and (static / diagrams.ENTRY).is_file()
