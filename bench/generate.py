"""Generate a synthetic blog of N posts, and its plain-Sphinx twin.

The blog tree gets the real site's ``conf.py``, ``blogext/``, ``_templates/``,
``_static/`` and home/About pages, so building it measures the real machinery.
The plain tree has the same posts, the same theme and the same settings, but no
ABlog and no ``blogext``: the baseline every blog timing is compared with.

Posts are deterministic for a given N: front matter (date, tags, category,
description, author, some in a series with a part number), a title, an excerpt
paragraph, sections with prose, lists, a code block, an image and links to
earlier posts. Rich content, as real posts have it (``rich=True``, the default):

- **math** in one post in three: inline ``$...$`` and a display ``$$...$$``, and in
  every other one of those a numbered ``{math}`` directive that the text refers to
  (``{eq}``);
- a **mermaid diagram** (a ```` ```mermaid ```` fence) in one post in ten;
- one post in twenty is a **Jupyter notebook** (``.ipynb``) whose outputs are a
  stream, a table-like ``text/plain`` result and a small PNG image. In the blog it is a
  **frozen** one, as the author commits it: saved without outputs, which are in
  ``_freeze/<post>/`` (written by ``nox -s freeze``'s own code, :func:`freeze_notebook`,
  from the outputs, since the synthetic cells cannot run); the plain twin's notebook
  stores them, as myst-nb alone renders them. Nothing is executed by either build.

``rich=False`` writes the same posts without any of that (every post Markdown):
the benchmark builds it to report what math, diagrams and notebooks cost.

The twin has the blog's third-party extensions, and in place of each ``blogext``
feature the third-party part it builds on (see :data:`TWIN_EXTENSIONS`). Usable
as a script::

    python bench/generate.py 100 DEST      # DEST/blog and DEST/plain
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: What of the real site a synthetic blog takes over unchanged.
SITE_FILES = ("conf.py", "index.md")
SITE_DIRS = ("blogext", "blogcli", "_templates", "_static")

FIRST_DATE = dt.date(2016, 1, 4)
DAYS_BETWEEN_POSTS = 3
N_IMAGES = 4
#: One post in MATH_EVERY has math; one in DIAGRAM_EVERY a mermaid diagram; one in NOTEBOOK_EVERY
#: is a notebook (at an offset each, so that the three mix: see :func:`Post`).
MATH_EVERY = 3
DIAGRAM_EVERY = 10
NOTEBOOK_EVERY = 20

TAGS = [
    "Python",
    "Git",
    "MLOps",
    "Docker",
    "Kubernetes",
    "Testing",
    "CI",
    "Data Science",
    "Pandas",
    "NumPy",
    "PyTorch",
    "scikit-learn",
    "Feature Stores",
    "Monitoring",
    "Airflow",
    "SQL",
    "Cloud",
    "AWS",
    "Azure",
    "Career",
    "Mentoring",
    "Packaging",
    "Type Hints",
    "Performance",
    "Linux",
    "Shell",
    "Notebooks",
    "Experiment Tracking",
    "Model Serving",
    "Security",
    "Documentation",
    "Version Control",
    "APIs",
    "Data Quality",
    "Statistics",
    "Visualisation",
    "Refactoring",
    "Code Review",
    "Interviews",
    "Teaching",
]
CATEGORIES = ["Tutorials", "Career", "MLOps", "Tooling", "Notes", "Opinion", "Data", "Reviews"]
SERIES = [f"series-{i:02d}" for i in range(1, 41)]
WORDS = (
    "model data pipeline feature training deploy registry container version commit branch merge review "
    "test fixture coverage metric drift latency batch stream schema table query index cache cluster node "
    "service endpoint request response token secret config environment package dependency release tag "
    "notebook experiment baseline gradient loss epoch tensor vector matrix sample split label bias "
    "variance engineer team project sprint ticket incident alert dashboard log trace budget cost quality "
    "the a of to and in for with on is that it as we this you can be from by at not are but or when then "
    "which will more also how why what each every some most first last next good simple small large fast"
).split()
TITLE_WORDS = (
    "Shipping Models Faster Honest Testing Pipelines Practical Guide Notes Lessons Learned Taming Drift "
    "Reproducible Experiments Clean Data Versioning Everything Small Steps Debugging Training Serving "
    "Scaling Inference Friendly Packaging Better Reviews Monitoring Production Surviving Incidents"
).split()


@dataclass(frozen=True)
class Post:
    """One synthetic post: where it goes and what it says."""

    index: int
    date: dt.date
    slug: str
    title: str
    tags: tuple[str, ...]
    category: str
    series: str | None
    part: int | None
    #: Whether the post has math, a diagram, or is a notebook (all False in a blog without rich posts).
    math: bool = False
    diagram: bool = False
    notebook: bool = False

    @property
    def suffix(self) -> str:
        return ".ipynb" if self.notebook else ".md"

    @property
    def path(self) -> str:
        return f"posts/{self.date.year}/{self.slug}{self.suffix}"


def plan_posts(n: int, seed: int = 7, *, rich: bool = True) -> list[Post]:
    """The N posts of a synthetic blog, oldest first; the same N always gives the same posts.

    *rich* False: the same posts, with no math, diagram or notebook."""
    rng = random.Random(seed)
    posts = []
    series_left: list[tuple[str, int]] = []  # (series slug, next part) still being written
    next_series = 0
    for i in range(n):
        date = FIRST_DATE + dt.timedelta(days=i * DAYS_BETWEEN_POSTS)
        title = " ".join(rng.sample(TITLE_WORDS, 3)) + f" {i + 1}"
        series = part = None
        # About one post in five belongs to a series of four parts.
        if series_left and rng.random() < 0.5:
            series, part = series_left.pop(0)
            if part < 4:
                series_left.append((series, part + 1))
        elif rng.random() < 0.08 and next_series < len(SERIES):
            series, part = SERIES[next_series], 1
            next_series += 1
            series_left.append((series, 2))
        posts.append(
            Post(
                index=i,
                date=date,
                slug=f"post-{i + 1:04d}",
                title=title,
                tags=tuple(rng.sample(TAGS, rng.randint(2, 5))),
                category=rng.choice(CATEGORIES),
                series=series,
                part=part,
                math=rich and i % MATH_EVERY == 0,
                diagram=rich and i % DIAGRAM_EVERY == 5,
                notebook=rich and i % NOTEBOOK_EVERY == 10,
            )
        )
    return posts


def _sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def post_source(post: Post, earlier: list[Post], *, extra_front_matter: str = "", body_note: str = "") -> str:
    """The Markdown source of *post*; *earlier* are posts it may link to."""
    rng = random.Random(post.index * 7919 + 1)
    tags = ", ".join(post.tags)
    front = [
        "---",
        f"date: {post.date.isoformat()}",
        f"tags: [{tags}]",
        f"category: {post.category}",
        f"description: {_sentence(rng, 8, 14)}",
        "author: shruti",
    ]
    if post.series:
        front += [f"series: {post.series}", f"part: {post.part}"]
    front += [line for line in extra_front_matter.splitlines() if line]
    front.append("---")
    excerpt = (
        f"{_paragraph(rng, 3)} It uses `{rng.choice(WORDS)}_{rng.choice(WORDS)}()` and *{rng.choice(WORDS)}*."
    )
    lines = [*front, "", f"# {post.title}", "", excerpt, ""]
    for section in range(3):
        lines += [f"## {' '.join(rng.sample(TITLE_WORDS, 2))} {section + 1}", ""]
        lines += [_paragraph(rng, rng.randint(3, 6)), ""]
        if section == 0:
            lines += [f"- {_sentence(rng, 4, 9)}" for _ in range(4)] + [""]
            lines += ["```python", f"def {rng.choice(WORDS)}_step(batch, config):"]
            lines += [f"    {rng.choice(WORDS)} = batch[{j}] * config.{rng.choice(WORDS)}" for j in range(6)]
            lines += ["    return batch", "```", ""]
        if section == 1:
            image = post.index % N_IMAGES
            lines += [f"![Diagram {image}](../../images/diagram-{image}.png)", ""]
            if earlier:
                other = earlier[rng.randrange(len(earlier))]
                lines += [f"This follows on from [an earlier post]({_link(other)}).", ""]
        if section == 1 and post.math:
            lines += _math(post)
        if section == 2 and post.diagram:
            lines += _diagram(rng)
        lines += [_paragraph(rng, rng.randint(2, 5)), ""]
    if body_note:
        lines += [body_note, ""]
    return "\n".join(lines)


def _link(other: Post) -> str:
    """A relative link from a post to *other*, by its source file."""
    return f"../{other.date.year}/{other.slug}{other.suffix}"


def _math(post: Post) -> list[str]:
    """Inline and display math; every other math post also a numbered equation it refers to."""
    k = post.index % 7 + 2
    lines = [
        f"The loss is $\\mathcal{{L}} = -\\sum_{{c=1}}^{{{k}}} y_c \\log p_c$, minimised over "
        f"$\\theta \\in \\mathbb{{R}}^{{{k}}}$ with step $\\eta = 10^{{-{k}}}$.",
        "",
        "$$",
        f"\\operatorname{{softmax}}(z)_i = \\frac{{e^{{z_i}}}}{{\\sum_{{j=1}}^{{{k}}} e^{{z_j}}}}",
        "$$",
        "",
    ]
    if post.index % (2 * MATH_EVERY) == 0:
        label = f"eq-update-{post.index + 1}"
        lines += [
            "```{math}",
            f":label: {label}",
            f"\\theta_{{t+1}} = \\theta_t - \\eta \\nabla_\\theta \\mathcal{{L}}(\\theta_t)"
            f" + {k}\\lambda \\theta_t",
            "```",
            "",
            f"Equation {{eq}}`{label}` is the update with weight decay.",
            "",
        ]
    return lines


def _diagram(rng: random.Random) -> list[str]:
    """A mermaid flowchart, as a fence (``myst_fence_as_directive`` makes it a diagram)."""
    steps = rng.sample(TITLE_WORDS, 4)
    return [
        "```mermaid",
        "flowchart LR",
        *(f"  s{i}[{a}] --> s{i + 1}[{b}]" for i, (a, b) in enumerate(zip(steps, steps[1:], strict=False))),
        "```",
        "",
    ]


def notebook_source(post: Post, earlier: list[Post], *, plain: bool = False) -> str:
    """The ``.ipynb`` of a notebook post: front matter as its metadata, the title in its first cell, and
    stored outputs (a stream, a text result and a small PNG); the same words as a Markdown post."""
    rng = random.Random(post.index * 7919 + 1)
    meta: dict = {
        "date": post.date.isoformat(),
        "tags": list(post.tags),
        "category": post.category,
        "description": _sentence(rng, 8, 14),
        "author": "shruti",
    }
    if post.series:
        meta.update(series=post.series, part=post.part)
    if plain:
        meta["orphan"] = True
    meta["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    meta["language_info"] = {"name": "python"}
    excerpt = f"{_paragraph(rng, 3)} It uses `{rng.choice(WORDS)}_{rng.choice(WORDS)}()`."

    def markdown(text: str) -> dict:
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text: str, outputs: list[dict], count: int) -> dict:
        return {
            "cell_type": "code",
            "execution_count": count,
            "metadata": {},
            "outputs": outputs,
            "source": text,
        }

    png = base64.b64encode(_png(48, 24, (30, 110 + post.index % 100, 160))).decode("ascii")
    other = earlier[rng.randrange(len(earlier))] if earlier else None
    cells = [
        markdown(f"# {post.title}\n\n{excerpt}"),
        markdown(f"## {' '.join(rng.sample(TITLE_WORDS, 2))} 1\n\n{_paragraph(rng, 4)}"),
        code(
            f"losses = [1 / (epoch + 1) for epoch in range({post.index % 9 + 3})]\nprint(losses[-1])",
            [{"output_type": "stream", "name": "stdout", "text": f"{1 / (post.index % 9 + 3):.4f}\n"}],
            1,
        ),
        code(
            "summary",
            [
                {
                    "output_type": "execute_result",
                    "execution_count": 2,
                    "metadata": {},
                    "data": {
                        "text/plain": "\n".join(f"{w:<12} {j:>4}" for j, w in enumerate(rng.sample(WORDS, 4)))
                    },
                }
            ],
            2,
        ),
        markdown(f"## {' '.join(rng.sample(TITLE_WORDS, 2))} 2\n\n{_paragraph(rng, 3)}"),
        code(
            "plot(losses)",
            [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": png, "text/plain": "<Figure>"},
                }
            ],
            3,
        ),
        markdown(
            _paragraph(rng, 3)
            + (f"\n\nThis follows on from [an earlier post]({_link(other)})." if other else "")
        ),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number + 1}"
    notebook = {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


#: The record of every synthetic freeze (what ``nox -s freeze`` notes): fixed, the same each run.
FROZEN_RECORD = {"python": "3.12.7", "packages": {}}


def freeze_notebook(root: Path, path: str, source: str) -> str:
    """*source* (a notebook with stored outputs) as the author commits a frozen one: its outputs
    written under ``root/_freeze/`` by :func:`blogcli.freezenotebooks.write`, as ``nox -s freeze``
    writes them; returned without outputs, as it is saved."""
    import sys

    import nbformat

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from blogcli import freezenotebooks

    executed = nbformat.reads(source, as_version=4)
    bare = json.loads(source)
    for cell in bare["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    post = freezenotebooks.Post(path, path.rsplit(".", 1)[0], nbformat.from_dict(bare), {})
    record = {"executed": f"{executed.metadata['date']}T12:00:00Z", **FROZEN_RECORD}
    freezenotebooks.write(root, post, {"notebook": executed, "record": record})
    return json.dumps(bare, indent=1, ensure_ascii=False) + "\n"


def post_file(post: Post, earlier: list[Post], *, plain: bool, body_note: str = "") -> str:
    """The file of *post* as written: a notebook's JSON, or Markdown (the twin's posts orphans)."""
    if post.notebook:
        return notebook_source(post, earlier, plain=plain)
    return post_source(post, earlier, extra_front_matter="orphan: true" if plain else "", body_note=body_note)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid, tiny, single-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def write_posts(root: Path, posts: list[Post], *, plain: bool) -> None:
    """Write the posts (and their images) under *root*; the plain twin marks them orphan, as ABlog does."""
    images = root / "images"
    images.mkdir(parents=True, exist_ok=True)
    for i in range(N_IMAGES):
        (images / f"diagram-{i}.png").write_bytes(_png(64, 32, (40 * i, 120, 200 - 30 * i)))
    for post in posts:
        target = root / post.path
        target.parent.mkdir(parents=True, exist_ok=True)
        source = post_file(post, posts[: post.index], plain=plain)
        if post.notebook and not plain:
            source = freeze_notebook(root, post.path, source)
        target.write_text(source, encoding="utf-8")


#: What the plain twin has in place of each ``blogext`` module that wraps a third-party part: that part
#: on its own, with its defaults (None: Sphinx's own, built in). Every other ``blogext`` module and ABlog
#: are blog machinery, which the twin does without.
TWIN_EXTENSIONS: dict[str, str | None] = {
    # notebooks: myst-nb itself (nb_execution_mode "off" too, from conf.py)
    "blogext.markup.notebooks": "myst_nb",
    "blogext.markup.codefold": "myst_nb",  # folded notebook inputs: myst-nb's own fold (the same extension)
    # diagrams: sphinxcontrib-mermaid, mermaid from its CDN
    "blogext.markup.diagrams": "sphinxcontrib.mermaid",
    "blogext.markup.layout": "sphinx_design",  # cards, grids, tabs: sphinx-design
    "blogext.markup.citations": "sphinxcontrib.bibtex",  # citations: sphinxcontrib-bibtex (no .bib file)
    "blogext.markup.math": None,  # math: Sphinx's default renderer (MathJax); dollarmath/amsmath stay on
    "blogext.markup.codeblocks": None,  # code: Sphinx's own Pygments highlighting
    "blogext.outputs.search": None,  # search: Sphinx's own index (searchindex.js) and search page
}

PLAIN_CONF = '''"""Plain-Sphinx twin of the synthetic blog: the blog's own conf.py without the blog machinery.

