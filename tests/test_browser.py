"""What readers see, checked in a real browser: Debian's Chromium driven by Playwright.

The real site (the ``site`` fixture) is served on 127.0.0.1 the way GitHub
Pages serves it (a missing path gets ``404.html`` with status 404). Each page
is opened at a desktop (1280 px) and a phone (390 px) width, in light and dark
mode, once; the tests below then check what that visit recorded.

Without Chromium, Playwright or axe-core these tests skip, saying how to
install them; with ``BLOG_REQUIRE_BROWSER=1`` (CI) they fail instead.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from checkers import REPO, add_axe
from conftest import ROOTS, assert_clean, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

pytestmark = pytest.mark.browser

#: The pages a reader meets, by name: URL path on the site.
PAGES = {
    "home": "",
    "post": "posts/2023/finding-my-feet-as-a-machine-learning-engineer/",
    "series-part": "posts/2023/what-a-git/",
    "tag-archive": "blog/tag/git/",
    "tags": "blog/tag/",
    "series-list": "series/",
    "about": "about/",
    "search": "search/?q=git",
    "404": "no/such/post/at/any/depth/here/",
}
WIDTHS = {"desktop": 1280, "phone": 390}
MODES = ("light", "dark")
CASES = [
    pytest.param(name, width, mode, id=f"{name}-{size}-{mode}")
    for name in PAGES
    for size, width in WIDTHS.items()
    for mode in MODES
]


@dataclass
class Visit:
    """What one page load showed."""

    url: str
    status: int | None = None
    theme: str | None = None
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    overflow: int = 0
    violations: list[dict] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def server(site):
    with serve(site.outdir) as running:
        yield running


_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(
      n => n.target.join(" ") + ": " + n.failureSummary.split("\\n").slice(1, 2).join("")),
  }));
}"""


def _open(browser, server, name: str, width: int, mode: str) -> Visit:
    url = server.url + PAGES[name]
    visit = Visit(url)
    size = {"width": width, "height": 900}
    context = browser.new_context(viewport=size, color_scheme=mode)

    def only_local(route):
        visit.requested.append(route.request.url)
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            visit.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    expected_404 = name == "404"

    def on_console(message):
        if message.type not in ("error", "warning"):
            return
        # The browser reports the 404 status of the 404 page itself; that one is the point.
        if expected_404 and message.location.get("url") == url and "404" in message.text:
            return
        visit.console.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    def on_response(response):
        if response.status >= 400 and not (expected_404 and response.url == url):
            visit.failed.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console.append(f"uncaught: {error}"))
    page.on(
        "requestfailed",
        lambda request: (
            request.url.startswith(server.url) and visit.failed.append(f"{request.failure} {request.url}")
        ),
    )
    page.on("response", on_response)
    response = page.goto(url, wait_until="networkidle")
    visit.status = response.status if response else None
    visit.theme = page.evaluate("document.documentElement.dataset.theme")
    visit.overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    add_axe(page)
    visit.violations = page.evaluate(_AXE_RUN)
    context.close()
    return visit


@pytest.fixture(scope="session")
def visit(browser, server):
    """``visit(name, width, mode)``: the page's one recorded visit."""
    seen: dict[tuple[str, int, str], Visit] = {}

    def _visit(name: str, width: int, mode: str) -> Visit:
        key = (name, width, mode)
        if key not in seen:
            seen[key] = _open(browser, server, name, width, mode)
        return seen[key]

    return _visit


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_loads_with_the_expected_status(visit, name, width, mode):
    assert visit(name, width, mode).status == (404 if name == "404" else 200)


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_logs_no_console_error_or_warning(visit, name, width, mode):
    assert visit(name, width, mode).console == []


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_has_no_failed_request(visit, name, width, mode):
    assert visit(name, width, mode).failed == []


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_requests_nothing_from_another_host(visit, name, width, mode):
    # Readers' privacy: no fonts, scripts, images or analytics from anywhere else.
    assert visit(name, width, mode).foreign == []


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_has_no_horizontal_overflow(visit, name, width, mode):
    assert visit(name, width, mode).overflow <= 0, "the page is wider than the window: it scrolls sideways"


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_has_no_accessibility_violation(visit, name, width, mode):
    violations = visit(name, width, mode).violations
    report = "\n".join(
        f"{v['impact']}: {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations
    )
    assert violations == [], f"axe-core found:\n{report}"


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_downloads_no_web_font(visit, name, width, mode):
    # The theme's icon font alone weighs 115 KB; blog.css draws the icons instead.
    fonts = [
        url
        for url in visit(name, width, mode).requested
        if url.split("?")[0].endswith((".woff2", ".woff", ".ttf"))
    ]
    assert fonts == []


@pytest.mark.parametrize(("name", "width", "mode"), CASES)
def test_page_follows_the_readers_colour_scheme(visit, name, width, mode):
    assert visit(name, width, mode).theme == mode


def test_404_page_links_work_from_a_deep_missing_url(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + PAGES["404"], wait_until="networkidle")
    # Styled: the blog's stylesheet loaded even though the URL is five levels deep.
    sheets = page.evaluate("[...document.styleSheets].map(s => [s.href, s.cssRules.length])")
    assert any(href and "/_static/blog.css" in href and rules for href, rules in sheets), sheets
    size = "s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)"
    assert page.evaluate(f"({size})('.not-found-code')") > 3 * page.evaluate(f"({size})('body')")
    with page.expect_navigation():
        page.get_by_role("link", name="Home page").click()
    assert urlsplit(page.url).path == "/"
    assert page.locator("h1").first.inner_text() == "Notes from a machine-learning engineer"
    context.close()


