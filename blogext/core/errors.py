"""How the blog stops a build over the author's input.

Sphinx answers any exception raised by an extension, ``SphinxError`` included,
with a crash report that ends by asking the reader to report a bug to Sphinx.
For a bad post or a bad setting that is the wrong message: the author needs the
file, the field, the value and what was expected, and nothing else.

:class:`BuildStopped` is a :class:`SystemExit`, which Sphinx lets through, so
``sphinx-build`` (and ``nox -s build``, Read the Docs, Pages) stops before any
page is written, prints exactly the message, and exits with status 1.
Programming errors (a bug in an extension) still raise ordinary exceptions and
get Sphinx's full report.
"""

from __future__ import annotations

import re
from datetime import date

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BuildStopped(SystemExit):
    """Stop the build with *message*: one problem a line, each naming its file or setting."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SettingError(BuildStopped):
    """A setting in ``conf.py`` or the environment has a value the blog cannot use."""


def date_setting(source: str, value: str) -> date:
    """The date *value* of the setting *source* (``BLOG_TODAY``, ``blogext_today``...), ``YYYY-MM-DD``.

    Plain Python, so that ``nox -s new`` can use it without Sphinx.
    """
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise SettingError(f"{source} {value!r} is not a valid date (expected YYYY-MM-DD)") from None
