"""Related posts ranked again only where they may change (blogext.pages.related.rerank): after any
change of the posts (one added, removed, retitled, redated, retagged, moved to another category or
series, or several at once), the ranking equals one made from scratch."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from blogext.pages.related import Candidate, affected, rank_all, rerank

TAGS = [f"tag-{n}" for n in range(8)]
CATEGORIES = ["notes", "tutorials", "opinion", None]
SERIES = [None, None, None, "git-basics", "git-advanced"]


def _post(chance: random.Random, n: int) -> Candidate:
    return Candidate(
        f"posts/p{n:03d}",
        f"Post {n}",
        datetime(2020, 1, 1) + timedelta(days=chance.randrange(0, 400)),
        frozenset(chance.sample(TAGS, chance.randrange(0, 3))),
        chance.choice(CATEGORIES),
        chance.choice(SERIES),
    )


def _change(chance: random.Random, posts: dict[str, Candidate], new: int) -> dict[str, Candidate]:
    changed = dict(posts)
    for _ in range(chance.choice([1, 1, 1, 2, 3])):
        kind = chance.choice(["add", "remove", "title", "date", "tags", "category", "series"])
        if kind == "add" or not changed:
            post = _post(chance, new)
            changed[post.docname] = post
            new += 1
            continue
        docname = chance.choice(sorted(changed))
        post = changed[docname]
        if kind == "remove":
            del changed[docname]
        elif kind == "title":
            changed[docname] = post._replace(title=post.title + " (revised)")
        elif kind == "date":
            changed[docname] = post._replace(date=post.date + timedelta(days=chance.randrange(-200, 200)))
        elif kind == "tags":
            changed[docname] = post._replace(tags=frozenset(chance.sample(TAGS, chance.randrange(0, 3))))
        elif kind == "category":
            changed[docname] = post._replace(category=chance.choice(CATEGORIES))
        else:
            changed[docname] = post._replace(series=chance.choice(SERIES))
    return changed


@pytest.mark.parametrize("seed", range(40))
def test_ranking_again_only_the_affected_posts_equals_ranking_every_post(seed):
    chance = random.Random(seed)
    posts = {p.docname: p for p in (_post(chance, n) for n in range(60))}
    found = rank_all(posts, 3)
    for step in range(5):
        changed = _change(chance, posts, 100 + 10 * step)
        again = rerank(posts, found, changed, 3)
        assert again == rank_all(changed, 3), f"seed {seed}, step {step}"
        posts, found = changed, again


def test_a_post_added_ranks_again_only_the_posts_it_could_appear_beside():
    chance = random.Random(7)
    posts = {p.docname: p for p in (_post(chance, n) for n in range(300))}
    new = Candidate("posts/new", "New", datetime(2021, 6, 1), frozenset({"tag-1"}), None, None)
    again = affected(posts, {**posts, new.docname: new})
    sharing = {d for d, p in posts.items() if "tag-1" in p.tags}
    assert new.docname in again and sharing <= again
    assert len(again) <= len(sharing) + 3, "posts that share nothing with the new post were ranked again"
    assert affected(posts, dict(posts)) == set()
