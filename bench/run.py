"""Benchmark: the blog against plain Sphinx with the same posts and theme, in one run.

For each size N it generates a synthetic blog (:mod:`bench.generate`) and its
plain-Sphinx twin, with the same posts: prose, code, images, links, series, and rich
content as real posts have it (math in one post in three, a mermaid diagram in one
in ten, and one in twenty a Jupyter notebook whose outputs, a PNG among them, the blog
renders from ``_freeze/`` as an author commits them, and the twin from the notebook).
The twin has no ABlog and no ``blogext``; in place of each ``blogext`` module that
wraps a third-party part, it has that part on its own
(:data:`bench.generate.TWIN_EXTENSIONS`):

- notebooks (``blogext.markup.notebooks``, frozen ones, :mod:`blogext.markup.freeze`): myst-nb itself, the
  outputs stored in the notebook, nothing executed either;
- math (``blogext.markup.math``, drawn by KaTeX at build time): Sphinx's default renderer
  (MathJax, loaded by the reader's browser), with the same ``dollarmath`` and
  ``amsmath`` MyST extensions;
- diagrams (``blogext.markup.diagrams``, mermaid copied into the site):
  sphinxcontrib-mermaid with its default (mermaid from its CDN);
- cards, grids and tabs (``blogext.markup.layout``): sphinx-design;
- citations (``blogext.markup.citations``): sphinxcontrib-bibtex (the posts cite nothing);
- code (``blogext.markup.codeblocks``): Sphinx's own Pygments highlighting;
- search (``blogext.outputs.search``, Pagefind): Sphinx's own index and search page;
- every other ``blogext`` module (post furniture, archives, feeds, series, share
  cards, sitemap...) and ABlog: nothing (the theme's defaults).

Then, for several runs, it builds both the way ``nox -s build``
does (``dirhtml``, ``-W --keep-going -n``) and times:

- a full clean build, and a full clean build with ``-j 2``;
- a rebuild with nothing changed, and a rebuild after editing one post's body,
  each three times per run (they take seconds, so load on the machine moves them
  most);
- a rebuild after adding one new post;
- a deploy after one new post, as the Pages workflow makes it (:mod:`bench.deploy`): from a fresh
  clone (every file with a new time) with the last deploy's cache restored, against the blog's own
  full clean build (what every deploy cost before the cache);

and the peak memory (max RSS) of the clean build, and for each site the time of
its ``-j 2`` clean build over its ``-j 1`` one (the median of the runs' ratios).
Each row has its goal at 1,000 posts (:data:`GOALS`) and whether this run met it;
so do the live preview's rows (from saving a body edit to the page served with it, on a quiet
machine and with the other core kept busy, :mod:`bench.preview`) and the search row.

What math, diagrams and notebooks cost the build: a third tree, the same synthetic
blog without them (every post Markdown, no math, no diagram), is built clean and
rebuilt after the same edits, each build right after the blog's, and a second table
shows both and their ratio (``--no-rich-cost`` skips it), and what one equation costs:
:data:`MATH_SAMPLE` equations like the posts' drawn by KaTeX through one Node process,
as a build draws the equations its cache lacks (the time to start it apart). For search, after each run's
clean build: the bytes a reader downloads for one query (:data:`SEARCH_QUERY`),
served gzipped as GitHub Pages serves it, in Chromium: on the blog, the search
dialog opened on a post (Pagefind's script and the index fragments the query
needs); on plain Sphinx, its search page (scripts, ``searchindex.js`` and the
pages it fetches for the summaries); and the time to index the blog's clean build
(Pagefind on each part of the index and the parts merged, as ``blogext.outputs.search``
makes it, timed on its own in a fresh process) and to index it again after one page's
edit (its part indexed again, the parts merged); and the bytes of mermaid (gzipped) a post with a
diagram fetches in Chromium once the reader scrolls to it. Every measurement runs
``sphinx-build`` as the child of a fresh Python process, which reports the
wall time and ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of that one child.
The two sites are built side by side, each build of one right after the same
build of the other (which one goes first alternates between runs), so both
builds of a pair see the same load on a shared machine. The table shows median
times, and the ratio blog/plain as the median of the pairs' ratios::

    python bench/run.py --sizes 100 500 1000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import deploy  # noqa: E402
from bench.generate import REPO, freeze_notebook, generate, new_post, plan_posts  # noqa: E402
from bench.preview import time_preview  # noqa: E402
from blogext.markup.diagrams import parse as parse_diagrams  # noqa: E402
from blogext.markup.math import draw as draw_math  # noqa: E402

STRICT = ["-W", "--keep-going", "-n"]
SITES = ("blog", "plain")
#: The blog without math, diagrams or notebooks: what they cost (built clean and after the edits only).
BARE = "bare"
#: (key, label) of each timed build, in table order.
BUILDS = [
    ("clean", "full clean build"),
    ("clean_j2", "full clean build, -j 2"),
    ("nochange", "rebuild, nothing changed"),
    ("edit", "rebuild, one post's body edited"),
    ("add", "rebuild, one post added"),
]
#: The preview row's label: the blog's kept-alive preview, against plain Sphinx's rebuild after an edit.
PREVIEW_LABEL = "preview: a body edit saved, to the page served with it (plain: the rebuild)"
PREVIEW_BUSY_LABEL = "preview, with the other core busy (plain: the rebuild)"
#: The deploy row's label (:mod:`bench.deploy`): the blog only, against its own full clean build.
DEPLOY_LABEL = "deploy after one new post (fresh clone, cache restored)"
#: The builds the bare blog makes, for the cost of rich posts.
RICH_COST_BUILDS = [("clean", "full clean build"), ("edit", "rebuild, one post's body edited")]
#: How many equations the math cost row draws (each distinct, as the synthetic posts' are).
MATH_SAMPLE = 300
#: How many diagrams the diagram cost row has mermaid's parser check (each distinct, like the posts').
DIAGRAM_SAMPLE = 100
#: The labels of the math and diagram cost rows (``docs/performance.md`` lists both).
MATH_LABEL = "math: KaTeX, one Node process a build"
DIAGRAM_LABEL = "diagrams: mermaid's parser checks each, one Node process a build"
#: The label of the row of what a post with a diagram fetches of mermaid (the blog only: plain Sphinx's
#: comes from mermaid's CDN, which the benchmark does not reach).
DIAGRAM_PAGE_LABEL = "diagrams: mermaid's files a post with one flowchart fetches as it is drawn, gzipped"
#: The goal of each row at 1,000 posts: the most the ratio (blog / plain, or -j 2 / -j 1) may be.
GOALS = {
    "clean": 1.2,
    "clean_j2": 1.2,
    "nochange": 1.2,
    "edit": 1.3,
    "add": 1.5,
    "j2_over_j1": 0.8,
    "memory": 1.3,
}
#: The preview's goal, in seconds (not a ratio): from saving an edit to the page served with it.
PREVIEW_GOAL_SECONDS = 0.5
#: The same with another core busy (on 2 cores, the preview has one): its own goal.
PREVIEW_BUSY_GOAL_SECONDS = 1.0
#: What a reader downloads for one search query at 1,000 posts, gzipped: the goal.
SEARCH_GOAL_KB = 250

#: Runs a command as this process's only child; prints its wall time and peak RSS as JSON.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "maxrss_kb": usage.ru_maxrss, "returncode": proc.returncode,
                  "stderr": proc.stderr[-4000:]}))
"""


