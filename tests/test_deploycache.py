"""Deploys from the last deploy's cached build (tools/deploycache.py, the Pages workflow) build only what
changed, and write the same site as a clean build.

The Pages workflow restores ``_build/doctrees``, ``_build/html`` and the manifest of the sources'
contents and times into a fresh checkout, where every file has a new time. Each test here starts from
a build of a Git repository of the incremental test site (tests/roots/test-incremental with the real
``conf.py``, templates and styles; one scheduled post), its folders kept as the cache keeps them
(times included, as tar keeps them), clones the repository afresh at the same place, changes it as a
new commit would, restores, builds, and compares with a clean build of the same sources, file by
file and byte by byte.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, NoxSession, assert_clean, load_noxfile, make_site, run_sphinx, tree_differences

sys.path.insert(0, str(REPO / "tools"))
import deploycache  # noqa: E402

#: "Today" of the builds: the scheduled post below is due the day after.
TODAY, DUE = "2024-08-31", "2024-09-01"
DAY = {"BLOG_TODAY": TODAY}
SCHEDULED = (
    "---\ndate: 2024-09-01\ntags: [Python]\ncategory: Notes\ndescription: A scheduled post.\n---\n\n"
    "# Theta\n\nTheta's excerpt, due on the first of September.\n"
)
NEW_POST = (
    "---\ndate: 2024-08-08\ntags: [Python, Go]\ncategory: Notes\ndescription: The newest post.\n---\n\n"
    "# Eta\n\nEta's excerpt.\n"
)


def git(*args: str, cwd: Path) -> None:
    identity = ["-c", "user.name=Deploy Test", "-c", "user.email=deploy@example.org"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


def read_and_written(built) -> tuple[set[str], set[str]]:
    """The documents the build read, and the pages it wrote, from Sphinx's progress lines."""
    text = built.stdout.replace("\r", "\n")
    read = set(re.findall(r"^reading sources\.\.\. \[\s*\d+%\] (\S+)", text, re.M))
    written = set(re.findall(r"^writing output\.\.\. \[\s*\d+%\] (\S+)", text, re.M))
    return read, written


@dataclass
class Deployed:
    """A deploy's build of the site, kept as the workflow's cache keeps it, and its repository."""

    work: Path

    @property
    def origin(self) -> Path:
        return self.work / "origin"

    @property
    def src(self) -> Path:
        return self.work / "src"

    @property
    def out(self) -> Path:
        return self.work / "html"

    @property
    def doctrees(self) -> Path:
        return self.work / "html.doctrees"

    @property
    def manifest(self) -> Path:
        return self.work / "deploycache.json"

    @property
    def cache(self) -> Path:
        return self.work / "cache"

    def fresh_checkout(self) -> Path:
        """A new clone of the repository where the last one was (every file with a new time), and
        the cached folders and manifest back in place."""
        for folder in (self.src, self.out, self.doctrees):
            shutil.rmtree(folder, ignore_errors=True)
        git("clone", "--quiet", str(self.origin), str(self.src), cwd=self.work)
        for folder in (self.out, self.doctrees):
            shutil.copytree(self.cache / folder.name, folder)
        shutil.copy2(self.cache / self.manifest.name, self.manifest)
        return self.src

    def where_it_ran(self) -> Path:
        """The sources, output and doctrees exactly as the last build left them, times included."""
        for folder in (self.src, self.out, self.doctrees):
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(self.cache / folder.name, folder, symlinks=True)
        return self.src


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Deployed:
    site = Deployed(tmp_path_factory.mktemp("deploycache"))
    make_site("incremental", site.origin)
    (site.origin / "posts/2024/theta.md").write_text(SCHEDULED, "utf-8")
    git("init", "--quiet", cwd=site.origin)
    git("add", "--all", cwd=site.origin)
    git("commit", "--quiet", "-m", "the site", cwd=site.origin)
    git("clone", "--quiet", str(site.origin), str(site.src), cwd=site.work)
    built = assert_clean(run_sphinx(site.src, site.out, env=DAY))
    assert not built.path("posts/2024/theta/").exists(), "the scheduled post is published too early"
    assert deploycache.save(site.src, site.manifest) > 10
    site.cache.mkdir()
    for folder in (site.src, site.out, site.doctrees):
        shutil.copytree(folder, site.cache / folder.name, symlinks=True)  # times kept, as tar keeps them
    shutil.copy2(site.manifest, site.cache / site.manifest.name)
    return site


