"""Every post is checked before Sphinx reads it, and its tags are made canonical.

When the configuration is ready (``config-inited``), every post (each Markdown
file matched by ABlog's ``blog_post_pattern``, and each Jupyter notebook when
:mod:`blogext.notebooks` is on) is checked: its YAML front matter read with
PyYAML (a notebook's top-level metadata keys, read as JSON), its body (a
notebook's Markdown cells) with MyST's own Markdown parser. What a
post's text says is cached in the doctree folder, so a post is parsed again
only when its bytes change (see :func:`read_posts`). Each problem is
one line naming the file, the field, the bad value and what was expected::

    posts/2024/x.md: date '2024-13-01' is not a valid date (expected YYYY-MM-DD)

and any problem stops the build with :class:`FrontMatterError` (with or
without ``-W``), before a page is written. Checked:

- the front matter is strict YAML (:mod:`blogext.frontmatter_yaml`: each key
  once, no anchors, aliases or merge keys, at most 64 KiB) and a mapping; every
  key is known (a typo gets a suggestion); every value has the right type (see
  :data:`KNOWN_KEYS`);
- the post has a title, a single ``# `` heading;
- two posts never share a URL, not even one that differs only in case, spaces
  or punctuation (servers and file systems that ignore case would mix them up);
- every local image and every link to a local file points to a file that exists;
- every source file in the posts' folders is a post the blog builds: a notebook
  without :mod:`blogext.notebooks`, an ``.rst`` file or a Markdown file that
  ``blog_post_pattern`` does not match is an error naming it, never dropped.

With the posts, every other document Sphinx will read (a page) is known
(:mod:`blogext.documents`): hidden files are left out of every build, a page's
front matter is read as strictly, its ``draft: true`` unpublishes it wherever it
is (:func:`read_pages`), and every document's file name must be a plain URL.
All this happens before any document is read, so MyST never parses refused front matter.

Tags (and categories) that differ only in case, spacing or punctuation, such
as ``Machine Learning``, ``machine-learning`` and ``machine learning``, are one
tag: a transform rewrites each post's front matter before ABlog reads it
(ABlog's ``CheckFrontMatter`` runs at priority 800), so ABlog sees one name,
the one used first (by the post's date, then its path) among the posts built.
When that name changes, the posts read with the old one are read again.

Other features read a post's checked front matter with :func:`front_matter`.
"""

from __future__ import annotations

import difflib
import functools
import glob
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.matching import Matcher

import blogext
from blogext import documents, frontmatter_yaml, sphinxinternals
from blogext.ablogadapter import slugify
from blogext.documents import Page, url_key
from blogext.errors import BuildStopped
from blogext.frontmatter_yaml import split_front_matter

logger = logging.getLogger(__name__)

#: Bump when what :func:`parse_post` finds changes, so that older caches are not used.
CACHE_VERSION = 4
#: The cache of parsed posts, in the doctree folder.
CACHE_FILE = "blogext-frontmatter.json"

#: The front-matter keys a post may use, each with what its value must be.
KNOWN_KEYS: dict[str, str] = {
    "date": "YYYY-MM-DD, optionally followed by a time HH:MM; without it the post is a draft",
    "updated": "YYYY-MM-DD: the day the post was last changed",
    "draft": "true or false",
    "tags": "a list of tag names",
    "category": "one category name",
    "description": "one sentence for search results and link previews",
    "series": "the slug of a series, such as git-guides",
    "part": "the post's place in its series: 1, 2, 3, ...",
    "author": "a key of blog_authors in conf.py, or a list of them",
    "share_image": "the post's own link-preview image instead of its drawn share card (blogext.sharecards)",
    "share_image_alt": "the alt text of that image, required with it",
    "comments": "true to show comments on this post, when the site has them on (blogext.comments)",
}

#: Keys of a notebook's own machinery (Jupyter, jupytext, myst-nb, editors), allowed besides the post's
#: keys in a notebook's metadata; a text notebook (Markdown) may use the first three in its front matter.
#: ``mystnb`` holds myst-nb's settings for the one post, such as ``{execution_mode: cache}``.
TEXT_NOTEBOOK_KEYS = ("jupytext", "kernelspec", "mystnb")
NOTEBOOK_KEYS = (
    *TEXT_NOTEBOOK_KEYS,
    "language_info",
    "widgets",
    "vscode",
    "interpreter",
    "colab",
    "toc",
    "celltoolbar",
    "varInspector",
    "nbsphinx",
    "papermill",
    "orig_nbformat",
)
#: myst-nb's execution modes, for a post's ``mystnb: {execution_mode: ...}``.
EXECUTION_MODES = ("off", "cache", "force", "auto", "inline")
#: Suffixes of text a writer may mean as a post: such a file in the posts' folders that is not a post
#: the blog builds is an error (an image or a data file there is not).
DOCUMENT_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mdx", ".qmd", ".rmd", ".ipynb", ".rst")

#: What a message says is expected, for each key.
EXPECTED: dict[str, str] = {
    "date": "YYYY-MM-DD",
    "updated": "YYYY-MM-DD",
    "draft": "true or false",
    "tags": "a list of names, such as [Git, Python]",
    "category": "a name",
    "description": "a sentence",
    "series": "a slug, such as 'git-guides'",
    "part": "1, 2, 3, ...",
    "author": "a key of blog_authors in conf.py, or a list of them",
    "share_image": "a PNG, JPEG, GIF or WebP file next to the post, such as card.png",
    "share_image_alt": "a sentence describing the image",
    "comments": "true or false",
}

