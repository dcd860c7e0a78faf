"""The benchmark (``nox -s bench``): its synthetic blog builds strictly, and its harness prints the table."""

from __future__ import annotations

import sys

from conftest import REPO, assert_clean, run_sphinx

sys.path.insert(0, str(REPO))

from bench import generate, run  # noqa: E402


def test_generated_blog_and_plain_twin_build_strictly(tmp_path):
    blog, plain = generate.generate(5, tmp_path / "src")
    built = assert_clean(run_sphinx(blog, tmp_path / "blog"))
    assert len(built.files("posts/*/*/index.html")) == 5
    assert (built.outdir / "blog/atom.xml").is_file()
    twin = assert_clean(run_sphinx(plain, tmp_path / "plain"))
    assert len(twin.files("posts/*/*/index.html")) == 5
    assert not (twin.outdir / "blog").exists(), "the plain twin must not have the blog machinery"


def test_generated_posts_have_realistic_front_matter_code_and_an_image(tmp_path):
    posts = generate.plan_posts(50)
    assert len({p.date for p in posts}) == 50
    assert any(p.series for p in posts) and any(p.part and p.part > 1 for p in posts)
    source = generate.post_source(posts[10], posts[:10])
    for piece in ("date: ", "tags: [", "category: ", "description: ", "```python", "![Diagram", "](../"):
        assert piece in source


def test_harness_prints_every_row_of_the_table(tmp_path, capsys):
    text = run.main(["--sizes", "3", "--runs", "1", "--workdir", str(tmp_path)])
    for _key, label in run.BUILDS:
        assert f"| 3 | {label} |" in text
    assert "peak memory" in text and "-j 2 / -j 1" in text and "CPU, blog / plain" in text
    assert "| 3 | search: bytes for one query" in text
    assert "| 3 | Pagefind build time (in the full clean build) |" in text
    assert text in capsys.readouterr().out
