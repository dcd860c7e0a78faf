"""ABlog's posts in the build environment without a second copy of every post.

When ABlog reads a post it keeps, in ``env.ablog_posts``, a deep copy of the
post's whole doctree, used only to render full-text feed entries
(``Post.to_html(fulltext=True)``). The environment is pickled after every
build that changes anything and unpickled at the start of every build, and
with a few hundred posts those copies make it ten times larger than plain
Sphinx's: slower incremental builds, more memory.

Sphinx already keeps each doctree in the doctree folder. So, for documents that
are one post (the usual case: a post per file), the copy is replaced by a
:class:`StoredDoctree` that loads the doctree from there when something asks
for it. Documents with several ``post`` directives keep ABlog's copies.

The excerpt ABlog keeps (the first paragraph) is copied node by node, and each
copy still points to the whole document it was copied from, so pickling the
excerpt pickled the whole post again. Those pointers are cleared; a node
without one finds its document through its parent, as any inserted node does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


class StoredDoctree:
    """Stands in for ABlog's copy of a post's doctree, which is the first child of the stored doctree."""

    #: The environment of the running build (set when the builder starts).
    env: ClassVar[BuildEnvironment | None] = None

    def __init__(self, docname: str) -> None:
        self.docname = docname

    def _load(self) -> nodes.Node:
        if self.env is None:
            raise RuntimeError(f"the doctree of {self.docname!r} is asked for before the build started")
        return self.env.get_doctree(self.docname)[0]

    def deepcopy(self) -> nodes.Node:
        return self._load()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._load(), name)


def _drop_copies(app: Sphinx, doctree: nodes.document) -> None:
    infos = getattr(app.env, "ablog_posts", {}).get(app.env.docname, [])
    if len(infos) == 1 and not infos[0]["section"]:
        infos[0]["doctree"] = StoredDoctree(app.env.docname)
    for info in infos:
        for top in info.get("excerpt") or []:
            for node in top.findall():
                node.document = None


def _set_env(app: Sphinx) -> None:
    StoredDoctree.env = app.env


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    app.connect("builder-inited", _set_env)
    # After ABlog's own doctree-read listener (500), which makes the copy.
    app.connect("doctree-read", _drop_copies, priority=700)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
