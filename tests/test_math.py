"""Math drawn by KaTeX at build time (blogext.markup.math, tests/roots/test-math): what the built pages and
feed
carry, what fails the strict build and with what message, and what a rebuild draws again.

How the equations look in a browser is tests/test_math_browser.py's business.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from checkers import run_vnu
from conftest import REPO, ROOTS, assert_clean, feed_entries, run_sphinx
from fontTools.ttLib import TTFont

from blogext.markup import math as blogmath
from blogext.markup import mathfonts, mathtex

ATOM = "{http://www.w3.org/2005/Atom}"
POST = "---\ndate: 2024-04-01\n---\n\n# A post\n\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("math")
    shutil.copytree(ROOTS / "test-math", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def copy_with(tmp_path: Path, files: dict[str, str], **settings: object) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-math", src)
    for name, text in files.items():
        (src / name).write_text(text, "utf-8")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        for name, value in settings.items():
            conf.write(f"\n{name} = {value!r}\n")
    return src


def failed_with(built, *fragments: str) -> str:
    assert built.returncode != 0, "the strict build passed"
    for line in built.warnings + built.stderr.splitlines():
        if all(fragment in line for fragment in fragments):
            return line
    raise AssertionError(f"no message with {fragments}:\n{built.stderr}")


def article(site, path: str):
    return site.html(path).find("article")


def math_links(site, path: str) -> list[str]:
    return [
        link["href"]
        for link in site.html(path).find_all("link", rel="stylesheet")
        if "katex" in link["href"] or "math.css" in link["href"]
    ]


# -- what pages carry ----------------------------------------------------------------------


def test_equations_are_katex_html_with_mathml_and_no_script(built):
    body = article(built, "posts/2024/kinds/")
    drawn = body.find_all(class_="katex")
    assert len(drawn) == 19  # 3 inline, 16 display (multline: one a line)
    for one in drawn:  # every equation has MathML for screen readers, the drawing hidden from them
        assert one.find("math") is not None
        assert one.find(class_="katex-html")["aria-hidden"] == "true"
    assert not body.find_all(class_="math-error")
    assert not built.html("posts/2024/kinds/").find_all("script", src=lambda s: s and "katex" in s)


def test_numbers_run_down_the_page_one_per_numbered_line_and_tags_stay(built):
    tags = " ".join(
        t.get_text() for t in article(built, "posts/2024/kinds/").select(".katex-html .katex-tag")
    )
    # \tag{L2}; align: 3 lines; gather: 2 of 3 (\nonumber); multline: 1; equation: 1; {math} :label: 1.
    # (KaTeX draws the numbers of an align as one column beside it: tests/test_math_browser.py checks
    # each is level with its line.)
    assert re.findall(r"\((\w+)\)", tags) == ["L2", "1", "2", "3", "4", "5", "6", "7", "8"]


def test_labels_are_anchors_that_eq_and_eqref_link_to(built):
    body = article(built, "posts/2024/kinds/")
    refs = {a.get_text(): a["href"] for a in body.select("p a.reference")}
    assert refs == {"(7)": "#equation-eq-kl", "(2)": "#equation-eq-v", "(8)": "#equation-eq-sum"}
    for anchor in ("equation-eq-kl", "equation-eq-v", "equation-eq-sum"):
        assert body.find(id=anchor) is not None
    eqrefs = [(a["href"], a.get_text()) for a in body.select(".katex-html a")]
    assert eqrefs == [("#equation-eq-kl", "(7)"), ("#equation-eq-v", "(2)")]


def test_site_macros_and_a_newcommand_of_an_earlier_equation_are_drawn(built):
    drawn = " ".join(k.get_text() for k in article(built, "posts/2024/kinds/").select(".katex-html"))
    assert "R" in drawn and "∥" in drawn  # \R is ℝ drawn in the AMS font, \norm{x} draws ∥x∥
    assert "KL" in drawn and "\\KL" not in drawn


def test_money_is_text_and_loads_nothing_of_math(built):
    body = article(built, "posts/2024/money/")
    assert "costs $2 on one cloud and $3.50 on another, so $5 buys two hours" in " ".join(
        body.get_text().split()
    )
    assert body.find(class_="katex") is None
    assert math_links(built, "posts/2024/money/") == []


def test_math_css_only_on_pages_that_show_math(built):
    [link] = [h.split("?")[0] for h in math_links(built, "posts/2024/kinds/")]
    assert link == f"../../../_static/katex/{stylesheet(built).name}"
    # The home page and the archive show the math of the post's card (its excerpt).
    for shows in ("", "blog/"):
        assert any(e.find(class_="katex") for e in built.html(shows).select(".ablog-post-excerpt")), shows
        assert any(f"katex/{stylesheet(built).name}" in href for href in math_links(built, shows)), shows
    for plain in ("posts/2024/plain/", "posts/2024/money/"):
        assert math_links(built, plain) == [], plain
    css = stylesheet(built).read_text("utf-8")
    assert ".woff2" in css and ".ttf" not in css and "//" not in css.replace("/*", "")
    for font in re.findall(r"url\((fonts/[^)]+)\)", css):
        assert (built.outdir / "_static" / "katex" / font).is_file(), font


def stylesheet(built) -> Path:
    """The site's one math stylesheet, named by the digest of its text."""
    [found] = (built.outdir / "_static" / "katex").glob("math.*.css")
    assert re.fullmatch(r"math\.[0-9a-f]{16}\.css", found.name), found.name
    return found