#: The files a post's own ``image`` may be (what link previews show).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: Directives whose content is not Markdown (so is not searched for links).
_LITERAL_DIRECTIVES = {
    "code",
    "code-block",
    "sourcecode",
    "code-cell",
    "literalinclude",
    "math",
    "raw",
    "csv-table",
    "mermaid",
    "graphviz",
    "include",
    "eval-rst",
    "parsed-literal",
}
_IMAGE_DIRECTIVES = {"image", "figure"}
# ABlog's own way to make a page a post, as other ABlog sites write it: here the front matter
# makes a post, and a second post in one file would have ABlog loop for ever looking for its section.
_ABLOG_POST_DIRECTIVES = {"post"}


class FrontMatterError(BuildStopped):
    """One or more posts are not fit to build: each line of the message is one problem."""


@dataclass(frozen=True)
class Link:
    """A link or image in a post's body that points to a local file."""

    kind: str  #: "link" or "image"
    target: str  #: as written in the post
    line: int  #: 1-based line in the file
    path: str | None  #: the file it resolves to, relative to the source folder (None when outside it)
    cell: int | None = None  #: in a notebook, the 1-based cell (and *line* is the line in that cell)


@dataclass(frozen=True)
class PostFrontMatter:
    """A post's checked front matter (absent keys are None or empty)."""

    path: str  #: the source file, relative to the source folder, such as ``posts/2024/x.md``
    docname: str
    title: str
    date: datetime | None = None
    updated: datetime | None = None
    draft: bool = False
    tags: tuple[str, ...] = ()
    category: str | None = None
    description: str | None = None
    series: str | None = None
    part: int | None = None
    author: tuple[str, ...] = ()
    share_image: str | None = None  #: as written, relative to the post's folder
    share_image_alt: str | None = None
    comments: bool = False
    links: tuple[Link, ...] = field(default=(), repr=False)


#: Front matter as strict YAML (see :mod:`blogext.frontmatter_yaml`); :mod:`blogext.notebooks` reads
#: a text notebook's with it too.
_load_yaml = frontmatter_yaml.load


def _show(value: Any) -> str:
    """*value* as the author wrote it, for messages: strings quoted, YAML words for the rest."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


@functools.cache
def label_key(name: str) -> str:
    """The identity of a tag or category name: case, spacing and punctuation do not count.

    Never finer than ABlog's own ``slugify`` (which makes the archive's URL), so
    two names with one URL are always one label.
    """
    return re.sub(r"[-_]+", "-", slugify(name)).strip("-")


# -- Reading one post ------------------------------------------------------------------


def _check_date(key: str, value: Any, problems: list[str]) -> datetime | None:
    text = value if isinstance(value, str) else None
    match = _DATE.fullmatch(text.strip()) if text is not None else None
    if match:
        try:
            return datetime(*(int(g) for g in match.groups() if g is not None))
        except ValueError:
            pass
    problems.append(f"{key} {_show(value)} is not a valid date (expected YYYY-MM-DD)")
    return None


def _check_label(key: str, value: Any, problems: list[str]) -> str | None:
    """One tag or category name."""
    what = "tag" if key == "tags" else key
    if value is None or (isinstance(value, str) and not value.strip()):
        if key == "tags":
            problems.append(f"tags has an empty tag {_show(value)} (expected a name for every item)")
        else:
            problems.append(f"{key} {_show(value)} is empty (expected {EXPECTED[key]}, or leave the key out)")
        return None
    if not isinstance(value, str):
        problems.append(
            f"{what} {_show(value)} is not text "
            '(expected a name; put quotes around names such as "1.0" or "no")'
        )
        return None
    name = " ".join(value.split())
    if "," in name:
        problems.append(f"{what} {_show(value)} contains a comma (expected one name per {what})")
    elif not label_key(name):
        problems.append(f"{what} {_show(value)} has no letters or digits (expected a name such as 'Python')")
    else:
        return name
    return None


def _check_mystnb(value: Any, problems: list[str]) -> None:
    """A post's own myst-nb settings: a mapping, and a known execution mode (myst-nb checks the rest)."""
    if not isinstance(value, dict):
        problems.append(f"mystnb {_show(value)} is not a mapping (expected {{execution_mode: cache}})")
        return
    mode = value.get("execution_mode", "off")
    if mode not in EXECUTION_MODES:
        problems.append(
            f"mystnb execution_mode {_show(mode)} is not an execution mode "
            f"(expected one of: {', '.join(EXECUTION_MODES)})"
        )


