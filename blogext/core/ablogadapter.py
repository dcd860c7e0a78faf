"""The one door to ABlog: every use of ABlog's internals is in this module.

ABlog groups the posts (tags, categories, authors, years), draws its archive
pages and sidebars, and resolves its ``postlist`` and ``tag-…`` references. The
blog keeps all of that, and reaches it only through the functions here; no
other module imports ``ablog``, touches ``env.ablog_posts``, ``Blog`` or
``ablog.blog.TOMORROW``, or is given one of ABlog's objects. What this module
does with ABlog:

- **Which posts ABlog publishes.** ABlog publishes every post dated before its
  own "tomorrow", taken from the clock when it is imported. :func:`set_today`
  makes it agree with the post model (:mod:`blogext.core.posts`), which decides
  drafts, scheduling and "today" once for the whole blog.
- **Registration.** ABlog's ``Blog`` is a process-wide singleton filled on first
  use. It is emptied when a build starts (so builds in one process do not see
  each other's posts) and filled once, after reading, with the preview's
  unpublished posts registered as ABlog drafts (ABlog would publish a dated
  ``draft: true`` post).
- **Parallel reading.** ABlog declares itself unsafe for parallel reading, but
  what it keeps per document can be merged: its post infos are merged here; its
  labels in the standard domain and its ``orphan`` flags are merged by Sphinx.
  So ABlog is declared parallel-read safe and ``-j N`` writes the same site.
- **A lean environment.** ABlog keeps a deep copy of each post's doctree in
  ``env.ablog_posts``, pickled with the environment. For a document that is
  one post it is replaced by :class:`StoredDoctree`, which loads the doctree
  Sphinx already keeps; the excerpt's pointers to its whole document are
  cleared, so pickling the excerpt does not pickle the post again.
- **Listeners taken over.** The blog writes its own feeds (:func:`take_over_feeds`
  disconnects ABlog's feed listener) and writes ABlog's archive pages itself:
  without the drafts page outside a preview that has drafts, and without those
  another feature skips (:func:`skip_archive_pages`).
- **Reading back.** :func:`read_post` reads what ABlog kept of a post (title,
  date, labels, excerpt...) as plain values, for the post model, which makes its
  post record (:mod:`blogext.core.postrecord`) of them.
- **Groupings in the project's types.** ABlog's collections (a tag, a category,
  an author, a location, a language, a year, all posts, the drafts) and catalogs
  are given as :class:`~blogext.core.postrecord.Group` and
  :class:`~blogext.core.postrecord.GroupIndex` holding the post model's records
  (:func:`groups`, which the model feeds with its records: :func:`use_records`);
  each archive page's context gets them beside ABlog's own objects, before any
  other module or template sees it (``blog_group``, ``blog_group_index``). ABlog's
  own templates that a site does not override still get what ABlog gives them
  (its objects, and ``ablog``), which no module or template of ours reads.
- **Nothing of ABlog's handed out.** :data:`__all__` holds functions that take
  and give plain values, nodes and the project's types; ABlog's ``postlist``
  directive is subclassed here only (:func:`cards_directive`).

Private or undocumented uses of ABlog, each waiting for a public API (those of
Sphinx are in :mod:`blogext.core.sphinxinternals`):

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

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

import ablog
import ablog.blog
import ablog.post
from ablog.blog import Blog, Catalog, Collection, revise_pending_xrefs, slugify
from ablog.blog import Post as AblogPost
from ablog.post import PostList, PostListDirective
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

import blogext
from blogext.core import buildstate, sphinxinternals
from blogext.core.postrecord import LABEL_KINDS, Group, GroupIndex, Groupings, Post

#: What other modules use: functions that take and give plain values, nodes and the project's own
#: types (:mod:`blogext.core.postrecord`), never one of ABlog's classes or objects (tests/test_postrecord.py).
__all__ = [
    "archive_pages",
    "builder_support",
    "cards_directive",
    "drafts_page",
    "excerpt_seen_from",
    "groups",
    "post_docnames",
    "postlists",
    "read_post",
    "set_post_title",
    "set_today",
    "skip_archive_pages",
    "slugify",
    "take_over_feeds",
    "use_records",
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
    # The preview's unpublished posts, as the post model (blogext.core.posts) decided them and wrote them
    # into this computed setting at config-inited: read by its name, neither asked of the model nor
    # through its PostSettings, as the model imports this module.
    return set(getattr(app.config, "blogext_unpublished_posts", {}))


def _blog(app: Sphinx) -> Blog:
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
    buildstate.of(app, _Groups).made = None
    if builder_support(app):
        _blog(app)


# -- What ABlog keeps of each post ---------------------------------------------------------------------


def post_docnames(env: BuildEnvironment) -> list[str]:
    """The documents ABlog read posts from (in the order it read them)."""
    return list(getattr(env, "ablog_posts", {}))


def read_post(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """What ABlog read of the (first) post of *docname*, as plain values (None when the document is not
    a post): ``title``, ``date``, ``update``, ``section``, ``order``, ``external_link``, the labels
    ``tags``, ``category``, ``author``, ``location`` and ``language`` (tuples of names), and the
    ``excerpt`` (a tuple of the nodes ABlog keeps: copy before changing them), and ``count``, the
    number of posts ABlog read of the document (more than one: ``post`` directives in sections).
    For :mod:`blogext.core.posts`, which makes the post record of it."""
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
        "count": len(infos),
    }


#: ABlog's labels of a post, each a catalog of archive pages.
_LABELS = ("tags", "category", "author", "location", "language")


def postlists(doctree: nodes.Node) -> list[nodes.Element]:
    """The ``postlist`` nodes of *doctree* (``postcards`` included), whose filters (``tags``,
    ``category``, ``author``...) are lists of names, ``length`` the number of posts (None: all),
    ``sort`` whether oldest first, and ``cards`` what :func:`cards_directive` made them show."""
    return list(doctree.findall(PostList))


def cards_directive(cards: str, takes_arguments: bool = True) -> type[Directive]:
    """A directive that is ABlog's ``postlist`` to everything that looks for one (its node, its
    arguments and options, its filters checked), its node's ``cards`` set to *cards* for
    :mod:`blogext.pages.cards` to draw; with *takes_arguments* false, it takes neither arguments nor options.

    Made here because it subclasses ABlog's ``PostListDirective``, which no other module names:
    the class is only ever registered as a directive (``app.add_directive``)."""

    class CardsDirective(PostListDirective):
        if not takes_arguments:
            optional_arguments = 0
            option_spec: dict = {}

        def run(self) -> list[nodes.Node]:
            [node] = super().run()
            node["cards"] = cards
            return [node]

    CardsDirective.__name__ = CardsDirective.__qualname__ = f"{cards.capitalize()}CardsDirective"
    return CardsDirective


# -- ABlog's groupings, in the project's types ----------------------------------------------------------


class _Groups:
    """The post model's records, as this module finds them, and ABlog's groupings made of them once
    the posts are registered (:func:`groups`)."""

    def __init__(self) -> None:
        self.records: Callable[[BuildEnvironment], Iterable[Post]] | None = None
        self.made: Groupings | None = None
        #: The records by docname, and each of ABlog's collections and catalogs (by its id) as made.
        self.by_docname: dict[str, Post] = {}
        self.by_id: dict[int, Group | GroupIndex] = {}


def use_records(app: Sphinx, every_post: Callable[[BuildEnvironment], Iterable[Post]]) -> None:
    """Have :func:`groups` hold the records that *every_post* gives (:func:`blogext.core.posts.every_post`:
    the post model imports this module, so it hands its query in rather than being imported)."""
    buildstate.of(app, _Groups).records = every_post


def groups(app: Sphinx) -> Groupings:
    """ABlog's groupings of the posts (every tag, category, author, location, language and year with
    its posts, the list of all posts, the drafts) and each post's groups, as records: made once the
    posts are registered, from ABlog's own, so that they are what its archive pages list."""
    state = buildstate.of(app, _Groups)
    if state.made is None:
        if state.records is None:
            raise RuntimeError("blogext.core.posts is not set up: ABlog's groupings have no records to hold")
        records: dict[str, Post] = {}
        for record in state.records(app.env):
            records.setdefault(record.docname, record)
        state.by_docname, state.by_id = records, {}
        state.made = _groupings(_blog(app), records, state.by_id)
    return state.made


