"""Nothing off-site, nothing active but the site's own: every page written is read as a browser reads it.

A published page loads nothing from another host (no image, script, stylesheet,
font, frame, video, audio, object) unless ``blogext_allowed_hosts`` (``conf.py``, a list
of host names, empty by default) lists that host, and runs no script but the
site's own. After each build, every HTML page written by it is read the way a
browser reads it, so that no spelling of a URL gets past:

- **parsed by an HTML5 parser** (lexbor, through selectolax), twice: as a browser
  that runs scripts parses it and as one that does not (``<noscript>`` differs),
  with the content of every ``<template>`` and of every ``<iframe srcdoc>`` (parsed
  as the page it is, recursively); character references are decoded by the parser;
- **URLs resolved by the WHATWG URL parser** (ada, through ada-url) against the
  page's own URL: backslashes, ``/\\host``, tabs and newlines, ``//host``, upper
  case, IDNA and numeric hosts come out as the browser's;
- **every attribute that loads something**: ``src``, ``srcset`` and ``imagesrcset``
  (split as browsers split them), ``poster``, ``background``, ``lowsrc``, ``dynsrc``,
  ``data`` of ``object``, ``codebase``, ``archive``, ``manifest``, ``action`` and
  ``formaction``, ``ping``, the ``href`` of ``link`` (unless every ``rel`` is one that
  loads nothing, such as ``canonical``) and of any element that is not a link
  (SVG ``image``, ``use``, ``feImage``, ``script``...), ``xlink:href`` likewise,
  ``<param value>``, the URL of ``<meta http-equiv=refresh>``, and the values an SVG
  ``<animate>`` or ``<set>`` gives an ``href``;
- **CSS** of ``<style>`` elements and ``style`` attributes, tokenized by tinycss2
  (escapes decoded): ``url()``, ``src()``, the strings of ``image-set()`` and its
  kin, and ``@import``.

What fails the build, as a ``blog.offsite`` warning naming the file (the post's
source, or the output file of a generated page), the line when it can be found,
the element and attribute, the URL, and what to do:

- a load from another host (``blogext_allowed_hosts`` names the fix);
- a frame (``iframe``, ``frame``) of anything but an allowed host, and any
  ``<object>``, ``<embed>`` or ``<applet>``: the page's Content-Security-Policy
  (:mod:`blogext.outputs.csp`) blocks them, so they would be silently empty;
- a ``data:`` URL where it can hold a page or a script (frames, scripts,
  stylesheets, ``@import``); images, fonts and media may be ``data:`` URLs;
- active content: an event-handler attribute (``on*``), a ``javascript:`` or
  ``vbscript:`` URL (links included), CSS ``expression()``, and an inline script
  that is not the site's own (see :func:`blogext.outputs.offsite_reader.own_inline_scripts`);
- any ``<base href>``, which would make the theme's own relative URLs point elsewhere.

Links (``<a href>``) to other hosts are fine: they load nothing.

The documents' pages are read beside the build (:mod:`blogext.core.beside`) as soon as they are all
written (``html-collect-pages``), while the archives, feeds and cards are made; at the end, the pages
written since, or changed since they were read, are read in the build's process.

Incremental builds check the pages they write, and again every page that had a
problem in an earlier build (kept in ``<doctrees>/blogext-offsite.json``), so a
rebuild does not pass just because the page with the problem was not rewritten.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ada_url import URL
from sphinx.application import Sphinx
from sphinx.util import logging

import blogext
from blogext.core import beside, buildstate, settings
from blogext.core.settings import Check, setting
from blogext.outputs.offsite_reader import Finding, findings, normal_host, template_scripts

logger = logging.getLogger(__name__)

STATE_FILE = "blogext-offsite.json"
#: The documents' pages are read beside the build when it read and wrote at least this many (a clean build).
BESIDE_FROM = 50
#: The page URL used when ``html_baseurl`` is not set (``.invalid`` never resolves).
FALLBACK_BASE = "https://blog.invalid/"


# -- the build step ------------------------------------------------------------------------------------------


def site_url(app: Sphinx) -> str:
    """The URL the site is served at (``html_baseurl``), ending in a slash; a stand-in when it is unset."""
    base = (app.config.html_baseurl or "").strip()
    try:
        return URL(base).href.rstrip("/") + "/" if base else FALLBACK_BASE
    except ValueError:
        return FALLBACK_BASE


def allowed_hosts(app: Sphinx) -> set[str]:
    """The other hosts a page may load from: ``blogext_allowed_hosts``, as URLs spell them."""
    return {
        h for h in (normal_host(name) for name in settings.of(app.config, OffsiteSettings).allowed_hosts) if h
    }


@dataclass
class _Check:
    """This build's check: when it started (pages written after it are read), and the inline scripts
    the site's templates hold (see :func:`template_scripts`)."""

    started: float = 0
    template_scripts: frozenset[str] | None = None
    #: How many documents this build reads (a rebuild that reads few writes few pages, mostly).
    reading: int = 0