def check_front_matter(
    data: dict[str, Any],
    authors: Iterable[str] = (),
    extra_keys: Iterable[str] = (),
    notebook_keys: Iterable[str] = TEXT_NOTEBOOK_KEYS,
) -> tuple[dict[str, Any], list[str]]:
    """Check a post's front matter: the values to keep, and the problems (without the file name).

    *notebook_keys* are the notebook machinery's keys allowed besides (see :data:`NOTEBOOK_KEYS`).
    """
    problems: list[str] = []
    out: dict[str, Any] = {}
    known = [*KNOWN_KEYS, *extra_keys]
    permitted = [*known, *notebook_keys]
    for key, value in data.items():
        if not isinstance(key, str) or key not in permitted:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(f"unknown key {_show(key)} ({hint}expected one of: {', '.join(known)})")
            continue
        if key == "mystnb":
            _check_mystnb(value, problems)
            continue
        if key not in KNOWN_KEYS:
            continue  # another feature's key (or the notebook machinery's): that feature checks it
        if value is None:
            problems.append(f"{key} is empty (expected {EXPECTED[key]}, or leave the key out)")
            continue
        if key in ("date", "updated"):
            out[key] = _check_date(key, value, problems)
        elif key in ("draft", "comments"):
            if isinstance(value, bool):
                out[key] = value
            else:
                problems.append(f"{key} {_show(value)} is not a boolean (expected true or false)")
        elif key == "share_image":
            if not isinstance(value, str) or not value.strip():
                problems.append(f"share_image {_show(value)} is not a file name (expected {EXPECTED[key]})")
            elif _SCHEME.match(value) or value.startswith("//"):
                problems.append(
                    f"share_image {_show(value)} is not a local file (expected {EXPECTED[key]}: "
                    "a page of this blog loads nothing from another host)"
                )
            elif not value.lower().endswith(IMAGE_SUFFIXES):
                problems.append(f"share_image {_show(value)} is not an image file (expected {EXPECTED[key]})")
            else:
                out[key] = value.strip()
        elif key == "share_image_alt":
            if not isinstance(value, str) or not value.strip():
                problems.append(
                    f"share_image_alt {_show(value)} is not a sentence (expected {EXPECTED[key]})"
                )
            else:
                out[key] = " ".join(value.split())
        elif key == "tags":
            if not isinstance(value, list):
                problems.append(f"tags {_show(value)} is not a list (expected {EXPECTED['tags']})")
                continue
            names = [_check_label(key, v, problems) for v in value]
            out[key] = tuple(dict.fromkeys(n for n in names if n))
        elif key == "category":
            out[key] = _check_label(key, value, problems)
        elif key == "description":
            if not isinstance(value, str) or not value.strip():
                problems.append(f"description {_show(value)} is not a sentence (expected {EXPECTED[key]})")
            else:
                out[key] = value.strip()
        elif key == "series":
            if not isinstance(value, str) or not _SLUG.fullmatch(value):
                problems.append(
                    f"series {_show(value)} is not a slug (expected lowercase letters, digits and hyphens, "
                    "such as 'git-guides')"
                )
            else:
                out[key] = value
        elif key == "part":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"part {_show(value)} is not a positive whole number (expected 1, 2, 3, ...)")
            else:
                out[key] = value
        elif key == "author":
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(a, str) and a.strip() for a in items):
                problems.append(
                    f"author {_show(value)} is not a name or a list of names (expected {EXPECTED[key]})"
                )
                continue
            allowed = list(authors)
            for name in items:
                if allowed and name not in allowed:
                    problems.append(
                        f"author {_show(name)} is not in blog_authors (expected one of: {', '.join(allowed)})"
                    )
            out[key] = tuple(items)
    if "share_image" in data and "share_image_alt" not in data:
        problems.append(
            f"share_image {_show(data['share_image'])} has no share_image_alt "
            f"(expected {EXPECTED['share_image_alt']}, for readers who cannot see it)"
        )
    if "share_image_alt" in data and "share_image" not in data:
        problems.append(
            f"share_image_alt {_show(data['share_image_alt'])} describes no image "
            "(expected a share_image key with it, or no share_image_alt: the drawn share card has its own)"
        )
    if out.get("date") and out.get("updated") and out["updated"].date() < out["date"].date():
        problems.append(
            f"updated {_show(data['updated'])} is before date {_show(data['date'])} "
            "(expected the day the post was last changed, on or after its date)"
        )
    return out, problems


def _markdown_parser(extensions: Iterable[str]):
    """MyST's Markdown parser, parsing blocks only: :func:`_scan_body` parses the inline text that
    can hold a link or an image (and skips MyST's word count)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    md = create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)
    md.disable(["inline", "wordcount"], ignoreInvalid=True)
    return md


def _directive_body(content: str) -> tuple[str, int]:
    """A directive's content without its options: the text and how many lines were skipped."""
    lines = content.splitlines()
    skip = 0
    if lines and lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                skip = i + 1
                break
    else:
        while skip < len(lines) and re.match(r"\s*:[\w-]+:", lines[skip]):
            skip += 1
    return "\n".join(lines[skip:]), skip


def _scan_body(md, text: str, offset: int = 0) -> Iterator[tuple[str, str, int]]:
    """Headings (``h1``), links and images of Markdown *text*: (kind, value, 1-based line)."""
    env: dict[str, Any] = {}  # the link reference definitions, for [text][label] links
    tokens = md.parse(text, env)
    for i, token in enumerate(tokens):
        line = offset + (token.map[0] + 1 if token.map else 0)
        if token.type == "heading_open" and token.tag == "h1":
            yield "h1", tokens[i + 1].content, line
        elif token.type == "inline":
            # Blocks only were parsed: text without "[" has no link or image.
            if not token.children and "[" in token.content:
                token.children = md.inline.parse(token.content, md, env, [])
            for child in token.children or []:
                if child.type == "image":
                    yield "image", str(child.attrs.get("src", "")), line
                elif child.type == "link_open":
                    yield "link", str(child.attrs.get("href", "")), line
        elif token.type in ("fence", "colon_fence") and token.info.startswith("{"):
            name, _, argument = token.info.partition("}")
            name = name[1:].strip()
            if name in _IMAGE_DIRECTIVES and argument.strip():
                yield "image", argument.strip(), line
            if name in _ABLOG_POST_DIRECTIVES:
                yield "post-directive", (name, argument.strip(), token.content), line
            if name not in _LITERAL_DIRECTIVES:
                body, skipped = _directive_body(token.content)
                yield from (item for item in _scan_body(md, body, line + skipped) if item[0] != "h1")


