"""Share cards: a link-preview image for every post, drawn at build time.

Every published post gets a 1200 x 630 PNG with its title, date, reading time
and the blog's name, in the blog's type and colours (a serif title, the indigo
accent of ``_static/blog.css``), written to ``_social/<docname>.png`` in the
output. It is the post's ``og:image`` and ``twitter:image``, with alt text and
its size; other pages keep the default image (``ogp_image``).

A post may name its own image instead, in its front matter (checked by
:mod:`blogext.core.frontmatter`, alt text required)::

    share_image: diagram.png
    share_image_alt: The training pipeline, from raw data to a served model.

It is copied to ``_social/<docname>.<suffix>``.

**Cost.** A card is drawn only when what it shows changes: each card is kept in
the doctree folder under a digest of what it shows (``blogext-sharecards/``, with
the drawing code's version, the font and Pillow's version in the digest), and
``blogext-sharecards.json`` records which digest each output file has, so an
unchanged post costs a digest and a lookup. Cards no post uses any more are
deleted from the output and from the cache, so a reused output folder equals a
clean build's. A card is a palette PNG (:func:`draw_card`): about 5 ms to draw and 25 KB,
against 14 ms and 49 KB for the RGB one (:func:`draw_image`) it stays within 2/255 of. New cards
are drawn beside the build (:mod:`blogext.core.beside`), from the end of reading, when what each
shows is known, while the pages are written; the build's end waits for them and copies them out.

**Drafts** get no card: only published posts (:attr:`blogext.core.postrecord.Post.published`)
have one, in the preview too, so no image of a draft is in any output folder or
cache. Their pages keep the default image.

Drawn with Pillow; the title's font, DejaVu Serif Bold, ships in ``blogext/fonts``
(see its README for the licence), the small lines use Pillow's own font.

**Every script.** A title in Arabic, Hebrew, Chinese, Japanese, Korean, with emoji or in any
script DejaVu Serif lacks is drawn with Noto fonts that the site's Python dependencies install,
shaped and ordered right to left where it must be (:mod:`blogext.outputs.cardtext`). A character that no
font has is left out of the card and the build warns (``blog.sharecards``), naming the post's file,
the title's line and the characters, on every build, the card kept or not. A title DejaVu Serif
Bold draws whole is drawn exactly as before, at the same cost.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import shutil
import time
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import PIL
from PIL import Image, ImageColor, ImageDraw, ImageFont
from sphinx.application import Sphinx
from sphinx.util import logging

import blogext
from blogext.core import assets, beside, buildstate, safehtml
from blogext.core.posts import front_matter, post, post_docnames
from blogext.outputs import cardtext

logger = logging.getLogger(__name__)

#: The output folder of the cards.
FOLDER = "_social"
#: Cards kept between builds (in the doctree folder), and the record of the output's cards.
CACHE_FOLDER = "blogext-sharecards"
RECORD_FILE = "blogext-sharecards.json"
#: Bump when the drawing changes, so that every card is drawn again.
DRAWING_VERSION = 2
#: New cards are drawn beside the build when there are at least this many (a clean build).
BESIDE_FROM = 10
WIDTH, HEIGHT = 1200, 630
FONT_FILE = cardtext.PRIMARY_FILE

# The light palette of _static/blog.css.
BACKGROUND = "#fdfcfa"
ACCENT = "#4338ca"
ACCENT_TEXT = "#3730a3"
HEADING = "#161a1f"
MUTED = "#555f6b"
RULE = "#dedad2"
ON_ACCENT = "#ffffff"


class Card(NamedTuple):
    """A post's link-preview image: where it comes from and what it says."""

    docname: str
    path: str  #: in the output folder, such as ``_social/posts/2024/x.png``
    alt: str
    #: What a drawn card shows (None for the post's own image).
    lines: tuple[str, str, str, str] | None
    #: The post's own image, as a path in the source folder (None for a drawn card).
    source: str | None


