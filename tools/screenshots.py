"""Screenshots of the built site: each page, desktop and mobile, light and dark.

    python tools/screenshots.py [--site _build/html] [--out screenshots]

Serves the built site on 127.0.0.1 (build it first with ``nox -s build``) and
writes full-page PNGs named ``<page>-<width>-<mode>.png`` into ``screenshots/``
(ignored by git), with Debian's Chromium driven by Playwright. ``nox -s
screenshots`` builds the site and runs this.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siteserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: name -> URL path of each page worth looking at.
PAGES = {
    "home": "",
    "post": "posts/2023/finding-my-feet-as-a-machine-learning-engineer/",
    "series-part": "posts/2023/what-a-git/",
    "posts": "blog/",
    "tags": "blog/tag/",
    "tag": "blog/tag/git/",
    "categories": "blog/category/",
    "archive": "blog/archive/",
    "about": "about/",
    "404": "no/such/page/deep/down/",
    "search": "search/?q=git",
    # The search dialog (blogext.outputs.search), opened with "/" on a post, a query typed, filters shown:
    "search-dialog": "posts/2023/what-a-git/#search:version control",
}
WIDTHS = {"desktop": 1280, "mobile": 390}
MODES = ("light", "dark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built site")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="where the PNGs go")
    parser.add_argument("--page", action="append", choices=sorted(PAGES), help="only these pages")
    parser.add_argument("--viewport-only", action="store_true", help="the first screen, not the full page")
    parser.add_argument("--max-height", type=int, default=0, help="cut full-page shots to this many pixels")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"no built site at {args.site}: run `nox -s build` first")
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {name: PAGES[name] for name in args.page} if args.page else PAGES
    with serve(args.site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size, width in WIDTHS.items():
            for mode in MODES:
                context = browser.new_context(
                    viewport={"width": width, "height": 900 if width > 600 else 844},
                    color_scheme=mode,
                    device_scale_factor=1,
                )
                page = context.new_page()
                for name, path in pages.items():
                    path, _, query = path.partition("#search:")
                    page.goto(server.url + path, wait_until="networkidle")
                    target = args.out / f"{name}-{size}-{mode}.png"
                    clip = None
                    if query:  # open the search dialog, type, show the filters: its first screen
                        page.keyboard.press("/")
                        page.keyboard.type(query)
                        page.locator(".blog-search-result").first.wait_for()
                        page.locator(".blog-search-filters summary").click()
                        option = page.locator(".blog-search-filters option:nth-child(2)").first
                        option.wait_for(state="attached")
                        page.screenshot(path=str(target))
                        print(target)
                        continue
                    if args.max_height and not args.viewport_only:
                        height = page.evaluate("document.documentElement.scrollHeight")
                        clip = {"x": 0, "y": 0, "width": width, "height": min(height, args.max_height)}
                    page.screenshot(path=str(target), full_page=not args.viewport_only, clip=clip)
                    print(target.relative_to(args.out.parent) if args.out.is_relative_to(ROOT) else target)
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
