"""Build output that never misleads: lines other packages print that are untrue of this site, or
say nothing to its author, silenced where they start. Each is named here, with why.

- sphinxext-opengraph prints "matplotlib is not installed, social cards will not be generated"
  when it is imported without matplotlib, at import time, before any setting is read: nothing in
  ``conf.py`` stops it, ``ogp_social_cards = {"enable": False}`` included. The site draws its own
  share cards (:mod:`blogext.outputs.sharecards`) and needs no matplotlib to build, so the line is false
  alarm. This module imports sphinxext-opengraph itself, first (it is listed before it in
  ``conf.py``), and drops that one line of what the import prints; anything else is printed. It
  imports it without its social cards, so matplotlib is not imported on every build (0.5 s) where
  it is installed (the notebooks' plots need it where the author works); a ``conf.py`` that turns
  ``ogp_social_cards`` on stops the build saying so.
- myst-parser and myst-nb log their whole configuration (``myst v5.2.0: MdParserConfig(...)``,
  ``myst-nb v1.4.0: NbParserConfig(...)``, some 1,500 characters each) at every build. They are
  logged at Sphinx's verbose level instead: ``sphinx-build -v`` still shows them.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import sys
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.logging import NAMESPACE, VERBOSE

from blogext.core import sphinxinternals
from blogext.core.errors import SettingError

#: A module that prints at import time, and the exact line of it to drop.
IMPORTED_QUIETLY = {
    "sphinxext.opengraph": "matplotlib is not installed, social cards will not be generated",
}
#: The loggers that log a parser's whole configuration at every build, and the class it is logged as.
CONFIGURATION_LINES = {
    "myst_parser.sphinx_ext.main": "MdParserConfig",
    "myst_nb.sphinx_ext": "NbParserConfig",
}


def import_quietly(module: str, line: str) -> None:
    """Import *module* (unless it is already), printing what the import prints, except *line*."""
    if module in sys.modules:
        return
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            importlib.import_module(module)
    except ImportError:
        pass  # not installed: Sphinx says so when conf.py's extensions load it
    finally:
        kept = [text for text in printed.getvalue().splitlines(keepends=True) if text.rstrip("\n") != line]
        sys.stdout.write("".join(kept))


class _ConfigurationAtVerbose(logging.Filter):
    """The record of a parser's whole configuration, moved from INFO to Sphinx's VERBOSE level."""

    def __init__(self, class_name: str) -> None:
        super().__init__()
        self.class_name = class_name

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.levelno == logging.INFO and args and type(args[-1]).__name__ == self.class_name:
            record.levelno, record.levelname = VERBOSE, "VERBOSE"
        return True


#: One filter a logger, kept for the process: loggers outlive a build (the tests build in-process).
_FILTERS = {name: _ConfigurationAtVerbose(class_name) for name, class_name in CONFIGURATION_LINES.items()}


def _social_cards_off(app: Sphinx, config: Any) -> None:
    """sphinxext-opengraph's social cards are off (see the module's docstring): a ``conf.py`` that
    turns them on is told so, rather than getting none."""
    cards = getattr(config, "ogp_social_cards", None) or {}
    if isinstance(cards, dict) and cards.get("enable", False) not in (False, None):
        raise SettingError(
            "ogp_social_cards: the blog draws its own share cards (blogext.outputs.sharecards), and "
            "sphinxext-opengraph's are off (expected {'enable': False}, or no ogp_social_cards)"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    with sphinxinternals.opengraph_social_cards_off():  # no matplotlib imported for them (0.5 s)
        for module, line in IMPORTED_QUIETLY.items():
            import_quietly(module, line)
    app.connect("config-inited", _social_cards_off)
    for name, line_filter in _FILTERS.items():
        logging.getLogger(f"{NAMESPACE}.{name}").addFilter(line_filter)  # once: the same object
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
