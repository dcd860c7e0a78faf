"""Benchmark: the blog against plain Sphinx with the same posts and theme, in one run.

For each size N it generates a synthetic blog (:mod:`bench.generate`) and its
plain-Sphinx twin, then, for several runs, builds both the way ``nox -s build``
does (``dirhtml``, ``-W --keep-going -n``) and times:

- a full clean build, and a full clean build with ``-j 2``;
- a rebuild with nothing changed, and a rebuild after editing one post's body,
  each three times per run (they take seconds, so load on the machine moves them
  most);
- a rebuild after adding one new post;

and the peak memory (max RSS) of the clean build. Every measurement runs
``sphinx-build`` as the child of a fresh Python process, which reports the
wall time and ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of that one child.
Runs alternate which site goes first, so both see the same load. The table
shows medians and the ratio blog/plain::

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
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import REPO, generate, new_post, plan_posts  # noqa: E402

STRICT = ["-W", "--keep-going", "-n"]
SITES = ("blog", "plain")
#: (key, label) of each timed build, in table order.
BUILDS = [
    ("clean", "full clean build"),
    ("clean_j2", "full clean build, -j 2"),
    ("nochange", "rebuild, nothing changed"),
    ("edit", "rebuild, one post's body edited"),
    ("add", "rebuild, one post added"),
]

#: Runs a command as this process's only child; prints its wall time and peak RSS as JSON.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "returncode": proc.returncode,
                  "stderr": proc.stderr[-4000:]}))
"""


class BuildFailed(RuntimeError):
    """A benchmark build failed or warned: its numbers would mean nothing."""


@dataclass
class Measurement:
    seconds: float
    maxrss_kb: int


def measure(cmd: list[str], env: dict[str, str]) -> Measurement:
    """Run *cmd* in a fresh process and return its wall time and peak memory."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout)
    if result["returncode"] != 0 or "WARNING" in result["stderr"] or "ERROR" in result["stderr"]:
        raise BuildFailed(f"{' '.join(cmd)} failed:\n{result['stderr']}")
    return Measurement(result["seconds"], result["maxrss_kb"])


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

    def median(self, site: str, build: str) -> float:
        return statistics.median(m.seconds for m in self.data[site][build])

    def peak_mb(self, site: str) -> float:
        return statistics.median(m.maxrss_kb for m in self.data[site]["clean"]) / 1024


def _edit_target(n: int) -> str:
    """The post whose body the edit benchmark changes: one in the middle of the blog."""
    return plan_posts(n)[n // 2].path


#: Rebuilds take a few seconds, so a stray load on the machine moves them most: each run measures
#: them this many times (each edit a different one), and the table shows the median of them all.
REBUILD_REPEATS = 3


def run_sequence(site: Site, n: int, run: int, env: dict[str, str]) -> dict[str, list[Measurement]]:
    """All timed builds of one site, once (the rebuilds :data:`REBUILD_REPEATS` times); leaves the
    sources as they were."""
    times: dict[str, list[Measurement]] = {key: [] for key, _ in BUILDS}
    site.clean()
    times["clean_j2"].append(measure(site.command("-j", "2"), env))
    site.clean()
    times["clean"].append(measure(site.command(), env))
    for _ in range(REBUILD_REPEATS):
        times["nochange"].append(measure(site.command(), env))
    edited = site.src / _edit_target(n)
    original = edited.read_text(encoding="utf-8")
    added_path, added_source = new_post(n, plain=site.name == "plain")
    added = site.src / added_path
    try:
        for repeat in range(REBUILD_REPEATS):
            edit = f"\nAn edit made by benchmark run {run}, {repeat + 1}.\n"
            edited.write_text(original + edit * (repeat + 1), encoding="utf-8")
            times["edit"].append(measure(site.command(), env))
        added.parent.mkdir(parents=True, exist_ok=True)
        added.write_text(added_source, encoding="utf-8")
        times["add"].append(measure(site.command(), env))
    finally:
        edited.write_text(original, encoding="utf-8")
        added.unlink(missing_ok=True)
    return times


def bench_size(n: int, runs: int, workdir: Path, site_root: Path, log=print) -> Results:
    """Generate the N-post blog and its twin, and measure both *runs* times."""
    work = workdir / f"n{n}"
    blog_src, plain_src = generate(n, work / "src", site_root)
    sites = {"blog": Site("blog", blog_src, work), "plain": Site("plain", plain_src, work)}
    env = {k: v for k, v in os.environ.items() if k not in ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL")}
    env["PYTHONHASHSEED"] = "0"
    results = Results(n)
    for run in range(runs):
        order = SITES if run % 2 == 0 else SITES[::-1]
        for name in order:
            log(f"N={n} run {run + 1}/{runs}: {name} ...")
            for key, measurements in run_sequence(sites[name], n, run, env).items():
                results.data[name][key].extend(measurements)
    return results


def table(all_results: list[Results], runs: int) -> str:
    """The results as a Markdown table: medians of the runs, and the ratio blog/plain."""
    lines = [
        f"| posts | build (median; {runs} runs) | blog | plain Sphinx | blog / plain |",
        "|---:|---|---:|---:|---:|",
    ]
    for res in all_results:
        for key, label in BUILDS:
            blog, plain = res.median("blog", key), res.median("plain", key)
            lines.append(f"| {res.n} | {label} | {blog:.2f} s | {plain:.2f} s | {blog / plain:.2f}× |")
        j1, j2 = res.median("blog", "clean"), res.median("blog", "clean_j2")
        pj1, pj2 = res.median("plain", "clean"), res.median("plain", "clean_j2")
        lines.append(f"| {res.n} | -j 2 / -j 1, full clean build | {j2 / j1:.2f}× | {pj2 / pj1:.2f}× | |")
        blog_mb, plain_mb = res.peak_mb("blog"), res.peak_mb("plain")
        lines.append(
            f"| {res.n} | peak memory (max RSS), full clean build | {blog_mb:.0f} MB | {plain_mb:.0f} MB "
            f"| {blog_mb / plain_mb:.2f}× |"
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
    args = parser.parse_args(argv)
    all_results = []
    for n in args.sizes:
        all_results.append(
            bench_size(n, args.runs, args.workdir, args.site, log=lambda s: print(s, flush=True))
        )
    text = table(all_results, args.runs)
    if args.json:
        raw = {
            res.n: {
                site: {k: [m.__dict__ for m in ms] for k, ms in builds.items()}
                for site, builds in res.data.items()
            }
            for res in all_results
        }
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print()
    print(text)
    return text


if __name__ == "__main__":
    main()
