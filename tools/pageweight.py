"""What a page of the built site weighs as readers get it: its HTML, CSS and JavaScript, gzipped.

    python tools/pageweight.py [--site _build/html] [--page posts/2023/finding-my-feet.../]

Opens the page in Debian's Chromium (Playwright), served from 127.0.0.1, waits until the network is
idle at a phone's and at a desktop's width (a stylesheet or script may load at one only), and adds up
every document, stylesheet and script the page loaded, each gzipped at level 6, as a static host
serves them (so the number does not depend on the server). Fonts and images are left out: the
promise it checks is about the code of the page ("a post without notes, citations or figures weighs
at most 10 KB gzipped more than before issue 26"), guarded by ``tests/test_pageweight.py``.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siteserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGE = "posts/2023/finding-my-feet-as-a-machine-learning-engineer/"
#: What counts as the page's code.
KINDS = ("document", "stylesheet", "script")
#: A phone's width and a desktop's: what either loads counts.
WIDTHS = (390, 1280)


def weigh(browser, url: str) -> dict[str, int]:
    """Path -> gzipped bytes of every document, stylesheet and script the page at *url* loads."""
    found: dict[str, int] = {}
    responses: list = []
    for width in WIDTHS:
        responses.clear()
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.on("response", lambda response: responses.append(response))
        page.goto(url, wait_until="networkidle")
        for response in responses:
            if (
                response.request.resource_type in KINDS
                and response.ok
                and not response.url.startswith("data:")
            ):
                found[urlsplit(response.url).path] = len(gzip.compress(response.body(), 6))
        context.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built site")
    parser.add_argument("--page", default=DEFAULT_PAGE, help="URL path of the page to weigh")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with serve(args.site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        sizes = weigh(browser, server.url + args.page)
        browser.close()
    for path, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"{size:8d}  {path}")
    print(f"{sum(sizes.values()):8d}  bytes gzipped in all ({len(sizes)} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
