"""The search index made in parts and merged into one (blogext.outputs.searchindex, searchbundle and
pagefindadapter): which pages go to which part as posts are added and edited, and the merged index
against Pagefind's own index of all the pages at once. Pagefind runs here on made-up pages; the real
builds are in tests/test_search.py."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from blogext.core.errors import BuildStopped
from blogext.outputs import pagefindadapter, searchbundle, searchindex
from blogext.outputs.searchindex import Indexed, parts_of

CONFIG = {"exclude_selectors": list(searchindex.NOT_TEXT), "force_language": "en"}

# -- the parts: which pages go where ----------------------------------------------------------------


def _page(name: str, date: str | None, digest: str = "d") -> Indexed:
    order = (1, date, name) if date else (0, "", name)
    return Indexed(name, f"/{name}/", Path(f"{name}/index.html"), digest, order, (0, 0))


def _blog(posts: int, pages: int = 3) -> list[Indexed]:
    """*pages* pages that are not posts, and *posts* posts, a day apart from 2020-01-01."""
    found = [_page(f"page-{n}", None) for n in range(pages)]
    found += [_page(f"post-{n:04d}", f"2020-01-01T00:00:{n:04d}") for n in range(posts)]
    random.Random(posts).shuffle(found)  # the order they are found in does not matter
    return found


def _layout(pages: list[Indexed], size: int = 100) -> list[tuple[str, list[str], str]]:
    return [(part.name, [p.docname for p in part.pages], part.key) for part in parts_of(pages, size, {}, "1")]


def test_parts_hold_the_pages_then_the_posts_oldest_first_each_at_most_the_size():
    layout = _layout(_blog(250), size=100)
    assert [name for name, _docs, _key in layout] == ["part-1", "part-2", "part-3"]
    assert [len(docs) for _name, docs, _key in layout] == [100, 100, 53]
    assert layout[0][1][:4] == ["page-0", "page-1", "page-2", "post-0000"]
    assert layout[2][1][-1] == "post-0249"


def test_a_new_post_lands_in_the_newest_part_and_leaves_the_others_as_they_were():
    before = _layout(_blog(250))
    after = _layout(_blog(251))
    assert after[:2] == before[:2]
    assert after[2][1] == [*before[2][1], "post-0250"] and after[2][2] != before[2][2]
    # The newest part full: the next post starts a part of its own.
    full, more = _layout(_blog(297)), _layout(_blog(298))
    assert more[:3] == full and more[3][1] == ["post-0297"]


def test_an_edit_of_an_old_post_changes_its_part_only():
    pages = _blog(250)
    edited = [_page(p.docname, p.order[1] or None, "new") if p.docname == "post-0150" else p for p in pages]
    before, after = _layout(pages), _layout(edited)
    changed = [name for (name, _d, key), (_n, _e, again) in zip(before, after, strict=True) if key != again]
    assert changed == ["part-2"]


def test_a_part_changes_with_pagefinds_version_and_settings():
    pages = _blog(20)
    assert parts_of(pages, 100, {}, "1")[0].key != parts_of(pages, 100, {}, "2")[0].key
    assert parts_of(pages, 100, {}, "1")[0].key != parts_of(pages, 100, {"a": 1}, "1")[0].key


# -- the merged index is Pagefind's index of all the pages -------------------------------------------

WORDS = (
    "model data drift pipeline commit branch merge review test deploy cache vector matrix tensor "
    "gradient loss batch epoch feature label metric baseline notebook kernel python rust shell git "
    "reproducible résumé naïve café ünicode 2024 v1.2"
).split()


def _made_up_pages(count: int = 48) -> list[tuple[str, str]]:
    """(URL, HTML) of *count* pages as a build gives them to Pagefind: text, title, tags, a date to sort
    by, and an image (metadata) on some only, so the parts' metadata fields differ."""
    chance = random.Random(25)
    pages = []
    for n in range(count):
        text = " ".join(chance.choice(WORDS) for _ in range(600))
        image = f'<img data-pagefind-meta="image[src]" src="/i/{n}.png" alt="">' if n % 5 == 0 else ""
        tag = chance.choice(["Git", "Python", "MLOps"])
        body = (
            f"<div data-pagefind-body><h1>Post {n} {chance.choice(WORDS)}</h1>"
            f'<span hidden data-pagefind-filter="tag:{tag}"></span>'
            f'<span hidden data-pagefind-filter="year:{2020 + n % 3}"></span>'
            f'<span hidden data-pagefind-sort="date:2024-{1 + n % 12:02d}-{1 + n % 27:02d}"></span>'
            f"{image}<p>{text}</p></div>"
        )
        pages.append((f"/posts/p{n:03d}/", f'<html lang="en"><body>{body}</body></html>'))
    return pages