def template_scripts_of(app: Sphinx) -> frozenset[str]:
    """:func:`template_scripts` of the folders the builder finds its templates in (once per build):
    ``templates_path``, the theme's and its bases', and those extensions add (ABlog's)."""
    state = buildstate.of(app, _Check)
    if state.template_scripts is None:
        loaders = getattr(getattr(app.builder, "templates", None), "loaders", None) or []
        folders = [Path(folder) for loader in loaders for folder in getattr(loader, "searchpath", [])]
        state.template_scripts = template_scripts(dict.fromkeys(folders))
    return state.template_scripts


def _on_builder_inited(app: Sphinx) -> None:
    buildstate.of(app, _Check).started = time.time() - 1  # mtimes may be rounded down to the second


def _on_read_docs(app: Sphinx, env: Any, docnames: list[str]) -> None:
    buildstate.of(app, _Check).reading = len(docnames)


def _sources_by_page(app: Sphinx) -> dict[Path, str]:
    out: dict[Path, str] = {}
    for docname in app.env.found_docs:
        out[Path(app.builder.get_outfilename(docname)).resolve()] = docname
    return out


def _line_of(app: Sphinx, docname: str, finding: Finding) -> int | None:
    try:
        lines = Path(app.env.doc2path(docname)).read_text("utf-8").splitlines()
    except OSError:
        return None
    value = finding.value.strip()
    attribute = finding.what.split()[-1].strip("<>")  # an event handler's name is distinctive enough
    ends = (value[:12], value[-12:]) if len(value) >= 8 else ()  # what character references left alone
    needles = [
        n
        for n in (value, value[:40], finding.host, attribute if attribute.startswith("on") else "", *ends)
        if n
    ]
    for needle in needles:
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return number
    return None


def message(finding: Finding) -> str:
    """What is wrong with *finding* and what to do, for the warning."""
    what, value = finding.what, _shown(finding.value)
    read_as = (
        f" (a browser reads it as {finding.url})" if finding.url and finding.url != finding.value else ""
    )
    if finding.problem == "offsite":
        return (
            f"{what} loads {value} from another host, {finding.host}{read_as} (expected a file of the site: "
            "a published page loads nothing from another host unless blogext_allowed_hosts in conf.py lists "
            f"it; add {finding.host!r} there to allow it)"
        )
    if finding.problem == "frame":
        return (
            f"{what} {value}{read_as} is blocked by the page's Content-Security-Policy, which allows frames "
            "only from hosts in blogext_allowed_hosts and no <object>, <embed> or <applet> (expected an "
            "<img> for a picture, or an <iframe> of a host listed in blogext_allowed_hosts)"
        )
    if finding.problem == "data":
        return (
            f"{what} loads a data: URL, {value}, which can hold a page or a script (expected a file of "
            "the site: save it next to the post and link to it; images, fonts and media may be data: URLs)"
        )
    if finding.problem == "base":
        return (
            f"{what} {value} would make every relative URL of the page point elsewhere, the theme's own "
            "scripts and styles among them (expected no <base> element: remove it)"
        )
    return (
        f"{what} is active content, {value}{read_as}: script the site did not make, which the page's "
        "Content-Security-Policy blocks (expected no event handler, javascript: URL or inline script in a "
        "post: remove it)"
    )


