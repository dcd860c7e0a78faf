"""The benchmark (``nox -s bench``): its synthetic blog builds strictly, and its harness prints the table."""

from __future__ import annotations

import re
import sys

from checkers import blog_modules
from conftest import REPO, assert_clean, run_sphinx

sys.path.insert(0, str(REPO))

from bench import generate, run  # noqa: E402

#: Enough posts for each kind of rich content: math (posts 1, 4...), a diagram (6), a notebook (11).
RICH_N = 12


def test_generated_blog_and_plain_twin_build_strictly(tmp_path):
    blog, plain = generate.generate(RICH_N, tmp_path / "src")
    built = assert_clean(run_sphinx(blog, tmp_path / "blog"))
    assert len(built.files("posts/*/*/index.html")) == RICH_N
    assert (built.outdir / "blog/atom.xml").is_file()
    twin = assert_clean(run_sphinx(plain, tmp_path / "plain"))
    assert len(twin.files("posts/*/*/index.html")) == RICH_N
    assert not (twin.outdir / "blog").exists(), "the plain twin must not have the blog machinery"


def test_generated_posts_have_math_diagrams_and_notebooks_built_on_both_sites(tmp_path):
    posts = generate.plan_posts(RICH_N)
    math, diagram, notebook = (
        next(p for p in posts if getattr(p, kind)) for kind in ("math", "diagram", "notebook")
    )
    assert notebook.path.endswith(".ipynb")
    blog, plain = generate.generate(RICH_N, tmp_path / "src")
    for site, src in (("blog", blog), ("plain", plain)):
        built = assert_clean(run_sphinx(src, tmp_path / site))

        def page(post, built=built):
            return built.html(post.path.rsplit(".", 1)[0] + "/")

        article = page(math).find("article") or page(math)
        if site == "blog":  # MathML, made at build time
            assert article.find("math") is not None
        else:  # Sphinx's default: MathJax's markup
            assert article.find(class_="math") is not None
        assert page(diagram).find("pre", class_="mermaid") is not None
        images = [img["src"] for img in page(notebook).find_all("img")]
        assert any("_images/" in src for src in images), f"{site}: the notebook's stored PNG output"


def test_every_blogext_module_that_wraps_a_third_party_extension_has_its_part_in_the_twin():
    conf = (REPO / "conf.py").read_text("utf-8")
    wrapped = {}
    for path in blog_modules().values():
        module = ".".join(path.with_suffix("").relative_to(REPO).parts)
        if f'"{module}"' not in conf:
            continue
        for call in re.findall(r'setup_extension\("([\w.]+)"\)', path.read_text("utf-8")):
            if not call.startswith(("blogext", "ablog")) and f'"{call}"' not in conf:
                wrapped[module] = call
    assert wrapped, "the check must see the wrapped extensions"
    for module, extension in wrapped.items():
        assert generate.TWIN_EXTENSIONS.get(module) == extension, f"{module} wraps {extension}"


def test_the_plain_twin_conf_has_the_third_party_parts_and_no_blog_machinery(tmp_path):
    _blog, plain = generate.generate(3, tmp_path / "src")
    namespace = {"__file__": str(plain / "conf.py")}
    exec(compile((plain / "conf.py").read_text("utf-8"), "conf.py", "exec"), namespace)
    extensions = namespace["extensions"]
    for extension in ("myst_nb", "sphinxcontrib.mermaid", "sphinx_design", "sphinxcontrib.bibtex"):
        assert extension in extensions
    assert not [e for e in extensions if e.split(".")[0] in ("ablog", "blogext")]
    assert {"dollarmath", "amsmath"} <= set(namespace["myst_enable_extensions"])
    assert namespace["nb_execution_mode"] == "off"


def test_generated_posts_have_realistic_front_matter_code_and_an_image(tmp_path):
    posts = generate.plan_posts(50)
    assert len({p.date for p in posts}) == 50
    assert any(p.series for p in posts) and any(p.part and p.part > 1 for p in posts)
    source = generate.post_source(posts[10 - 1], posts[: 10 - 1])
    for piece in ("date: ", "tags: [", "category: ", "description: ", "```python", "![Diagram", "](../"):
        assert piece in source


def test_a_fair_share_of_generated_posts_is_rich_and_the_bare_blog_has_none():
    posts = generate.plan_posts(1000)
    assert 300 <= sum(p.math for p in posts) <= 350
    assert 90 <= sum(p.diagram for p in posts) <= 110
    assert 45 <= sum(p.notebook for p in posts) <= 55
    source = generate.post_source(next(p for p in posts if p.math), posts[:5])
    assert re.search(r"\$[^$\n]+\$", source) and "\n$$\n" in source
    assert "```{math}" in generate.post_source(posts[0], [])
    assert "```mermaid\nflowchart" in generate.post_source(next(p for p in posts if p.diagram), posts[:5])
    bare = generate.plan_posts(1000, rich=False)
    assert not any(p.math or p.diagram or p.notebook for p in bare)
    assert [p.title for p in bare] == [p.title for p in posts]
    assert "$" not in generate.post_source(bare[0], [])


def test_a_generated_notebook_has_stored_outputs_with_a_png(tmp_path):
    import json

    posts = generate.plan_posts(30)
    notebook = next(p for p in posts if p.notebook)
    data = json.loads(generate.notebook_source(notebook, posts[: notebook.index]))
    outputs = [o for cell in data["cells"] for o in cell.get("outputs", [])]
    assert {o["output_type"] for o in outputs} == {"stream", "execute_result", "display_data"}
    png = next(o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {}))
    import base64

    assert base64.b64decode(png).startswith(b"\x89PNG")
    assert data["metadata"]["date"] == notebook.date.isoformat()


