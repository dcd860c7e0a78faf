"""KaTeX's fonts cut down to the characters the site's equations show (not an extension: blogext.markup.math
calls it once a build, when it writes the math stylesheet, and has the subsets made beside the build).

A page of math loads one font file for each KaTeX font its equations use: whole, they are 4-28 KB
each, and a page with bold, AMS symbols and bold italic loaded 130-140 KB. Each font used is
written once a build as a subset (fontTools, WOFF2) of the characters drawn anywhere in the site:
every character of every equation's HTML and MathML, which is what any font of the page can be
asked for. A page then loads a few KB a font.

The stylesheet's ``@font-face`` for a font becomes two faces of the same family, with disjoint
``unicode-range``s: the subset, named by the digest of what made it (so a cache never keeps an old
one), for the characters it has; and the whole font for the font's other characters. The whole
font is loaded only by a page that shows a character the site's equations did not have when the
subset was made (TeX drawn after reading, which no page of this site has), so no page can lose a
glyph. Both are copied; the subset of a build with the same equations is the same file, so a
rebuild writes nothing new and an incremental build equals a clean one.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import importlib.util
import io
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import fontTools
from fontTools import subset
from fontTools.ttLib import TTFont

#: Bump when the subsets are made differently, to name (and so make) every subset again.
SUBSET_VERSION = 3
_FONT_FACE = re.compile(r"@font-face\{([^}]*)\}")
_SOURCE = re.compile(r'src:url\((fonts/[^)]+\.woff2)\) format\("woff2"\)')
_TAG = re.compile(r"<[^>]+>")


def characters(drawn: Iterable[str]) -> set[str]:
    """Every character KaTeX's HTML and MathML of each *drawn* equation shows."""
    found = {" "}  # a space beside a formula is drawn in its font too
    for markup in drawn:
        found |= set(html.unescape(_TAG.sub("", markup)))
    return found


def can_write_woff2() -> bool:
    """Whether fontTools can write WOFF2 here: it needs brotli (or brotlicffi)."""
    return any(importlib.util.find_spec(name) is not None for name in ("brotli", "brotlicffi"))


#: A subset still to make: its file, the whole font's file, and the codepoints it keeps.
Pending = tuple[Path, Path, list[int]]


def subset_css(
    css: str, dist: Path, chars: set[str], target: Path, later: list[Pending] | None = None
) -> tuple[str, set[str]]:
    """KaTeX's *css* with each woff2 ``@font-face`` split into the subset and the rest, and the font
    files it names (relative to *target*, written there when missing or different). A font none of
    *chars* is in stays one face, whole. A subset's name is the digest of what makes it, so with
    *later* the subsets missing from *target* are added to it, for :func:`make_subsets`, not made."""
    written: set[str] = set()

    def split(match: re.Match) -> str:
        source = _SOURCE.search(match.group(1))
        if source is None:
            return match.group(0)
        faces = _faces(match.group(1), source, dist, chars, target, later)
        written.update(name for name, _ in faces)
        return "".join(
            "@font-face{" + _SOURCE.sub(f'src:url({name}) format("woff2")', match.group(1)) + rule + "}"
            for name, rule in faces
        )

    return _FONT_FACE.sub(split, css), written


def make_subsets(pending: list[Pending]) -> int:
    """Make each subset :func:`subset_css` left for later; how many."""
    for path, whole, used in pending:
        _write_if_changed(path, _subset(TTFont(io.BytesIO(whole.read_bytes()), recalcTimestamp=False), used))
    return len(pending)


def _faces(
    rule: str, source: re.Match, dist: Path, chars: set[str], target: Path, later: list[Pending] | None
) -> list[tuple[str, str]]:
    """(file, unicode-range descriptor) of the faces that replace one ``@font-face``: the whole font
    for the characters the subset lacks (declared first), then the subset."""
    name = source.group(1)
    data = (dist / name).read_bytes()
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)  # the same subset every build
    mapped = set(font.getBestCmap())
    shown = {ord(c) for c in chars}
    used = sorted(mapped & shown)
    if not used:
        _write_if_changed(target / name, data)
        return [(name, "")]
    rest = sorted(mapped - set(used))
    digest = hashlib.sha256(
        repr([SUBSET_VERSION, fontTools.version, hashlib.sha256(data).hexdigest(), used]).encode()
    ).hexdigest()[:16]
    subset_name = name.removesuffix(".woff2") + f".{digest}.woff2"
    if not (target / subset_name).is_file() and later is not None:
        later.append((target / subset_name, dist / name, used))
    elif not (target / subset_name).is_file():
        _write_if_changed(target / subset_name, _subset(font, used))
    faces = [(subset_name, f";unicode-range:{_ranges(used, set(rest) | (shown - mapped))}")]
    if rest:
        _write_if_changed(target / name, data)
        faces.insert(0, (name, f";unicode-range:{_ranges(rest, shown)}"))
    return faces


def _subset(font: TTFont, codepoints: list[int]) -> bytes:
    """*font* with only the glyphs of *codepoints* (and what they need), as WOFF2, without TrueType
    hinting: its programs are a third of a small subset, and only Windows at small sizes uses them."""
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    quiet = logging.getLogger("fontTools")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # KaTeX's fonts have old timestamps, which fontTools remarks on
    try:
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
    finally:
        quiet.setLevel(level)
    return out.getvalue()


def _ranges(codepoints: list[int], blocked: set[int]) -> str:
    """Sorted *codepoints* as a short CSS ``unicode-range`` value (``U+28-29,U+3D``): a range spans
    codepoints the face has no use for too, never one of *blocked* (another face's, or the site's)."""
    runs: list[list[int]] = []
    blocked_sorted = sorted(blocked)
    for point in codepoints:
        if runs and not _any_between(blocked_sorted, runs[-1][1], point):
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def _any_between(sorted_points: list[int], low: int, high: int) -> bool:
    """Whether a point of *sorted_points* lies strictly between *low* and *high*."""
    index = bisect.bisect_right(sorted_points, low)
    return index < len(sorted_points) and sorted_points[index] < high


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
