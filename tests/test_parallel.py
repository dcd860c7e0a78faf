"""Parallel builds: ``-j`` works with ``-W`` and writes the same site as a serial build."""

from __future__ import annotations

from conftest import assert_clean, make_site, run_sphinx, tree_differences


def test_parallel_build_is_strict_and_equals_serial_build(tmp_path):
    src = make_site("incremental", tmp_path / "src")
    serial = assert_clean(run_sphinx(src, tmp_path / "serial"))
    parallel = assert_clean(run_sphinx(src, tmp_path / "parallel", "-j", "2"))
    assert "doing serial read" not in parallel.stderr + parallel.stdout
    problems = tree_differences(parallel.outdir, serial.outdir)
    assert not problems, "a -j 2 build differs from a serial build:\n" + "\n\n".join(problems)


def test_auto_parallel_build_succeeds_strictly(tmp_path):
    src = make_site("incremental", tmp_path / "src")
    built = assert_clean(run_sphinx(src, tmp_path / "html", "-j", "auto"))
    assert (built.outdir / "posts/2024/alpha/index.html").is_file()


def test_parallel_incremental_build_equals_serial_clean_build(tmp_path):
    src = make_site("incremental", tmp_path / "src")
    assert_clean(run_sphinx(src, tmp_path / "parallel", "-j", "2"))
    page = src / "posts/2024/delta.md"
    page.write_text(page.read_text("utf-8").replace("# Delta", "# Delta, renamed"), "utf-8")
    parallel = assert_clean(run_sphinx(src, tmp_path / "parallel", "-j", "2"))
    serial = assert_clean(run_sphinx(src, tmp_path / "serial"))
    problems = tree_differences(parallel.outdir, serial.outdir)
    assert not problems, "an incremental -j 2 build differs from a clean serial build:\n" + "\n\n".join(
        problems
    )


def test_parallel_incremental_build_after_adding_a_post_equals_serial_clean_build(tmp_path):
    src = make_site("incremental", tmp_path / "src")
    assert_clean(run_sphinx(src, tmp_path / "parallel", "-j", "2"))
    (src / "posts/2024/eta.md").write_text(
        "---\ndate: 2024-06-30\ntags: [MLOps]\ncategory: Notes\ndescription: Added last.\n---\n\n"
        "# Eta\n\nA post added last.\n",
        "utf-8",
    )
    parallel = assert_clean(run_sphinx(src, tmp_path / "parallel", "-j", "2"))
    assert (parallel.outdir / "posts/2024/eta/index.html").is_file()
    serial = assert_clean(run_sphinx(src, tmp_path / "serial"))
    problems = tree_differences(parallel.outdir, serial.outdir)
    assert not problems, "adding a post, -j 2, differs from a clean serial build:\n" + "\n\n".join(problems)