def assert_equals_clean_build(built, tmp_path, env) -> None:
    clean = assert_clean(run_sphinx(built.srcdir, tmp_path / "clean", env=env))
    problems = tree_differences(built.outdir, clean.outdir)
    assert not problems, "the deploy differs from a clean build:\n" + "\n\n".join(problems)


def test_a_deploy_after_one_new_post_reads_only_it_and_equals_a_clean_build(deployed, tmp_path):
    # What an incremental build where the last one ran (its sources' times as they were) reads and
    # writes, for the same change.
    deployed.where_it_ran()
    (deployed.src / "posts/2024/eta.md").write_text(NEW_POST, "utf-8")
    in_place = assert_clean(run_sphinx(deployed.src, deployed.out, env=DAY))
    expected_read, expected_written = read_and_written(in_place)
    assert expected_read == {"posts/2024/eta"}
    # The deploy: a fresh clone with the new post in it, the cache restored.
    src = deployed.fresh_checkout()
    (src / "posts/2024/eta.md").write_text(NEW_POST, "utf-8")
    git("add", "posts/2024/eta.md", cwd=src)
    counts = deploycache.restore(src, deployed.manifest)
    assert counts["changed"] == 0 and counts["new"] == 1 and counts["unchanged"] > 10
    built = assert_clean(run_sphinx(src, deployed.out, env=DAY))
    assert read_and_written(built) == (expected_read, expected_written)
    assert "Eta" in built.path("").read_text("utf-8")
    assert_equals_clean_build(built, tmp_path, DAY)


def test_without_the_restored_times_a_fresh_checkout_reads_everything(deployed):
    # The check above can fail: a clone's new times alone make Sphinx read every document again.
    src = deployed.fresh_checkout()
    built = assert_clean(run_sphinx(src, deployed.out, env=DAY))
    read, written = read_and_written(built)
    assert {"index", "about", "posts/2024/alpha", "posts/2024/gamma"} <= read
    assert len(written) >= len(read)


def test_an_edit_that_keeps_the_size_and_an_old_time_is_read_again(deployed, tmp_path):
    src = deployed.fresh_checkout()
    gamma = src / "posts/2024/gamma.md"
    text = gamma.read_text("utf-8")
    gamma.write_text(text.replace("body, which", "BODY, which"), "utf-8")
    recorded = deploycache.load(deployed.manifest)["posts/2024/gamma.md"]
    os.utime(gamma, ns=(recorded[1], recorded[1]))  # dated as the last deploy's copy
    assert gamma.stat().st_size == len(text.encode("utf-8"))
    assert deploycache.restore(src, deployed.manifest)["changed"] == 1
    built = assert_clean(run_sphinx(src, deployed.out, env=DAY))
    assert read_and_written(built)[0] == {"posts/2024/gamma"}
    assert "BODY, which" in built.path("posts/2024/gamma/").read_text("utf-8")
    assert_equals_clean_build(built, tmp_path, DAY)


def test_a_scheduled_post_due_the_next_day_is_published_by_a_deploy_from_the_cache(deployed, tmp_path):
    src = deployed.fresh_checkout()
    assert deploycache.restore(src, deployed.manifest)["changed"] == 0
    due = {"BLOG_TODAY": DUE}
    built = assert_clean(run_sphinx(src, deployed.out, env=due))
    assert "posts/2024/theta" in read_and_written(built)[0]
    assert built.path("posts/2024/theta/").is_file()
    assert "Theta" in built.path("").read_text("utf-8")
    assert "Theta" in (built.outdir / "blog/atom.xml").read_text("utf-8")
    assert_equals_clean_build(built, tmp_path, due)