def _faces(css: str) -> list[tuple[str, str, set[int]]]:
    """(family, file, codepoints of its unicode-range) of each @font-face of the math stylesheet."""
    found = []
    for rule in re.findall(r"@font-face\{([^}]*)\}", css):
        family = re.search(r"font-family:([^;]+)", rule).group(1)
        weight_style = re.search(r"font-style:(\w+);font-weight:(\d+)", rule).groups()
        points: set[int] = set()
        for a, b in re.findall(r"U\+([0-9A-F]+)(?:-([0-9A-F]+))?", rule):
            points |= set(range(int(a, 16), int(b or a, 16) + 1))
        found.append(((family, *weight_style), re.search(r"url\(([^)]+)\)", rule).group(1), points))
    return found


def test_fonts_are_subsets_of_the_sites_characters_with_the_whole_font_for_the_rest(built):
    """Each KaTeX font is two faces: its subset (named by digest) for the characters the site's equations
    show, and the whole font, for its other characters only; no character of the site's math is left
    to a whole font, so no page of the site loads one."""
    folder = built.outdir / "_static" / "katex"
    faces = _faces(stylesheet(built).read_text("utf-8"))
    drawn = {
        ord(c)
        for c in mathfonts.characters(
            e.decode_contents()
            for page in ("posts/2024/kinds/", "posts/2024/plain/")
            for e in built.html(page).select("span.katex")
        )
    }
    subsets = [f for f in faces if re.fullmatch(r"fonts/KaTeX_[\w-]+\.[0-9a-f]{16}\.woff2", f[1])]
    assert len(subsets) >= 15
    for font, file, points in faces:
        others = [f for f in faces if f[0] == font and f[1] != file]
        assert all(not points & other[2] for other in others), (font, file)  # disjoint ranges
        if (font, file, points) in subsets:
            cut = TTFont(folder / file)
            assert points & drawn <= set(cut.getBestCmap()) and points & drawn, file  # it has its glyphs
            original = folder / re.sub(r"\.[0-9a-f]{16}\.woff2$", ".woff2", file)
            assert (folder / file).stat().st_size < original.stat().st_size, file
        else:
            assert not points & drawn, (file, sorted(chr(p) for p in points & drawn))


def test_font_subsets_change_name_with_the_characters_and_stay_with_the_same(tmp_path):
    dist = REPO / "node_modules" / "katex" / "dist"
    css = (dist / "katex.min.css").read_text("utf-8")
    first, files = mathfonts.subset_css(css, dist, set("x+1"), tmp_path / "a")
    again, _ = mathfonts.subset_css(css, dist, set("1+x"), tmp_path / "b")
    other, other_files = mathfonts.subset_css(css, dist, set("x+2"), tmp_path / "c")
    assert first == again and first != other
    assert files and all((tmp_path / "a" / f).is_file() for f in files)
    main = [f for f in files if f.startswith("fonts/KaTeX_Main-Regular.") and f.count(".") == 2]
    assert main and main[0] not in other_files
    assert (tmp_path / "a" / main[0]).read_bytes() == (tmp_path / "b" / main[0]).read_bytes()


def test_site_without_math_has_no_copy_of_katex(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-math", src)
    (src / "posts" / "2024" / "kinds.md").unlink()
    site = assert_clean(run_sphinx(src, tmp_path / "html"))
    assert not (site.outdir / "_static" / "katex").exists()


def test_feed_entry_carries_mathml_and_not_the_drawing(built):
    entry = next(
        e for e in feed_entries(built.feed("blog/atom.xml")) if e.findtext(f"{ATOM}id").endswith("kinds")
    )
    content = BeautifulSoup(entry.findtext(f"{ATOM}content"), "html.parser")
    assert len(content.find_all("math")) == 19
    assert content.find(class_="katex-html") is None and content.find("script") is None
    assert any(m.find("mtable") for m in content.find_all("math", display="block"))  # the align's lines


# -- what fails the build --------------------------------------------------------------------


def test_unknown_command_fails_naming_the_file_the_line_and_the_command(tmp_path):
    src = copy_with(tmp_path, {"posts/2024/bad.md": POST + "Fine $x$.\n\nBroken: $\\foo x$.\n"})
    site = run_sphinx(src, tmp_path / "html")
    line = failed_with(site, "posts/2024/bad.md:9", "unknown command \\foo", "[blog.math]")
    assert "\\\\foo x" in line  # the TeX as written


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        ("$$\n\\eqref{nowhere}\n$$\n", "\\eqref{nowhere}: no equation on this page has \\label{nowhere}"),
        ("$$\nx \\label{loose}\n$$\n", "\\label{loose} is on an equation without a number"),
        ("$$\n\\href{https://example.org}{x}\n$$\n", "\\href is not allowed"),
        ("$$\n\\frac{1}{\n$$\n", "cannot be drawn"),
    ],
)
def test_bad_tex_fails_the_build_with_what_is_wrong(tmp_path, tex, message):
    site = run_sphinx(copy_with(tmp_path, {"posts/2024/bad.md": POST + tex}), tmp_path / "html")
    failed_with(site, "posts/2024/bad.md:7", message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["R"], "blogext_math_macros: expected a dict of strings to strings, got ['R']"),
        ({"R": 2}, "blogext_math_macros: expected a dict of strings to strings, got {'R': 2} (the item 2 is"),
        ({"R 2": "x"}, "'R 2' is not a macro name"),
        ({"R": "\\mathbb{R"}, "is not TeX with balanced braces"),
        ({"R": "\\nosuch"}, "blogext_math_macros['R']: KaTeX cannot draw"),
    ],
)
def test_bad_macro_setting_stops_the_build(tmp_path, value, message):
    site = run_sphinx(copy_with(tmp_path, {}, blogext_math_macros=value), tmp_path / "html")
    failed_with(site, message)


