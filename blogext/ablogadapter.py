"""The one door to ABlog: every use of ABlog's internals is in this module.

ABlog groups the posts (tags, categories, authors, years), draws its archive
pages and sidebars, and resolves its ``postlist`` and ``tag-…`` references. The
blog keeps all of that, and reaches it only through the functions here; no
other module imports ``ablog`` or touches ``env.ablog_posts``, ``Blog`` or
``ablog.blog.TOMORROW``. What this module does with ABlog:

- **Which posts ABlog publishes.** ABlog publishes every post dated before its
  own "tomorrow", taken from the clock when it is imported. :func:`set_today`
  makes it agree with the post model (:mod:`blogext.posts`), which decides
  drafts, scheduling and "today" once for the whole blog.
- **Registration.** ABlog's ``Blog`` is a process-wide singleton filled on first
  use. It is emptied when a build starts (so builds in one process do not see
  each other's posts) and filled once, after reading, with the preview's
  unpublished posts registered as ABlog drafts (ABlog would publish a dated
  ``draft: true`` post). Everyone then gets it from :func:`blog`.
- **Parallel reading.** ABlog declares itself unsafe for parallel reading, but
  what it keeps per document can be merged: its post infos are merged here; its
  labels in the standard domain and its ``orphan`` flags are merged by Sphinx.
  So ABlog is declared parallel-read safe and ``-j N`` writes the same site.
- **A lean environment.** ABlog keeps a deep copy of each post's doctree in
  ``env.ablog_posts``, pickled with the environment. For a document that is
  one post it is replaced by :class:`StoredDoctree`, which loads the doctree
  Sphinx already keeps; the excerpt's pointers to its whole document are
  cleared, so pickling the excerpt does not pickle the post again.
- **Listeners taken over.** The blog writes its own feeds (:func:`take_over`
  disconnects ABlog's feed listener) and writes ABlog's archive pages itself:
  without the drafts page outside a preview that has drafts, and without those
  another feature skips (:func:`skip_archive_pages`).
- **Reading back.** :func:`read_post` reads what ABlog kept of a post (title,
  date, labels, excerpt...) as plain values, for the post model, which makes its
  post record (:mod:`blogext.postrecord`) of them.

Private or undocumented uses of ABlog, each waiting for a public API (those of
Sphinx are in :mod:`blogext.sphinxinternals`):

1. ``ablog.blog.TOMORROW`` is set (waits for a setting of ABlog's "today").
2. ``Blog._dict`` is cleared when a build starts (waits for a per-application ``Blog``).
3. ``env.ablog_posts`` is read, merged and slimmed (waits for ABlog's own
   ``env-merge-info`` and a post store that does not hold doctrees).
4. ``Blog.register`` is called with ``TOMORROW`` moved, to register a post as a
   draft (waits for a draft state ABlog takes from the post model).
5. ``ablog.post.generate_archive_pages`` and ``generate_atom_feeds`` are taken
   over (waits for settings that switch off ABlog's feeds and drafts page).
6. ``ablog.blog.revise_pending_xrefs`` resolves a card's excerpt on another page
   (:func:`excerpt_seen_from`; waits for a public "excerpt for page X").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

import ablog
import ablog.blog
import ablog.post
from ablog.blog import Blog, Catalog, Collection, revise_pending_xrefs, slugify
from ablog.blog import Post as AblogPost
from ablog.post import PostList, PostListDirective
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

import blogext
from blogext import buildstate, sphinxinternals

__all__ = [
    "AblogPost",
    "Catalog",
    "Collection",
    "PostList",
    "PostListDirective",
    "archive_pages",
    "blog",
    "builder_support",
    "drafts_page",
    "feed_generator",
    "post_docnames",
    "read_post",
    "excerpt_seen_from",
    "set_today",
    "skip_archive_pages",
    "slugify",
    "take_over",
    "without_date_navigation",
]


# -- Which posts ABlog publishes ---------------------------------------------------------------------


def set_today(today: date) -> None:
    """Make ABlog publish exactly the posts dated on or before *today*."""
    ablog.blog.TOMORROW = datetime.combine(today + timedelta(days=1), time())


def builder_support(app: Sphinx) -> bool:
    """Whether ABlog works with this build's builder (HTML builders but pickle and JSON)."""
    return ablog.builder_support(app)


