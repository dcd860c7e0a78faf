"""Comments on request and printing, checked in Chromium on the test site of tests/test_sharing.py.

- Comments: the page loads nothing from another host until the reader clicks
  "Show comments"; then giscus' script (stubbed here: the tests have no network)
  is asked for from the host in ``blogext_allowed_hosts``, with the page's theme.
- Print: Chromium prints the post to PDF; the text of the PDF (``pdftotext``,
  from poppler-utils) holds the article, the addresses of its links and its
  code lines whole, and none of the navbar, sidebars, buttons or comments.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from checkers import REPO, add_axe, missing
from conftest import assert_clean, run_sphinx
from test_sharing import make_sharing_site

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

pytestmark = pytest.mark.browser

POST = "posts/2024/theta/"
GISCUS_STUB = """
const me = document.currentScript;
document.body.dataset.giscusTheme = me.getAttribute("data-theme");
document.body.dataset.giscusRepo = me.getAttribute("data-repo");
document.body.dataset.giscusCategoryId = me.getAttribute("data-category-id");
const frame = Object.assign(document.createElement("iframe"), {className: "giscus-frame", title: "Comments"});
frame.src = "https://giscus.app/widget";
me.after(frame);
"""
#: giscus' frame, stubbed: it hands back every message the page sends it.
GISCUS_FRAME = """<!doctype html><title>giscus</title><script>
addEventListener("message", (event) => parent.postMessage({echo: event.data}, "*"));
</script>"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("sharing-browser")
    built = assert_clean(run_sphinx(make_sharing_site(work / "src"), work / "html"))
    with serve(built.outdir) as running:
        yield running


def _page(browser, server, requested: list[str], mode: str = "light", width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)

    def route(route):
        url = route.request.url
        requested.append(url)
        if url.startswith(server.url):
            route.continue_()
        elif url == "https://giscus.app/client.js":
            route.fulfill(status=200, content_type="text/javascript", body=GISCUS_STUB)
        elif url == "https://giscus.app/widget":
            route.fulfill(status=200, content_type="text/html", body=GISCUS_FRAME)
        else:
            route.abort()

    context.route("**/*", route)
    return context, context.new_page()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_comments_load_nothing_from_another_host_until_the_reader_asks(browser, server, mode):
    requested: list[str] = []
    context, page = _page(browser, server, requested, mode)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + POST, wait_until="networkidle")
    assert [url for url in requested if not url.startswith(server.url)] == []
    button = page.get_by_role("button", name="Show comments (loads giscus.app)")
    assert button.is_visible()
    with page.expect_request("https://giscus.app/widget"):
        button.click()
    page.wait_for_function("() => document.body.dataset.giscusTheme !== undefined")
    assert [url for url in requested if not url.startswith(server.url)] == [
        "https://giscus.app/client.js",
        "https://giscus.app/widget",
    ]
    assert page.evaluate("document.body.dataset.giscusTheme") == mode
    assert page.evaluate("document.body.dataset.giscusRepo") == "example/blog"
    assert page.evaluate("document.body.dataset.giscusCategoryId") == "DIC_kwDOTEST"
    assert page.get_by_role("button", name="Show comments (loads giscus.app)").count() == 0
    assert errors == []
    context.close()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_comments_section_is_accessible(browser, server, mode):
    context, page = _page(browser, server, [], mode, width=390)
    page.goto(server.url + POST, wait_until="networkidle")
    add_axe(page)
    violations = page.evaluate(
        "async () => (await axe.run('.blog-comments, .read-next', {resultTypes: ['violations']}))"
        ".violations.map(v => v.id)"
    )
    assert violations == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def _printed(browser, server, tmp_path, mode: str) -> str:
    if not shutil.which("pdftotext"):
        missing("pdftotext (apt-get install poppler-utils)")
    context, page = _page(browser, server, [], mode)
    page.goto(server.url + POST, wait_until="networkidle")
    pdf = tmp_path / f"post-{mode}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    context.close()
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_printing_a_post_gives_the_article_with_link_addresses_and_whole_code(
    browser, server, tmp_path, mode
):
    text = _printed(browser, server, tmp_path, mode)
    flat = " ".join(text.split())
    assert "excerpt, with an outside link" in flat
    solid = "".join(text.split())  # a long address may break across lines
    assert "(https://example.org/docs/)" in solid
    assert "(https://shrutiturner.github.io/posts/2024/alpha/)" in solid  # a relative link, made absolute
    # The long code line wraps: all of it is on the page, nothing cut at the edge.
    assert "unless it wraps" in flat
    for absent in ("Show comments", "Read next", "Search", "Subscribe", "Color mode", "On this page"):
        assert absent not in flat, absent


def test_printed_page_hides_the_site_around_the_article(browser, server):
    context, page = _page(browser, server, [], "dark")
    page.goto(server.url + POST, wait_until="networkidle")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.bd-header', '.bd-sidebar-secondary', '.bd-footer', '.read-next',
                   '.blog-comments', 'button.copybtn'].map(s => [s, [...document.querySelectorAll(s)]
                   .every(e => getComputedStyle(e).display === 'none')])"""
    )
    assert [selector for selector, gone in hidden if not gone] == []
    assert page.evaluate("getComputedStyle(document.querySelector('pre')).whiteSpace") == "pre-wrap"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    context.close()


def test_comments_follow_the_theme_switcher_after_loading(browser, server):
    context, page = _page(browser, server, [], "light")
    page.goto(server.url + POST, wait_until="networkidle")
    page.evaluate("addEventListener('message', e => { if (e.data.echo) window.echoed = e.data.echo; })")
    with page.expect_request("https://giscus.app/widget"):
        page.get_by_role("button", name="Show comments (loads giscus.app)").click()
    page.frame_locator("iframe.giscus-frame").locator("script").wait_for(state="attached")
    page.get_by_role("button", name=re.compile("Color mode")).click()
    page.get_by_role("button", name="Dark").click()
    page.wait_for_function("() => window.echoed !== undefined")
    assert page.evaluate("window.echoed") == {"giscus": {"setConfig": {"theme": "dark"}}}
    context.close()
