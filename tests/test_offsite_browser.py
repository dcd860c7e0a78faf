"""The Content-Security-Policy in Chromium: nothing the site does is blocked, and what slips in is.

The real site, with one more post holding a mermaid diagram, is built and served; every page is
opened with a listener for ``securitypolicyviolation`` events and the console. No page reports a
violation, search finds posts, the theme switcher and the diagram work. Then a post's built page
is given, after the build, an image from another host, an inline script, an event handler and a
``javascript:`` link: the browser loads and runs none of them, and says so.
"""

from __future__ import annotations

import re
import shutil
import sys

import pytest
from checkers import REPO
from conftest import ROOTS, assert_clean, copy_site, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

pytestmark = pytest.mark.browser

DIAGRAM = "posts/2024/diagram/"
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("csp-browser")
    src = copy_site(work / "src")
    (src / "posts" / "2024").mkdir(parents=True, exist_ok=True)
    diagram = (ROOTS / "test-rich" / "posts" / "2024" / "diagram.md").read_text("utf-8")
    diagram = diagram.replace(
        "tags: [Diagrams]", "tags: [Diagrams]\ncategory: Tutorials\ndescription: A diagram."
    )
    (src / "posts" / "2024" / "diagram.md").write_text(diagram, "utf-8")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:  # the copy has no node_modules of its own
        conf.write(f"\nblogext_mermaid_dist = {str(REPO / 'node_modules' / 'mermaid' / 'dist')!r}\n")
    return assert_clean(run_sphinx(src, work / "html"))


@pytest.fixture(scope="module")
def server(built):
    with serve(built.outdir) as running:
        yield running


class Reader:
    """A browser tab that records policy violations, console errors, dialogs and requests to other hosts."""

    def __init__(self, browser, base: str, mode: str = "light") -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
        self.context.add_init_script(WATCH)
        self.foreign: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="networkidle")

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")

    def close(self) -> None:
        self.context.close()


def pages_of(outdir) -> list[str]:
    found = []
    for page in sorted(outdir.rglob("*.html")):
        relative = page.relative_to(outdir)
        if relative.parts[0] in ("_static", "_images", "_sources", "pagefind"):
            continue
        path = relative.as_posix()
        found.append(path[: -len("index.html")] if path.endswith("index.html") else path)
    return found


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_no_page_of_the_site_reports_a_policy_violation(browser, built, server, mode):
    paths = pages_of(built.outdir)
    assert {"", "blog/", "blog/tag/git/", "blog/archive/", "search/", DIAGRAM} <= set(paths)
    reader = Reader(browser, server.url, mode)
    seen = {}
    for path in paths:
        reader.open(path)
        seen[path] = reader.violations() + reader.console
        reader.console.clear()
    reader.close()
    assert {path: found for path, found in seen.items() if found} == {}
    assert reader.foreign == [] and reader.dialogs == []


def test_search_page_finds_posts_under_the_policy(browser, server):
    reader = Reader(browser, server.url)
    reader.open("search/?q=git")
    reader.page.locator(".blog-search-result-link").first.wait_for(timeout=15_000)
    assert "What a GIT." in reader.page.locator(".blog-search-result-link").all_inner_texts()
    reader.open("posts/2023/what-a-git/")  # and the dialog on a post
    reader.page.keyboard.press("/")
    reader.page.keyboard.type("version contr")
    reader.page.locator("dialog .blog-search-result-link").first.wait_for(timeout=15_000)
    assert reader.violations() == [] and reader.console == [] and reader.foreign == []
    reader.close()


def test_theme_switcher_and_diagram_work_under_the_policy(browser, server):
    reader = Reader(browser, server.url)
    reader.open(DIAGRAM)
    reader.page.locator("pre.mermaid svg, .mermaid svg").first.wait_for(timeout=15_000)
    reader.page.get_by_role("button", name=re.compile("Color mode")).click()
    reader.page.get_by_role("button", name="Dark").click()
    assert reader.page.evaluate("document.documentElement.dataset.theme") == "dark"
    reader.page.wait_for_timeout(300)
    assert reader.violations() == [] and reader.console == [] and reader.foreign == []
    reader.close()


PLANTED = (
    '<img id="planted-img" src="https://evil.example/pixel.png" alt="">'
    "<script>window.plantedScript = true;</script>"
    '<img src="data:," onerror="window.plantedHandler = true" alt="">'
    '<a id="planted-link" href="javascript:window.plantedLink = true">x</a>'
    '<iframe src="https://evil.example/frame" title="x"></iframe>'
)


def test_a_planted_offsite_load_and_script_are_blocked_by_the_policy(browser, built, tmp_path):
    site = tmp_path / "html"
    shutil.copytree(built.outdir, site)
    page = site / "posts" / "2023" / "what-a-git" / "index.html"
    text = page.read_text("utf-8")
    page.write_text(text.replace("</article>", PLANTED + "</article>", 1), "utf-8")
    with serve(site) as running:
        reader = Reader(browser, running.url)
        reader.open("posts/2023/what-a-git/")
        reader.page.locator("#planted-link").click()
        reader.page.wait_for_timeout(300)
        ran = reader.page.evaluate("[window.plantedScript, window.plantedHandler, window.plantedLink]")
        violations = " ".join(reader.violations())
        reader.close()
    assert ran == [None, None, None]
    assert reader.foreign == [] and reader.dialogs == []  # the browser never asked evil.example
    for directive in ("img-src https://evil.example/pixel.png", "frame-src https://evil.example",
                      "script-src-elem inline", "script-src-attr inline"):  # fmt: skip
        assert directive in violations, violations
