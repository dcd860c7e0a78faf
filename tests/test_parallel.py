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


def test_work_done_beside_the_build_gives_the_same_site_and_the_same_failures(tmp_path, monkeypatch):
    # blogext.core.beside: with much to do (a clean build of a large site), the posts' front matter,
    # the share cards and the off-site check of the documents' pages run in a process beside the build;
    # with little, in it. With the thresholds at 1, this small site takes the first road: same site.
    from blogext.core import beside, frontmatter
    from blogext.outputs import offsite, sharecards

    src = make_site("incremental", tmp_path / "src")
    inside = assert_clean(run_sphinx(src, tmp_path / "inside"))
    for module, name in (
        (frontmatter, "PARSE_BESIDE_FROM"),
        (offsite, "BESIDE_FROM"),
        (sharecards, "BESIDE_FROM"),
    ):
        monkeypatch.setattr(module, name, 1)
    started = []
    start = beside.start
    monkeypatch.setattr(
        beside, "start", lambda app, name, *args: started.append(name) or start(app, name, *args)
    )
    outside = assert_clean(run_sphinx(src, tmp_path / "beside"))
    assert sorted(started) == ["share cards", "the off-site check", "the posts' front matter"]
    problems = tree_differences(outside.outdir, inside.outdir)
    assert not problems, "work done beside the build changed the site:\n" + "\n\n".join(problems)

    page = src / "posts/2024/delta.md"
    page.write_text(page.read_text("utf-8") + '\n<img src="https://tracker.example/p.gif" alt="">\n', "utf-8")
    failed = run_sphinx(src, tmp_path / "beside-failed")
    assert failed.returncode != 0
    assert "posts/2024/delta.md" in failed.stderr and "tracker.example" in failed.stderr
    assert "[blog.offsite]" in failed.stderr