#: The query of the search measurement: a word of many posts' bodies and titles, and a rarer one.
SEARCH_QUERY = "reproducible drift"

#: Opens the built site (argv[1], served gzipped) in Chromium and searches for argv[3]: on the blog,
#: in the dialog of the post at argv[2]; on plain Sphinx (argv[4] == "plain"), on its search page.
#: Prints the bytes served from opening the search to the results (JSON), or null without Chromium.
#: The start of the scripts that time a page in Chromium: the tools folder (the last argument) on the
#: path, and "null" printed (nothing measured) without Playwright or Chromium.
_BROWSER_PRELUDE = """
import gzip, json, mimetypes, sys
from pathlib import Path
from urllib.parse import unquote, urlsplit
sys.path.insert(0, sys.argv[-1])
try:
    from playwright.sync_api import sync_playwright
    from siteserver import CHROMIUM, CHROMIUM_ARGS, COMPRESSIBLE, serve
except ImportError:
    print("null"); sys.exit(0)
if not Path(CHROMIUM).is_file():
    print("null"); sys.exit(0)
"""
_SEARCH = (
    _BROWSER_PRELUDE
    + """
site, post, query, kind, tools = sys.argv[1:6]

def served(path):
    target = Path(site) / unquote(urlsplit(path).path).lstrip("/")
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return 0
    data = target.read_bytes()
    kind_ = mimetypes.guess_type(str(target))[0] or ""
    return len(gzip.compress(data, 6)) if kind_.startswith(COMPRESSIBLE) else len(data)

def shown(check):
    # Polled from here: page.evaluate runs a function, which the page's policy allows, where some
    # Playwright versions' wait_for_function evaluates a string, which the policy refuses.
    for _ in range(600):
        if page.evaluate(check):
            return
        page.wait_for_timeout(100)
    raise TimeoutError(check)

with serve(Path(site), gzip=True) as server, sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    if kind == "plain":
        start = len(server.requests)
        page.goto(server.url + "search/?q=" + query.replace(" ", "+"), wait_until="networkidle")
        shown("() => (document.querySelector('#search-results .search-summary') || {}).textContent")
    else:
        page.goto(server.url + post, wait_until="networkidle")
        start = len(server.requests)
        page.keyboard.press("/")
        page.keyboard.type(query)
        shown("() => (document.querySelector('.blog-search-status') || {}).textContent")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    paths = [path for path, _status in server.requests[start:]]
    browser.close()
print(json.dumps(sum(served(path) for path in paths)))
"""
)