def _resolve(target: str, post_path: str) -> str | None:
    """The file a local *target* in the post at *post_path* names, relative to the source folder
    (None when it is outside)."""
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if path.startswith("/"):
        joined = posixpath.normpath(path.lstrip("/"))
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(post_path), path))
    return None if joined.startswith("../") or joined == ".." else joined


def _is_local_file(target: str) -> bool:
    """Whether a link target names a file (not a URL, an anchor, or a reference label)."""
    if not target or target.startswith(("#", "//")) or _SCHEME.match(target):
        return False
    path = target.split("#", 1)[0].split("?", 1)[0]
    return "/" in path or "." in posixpath.basename(path)


def _has_suffix(path: str) -> bool:
    """Whether the last part of *path* has a suffix, such as ``.md`` or ``.csv``."""
    return "." in posixpath.basename(path).strip(".")


def _at(line: int, cell: int | None) -> str:
    """Where in a post: "on line 8", or in a notebook "in cell 3, line 2"."""
    return f"on line {line}" if cell is None else f"in cell {cell}, line {line}"


def _exists(srcdir: Path | str, relpath: str, suffixes: Iterable[str]) -> bool:
    full = os.path.join(srcdir, relpath)
    return os.path.exists(full) or any(os.path.isfile(full + s) for s in suffixes)


@dataclass(frozen=True)
class ParsedPost:
    """What a post's text says, before the files it points to are looked for.

    It depends only on the file's bytes, its path and the settings in
    :func:`_parse_settings`, so it is cached between builds (see :func:`read_posts`).
    """

    values: dict[str, Any]  #: the checked front matter (keys of :data:`KNOWN_KEYS`)
    problems: tuple[str, ...]  #: problems of the file and its front matter
    titles: tuple[tuple, ...] = ()  #: each ``# `` heading and its line (and, in a notebook, its cell)
    links: tuple[Link, ...] = ()  #: local images and links to local files, in order
    usable: bool = True  #: False when the front matter cannot be used (not closed, not UTF-8)
    scanned: bool = True  #: False when the body could not be read at all (not UTF-8)


def _ablog_date(argument: str) -> str:
    """ABlog's ``{post}`` date (which it reads with dateutil) as this site's front matter writes it."""
    from dateutil.parser import ParserError
    from dateutil.parser import parse as parse_date

    try:
        when = parse_date(argument)
    except (ParserError, OverflowError, ValueError):
        return "YYYY-MM-DD"  # not a date ABlog would take either: the author's to give
    return when.strftime("%Y-%m-%d %H:%M" if (when.hour, when.minute) != (0, 0) else "%Y-%m-%d")


def _ablog_front_matter(argument: str, content: str) -> list[str]:
    """The front-matter lines that say what ABlog's ``{post}`` directive (*argument*, options in
    *content*) says: its date, tags and category."""
    lines = [f"date: {_ablog_date(argument)}"] if argument else []
    options = dict(re.findall(r"^\s*:([\w-]+):[ \t]*(.*?)\s*$", _directive_options(content), re.MULTILINE))
    tags = [t.strip() for t in options.get("tags", "").split(",") if t.strip()]
    if tags:
        lines.append(f"tags: [{', '.join(_yaml_text(t) for t in tags)}]")
    category = options.get("category", "").split(",")[0].strip()
    if category:
        lines.append(f"category: {_yaml_text(category)}")
    return lines


def _yaml_text(name: str) -> str:
    """*name* as a YAML string: as it is when YAML reads it back as that text, else quoted."""
    try:
        plain = _load_yaml(f"x: [{name}]") == {"x": [name]}
    except yaml.YAMLError:
        plain = False
    return name if plain else json.dumps(name, ensure_ascii=False)


def _directive_options(content: str) -> str:
    """The option lines at the start of a directive's *content*."""
    body, skipped = _directive_body(content)
    return "\n".join(content.splitlines()[:skipped])


def _post_directive_problem(value: tuple[str, str, str], line: int, cell: int | None) -> str:
    name, argument, content = value
    lines = [f"'{text}'" for text in _ablog_front_matter(argument, content)]
    said = (
        f", as {', '.join(lines[:-1])} and {lines[-1]}"
        if len(lines) > 1
        else f", as {lines[0]}"
        if lines
        else ""
    )
    return (
        f"directive {{{name}}} {_at(line, cell)} is ABlog's way to make a page a post, which this site "
        f"does not use (expected the date, tags and category in the front matter{said}, and no "
        f"{{{name}}} directive)"
    )


def _body_items(md, text: str, relpath: str, cell: int | None = None):
    """The titles, local links and problems of the Markdown *text* (a post's, or a notebook cell's)."""
    titles: list[tuple] = []
    links: list[Link] = []
    problems: list[str] = []
    for kind, value, line in _scan_body(md, text):
        if kind == "post-directive":
            problems.append(_post_directive_problem(value, line, cell))
        elif kind == "h1":
            titles.append((value, line) if cell is None else (value, line, cell))
        elif kind == "image" and "*" not in value and not _SCHEME.match(value) and not value.startswith("//"):
            links.append(Link("image", value, line, _resolve(value, relpath), cell))
        elif kind == "link" and _is_local_file(value):
            links.append(Link("link", value, line, _resolve(value, relpath), cell))
    return titles, links, problems


