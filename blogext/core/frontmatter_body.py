"""A post file read for what its body says: its title, its links and images, ABlog's own post
directive, a notebook's cells (MyST's own Markdown parser, blocks first, then the inline text that
can hold a link), checked against the source folder. :mod:`blogext.core.frontmatter` reads every post
with :func:`read_post` (or :func:`parse_post` and :func:`check_post` around its cache).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from sphinx.config import Config
from sphinx.util import logging

from blogext.core import frontmatter_yaml, settings
from blogext.core.frontmatter_check import (
    NOTEBOOK_KEYS,
    URL_SCHEME,
    FrontMatterSettings,
    Link,
    PostFrontMatter,
    check_front_matter,
    load_yaml,
    show,
)
from blogext.core.frontmatter_yaml import split_front_matter

logger = logging.getLogger(__name__)

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


def markdown_parser(extensions: Iterable[str]):
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
    if not target or target.startswith(("#", "//")) or URL_SCHEME.match(target):
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
        plain = load_yaml(f"x: [{name}]") == {"x": [name]}
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
        elif (
            kind == "image"
            and "*" not in value
            and not URL_SCHEME.match(value)
            and not value.startswith("//")
        ):
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
        problems.append(f"notebook metadata {show(metadata)} is not a mapping (expected 'key: value' pairs)")
        metadata = {}
    values, found = check_front_matter(
        metadata,
        config.blog_authors or {},
        settings.of(config, FrontMatterSettings).extra_front_matter_keys,
        NOTEBOOK_KEYS,
    )
    problems += found
    md = md or markdown_parser(config.myst_enable_extensions)
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
            loaded = load_yaml(raw)
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
            problems.append(f"front matter {show(loaded)} is not a mapping (expected 'key: value' lines)")
    extra = settings.of(config, FrontMatterSettings).extra_front_matter_keys
    values, found = check_front_matter(front, config.blog_authors or {}, extra)
    problems += found

    md = md or markdown_parser(config.myst_enable_extensions)
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
                problems.append(f"image {show(link.target)} {at} does not exist (expected {where})")
            else:
                problems.append(
                    f"link {show(link.target)} {at} points to a file that does not exist (expected {where})"
                )
    titles = parsed.titles
    if not titles:
        problems.append("title is missing (expected a '# Title' heading after the front matter)")
    elif len(titles) > 1:
        heading, line, *cell = titles[1]
        problems.append(
            f"heading {show(heading)} {_at(line, cell[0] if cell else None)} is a second title "
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
