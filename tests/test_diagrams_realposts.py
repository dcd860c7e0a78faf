"""Real posts of the kinds ML blogs publish (tests/roots/test-realposts, written for these tests in the
style of fastpages, Jupyter Book and Quarto posts): each builds right under the strict build, or, broken
the way real posts break, fails naming the file and what to fix."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOTS, assert_clean, run_sphinx


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    work = tmp_path_factory.mktemp("realposts")
    shutil.copytree(ROOTS / "test-realposts", work / "src")
    return assert_clean(run_sphinx(work / "src", work / "html"))


def body(site, name: str):
    return site.html(f"posts/2024/{name}/").find("article")


def test_notebook_export_keeps_its_image_inside_a_div(real):
    [img] = body(real, "loss-curves").select("div img")
    assert img["src"] == "../../../_images/loss-curve.png" and img["alt"].startswith("Training loss")
    assert (real.outdir / "_images" / "loss-curve.png").is_file()


def test_mermaid_heavy_notes_have_every_diagram_with_its_anchor(real):
    found = body(real, "rag-notes").find_all("pre", class_="mermaid")
    assert [p["id"] for p in found] == ["diagram-1", "diagram-2", "diagram-3"]
    assert [p.get_text().split()[0] for p in found] == ["flowchart", "sequenceDiagram", "stateDiagram-v2"]


def test_admonitions_tabs_cards_and_dropdowns_are_drawn(real):
    page = body(real, "eval-guide")
    assert page.select_one(".admonition.note") and page.select_one(".admonition.warning")
    assert len(page.select(".sd-tab-set > input")) == 2 and len(page.select(".sd-card:not(details)")) == 2
    assert page.find("details") is not None


def test_citations_link_to_their_bibliography(real):
    page = body(real, "attention-reading")
    assert "Vaswani" in page.get_text() and "Dropout" in page.get_text()
    assert page.select("a[href^='#']") and "{cite" not in page.get_text()


def test_text_inside_math_is_drawn_and_money_stays_text(real):
    page = body(real, "text-in-math")
    texts = [t.get_text().replace("\xa0", " ") for t in page.find_all("mtext")]
    assert "CE" in texts and "for one example" in texts and "otherwise" in texts
    assert page.select_one(".math-error") is None
    assert "costs $2 on one cloud and $3.50 on another." in page.get_text()


def test_llm_tutorial_code_blocks_are_highlighted_whole(real):
    blocks = body(real, "llm-tutorial").select("div.highlight pre")
    assert len(blocks) == 3
    assert "remove_columns" in blocks[0].get_text() and "trainer.train()" in blocks[1].get_text()


def test_a_typo_in_the_notes_diagram_fails_naming_the_post(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-realposts", src)
    notes = src / "posts" / "2024" / "rag-notes.md"
    notes.write_text(notes.read_text("utf-8").replace("R-->>A: passages", "R-->>: passages"), "utf-8")
    built = run_sphinx(src, tmp_path / "html")
    assert built.returncode != 0
    assert any("rag-notes.md:" in w and "mermaid cannot draw" in w for w in built.warnings), built.warnings


def test_an_exported_image_that_was_not_copied_fails_naming_the_post(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-realposts", src)
    (src / "posts" / "2024" / "figures" / "loss-curve.png").unlink()
    built = run_sphinx(src, tmp_path / "html")
    assert built.returncode != 0
    assert any("loss-curves.md" in w and "loss-curve.png" in w for w in built.warnings), built.warnings
