"""Comments on request: giscus (GitHub Discussions), loaded only when the reader asks.

Off by default. Comments are shown on a post when both say so:

- the site: ``blogext_comments = True`` in ``conf.py``, with ``blogext_giscus`` filled in
  from https://giscus.app (the repository, its id, the discussion category and
  its id);
- the post: ``comments: true`` in its front matter (checked by
  :mod:`blogext.core.frontmatter`).

Such a post ends with a "Comments" section: a sentence saying what showing them
does, and a button, "Show comments (loads giscus.app)". Nothing is loaded from
another host until the reader clicks it; then ``_static/comments.js`` adds
giscus' script, which shows the post's discussion in a frame. Its theme is the
page's (light or dark), and follows the theme switcher afterwards. A status line
(``role="status"``) then says "Loading comments…", that they are shown, or that they
could not be loaded (the button comes back as "Try again").

The host giscus is loaded from must be listed in ``blogext_allowed_hosts`` (the
hosts a page may load from, a setting of :mod:`blogext.outputs.offsite`): comments
switched on with the host missing, or with a ``blogext_giscus`` that lacks a
value, stop the build with one line naming the setting.

A page without comments has no trace of them: no section, no script, no style.
Drafts and scheduled posts never get comments (giscus would open a discussion
for them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from blogext.core import assets, safehtml, settings
from blogext.core.errors import SettingError
from blogext.core.posts import front_matter, post
from blogext.core.settings import setting
from blogext.outputs.offsite import OffsiteSettings

#: What ``blogext_giscus`` must name (the ids are on https://giscus.app once the app is installed).
REQUIRED = ("repo", "repo_id", "category", "category_id")
#: giscus' settings and their defaults (``data-*`` attributes of its script).
DEFAULTS = {
    "host": "giscus.app",
    "mapping": "pathname",
    "strict": "1",
    "reactions_enabled": "1",
    "emit_metadata": "0",
    "input_position": "top",
    "lang": "en",
}
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


def giscus_settings(config: Config) -> dict[str, str]:
    """``blogext_giscus`` with its defaults."""
    return {**DEFAULTS, **{k: str(v) for k, v in settings.of(config, CommentsSettings).giscus.items()}}


def _check(app: Sphinx, config: Config) -> None:
    if not settings.of(config, CommentsSettings).comments:  # their types are checked by blogext.core.settings
        return
    given = giscus_settings(config)
    for key in REQUIRED:
        if not given.get(key, "").strip():
            raise SettingError(
                f"blogext_giscus has no {key!r}, and blogext_comments is on (expected the value "
                "https://giscus.app gives for the blog's repository)"
            )
    if not _REPO.fullmatch(given["repo"]):
        raise SettingError(
            f"blogext_giscus 'repo' {given['repo']!r} is not a repository (expected 'owner/name')"
        )
    host = given["host"]
    if not _HOST.fullmatch(host):
        raise SettingError(
            f"blogext_giscus 'host' {host!r} is not a host name (expected such as 'giscus.app')"
        )
    if host not in [h.lower() for h in settings.of(config, OffsiteSettings).allowed_hosts]:
        raise SettingError(
            f"blogext_comments is on, but giscus' host {host!r} is not in blogext_allowed_hosts "
            f"(expected it there, the hosts a page may load from: blogext_allowed_hosts = [{host!r}])"
        )


def has_comments(app: Sphinx, docname: str) -> bool:
    """Whether the page *docname* shows comments: the site has them on, and it is a published post that
    asks for them."""
    if not settings.of(app.config, CommentsSettings).comments:
        return False
    matter = front_matter(app.env, docname)
    record = post(app.env, docname)
    return bool(matter is not None and matter.comments and record is not None and record.published)


def section_html(app: Sphinx) -> str:
    """The comments section of a post: what will load, and the button that loads it
    (``_templates/blog/comments.html``)."""
    given = giscus_settings(app.config)
    data = [(key.replace("_", "-"), value) for key, value in sorted(given.items()) if key != "host"]
    return str(safehtml.render(app, "blog/comments.html", host=given["host"], data=data)) + "\n"


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None or not has_comments(app, pagename):
        return
    context["blog_comments_html"] = section_html(app)
    app.add_css_file("comments.css")  # on this page only
    app.add_js_file("comments.js", loading_method="defer")


@dataclass(frozen=True)
class CommentsSettings:
    """Comments' settings (``blogext_<field>`` in ``conf.py``)."""

    comments: bool = setting(False, "comments on posts that ask for them", "html")
    giscus: dict[str, Any] = setting({}, "giscus' settings: repo, repo_id, category, ...", "html")


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__, "comments")
    app.setup_extension("blogext.core.posts")
    app.setup_extension(
        "blogext.outputs.offsite"
    )  # it owns blogext_allowed_hosts, where giscus' host must be
    settings.add(app, CommentsSettings)
    app.connect("config-inited", _check)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