def _view(files: dict[str, bytes]) -> dict:
    """What a reader's search sees of a bundle, by URL: each word's pages and locations, the filters,
    the sort orders, the pages' word counts, the chunks' bounds."""
    entry = json.loads(files["pagefind-entry.json"])
    (language,) = entry["languages"].values()
    version, pages, chunks, filters, sorts, fields = pagefindadapter._unpack(
        files[f"pagefind.{language['hash']}.pf_meta"]
    )

    def url(page: int) -> str:
        fragment = files[f"fragment/{pages[page][0]}.pf_fragment"]
        return json.loads(gzip.decompress(fragment)[len(b"pagefind_dcd") :])["url"]

    def pages_of(entries: list) -> dict:
        page, found = 0, {}
        for delta, locations, meta in entries:
            page += delta
            found[url(page)] = (locations, [f"field {fields[-m - 1]}" if m < 0 else m for m in meta])
        return found

    words = {}
    for _first, _last, name in chunks:
        for word, entries, variants in pagefindadapter._unpack(files[f"index/{name}.pf_index"])[0]:
            words[word] = (pages_of(entries), {form: pages_of(pages) for form, pages in variants})
    return {
        "version": version,
        "page_count": language["page_count"],
        "word_counts": {url(page): count for page, (_hash, count) in enumerate(pages)},
        "words": words,
        "filters": {
            name: {
                value: sorted(url(page) for page in numbers)
                for value, numbers in pagefindadapter._unpack(files[f"filter/{file}.pf_filter"])[1]
            }
            for name, file in filters
        },
        "sorts": {name: [url(page) for page in numbers] for name, numbers in sorts},
        "chunks": [(first, last) for first, last, _name in chunks],
    }


@pytest.fixture(scope="module")
def made_up() -> list[tuple[str, str]]:
    return _made_up_pages()


def test_the_parts_merged_are_pagefinds_own_index_of_all_the_pages(made_up):
    whole = _view(searchbundle.run_pagefind(made_up, CONFIG)[1])
    assert len(whole["chunks"]) >= 2, "enough words for several chunks"
    assert {"image", "title"} <= {
        field.split(" ", 1)[1]
        for found, _extra in whole["words"].values()
        for _l, meta in found.values()
        for field in meta
        if isinstance(field, str)
    }
    for size in (7, 48):  # parts that differ in their metadata fields; one part
        merged = _view(searchbundle.index_in_parts(made_up, CONFIG, size))
        for key in whole:
            assert merged[key] == whole[key], f"{key} differs (parts of {size})"


def test_the_same_pages_in_parts_give_the_same_bundle(made_up):
    pages = made_up[:20]
    assert searchbundle.index_in_parts(pages, CONFIG, 6) == searchbundle.index_in_parts(pages, CONFIG, 6)


def test_two_pages_of_different_parts_with_one_hash_keep_a_fragment_each(made_up):
    indexes = []
    for url, html in made_up[:2]:
        files = searchbundle.run_pagefind([(url, html)], CONFIG)[1]
        indexes.append(pagefindadapter.read_part(files, [url], {url: pagefindadapter.sort_values(html)}))
    first_hash = indexes[0]["pages"][0][0]
    second = indexes[1]
    own = second["pages"][0][0]
    second["pages"][0][0] = first_hash  # as if Pagefind had given the second page the first's hash
    second["fragments"] = {first_hash: second["fragments"][own]}
    files, names = pagefindadapter.merge_parts(indexes)
    assert names[0] == {first_hash: first_hash}
    assert names[1][first_hash] != first_hash and names[1][first_hash].startswith("en_")
    entry = json.loads(files["pagefind-entry.json"])["languages"]["en"]
    pages = pagefindadapter._unpack(files[f"pagefind.{entry['hash']}.pf_meta"])[1]
    assert [page_hash for page_hash, _count in pages] == [first_hash, names[1][first_hash]]


def test_merged_chunks_already_written_are_not_compressed_again(made_up):
    indexes = []
    for start in (0, 5):
        given = made_up[start : start + 5]
        files = searchbundle.run_pagefind(given, CONFIG)[1]
        sorts = {url: pagefindadapter.sort_values(html) for url, html in given}
        indexes.append(pagefindadapter.read_part(files, [url for url, _html in given], sorts))
    files, _names = pagefindadapter.merge_parts(indexes)
    chunks = frozenset(name for name in files if name.startswith("index/"))
    again, _names = pagefindadapter.merge_parts(indexes, have=chunks)
    assert {name for name, data in again.items() if data is None} == chunks
    assert {name: data for name, data in again.items() if data is not None} == {
        name: data for name, data in files.items() if name not in chunks
    }


def test_an_unknown_pagefind_version_stops_the_merge():
    with pytest.raises(BuildStopped, match="cannot be merged with Pagefind 2.0.0"):
        pagefindadapter._check_version("2.0.0")
