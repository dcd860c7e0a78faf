"""Every document Sphinx would read is known before it reads one: hidden files left out, drafts
found wherever they are, and every file name a plain URL.

Not an extension: :mod:`blogext.core.frontmatter` calls it when the configuration is
ready (``config-inited``), with the posts' own checks, so that one message lists
every problem before any page is read.

- **Hidden files and folders** (any part of the path starting with ``.``:
  ``posts/2024/.wip.md``, ``.ipynb_checkpoints/``) are added to
  ``exclude_patterns`` (:func:`exclude_hidden`), so no build reads them, a
  plain ``sphinx-build`` included.
- **Folders that never hold a document**, at the top of the source folder:
  ``node_modules/`` (the npm packages the site's math and diagrams need beside
  ``conf.py``, some 12,000 files) and ``_build/`` (the builds' own output and
  doctrees, the preview's included) join ``exclude_patterns`` the same way, so
  Sphinx does not walk them, twice a build, looking for documents.
- **Pages** (documents that are not posts: ``about.md``, a series page...) have
  their front matter read as strictly as posts' (:mod:`blogext.core.frontmatter_yaml`;
  MyST would read it otherwise) and may say ``draft: true``: such a page is
  unpublished like a draft post (:func:`read_pages`).
- **File names**: every part of a document's path is lowercase ASCII letters,
  digits, ``-``, ``_`` and inner dots, so its URL needs no escaping and is the
  same on every server; any other name fails the build with a name that passes
  (:func:`name_problems`).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sphinx.config import Config
from sphinx.project import Project
from sphinx.util import logging
from sphinx.util.matching import Matcher

from blogext.core import files, frontmatter_yaml

logger = logging.getLogger(__name__)

#: ``exclude_patterns`` that leave out every hidden file and folder, at any depth.
HIDDEN_PATTERNS = (".*", "**/.*")
#: ``exclude_patterns`` of the folders beside ``conf.py`` that never hold a document (only their top).
NOT_SOURCES = ("node_modules", "_build")
#: One part of a document's path, as this site's URLs may have it.
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")
NAME_RULE = "lowercase letters a-z, digits and hyphens, so that its URL is the same everywhere"


@dataclass(frozen=True)
class Page:
    """A document that is not a post, as far as publishing goes."""

    path: str  #: the source file, relative to the source folder
    docname: str
    draft: bool = False
    date = None  #: pages have no date (for messages that describe posts and pages alike)


def url_key(docname: str) -> str:
    """A page's URL, for telling collisions: ``x/index`` is ``x``; case and punctuation do not count."""
    parts = docname.split("/")
    if parts[-1] == "index" and len(parts) > 1:
        parts.pop()
    return "/".join(
        re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", p).casefold()).strip("-") for p in parts
    )


def exclude_hidden(config: Config) -> None:
    """Add :data:`HIDDEN_PATTERNS` and :data:`NOT_SOURCES` to ``exclude_patterns`` (once)."""
    missing = [p for p in (*HIDDEN_PATTERNS, *NOT_SOURCES) if p not in config.exclude_patterns]
    if missing:
        config.exclude_patterns = [*config.exclude_patterns, *missing]


def discover(srcdir: Path, config: Config, suffixes: Iterable[str]) -> list[str]:
    """The source files (relative to *srcdir*) of every document Sphinx will read, as Sphinx finds them."""
    excluded = [
        *config.exclude_patterns,
        *config.templates_path,
        *getattr(config, "html_static_path", []),
        *getattr(config, "html_extra_path", []),
    ]
    project = Project(srcdir, dict.fromkeys(suffixes, "document"))
    found = project.discover(excluded, config.include_patterns)
    return sorted(project.doc2path(d, absolute=False).as_posix() for d in found)


def hidden_files(srcdir: Path, config: Config, suffixes: Iterable[str]) -> list[str]:
    """The documents :func:`exclude_hidden` leaves out (for ``-v``)."""
    wanted = tuple(suffixes)
    hidden = Matcher(list(HIDDEN_PATTERNS))
    include = Matcher(config.include_patterns)
    found = files.relative_files(srcdir)
    return sorted(path for path in found if path.endswith(wanted) and hidden(path) and include(path))


# -- Pages -----------------------------------------------------------------------------------------


