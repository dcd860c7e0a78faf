"""The title of a share card in any script: which font draws each character, and how lines are laid out.

Not an extension: :mod:`blogext.outputs.sharecards` draws the cards and calls this module for their titles.

**Fonts.** A title is drawn in DejaVu Serif Bold (``blogext/fonts``) wherever that font has the
character. Any other character is drawn by the first of these fonts that has it, in this order, all
installed by the site's Python dependencies (so every build machine has the same, and no system font
is used):

1. Noto Sans for each script DejaVu Serif lacks (Arabic, Hebrew, Devanagari, Thai and fifteen more),
   from ``manimgx-fonts``;
2. Noto Sans CJK (``manimgx-fonts-cjk``): its Japanese face for a title with kana, its Korean one
   for a title with Hangul, else its Simplified Chinese one;
3. the monochrome Noto Emoji, then Noto Sans and Noto Sans Symbols (``manimgx-fonts``).

All are variable fonts, drawn at their bold weight (700). An emoji asked for as an emoji (``U+FE0F``)
takes Noto Emoji first. Which fonts have a character is read from their ``cmap`` tables (fontTools),
once per process.

**Runs.** The title is cut into clusters (a character and the marks, joiners and selectors that go
with it), each given one font; punctuation, digits and spaces stay in the font of the text before
them when it has them, so a run of one script is shaped as a whole. Each run is shaped by Pillow's
raqm layout (HarfBuzz, FriBiDi): Arabic joins, each run's direction is handed to raqm, and the runs
of a line are put in visual order by the Unicode bidirectional algorithm's rules applied to runs
(levels, then reversal). A title whose first strong character is right-to-left is aligned right.

**Line breaks** are at spaces, and before any Han or kana character (Chinese and Japanese use no
spaces).

A title every character of which DejaVu Serif Bold has, none right-to-left, is *plain*: the card draws
it exactly as it always has (same bytes). A character no font has is left out of the drawing, never
drawn as an empty box; :func:`missing` names it so that the build can warn.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

from PIL import ImageDraw, ImageFont, features

PRIMARY_FILE = Path(__file__).parent / "fonts" / "DejaVuSerif-Bold.ttf"
#: The Python packages that install the other fonts (declared in pyproject.toml's site group).
FONT_PACKAGES = ("manimgx-fonts", "manimgx-fonts-cjk")
BOLD = 700
#: Bump when the drawing of titles that are not plain changes, so that their cards are drawn again.
LAYOUT_VERSION = 1
ZWJ = "\u200d"
EMOJI_PRESENTATION = "\ufe0f"
#: Pillow's raqm layout (HarfBuzz, FriBiDi): without it, right-to-left and joined scripts cannot be shaped.
RAQM = features.check("raqm")


class Face(NamedTuple):
    """One font of the fallback list: a file, its face in a collection, and how runs in it are drawn."""

    path: str
    index: int = 0
    #: BCP 47 tag handed to raqm (for the CJK faces, whose Han characters differ by region).
    language: str | None = None
    #: Whether its script must be shaped (joined, reordered): not drawable without raqm.
    shaped: bool = False


PRIMARY = Face(str(PRIMARY_FILE))


class Run(NamedTuple):
    """Consecutive characters of a line drawn by one font, with raqm's direction for them."""

    text: str
    face: Face
    direction: str  #: "ltr" or "rtl"


# -- Which font has a character ---------------------------------------------------------------------


@cache
def _cmap(face: Face) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _package_folder(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin).parent if spec and spec.origin else None


#: Noto Sans and its symbols (manimgx-fonts), tried after the scripts' own fonts, CJK and emoji.
GENERAL_FONTS = ("NotoSans[wght].ttf", "NotoSansSymbols[wght].ttf")


@cache
def _script_faces() -> tuple[Face, ...]:
    """Noto Sans of each script DejaVu Serif lacks (manimgx-fonts): Arabic, Hebrew, Devanagari..."""
    folder = _package_folder("manimgx_fonts")
    if folder is None:
        return ()
    skipped = {*GENERAL_FONTS, "NotoSans-Italic[wght].ttf"}
    return tuple(
        Face(str(p), shaped=True) for p in sorted(folder.glob("NotoSans*.ttf")) if p.name not in skipped
    )


@cache
def _general_faces() -> tuple[Face, ...]:
    folder = _package_folder("manimgx_fonts")
    paths = [folder / name for name in GENERAL_FONTS] if folder else []
    return tuple(Face(str(path)) for path in paths if path.is_file())


