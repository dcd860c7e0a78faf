"""Draw the default link-preview image, ``_static/social-card.png`` (1200 x 630).

    python tools/social_card.py

Pages without an image of their own share this one in their Open Graph and
Twitter card tags (``ogp_image`` in conf.py). Its strap line is the feeds'
subtitle (``blog_feed_subtitle`` in conf.py), so the two never say different
things. Re-run after changing the blog's name or that line; it draws with
Debian's Chromium.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siteserver import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERIF = "'Iowan Old Style', 'Palatino Linotype', Palatino, P052, Georgia, serif"


def strap_line() -> str:
    """``blog_feed_subtitle`` as conf.py sets it."""
    namespace: dict = {"__file__": str(ROOT / "conf.py")}
    exec(compile((ROOT / "conf.py").read_text("utf-8"), "conf.py", "exec"), namespace)
    return namespace["blog_feed_subtitle"]


CARD = """<!doctype html><html><head><style>
  body {{ margin: 0; width: 1200px; height: 630px; display: flex; font-family: system-ui, sans-serif;
         background: #fdfcfa; color: #1f2328; }}
  .band {{ width: 28px; background: #4338ca; }}
  main {{ flex: 1; padding: 84px 96px; display: flex; flex-direction: column;
          justify-content: space-between; }}
  .mark {{ width: 96px; height: 96px; border-radius: 22px; background: #4338ca; color: #fff;
           font: 700 46px/96px {serif}; text-align: center; }}
  h1 {{ font: 700 84px/1.05 {serif}; margin: 0 0 24px; letter-spacing: -1px; }}
  p {{ font-size: 36px; line-height: 1.35; margin: 0; color: #555f6b; max-width: 900px; }}
  .topics {{ font-size: 28px; color: #3730a3; font-weight: 600; }}
</style></head><body><div class="band"></div><main>
  <div class="mark">ST</div>
  <div><h1>Shruti Turner</h1>
  <p>{strap}</p></div>
  <div class="topics">Blog · Tutorials · Career</div>
</main></body></html>"""


def main() -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 630})
        page.set_content(CARD.format(strap=html.escape(strap_line()), serif=SERIF))
        page.screenshot(path=str(ROOT / "_static" / "social-card.png"))
        browser.close()


if __name__ == "__main__":
    main()
