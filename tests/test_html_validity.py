"""Every page of the built site is valid HTML, and every link inside the site leads somewhere.

- The Nu Html Checker (the validator behind validator.w3.org/nu, from the
  ``vnu-jar`` npm package, run with Java) reports zero errors on every page
  outside ``_static/``. It skips, or fails under ``BLOG_REQUIRE_BROWSER=1``,
  without Java or ``npm ci``.
- Every internal ``href`` and ``src`` resolves to a file of the built site, and
  every ``#anchor`` to an element with that id on the target page. Pure Python.
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from checkers import VNU, need_vnu

#: Attributes that point at another resource.
LINK_ATTRS = ("href", "src")
#: Pseudo-hosts that page URLs are resolved against; anything else is external.
HERE = "http://site.invalid/"


def pages(outdir: Path) -> list[Path]:
    return sorted(p for p in outdir.rglob("*.html") if "_static" not in p.relative_to(outdir).parts)


def url_of(outdir: Path, page: Path) -> str:
    rel = page.relative_to(outdir).as_posix()
    return HERE + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def run_vnu(java: str, files: list[Path]) -> list[dict]:
    """The Nu Html Checker's error messages for *files*."""
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stderr or proc.stdout)
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


@pytest.mark.browser
def test_every_page_is_valid_html_for_the_nu_html_checker(site):
    java = need_vnu()
    files = pages(site.outdir)
    assert len(files) > 10
    errors = run_vnu(java, files)
    report = "\n".join(
        f"{urlsplit(m.get('url', '')).path.split(str(site.outdir))[-1]}:{m.get('lastLine', '?')}: "
        f"{m['message']}"
        f"\n    {m.get('extract', '').strip()}"
        for m in errors
    )
    assert errors == [], f"{len(errors)} HTML errors:\n{report}"


@pytest.mark.browser
def test_nu_html_checker_reports_an_invalid_page(tmp_path):
    # The check above can fail: a <div> in a <ul> and a duplicate id, as ABlog's sidebars had.
    java = need_vnu()
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
        '<ul><div id="a">x</div></ul><p id="a">y</p></body></html>'
    )
    messages = " ".join(m["message"] for m in run_vnu(java, [bad]))
    assert "Element “div” not allowed as child of element “ul”" in messages
    assert "Duplicate ID “a”" in messages


class Site:
    """The built files, for resolving URLs against them."""

    def __init__(self, outdir: Path):
        self.outdir = outdir

    def file_for(self, url: str) -> Path | None:
        path = unquote(urlsplit(url).path)[len(urlsplit(HERE).path) :]
        target = self.outdir / path
        if path.endswith("/") or path == "":
            target = target / "index.html"
        if target.is_file():
            return target
        if target.is_dir() and (target / "index.html").is_file():
            return target / "index.html"
        return None

    @cache  # noqa: B019 - one Site per test
    def ids(self, page: Path) -> frozenset[str]:
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        return frozenset(el["id"] for el in soup.find_all(id=True)) | frozenset(
            el["name"] for el in soup.find_all("a", attrs={"name": True})
        )


def broken_links(outdir: Path) -> list[str]:
    """Every internal href/src of every page that leads nowhere, as ``page: attr=value (why)``."""
    site = Site(outdir)
    broken = []
    for page in pages(outdir):
        base = url_of(outdir, page)
        if page.name == "404.html":
            base = HERE  # served at every missing URL: its links are absolute
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for element in soup.find_all(True):
            for attr in LINK_ATTRS:
                value = element.get(attr)
                if value is None:
                    continue
                if element.name == "link" and "canonical" in element.get("rel", []):
                    continue  # the published address, checked by test_site.py
                target = urljoin(base, value.strip())
                if not target.startswith(HERE):
                    continue  # another site, mailto:, data:, javascript:
                where = f"{page.relative_to(outdir).as_posix()}: {attr}={value!r}"
                file = site.file_for(target)
                if file is None:
                    broken.append(f"{where} (no such file)")
                    continue
                fragment = unquote(urlsplit(target).fragment)
                if fragment and file.suffix == ".html" and fragment not in site.ids(file):
                    broken.append(f"{where} (no id {fragment!r} in {file.relative_to(outdir).as_posix()})")
    return broken


def test_every_internal_link_and_src_resolves_anchors_included(site):
    broken = broken_links(site.outdir)
    assert broken == [], "\n".join(broken)


def test_link_check_catches_a_missing_page_and_a_missing_anchor(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<h1 id="top">A</h1><a href="../b/">b</a><a href="#nowhere">x</a>'
        '<a href="#top">ok</a><a href="https://example.org/x">out</a>'
    )
    (tmp_path / "index.html").write_text('<a href="a/#top">a</a><img src="_static/missing.png" alt="">')
    assert broken_links(tmp_path) == [
        "a/index.html: href='../b/' (no such file)",
        "a/index.html: href='#nowhere' (no id 'nowhere' in a/index.html)",
        "index.html: src='_static/missing.png' (no such file)",
    ]


def test_missing_browser_skips_with_install_hint_and_fails_when_required(monkeypatch, tmp_path):
    import checkers

    monkeypatch.setattr(checkers, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("BLOG_REQUIRE_BROWSER", raising=False)
    hint = "apt-get install chromium default-jre-headless nodejs npm"
    with pytest.raises(pytest.skip.Exception, match=hint):
        checkers.need_browser()
    monkeypatch.setenv("BLOG_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="BLOG_REQUIRE_BROWSER=1"):
        checkers.need_browser()
