"""Related posts: at the end of each post, up to ``blogext_related_posts`` others on the same subject.

A reader who finished a post is offered the posts closest to it, ranked by:

1. the number of tags they share with it (tags are compared by their canonical
   key, so ``Machine Learning`` and ``machine-learning`` are one tag);
2. then whether they are in the same category;
3. then by date, newest first (and by docname, so the order never depends on
   the order posts were read in).

A post that shares neither a tag nor the category is not related, however
recent. Never listed: the post itself, drafts and scheduled posts (the post model,
:mod:`blogext.core.posts`, decides), the other parts of the post's own series,
which the series box and the block's series links already name, and the posts just before and after
it by date, which the block names "Newer" and "Older" (one "read next" block, no post twice).

The list is something a page shows of *other* posts, so it is declared to the
record of what pages show (:mod:`blogext.core.shown`, kind ``"related"``): when another
post is retagged, retitled, re-dated, added, removed or made a draft, every post
whose list changes is written again, and an incremental build equals a clean one.

The list is drawn last in the one "read next" block at the end of a post, by
:mod:`blogext.pages.readnext` (which calls :func:`related_posts`), each entry marked "Related".
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from blogext.core import buildstate, settings, shown
from blogext.core.frontmatter_check import label_key
from blogext.core.posts import front_matter, post, post_docnames, post_pages
from blogext.core.settings import at_least, setting


class Candidate(NamedTuple):
    """What ranking needs of one published post."""

    docname: str
    title: str
    date: datetime
    tags: frozenset[str]
    category: str | None
    series: str | None


def candidates(env: BuildEnvironment) -> dict[str, Candidate]:
    """Every published post, by docname."""
    found: dict[str, Candidate] = {}
    for docname in post_docnames(env):
        record = post(env, docname)
        matter = front_matter(env, docname)
        if record is None or matter is None or not record.published:
            continue
        found[docname] = Candidate(
            docname,
            record.title,
            record.date.replace(tzinfo=None),
            frozenset(label_key(tag) for tag in matter.tags),
            label_key(matter.category) if matter.category else None,
            matter.series,
        )
    return found


def _newest_first(posts: dict[str, Candidate]) -> list[str]:
    """The posts' docnames by date, newest first (then by docname: never the order they were read in)."""
    return [c.docname for c in sorted(posts.values(), key=lambda c: (-c.date.timestamp(), c.docname))]


class _Index:
    """The published posts by tag and by category, and their order by date (newest first)."""

    def __init__(self, everything: dict[str, Candidate]) -> None:
        self.posts = everything
        self.by_tag: dict[str, list[str]] = defaultdict(list)
        self.by_category: dict[str, list[str]] = defaultdict(list)
        self.order = {docname: n for n, docname in enumerate(_newest_first(everything))}
        for c in everything.values():
            for tag in c.tags:
                self.by_tag[tag].append(c.docname)
            if c.category is not None:
                self.by_category[c.category].append(c.docname)

    def rank(self, post: Candidate, count: int, *, beside: bool = True) -> list[Candidate]:
        """*post*'s related posts; without the posts just before and after it by date unless *beside*."""
        shared = Counter(other for tag in post.tags for other in self.by_tag[tag])
        same_category = set(self.by_category[post.category]) if post.category is not None else set()
        keys = []
        for docname in shared.keys() | same_category:
            other = self.posts[docname]
            if docname == post.docname or (post.series and other.series == post.series):
                continue
            if not beside and not post.series and abs(self.order[docname] - self.order[post.docname]) == 1:
                # The previous or next post by date: the end of the post links it already. (A part of a
                # series links its series' parts instead, which are never among its related posts.)
                continue
            keys.append((-shared[docname], docname not in same_category, self.order[docname], docname))
        return [self.posts[key[3]] for key in heapq.nsmallest(count, keys)]


def rank(post: Candidate, others: dict[str, Candidate], count: int) -> list[Candidate]:
    """The *count* posts of *others* most related to *post* (see the module's docstring)."""
    return _Index({**others, post.docname: post}).rank(post, count)


def rank_all(everything: dict[str, Candidate], count: int) -> dict[str, list[Candidate]]:
    """Every post's related posts, leaving out the previous and next posts its end links already (its
    neighbours by date; a part of a series links its series' parts, which are never related posts)."""
    index = _Index(everything)
    return {docname: index.rank(post, count, beside=False) for docname, post in everything.items()}