@cache
def _emoji_face() -> Face | None:
    folder = _package_folder("manimgx_fonts")
    path = folder / "NotoEmoji[wght].ttf" if folder else None
    return Face(str(path)) if path and path.is_file() else None


#: The region of Noto Sans CJK's face, and the language tag raqm gets, for each kind of CJK title.
CJK_REGIONS = {"ja": ("JP", "ja"), "ko": ("KR", "ko"), "zh": ("SC", "zh-Hans")}


@cache
def _cjk_face(kind: str) -> Face | None:
    folder = _package_folder("manimgx_fonts_cjk")
    files = sorted(folder.glob("NotoSansCJK*.tt[cf]")) if folder else []
    if not files:
        return None
    from fontTools.ttLib import TTCollection

    region, language = CJK_REGIONS[kind]
    with TTCollection(str(files[0]), lazy=True) as collection:
        names = [font["name"].getDebugName(1) or "" for font in collection.fonts]
    index = next((i for i, name in enumerate(names) if name.endswith(f" {region}")), 0)
    return Face(str(files[0]), index, language)


def _is_kana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u31f0" <= ch <= "\u31ff" or "\uff66" <= ch <= "\uff9f"


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF


def faces_for(text: str) -> tuple[Face, ...]:
    """The fonts tried for the characters of *text*, in order (the CJK face chosen by what it holds)."""
    kind = "ja" if any(map(_is_kana, text)) else "ko" if any(map(_is_hangul, text)) else "zh"
    others = [face for face in (_cjk_face(kind), _emoji_face()) if face]
    return (PRIMARY, *_script_faces(), *others, *_general_faces())


def _ignorable(ch: str) -> bool:
    """Joiners, selectors, bidi marks...: shaping hides them where a font has none."""
    return (
        unicodedata.category(ch) == "Cf" or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"
    )


def _extends(ch: str) -> bool:
    """Whether *ch* belongs with the character before it (marks, joiners, selectors, skin tones)."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me") or _ignorable(ch) or "\U0001f3fb" <= ch <= "\U0001f3ff"
    )


def _clusters(text: str) -> Iterator[str]:
    """*text* in clusters: a character with what extends it, and what a joiner joins to it."""
    cluster = ""
    for ch in text:
        joined = cluster.endswith(ZWJ) or (
            "\U0001f1e6" <= ch <= "\U0001f1ff"
            and len(cluster) == 1
            and "\U0001f1e6" <= cluster <= "\U0001f1ff"
        )
        if cluster and (joined or _extends(ch)):
            cluster += ch
        else:
            if cluster:
                yield cluster
            cluster = ch
    if cluster:
        yield cluster


def _face_of(cluster: str, faces: tuple[Face, ...], previous: Face | None) -> Face | None:
    """The font that draws *cluster*: the one before it for punctuation, digits and spaces when it
    has them (unless it is Noto Emoji, whose spaces are as wide as its emoji); else the first that has
    every visible character of it (Noto Emoji first for an emoji asked for as one); else the first
    that has its base character; None when none has."""
    needed = [ord(ch) for ch in cluster if not _ignorable(ch)]
    if not needed:
        return previous or faces[0]
    emoji = _emoji_face()
    keep = previous is not None and previous != emoji and not _strong(cluster)
    if keep and all(c in _cmap(previous) for c in needed):
        return previous
    if EMOJI_PRESENTATION in cluster and emoji in faces:
        faces = (emoji, *faces)
    for face in faces:
        if all(c in _cmap(face) for c in needed):
            return face
    return next((face for face in faces if needed[0] in _cmap(face)), None)


def plain(text: str) -> bool:
    """Whether DejaVu Serif Bold has every character of *text* and none is right-to-left."""
    primary = _cmap(PRIMARY)
    return all(ord(ch) in primary and _direction(ch) != "rtl" for ch in text)


def missing(text: str) -> list[str]:
    """The characters of *text* that no font has (each once, in order)."""
    if plain(text):
        return []
    faces = faces_for(text)
    absent: dict[str, None] = {}
    for cluster in _clusters(text):
        face = _face_of(cluster, faces, None)
        have = _cmap(face) if face else frozenset()
        absent.update(dict.fromkeys(ch for ch in cluster if not _ignorable(ch) and ord(ch) not in have))
    return list(absent)


def drawable(text: str) -> str:
    """*text* without the characters no font has (and the spaces that leaves doubled)."""
    absent = missing(text)
    if not absent:
        return text
    return " ".join("".join(ch for ch in text if ch not in absent).split())


def unshapable(text: str) -> bool:
    """Whether *text* needs shaping (right-to-left or joined scripts) that this Pillow cannot do."""
    if RAQM or plain(text):
        return False
    faces = faces_for(text)
    previous = None
    for cluster in _clusters(text):
        previous = _face_of(cluster, faces, previous)
        if _direction(cluster) == "rtl" or (previous is not None and previous.shaped):
            return True
    return False


def fonts_version() -> str:
    """What the fallback fonts are, for the digest of a card drawn with them."""
    versions = []
    for name in FONT_PACKAGES:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return ", ".join(versions)


# -- Direction -----------------------------------------------------------------------------------------


def _direction(text: str) -> str | None:
    """The direction of the first strong character of *text* (None when it has none)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _strong(text: str) -> bool:
    return _direction(text) is not None