def test_missing_katex_fails_naming_npm_ci(tmp_path):
    site = run_sphinx(copy_with(tmp_path, {}, blogext_katex_folder="no/such/folder"), tmp_path / "html")
    failed_with(site, "posts/2024/kinds.md:", "node_modules/katex is missing", "npm ci --omit=dev")


# -- build time: one Node, a cache --------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch):
    """Node processes started, and pieces drawn, by the builds of a test."""
    seen = {"nodes": 0, "drawn": []}
    start, ask = blogmath._Node.__init__, blogmath._Node.ask

    def counting_start(self, folder):
        seen["nodes"] += 1
        start(self, folder)

    def counting_ask(self, macros, items):
        seen["drawn"] += [i["tex"] for i in items if i["keep"]]
        return ask(self, macros, items)

    monkeypatch.setattr(blogmath._Node, "__init__", counting_start)
    monkeypatch.setattr(blogmath._Node, "ask", counting_ask)
    return seen


def test_one_node_per_build_and_a_rebuild_draws_only_new_equations(tmp_path, counted):
    src = copy_with(tmp_path, {})
    out = tmp_path / "html"
    assert_clean(run_sphinx(src, out))
    assert counted["drawn"][:2] == ["\\R", "\\norm{x}"]  # the site's macros, checked as Node starts
    assert counted["nodes"] == 1 and len(counted["drawn"]) == 2 + 19
    counted["drawn"].clear()
    assert_clean(run_sphinx(src, out))  # nothing changed: nothing drawn, no Node
    assert counted == {"nodes": 1, "drawn": []}
    kinds = src / "posts" / "2024" / "kinds.md"
    kinds.write_text(kinds.read_text("utf-8") + "\nAnd one more: $\\gamma^2$.\n", "utf-8")
    assert_clean(run_sphinx(src, out))
    assert counted == {"nodes": 2, "drawn": ["\\R", "\\norm{x}", "\\gamma^2"]}


def test_parallel_build_draws_the_same_pages(tmp_path, built):
    src = copy_with(tmp_path, {})
    parallel = assert_clean(run_sphinx(src, tmp_path / "html", "-j", "2"))
    for page in ("posts/2024/kinds/", "", "blog/"):
        assert str(article(parallel, page)) == str(article(built, page)), page


# -- the TeX rewriting ---------------------------------------------------------------------------


def test_rows_split_at_top_level_line_breaks_only():
    rows = mathtex.split_rows(r"a &= \begin{cases} 1 \\ 2 \end{cases} \\[2pt] b &= {c \\ d}")
    assert [r for r, _ in rows] == [r"a &= \begin{cases} 1 \\ 2 \end{cases} ", r" b &= {c \\ d}"]
    assert rows[0][1] == r"\\[2pt]"


def test_newcommand_becomes_global():
    assert mathtex.global_definitions(r"\newcommand{\KL}[2]{D(#1,#2)}") == r"\gdef\KL#1#2{D(#1,#2)}"
    assert mathtex.global_definitions(r"\renewcommand\x{y}") == r"\gdef\x{y}"


@pytest.mark.browser
def test_pages_with_every_kind_of_equation_are_valid_html(built):
    from checkers import need_vnu

    java = need_vnu()
    files = [built.path(page) for page in ("posts/2024/kinds/", "")]  # (blog/: ABlog's own templates here)
    errors = [f"{m.get('url', '').rsplit('/html/', 1)[-1]}: {m['message']}" for m in run_vnu(java, files)]
    assert errors == []


def test_without_brotli_the_build_fails_naming_it_and_the_fonts_stay_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(mathfonts, "can_write_woff2", lambda: False)
    site = run_sphinx(copy_with(tmp_path, {}), tmp_path / "html")
    failed_with(site, "brotli package", "requirements/site.txt", "[blog.math]")
    css = stylesheet(site).read_text("utf-8")
    assert "unicode-range" not in css and "url(fonts/KaTeX_Main-Regular.woff2)" in css
    assert (site.outdir / "_static" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()
