"""Every page of the built site is valid HTML, and every link inside the site leads somewhere.

- The Nu Html Checker (the validator behind validator.w3.org/nu, from the
  ``vnu-jar`` npm package, run with Java) reports zero errors on every page
  outside ``_static/``. It skips, or fails under ``BLOG_REQUIRE_BROWSER=1``,
  without Java or ``npm ci``.
- Every internal ``href`` and ``src`` resolves to a file of the built site, and
  every ``#anchor`` to an element with that id on the target page. Pure Python.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from checkers import need_vnu, run_vnu
from conftest import broken_links, html_pages

#: Attributes that point at another resource.


@pytest.mark.browser
def test_every_page_is_valid_html_for_the_nu_html_checker(site):
    java = need_vnu()
    files = html_pages(site.outdir)
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