The same theme, theme options, styles and extensions, less ABlog, blogext and the
site's own templates (which draw blog furniture): where the blog puts one of those,
the twin has the theme's default; where a blogext module wraps a third-party
extension (myst-nb, sphinxcontrib-mermaid, sphinx-design), the twin has that
extension on its own (bench.generate.TWIN_EXTENSIONS).
"""

from pathlib import Path

_here = Path(__file__).parent
exec(compile((_here / "blog_conf.py").read_text(encoding="utf-8"), "blog_conf.py", "exec"))

_own = {p.relative_to(_here / "_templates").as_posix() for p in (_here / "_templates").rglob("*.html")}


def _keep(value):
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item for item in value if item not in _own and not item.startswith("ablog/")]
    if isinstance(value, dict):
        return {key: _keep(item) for key, item in value.items()}
    return value


_twin = __TWIN__
extensions = [_twin.get(e, e) for e in extensions]
extensions = [e for e in extensions if e and e.split(".")[0] not in ("ablog", "blogext")]
bibtex_bibfiles = []  # blogext.markup.citations finds the .bib files; the synthetic posts cite nothing
# Sphinx's default, as a dict of this configuration's own: Sphinx adds myst-nb's suffixes to it in place,
# which would otherwise change the shared default of every later build in the same process.
source_suffix = {".rst": "restructuredtext"}
templates_path = []
html_theme_options = _keep(html_theme_options)
html_sidebars = _keep(html_sidebars)
for _name in ("notfound_template", "notfound_context"):
    globals().pop(_name, None)
'''


def plain_index(posts: list[Post]) -> str:
    """The plain twin's home page: links to the ten latest posts, where the blog's home page lists them."""
    latest = [f"- [{p.title}]({p.path})" for p in sorted(posts, key=lambda p: p.date, reverse=True)[:10]]
    return "\n".join(
        ["# Home", "", "## Latest posts", "", *latest, "", "```{toctree}", ":hidden:", "", "about", "```", ""]
    )


ABOUT = """# About

