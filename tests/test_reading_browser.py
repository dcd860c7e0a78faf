"""Reading aids in Chromium (tests/roots/test-reading): notes beside the text, previews on hover and
focus, figures (numbers, widths, the enlarge dialog), folded notebook code, scroll cues and a cheat
sheet that fits a phone; light and dark, axe-core, and nothing asked of another host.

The test site is built with the real conf.py, templates and styles, served gzipped on 127.0.0.1.
"""

from __future__ import annotations

import shutil
import sys

import pytest
from checkers import REPO, add_axe
from conftest import assert_clean, make_site, run_sphinx

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

pytestmark = pytest.mark.browser

NOTES = "posts/2024/notes/"
FOLDED = "posts/2024/folded/"
PLAIN = "posts/2024/plain/"


@pytest.fixture(scope="module")
def reading_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("reading")
    src = make_site("reading", work / "src")
    built = assert_clean(run_sphinx(src, work / "html", env={"BLOG_TODAY": "2024-06-01"}))
    with serve(built.outdir, gzip=True) as server:
        yield built, server
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def open_page(browser, reading_site):
    """open_page(path, width, mode) -> a page, its requests and dialogs recorded; closed after the test."""
    _, server = reading_site
    contexts = []

    def _open(path: str, width: int = 1280, mode: str = "light"):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
        contexts.append(context)
        page = context.new_page()
        page.requested, page.dialogs = [], []
        page.on("request", lambda r: page.requested.append(r.url))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(server.url + path, wait_until="networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.server_url = server.url
        return page

    yield _open
    for context in contexts:
        context.close()


def box(page, selector: str, index: int = 0) -> dict:
    return page.evaluate(
        """([sel, i]) => { const r = document.querySelectorAll(sel)[i].getBoundingClientRect();
             return {x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height, right: r.right}; }""",
        [selector, index],
    )


def preview_text(page) -> str:
    page.wait_for_function("() => !document.getElementById('blog-preview').hidden")
    return page.locator("#blog-preview").inner_text()


def assert_quiet(page) -> None:
    assert page.dialogs == []
    assert [u for u in page.requested if not u.startswith(page.server_url)] == []


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_margin_notes_sit_beside_their_paragraph_at_1280(open_page, mode):
    page = open_page(NOTES, 1280, mode)
    article = box(page, "article.bd-article")
    first, second = box(page, ".sidenote", 0), box(page, ".sidenote", 1)
    paragraph = box(page, "article section > p", 0)
    assert first["x"] >= article["right"], (first, article)
    assert abs(first["y"] - paragraph["y"]) < 2
    assert second["y"] >= first["y"] + first["h"]
    assert page.locator(".sidenote").first.inner_text().startswith("1")
    assert "The first note" in page.locator(".sidenote").first.inner_text()
    assert page.locator(".sidenote").first.get_attribute("aria-hidden") == "true"
    # The reference stays a link to the note at the end.
    assert page.locator("a.footnote-reference").first.get_attribute("href") == "#first"
    assert_quiet(page)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_notes_are_popovers_on_hover_focus_and_escape_at_390(open_page, mode):
    page = open_page(NOTES, 390, mode)
    assert not page.locator(".sidenote").first.is_visible()
    ref = page.locator("a.footnote-reference").first
    ref.hover()
    assert "The first note" in preview_text(page)
    assert ref.get_attribute("aria-describedby") == "blog-preview"
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.getElementById('blog-preview').hidden")
    page.mouse.move(0, 0)
    page.locator("a.footnote-reference").nth(2).focus()
    assert "The third note" in preview_text(page)
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.getElementById('blog-preview').hidden")
    assert_quiet(page)


def test_previews_show_citation_equation_figure_and_post(open_page):
    page = open_page(NOTES, 1280)
    page.locator(".bibtex-citation a").first.hover()
    assert "Attention is all you need" in preview_text(page)
    page.locator("a.reference[href='#equation-eq-loss']").focus()
    page.wait_for_function("() => document.querySelector('#blog-preview .katex') !== null")
    page.locator("a.reference[href='#fig-flow']").focus()
    assert "How the data flows" in preview_text(page)
    page.locator("a[data-preview-title]").focus()
    text = preview_text(page)
    assert "A plain post" in text and "training small models" in text
    assert_quiet(page)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_figures_are_numbered_wide_and_full_bleed(open_page, mode):
    page = open_page(NOTES, 1280, mode)
    captions = page.locator("figcaption").all_inner_texts()
    assert [c.split(".")[0] for c in captions] == ["Figure 1", "Figure 2", "Figure 3"]
    column, wide, bleed = box(page, "#fig-plain"), box(page, "#fig-flow"), box(page, "#fig-bleed")
    assert wide["w"] > column["w"] + 100
    width = page.evaluate("document.documentElement.clientWidth")
    assert abs(bleed["x"]) < 1 and abs(bleed["w"] - width) < 1


def test_enlarge_dialog_opens_and_closes_with_the_keyboard(open_page):
    page = open_page(NOTES, 390)
    button = page.locator("#fig-plain .figure-enlarge")
    assert button.get_attribute("aria-label") == "Enlarge Figure 3"
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('dialog.figure-dialog').open")
    assert "The same flow, in the column" in page.locator("dialog.figure-dialog").inner_text()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.figure-dialog').open")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Enlarge Figure 3"


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_folded_code_toggles_and_code_shows_it_scrolls(open_page, mode):
    page = open_page(FOLDED, 390, mode)
    details = page.locator("details.above-input")
    assert details.count() == 1
    assert "Show the code (6 lines)" in details.locator("summary").inner_text()
    assert not page.locator("details.above-input pre").is_visible()
    details.locator("summary").click()
    assert page.locator("details.above-input pre").is_visible()
    long_line = "article div.highlight-bash pre"
    assert page.evaluate(
        f"(() => {{ const e = document.querySelector('{long_line}'); "
        "return e.scrollWidth > e.clientWidth; })()"
    )
    assert "radial-gradient" in page.evaluate(
        f"getComputedStyle(document.querySelector('{long_line}')).backgroundImage"
    )
    assert_quiet(page)


def test_cheat_sheet_commands_are_not_cut_at_390(open_page):
    page = open_page(FOLDED, 390)
    cut = page.evaluate(
        """() => { const box = document.querySelector('article .pst-scrollable-table-container')
                     || document.querySelector('article table');
                   const edge = box.getBoundingClientRect().right;
                   return [...document.querySelectorAll('article table code')]
                     .filter(c => c.getBoundingClientRect().right > edge + 0.5).map(c => c.textContent); }"""
    )
    assert cut == []


@pytest.mark.parametrize("path", [NOTES, FOLDED])
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_nothing(open_page, path, width, mode):
    page = open_page(path, width, mode)
    if path == NOTES:
        page.locator(".bibtex-citation a").first.focus()
        preview_text(page)
    add_axe(page)
    violations = page.evaluate(
        "axe.run().then(r => r.violations.map("
        "v => v.id + ': ' + v.nodes.map(n => n.html.slice(0, 120)).join(' | ')))"
    )
    assert violations == [], "\n".join(violations)


def test_notes_print_as_footnotes(open_page):
    page = open_page(NOTES, 1280)
    page.emulate_media(media="print")
    assert not page.locator(".sidenote").first.is_visible()
    assert page.locator("aside.footnote-list").is_visible()
    assert page.locator("aside.footnote-list").inner_text().count("The first note") == 1
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_a_plain_post_loads_none_of_it(reading_site):
    built, _ = reading_site
    html = built.path(PLAIN).read_text("utf-8")
    for name in ("previews.js", "sidenotes.js", "figures.js", "figures.css", "codefit.css", "sidenotes.css"):
        assert name not in html
    notes = built.path(NOTES).read_text("utf-8")
    for name in ("previews.js", "sidenotes.js", "figures.js"):
        assert name in notes


def test_feeds_have_no_preview_data_or_margin_copies(reading_site):
    built, _ = reading_site
    feed = (built.outdir / "blog" / "atom.xml").read_text("utf-8")
    assert "data-preview" not in feed and "sidenote" not in feed
    assert "The first note" in feed
