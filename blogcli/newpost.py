"""Start a new post: ``nox -s new -- "Post title"``.

Creates ``posts/<year>/<slug>.md`` dated today, as a draft, with its front
matter filled in, prints its path, and never overwrites a post. "Today" is
``BLOG_TODAY`` (YYYY-MM-DD) when set, as in the build, else the local date.

Plain Python (no Sphinx), so the nox session runs it without installing anything::

    python -m blogcli.newpost "Post title"
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from datetime import date
from pathlib import Path

from blogext.core.errors import SettingError, date_setting

TEMPLATE = """\
---
date: {date}
draft: true
tags: []
# category: Tutorials
# description: One sentence for search results and link previews.
---

# {title}

The first paragraph is the excerpt shown on the home page and in the archives.
"""


class NewPostError(Exception):
    """The post cannot be created; the message says why."""


def slugify(title: str) -> str:
    """The file name for *title*: ASCII lowercase words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def today_from(environ: os._Environ[str] | dict[str, str]) -> date:
    """``BLOG_TODAY`` from *environ*, else today's local date."""
    value = environ.get("BLOG_TODAY", "").strip()
    if not value:
        return date.today()
    try:
        return date_setting("BLOG_TODAY", value)
    except SettingError as error:
        raise NewPostError(str(error)) from None


def create_post(root: Path, title: str, today: date | None = None) -> Path:
    """Write a new draft post for *title* under *root*/posts and return its path."""
    title = " ".join(title.split())
    slug = slugify(title)
    if not slug:
        raise NewPostError(f"title {title!r} has no letters or digits to make a file name from")
    today = today or date.today()
    folder = root / "posts" / str(today.year)
    path = folder / f"{slug}.md"
    if folder.is_dir():
        # Another file whose name differs only in case would have the same URL on many servers.
        for other in folder.iterdir():
            if other.stem.casefold() == slug or slugify(other.stem) == slug:
                raise NewPostError(
                    f"{other.relative_to(root).as_posix()} already exists (choose another title)"
                )
    folder.mkdir(parents=True, exist_ok=True)
    heading = title.replace("\n", " ")
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(TEMPLATE.format(date=today.isoformat(), title=heading))
    except FileExistsError:
        raise NewPostError(
            f"{path.relative_to(root).as_posix()} already exists (choose another title)"
        ) from None
    return path


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].strip():
        print('usage: nox -s new -- "Post title"', file=sys.stderr)
        return 2
    root = root or Path.cwd()
    try:
        path = create_post(root, args[0], today_from(os.environ))
    except NewPostError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path.relative_to(root).as_posix())
    return 0


if __name__ == "__main__":
    sys.exit(main())
