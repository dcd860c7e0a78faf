"""Math as Chromium draws it (tests/roots/test-math, blogext.markup.math): one test per kind of equation,
measured from the boxes of the drawn glyphs, and the weight math adds to a page.

Debian's Chromium through Playwright (the ``browser`` fixture); the site served from 127.0.0.1,
gzipped as a static host serves it. No request may leave it and no dialog may open.
"""

from __future__ import annotations

import gzip
import re
import shutil
import sys

import pytest
from conftest import REPO, ROOTS, assert_clean, run_sphinx
from selectolax.lexbor import LexborHTMLParser

sys.path.insert(0, str(REPO / "tools"))
from siteserver import serve  # noqa: E402

#: A page's weight that math may add, gzipped: its CSS, its fonts, and its drawing in the HTML.
BUDGET = 60 * 1024


@pytest.fixture(scope="module")
def math_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("math-browser")
    shutil.copytree(ROOTS / "test-math", work / "src")
    shutil.copy(ROOTS / "test-rich" / "posts" / "2024" / "math.md", work / "src" / "posts" / "2024" / "ml.md")
    built = assert_clean(run_sphinx(work / "src", work / "html"))
    with serve(built.outdir, gzip=True) as server:
        yield built, server


@pytest.fixture(scope="module")
def kinds(browser, math_site):
    """The page of every kind of equation, loaded once: (page, what it requested, dialogs)."""
    _, server = math_site
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requested, dialogs = [], []
    page.on("request", lambda r: requested.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url + "posts/2024/kinds/", wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    yield page, requested, dialogs, server
    context.close()


def boxes(page, selector: str) -> list[dict]:
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].map(e => {
             const r = e.getBoundingClientRect();
             return {x: r.x, y: r.y, w: r.width, h: r.height, right: r.right, bottom: r.bottom,
                     text: e.textContent};
           })""",
        selector,
    )


def in_block(page, n: int, selector: str) -> list[dict]:
    return page.evaluate(
        """([n, sel]) => [...document.querySelectorAll('article div.math')[n].querySelectorAll(sel)]
           .map(e => {
             const r = e.getBoundingClientRect();
             return {x: r.x, y: r.y, w: r.width, h: r.height, right: r.right, bottom: r.bottom,
                     cx: r.x + r.width / 2, cy: r.y + r.height / 2, text: e.textContent};
           })""",
        [n, selector],
    )


def column(page) -> dict:
    return boxes(page, "article section")[0]


# Display blocks of the kinds page, in order.
ARGMAX, LIMITS, L2, ALIGN, GATHER, MULTLINE, LINES, CASES, ALIGNED, BOLD, DRAWN, KL, EQREF, SUM = range(14)


def test_page_loads_only_from_its_own_host_and_opens_no_dialog(kinds):
    page, requested, dialogs, server = kinds
    assert dialogs == []
    assert [u for u in requested if not u.startswith(server.url)] == []
    assert any(re.search(r"/KaTeX_Main-Regular\.[0-9a-f]{16}\.woff2$", u) for u in requested)
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")


def test_display_equations_are_centred_in_the_column(kinds):
    page = kinds[0]
    middle = column(page)["x"] + column(page)["w"] / 2
    for n in (ARGMAX, LIMITS, CASES, SUM):
        base = _union(in_block(page, n, ".katex-html > .katex-base"))
        assert abs(base["cx"] - middle) < 3, (n, base, middle)


def _union(parts: list[dict]) -> dict:
    x, right = min(p["x"] for p in parts), max(p["right"] for p in parts)
    y, bottom = min(p["y"] for p in parts), max(p["bottom"] for p in parts)
    return {"x": x, "right": right, "y": y, "bottom": bottom, "cx": (x + right) / 2, "cy": (y + bottom) / 2}


def test_limits_sit_below_argmax_lim_min_max_sup_in_display(kinds):
    page = kinds[0]
    for n, count in ((ARGMAX, 1), (LIMITS, 4)):
        operators = in_block(page, n, ".op-limits")
        assert len(operators) == count
        for i in range(count):
            name = page.evaluate(
                """([n, i]) => { const op = document.querySelectorAll('article div.math')[n]
                       .querySelectorAll('.op-limits')[i];
                     const limit = op.querySelector('.mtight').getBoundingClientRect();
                     const leaves = [...op.querySelectorAll('*')].filter(e => !e.closest('.mtight')
                       && e.children.length === 0 && e.textContent.trim())
                       .map(e => e.getBoundingClientRect());
                     return {limitY: limit.y + limit.height / 2, limitX: limit.x + limit.width / 2,
                             wordY: (Math.min(...leaves.map(r => r.y))
                                     + Math.max(...leaves.map(r => r.bottom))) / 2,
                             wordX: Math.min(...leaves.map(r => r.x)),
                             wordRight: Math.max(...leaves.map(r => r.right))}; }""",
                [n, i],
            )
            # Under the operator's name, not after it as a subscript would be.
            assert name["limitY"] > name["wordY"] + 5, (n, i, name)
            assert name["wordX"] - 2 <= name["limitX"] <= name["wordRight"] + 2, (n, i, name)


def test_tag_and_numbers_sit_at_the_right_level_with_their_lines(kinds):
    page = kinds[0]
    right = column(page)["right"]
    [tag] = in_block(page, L2, ".katex-tag")
    [formula] = in_block(page, L2, ".katex-html > .katex-base")
    assert tag["text"] == "(L2)" and abs(tag["right"] - right) < 4
    assert tag["x"] - formula["right"] > 100  # apart, not glued to the formula
    # align: three numbers, each level with the = of its line.
    numbers = [
        b for b in in_block(page, ALIGN, ".katex-tag .mord.text") if re.fullmatch(r"\(\d\)", b["text"])
    ]
    equals = [b for b in in_block(page, ALIGN, ".mrel") if b["text"] == "="]
    assert [b["text"] for b in numbers] == ["(1)", "(2)", "(3)"]
    for number, sign in zip(numbers, equals, strict=True):
        assert abs(number["cy"] - sign["cy"]) < 4, (number, sign)
    # gather: (4) and (5) on the first and last lines; none on the \nonumber line.
    numbers = [b for b in in_block(page, GATHER, ".katex-tag .mord.text") if b["text"]]
    lines = [b for b in in_block(page, GATHER, ".mrel") if b["text"] == "="]
    assert [b["text"] for b in numbers] == ["(4)", "(5)"]
    assert abs(numbers[0]["cy"] - lines[0]["cy"]) < 4 and abs(numbers[1]["cy"] - lines[2]["cy"]) < 4


def test_aligned_rows_line_up_their_equals_signs(kinds):
    page = kinds[0]
    for n in (ALIGN, ALIGNED):
        signs = [b for b in in_block(page, n, ".mrel") if b["text"] == "="]
        assert len(signs) >= 2
        assert max(s["x"] for s in signs) - min(s["x"] for s in signs) < 1, (n, signs)
        assert signs[1]["y"] > signs[0]["y"] + 5


def test_multline_breaks_left_centre_right_with_one_number(kinds):
    page = kinds[0]
    lines = in_block(page, MULTLINE, ".katex-display")
    assert len(lines) == 3
    col = column(page)
    assert abs(lines[0]["x"] - col["x"]) < 2
    first = _union(in_block(page, MULTLINE, ".katex-display:first-child .katex-html > .katex-base"))
    last = _union(in_block(page, MULTLINE, ".katex-display:last-child .katex-html > *"))
    assert abs(first["x"] - col["x"]) < 3 and abs(last["right"] - col["right"]) < 4
    assert lines[0]["y"] < lines[1]["y"] < lines[2]["y"]
    assert [t["text"] for t in in_block(page, MULTLINE, ".katex-tag")] == ["(6)"]


def test_line_break_in_dollars_and_spacing_in_cases(kinds):
    page = kinds[0]
    a, b = [s for s in in_block(page, LINES, ".mrel") if s["text"] == "="]
    assert b["y"] > a["y"] + 10  # two lines, not one
    assert "[0.5ex]" not in page.inner_text("article")
    rows = [r for r in in_block(page, CASES, ".mtable .col-align-l:first-child .vlist > span") if r["text"]]
    assert [r["text"] for r in rows] == ["x", "0"]
    assert rows[1]["y"] - rows[0]["y"] > 1.5 * rows[0]["h"]  # two lines, the 0.5ex more apart


def test_bold_is_bold(kinds):
    page = kinds[0]
    styles = page.evaluate(
        """n => [...document.querySelectorAll('article div.math')[n].querySelectorAll('.mathbf, .boldsymbol')]
              .map(e => { const s = getComputedStyle(e);
                          return [e.className, s.fontWeight, s.fontFamily]; })""",
        BOLD,
    )
    assert len(styles) >= 3  # \\mathbf{1}, \\boldsymbol{\\mu}, \\bm{x}
    for name, weight, family in styles:
        assert int(weight) >= 700 and "KaTeX" in family, (name, weight, family)
    assert page.evaluate("document.fonts.check('bold 16px KaTeX_Main')")


def test_subscripts_sit_below_the_baseline(kinds):
    page = kinds[0]
    found = page.evaluate(
        """() => { const first = document.querySelector('article p .katex-html');
             const theta = first.querySelector('.mord.mathnormal').getBoundingClientRect();
             const sub = first.querySelector('.msupsub .mtight').getBoundingClientRect();
             return {base: theta.bottom, sub: sub.bottom, subTop: sub.top, baseTop: theta.top}; }"""
    )
    assert found["sub"] > found["base"] + 2, found
    assert found["subTop"] > found["baseTop"], found


def test_arrows_accents_rules_boxes_and_strikes_are_drawn(kinds):
    page = kinds[0]
    label = _union([b for b in in_block(page, BOLD, ".mtight") if "encoder" in b["text"]][:1])
    arrow = in_block(page, BOLD, ".x-arrow-pad, .x-arrow svg")
    assert arrow and label["bottom"] <= max(a["bottom"] for a in arrow)
    [hatted] = in_block(page, BOLD, ".mord.katex-accent")  # \\widehat{f(x)}: the hat spans all of f(x)
    [hat] = in_block(page, BOLD, ".mord.katex-accent .svg-align svg")
    assert (
        hat["x"] <= hatted["x"] + 2 and hat["right"] >= hatted["right"] - 2 and hat["bottom"] <= hatted["cy"]
    )
    rules = in_block(page, DRAWN, ".vertical-separator, .katex-hline")
    assert len(rules) >= 2 and all(r["w"] > 0 and r["h"] > 0 for r in rules)
    box = in_block(page, DRAWN, ".fbox, .boxpad")
    assert box and page.evaluate(
        f"parseFloat(getComputedStyle(document.querySelectorAll('article div.math')[{DRAWN}]"
        ".querySelector('.fbox')).borderTopWidth) > 0"
    )
    strike = in_block(page, DRAWN, ".cancel-lap svg, .cancel-pad svg, svg line")
    assert strike and all(s["w"] > 0 for s in strike)


def test_eqref_links_and_numbers(kinds):
    page = kinds[0]
    links = in_block(page, EQREF, ".katex-html a")
    assert [link["text"] for link in links] == ["(7)", "(2)"]
    assert page.evaluate("document.querySelector('#equation-eq-kl') !== null")


@pytest.mark.parametrize("post", ["ml", "kinds"])
def test_a_math_page_adds_at_most_60_kb_gzipped(browser, math_site, post):
    """The rich test blog's post of a softmax, an align, a {math} and inline math (as ml.md), and the
    page of every kind of equation (bold, AMS, bold italic, sizes...), each against the same page with
    each equation as its TeX: its HTML, and everything math makes it load. Its fonts are the site's
    subsets (blogext.markup.mathfonts), never KaTeX's whole files."""
    built, server = math_site
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sizes: dict[str, int] = {}  # bytes sent: gzipped where the server compresses
    page.on("response", lambda r: sizes.__setitem__(r.url, int(r.headers.get("content-length", 0))))
    page.goto(server.url + f"posts/2024/{post}/", wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    context.close()
    loaded = sum(n for url, n in sizes.items() if "/_static/katex/" in url)
    fonts = [url.rsplit("/", 1)[1] for url in sizes if "/_static/katex/fonts/" in url]
    assert fonts and all(re.fullmatch(r"KaTeX_[\w-]+\.[0-9a-f]{16}\.woff2", f) for f in fonts), fonts
    html = built.path(f"posts/2024/{post}/").read_text("utf-8")
    tree = LexborHTMLParser(html)
    for drawn in tree.css("span.katex"):
        drawn.replace_with(drawn.css_first("math").text())  # the page as if math were plain text
    without = tree.html
    extra_html = len(gzip.compress(html.encode(), 6)) - len(gzip.compress(without.encode(), 6))
    assert loaded > 0
    assert loaded + extra_html <= BUDGET, (loaded, extra_html, sorted(sizes))


def test_a_character_no_equation_had_is_drawn_from_the_whole_font(kinds):
    """The subsets cover the site's characters; the whole font covers the rest (blogext.markup.mathfonts), so
    a
    glyph of TeX drawn after the subsets were made is still KaTeX's. Only then is the whole font loaded."""
    page, requested, _, _ = kinds
    assert not [u for u in requested if u.endswith("/KaTeX_AMS-Regular.woff2")]
    faces = page.evaluate("() => document.fonts.load('16px KaTeX_AMS', '\\u2605').then(f => f.length)")
    assert faces == 1 and page.evaluate("() => document.fonts.check('16px KaTeX_AMS', '\\u2605')")
    assert [u for u in requested if u.endswith("/KaTeX_AMS-Regular.woff2")]
