"""The published base URL of the site.

Read the Docs sets ``READTHEDOCS_CANONICAL_URL`` for every build; anywhere else
``BLOG_BASE_URL`` may name the URL the site is served from (GitHub Pages sets it
in the workflow). Without either, ``html_baseurl`` from ``conf.py`` stands.

The chosen URL, always ending in ``/``, becomes both ``html_baseurl`` (canonical
links, sitemap) and ABlog's ``blog_baseurl`` (feeds), so they never disagree.
"""

from __future__ import annotations

import os
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

import blogext
from blogext.errors import SettingError

#: Environment variables that override ``html_baseurl``, first match wins.
ENV_VARS = ("READTHEDOCS_CANONICAL_URL", "BLOG_BASE_URL")


def resolve_base_url(environ: os._Environ[str] | dict[str, str], default: str) -> str:
    """Return the base URL from *environ*, else *default*, with one trailing slash."""
    for name in ENV_VARS:
        value = environ.get(name, "").strip()
        if value:
            source = name
            break
    else:
        value, source = default, "html_baseurl"
    if not value.startswith(("http://", "https://")):
        raise SettingError(f"{source} {value!r} is not an absolute URL (expected http:// or https://…)")
    return value.rstrip("/") + "/"


def _set_base_url(app: Sphinx, config: Config) -> None:
    url = resolve_base_url(os.environ, config.html_baseurl or "")
    config.html_baseurl = url
    config.blog_baseurl = url


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _set_base_url, priority=blogext.SITE_URL)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