def paragraph_direction(text: str) -> str:
    """The title's direction: that of its first strong character (left to right without one)."""
    return _direction(text) or "ltr"


def _bidi_class(cluster: str) -> str:
    """The bidirectional class of *cluster*: "L" or "R" (strong), "EN" (a digit), "CS" or "ES"
    (separators within numbers, such as . and -), "ET" (such as % and $), or "N" (other neutrals:
    spaces, punctuation, symbols, emoji)."""
    kind = unicodedata.bidirectional(cluster[0])
    if kind in ("R", "AL"):
        return "R"
    if kind == "AN":
        return "EN"
    return kind if kind in ("L", "EN", "CS", "ES", "ET") else "N"


def _levels(clusters: list[str], base: str) -> list[int]:
    """The embedding level of each cluster of a line, by the Unicode bidirectional algorithm's rules
    for a title without explicit embeddings. Numbers: a separator between two digits and a terminator
    next to one are part of the number (W4, W5); a number after left-to-right text is left to right
    (W7), else it counts as right to left for what is around it and sits at level 2 (W2, I1, I2).
    A neutral takes the direction on both sides of it when they agree, else the title's (N1, N2).
    Right to left is level 1; left to right is level 0, or 2 in a right-to-left title."""
    kinds = [_bidi_class(c) for c in clusters]
    for i in range(1, len(kinds) - 1):  # W4
        if kinds[i] in ("CS", "ES") and kinds[i - 1] == kinds[i + 1] == "EN":
            kinds[i] = "EN"
    for order in (range(len(kinds)), range(len(kinds) - 1, -1, -1)):  # W5, both ways
        previous = None
        for i in order:
            if kinds[i] == "ET" and previous == "EN":
                kinds[i] = "EN"
            previous = kinds[i]
    kinds = [k if k in ("L", "R", "EN") else "N" for k in kinds]
    strong = "L" if base == "ltr" else "R"
    for i, kind in enumerate(kinds):  # W7
        if kind in ("L", "R"):
            strong = kind
        elif kind == "EN" and strong == "L":
            kinds[i] = "L"
    ltr_level = 2 if base == "rtl" else 0
    end = "L" if base == "ltr" else "R"

    def side(found: list[str]) -> str:
        return next(("R" if k == "EN" else k for k in found if k != "N"), end)

    levels = []
    for i, kind in enumerate(kinds):
        if kind == "N":  # N1, N2
            before, after = side(kinds[:i][::-1]), side(kinds[i + 1 :])
            kind = before if before == after else end
        levels.append({"R": 1, "EN": 2, "L": ltr_level}[kind])
    return levels