def test_the_edited_post_is_markdown_in_both_blogs():
    for n in (3, 21, 1000):
        target = run._edit_target(n)
        assert target.endswith(".md")
        assert target in {p.path for p in generate.plan_posts(n, rich=False)}


def test_harness_prints_every_row_of_the_table_with_its_goal(tmp_path, capsys):
    text = run.main(["--sizes", "3", "--runs", "1", "--workdir", str(tmp_path)])
    for key, label in run.BUILDS:
        row = next(line for line in text.splitlines() if line.startswith(f"| 3 | {label} |"))
        assert f"≤ {run.GOALS[key]:g}×" in row and row.rstrip(" |").endswith(("yes", "no"))
    gain = next(line for line in text.splitlines() if "-j 2 / -j 1" in line)
    assert "≤ 0.8×" in gain
    memory = next(line for line in text.splitlines() if "peak memory" in line)
    assert "≤ 1.3×" in memory
    assert "CPU, blog / plain" in text and "| goal | met |" in text
    assert "| 3 | search: bytes for one query" in text
    assert "| 3 | Pagefind build time (in the full clean build) |" in text
    preview = next(line for line in text.splitlines() if line.startswith(f"| 3 | {run.PREVIEW_LABEL} |"))
    assert re.search(r"\| [\d.]+ s \| [\d.]+ s \| [\d.]+× \| \| ≤ 0.5 s \| (yes|no) \|$", preview), preview
    busy = next(line for line in text.splitlines() if line.startswith(f"| 3 | {run.PREVIEW_BUSY_LABEL} |"))
    assert re.search(r"\| [\d.]+ s \| [\d.]+ s \| [\d.]+× \| \| ≤ 1 s \| (yes|no) \|$", busy), busy
    search = next(line for line in text.splitlines() if line.startswith("| 3 | search: bytes for one query"))
    assert "≤ 250 KB" in search or "(no Chromium)" in search
    deploy = next(line for line in text.splitlines() if line.startswith(f"| 3 | {run.DEPLOY_LABEL} |"))
    assert re.search(r"\| [\d.]+ s \| \| [\d.]+× the blog's full clean build \([\d.]+ s\) \|", deploy), deploy
    # What math, diagrams and notebooks cost: the blog against itself without them.
    assert "math, diagrams and notebooks" in text
    for _key, label in run.RICH_COST_BUILDS:
        assert re.search(
            rf"\| 3 \| {re.escape(label)} \| [\d.]+ s \| [\d.]+ s \| [\d.]+× \| [+-][\d.]+ s \|", text
        )
    assert re.search(rf"\| 3 \| {re.escape(run.MATH_LABEL)} .* \| [\d.]+ ms an equation \|", text)
    assert re.search(rf"\| 3 \| {re.escape(run.DIAGRAM_LABEL)} .* \| [\d.]+ ms a diagram \|", text)
    assert text in capsys.readouterr().out


def test_the_performance_page_has_every_row_and_goal_of_the_harness():
    performance = (REPO / "docs" / "performance.md").read_text("utf-8")
    for key, label in run.BUILDS:
        assert re.search(rf"\| 1000 \| {re.escape(label)} \|.*≤ {run.GOALS[key]:g}×", performance), label
    assert "-j 2 / -j 1" in performance and "peak memory" in performance
    assert re.search(
        rf"\| 1000 \| {re.escape(run.PREVIEW_LABEL)} \|.*≤ {run.PREVIEW_GOAL_SECONDS:g} s", performance
    )
    assert re.search(
        rf"\| 1000 \| {re.escape(run.PREVIEW_BUSY_LABEL)} \|.*≤ {run.PREVIEW_BUSY_GOAL_SECONDS:g} s",
        performance,
    )
    assert re.search(rf"\| 1000 \| search: bytes for one query .*≤ {run.SEARCH_GOAL_KB} KB", performance)
    assert "math, diagrams and notebooks" in performance
    for label in (run.MATH_LABEL, run.DIAGRAM_LABEL):
        assert re.search(rf"\| 1000 \| {re.escape(label)} .*\| [\d.]+ ms an? \w+ \|", performance), label


class _RecordingSession:
    """What the noxfile's bench session uses of a nox session; records the commands it would run."""

    def __init__(self):
        self.posargs: list[str] = []
        self.commands: list[tuple[str, ...]] = []

    def install(self, *args: str) -> None:
        pass

    def run(self, *cmd: str, **kwargs) -> None:
        self.commands.append(cmd)

    def warn(self, *args) -> None:
        self.commands.append(("warned",))

    def chdir(self, folder):
        import contextlib

        return contextlib.nullcontext()


def test_nox_bench_installs_mermaid_for_the_synthetic_diagrams_before_running(tmp_path):
    import shutil

    from conftest import load_noxfile

    # A site whose own posts have no diagram, and no node_modules: the bench needs mermaid anyway.
    shutil.copy2(REPO / "noxfile.py", tmp_path / "noxfile.py")
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    noxfile = load_noxfile(tmp_path)
    session = _RecordingSession()
    noxfile.bench(session)
    if shutil.which("npm") is None:  # then the session says so, before the bench fails on a diagram
        npm = session.commands.index(("warned",))
    else:
        npm = next(i for i, cmd in enumerate(session.commands) if cmd[:2] == ("npm", "ci"))
        assert "--omit=dev" in session.commands[npm]
    bench = next(i for i, cmd in enumerate(session.commands) if any("run.py" in str(c) for c in cmd))
    assert npm < bench