def test_restore_without_a_manifest_changes_nothing(tmp_path):
    (tmp_path / "a.md").write_text("a")
    before = (tmp_path / "a.md").stat().st_mtime_ns
    assert deploycache.restore(tmp_path, tmp_path / "_build/deploycache.json") is None
    assert deploycache.main(["restore", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "a.md").stat().st_mtime_ns == before


def test_installed_templates_get_their_times_back_and_nothing_else_of_them(tmp_path, monkeypatch):
    # The workflow installs the theme afresh in every run: its templates, unchanged, get their times
    # back; a changed one keeps its own; no other installed file is touched.
    packages, root = tmp_path / "site-packages", tmp_path / "site"
    (packages / "theme").mkdir(parents=True)
    root.mkdir()
    (root / "index.md").write_text("# Home\n")
    layout, page, code = packages / "theme/layout.html", packages / "theme/page.html", packages / "theme/x.py"
    for path in (layout, page, code):
        path.write_text("one")
    monkeypatch.setattr(deploycache.sysconfig, "get_path", lambda name: str(packages))
    manifest = tmp_path / "manifest.json"
    deploycache.save(root, manifest, installed=True)
    recorded = deploycache.load(manifest)
    assert set(recorded) == {"index.md", str(layout), str(page)}
    later = layout.stat().st_mtime_ns + 10**9 * 3600
    for path in (layout, page, code):
        os.utime(path, ns=(later, later))
    page.write_text("two")
    os.utime(page, ns=(later, later))
    counts = deploycache.restore(root, manifest, installed=True)
    assert counts == {"unchanged": 2, "changed": 1, "new": 0}
    assert layout.stat().st_mtime_ns == recorded[str(layout)][1]
    assert page.stat().st_mtime_ns == later and code.stat().st_mtime_ns == later


def test_a_failed_deploy_leaves_the_last_site_untouched_and_the_next_equals_a_clean_build(
    tmp_path, monkeypatch
):
    site = make_site("incremental", tmp_path / "site")
    shutil.copy2(REPO / "noxfile.py", site / "noxfile.py")
    (site / "tools").mkdir()
    shutil.copy2(REPO / "tools" / "deploycache.py", site / "tools" / "deploycache.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOG_")}
    env.update(DAY, PYTHONPATH=str(REPO))
    monkeypatch.setenv("BLOG_DEPLOY_CACHE", "1")  # as the workflow sets it for nox
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    noxfile = load_noxfile(site)
    noxfile.build(NoxSession(env))
    final = site / "_build" / "html"
    assert (site / "_build" / "deploycache.json").is_file()
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in final.rglob("*") if p.is_file()}
    # A post that fails the strict build after every page was written.
    (site / "posts/2024/eta.md").write_text(NEW_POST + "\nSee {doc}`no-such-page`.\n", "utf-8")
    with pytest.raises(RuntimeError, match="sphinx-build failed"):
        noxfile.build(NoxSession(env))
    assert sorted(p.name for p in (site / "_build").iterdir()) == ["deploycache.json", "doctrees", "html"]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in final.rglob("*") if p.is_file()} == before
    # Fixed, the next deploy builds on the last site and writes what a clean build writes.
    (site / "posts/2024/eta.md").write_text(NEW_POST, "utf-8")
    noxfile.build(NoxSession(env))
    built = assert_clean(run_sphinx(site, tmp_path / "clean", env=DAY))
    problems = tree_differences(final, built.outdir)
    assert not problems, "the deploy differs from a clean build:\n" + "\n\n".join(problems)
