"""Python's garbage collector during a build (blogext.core.collector): collections of young objects
less often, the environment set aside once loaded, and everything as it was once the build ends."""

from __future__ import annotations

import atexit
import gc
import json
import shutil
import subprocess
import sys

from conftest import REPO, ROOTS, assert_clean, run_sphinx

from blogext.core import collector

#: Records what the collector is set to as the build reads and writes, and after the build ends.
PROBE = """
import gc, json, os

seen = {}


def _note(moment):
    def note(app, *args):
        seen[moment] = {"thresholds": list(gc.get_threshold()), "frozen": gc.get_freeze_count()}
    return note


def _save(app, exception):
    with open(os.path.join(app.outdir, "gc-probe.json"), "w") as out:
        json.dump(seen, out)


def setup(app):
    seen.clear()
    app.connect("env-before-read-docs", _note("reading"))
    app.connect("html-page-context", _note("writing"))
    app.connect("build-finished", _save)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
"""


def _probed_site(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-basic", src)
    (src / "gcprobe.py").write_text(PROBE)
    with (src / "conf.py").open("a") as conf:
        conf.write("\nimport sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n")
        conf.write('extensions += ["blogext.core.posts", "gcprobe"]\n')
    return src


def _seen(built) -> dict:
    return json.loads((built.outdir / "gc-probe.json").read_text())


def test_a_build_collects_young_objects_less_often_and_sets_what_it_loaded_aside(tmp_path):
    src = _probed_site(tmp_path)
    before = gc.get_threshold()
    for build in ("clean", "rebuild"):
        seen = _seen(assert_clean(run_sphinx(src, tmp_path / "html")))
        for moment in ("reading", "writing"):
            assert seen[moment]["thresholds"] == [collector.YOUNGEST, *before[1:]], (build, moment)
            assert seen[moment]["frozen"] > 0, f"nothing set aside while {moment} ({build})"


def test_after_a_build_the_collector_is_as_it_was_and_collects_the_builds_garbage(tmp_path):
    src = _probed_site(tmp_path)
    before = gc.get_threshold()
    assert_clean(run_sphinx(src, tmp_path / "html"))
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0, "objects of the build are still set aside from the collector"
    # Stopped before it starts (a bad post is found at config-inited), and failed as it writes.
    stopped = "---\ndate: not a date\n---\n# Broken\n"
    failed_late = "---\ndate: 2024-05-01\n---\n# Broken\n\n{doc}`nowhere`\n"
    for broken in (stopped, failed_late):
        (src / "posts" / "2024").mkdir(exist_ok=True)
        (src / "posts" / "2024" / "broken.md").write_text(broken)
        failed = run_sphinx(src, tmp_path / "html")
        assert failed.returncode != 0
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0


def test_a_process_that_ends_after_a_build_skips_the_last_collection(tmp_path):
    # CPython collects once more on the way out unless the collector is off by then: the build's
    # atexit hook turns it off (registered once however many builds the process made).
    script = (
        "import atexit, gc, sys\n"
        "from sphinx.cmd.build import main\n"
        f"argv = ['-q', '-b', 'dirhtml', '-d', {str(tmp_path / 'd')!r}, {str(_probed_site(tmp_path))!r}]\n"
        f"codes = [main([*argv, {str(tmp_path / 'a')!r}]), main([*argv, {str(tmp_path / 'b')!r}])]\n"
        "atexit._run_exitfuncs()\n"
        "print(codes, gc.isenabled())\n"
    )
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    assert done.stdout.strip().splitlines()[-1] == "[0, 0] False", done.stderr[-3000:]
    atexit.unregister(gc.disable)  # this process (the tests) collects as it pleases
    gc.enable()