def read_page(srcdir: Path, relpath: str) -> tuple[Page, list[str]]:
    """The page *relpath*: whether it is a draft, and the problems of its front matter."""
    docname = posixpath.splitext(relpath)[0]
    try:
        text = (srcdir / relpath).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return Page(relpath, docname), []  # Sphinx reports a file it cannot read
    try:
        front = _page_front_matter(relpath, text)
    except ValueError as error:
        return Page(relpath, docname), [str(error)]
    draft = front.get("draft", False) if isinstance(front, dict) else False
    if not isinstance(draft, bool):
        shown = repr(draft) if isinstance(draft, str) else str(draft)
        return Page(relpath, docname), [f"draft {shown} is not a boolean (expected true or false)"]
    return Page(relpath, docname, draft), []


def _page_front_matter(relpath: str, text: str) -> object:
    """A page's front matter (a notebook's metadata); ValueError says what is wrong with it."""
    if relpath.endswith(".ipynb"):
        try:
            notebook = frontmatter_yaml.load_notebook(text)
        except frontmatter_yaml.DuplicateKeyError:
            raise
        except ValueError:
            return {}  # not a notebook: myst-nb reports it
        return notebook.get("metadata", {}) if isinstance(notebook, dict) else {}
    raw, closing = frontmatter_yaml.split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    if raw is None:
        return {}
    if closing == -1:
        raise ValueError("front matter is not closed (expected a line '---' after it)")
    try:
        return frontmatter_yaml.load(raw)
    except frontmatter_yaml.StrictYAMLError as error:
        raise ValueError(error.describe(2)) from None
    except Exception as error:  # yaml.YAMLError: what MyST would stop on too
        mark = getattr(error, "problem_mark", None)
        where = f" on line {mark.line + 2}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        raise ValueError(
            f"front matter is not valid YAML{where}: {reason} (expected 'key: value' lines)"
        ) from None


# -- File names ------------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """*name* as this site's URLs may have it: ASCII lowercase words joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _faults(name: str) -> str:
    """What a part of a path has that URLs should not: "spaces", "capitals"..."""
    faults = []
    if any(c.isspace() for c in name):
        faults.append("spaces")
    if any(c.isascii() and c.isupper() for c in name):
        faults.append("capitals")
    if not name.isascii():
        faults.append("non-ASCII characters")
    if not faults and re.fullmatch(r"[a-z0-9._-]*", name):
        faults.append("a hyphen, underscore or dot at its start or end")
    elif not faults:
        faults.append("characters other than a-z, 0-9 and hyphens")
    return " and ".join([", ".join(faults[:-1]), faults[-1]] if len(faults) > 1 else faults)


def suggest(relpath: str, taken: set[str], fallback: str = "page") -> str:
    """A name for the document *relpath* that follows the rule and whose URL is not in *taken*
    (:func:`url_key` of the other documents)."""
    stem, suffix = posixpath.splitext(relpath)
    parts = stem.split("/")
    fixed = [p if _NAME.fullmatch(p) else (slugify(p) or "folder") for p in parts[:-1]]
    last = parts[-1] if _NAME.fullmatch(parts[-1]) else (slugify(parts[-1]) or fallback)
    candidate, n = last, 1
    while url_key("/".join([*fixed, candidate])) in taken:
        n += 1
        candidate = f"{last}-{n}"
    return "/".join([*fixed, candidate]) + suffix


def name_problems(relpaths: Iterable[str], fallbacks: dict[str, str] | None = None) -> dict[str, str]:
    """Path -> the problem of each document whose path breaks :data:`NAME_RULE`, with a name that
    follows it. *fallbacks* give a name for a path with no letter or digit a URL can keep (a post's
    title, say)."""
    paths = sorted(relpaths)
    keys = {path: url_key(posixpath.splitext(path)[0]) for path in paths}
    problems = {}
    for path in paths:
        parts = posixpath.splitext(path)[0].split("/")
        bad = [p for p in parts if not _NAME.fullmatch(p)]
        if not bad:
            continue
        taken = {key for other, key in keys.items() if other != path}
        suggestion = suggest(path, taken, (fallbacks or {}).get(path) or "page")
        keys[path] = url_key(posixpath.splitext(suggestion)[0])
        if bad == [parts[-1]]:
            what = f"file name {posixpath.basename(path)!r}"
        elif len(bad) == 1:
            what = f"folder name {bad[0]!r}"
        else:
            what = f"path {path!r}"
        problems[path] = (
            f"{what} has {_faults(''.join(bad))} (expected {NAME_RULE}: rename it to {suggestion})"
        )
    return problems