def card_for(app: Sphinx, docname: str) -> Card | None:
    """The share card of the post *docname* (None when it is not a published post)."""
    env = app.env
    record = post(env, docname)
    matter = front_matter(env, docname)
    if record is None or matter is None or not record.published:
        return None
    if matter.share_image:
        source = posixpath.normpath(posixpath.join(posixpath.dirname(matter.path), matter.share_image))
        suffix = posixpath.splitext(source)[1].lower()
        return Card(docname, f"{FOLDER}/{docname}{suffix}", matter.share_image_alt or "", None, source)
    title = record.title
    shown_date = record.date.strftime(app.config.post_date_format)
    minutes = record.reading_minutes
    blog = app.config.blog_title or app.config.project
    host = app.config.html_baseurl.split("://", 1)[-1].rstrip("/")
    alt = f"{title}: a post on {blog}'s blog, {shown_date}, {minutes} min read"
    lines = (title, f"{shown_date} · {minutes} min read", blog, host)
    return Card(docname, f"{FOLDER}/{docname}.png", alt, lines, None)


# -- Drawing ---------------------------------------------------------------------------------------


@cache
def _font_digest() -> str:
    return hashlib.blake2b(FONT_FILE.read_bytes(), digest_size=8).hexdigest()


@cache
def _serif(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size)