def parse_notebook(data: bytes, relpath: str, config: Config, md=None) -> ParsedPost:
    """Parse the Jupyter notebook *relpath*: its top-level metadata checked as front matter (the keys of
    :data:`NOTEBOOK_KEYS` allowed besides), the title and links of its Markdown cells."""
    try:
        notebook = frontmatter_yaml.load_notebook(data.decode("utf-8-sig"))
    except frontmatter_yaml.DuplicateKeyError as exc:
        return ParsedPost({}, (str(exc),), usable=False, scanned=False)
    except (UnicodeDecodeError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        return ParsedPost(
            {},
            (f"notebook is not valid JSON ({reason}; expected a Jupyter notebook, nbformat 4)",),
            usable=False,
            scanned=False,
        )
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return ParsedPost(
            {},
            ("notebook has no list of cells (expected a Jupyter notebook, nbformat 4)",),
            usable=False,
            scanned=False,
        )
    metadata = notebook.get("metadata", {})
    problems: list[str] = []
    if not isinstance(metadata, dict):
        problems.append(f"notebook metadata {_show(metadata)} is not a mapping (expected 'key: value' pairs)")
        metadata = {}
    values, found = check_front_matter(
        metadata, config.blog_authors or {}, config.blog_extra_front_matter_keys, NOTEBOOK_KEYS
    )
    problems += found
    md = md or _markdown_parser(config.myst_enable_extensions)
    titles: list[tuple] = []
    links: list[Link] = []
    for index, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        more_titles, more_links, more_problems = _body_items(md, text, relpath, index)
        titles += more_titles
        links += more_links
        problems += more_problems
    return ParsedPost(values, tuple(problems), tuple(titles), tuple(links))


def parse_post(data: bytes, relpath: str, config: Config, md=None) -> ParsedPost:
    """Parse the post *relpath*, whose file holds *data*: its front matter checked, its title and links."""
    if relpath.endswith(".ipynb"):
        return parse_notebook(data, relpath, config, md)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedPost(
            {},
            (f"file is not UTF-8 text ({exc.reason} at byte {exc.start}; expected UTF-8)",),
            usable=False,
            scanned=False,
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as a file opened as text reads
    problems: list[str] = []
    raw, closing = split_front_matter(text)
    front: dict[str, Any] = {}
    if raw is not None and closing == -1:
        problems.append("front matter is not closed (expected a line '---' after it)")
    elif raw is not None:
        try:
            loaded = _load_yaml(raw)
        except frontmatter_yaml.StrictYAMLError as exc:
            problems.append(exc.describe(2))
            loaded = None
        except yaml.YAMLError as exc:
            where = ""
            mark = getattr(exc, "problem_mark", None)
            if mark is not None:
                where = f" on line {mark.line + 2}"
            reason = getattr(exc, "problem", None) or str(exc)
            problems.append(f"front matter is not valid YAML{where}: {reason} (expected 'key: value' lines)")
            loaded = None
        if loaded is None and not problems:
            loaded = {}
        if isinstance(loaded, dict):
            front = loaded
        elif loaded is not None:
            problems.append(f"front matter {_show(loaded)} is not a mapping (expected 'key: value' lines)")
    values, found = check_front_matter(front, config.blog_authors or {}, config.blog_extra_front_matter_keys)
    problems += found

    md = md or _markdown_parser(config.myst_enable_extensions)
    titles, links, body_problems = _body_items(md, text, relpath)
    problems += body_problems
    if values.get("share_image"):  # looked for like the body's images, on the line of its key
        line = next(
            (n for n, text in enumerate((raw or "").split("\n"), start=2) if text.startswith("share_image:")),
            1,
        )
        links.insert(0, Link("image", values["share_image"], line, _resolve(values["share_image"], relpath)))
    return ParsedPost(
        values, tuple(problems), tuple(titles), tuple(links), usable=not (raw is not None and closing == -1)
    )


def check_post(
    parsed: ParsedPost, srcdir: Path, relpath: str, suffixes: Iterable[str] = (".md",)
) -> tuple[PostFrontMatter | None, list[str]]:
    """The post's front matter (None if it is unusable) and all its problems, the files it points to
    looked for now (they may have come or gone since *parsed* was made)."""
    problems = list(parsed.problems)
    if not parsed.scanned:
        return None, problems
    for link in parsed.links:
        path = link.path
        if link.kind == "image":
            missing = path is None or not os.path.isfile(os.path.join(srcdir, path))
        else:
            # A target without a suffix may be a label or a document (``ml/links``): MyST resolves
            # it, and the strict build fails when it cannot.
            missing = path is not None and not _exists(srcdir, path, suffixes) and _has_suffix(path)
            missing = missing or path is None
        if missing:
            where = f"a file at {path}" if path else "a file inside the site's folder"
            at = _at(link.line, link.cell)
            if link.kind == "image":
                problems.append(f"image {_show(link.target)} {at} does not exist (expected {where})")
            else:
                problems.append(
                    f"link {_show(link.target)} {at} points to a file that does not exist (expected {where})"
                )
    titles = parsed.titles
    if not titles:
        problems.append("title is missing (expected a '# Title' heading after the front matter)")
    elif len(titles) > 1:
        heading, line, *cell = titles[1]
        problems.append(
            f"heading {_show(heading)} {_at(line, cell[0] if cell else None)} is a second title "
            "(expected one '# ' heading, the title; use '## ' for sections)"
        )
    if not parsed.usable:
        return None, problems
    post = PostFrontMatter(
        path=relpath,
        docname=posixpath.splitext(relpath)[0],
        title=titles[0][0] if titles else "",
        links=parsed.links,
        **parsed.values,
    )
    return post, problems


def read_post(
    srcdir: Path, relpath: str, config: Config, md=None, suffixes: Iterable[str] = (".md",)
) -> tuple[PostFrontMatter | None, list[str]]:
    """Read and check the post at *relpath*: its front matter (None if it is unusable) and its problems.

    *suffixes* are the source suffixes a link may leave out (``[x](other-post)``).
    """
    with open(os.path.join(srcdir, relpath), "rb") as source:
        parsed = parse_post(source.read(), relpath, config, md)
    return check_post(parsed, srcdir, relpath, suffixes)


# -- All posts ------------------------------------------------------------------------------


def _relative(name: str, srcdir: str) -> str:
    """The path *name* (found under *srcdir*) relative to *srcdir*, with ``/`` separators."""
    prefix = os.path.join(srcdir, "")
    rel = name[len(prefix) :] if name.startswith(prefix) else os.path.relpath(name, srcdir)
    return rel.replace(os.sep, "/")


def post_suffixes(app: Sphinx) -> tuple[str, ...]:
    """The suffixes of posts: Markdown, and notebooks when a parser reads them (blogext.notebooks)."""
    return (".md", ".ipynb") if ".ipynb" in sphinxinternals.source_suffixes(app) else (".md",)


def post_files(srcdir: Path, config: Config, suffixes: Iterable[str] = (".md",)) -> list[str]:
    """The posts: files with one of *suffixes* matched by ``blog_post_pattern``, relative to *srcdir*,
    sorted."""
    patterns = config.blog_post_pattern
    if isinstance(patterns, str):
        patterns = [patterns]
    root = str(srcdir)
    wanted = tuple(suffixes)
    found: set[str] = set()
    for pattern in patterns:
        for name in glob.glob(os.path.join(glob.escape(root), pattern), recursive=True):
            if os.path.splitext(name)[1] in wanted and os.path.isfile(name):
                found.add(_relative(name, root))
    return sorted(found)


def _folder_files(srcdir: Path, config: Config, hidden: bool) -> list[str]:
    """Every file in the posts' folders (each ``blog_post_pattern`` up to its first wildcard)."""
    patterns = config.blog_post_pattern
    if isinstance(patterns, str):
        patterns = [patterns]
    root = str(srcdir)
    found: set[str] = set()
    for pattern in patterns:
        top = re.split(r"[*?[]", pattern, maxsplit=1)[0].rsplit("/", 1)[0] if "/" in pattern else ""
        base = glob.escape(os.path.join(root, top))
        for name in glob.glob(os.path.join(base, "**", "*"), recursive=True, include_hidden=hidden):
            if os.path.isfile(name):
                found.add(_relative(name, root))
    return sorted(found)


def _collision_candidates(srcdir: Path, config: Config, suffixes: Iterable[str] = (".md",)) -> list[str]:
    """Every post-like file (*suffixes*) in the posts' folders, but hidden ones (never built)."""
    wanted = tuple(suffixes)
    return [path for path in _folder_files(srcdir, config, hidden=False) if path.endswith(wanted)]


def _not_posts(srcdir: Path, config: Config, posts: Iterable[str], suffixes: Iterable[str]) -> list[str]:
    """A problem for each file in the posts' folders that looks like a post (see
    :data:`DOCUMENT_SUFFIXES`) but that the blog would not build as one: never dropped silently."""
    exclude = Matcher(config.exclude_patterns)
    known = set(posts)
    wanted = tuple(suffixes)
    problems = []
    for path in _folder_files(srcdir, config, hidden=False):
        suffix = posixpath.splitext(path)[1].lower()
        if path in known or suffix not in DOCUMENT_SUFFIXES or exclude(path):
            continue
        if suffix == ".ipynb" and ".ipynb" not in wanted:
            why = (
                "is a notebook, and this site builds none "
                "(expected 'blogext.notebooks' in conf.py's extensions, with myst-nb installed)"
            )
        elif suffix in wanted:
            pattern = config.blog_post_pattern
            why = (
                f"is not a post: blog_post_pattern {_show(pattern)} does not match it "
                "(expected a post where the pattern finds it, such as posts/<year>/<name>.md)"
            )
        else:
            kinds = "a MyST Markdown file, .md"
            if ".ipynb" in wanted:
                kinds += ", or a Jupyter notebook, .ipynb"
            why = f"is not a post this blog can build (expected {kinds})"
        problems.append(f"{path}: {why}")
    return problems


def _collisions(paths: list[str]) -> list[str]:
    """A problem for each file whose URL is, or differs only in case or punctuation from, an earlier one's."""
    problems = []
    seen: dict[str, str] = {}
    for path in sorted(paths):
        docname = posixpath.splitext(path)[0]
        key = url_key(docname)
        other = seen.setdefault(key, path)
        if other == path:
            continue
        same = docname.removesuffix("/index") == posixpath.splitext(other)[0].removesuffix("/index")
        how = "is the same as" if same else "differs only in case, spaces or punctuation from"
        problems.append(
            f"{path}: URL '{docname.removesuffix('/index')}/' {how} the URL of {other} "
            "(expected every post to have a URL of its own: rename one of the files)"
        )
    return problems


def _parse_settings(config: Config) -> str:
    """Everything a :class:`ParsedPost` depends on besides the file: the settings it reads, this
    module's cache version and the parsers' versions."""
    import markdown_it
    import myst_parser

    return json.dumps(
        [
            CACHE_VERSION,
            yaml.__version__,
            markdown_it.__version__,
            myst_parser.__version__,
            list(config.blog_authors or {}),
            list(config.blog_extra_front_matter_keys),
            sorted(config.myst_enable_extensions),
        ]
    )


def _dump(parsed: ParsedPost) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in parsed.values.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        values[key] = value
    return {
        "values": values,
        "problems": list(parsed.problems),
        "titles": [list(title) for title in parsed.titles],
        "links": [[link.kind, link.target, link.line, link.path, link.cell] for link in parsed.links],
        "usable": parsed.usable,
        "scanned": parsed.scanned,
    }


def _undump(data: dict[str, Any]) -> ParsedPost:
    values: dict[str, Any] = {}
    for key, value in data["values"].items():
        if key in ("date", "updated") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return ParsedPost(
        values,
        tuple(data["problems"]),
        tuple(tuple(title) for title in data["titles"]),
        tuple(Link(*link) for link in data["links"]),
        usable=data["usable"],
        scanned=data["scanned"],
    )


def _cache_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / CACHE_FILE


def _load_cache(app: Sphinx, settings: str) -> dict[str, dict[str, Any]]:
    """The parsed posts of the last build into this doctree folder: path -> {"digest", "parsed"}."""
    try:
        cache = json.loads(_cache_file(app).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(cache, dict) or cache.get("settings") != settings:
        return {}
    return cache.get("posts") or {}


def _save_cache(app: Sphinx, settings: str, entries: dict[str, dict[str, Any]]) -> None:
    target = _cache_file(app)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps({"settings": settings, "posts": entries}, sort_keys=True), "utf-8")
        os.replace(partial, target)
    except OSError:
        pass  # only a cache: the next build parses again


def read_posts(app: Sphinx) -> dict[str, PostFrontMatter]:
    """Every post's checked front matter by docname, read once per build.

    A post is parsed again only when its bytes (or the settings it is checked
    against) differ from the last build's; otherwise what it said then is taken
    from a cache in the doctree folder (``blogext-frontmatter.json``). The files
    it points to are looked for anew, and the checks across posts (URL
    collisions here, canonical tag names, links to unpublished posts) are made
    afresh from every post, cached or not. Which posts were parsed is logged
    with ``-v``, and kept in ``app.blog_front_matter_parsed``.

    Raises :class:`FrontMatterError` listing every problem of every post.
    """
    cached = getattr(app, "_blog_front_matter", None)
    if cached is not None:
        return cached
    srcdir = Path(app.srcdir)
    config = app.config
    documents.exclude_hidden(config)
    suffixes_of_posts = post_suffixes(app)
    files = post_files(srcdir, config, suffixes_of_posts)
    settings = _parse_settings(config)
    old = _load_cache(app, settings)
    entries: dict[str, dict[str, Any]] = {}
    parsed_now: list[str] = []
    md = None
    # Extensions' suffixes join config.source_suffix only later in config-inited.
    suffixes = sphinxinternals.source_suffixes(app)
    posts: dict[str, PostFrontMatter] = {}
    problems: list[str] = []
    for relpath in files:
        with open(os.path.join(srcdir, relpath), "rb") as source:
            data = source.read()
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        entry = old.get(relpath)
        parsed = None
        if entry is not None and entry.get("digest") == digest:
            try:
                parsed = _undump(entry["parsed"])
            except (KeyError, TypeError, ValueError):
                parsed = None
        if parsed is None:
            md = md or _markdown_parser(config.myst_enable_extensions)
            parsed = parse_post(data, relpath, config, md)
            entry = {"digest": digest, "parsed": _dump(parsed)}
            parsed_now.append(relpath)
        entries[relpath] = entry
        post, found = check_post(parsed, srcdir, relpath, suffixes)
        problems += [f"{relpath}: {p}" for p in found]
        if post is not None:
            posts[post.docname] = post
    app.blog_front_matter_parsed = parsed_now
    shown = f": {', '.join(parsed_now)}" if 0 < len(parsed_now) <= 10 else ""
    logger.verbose(
        "front matter: parsed %d of %d posts (the others are unchanged since the last build)%s",
        len(parsed_now),
        len(files),
        shown,
    )
    if entries.keys() != old.keys() or parsed_now:
        _save_cache(app, settings, entries)
    found = documents.discover(srcdir, config, suffixes)
    pages, page_problems = _read_pages(app, [path for path in found if path not in set(files)])
    problems += page_problems
    titles = {post.path: documents.slugify(post.title) or "post" for post in posts.values()}
    names = documents.name_problems({*found, *files}, fallbacks=titles)
    candidates = _collision_candidates(srcdir, config, suffixes_of_posts)
    collisions = _collisions([path for path in candidates if path not in names])
    colliding = {problem.split(": ", 1)[0] for problem in collisions}
    problems += _not_posts(srcdir, config, [*files, *colliding, *names], suffixes_of_posts)
    problems += [f"{path}: {problem}" for path, problem in names.items()]
    problems += collisions
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise FrontMatterError(f"Post check failed! {count}; nothing was written:\n" + "\n".join(problems))
    app._blog_pages = pages
    app._blog_front_matter = posts
    return posts


def _read_pages(app: Sphinx, relpaths: list[str]) -> tuple[dict[str, Page], list[str]]:
    """The pages (documents that are not posts) by docname, and their problems."""
    pages: dict[str, Page] = {}
    problems: list[str] = []
    for relpath in relpaths:
        page, found = documents.read_page(Path(app.srcdir), relpath)
        problems += [f"{relpath}: {problem}" for problem in found]
        if page.draft and page.docname == app.config.root_doc:
            problems.append(
                f"{relpath}: draft true on the home page (expected draft: false or no draft key: "
                "every other page links to the home page, so it is always published)"
            )
        pages[page.docname] = page
    if app.verbosity:
        hidden = documents.hidden_files(Path(app.srcdir), app.config, sphinxinternals.source_suffixes(app))
        if hidden:
            logger.verbose("left out hidden files (a name starting with '.'): %s", ", ".join(hidden))
    return pages, problems


def read_pages(app: Sphinx) -> dict[str, Page]:
    """Every document Sphinx will read that is not a post, by docname (see :mod:`blogext.documents`):
    whether its front matter says ``draft: true``. Read with the posts, once per build."""
    read_posts(app)
    return app._blog_pages


def front_matter(env: BuildEnvironment, docname: str) -> PostFrontMatter | None:
    """The checked front matter of the post *docname* (None if it is not a post)."""
    return getattr(env, "blog_front_matter", {}).get(docname)


# -- Canonical tag and category names ----------------------------------------------------------------


def canonical_labels(posts: Iterable[PostFrontMatter]) -> dict[str, dict[str, str]]:
    """For tags and categories: label key -> the name used first, by date (undated last), then path."""
    names: dict[str, dict[str, str]] = {"tags": {}, "category": {}}
    for post in sorted(posts, key=lambda p: (p.date or datetime.max, p.path)):
        for name in post.tags:
            names["tags"].setdefault(label_key(name), name)
        if post.category:
            names["category"].setdefault(label_key(post.category), post.category)
    return names


def _built(config: Config, posts: dict[str, PostFrontMatter]) -> list[PostFrontMatter]:
    """The posts this build reads: those the include and exclude patterns let in."""
    include = Matcher(config.include_patterns)
    exclude = Matcher(config.exclude_patterns)
    return [p for p in posts.values() if include(p.path) and not exclude(p.path)]


def labels_of(post: PostFrontMatter, names: dict[str, dict[str, str]]) -> tuple[tuple[str, ...], str | None]:
    """*post*'s tags and category under their canonical *names*."""
    tags = tuple(dict.fromkeys(names.get("tags", {}).get(label_key(t), t) for t in post.tags))
    category = (
        names.get("category", {}).get(label_key(post.category), post.category) if post.category else None
    )
    return tags, category


def _labels_read(env: BuildEnvironment) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """The tags and category each post was read with (kept in the environment)."""
    if not hasattr(env, "blog_labels_read"):
        env.blog_labels_read = {}
    return env.blog_labels_read


class CanonicalLabels(SphinxTransform):
    """Rewrite a post's ``tags`` and ``category`` to their canonical names, before ABlog reads them."""

    default_priority = 790  # after docutils' DocInfo (340), before ABlog's CheckFrontMatter (800)

    def apply(self, **kwargs: Any) -> None:
        post = front_matter(self.env, self.env.docname)
        if post is None:
            return
        tags, category = labels_of(post, getattr(self.env, "blog_label_names", {}))
        _labels_read(self.env)[self.env.docname] = (tags, category)
        for docinfo in self.document.findall(nodes.docinfo):
            for fld in list(docinfo.findall(nodes.field)):
                key = fld[0].astext()
                if key == "tags":
                    if tags:
                        _set_field_text(fld, json.dumps(list(tags), ensure_ascii=False))
                    else:
                        fld.parent.remove(fld)  # "[]": ABlog would make an empty tag of it
                elif key == "category" and category:
                    _set_field_text(fld, category)
            authors = list(docinfo.findall(nodes.author))
            if len(post.author) > 1 and authors:
                # ABlog splits the first author field on commas.
                authors[0].children = [nodes.Text(", ".join(post.author))]


def _set_field_text(fld: nodes.field, text: str) -> None:
    body = fld[1]
    body.children = []
    body += nodes.paragraph("", "", nodes.literal(text, text))


# -- Sphinx ----------------------------------------------------------------------------------------------


def _check_posts(app: Sphinx, config: Config) -> None:
    read_posts(app)


class _ThisBuild(dict):
    """A mapping the environment holds for the current build only: it is made anew by every build,
    so it is saved with the environment as an empty dict (a smaller environment loads faster)."""

    def __reduce__(self) -> tuple[type, tuple]:
        return (dict, ())


def _keep_in_env(app: Sphinx) -> None:
    """The checked front matter, and the canonical names among the posts this build reads
    (``exclude_patterns`` is final by now: blogext.drafts has left out unpublished posts)."""
    posts = read_posts(app)
    app.env.blog_front_matter = _ThisBuild(posts)
    app.env.blog_label_names = canonical_labels(_built(app.config, posts))


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Posts read with a tag or category name that is no longer the canonical one: read them again."""
    names = getattr(env, "blog_label_names", {})
    read = _labels_read(env)
    being_read = added | changed | removed
    return [
        docname
        for docname, post in getattr(env, "blog_front_matter", {}).items()
        if docname in read
        and docname not in being_read
        and docname in env.found_docs
        and read[docname] != labels_of(post, names)
    ]


def _on_purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _labels_read(env).pop(docname, None)


def _on_merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = _labels_read(other)
    _labels_read(env).update({d: theirs[d] for d in docnames if d in theirs})


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    app.setup_extension("blogext.ablogadapter")
    app.add_config_value(
        "blog_extra_front_matter_keys",
        [],
        "env",
        types=[list, tuple],
        description="front-matter keys that other features check, besides the known ones",
    )
    app.connect("config-inited", _check_posts, priority=blogext.FRONT_MATTER)
    app.connect("builder-inited", _keep_in_env)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.add_transform(CanonicalLabels)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