#: The bytes (gzipped, as hosts serve them) and number of mermaid's files a post with one diagram fetches
#: once the reader scrolls to it (argv: the built site, the post's path, the tools folder); ``null``
#: without Chromium.
_DIAGRAM_PAGE = (
    _BROWSER_PRELUDE
    + """
site, post, tools = sys.argv[1:4]
with serve(Path(site), gzip=True) as server, sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + post, wait_until="networkidle")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    drawn = "() => [...document.querySelectorAll('pre.mermaid')].every(p => p.dataset.theme)"
    for _ in range(300):  # polled: the pages' policy refuses a wait that evaluates a string
        if page.evaluate(drawn):
            break
        page.wait_for_timeout(100)
    page.wait_for_load_state("networkidle")
    files = {unquote(urlsplit(path).path) for path, _status in server.requests if "/_static/mermaid/" in path}
    browser.close()
sizes = [len(gzip.compress((Path(site) / f.lstrip("/")).read_bytes(), 6)) for f in files]
print(json.dumps([sum(sizes), len(sizes)]))
"""
)

#: Times the search index of blogext.outputs.searchindex (argv[1]: the site's root) on the built blog at
#: argv[2]: all of it, as a clean build makes it, and again after one page's edit (JSON, seconds).
_PAGEFIND = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from blogext.outputs import searchindex
print(json.dumps(searchindex.time_index(Path(sys.argv[2]))))
"""
#: The search index rows' labels.
PAGEFIND_LABEL = "Pagefind build time (in the full clean build)"
REINDEX_LABEL = "search index again after one page's edit (its part, then the parts merged)"


class BuildFailed(RuntimeError):
    """A benchmark build failed or warned: its numbers would mean nothing."""


@dataclass
class Measurement:
    seconds: float
    maxrss_kb: int
    #: CPU time (user and system): what the build itself cost, whatever else ran on the machine.
    cpu_seconds: float = 0.0


def measure(cmd: list[str], env: dict[str, str]) -> Measurement:
    """Run *cmd* in a fresh process and return its wall time and peak memory."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout)
    if result["returncode"] != 0 or "WARNING" in result["stderr"] or "ERROR" in result["stderr"]:
        raise BuildFailed(f"{' '.join(cmd)} failed:\n{result['stderr']}")
    return Measurement(result["seconds"], result["maxrss_kb"], result["cpu_seconds"])