@cache
def _sans(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def _title_lines(draw: ImageDraw.ImageDraw, title: str, width: int, height: int, fill):
    """How the title is drawn: its size, its lines, and what draws a line at (x, y) in *fill* (a plain
    title as it always was, in DejaVu Serif Bold; any other through :mod:`blogext.outputs.cardtext`'s
    fonts). Characters no font has are left out (the build warns about them: :func:`check_title`)."""
    title = cardtext.drawable(title)
    if cardtext.plain(title):
        measure = lambda line, size: draw.textlength(line, font=_serif(size))  # noqa: E731
        size, lines = cardtext.fit(title, measure, width, height)
        return size, lines, lambda line, box, y: draw.text((box[0], y), line, font=_serif(size), fill=fill)
    typeset = cardtext.Title(title)
    size, lines = cardtext.fit(title, typeset.length, width, height)
    return size, lines, lambda line, box, y: typeset.draw(draw, line, box, y, size, fill)


#: The colour each part of a card is drawn in, over the colour it is drawn on.
BLENDS = {
    "bar": (ACCENT, BACKGROUND),
    "initials": (ON_ACCENT, ACCENT),
    "heading": (HEADING, BACKGROUND),
    "rule": (RULE, BACKGROUND),
    "muted": (MUTED, BACKGROUND),
    "host": (ACCENT_TEXT, BACKGROUND),
}
LEFT, RIGHT = 28 + 88, WIDTH - 88


def _fixed_parts(blog: str, host: str) -> list[tuple[str, Any]]:
    """What every card of a blog shows, in drawing order: each part's blend and what draws it in a fill."""
    initials = "".join(word[0] for word in blog.split()[:2]).upper()
    return [
        ("bar", lambda draw, fill: draw.rectangle((0, 0, 27, HEIGHT), fill=fill)),
        # The blog's mark and name, at the top.
        ("bar", lambda draw, fill: draw.rounded_rectangle((LEFT, 72, LEFT + 72, 144), radius=16, fill=fill)),
        (
            "initials",
            lambda d, fill: d.text((LEFT + 36, 108), initials, font=_serif(34), fill=fill, anchor="mm"),
        ),
        (
            "heading",
            lambda draw, fill: draw.text((LEFT + 96, 108), blog, font=_sans(34), fill=fill, anchor="lm"),
        ),
        # Where the blog lives, and the rule above the bottom line.
        ("rule", lambda draw, fill: draw.line((LEFT, 520, RIGHT, 520), fill=fill, width=2)),
        ("host", lambda draw, fill: draw.text((RIGHT, 566), host, font=_sans(30), fill=fill, anchor="rm")),
    ]


def _own_parts(title: str, when: str) -> list[tuple[str, Any]]:
    """What a post's card shows of its own: the title, and its date and reading time."""

    def draw_title(draw: ImageDraw.ImageDraw, fill) -> None:
        # The title, as large as fits between the top and the bottom lines.
        top, bottom = 196, 488
        size, title_lines, draw_line = _title_lines(draw, title, RIGHT - LEFT, bottom - top, fill)
        y = top + (bottom - top - len(title_lines) * int(size * 1.18)) // 2
        for line in title_lines:
            draw_line(line, (LEFT, RIGHT), y)
            y += int(size * 1.18)

    return [
        ("heading", draw_title),
        ("muted", lambda draw, fill: draw.text((LEFT, 566), when, font=_sans(30), fill=fill, anchor="lm")),
    ]


def draw_image(lines: tuple[str, str, str, str]) -> Image.Image:
    """The card that shows *lines* (title, date and reading time, blog name, host), drawn in RGB: what
    :func:`draw_card`'s palette image stands for, within :data:`PALETTE_ERROR`."""
    title, when, blog, host = lines
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for blend, part in _fixed_parts(blog, host) + _own_parts(title, when):
        part(draw, BLENDS[blend][0])
    return image


def draw_card(lines: tuple[str, str, str, str]) -> bytes:
    """The PNG of a card that shows *lines*: title, date and reading time, blog name, host.

    Every part of a card is one colour, anti-aliased over the one it is drawn on (:data:`BLENDS`;
    the fonts draw no colour glyphs), so each part is drawn as its coverage (Pillow's own anti-aliasing,
    in an "L" layer) and mapped to the nearest colour of its blend in a fixed palette of 256
    (:func:`palette`): a palette PNG, 4 times quicker to encode than the RGB one and half its
    size, each pixel within :data:`PALETTE_ERROR` of :func:`draw_image`'s."""
    title, when, blog, host = lines
    card = _fixed_layer(blog, host).copy()
    _draw_parts(card, _own_parts(title, when))
    card.putpalette(palette()[0])  # an "L" image of palette indices becomes a "P" image
    out = io.BytesIO()
    card.save(out, "PNG", compress_level=3)  # quick (2 ms); ~25 KB
    return out.getvalue()


@cache
def _fixed_layer(blog: str, host: str) -> Image.Image:
    """The palette indices of what every card of the blog shows (drawn once per process)."""
    layer = Image.new("L", (WIDTH, HEIGHT), palette()[2][BACKGROUND])
    _draw_parts(layer, _fixed_parts(blog, host))
    return layer


#: A pixel a part covers at all takes the part's colour; one it leaves alone keeps what is there.
_COVERED = [0] + [255] * 255


def _draw_parts(indices: Image.Image, parts: list[tuple[str, Any]]) -> None:
    """Draw each part's coverage and put the palette index of its colour there into *indices*."""
    lookup = palette()[1]
    for blend, part in parts:
        coverage = Image.new("L", (WIDTH, HEIGHT), 0)
        part(ImageDraw.Draw(coverage), 255)
        box = coverage.getbbox()
        if box is not None:
            coverage = coverage.crop(box)
            indices.paste(coverage.point(lookup[blend]), box, coverage.point(_COVERED))


#: The largest difference, of 255 in any channel, between a palette card's pixel and the RGB one's.
PALETTE_ERROR = 2


def _blend(colour: str, over: str) -> list[tuple[int, int, int]]:
    """The colour Pillow draws *colour* over *over* in, at each coverage 0 to 255."""
    ramp = Image.new("RGB", (256, 1), over)
    coverage = Image.new("L", (256, 1))
    coverage.putdata(range(256))
    ImageDraw.Draw(ramp).bitmap((0, 0), coverage, fill=colour)
    return [ramp.getpixel((x, 0)) for x in range(256)]


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


@cache
def palette() -> tuple[list[int], dict[str, list[int]], dict[str, int]]:
    """The cards' palette (flat RGB), for each blend the palette index of each coverage, and the
    index of each plain colour: each blend's ends, and as few of its steps between as leave every
    step within :data:`PALETTE_ERROR` of one of them."""
    colours: list[tuple[int, int, int]] = []
    index: dict[tuple[int, int, int], int] = {}
    lookup: dict[str, list[int]] = {}
    for name, (colour, over) in BLENDS.items():
        ramp = _blend(colour, over)
        kept = [ramp[0], ramp[-1]]
        start = 0
        while start < len(ramp):  # the furthest step that stands for ramp[start], then past its reach
            step = start
            while step + 1 < len(ramp) and _distance(ramp[step + 1], ramp[start]) <= PALETTE_ERROR:
                step += 1
            kept.append(ramp[step])
            while start < len(ramp) and _distance(ramp[start], ramp[step]) <= PALETTE_ERROR:
                start += 1
        for rgb in kept:
            index.setdefault(rgb, len(colours))
            if len(colours) < len(index):
                colours.append(rgb)
        lookup[name] = [index[min(kept, key=lambda rgb, c=c: _distance(rgb, c))] for c in ramp]
    if len(colours) > 256:
        raise AssertionError(f"the cards' palette has {len(colours)} colours, more than a PNG's 256")
    plain = {hex_: index[ImageColor.getrgb(hex_)] for pair in BLENDS.values() for hex_ in pair}
    return [value for rgb in colours for value in rgb], lookup, plain


# -- Writing the cards -----------------------------------------------------------------------------


def digest(app: Sphinx, card: Card) -> str:
    """A digest of everything the card's file depends on."""
    if card.source is not None:
        what: Any = ("own", (Path(app.srcdir) / card.source).read_bytes())
    elif cardtext.plain(card.lines[0]):
        what = ("drawn", DRAWING_VERSION, PIL.__version__, _font_digest(), card.lines)
    else:  # drawn with the fallback fonts too, and by raqm when Pillow has it
        fonts = (cardtext.fonts_version(), cardtext.RAQM, cardtext.LAYOUT_VERSION)
        what = ("drawn", DRAWING_VERSION, PIL.__version__, _font_digest(), fonts, card.lines)
    return hashlib.blake2b(repr(what).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def _load_record(path: Path) -> dict[str, str]:
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def draw_into(cards: list[tuple[tuple[str, str, str, str], str]]) -> int:
    """Draw each card (its lines) into its file of the doctree folder's cache (a path); how many."""
    for lines, kept in cards:
        Path(kept).parent.mkdir(parents=True, exist_ok=True)
        partial = Path(f"{kept}.{os.getpid()}.tmp")
        partial.write_bytes(draw_card(lines))
        os.replace(partial, kept)
    return len(cards)


class _Plan(NamedTuple):
    """What the build's end must do with the cards: where each post's card comes from and goes."""

    #: Each card's output path (relative to the output folder) and its digest.
    now: dict[str, str]
    #: The cards whose output file is already that card: how many.
    kept: int
    #: Each output file to write (absolute) and the file it is a copy of (the cache's, or the post's own).
    copies: dict[Path, Path]
    #: The cache files drawn beside the build (by :func:`draw_into`).
    drawn: set[Path]
    #: The job drawing them.
    job: beside.Job | None
    #: Or, when they are few, what :func:`draw_into` draws at the end (quicker than a fork).
    later: list[tuple[tuple[str, str, str, str], str]]


def _plan(app: Sphinx) -> _Plan:
    """Which cards are new (started drawing beside the build at once) and which are copied or kept."""
    outdir, doctrees = Path(app.outdir), Path(app.doctreedir)
    cache_dir = doctrees / CACHE_FOLDER
    before = _load_record(doctrees / RECORD_FILE)
    now: dict[str, str] = {}
    kept = 0
    copies: dict[Path, Path] = {}
    to_draw: dict[Path, tuple[str, str, str, str]] = {}
    for docname in sorted(post_docnames(app.env)):
        card = card_for(app, docname)
        if card is None:
            continue
        if card.lines is not None:
            check_title(app, docname, card.lines[0])
        key = digest(app, card)
        now[card.path] = key
        target = outdir / card.path
        if before.get(card.path) == key and target.is_file():
            kept += 1
            continue
        if card.source is not None:
            copies[target] = Path(app.srcdir) / card.source
            continue
        cached = cache_dir / f"{key}.png"
        copies[target] = cached
        if not cached.is_file():
            to_draw[cached] = card.lines
    cards = [(lines, str(path)) for path, lines in to_draw.items()]
    job = beside.start(app, "share cards", draw_into, cards) if len(cards) >= BESIDE_FROM else None
    return _Plan(now, kept, copies, set(to_draw), job, [] if job else cards)  # a few: at the end


def _on_env_updated(app: Sphinx, env: Any) -> None:
    if app.builder.format == "html":
        buildstate.put(app, _plan(app))


def write_cards(app: Sphinx) -> dict[str, int]:
    """Bring the output's cards up to date with the published posts; how many were drawn, copied, kept.
    The new cards were started at ``env-updated`` (:func:`_plan`), and are waited for here."""
    outdir, doctrees = Path(app.outdir), Path(app.doctreedir)
    cache_dir = doctrees / CACHE_FOLDER
    plan = buildstate.peek(app, _Plan) or _plan(app)  # a build that read nothing still ends here
    if plan.job is not None:
        plan.job.result()
    draw_into(plan.later)
    counts = {"drawn": len(plan.drawn), "copied": len(plan.copies) - len(plan.drawn), "kept": plan.kept}
    for target, source in plan.copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    _remove_others(outdir / FOLDER, {outdir / p for p in plan.now}, outdir)
    drawn = {cache_dir / f"{key}.png" for path, key in plan.now.items() if path.endswith(".png")}
    _remove_others(cache_dir, drawn, doctrees)
    if plan.now != _load_record(doctrees / RECORD_FILE):
        (doctrees / RECORD_FILE).write_text(json.dumps(plan.now, sort_keys=True, indent=0), "utf-8")
    return counts


def check_title(app: Sphinx, docname: str, title: str) -> None:
    """Warn, naming the post and the title's line, about characters of *title* that no font of the
    cards has (left out of the card) or that this Pillow cannot shape (no raqm)."""
    absent = cardtext.missing(title)
    if absent:
        names = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in absent)
        packages = " and ".join(cardtext.FONT_PACKAGES)
        _warn(
            app,
            docname,
            absent[0],
            f"the title {title!r} has characters no font of the share card has: {names}. They are "
            f"left out of the card; write the title without them, or give the post its own "
            f"share_image (the card's fonts: DejaVu Serif Bold, and Noto from {packages})",
        )
    if cardtext.unshapable(title):
        _warn(
            app,
            docname,
            title,
            f"the title {title!r} needs right-to-left or joined shaping for its share card, which this "
            f"Pillow cannot do (it lacks raqm: features.check('raqm') is False); install Pillow's "
            f"wheel from PyPI, or libraqm and FriBiDi",
        )


def _warn(app: Sphinx, docname: str, text: str, message: str) -> None:
    """A ``blog.sharecards`` warning at the first line of the post's file that has *text*."""
    line = None
    try:
        lines = Path(app.env.doc2path(docname)).read_text("utf-8").splitlines()
        line = next((i for i, content in enumerate(lines, 1) if text in content), None)
    except (OSError, UnicodeDecodeError):
        pass
    logger.warning(message, type="blog", subtype="sharecards", location=(docname, line))


def _remove_others(folder: Path, keep: set[Path], top: Path) -> None:
    """Delete every file under *folder* but those in *keep*, and the folders that leaves empty."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if folder != top and not any(folder.iterdir()):
        folder.rmdir()


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    started = time.perf_counter()
    counts = write_cards(app)
    seconds = time.perf_counter() - started
    logger.verbose(
        "share cards: %d drawn, %d copied, %d unchanged, in %.2f s",
        counts["drawn"],
        counts["copied"],
        counts["kept"],
        seconds,
    )


# -- Link previews -----------------------------------------------------------------------------------


def image_size(app: Sphinx, card: Card) -> tuple[int, int]:
    if card.source is None:
        return WIDTH, HEIGHT
    with Image.open(Path(app.srcdir) / card.source) as image:
        return image.size


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    card = card_for(app, pagename)
    if card is None:
        return
    width, height = image_size(app, card)
    # findability (PAGE_META, before) made context["meta"] this page's own copy; sphinxext-opengraph
    # (500, after) writes og:image from it, made absolute under the site's URL.
    meta = context.setdefault("meta", {})
    meta["og:image"] = card.path
    meta["og:image:alt"] = card.alt
    meta["og:image:width"] = str(width)
    meta["og:image:height"] = str(height)
    tags = [("twitter:image", absolute_url(app, card)), ("twitter:image:alt", card.alt)]
    context["metatags"] = context.get("metatags", "") + "".join(
        str(safehtml.render(app, "blog/meta-tag.html", property=False, name=name, content=content)) + "\n"
        for name, content in tags
    )


def absolute_url(app: Sphinx, card: Card) -> str:
    """The card's URL under the canonical base URL."""
    base = app.config.ogp_site_url or app.config.html_baseurl
    return base.rstrip("/") + "/" + card.path


def setup(app: Sphinx) -> dict[str, Any]:
    assets.bring(app, __file__)
    app.setup_extension("blogext.core.posts")
    app.setup_extension("blogext.outputs.findability")
    app.setup_extension("blogext.core.beside")
    app.connect("env-updated", _on_env_updated)
    app.connect("html-page-context", _on_page_context, priority=blogext.SHARE_CARD)
    app.connect("build-finished", _on_finished)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
