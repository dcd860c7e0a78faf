"""Interactive figures from notebooks at build time (tests/roots/test-interactive, with the site's conf.py):
Plotly and Vega-Lite outputs become a box holding their spec, escaped, with the bundle's picture as the
stand-in; the libraries are copied only for a site with such a figure; feeds carry the stand-in or a
link, never the spec; a spec that would load from elsewhere fails the build naming the file and cell."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from conftest import ATOM, ROOTS, assert_clean, feed_entries, make_site, run_sphinx

from blogext.markup import interactive

TODAY = {"BLOG_TODAY": "2024-06-01"}
POST = "posts/2024/interactive-figures/"
NOTEBOOK = "posts/2024/interactive-figures.ipynb"
PLOTLY, VEGALITE = "application/vnd.plotly.v1+json", "application/vnd.vegalite.v5+json"
HOSTILE = "</script><img src=x onerror=alert(1)><!--"


def _outputs() -> dict[str, dict]:
    """The notebook's two bundles, by the MIME type of their figure."""
    notebook = json.loads((ROOTS / "test-interactive" / NOTEBOOK).read_text("utf-8"))
    found = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            for mime in (PLOTLY, VEGALITE):
                if mime in output.get("data", {}):
                    found[mime] = output["data"]
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("interactive")
    return assert_clean(run_sphinx(make_site("interactive", work / "src"), work / "out", env=TODAY))


def test_each_figure_is_a_sized_box_holding_its_spec(site):
    page = site.html(POST)
    figures = page.select("div.interactive-figure")
    assert [f["data-kind"] for f in figures] == ["plotly", "vegalite"]
    assert [f["id"] for f in figures] == ["figure-1", "figure-2"]
    assert [f["style"] for f in figures] == ["--figure-height: 420px", "--figure-height: 300px"]
    assert figures[0]["aria-label"] == "Interactive chart: Loss by epoch"
    outputs = _outputs()
    for figure, mime in zip(figures, (PLOTLY, VEGALITE), strict=True):
        (block,) = figure.select("script.interactive-spec")
        assert block["type"] == "application/json"
        assert json.loads(block.string) == outputs[mime][mime]  # the spec, whole