A synthetic blog for measuring build times: every post, tag and series here is made up.

This page stands in for the real About page, which links to the real posts.
"""


def write_series_pages(root: Path, posts: list[Post], *, plain: bool) -> None:
    """One page per series used by *posts*, ``series/<slug>.md``, as the series feature expects."""
    for slug in sorted({p.series for p in posts if p.series}):
        rng = random.Random(slug)
        target = root / "series" / f"{slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        front = "---\norphan: true\n---\n\n" if plain else ""
        title = " ".join(rng.sample(TITLE_WORDS, 3))
        target.write_text(
            f"{front}# {title}\n\n{_paragraph(rng, 2)}\n\n{_paragraph(rng, 3)}\n", encoding="utf-8"
        )


def mermaid_dist(site: Path) -> Path | None:
    """The site's copy of mermaid (``npm ci --omit=dev``), which the blog's diagrams need, if any."""
    dist = site / "node_modules" / "mermaid" / "dist"
    return dist if dist.is_dir() else None


def generate(n: int, dest: Path, site: Path = REPO, *, rich: bool = True) -> tuple[Path, Path]:
    """Write ``dest/blog`` (the machinery of *site*) and ``dest/plain`` (plain Sphinx) with N posts.

    *rich*: with math, diagrams and notebooks (see the module); the blog's diagrams need mermaid's
    files, from the site's ``node_modules`` (linked into the blog's tree)."""
    posts = plan_posts(n, rich=rich)
    if any(p.diagram for p in posts):
        dist = mermaid_dist(site)
        if dist is None:
            raise SystemExit(
                f"the synthetic posts have mermaid diagrams, which need mermaid's files: run "
                f"`npm ci --omit=dev` in {site} first"
            )
    with_series = "blogext.pages.series" in (site / "conf.py").read_text(encoding="utf-8")
    blog, plain = dest / "blog", dest / "plain"
    for tree in (blog, plain):
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        for name in SITE_DIRS:
            if (site / name).is_dir():
                shutil.copytree(site / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        for name in SITE_FILES:
            shutil.copy2(site / name, tree / name)
        (tree / "about.md").write_text(ABOUT, encoding="utf-8")
    write_posts(blog, posts, plain=False)
    write_posts(plain, posts, plain=True)
    if with_series:  # the site has the series feature: each series gets its page
        write_series_pages(blog, posts, plain=False)
        write_series_pages(plain, posts, plain=True)
    if (site / "node_modules").is_dir():
        # The site's npm packages, as `npm ci` leaves them beside conf.py: mermaid (diagrams, checked by its
        # parser and served) and KaTeX (math), with what they need.
        (blog / "node_modules").symlink_to((site / "node_modules").resolve(), target_is_directory=True)
    (plain / "conf.py").rename(plain / "blog_conf.py")
    (plain / "conf.py").write_text(PLAIN_CONF.replace("__TWIN__", repr(TWIN_EXTENSIONS)), encoding="utf-8")
    shutil.rmtree(plain / "blogext")
    shutil.rmtree(plain / "blogcli")
    (plain / "index.md").write_text(plain_index(posts), encoding="utf-8")
    return blog, plain


def new_post(n: int, *, plain: bool = False, rich: bool = True) -> tuple[str, str]:
    """A post to add to an N-post blog: its path and source, newer than every other post."""
    posts = plan_posts(n + 1, rich=rich)
    post = posts[-1]
    return post.path, post_file(post, posts[:-1], plain=plain)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("dest", type=Path, help="folder to write blog/ and plain/ into")
    parser.add_argument("--site", type=Path, default=REPO, help="the site whose conf.py and blogext to use")
    parser.add_argument("--no-rich", action="store_true", help="no math, diagrams or notebooks")
    args = parser.parse_args(argv)
    blog, plain = generate(args.n, args.dest, args.site, rich=not args.no_rich)
    print(f"{args.n} posts: {blog} and {plain}")


if __name__ == "__main__":
    main()