def _groupings(the_blog: Blog, records: dict[str, Post], made: dict[int, Group | GroupIndex]) -> Groupings:
    def group(kind: str, coll: Collection) -> Group:
        posts = {p.docname: records[p.docname] for p in coll if p.docname in records}
        made[id(coll)] = converted = Group(
            kind=kind,
            label=str(coll.label),
            name=str(coll),
            pagename=coll.docname,
            link=coll.href,
            posts=tuple(posts.values()),
        )
        return converted

    indexes: dict[str, GroupIndex] = {}
    for kind, catalog in [*the_blog.catalogs.items(), ("archive", the_blog.archive)]:
        made[id(catalog)] = indexes[kind] = GroupIndex(
            kind=kind,
            name=str(catalog),
            pagename=catalog.docname,
            groups=tuple(group(kind, coll) for coll in catalog),
        )
    labels: dict[str, dict[str, tuple[Group, ...]]] = {}
    for ablog_post in [*the_blog.posts, *the_blog.drafts]:
        if ablog_post.docname in records and ablog_post.docname not in labels:
            labels[ablog_post.docname] = {
                kind: tuple(_group_of(made, coll) for coll in getattr(ablog_post, kind, None) or [])
                for kind in LABEL_KINDS
            }
    return Groupings(
        posts=group("posts", the_blog.posts),
        drafts=group("drafts", the_blog.drafts),
        indexes=indexes,
        labels=labels,
    )