def test_a_spec_cannot_break_out_of_its_data_block(site):
    html = site.path(POST).read_text("utf-8")
    assert HOSTILE not in html
    assert html.count("\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e\\u003c!--") == 2
    page = site.html(POST)
    assert not [tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    assert [img["src"].rsplit(".", 1)[-1] for img in page.select("div.interactive-figure img")] == ["png"]


def test_the_bundles_scripted_alternatives_are_left_out(site):
    html = site.path(POST).read_text("utf-8")
    assert "cdn.plot.ly" not in html and "plotly-graph-div" not in html  # plotly's text/html
    assert "VegaLite 5 object" not in html  # Altair's text/plain
    (standin,) = site.html(POST).select("#figure-2 .interactive-standin img")
    assert standin["alt"] == "Interactive chart: Accuracy by model (a picture of it)"
    assert site.html(POST).select("#figure-1 .interactive-note")  # no picture: a note until it is drawn


def test_only_pages_with_a_figure_load_the_script_and_the_libraries_are_copied(site):
    scripts = [s.get("src", "") for s in site.html(POST).select("script[src]")]
    assert any("_static/interactive.js" in src for src in scripts)
    for other in ("", "posts/2024/plain-post/", "about/"):
        assert "interactive." not in "".join(
            s.get("src", "") + s.get("href", "") for s in site.html(other).select("script[src], link[href]")
        )
    copied = sorted(p.name for p in (site.outdir / "_static" / interactive.STATIC_FOLDER).iterdir())
    assert copied == sorted(
        file.rsplit("/", 1)[-1] for files in interactive.LIBRARIES.values() for _, file in files
    )


def test_a_site_without_figures_gets_no_copy_of_the_libraries(tmp_path):
    src = make_site("interactive", tmp_path / "src")
    (src / NOTEBOOK).unlink()
    (src / "posts/2024/frozen-chart.md").unlink()
    built = assert_clean(run_sphinx(src, tmp_path / "out", env=TODAY))
    assert not (built.outdir / "_static" / interactive.STATIC_FOLDER).exists()


def test_feed_entries_carry_the_standin_or_a_link_never_the_spec(site):
    (entry,) = [
        e
        for e in feed_entries(site.feed("blog/atom.xml"))
        if e.findtext(f"{ATOM}title") == "Interactive figures"
    ]
    content = entry.findtext(f"{ATOM}content")
    assert "interactive-spec" not in content and '"layout"' not in content and "datasets" not in content
    assert "Interactive figure: see it on the post" in content
    assert f'href="https://shrutiturner.github.io/{POST}#figure-1"' in content
    assert ".png" in content  # the Altair chart's picture


def _with_outputs(tmp_path, change) -> run_sphinx:
    src = make_site("interactive", tmp_path / "src")
    notebook = json.loads((src / NOTEBOOK).read_text("utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            change(output["data"])
    (src / NOTEBOOK).write_text(json.dumps(notebook), "utf-8")
    return run_sphinx(src, tmp_path / "out", env=TODAY)


def test_an_offsite_data_url_fails_the_build_naming_the_file_and_cell(tmp_path):
    def change(data):
        if VEGALITE in data:
            data[VEGALITE]["layer"] = [
                {"data": {"url": "https://data.example.org/cars.json"}, "mark": "point"}
            ]

    built = _with_outputs(tmp_path, change)
    assert built.returncode != 0
    (warning,) = built.warnings
    assert NOTEBOOK in warning and 'cell 8 ("alt.Chart(scores)' in warning and "[blog.notebooks]" in warning
    assert "layer[0].data.url 'https://data.example.org/cars.json'" in warning
    html = (built.outdir / POST / "index.html").read_text("utf-8")
    assert (
        "data.example.org" not in html and html.count("interactive-spec") == 1
    )  # left out; its picture kept
    assert "Interactive chart: Accuracy by model" in html


def test_a_plotly_map_fails_the_build_naming_the_file_and_cell(tmp_path):
    def change(data):
        if PLOTLY in data:
            data[PLOTLY]["data"].append({"type": "choropleth", "locations": ["FRA"], "z": [1]})

    built = _with_outputs(tmp_path, change)
    (warning,) = built.warnings
    assert NOTEBOOK in warning and 'cell 6 ("fig = px.line' in warning and "cdn.plot.ly" in warning


def test_what_in_a_spec_would_load_from_elsewhere():
    assert (
        interactive.vegalite_problems({"$schema": "https://vega.github.io/x.json", "data": {"values": []}})
        == []
    )
    assert interactive.vegalite_problems({"hconcat": [{"data": {"url": "cars.json"}}]}) == [
        "hconcat[0].data.url 'cars.json'"
    ]
    assert interactive.vegalite_problems({"data": {"url": "data:application/json,[]"}}) == []
    pictures = {"data": {"values": [{"img": "https://img.example/a.png", "name": "a"}]}, "mark": "image"}
    assert interactive.vegalite_problems(pictures) == ["an image mark's picture 'https://img.example/a.png'"]
    assert interactive.vegalite_problems({**pictures, "mark": "point"}) == []  # a link in the data: no load
    template = {"data": {"scattergeo": [{"type": "scattergeo"}]}, "layout": {"geo": {"bgcolor": "white"}}}
    assert interactive.plotly_problems({"data": [], "layout": {"template": template}}) == []
    assert interactive.plotly_problems(
        {"data": [], "layout": {"images": [{"source": "//x.example/a.png"}]}}
    ) == ["layout.images[0].source '//x.example/a.png'"]
    assert len(interactive.plotly_problems({"data": [{"type": "scattermap"}], "layout": {}})) == 1


def test_a_frozen_text_notebook_gets_its_figure_too(site):
    (figure,) = site.html("posts/2024/frozen-chart/").select("div.interactive-figure")
    assert figure["data-kind"] == "vegalite"
    assert json.loads(figure.select_one("script.interactive-spec").string)["title"] == "Score by step"
    assert figure.select(".interactive-note")  # no picture in its bundle


def test_an_svg_standin_is_sanitized_like_any_svg_output(tmp_path):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" onload="alert(1)">'
        '<rect width="40" height="20"/></svg>'
    )

    def change(data):
        if PLOTLY in data:
            data["image/svg+xml"] = svg

    built = _with_outputs(tmp_path, change)
    (warning,) = built.warnings
    assert 'cell 6 ("fig = px.line' in warning and "the event handler onload" in warning
    page = (built.outdir / POST / "index.html").read_text("utf-8")
    (img,) = [i for i in BeautifulSoup(page, "html.parser").select("#figure-1 .interactive-standin img")]
    picture = (built.outdir / POST / img["src"]).resolve().read_text("utf-8")
    assert "onload" not in picture and "<rect" in picture
