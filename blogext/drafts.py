"""Drafts and scheduled posts: never published by accident, always previewable.

A post is a *draft* when its front matter says ``draft: true`` or has no
``date``; it is *scheduled* when its date is after today. "Today" is
``BLOG_TODAY`` (or ``blog_today`` in conf.py) when set, so tests and
rehearsals need not depend on the clock, else the date now in ``blog_timezone``
(when the feeds feature defines it) or local time.

- **Published build** (the default: ``nox -s build``, Read the Docs, Pages,
  plain ``sphinx-build``): drafts and scheduled posts are added to
  ``exclude_patterns`` when the configuration is ready, so Sphinx never reads
  them. Nothing can then leak: no page, source, search entry, feed entry,
  sitemap line, listing, tag or category page, image, nor ABlog's
  ``blog/drafts`` page (which this module stops). A published post that links
  to one of them fails the build. The daily rebuild publishes a scheduled post
  on its date.
- **Preview** (``blog_preview = True``, or ``BLOG_PREVIEW=1`` as ``nox -s serve``
  sets): they are built, each page with a banner ("Draft — not published",
  "Scheduled for 14 May 2027"); they are listed only on ``blog/drafts``, not in
  the home page, archives or feeds, so the rest of the preview is the published
  site. :func:`unpublished` names them for the features that must skip them.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ablog.blog
from ablog.blog import Blog, os_path_join
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from blogext.errors import SettingError
from blogext.frontmatter import FrontMatterError, PostFrontMatter, front_matter, read_posts

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def unpublished(env: BuildEnvironment) -> dict[str, str]:
    """Docnames of posts that are built but not published, each with why ("draft" or "scheduled").

    Empty in the published build, which does not build them at all.
    """
    return dict(getattr(env.config, "blog_unpublished_posts", {}))


def status(post: PostFrontMatter, today: date) -> str | None:
    """Why *post* is not published on *today* ("draft" or "scheduled"), or None if it is published."""
    if post.draft or post.date is None:
        return "draft"
    if post.date.date() > today:
        return "scheduled"
    return None


def resolve_preview(environ: os._Environ[str] | dict[str, str], default: bool) -> bool:
    """Whether this is the preview build: ``BLOG_PREVIEW`` when set, else *default* (``blog_preview``)."""
    value = environ.get("BLOG_PREVIEW")
    if value is None:
        return bool(default)
    word = value.strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise SettingError(f"BLOG_PREVIEW {value!r} is not a boolean (expected 1 or 0)")


def resolve_today(environ: os._Environ[str] | dict[str, str], configured: str, zone: Any = None) -> date:
    """Today: ``BLOG_TODAY``, else ``blog_today``, else the date now in *zone* (a name, a tzinfo, or None
    for local time)."""
    for source, value in (("BLOG_TODAY", environ.get("BLOG_TODAY", "")), ("blog_today", configured or "")):
        value = value.strip()
        if not value:
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise SettingError(f"{source} {value!r} is not a valid date (expected YYYY-MM-DD)") from None
    tz: tzinfo | None = None
    if isinstance(zone, tzinfo):
        tz = zone
    elif isinstance(zone, str) and zone:
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(
                f"blog_timezone {zone!r} is not a time zone (expected a name such as 'UTC')"
            ) from None
    return datetime.now(tz).date()


def _glob_escape(path: str) -> str:
    """*path* as a Sphinx exclude pattern that matches only itself."""
    return re.sub(r"([*?[])", r"[\1]", path)


def _on_config_inited(app: Sphinx, config: Config) -> None:
    preview = resolve_preview(os.environ, config.blog_preview)
    config.blog_preview = preview
    today = resolve_today(os.environ, config.blog_today, getattr(config, "blog_timezone", None))
    posts = read_posts(app)
    why = {docname: s for docname, post in posts.items() if (s := status(post, today))}
    # ABlog publishes posts dated before its own "tomorrow", taken from the clock at
    # import time: make it agree with our today.
    ablog.blog.TOMORROW = datetime.combine(today + timedelta(days=1), time())
    if preview:
        config.blog_unpublished_posts = why
        return
    config.blog_unpublished_posts = {}
    if why:
        config.exclude_patterns = [
            *config.exclude_patterns,
            *(_glob_escape(posts[d].path) for d in sorted(why)),
            *(_glob_escape(page) for page in waiting_series_pages(posts, why, config)),
        ]
    problems = []
    by_path = {post.path: post for post in posts.values()}
    for docname, post in sorted(posts.items()):
        if docname in why:
            continue
        for link in post.links:
            target = by_path.get(link.path or "") or by_path.get(f"{link.path}.md")
            if link.kind == "link" and target is not None and target.docname in why:
                problems.append(
                    f"{post.path}: link {link.target!r} on line {link.line} points to {target.path}, "
                    f"{_describe(target, why[target.docname], config)} "
                    "(expected a link to a published post)"
                )
    if problems:
        raise FrontMatterError("\n".join(problems))


def waiting_series_pages(posts: dict[str, PostFrontMatter], why: dict[str, str], config: Config) -> list[str]:
    """Pages of series whose parts are all unpublished: they are unpublished too.

    Such a page would announce posts that are not out yet and list no part, so a
    series starts with a draft first part without breaking the published build.
    """
    folder = getattr(config, "blog_series_path", None)
    if not folder:
        return []
    waiting = {post.series for docname, post in posts.items() if post.series and docname in why}
    waiting -= {post.series for docname, post in posts.items() if post.series and docname not in why}
    return [f"{folder}/{slug}.md" for slug in sorted(waiting)]


def _describe(post: PostFrontMatter, why: str, config: Config) -> str:
    if why == "scheduled" and post.date is not None:
        return f"which is scheduled for {post.date.strftime(config.post_date_format)}"
    return "which is a draft"


# -- Preview: ABlog lists unpublished posts only as drafts -------------------------------------------


def _register_posts(app: Sphinx, env: BuildEnvironment) -> None:
    """Register ABlog's posts with the unpublished ones as ABlog drafts (ABlog would publish a
    dated ``draft: true`` post)."""
    hidden = unpublished(env)
    if not hidden:
        return
    blog = Blog(app)
    if len(blog.posts) or len(blog.drafts):
        return
    tomorrow = ablog.blog.TOMORROW
    try:
        for docname, infos in getattr(env, "ablog_posts", {}).items():
            ablog.blog.TOMORROW = datetime.min if docname in hidden else tomorrow
            for info in infos:
                blog.register(docname, info)
    finally:
        ablog.blog.TOMORROW = tomorrow


def _drop_drafts_page(app: Sphinx) -> None:
    """Write no ``blog/drafts`` page, unless the preview has unpublished posts to list on it.

    ABlog always generates that page, and more than one feature takes over ABlog's
    archive generator (blogext.archives does), so the page is stopped where every
    page is written: this builder's ``handle_page``.
    """
    builder = app.builder
    if builder.format != "html" or not hasattr(builder, "handle_page"):
        return
    drafts_page = os_path_join(app.config.blog_path, "drafts")
    write_page = builder.handle_page

    def handle_page(pagename: str, *args: Any, **kwargs: Any) -> None:
        if pagename == drafts_page and not (app.config.blog_preview and unpublished(app.env)):
            return
        write_page(pagename, *args, **kwargs)

    builder.handle_page = handle_page


def banner(why: str, post: PostFrontMatter | None, date_format: str) -> nodes.admonition:
    """The banner at the top of an unpublished post in the preview."""
    if why == "scheduled" and post is not None and post.date is not None:
        when = post.date.strftime(date_format)
        title = f"Scheduled for {when}"
        text = (
            f"This post is scheduled: the published site shows it from {when}, and this preview shows it now."
        )
    else:
        title = "Draft — not published"
        steps = []
        if post is None or post.draft:
            steps.append("remove 'draft: true' from its front matter")
        if post is None or post.date is None:
            steps.append("give it a date")
        text = f"This post is a draft: only the preview shows it. To publish it, {' and '.join(steps)}."
    box = nodes.admonition(classes=["warning", "post-unpublished", f"post-{why}"])
    box += nodes.title(title, title)
    box += nodes.paragraph(text, text)
    return box


def _add_banner(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    why = unpublished(app.env).get(docname)
    if why is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    parent = section if section is not None else doctree
    parent.insert(0, banner(why, front_matter(app.env, docname), app.config.post_date_format))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    app.setup_extension("blogext.frontmatter")
    app.add_config_value(
        "blog_preview",
        False,
        "env",
        types=[bool],
        description="build drafts and scheduled posts, with a banner (BLOG_PREVIEW=1)",
    )
    app.add_config_value(
        "blog_today",
        "",
        "env",
        types=[str],
        description="today, YYYY-MM-DD, instead of the clock (BLOG_TODAY)",
    )
    # Computed at config-inited, never set by hand: a change re-reads every post.
    app.add_config_value(
        "blog_unpublished_posts",
        {},
        "env",
        types=[dict],
        description="computed: the preview's unpublished posts and why",
    )
    app.connect("config-inited", _on_config_inited, priority=450)
    app.connect("env-updated", _register_posts, priority=100)
    app.connect("doctree-resolved", _add_banner)
    app.connect("builder-inited", _drop_drafts_page)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