def _group_of(made: dict[int, Group | GroupIndex], coll: Collection) -> Group:
    found = made[id(coll)]
    assert isinstance(found, Group)
    return found


#: The name under which an archive page's context holds each of ABlog's objects in the project's type.
_PROJECT_NAMES = {Collection: "blog_group", Catalog: "blog_group_index", AblogPost: "blog_post"}


def _in_project_types(app: Sphinx, context: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An archive page's *context*, as it is rendered, and as the project's modules see it.

    Rendered: ABlog's objects stay where ABlog put them (its own templates, which a site may not
    override, read them), and each is given beside them in the project's type: its collection as
    ``blog_group`` (a :class:`~blogext.core.postrecord.Group`), its catalog as ``blog_group_index`` (a
    :class:`~blogext.core.postrecord.GroupIndex`), a redirect's post as ``blog_post`` (its record); the
    site's templates read those. Seen: the same without ABlog's objects."""
    state = buildstate.of(app, _Groups)
    rendered, seen = dict(context), {}
    for name, value in context.items():
        kind = next((k for k in _PROJECT_NAMES if isinstance(value, k)), None)
        if kind is None:
            seen[name] = value
        elif kind is AblogPost:
            seen[_PROJECT_NAMES[kind]] = state.by_docname.get(value.docname)
        else:
            seen[_PROJECT_NAMES[kind]] = state.by_id[id(value)]
    rendered.update((name, seen[name]) for name in _PROJECT_NAMES.values() if name in seen)
    return rendered, seen


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


def take_over_feeds(app: Sphinx) -> None:
    """Disconnect ABlog's feed writer (:mod:`blogext.outputs.feeds` writes the feeds)."""
    take_over(app, feed_generator)


#: ABlog's ``html-collect-pages`` listeners, for :func:`take_over`.
archive_generator = ablog.post.generate_archive_pages
feed_generator = ablog.post.generate_atom_feeds


def drafts_page(app: Sphinx) -> str:
    """The name of ABlog's page that lists drafts."""
    return ablog.blog.os_path_join(app.config.blog_path, "drafts")


def archive_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """ABlog's archive pages (pagename, context, template): every tag, category, author and year,
    the catalogs of those, and the list of all posts, each context in the project's types (see
    :func:`_in_project_types`). The drafts page is among them only in a preview with unpublished
    posts to list."""
    for pagename, _rendered, seen, template in _archive_pages(app):
        yield pagename, seen, template


def _archive_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], dict[str, Any], str]]:
    if not builder_support(app):
        return
    groups(app)
    drafts = drafts_page(app)
    show_drafts = bool(getattr(app.config, "blogext_preview", False) and _hidden(app))
    for pagename, context, template in archive_generator(app):
        if pagename == drafts and not show_drafts:
            continue
        yield pagename, *_in_project_types(app, context), template


class _ArchiveSkip:
    """Which of ABlog's archive pages this build skips (see :func:`skip_archive_pages`)."""

    def __init__(self) -> None:
        self.skip: Any = None


def skip_archive_pages(app: Sphinx, skip: Any) -> None:
    """Have ABlog's archive pages written except those for which ``skip(pagename, context, template)``
    is true, *context* as :func:`archive_pages` gives it (:mod:`blogext.pages.archives` skips the pages
    whose output is already up to date)."""
    buildstate.of(app, _ArchiveSkip).skip = skip


def _collect_archive_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    skip = buildstate.of(app, _ArchiveSkip).skip
    for pagename, rendered, seen, template in _archive_pages(app):
        if skip is None or not skip(pagename, seen, template):
            yield pagename, rendered, template


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
    priority 500), so a listener before it can hand it a better text (blogext.markup.math: math as its
    symbols).
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