def _shown(value: str, limit: int = 120) -> str:
    text = value if len(value) <= limit else value[:limit] + "..."
    return json.dumps(text, ensure_ascii=False)


def _pages_to_read(app: Sphinx) -> set[Path]:
    """The pages this build wrote, and those that had a problem in an earlier build."""
    outdir = Path(app.outdir).resolve()
    try:
        earlier = set(json.loads((Path(app.doctreedir) / STATE_FILE).read_text("utf-8")))
    except (OSError, ValueError):
        earlier = set()
    started = buildstate.of(app, _Check).started
    pages = {
        p
        for p in outdir.rglob("*.html")
        if "_static" not in p.relative_to(outdir).parts and p.stat().st_mtime >= started
    }
    return pages | {outdir / name for name in earlier if (outdir / name).is_file()}


def _stamp(page: Path) -> tuple[int, int]:
    status = page.stat()
    return status.st_mtime_ns, status.st_size


def read_pages(
    pages: list[Path], outdir: Path, base: str, allowed: set[str], literals: frozenset[str]
) -> dict[Path, tuple[tuple[int, int], list[Finding]]]:
    """Each page's file stamp (time, size) as it was read, and its findings."""
    out = {}
    for page in pages:
        stamp = _stamp(page)
        text = page.read_text("utf-8", errors="replace")
        out[page] = (stamp, findings(text, base + page.relative_to(outdir).as_posix(), allowed, literals))
    return out


@dataclass
class _Early:
    """The documents' pages, read beside the build from ``html-collect-pages`` on."""

    job: beside.Job | None = None


def _on_collect_pages(app: Sphinx) -> list:
    """The documents' pages are all written: read them beside the build while the rest is made."""
    many = app.builder.format == "html" and buildstate.of(app, _Check).reading >= BESIDE_FROM
    pages = sorted(_pages_to_read(app)) if many else []
    if len(pages) >= BESIDE_FROM:  # fewer are read at the end, quicker than a fork
        args = (
            pages,
            Path(app.outdir).resolve(),
            site_url(app),
            allowed_hosts(app),
            template_scripts_of(app),
        )
        buildstate.of(app, _Early).job = beside.start(app, "the off-site check", read_pages, *args)
    return []


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir).resolve()
    state_file = Path(app.doctreedir) / STATE_FILE
    pages = _pages_to_read(app)
    base, allowed, literals = site_url(app), allowed_hosts(app), template_scripts_of(app)
    early = buildstate.of(app, _Early).job
    read = early.result() if early is not None else {}
    # A page read early counts only if it is still what was read (the archives, feeds... come later).
    again = sorted(p for p in pages if p not in read or read[p][0] != _stamp(p))
    read.update(read_pages(again, outdir, base, allowed, literals))
    sources: dict[Path, str] | None = None  # made when a page has a problem (a path for every document)
    failing = []
    for page in sorted(pages):
        name = page.relative_to(outdir).as_posix()
        problems = read[page][1]
        if not problems:
            continue
        failing.append(name)
        sources = _sources_by_page(app) if sources is None else sources
        docname = sources.get(page.resolve())
        for finding in problems:
            location = (docname, _line_of(app, docname, finding)) if docname is not None else name
            logger.warning(message(finding), type="blog", subtype="offsite", location=location)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(sorted(failing)), "utf-8")


def _host_names(hosts: tuple[str, ...]) -> bool:
    return all(host and "/" not in host and normal_host(host) for host in hosts)


@dataclass(frozen=True)
class OffsiteSettings:
    """What may load from other hosts (``blogext_<field>`` in ``conf.py``)."""

    allowed_hosts: tuple[str, ...] = setting(
        (),
        "hosts a published page may load images, scripts, iframes, ... from (none by default)",
        "html",
        check=Check("a list of host names such as ['www.youtube-nocookie.com'], or []", _host_names),
    )


def setup(app: Sphinx) -> dict[str, Any]:
    settings.add(app, OffsiteSettings)
    app.setup_extension("blogext.core.beside")
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-before-read-docs", _on_read_docs)
    app.connect("html-collect-pages", _on_collect_pages, priority=blogext.OFFSITE_EARLY)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