def _visual_order(runs: list[tuple[str, Face, int]]) -> list[Run]:
    """*runs* (text, font, level), in logical order, as drawn from left to right: from the highest
    level down to 1, every sequence of runs at that level or higher is reversed (L2). A run at an odd
    level is shaped right to left."""
    levels = [level for _text, _face, level in runs]
    order = list(range(len(runs)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            if j > i:
                order[i:j] = reversed(order[i:j])
            i = max(j, i + 1)
    return [Run(runs[k][0], runs[k][1], "rtl" if levels[k] % 2 else "ltr") for k in order]


# -- Laying out and drawing ------------------------------------------------------------------------------


@cache
def font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    """*face* at *size* pixels, at its bold weight when it is a variable font."""
    loaded = ImageFont.truetype(face.path, size, index=face.index)
    if face != PRIMARY:
        try:
            axes = loaded.get_variation_axes()
        except OSError:  # not a variable font
            axes = []
        if axes:
            loaded.set_variation_by_axes([_bold(axis) for axis in axes])
    return loaded


def _bold(axis: dict) -> float:
    if axis["name"] == b"Weight":
        return min(max(BOLD, axis["minimum"]), axis["maximum"])
    return axis["default"]


def _options(run: Run) -> dict[str, str]:
    if not RAQM:
        return {}
    return {"direction": run.direction, **({"language": run.face.language} if run.face.language else {})}


class Title:
    """A title that is not plain, ready to be measured and drawn line by line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.faces = faces_for(text)
        self.direction = paragraph_direction(text)

    def runs(self, line: str) -> list[Run]:
        """The runs of *line*, in the order they are drawn (characters no font has left out)."""
        drawn: list[tuple[str, Face]] = []
        previous: Face | None = None
        for cluster in _clusters(line):
            face = _face_of(cluster, self.faces, previous)
            if face is not None:
                drawn.append((cluster, face))
                previous = face
        levels = _levels([cluster for cluster, _face in drawn], self.direction)
        logical: list[tuple[str, Face, int]] = []
        for (cluster, face), level in zip(drawn, levels, strict=True):
            if logical and logical[-1][1:] == (face, level):
                logical[-1] = (logical[-1][0] + cluster, face, level)
            else:
                logical.append((cluster, face, level))
        return _visual_order(logical)

    def length(self, line: str, size: int) -> float:
        return sum(font(run.face, size).getlength(run.text, **_options(run)) for run in self.runs(line))

    def draw(self, draw: ImageDraw.ImageDraw, line: str, box: tuple[int, int], y: int, size: int, fill: str):
        """Draw *line* with its top at *y*, from the left of *box* (left, right), or against its right
        for a right-to-left title; every run on the baseline DejaVu Serif's ascent below *y*."""
        runs = self.runs(line)
        lengths = [font(run.face, size).getlength(run.text, **_options(run)) for run in runs]
        x = box[0] if self.direction == "ltr" else box[1] - sum(lengths)
        baseline = y + font(PRIMARY, size).getmetrics()[0]
        for run, length in zip(runs, lengths, strict=True):
            options = _options(run)
            draw.text((x, baseline), run.text, font=font(run.face, size), fill=fill, anchor="ls", **options)
            x += length


def segments(text: str) -> list[tuple[str, str]]:
    """The pieces a title's lines may break between, each with what goes before it on a line: the
    words (after a space), and each Han or kana character (after nothing)."""
    pieces: list[tuple[str, str]] = []
    for word in text.split():
        glue, piece = (" " if pieces else ""), ""
        for ch in word:
            if piece and (_is_han(ch) or _is_kana(ch)):
                pieces.append((glue, piece))
                glue, piece = "", ""
            piece += ch
        pieces.append((glue, piece))
    return pieces


def fit(text: str, measure, width: int, height: int, sizes=range(76, 40, -4), smallest: int = 44):
    """The largest size of *sizes* at which *text* fits *width* x *height* (lines 1.18 times the size
    apart), and its lines; else *smallest*, with the lines that fit and the last cut with "…".
    *measure(line, size)* is a line's length in pixels."""
    for size in sizes:
        lines = _wrap(segments(text), lambda line, size=size: measure(line, size), width)
        fits = all(measure(_joined(line), size) <= width for line in lines)
        if fits and len(lines) * int(size * 1.18) <= height:
            return size, [_joined(line) for line in lines]
    lines = _wrap(segments(text), lambda line: measure(line, smallest), width)
    lines = lines[: height // int(smallest * 1.18)]
    last = lines[-1]
    while measure(_joined(last) + "…", smallest) > width and len(last) > 1:
        last.pop()
    return smallest, [_joined(line) for line in lines[:-1]] + [_joined(last) + "…"]


def _joined(line: list[tuple[str, str]]) -> str:
    return "".join(glue + piece for glue, piece in line)


def _wrap(pieces: list[tuple[str, str]], measure, width: int) -> list[list[tuple[str, str]]]:
    lines: list[list[tuple[str, str]]] = []
    for glue, piece in pieces:
        if lines and measure(_joined(lines[-1]) + glue + piece) <= width:
            lines[-1].append((glue, piece))
        else:
            lines.append([("", piece)])
    return lines