@dataclass
class Site:
    """One of the two trees of a size, and where it is built."""

    name: str
    src: Path
    work: Path

    @property
    def outdir(self) -> Path:
        return self.work / f"out-{self.name}"

    @property
    def doctrees(self) -> Path:
        return self.work / f"doctrees-{self.name}"

    def command(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "dirhtml",
            *STRICT,
            "-q",
            "-d",
            str(self.doctrees),
            *extra,
            str(self.src),
            str(self.outdir),
        ]

    def clean(self) -> None:
        shutil.rmtree(self.outdir, ignore_errors=True)
        shutil.rmtree(self.doctrees, ignore_errors=True)


@dataclass
class Results:
    """Every measurement of one size: results[site][build] is a list, one per run."""

    n: int
    data: dict[str, dict[str, list[Measurement]]] = field(
        default_factory=lambda: {site: {key: [] for key, _ in BUILDS} for site in SITES}
    )
    #: Bytes served for one search query, per run (None: no Chromium to measure with).
    search_bytes: dict[str, list[int | None]] = field(default_factory=lambda: {site: [] for site in SITES})
    #: (gzipped bytes, files) of mermaid a post with one diagram fetches, per run (None: no Chromium).
    diagram_page: list[tuple[int, int] | None] = field(default_factory=list)
    #: Seconds to index the blog's clean build, per run.
    pagefind_seconds: list[float] = field(default_factory=list)
    #: Seconds to index it again after one page's edit, per run.
    reindex_seconds: list[float] = field(default_factory=list)
    #: The bare blog's builds (:data:`RICH_COST_BUILDS`), each right after the same build of the blog.
    bare: dict[str, list[Measurement]] = field(default_factory=lambda: {k: [] for k, _ in RICH_COST_BUILDS})
    #: The blog's builds each bare one was paired with.
    rich: dict[str, list[Measurement]] = field(default_factory=lambda: {k: [] for k, _ in RICH_COST_BUILDS})
    #: Seconds from saving a body edit to the preview serving the page with it, each edit of each run.
    preview_seconds: list[float] = field(default_factory=list)
    #: The same with another core kept busy by the benchmark (:class:`bench.preview.BusyCore`).
    preview_busy_seconds: list[float] = field(default_factory=list)
    #: Seconds of a deploy after one new post, from a fresh clone with the cache restored, per run.
    deploy_seconds: list[float] = field(default_factory=list)
    #: (seconds to start Node with KaTeX, milliseconds an equation), per run.
    math_cost: list[tuple[float, float]] = field(default_factory=list)
    #: (seconds to start Node with mermaid, milliseconds a diagram), per run.
    diagram_cost: list[tuple[float, float]] = field(default_factory=list)

    def median(self, site: str, build: str) -> float:
        return statistics.median(m.seconds for m in self.data[site][build])

    def ratio(self, build: str, measure: str = "seconds") -> float:
        """The median of blog/plain over the pairs of builds made one right after the other, of wall
        time (*measure* ``seconds``) or CPU time (``cpu_seconds``)."""
        pairs = zip(self.data["blog"][build], self.data["plain"][build], strict=True)
        return statistics.median(getattr(blog, measure) / getattr(plain, measure) for blog, plain in pairs)

    def parallel_gain(self, site: str) -> float:
        """The median over runs of the -j 2 clean build's time over the -j 1 one's, of *site*."""
        pairs = zip(self.data[site]["clean_j2"], self.data[site]["clean"], strict=True)
        return statistics.median(j2.seconds / j1.seconds for j2, j1 in pairs)

    def rich_ratio(self, build: str) -> float:
        """The median of rich blog / bare blog over the pairs of *build*."""
        pairs = zip(self.rich[build], self.bare[build], strict=True)
        return statistics.median(rich.seconds / bare.seconds for rich, bare in pairs)

    def search_kb(self, site: str) -> float | None:
        sizes = [size for size in self.search_bytes[site] if size is not None]
        return statistics.median(sizes) / 1024 if sizes else None

    def peak_mb(self, site: str) -> float:
        return statistics.median(m.maxrss_kb for m in self.data[site]["clean"]) / 1024


