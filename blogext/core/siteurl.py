"""The site's URLs: where this build is served, and which host is canonical.

**Where this build is served** (the *served URL*), first match wins:

1. ``READTHEDOCS_CANONICAL_URL``: Read the Docs sets it in every build;
2. ``BLOG_BASE_URL``: any URL, for a build by hand or another host;
3. a custom domain: ``blogext_custom_domain`` in ``conf.py``, else the first line of
   a ``CNAME`` file next to ``conf.py`` (GitHub Pages' own file): ``https://<domain>/``;
4. a GitHub Pages repository, ``owner/name``: ``BLOG_PAGES_REPOSITORY`` (the
   site workflow sets it from ``github.repository``), else
   ``blogext_pages_repository``. A repository named ``<owner>.github.io`` is a user
   or organisation site, served at ``https://<owner>.github.io/``; any other is
   a project site, served at ``https://<owner>.github.io/<name>/``;
5. ``html_baseurl`` from ``conf.py``.

**The canonical URL**, the one copy search engines and feed readers should know:
``BLOG_CANONICAL_URL``, else ``blogext_canonical_url``, else the URL the site has on
GitHub Pages, that is the served URL worked out without step 1. So a Read the
Docs build points its canonical links to the Pages site, and a Pages build to
itself; set ``blogext_canonical_url`` to the Read the Docs URL to make that one
canonical instead.

The canonical URL, always ending in ``/``, becomes both ``html_baseurl``
(canonical links, ``og:url``, the sitemap) and ABlog's ``blog_baseurl`` (feeds,
their ``rel="self"`` links too), so they never disagree. The served URL is kept
as ``blogext_served_url`` for what must work where the pages are (the 404 page's
links, and whether ``robots.txt`` is at the host's root: see
:mod:`blogext.core.hosting`).

A value that is not what the setting expects stops the build with one line
naming the setting, the value and what was expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config

import blogext
from blogext.core import settings
from blogext.core.errors import SettingError
from blogext.core.settings import setting

#: Environment variables naming the served URL outright, first match wins.
ENV_VARS = ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL")
#: The file GitHub Pages reads the custom domain from, at the repository's root.
CNAME_FILE = "CNAME"

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})+")
_OWNER = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38})", re.IGNORECASE)
_REPO = re.compile(r"[a-z0-9._-]{1,100}", re.IGNORECASE)


@dataclass(frozen=True)
class SiteURLs:
    """Where a build is served, and the canonical URL its links and feeds name."""

    served: str
    canonical: str

    @property
    def is_canonical(self) -> bool:
        return self.served == self.canonical

    @property
    def served_at_root(self) -> bool:
        """True when the site is the whole host (``https://host/``), not a folder of it."""
        return urlsplit(self.served).path in ("", "/")


def _absolute(value: str, source: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingError(
            f"{source} {value!r} is not an absolute URL (expected http:// or https://host/path/)"
        )
    return value.rstrip("/") + "/"


def custom_domain(configured: str, srcdir: Path | None) -> tuple[str, str] | None:
    """The custom domain and where it was set: *configured* (``blogext_custom_domain``), else ``CNAME``."""
    source, value = "blogext_custom_domain", (configured or "").strip()
    if not value and srcdir is not None:
        cname = Path(srcdir) / CNAME_FILE
        if cname.is_file():
            lines = [line.strip() for line in cname.read_text("utf-8", errors="replace").splitlines()]
            value, source = next((line for line in lines if line), ""), f"{CNAME_FILE} file"
            if not value:
                raise SettingError(
                    f"{source} is empty (expected one line with a domain, such as blog.example.org)"
                )
    if not value:
        return None
    if not _DOMAIN.fullmatch(value.lower()):
        raise SettingError(
            f"{source} {value!r} is not a domain name (expected a host alone, such as blog.example.org: "
            "no https://, no path)"
        )
    return value.lower(), source


def pages_url(repository: str, source: str) -> str:
    """The GitHub Pages URL of *repository* (``owner/name``): a user site or a project site."""
    value = repository.strip()
    owner, _, name = value.partition("/")
    if not (_OWNER.fullmatch(owner) and _REPO.fullmatch(name) and name not in (".", "..")):
        raise SettingError(f"{source} {value!r} is not a GitHub repository (expected owner/name)")
    host = f"{owner.lower()}.github.io"
    if name.lower() == host:
        return f"https://{host}/"  # a user or organisation site: the whole host
    return f"https://{host}/{name}/"  # a project site: a folder named after the repository


def resolve_urls(
    environ: Mapping[str, str],
    *,
    html_baseurl: str,
    custom: str = "",
    repository: str = "",
    canonical: str = "",
    srcdir: Path | None = None,
) -> SiteURLs:
    """The served and canonical URLs, from the environment and the settings (see the module's docstring)."""
    domain = custom_domain(custom, srcdir)
    pages_repo = (environ.get("BLOG_PAGES_REPOSITORY", "").strip(), "BLOG_PAGES_REPOSITORY")
    if not pages_repo[0]:
        pages_repo = ((repository or "").strip(), "blogext_pages_repository")

    def own_url(skip_read_the_docs: bool) -> str:
        for name in ENV_VARS:
            if skip_read_the_docs and name == "READTHEDOCS_CANONICAL_URL":
                continue
            value = environ.get(name, "").strip()
            if value:
                return _absolute(value, name)
        if domain is not None:
            return f"https://{domain[0]}/"
        if pages_repo[0]:
            return pages_url(*pages_repo)
        return _absolute(html_baseurl or "", "html_baseurl")

    served = own_url(skip_read_the_docs=False)
    chosen = environ.get("BLOG_CANONICAL_URL", "").strip()
    if chosen:
        chosen = _absolute(chosen, "BLOG_CANONICAL_URL")
    elif (canonical or "").strip():
        chosen = _absolute(canonical, "blogext_canonical_url")
    else:
        chosen = own_url(skip_read_the_docs=True)
    return SiteURLs(served=served, canonical=chosen)


def resolve_base_url(environ: Mapping[str, str], default: str) -> str:
    """The served URL from *environ*, else *default* (kept for callers of the first version)."""
    return resolve_urls(environ, html_baseurl=default).served


def site_urls(config: Config) -> SiteURLs:
    """The URLs this build settled on at ``config-inited``."""
    served = settings.of(config, SiteURLSettings).served_url
    return SiteURLs(served=served or config.html_baseurl, canonical=config.html_baseurl)


def _set_base_url(app: Sphinx, config: Config) -> None:
    given = settings.of(config, SiteURLSettings)
    urls = resolve_urls(
        os.environ,
        html_baseurl=config.html_baseurl or "",
        custom=given.custom_domain,
        repository=given.pages_repository,
        canonical=given.canonical_url,
        srcdir=Path(app.srcdir),
    )
    config.html_baseurl = urls.canonical
    config.blog_baseurl = urls.canonical  # ABlog's
    settings.put(config, SiteURLSettings, served_url=urls.served)


@dataclass(frozen=True)
class SiteURLSettings:
    """The site's URLs' settings (``blogext_<field>`` in ``conf.py``)."""

    custom_domain: str = setting(
        "", "the custom domain the site is served at (else the CNAME file's)", "html"
    )
    pages_repository: str = setting(
        "", "owner/name of the GitHub Pages repository (BLOG_PAGES_REPOSITORY)", "html"
    )
    canonical_url: str = setting(
        "", "the canonical copy's URL (BLOG_CANONICAL_URL); default: the Pages URL", "html"
    )
    served_url: str = setting("", "the URL this build is served at", "html", computed=True)


def setup(app: Sphinx) -> dict[str, Any]:
    settings.add(app, SiteURLSettings)
    app.connect("config-inited", _set_base_url, priority=blogext.SITE_URL)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