# -- Registration ------------------------------------------------------------------------------------


def _hidden(app: Sphinx) -> set[str]:
    # The preview's unpublished posts, as the post model (blogext.posts) decided them and wrote them
    # into this setting at config-inited: read here, not asked of the model, which imports this module.
    return set(getattr(app.config, "blog_unpublished_posts", {}))


def blog(app: Sphinx) -> Blog:
    """ABlog's ``Blog``, with every post registered (the preview's unpublished ones as drafts)."""
    the_blog = Blog(app)
    if not len(the_blog.posts) and not len(the_blog.drafts):
        hidden = _hidden(app)
        tomorrow = ablog.blog.TOMORROW
        try:
            for docname, infos in getattr(app.env, "ablog_posts", {}).items():
                ablog.blog.TOMORROW = datetime.min if docname in hidden else tomorrow
                for info in infos:
                    the_blog.register(docname, info)
        finally:
            ablog.blog.TOMORROW = tomorrow
    return the_blog


def _forget_blog(app: Sphinx) -> None:
    Blog._dict.clear()


def _register(app: Sphinx, env: BuildEnvironment) -> None:
    # Before anything is written, and before ABlog's own lazy registration could run.
    if builder_support(app):
        blog(app)


# -- What ABlog keeps of each post ---------------------------------------------------------------------


def post_docnames(env: BuildEnvironment) -> list[str]:
    """The documents ABlog read posts from (in the order it read them)."""
    return list(getattr(env, "ablog_posts", {}))