def test_code_blocks_have_a_copy_button(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + PAGES["series-part"], wait_until="networkidle")
    blocks = page.locator("div.highlight")
    assert blocks.count() > 0
    assert page.locator("div.highlight button.copybtn").count() == blocks.count()
    context.close()


def test_theme_switcher_turns_the_page_dark(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    page.goto(server.url, wait_until="networkidle")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.get_by_role("button", name=re.compile("Color mode")).click()
    page.get_by_role("button", name="Dark").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light
    context.close()


def test_axe_reports_a_violation_when_there_is_one(browser, server):
    # The accessibility check can fail: an image without alt text is a violation.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url, wait_until="networkidle")
    page.evaluate(
        "document.querySelector('article').append(Object.assign(document.createElement('img'),"
        " {src: '_static/social-card.png'}))"
    )
    add_axe(page)
    assert "image-alt" in [v["id"] for v in page.evaluate(_AXE_RUN)]
    context.close()


def test_search_from_a_post_finds_posts(browser, server):
    # The navbar's search button opens the search dialog (blogext.outputs.search); results come as the reader
    # types, from the Pagefind index, and the arrow keys and Enter take the reader to one.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + PAGES["post"], wait_until="networkidle")
    page.get_by_role("button", name="Search").first.click()
    page.get_by_role("searchbox", name="Search the blog").fill("version control")
    results = page.locator(".blog-search-result-link")
    results.first.wait_for(timeout=10_000)
    titles = results.all_inner_texts()
    assert "What a GIT." in titles
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == titles[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path.startswith("/posts/2023/")
    assert page.locator("article h1").first.inner_text().rstrip("#").strip() == titles[0]
    context.close()


# -- Every page of every site, and rich posts as readers see them ---------------------------------
# Every page is found in the output folder (every ``.html`` outside ``_static``), not listed by hand,
# and opened once: any request to another host (or a local one that fails) fails the test, naming
# the page and the URL. The rich posts (tests/roots/test-rich) are then checked as drawn: KaTeX's math with
# a size, the mermaid diagram as an SVG in light and dark mode from the site's own copy, tabs that switch.


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("rich-browser")
    shutil.copytree(ROOTS / "test-rich", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def pages_of(outdir) -> list[str]:
    """URL paths of every page of a built site."""
    found = []
    for page in sorted(outdir.rglob("*.html")):
        relative = page.relative_to(outdir)
        if relative.parts[0] in ("_static", "_images", "_sources"):
            continue
        path = relative.as_posix()
        found.append(path[: -len("index.html")] if path.endswith("index.html") else path)
    return found


def offsite_requests(browser, outdir, width: int = 390, mode: str = "light") -> dict[str, list[str]]:
    """Page -> the URLs it requested from another host (and local ones that failed), for every page."""
    found: dict[str, list[str]] = {}
    with serve(outdir) as server:
        context = browser.new_context(viewport={"width": width, "height": 844}, color_scheme=mode)
        current: list[str] = []

        def only_local(route):
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                current.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("404.html")
                and current.append(f"{response.status} {response.url}")
            ),
        )
        for path in pages_of(outdir):
            current.clear()
            page.goto(server.url + path, wait_until="networkidle")
            if current:
                found[path] = list(current)
        context.close()
    return found


def test_every_page_of_the_real_site_requests_nothing_from_another_host(browser, site):
    assert len(pages_of(site.outdir)) > 20
    assert offsite_requests(browser, site.outdir) == {}


def test_every_page_of_the_rich_test_site_requests_nothing_from_another_host(browser, rich_site):
    pages = pages_of(rich_site.outdir)
    assert "posts/2024/diagram/" in pages and "posts/2024/math/" in pages
    assert offsite_requests(browser, rich_site.outdir, width=1280, mode="dark") == {}


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_rich_posts_are_drawn_in_the_browser(browser, rich_site, mode):
    with serve(rich_site.outdir) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto(server.url + "posts/2024/math/", wait_until="networkidle")
        width = page.evaluate("document.querySelector('div.math .katex-html').getBoundingClientRect().width")
        assert width > 50, "the math is not drawn"
        colour = page.evaluate("getComputedStyle(document.querySelector('article .katex-html')).color")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert colour != background

        page.goto(server.url + "posts/2024/diagram/", wait_until="networkidle")
        page.wait_for_selector("pre.mermaid svg", timeout=15000)
        assert page.evaluate("document.querySelectorAll('pre.mermaid svg .node').length") >= 5
        assert any("/_static/mermaid/" in url for url in requested)
        if mode == "dark":  # drawn in mermaid's dark theme, and not inverted again by the theme's filter
            box = "document.querySelector('pre.mermaid svg .node rect')"
            fill = page.evaluate(f"getComputedStyle({box}).fill")
            channels = [int(part) for part in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3]]
            assert sum(channels) / 3 < 128, f"the diagram's boxes are light in dark mode: {fill}"
            svg = "document.querySelector('pre.mermaid svg')"
            assert page.evaluate(f"getComputedStyle({svg}).filter") == "none"

        page.goto(server.url + "posts/2024/layout/", wait_until="networkidle")
        page.click("text=conda")
        assert page.is_visible("text=conda install scikit-learn")
        assert not page.is_visible("text=pip install scikit-learn")
        assert errors == []
        context.close()
