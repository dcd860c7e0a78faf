"""Measure a page of the built site as readers get it: weight, requests and Lighthouse scores.

    python tools/audit.py [--site _build/html] [--page posts/2023/what-a-git/]

Serves the built site on 127.0.0.1 with gzip compression, as GitHub Pages and
Read the Docs serve it, runs Lighthouse (mobile profile, from
tools/lighthouse/, pinned in its package-lock.json) against the page with
Debian's Chromium, and prints:

- the page's weight, compressed (bytes over the wire) and uncompressed, and its
  number of requests;
- Lighthouse's four category scores, and the audits that cost points.

Targets: every score at least 0.95, the post page under 250 KB compressed.
Nothing is asserted: ``nox -s audit`` builds the site and runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siteserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
#: Lighthouse starts Chromium itself: the same flags as every other browser run here, headless.
CHROME_FLAGS = " ".join(["--headless=new", *CHROMIUM_ARGS])
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
DEFAULT_PAGE = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"
TARGET_SCORE = 0.95
TARGET_KB = 250


def run_lighthouse(url: str, out: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    cmd = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    subprocess.run(cmd, env=env, check=True)
    return json.loads(out.read_text("utf-8"))


def weight(report: dict) -> tuple[int, int, int]:
    """(compressed bytes, uncompressed bytes, requests) of the page, from Lighthouse's network log."""
    items = report["audits"]["network-requests"]["details"]["items"]
    items = [i for i in items if not i["url"].startswith("data:")]
    return (
        sum(i.get("transferSize", 0) for i in items),
        sum(i.get("resourceSize", 0) for i in items),
        len(items),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built site")
    parser.add_argument("--page", default=DEFAULT_PAGE, help="URL path of the page to measure")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"no built site at {args.site}: run `nox -s build` first")
    if not LIGHTHOUSE.exists():
        parser.error("Lighthouse is not installed: run `npm ci` in tools/lighthouse (nox -s audit does)")
    with serve(args.site, gzip=True) as server, tempfile.TemporaryDirectory() as tmp:
        report = run_lighthouse(server.url + args.page, Path(tmp) / "report.json")
    compressed, uncompressed, requests = weight(report)
    print(f"\nPage: /{args.page}  (served with gzip, Lighthouse {report['lighthouseVersion']}, mobile)")
    print(
        f"  weight:   {compressed / 1024:6.1f} KB compressed, {uncompressed / 1024:6.1f} KB uncompressed"
        f"  (target: under {TARGET_KB} KB compressed){'' if compressed < TARGET_KB * 1024 else '  MISSED'}"
    )
    print(f"  requests: {requests}")
    print("  Lighthouse scores:")
    for key in CATEGORIES:
        score = report["categories"][key]["score"]
        print(
            f"    {report['categories'][key]['title']:<16} {score:.2f}"
            f"{'' if score >= TARGET_SCORE else '  MISSED'}"
        )
    print("  Audits that cost points:")
    for key in CATEGORIES:
        for ref in report["categories"][key]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit.get("score") is not None and audit["score"] < 0.9:
                print(
                    f"    [{key}] {audit['title']}: {audit.get('displayValue', '')}"
                    f" (score {audit['score']:.2f})"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