def _edit_target(n: int) -> str:
    """The post whose body the edit benchmark changes: a Markdown post in the middle of the blog (the
    same file in the blog without rich posts)."""
    posts = plan_posts(n)
    return next(p.path for p in posts[n // 2 :] + posts[: n // 2] if not p.notebook)


#: Rebuilds take a few seconds, so a stray load on the machine moves them most: each run measures
#: them this many times (each edit a different one).
REBUILD_REPEATS = 3
#: The last edit of each run adds this many five-word sentences: more than the blog reads in a
#: minute (``blogext_words_per_minute``, 230), so the post's reading time, on every card, changes.
LONG_EDIT_SENTENCES = 60


def measure_search(sites: dict[str, Site], n: int, results: Results) -> None:
    """After a clean build: the bytes of one search on both sites, and Pagefind's time on the blog."""
    post = plan_posts(n)[n // 2].path.removesuffix(".md") + "/"
    tools = str(REPO / "tools")
    for site in sites.values():
        out = subprocess.run(
            [sys.executable, "-c", _SEARCH, str(site.outdir), post, SEARCH_QUERY, site.name, tools],
            capture_output=True,
            text=True,
            check=True,
        )
        results.search_bytes[site.name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    blog = sites["blog"]
    with_diagram = next((p for p in plan_posts(n) if p.diagram and not p.notebook), None)
    if with_diagram is not None:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                _DIAGRAM_PAGE,
                str(blog.outdir),
                with_diagram.path.removesuffix(".md") + "/",
                tools,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        results.diagram_page.append(tuple(measured) if measured else None)
    out = subprocess.run(
        [sys.executable, "-c", _PAGEFIND, str(blog.src), str(blog.outdir)],
        capture_output=True,
        text=True,
        check=True,
    )
    clean, edit = json.loads(out.stdout.strip().splitlines()[-1])
    results.pagefind_seconds.append(clean)
    results.reindex_seconds.append(edit)


def run_once(
    sites: dict[str, Site], n: int, run: int, env: dict[str, str], results: Results, bare: Site | None = None
) -> None:
    """Every timed build of both sites, once (the rebuilds :data:`REBUILD_REPEATS` times, the last
    edit a long one), into *results*; leaves the sources as they were.

    The two sites go through the same steps side by side, each build of one right after the same
    build of the other (which goes first alternates between runs), so that both builds of a pair see
    the same load on a shared machine: the table's ratios are medians over those pairs.
    """
    order = [sites[name] for name in (SITES if run % 2 == 0 else SITES[::-1])]

    def both(key: str, prepare=None, *extra: str) -> None:
        for site in order:
            if prepare is not None:
                prepare(site)
            results.data[site.name][key].append(measure(site.command(*extra), env))
        if bare is not None and key in results.bare and not extra:  # the same build without rich posts
            if prepare is not None:
                prepare(bare)
            results.bare[key].append(measure(bare.command(), env))
            results.rich[key].append(results.data["blog"][key][-1])

    everyone = [*order, bare] if bare is not None else order
    edited = {site.name: site.src / _edit_target(n) for site in everyone}
    originals = {name: path.read_text(encoding="utf-8") for name, path in edited.items()}
    added = {site.name: (site.src, *new_post(n, plain=site.name == "plain")) for site in order}

    def add(site: Site) -> None:
        src, path, source = added[site.name]
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        if path.endswith(".ipynb") and site.name == "blog":  # a frozen notebook, as committed
            source = freeze_notebook(src, path, source)
        (src / path).write_text(source, encoding="utf-8")

    def as_generated() -> None:
        for name, path in edited.items():
            path.write_text(originals[name], encoding="utf-8")
        for src, path, _source in added.values():
            (src / path).unlink(missing_ok=True)
            shutil.rmtree(src / "_freeze" / path.rsplit(".", 1)[0], ignore_errors=True)

    blog = sites["blog"]
    try:
        both("clean_j2", Site.clean, "-j", "2")
        both("clean", Site.clean)
        kept = deploy.keep(blog.src, blog.outdir, blog.doctrees, blog.work)  # the last deploy's cache
        measure_search(sites, n, results)
        for _ in range(REBUILD_REPEATS):
            both("nochange")
        for repeat in range(REBUILD_REPEATS):
            edit = f"\nAn edit made by benchmark run {run}, {repeat + 1}.\n"
            if repeat == REBUILD_REPEATS - 1:  # a longer one: the post's reading time changes too
                edit += "\n" + " ".join(["More words for the reader."] * LONG_EDIT_SENTENCES) + "\n"
            both(
                "edit",
                lambda site, edit=edit: edited[site.name].write_text(originals[site.name] + edit, "utf-8"),
            )

        both("add", add)
        targets = [_edit_target(n)] * REBUILD_REPEATS
        # From the blog's last build: the preview's first build only brings it up to date. Without
        # drafts among the synthetic posts, the preview (BLOG_PREVIEW=1) would build the same pages
        # but read them all again, since the setting changed.
        preview_env = {**env, "BLOG_PREVIEW": "0"}
        folders = {"out": blog.outdir, "doctrees": blog.doctrees}
        _first, seconds = time_preview(blog.src, blog.work, targets, preview_env, **folders)
        results.preview_seconds += seconds
        _first, seconds = time_preview(blog.src, blog.work, targets, preview_env, busy=True, **folders)
        results.preview_busy_seconds += seconds
        as_generated()  # the sources the kept build was made from, then the same post added
        results.deploy_seconds.append(
            deploy.time_deploy(
                blog.src,
                blog.outdir,
                blog.doctrees,
                kept,
                lambda: add(blog),
                lambda: measure(blog.command(), env).seconds,
            )
        )
    finally:
        as_generated()


def bench_size(
    n: int, runs: int, workdir: Path, site_root: Path, log=print, rich_cost: bool = True
) -> Results:
    """Generate the N-post blog and its twin, and measure both *runs* times (and the blog without rich
    posts, if *rich_cost*)."""
    work = workdir / f"n{n}"
    blog_src, plain_src = generate(n, work / "src", site_root)
    sites = {"blog": Site("blog", blog_src, work), "plain": Site("plain", plain_src, work)}
    bare = None
    if rich_cost:
        bare_src, _plain = generate(n, work / "src-bare", site_root, rich=False)
        shutil.rmtree(_plain)
        bare = Site(BARE, bare_src, work)
    env = {k: v for k, v in os.environ.items() if k not in ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL")}
    env["PYTHONHASHSEED"] = "0"
    results = Results(n)
    for run in range(runs):
        log(f"N={n} run {run + 1}/{runs} ...")
        run_once(sites, n, run, env, results, bare)
        if rich_cost:
            results.math_cost.append(measure_math())
            results.diagram_cost.append(measure_diagrams())
    return results


def measure_math(count: int = MATH_SAMPLE) -> tuple[float, float]:
    """(seconds to start Node and KaTeX, milliseconds an equation) for *count* equations like the posts'."""
    pieces = [
        (f"\\operatorname{{softmax}}(z)_i = \\frac{{e^{{z_i}}}}{{\\sum_{{j=1}}^{{{i}}} e^{{z_j}}}}", True)
        for i in range(count)
    ]
    start = time.perf_counter()
    draw_math([("x", False)])
    startup = time.perf_counter() - start
    start = time.perf_counter()
    draw_math(pieces)
    return startup, (time.perf_counter() - start - startup) / count * 1000


def measure_diagrams(count: int = DIAGRAM_SAMPLE) -> tuple[float, float]:
    """(seconds to start Node and mermaid, milliseconds a diagram) for *count* flowcharts like the posts'
    checked by mermaid's parser, as ``blogext.markup.diagrams`` checks every diagram at build time."""
    dist = REPO / "node_modules" / "mermaid" / "dist"
    sources = [
        f"flowchart LR\n  s{i}[step {i}] --> t{i}[next {i}]\n  t{i} --> u{i}[last]" for i in range(count)
    ]
    start = time.perf_counter()
    parse_diagrams(["flowchart LR\n  a --> b"], dist)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    parse_diagrams(sources, dist)
    return startup, (time.perf_counter() - start - startup) / count * 1000


def _goal(key: str, value: float) -> tuple[str, str]:
    """The goal column and whether *value* meets it."""
    goal = GOALS[key]
    return f"≤ {goal:g}×", "yes" if value <= goal else "no"


def table(all_results: list[Results], runs: int) -> str:
    """The results as a Markdown table: median wall times, and the median ratio blog/plain of the
    pairs, of wall time and of CPU time (user and system), each with its goal (at 1,000 posts) and
    whether it is met; then the search rows, and the cost of math, diagrams and notebooks."""
    runs_text = f"{runs} run{'s' if runs != 1 else ''}"
    lines = [
        f"| posts | build (median; {runs_text}) | blog | plain Sphinx | blog / plain | CPU, blog / plain "
        "| goal | met |",
        "|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for res in all_results:
        for key, label in BUILDS:
            blog, plain = res.median("blog", key), res.median("plain", key)
            ratio = res.ratio(key)
            lines.append(
                f"| {res.n} | {label} | {blog:.2f} s | {plain:.2f} s | {ratio:.2f}× "
                f"| {res.ratio(key, 'cpu_seconds'):.2f}× | {' | '.join(_goal(key, ratio))} |"
            )
        previews = (
            (PREVIEW_LABEL, res.preview_seconds, PREVIEW_GOAL_SECONDS),
            (PREVIEW_BUSY_LABEL, res.preview_busy_seconds, PREVIEW_BUSY_GOAL_SECONDS),
        )
        for label, seconds, goal in previews:
            if seconds:
                preview, plain = statistics.median(seconds), res.median("plain", "edit")
                lines.append(
                    f"| {res.n} | {label} | {preview:.2f} s | {plain:.2f} s | {preview / plain:.2f}× | "
                    f"| ≤ {goal:g} s | {'yes' if preview <= goal else 'no'} |"
                )
        if res.deploy_seconds:
            seconds, clean = statistics.median(res.deploy_seconds), res.median("blog", "clean")
            lines.append(
                f"| {res.n} | {DEPLOY_LABEL} | {seconds:.2f} s | | {seconds / clean:.2f}× the blog's full "
                f"clean build ({clean:.2f} s) | | | |"
            )
        gain, plain_gain = res.parallel_gain("blog"), res.parallel_gain("plain")
        lines.append(
            f"| {res.n} | -j 2 / -j 1, full clean build (each site) | {gain:.2f}× | {plain_gain:.2f}× | | "
            f"| {' | '.join(_goal('j2_over_j1', gain))} (blog) |"
        )
        blog_mb, plain_mb = res.peak_mb("blog"), res.peak_mb("plain")
        lines.append(
            f"| {res.n} | peak memory (max RSS), full clean build | {blog_mb:.0f} MB | {plain_mb:.0f} MB "
            f"| {blog_mb / plain_mb:.2f}× | | {' | '.join(_goal('memory', blog_mb / plain_mb))} |"
        )
        blog_kb, plain_kb = res.search_kb("blog"), res.search_kb("plain")
        if blog_kb is not None and plain_kb is not None:
            lines.append(
                f'| {res.n} | search: bytes for one query ("{SEARCH_QUERY}"), gzipped '
                f"| {blog_kb:.0f} KB | {plain_kb:.0f} KB | {blog_kb / plain_kb:.2f}× | "
                f"| ≤ {SEARCH_GOAL_KB} KB | {'yes' if blog_kb <= SEARCH_GOAL_KB else 'no'} |"
            )
        else:
            lines.append(f"| {res.n} | search: bytes for one query | (no Chromium) | | | | | |")
        measured = [m for m in res.diagram_page if m is not None]
        if measured:
            kb = statistics.median(m[0] for m in measured) / 1024
            files = statistics.median(m[1] for m in measured)
            lines.append(
                f"| {res.n} | {DIAGRAM_PAGE_LABEL} | {kb:.0f} KB ({files:.0f} files) "
                "| (mermaid from its CDN) | | | | |"
            )
        if res.pagefind_seconds:
            lines.append(
                f"| {res.n} | {PAGEFIND_LABEL} | {statistics.median(res.pagefind_seconds):.2f} s | | | | | |"
            )
            lines.append(
                f"| {res.n} | {REINDEX_LABEL} | {statistics.median(res.reindex_seconds):.2f} s | | | | | |"
            )
    if any(res.bare["clean"] for res in all_results):
        lines += [
            "",
            f"| posts | math, diagrams and notebooks: build (median; {runs_text}) | blog | same blog without "
            "them | with / without | extra |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for res in all_results:
            for key, label in RICH_COST_BUILDS:
                rich = statistics.median(m.seconds for m in res.rich[key])
                bare = statistics.median(m.seconds for m in res.bare[key])
                lines.append(
                    f"| {res.n} | {label} | {rich:.2f} s | {bare:.2f} s | {res.rich_ratio(key):.2f}× "
                    f"| {rich - bare:+.2f} s |"
                )
            if res.math_cost:
                startup = statistics.median(c[0] for c in res.math_cost)
                each = statistics.median(c[1] for c in res.math_cost)
                lines.append(
                    f"| {res.n} | {MATH_LABEL} (started in {startup:.2f} s); "
                    f"a rebuild draws only new equations | {each:.2f} ms an equation | | | |"
                )
            if res.diagram_cost:
                startup = statistics.median(c[0] for c in res.diagram_cost)
                each = statistics.median(c[1] for c in res.diagram_cost)
                lines.append(
                    f"| {res.n} | {DIAGRAM_LABEL} (started in {startup:.2f} s); "
                    f"a rebuild checks only new diagrams | {each:.2f} ms a diagram | | | |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000], help="numbers of posts")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the table shows medians")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "blog-bench",
        help="where the synthetic sites are generated and built",
    )
    parser.add_argument(
        "--site", type=Path, default=REPO, help="the site whose conf.py and blogext to measure"
    )
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument(
        "--no-rich-cost",
        action="store_true",
        help="skip the cost of math, diagrams and notebooks (the blog built again without them)",
    )
    args = parser.parse_args(argv)
    all_results = []
    for n in args.sizes:
        all_results.append(
            bench_size(
                n,
                args.runs,
                args.workdir,
                args.site,
                log=lambda s: print(s, flush=True),
                rich_cost=not args.no_rich_cost,
            )
        )
    text = table(all_results, args.runs)
    if args.json:
        raw = {
            res.n: {
                **{
                    site: {k: [m.__dict__ for m in ms] for k, ms in builds.items()}
                    for site, builds in res.data.items()
                },
                BARE: {k: [m.__dict__ for m in ms] for k, ms in res.bare.items()},
            }
            for res in all_results
        }
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print()
    print(text)
    return text


if __name__ == "__main__":
    main()