def affected(before: dict[str, Candidate], after: dict[str, Candidate]) -> set[str]:
    """The posts of *after* whose related posts may differ from those they had among *before*: the
    posts added, removed or changed (title, date, tags, category, series), every post that shares a
    tag or the category with one of them (before or after the change), and their neighbours by date
    before and after it (a post's neighbours are left out of its related posts)."""
    changed = {d for d in before.keys() | after.keys() if before.get(d) != after.get(d)}
    if not changed:
        return set()
    tags: set[str] = set()
    categories: set[str] = set()
    for docname in changed:
        for version in (before.get(docname), after.get(docname)):
            if version is not None:
                tags |= version.tags
                categories |= {version.category} if version.category is not None else set()
    found = {d for d, c in after.items() if d in changed or c.tags & tags or c.category in categories}
    for posts in (before, after):
        newest_first = _newest_first(posts)
        for n, docname in enumerate(newest_first):
            if docname in changed:
                found.update(newest_first[max(n - 1, 0) : n + 2])
    return found & after.keys()


def rerank(
    before: dict[str, Candidate],
    found_before: dict[str, list[Candidate]],
    after: dict[str, Candidate],
    count: int,
) -> dict[str, list[Candidate]]:
    """:func:`rank_all` of *after*, given the ranking *found_before* of *before* (the same *count*):
    only the :func:`affected` posts are ranked again."""
    again = affected(before, after)
    index = _Index(after)
    return {
        docname: found_before[docname]
        if docname not in again and docname in found_before
        else index.rank(candidate, count, beside=False)
        for docname, candidate in after.items()
    }


def ranked(env: BuildEnvironment, count: int) -> dict[str, list[Candidate]]:
    """Every published post's related posts, ranked again only where what ranking reads changed.

    Ranking every post against every other grows with the square of the posts; an edit of a post's
    body (the usual save) changes none of it, and a post added or retagged changes the lists of the
    posts that share a tag or the category with it, and of its neighbours by date, only
    (:func:`affected`: 0.25 s less for a post added at 1,000 posts). The last ranking is kept in the
    environment with all it was ranked from (each post's docname, title, date, tags, category and
    series) and the count.
    """
    everything = candidates(env)
    kept = getattr(env, "blog_related_ranking", None)
    if isinstance(kept, tuple) and len(kept) == 3 and kept[0] == count:
        _, before, found_before = kept
        found = found_before if before == everything else rerank(before, found_before, everything, count)
    else:
        found = rank_all(everything, count)
    env.blog_related_ranking = (count, everything, found)
    return found


class _Ranking:
    """This build's ranking of every post's related posts, once the environment is final."""

    def __init__(self) -> None:
        self.found: dict[str, list[Candidate]] | None = None


def related_posts(app: Sphinx, docname: str) -> list[Candidate]:
    """The posts related to the post *docname* (none when it is not a published post).

    Worked out once per build's writing, for every post (the environment no longer changes).
    """
    state = buildstate.of(app, _Ranking)
    if state.found is None:
        state.found = ranked(app.env, settings.of(app.config, RelatedSettings).related_posts)
    return state.found.get(docname, [])


# -- What pages show --------------------------------------------------------------------------------


def _all_related(snapshot: shown.Snapshot) -> dict[str, list[tuple[str, str, str]]]:
    def compute() -> dict[str, list[tuple[str, str, str]]]:
        found = ranked(snapshot.env, settings.of(snapshot.app.config, RelatedSettings).related_posts)
        # The environment is final after this event: the pages written next use the same ranking.
        buildstate.of(snapshot.app, _Ranking).found = found
        return {
            docname: [(o.docname, o.title, o.date.isoformat()) for o in others]
            for docname, others in found.items()
        }

    return snapshot.memo("related", compute)


def _shows_related(snapshot: shown.Snapshot, docname: str) -> Any:
    return _all_related(snapshot).get(docname)


@dataclass(frozen=True)
class RelatedSettings:
    """Related posts' settings (``blogext_<field>`` in ``conf.py``)."""

    related_posts: int = setting(
        3, "how many related posts the end of a post lists (0: none)", "html", check=at_least(0)
    )


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.core.shown")
    app.setup_extension("blogext.pages.readnext")  # draws the list, in the end-of-post block
    settings.add(app, RelatedSettings)
    shown.add_kind(app, "related", _shows_related, pages=post_pages)
    return {"version": "1.0", "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
