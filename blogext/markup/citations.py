"""Citations: ``{cite}`` and a bibliography at the end of the post, from a ``.bib`` file next to it.

sphinxcontrib-bibtex does the work; this module fits it to a blog:

- every ``.bib`` file in the site's folders (``posts/2024/refs.bib`` next to
  ``posts/2024/my-post.md``) is read, so ``conf.py`` lists none
  (``bibtex_bibfiles``, set here when ``conf.py`` leaves it unset);
- a post's ``{bibliography}`` lists the works cited in that post, not in the
  whole site (the filter ``docname in docnames`` is the default here);
- a post (or any page) that cites and has no ``{bibliography}`` gets one at its
  end, under a "References" heading.

A key that no ``.bib`` file has is sphinxcontrib-bibtex's warning
``posts/2024/x.md:12: could not find bibtex key "smith2020"``, naming the post,
the line and the key, so the strict build fails.

The bibliography's HTML is docutils' minus its ARIA roles that axe-core rejects:
each entry is a ``role="listitem"`` of the ``role="list"`` around them, not a
``role="doc-biblioentry"`` (deprecated in DPUB-ARIA 1.1). Nothing else changes.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinxcontrib.bibtex.directives import BibliographyDirective

from blogext.core import assets, files, safehtml

#: Folders never searched for ``.bib`` files (builds, caches, packages).
SKIPPED = {"_build", "node_modules", "tests", "bench", "__pycache__"}
_CITES = re.compile(r"\{cite(?::[a-z]+)?\}")
_HAS_BIBLIOGRAPHY = re.compile(r"[`:]{3,}\{bibliography\}")
#: What is appended to a post that cites but has no bibliography.
APPENDED = "\n\n## References\n\n```{bibliography}\n```\n"


def bib_files(confdir: Path) -> list[str]:
    """Every ``.bib`` file under *confdir*, relative to it, outside builds and hidden folders (which
    are not walked into: ``node_modules``, ``.git`` or ``.nox`` hold tens of thousands of files)."""
    walked = files.relative_files(confdir, lambda name: name in SKIPPED or name.startswith("."))
    return sorted(path for path in walked if path.endswith(".bib"))


def _set_bibfiles(app: Sphinx, config: Config) -> None:
    if config.bibtex_bibfiles is None:
        config.bibtex_bibfiles = bib_files(Path(app.confdir))


class PostBibliography(BibliographyDirective):
    """``{bibliography}`` listing only what the post it is in cites, unless told otherwise."""

    def run(self):
        if not {"filter", "all", "notcited", "cited"} & set(self.options):
            self.options["filter"] = "docname in docnames"
        return super().run()


def _append_bibliography(app: Sphinx, docname: str, source: list[str]) -> None:
    text = source[0]
    if _CITES.search(text) and not _HAS_BIBLIOGRAPHY.search(text):
        source[0] = text.rstrip("\n") + APPENDED


def _visit_citation(self, node: nodes.citation, *, app: Sphinx) -> None:
    """docutils' ``visit_citation`` with each entry a list item of the list docutils opens."""
    if not isinstance(node.previous_sibling(), nodes.citation):
        self.body.append(safehtml.render(app, "blog/citations.html", start=True))
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def _depart_citation(self, node: nodes.citation, *, app: Sphinx) -> None:
    last = not isinstance(node.next_node(descend=False, siblings=True), nodes.citation)
    self.body.append(safehtml.render(app, "blog/citations.html", start=False, last=last))


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("sphinxcontrib.bibtex")
    app.connect("config-inited", _set_bibfiles)
    app.add_directive("bibliography", PostBibliography, override=True)
    app.connect("source-read", _append_bibliography)
    # The visitors are bound to the application, which renders their templates.
    visitors = (functools.partial(_visit_citation, app=app), functools.partial(_depart_citation, app=app))
    app.add_node(nodes.citation, override=True, html=visitors)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
