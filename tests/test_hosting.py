"""Deploy anywhere, leak nothing: the site's URLs on every host, and output folders that hold only the site.

The test site ``tests/roots/test-hosting`` is built with the real ``conf.py``,
templates and styles. It has two published posts (one with an image and a file
to download) and a draft, "Leaving my job for a new startup", whose title,
description, tags, category, file name, body, image and download are markers
that must never reach an output folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import (
    ATOM,
    REPO,
    ROOTS,
    TODAY,
    BuiltSite,
    NoxSession,
    assert_clean,
    load_noxfile,
    make_site,
    run_sphinx,
)

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from siteserver import serve  # noqa: E402

from blogext.core.errors import SettingError  # noqa: E402
from blogext.core.siteurl import pages_url, resolve_urls  # noqa: E402

DRAFT = "posts/2024/leaving-my-job"
#: Everything of the draft that must stay out of every output folder (searched in bytes and paths).
DRAFT_TRACES = [
    "Leaving my job for a new startup",
    "HOSTDRAFTDESC4821",
    "HOSTDRAFTBODY9053",
    "HOSTDRAFTFILE3318",
    "Hostdraftonlytag",
    "Hostdraftcategory",
    "leaving-my-job",
    "draft-photo",
    "draft-plan",
]
DRAFT_FILES = [
    ROOTS / "test-hosting" / "posts" / "2024" / name for name in ("draft-photo.png", "draft-plan.csv")
]
URL_ENV = ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL", "BLOG_PAGES_REPOSITORY", "BLOG_CANONICAL_URL")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOG_") and k not in URL_ENV}
    env.update({"PYTHONPATH": str(REPO), "NO_COLOR": "1", **TODAY, **(extra or {})})
    return env


def build(
    src: Path, out: Path, env: dict[str, str] | None = None, *args: str, builder="dirhtml"
) -> BuiltSite:
    """A strict build with the doctree folder outside *out* (as nox builds), in a clean URL environment."""
    full = {**TODAY, **(env or {})}
    for name in URL_ENV:
        full.setdefault(name, "")
    return assert_clean(run_sphinx(src, out, *args, env=full, builder=builder))


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site("hosting", tmp_path / "src")


# -- base URLs: every GitHub Pages shape, a custom domain, Read the Docs ------------------------------


def test_pages_url_of_user_project_and_organisation_sites():
    assert pages_url("alice/alice.github.io", "x") == "https://alice.github.io/"
    assert pages_url("Alice/Alice.GitHub.io", "x") == "https://alice.github.io/"
    assert pages_url("ml-org/ml-org.github.io", "x") == "https://ml-org.github.io/"
    assert pages_url("alice/ml-blog", "x") == "https://alice.github.io/ml-blog/"
    # Named like a user site, but of another owner: GitHub serves it as a project site.
    assert pages_url("alice/bob.github.io", "x") == "https://alice.github.io/bob.github.io/"


def test_urls_in_order_read_the_docs_base_url_custom_domain_repository_html_baseurl(tmp_path):
    base = "https://conf.example.org/"
    assert resolve_urls({}, html_baseurl=base).served == base
    assert (
        resolve_urls({}, html_baseurl=base, repository="alice/blog").served == "https://alice.github.io/blog/"
    )
    env = {"BLOG_PAGES_REPOSITORY": "bob/bob.github.io"}
    assert resolve_urls(env, html_baseurl=base, repository="alice/blog").served == "https://bob.github.io/"
    assert (
        resolve_urls(env, html_baseurl=base, custom="Blog.Example.com").served == "https://blog.example.com/"
    )
    (tmp_path / "CNAME").write_text("\nwww.example.net\n")
    assert resolve_urls(env, html_baseurl=base, srcdir=tmp_path).served == "https://www.example.net/"
    assert resolve_urls(env, html_baseurl=base, custom="a.example.com", srcdir=tmp_path).served == (
        "https://a.example.com/"
    )
    env["BLOG_BASE_URL"] = "https://mirror.example.org/sub"
    assert resolve_urls(env, html_baseurl=base, srcdir=tmp_path).served == "https://mirror.example.org/sub/"


def test_canonical_url_is_the_pages_url_unless_set():
    rtd = {"READTHEDOCS_CANONICAL_URL": "https://blog.readthedocs.io/en/latest/"}
    urls = resolve_urls(rtd, html_baseurl="https://alice.github.io/", repository="alice/alice.github.io")
    assert (urls.served, urls.canonical) == (
        "https://blog.readthedocs.io/en/latest/",
        "https://alice.github.io/",
    )
    assert not urls.is_canonical and not urls.served_at_root
    urls = resolve_urls(
        {}, html_baseurl="https://alice.github.io/", canonical="https://blog.readthedocs.io/en/latest"
    )
    assert (urls.served, urls.canonical) == (
        "https://alice.github.io/",
        "https://blog.readthedocs.io/en/latest/",
    )
    urls = resolve_urls({**rtd, "BLOG_CANONICAL_URL": "https://x.example.org/"}, html_baseurl="https://a.b/")
    assert urls.canonical == "https://x.example.org/"


@pytest.mark.parametrize(
    ("kwargs", "environ", "message"),
    [
        (
            {"repository": "alice"},
            {},
            "blogext_pages_repository 'alice' is not a GitHub repository (expected owner/name)",
        ),
        ({}, {"BLOG_PAGES_REPOSITORY": "a/b/c"}, "BLOG_PAGES_REPOSITORY 'a/b/c' is not a GitHub repository"),
        (
            {"custom": "https://blog.example.org/"},
            {},
            "blogext_custom_domain 'https://blog.example.org/' is not a domain",
        ),
        ({"custom": "localhost"}, {}, "blogext_custom_domain 'localhost' is not a domain name"),
        (
            {"canonical": "alice.github.io"},
            {},
            "blogext_canonical_url 'alice.github.io' is not an absolute URL",
        ),
        (
            {},
            {"BLOG_CANONICAL_URL": "ftp://x.org/"},
            "BLOG_CANONICAL_URL 'ftp://x.org/' is not an absolute URL",
        ),
        (
            {},
            {"BLOG_BASE_URL": "https://x.org/?a=1"},
            "BLOG_BASE_URL 'https://x.org/?a=1' is not an absolute URL",
        ),
    ],
)
def test_bad_url_settings_fail_with_a_clear_message(kwargs, environ, message):
    with pytest.raises(SettingError) as caught:
        resolve_urls(environ, html_baseurl="https://a.example.org/", **kwargs)
    assert message in str(caught.value)


def test_bad_cname_file_fails_the_build_naming_the_file(site, tmp_path):
    (site / "CNAME").write_text("https://blog.example.org/path\n")
    built = run_sphinx(site, tmp_path / "out", env=TODAY)
    assert built.returncode != 0
    assert "CNAME file 'https://blog.example.org/path' is not a domain name" in built.stderr
    (site / "CNAME").write_text("\n\n")
    built = run_sphinx(site, tmp_path / "out", env=TODAY)
    assert "CNAME file is empty (expected one line with a domain" in built.stderr


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def check_served(built: BuiltSite, base: str, *, robots: bool) -> None:
    """Serve *built* at the path of *base*, as GitHub Pages would, and follow every URL the site names."""
    path = urlsplit(base).path
    page = built.html("posts/2024/alpha/")
    canonical = page.select_one('link[rel="canonical"]')["href"]
    assert canonical == f"{base}posts/2024/alpha/"
    assert page.select_one('meta[property="og:url"]')["content"] == canonical
    archive = built.html("blog/tag/python/")
    assert archive.select_one('meta[property="og:url"]')["content"] == f"{base}blog/tag/python/"
    feed = built.feed("blog/atom.xml")
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == f"{base}blog/atom.xml"
    feed_urls = [self_link, *(link.get("href") for link in feed.iter(f"{ATOM}link"))]
    feed_urls += re.findall(
        r'(?:href|src)="([^"]+)"', "".join(e.text or "" for e in feed.iter(f"{ATOM}content"))
    )
    sitemap = re.findall(r"<loc>([^<]+)</loc>", (built.outdir / "sitemap.xml").read_text())
    assert sitemap and all(url.startswith(base) for url in sitemap)
    assert ((built.outdir / "robots.txt").is_file()) is robots
    if robots:
        assert f"Sitemap: {base}sitemap.xml" in (built.outdir / "robots.txt").read_text()
    assert (built.outdir / ".nojekyll").is_file()
    # Served under its path: a folder holding the output at that path.
    host_root = built.outdir.parent / f"{built.outdir.name}-host"
    target = host_root / path.strip("/") if path.strip("/") else host_root
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built.outdir, target)
    shutil.copy2(built.outdir / "404.html", host_root / "404.html")  # the host's 404 answer
    with serve(host_root) as server:
        local = server.url.rstrip("/")
        absolute = [url for url in [canonical, *feed_urls, *sitemap] if url.startswith(base)]
        assert len(absolute) > 10
        for url in absolute:
            assert fetch(local + urlsplit(url).path) == 200, url
        missing = f"{local}{path}no/such/deep/page/"
        assert fetch(missing) == 404
        notfound = BeautifulSoup((host_root / "404.html").read_text("utf-8"), "html.parser")
        links = [a["href"] for a in notfound.select("a[href]") if not a["href"].startswith(("#", "http"))]
        links += [s["href"] for s in notfound.select("link[href]") if not s["href"].startswith("http")]
        links += [s["src"] for s in notfound.select("script[src]") if not s["src"].startswith("http")]
        assert len(links) >= 8
        for link in links:
            assert link.startswith(path), f"404 page link {link} is not under {path}"
            assert fetch(local + link.split("#")[0]) == 200, link


def test_user_site_is_served_at_the_root(site, tmp_path):
    built = build(site, tmp_path / "out", {"BLOG_PAGES_REPOSITORY": "alice/alice.github.io"})
    check_served(built, "https://alice.github.io/", robots=True)
    assert not (built.outdir / "CNAME").exists()


def test_project_site_is_served_under_its_repository_name(site, tmp_path):
    built = build(site, tmp_path / "out", {"BLOG_PAGES_REPOSITORY": "alice/ml-blog"})
    check_served(built, "https://alice.github.io/ml-blog/", robots=False)


def test_custom_domain_from_cname_wins_and_is_copied(site, tmp_path):
    (site / "CNAME").write_text("blog.example.org\n")
    built = build(site, tmp_path / "out", {"BLOG_PAGES_REPOSITORY": "alice/ml-blog"})
    check_served(built, "https://blog.example.org/", robots=True)
    assert (built.outdir / "CNAME").read_text() == "blog.example.org\n"


def test_read_the_docs_copy_points_to_the_canonical_pages_site(site, tmp_path):
    rtd = "https://alice-blog.readthedocs.io/en/latest/"
    built = build(site, tmp_path / "out", {"READTHEDOCS_CANONICAL_URL": rtd, "BLOG_PAGES_REPOSITORY": ""})
    # Canonical links, og:url, feeds (rel="self" too) and the sitemap name the Pages site of conf.py...
    page = built.html("posts/2024/alpha/")
    assert (
        page.select_one('link[rel="canonical"]')["href"] == "https://shrutiturner.github.io/posts/2024/alpha/"
    )
    assert (
        page.select_one('meta[property="og:url"]')["content"]
        == "https://shrutiturner.github.io/posts/2024/alpha/"
    )
    feed = built.feed("blog/atom.xml")
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://shrutiturner.github.io/blog/atom.xml"
    assert rtd not in (built.outdir / "blog" / "atom.xml").read_text()
    # ...while the 404 page works where Read the Docs serves it, and no robots.txt sits in a folder.
    links = [a["href"] for a in built.html("404.html").select("a[href]") if a["href"].startswith("/")]
    assert links and all(link.startswith("/en/latest/") for link in links)
    assert not (built.outdir / "robots.txt").exists()


def test_read_the_docs_copy_is_canonical_when_the_setting_says_so(site, tmp_path):
    rtd = "https://alice-blog.readthedocs.io/en/latest/"
    pages = build(
        site, tmp_path / "pages", {"BLOG_PAGES_REPOSITORY": "alice/ml-blog", "BLOG_CANONICAL_URL": rtd}
    )
    assert (
        pages.html("posts/2024/alpha/").select_one('link[rel="canonical"]')["href"]
        == f"{rtd}posts/2024/alpha/"
    )
    assert pages.feed("blog/atom.xml").find(f"{ATOM}link[@rel='self']").get("href") == f"{rtd}blog/atom.xml"
    links = [a["href"] for a in pages.html("404.html").select("a[href]") if a["href"].startswith("/")]
    assert links and all(link.startswith("/ml-blog/") for link in links)


# -- no trace of a draft in any output folder, from any documented command ----------------------------


def assert_no_draft_trace(folder: Path) -> None:
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in files), f"nothing was built in {folder}"
    everything = b"\n".join(p.read_bytes() for p in files).lower()
    assert b"alpha post" in everything  # the search can succeed
    for trace in DRAFT_TRACES:
        leaks = [
            p.relative_to(folder).as_posix()
            for p in files
            if trace.lower().encode() in p.read_bytes().lower() or trace.lower() in p.as_posix().lower()
        ]
        assert leaks == [], f"{trace!r} leaked into {leaks}"
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in DRAFT_FILES}
    assert not [p for p in files if hashlib.sha256(p.read_bytes()).hexdigest() in digests]
    assert not [p for p in files if p.suffix in (".pickle", ".doctree")]


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{shlex.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@pytest.mark.parametrize(
    "args",
    [
        ["."],  # sphinx-build . out: the html builder
        ["-b", "dirhtml", "."],
        ["-b", "html", "-W", "--keep-going", "-n", "."],
    ],
    ids=["plain", "dirhtml", "html-strict"],
)
def test_plain_sphinx_build_leaves_no_draft_trace_in_its_output(site, args):
    for _ in range(2):  # and again into the same folder, as a reused output folder is
        run([sys.executable, "-m", "sphinx", *args, "out"], site, clean_env())
    assert_no_draft_trace(site / "out")
    assert (site / "out.doctrees" / "environment.pickle").is_file()  # kept, outside: builds stay incremental


def test_an_old_doctree_folder_inside_the_output_is_removed(site):
    run(
        [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-d", "out/.doctrees", ".", "out"],
        site,
        clean_env(),
    )
    assert not (site / "out" / ".doctrees").exists()
    assert_no_draft_trace(site / "out")


def test_nox_build_leaves_no_draft_trace_in_its_output(site):
    shutil.copy2(REPO / "noxfile.py", site / "noxfile.py")
    shutil.copy2(REPO / "pyproject.toml", site / "pyproject.toml")
    noxfile = load_noxfile(site)
    env = clean_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    noxfile.build(NoxSession(env))
    assert_no_draft_trace(site / "_build" / "html")


def read_the_docs_commands() -> list[str]:
    config = yaml.safe_load((REPO / ".readthedocs.yaml").read_text())
    return config["build"]["jobs"]["build"]["html"]


def test_read_the_docs_build_leaves_no_draft_trace_in_what_it_uploads(site, tmp_path):
    output = tmp_path / "readthedocs-output"
    env = clean_env({"READTHEDOCS_OUTPUT": str(output), "READTHEDOCS": "True"})
    env["READTHEDOCS_CANONICAL_URL"] = "https://alice-blog.readthedocs.io/en/latest/"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for command in read_the_docs_commands():
        command = command.replace("$READTHEDOCS_OUTPUT", str(output)).replace(
            "python ", f"{sys.executable} ", 1
        )
        run(shlex.split(command), site, env)
    assert_no_draft_trace(output)  # everything Read the Docs uploads lives in here
    assert sorted(p.name for p in output.iterdir()) == ["html"]


def test_read_the_docs_builds_with_the_doctree_folder_outside_its_output():
    for command in read_the_docs_commands():
        if "sphinx" in command:
            args = shlex.split(command)
            doctrees = args[args.index("-d") + 1]
            assert "$READTHEDOCS_OUTPUT" not in doctrees


# -- reused output folders: nothing left of a post that became a draft or was deleted ----------------


def output_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def publish_draft(site: Path) -> None:
    post = site / f"{DRAFT}.md"
    post.write_text(post.read_text().replace("draft: true\n", ""))


@pytest.mark.parametrize("builder", ["dirhtml", "html"])
@pytest.mark.parametrize("change", ["drafted", "deleted"])
def test_a_post_that_becomes_a_draft_or_is_deleted_leaves_nothing_behind(site, tmp_path, builder, change):
    publish_draft(site)
    out = tmp_path / "out"
    first = build(site, out, builder=builder)
    page = (
        "posts/2024/leaving-my-job/index.html" if builder == "dirhtml" else "posts/2024/leaving-my-job.html"
    )
    used = {page, "_images/draft-photo.png"}
    assert used <= output_files(out)
    assert any("draft-plan.csv" in name for name in output_files(out))
    assert "Leaving my job" in (first.outdir / "blog" / "atom.xml").read_text()
    post = site / f"{DRAFT}.md"
    if change == "drafted":
        post.write_text(post.read_text().replace("date: 2024-03-01\n", "date: 2024-03-01\ndraft: true\n"))
    else:
        for path in [post, *(site / "posts" / "2024" / p.name for p in DRAFT_FILES)]:
            path.unlink()
    build(site, out, builder=builder)
    assert_no_draft_trace(out)
    clean = build(site, tmp_path / "clean", builder=builder)
    assert output_files(out) == output_files(clean.outdir)


def test_a_reused_output_folder_with_a_fresh_doctree_folder_is_swept_too(site, tmp_path):
    publish_draft(site)
    out = tmp_path / "out"
    run(
        [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-d", str(tmp_path / "d1"), ".", str(out)],
        site,
        clean_env(),
    )
    assert (out / "blog" / "tag" / "hostdraftonlytag" / "index.html").is_file()
    post = site / f"{DRAFT}.md"
    post.write_text(post.read_text().replace("date: 2024-03-01\n", "date: 2024-03-01\ndraft: true\n"))
    run(
        [sys.executable, "-m", "sphinx", "-b", "dirhtml", "-d", str(tmp_path / "d2"), ".", str(out)],
        site,
        clean_env(),
    )
    assert_no_draft_trace(out)
    clean = build(site, tmp_path / "clean")
    assert output_files(out) == output_files(clean.outdir)


def test_a_published_build_into_a_preview_folder_leaves_no_draft_trace(site, tmp_path):
    out = tmp_path / "out"
    preview = build(site, out, {"BLOG_PREVIEW": "1"})
    assert (preview.outdir / "posts" / "2024" / "leaving-my-job" / "index.html").is_file()
    assert (preview.outdir / "blog" / "drafts" / "index.html").is_file()
    build(site, out)
    assert_no_draft_trace(out)
    assert output_files(out) == output_files(build(site, tmp_path / "clean").outdir)
