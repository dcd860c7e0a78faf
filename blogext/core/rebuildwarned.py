"""A failed build stays failed until its cause is fixed: a document that warned is read again.

Sphinx reads a document again only when its source, or something it depends on, has changed, and
a document's warnings are printed only while it is read or written. So a strict build run again
unchanged reads nothing, prints nothing and says "build succeeded", publishing the page the build
before refused: the author's machine (which kept its doctree folder) and CI (which did not) disagree.

This module remembers, in the doctree folder (:data:`STATE_FILE`), every document that warned, and
hands it back to Sphinx as outdated (``env-get-outdated``) on the next build, which reads and writes
it again, so its warnings come back, whatever printed them: docutils, MyST, Sphinx, myst-nb or the
blog's own checks, while reading or writing. A document leaves the list only after a build that
read it again without a warning from it. A warning that names no document (a setting, a ``.bib``
file, anything that is not a document) makes the next build start from a fresh environment, as a
first build does, so everything that warned once is done again (sphinxcontrib-bibtex, for one, reads
its files again only then). The list is written as soon as a document first warns, so it survives
a failed build, an exception and a killed process.

What counts is what fails a strict build: every record of level WARNING or higher on Sphinx's
logger that ``suppress_warnings`` does not suppress.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.logging import NAMESPACE, is_suppressed_warning

import blogext

#: The list of documents to read again, in the doctree folder (kept out of the published site).
STATE_FILE = "blog-warned.json"


class WarnedDocuments(logging.Handler):
    """Sphinx's log, watched for warnings: which documents warned, and whether one named none."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(logging.WARNING)
        self.app = app
        self.path: Path | None = None  # known once the doctree folder is settled
        self.saved_docs: set[str] = set()  # as the state file says: to read again
        self.saved_everything = False
        self.warned: set[str] = set()  # in this build
        self.unplaced = False  # a warning of this build named no document
        self.read: set[str] = set()  # the documents this build read

    # -- watching the log -------------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        try:
            suppress = self.app.config.suppress_warnings
        except AttributeError:  # conf.py not read yet
            suppress = ()
        if is_suppressed_warning(getattr(record, "type", ""), getattr(record, "subtype", ""), suppress):
            return
        docname = self._document(getattr(record, "location", None))
        if docname is None:
            self.unplaced = True
        else:
            self.warned.add(docname)
        if self.path is not None:  # saved at once: a build that ends abruptly still leaves it
            self._save(self.saved_docs | self.warned, self.saved_everything or self.unplaced)

    def _document(self, location: Any) -> str | None:
        """The document a warning's location names (a docname, ``(docname, line)``, a node, or the
        ``path:line`` Sphinx makes of them), or None."""
        env = getattr(self.app, "env", None)
        if isinstance(location, tuple):
            location = location[0]
        elif isinstance(location, nodes.Node):
            location = get_source_line(location)[0]
        if not location or env is None:
            return None
        location = str(location)
        path, _, line = location.rpartition(":")
        path = path if path and (line.isdigit() or not line) else location  # "path:12", "path:"
        for candidate in (location, path):
            if candidate in env.found_docs:
                return candidate
        docname = env.path2doc(path)
        return docname if docname in env.found_docs else None

    # -- the build's events -------------------------------------------------------------------------

    def config_inited(self, app: Sphinx, config: Any) -> None:
        """Read the list; after a warning that named no document, start from a fresh environment."""
        self.path = Path(app.doctreedir) / STATE_FILE
        try:
            saved = json.loads(self.path.read_text("utf-8"))
            self.saved_docs = {doc for doc in saved["documents"] if isinstance(doc, str)}
            self.saved_everything = saved["everything"] is True
        except (OSError, ValueError, KeyError, TypeError):  # none yet (or unreadable): nothing to add
            self.saved_docs, self.saved_everything = set(), False
        if self.saved_everything:  # what a fresh environment does is done again, whatever warned
            (Path(app.doctreedir) / ENV_PICKLE_FILENAME).unlink(missing_ok=True)
        self._save(self.saved_docs | self.warned, self.saved_everything or self.unplaced)

    def outdated(
        self, app: Sphinx, env: BuildEnvironment, added: set, changed: set, removed: set
    ) -> set[str]:
        return self.saved_docs & env.found_docs

    def before_read(self, app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        self.read.update(docnames)

    def build_finished(self, app: Sphinx, exception: BaseException | None) -> None:
        """Forget the documents read again without a warning; only after a build that ended."""
        if exception is not None or self.path is None:
            return
        kept = {doc for doc in self.saved_docs - self.read if doc in app.env.found_docs}
        # A build started afresh when the last one had a warning naming no document: this build's say.
        self._save(kept | self.warned, self.unplaced)

    def _save(self, documents: set[str], everything: bool) -> None:
        if documents == self.saved_docs and everything == self.saved_everything:
            return
        assert self.path is not None
        if not documents and not everything:
            self.path.unlink(missing_ok=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".partial")
            state = {"documents": sorted(documents), "everything": everything}
            partial.write_text(json.dumps(state, indent=1) + "\n", "utf-8")
            os.replace(partial, self.path)
        self.saved_docs, self.saved_everything = set(documents), everything


def setup(app: Sphinx) -> dict[str, Any]:
    watcher = WarnedDocuments(app)
    # Sphinx empties its logger's handlers when a build starts (sphinx.util.logging.setup), before
    # extensions are set up: this handler is this build's, added after Sphinx's own.
    logging.getLogger(NAMESPACE).addHandler(watcher)
    app.connect("config-inited", watcher.config_inited, priority=blogext.WARNED_DOCUMENTS)
    app.connect("env-get-outdated", watcher.outdated)
    app.connect("env-before-read-docs", watcher.before_read, priority=blogext.WARNED_LAST)
    app.connect("build-finished", watcher.build_finished, priority=blogext.WARNED_LAST)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