def read_post(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """What ABlog read of the (first) post of *docname*, as plain values (None when the document is not
    a post): ``title``, ``date``, ``update``, ``section``, ``order``, ``external_link``, the labels
    ``tags``, ``category``, ``author``, ``location`` and ``language`` (tuples of names), and the
    ``excerpt`` (a tuple of the nodes ABlog keeps: copy before changing them). For
    :mod:`blogext.posts`, which makes the post record of it."""
    infos = getattr(env, "ablog_posts", {}).get(docname)
    if not infos:
        return None
    info = infos[0]
    return {
        "title": info.get("title"),
        "date": info.get("date"),
        "update": info.get("update"),
        "section": info.get("section") or "",
        "order": info.get("order", 1),
        "external_link": info.get("external_link"),
        **{name: tuple(info.get(name) or ()) for name in _LABELS},
        "excerpt": tuple(info.get("excerpt") or ()),
    }


#: ABlog's labels of a post, each a catalog of archive pages.
_LABELS = ("tags", "category", "author", "location", "language")


def postlists(doctree: nodes.Node) -> list[nodes.Element]:
    """The ``postlist`` nodes of *doctree* (``postcards`` included), whose filters (``tags``,
    ``category``, ``author``...) are lists of names."""
    return list(doctree.findall(PostList))


# -- Parallel reading and a lean environment ---------------------------------------------------------


def _merge_posts(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = getattr(other, "ablog_posts", {})
    if not hasattr(env, "ablog_posts"):
        env.ablog_posts = {}
    for docname in docnames:
        if docname in theirs:
            env.ablog_posts[docname] = theirs[docname]


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
            detach_anchors(top)
            for node in top.findall():
                node.document = None


def detach_anchors(excerpt: nodes.Node) -> None:
    """An excerpt without links that only work on the post's own page: footnote and citation
    references are removed, and a link to an anchor of the page (``#id2``) keeps its text only.
    The excerpt is shown on other pages (lists, cards, feeds), where such anchors point nowhere."""
    for ref in list(excerpt.findall(nodes.footnote_reference)) + list(
        excerpt.findall(nodes.citation_reference)
    ):
        ref.parent.remove(ref)
    for ref in list(excerpt.findall(nodes.reference)):
        if ref.get("refid") or str(ref.get("refuri", "")).startswith("#"):
            ref.replace_self(ref.children)


def _on_builder_inited(app: Sphinx) -> None:
    StoredDoctree.env = app.env
    _forget_blog(app)


# -- ABlog's pages and feeds ---------------------------------------------------------------------------


def take_over(app: Sphinx, handler: Any) -> None:
    """Disconnect ABlog's listener *handler* (:data:`archive_generator` or :data:`feed_generator`)."""
    sphinxinternals.disconnect_handler(app, handler)


#: ABlog's ``html-collect-pages`` listeners, for :func:`take_over`.
archive_generator = ablog.post.generate_archive_pages
feed_generator = ablog.post.generate_atom_feeds


def drafts_page(app: Sphinx) -> str:
    """The name of ABlog's page that lists drafts."""
    return ablog.blog.os_path_join(app.config.blog_path, "drafts")


def archive_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """ABlog's archive pages (pagename, context, template): every tag, category, author and year,
    the catalogs of those, and the list of all posts. The drafts page is among them only in a
    preview with unpublished posts to list."""
    if not builder_support(app):
        return
    blog(app)
    drafts = drafts_page(app)
    show_drafts = bool(app.config.blog_preview and _hidden(app))
    for pagename, context, template in archive_generator(app):
        if pagename == drafts and not show_drafts:
            continue
        yield pagename, context, template


class _ArchiveSkip:
    """Which of ABlog's archive pages this build skips (see :func:`skip_archive_pages`)."""

    def __init__(self) -> None:
        self.skip: Any = None


def skip_archive_pages(app: Sphinx, skip: Any) -> None:
    """Have ABlog's archive pages written except those for which ``skip(pagename, context, template)``
    is true (:mod:`blogext.archives` skips the pages whose output is already up to date)."""
    buildstate.of(app, _ArchiveSkip).skip = skip


def _collect_archive_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    skip = buildstate.of(app, _ArchiveSkip).skip
    for page in archive_pages(app):
        if skip is None or not skip(*page):
            yield page


class _BlogWithoutDateNav:
    """ABlog's template object for one page, with its date-ordered previous/next switched off."""

    def __init__(self, the_blog: Any) -> None:
        self._blog = the_blog

    def __getattr__(self, name: str) -> Any:
        if name == "post_show_prev_next":
            return False
        return getattr(self._blog, name)

    def __getitem__(self, key: str) -> Any:
        return self._blog[key]

    def __contains__(self, item: object) -> bool:
        return item in self._blog

    def __len__(self) -> int:
        return len(self._blog)


def without_date_navigation(context: dict[str, Any]) -> None:
    """Switch off ABlog's date-ordered previous/next links on the page of *context*."""
    if "ablog" in context:
        context["ablog"] = _BlogWithoutDateNav(context["ablog"])


def set_post_title(doctree: nodes.document, title: str) -> None:
    """Give ABlog *title* as the text title of the post in *doctree*, unless its ``post`` directive has one.

    ABlog reads a post's title as the plain text of its heading when it reads the post (``doctree-read``,
    priority 500), so a listener before it can hand it a better text (blogext.math: math as its symbols).
    """
    for node in doctree.findall(ablog.post.PostNode):
        if not node.get("title"):
            node["title"] = title


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ablog")
    sphinxinternals.mark_parallel_read_safe(app, "ablog")
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-merge-info", _merge_posts)
    app.connect("doctree-read", _drop_copies, priority=blogext.SLIM_ABLOG_COPY)
    app.connect("env-updated", _register, priority=blogext.REGISTER_POSTS)
    take_over(app, archive_generator)
    app.connect("html-collect-pages", _collect_archive_pages)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}


def excerpt_seen_from(excerpt: nodes.Node, fromdoc: str) -> None:
    """Make the cross-references of a post's *excerpt* (a copy) relative to *fromdoc*, the page that
    shows it. ABlog's ``revise_pending_xrefs``: waits for a public "excerpt as seen from page X"."""
    revise_pending_xrefs(excerpt, fromdoc)
