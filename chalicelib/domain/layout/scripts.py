"""Which embedded font draws each character of a PDF letter, and in what order.

DejaVu Serif draws Latin, Greek and Cyrillic. A letter with a character it lacks
loads the fallbacks in order, only until every character is covered: DejaVu Sans
(Hebrew, Arabic), then Droid Sans Fallback (Chinese, Japanese, Korean). A Latin
letter parses no other font, so its time is unchanged.

Right-to-left lines are shaped (Arabic's contextual forms, ``arabic-reshaper``) before
they are measured, and drawn in visual order (``python-bidi``) row by row once wrapped.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from itertools import accumulate, repeat
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).parent / "fonts"
PRIMARY = "DejaVuSerif"
FALLBACKS = ("DejaVuSans", "DroidSansFallback")
"""Tried in this order for what the primary font lacks (licences beside the files)."""
COVERED = "Latin, Greek, Cyrillic, Hebrew, Arabic, Chinese, Japanese and Korean"

Run = tuple[str, str]
"""A font's name and the text drawn in it."""
Piece = tuple[float, list[Run]]
"""Runs drawn one after the other from this far right of the row's start."""

_RTL = frozenset(("R", "AL"))
_STRONG = _RTL | {"L"}
_STEP = {"L": 1, "R": -1, "AL": -1}
"""How a piece that starts with such a letter goes on, in drawn places, through the row."""
_BIDI_STEPS = (
    "explicit_embed_and_overrides",
    "resolve_weak_types",
    "resolve_neutral_types",
    "resolve_implicit_levels",
    "reorder_resolved_levels",
    "apply_mirroring",
)
_CMAP_ENTRY = re.compile(r"^<([0-9A-F]{2})> <([0-9A-F]+)>$", re.MULTILINE)
_reportlab_cmap = ttfonts.makeToUnicodeCMap


@cache
def load(name: str) -> TTFont:
    """Parse and register a font once per container; the PDF embeds only the glyphs it uses."""
    font = TTFont(name, FONTS / f"{name}.ttf")
    pdfmetrics.registerFont(font)
    return font


def fonts_for(chars: Iterable[str], primary: str = PRIMARY) -> tuple[list[TTFont], list[str]]:
    """The fonts that draw ``chars`` (``primary`` first), and the characters none covers.

    A Markdown letter's styles (bold, italic, monospace) name their own ``primary``: what
    it lacks is drawn by the regular primary, then by the fallbacks, as for plain text.
    """
    fonts = [load(primary)]
    missing = {char for char in chars if ord(char) not in fonts[0].face.charToGlyph}
    for name in (PRIMARY, *FALLBACKS) if primary != PRIMARY else FALLBACKS:
        if not missing:
            break
        font = load(name)
        covered = {char for char in missing if ord(char) in font.face.charToGlyph}
        if covered:
            fonts.append(font)
            missing -= covered
    return fonts, sorted(missing)


def runs(text: str, fonts: list[TTFont]) -> list[Run]:
    """``text`` cut where the font changes (see :func:`_font_names`)."""
    if len(fonts) == 1:
        return [(fonts[0].fontName, text)]
    return _cut(text, _font_names(text, tuple(fonts)))


def _font_names(text: str, fonts: tuple[TTFont, ...]) -> list[str]:
    """Each character's font: for a letter the first that has its glyph; for spaces,
    punctuation and marks the font of the letter before, if it has them.

    Keeping a right-to-left run's spaces in its font keeps it one run for a reader, which
    then gives back its words in their order.
    """
    names: list[str] = []
    current: TTFont | None = None
    for char in text:
        if current is None or _strong(char) or ord(char) not in current.face.charToGlyph:
            current = _first_font(char, fonts)
        names.append(current.fontName)
    return names


@cache
def _first_font(char: str, fonts: tuple[TTFont, ...]) -> TTFont:
    return next(font for font in fonts if ord(char) in font.face.charToGlyph)


def _cut(text: str, names: list[str]) -> list[Run]:
    """``text`` in runs of one font each, from each character's font."""
    cut: list[Run] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or names[index] != names[start]:
            cut.append((names[start], text[start:index]))
            start = index
    return cut


@cache
def _char_width(char: str, name: str, size: float) -> float:
    return pdfmetrics.stringWidth(char, name, size)


def _strong(char: str) -> bool:
    """A letter with a direction of its own, which picks its font."""
    return unicodedata.bidirectional(char) in _STRONG


def measurer(fonts: list[TTFont], size: float) -> Callable[[str], float]:
    """How wide a text is drawn, each run in its own font; with one font, that font's own
    measure, as fast as before there were fallbacks."""
    if len(fonts) == 1:
        string_width = fonts[0].stringWidth
        return lambda text: string_width(text, size)
    chosen = tuple(fonts)
    return lambda text: sum(map(_char_width, text, _font_names(text, chosen), repeat(size)))


def is_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Hebrew, Arabic and the like)."""
    return any(unicodedata.bidirectional(char) in _RTL for char in text)


def one_row(line: str, fonts: list[TTFont], size: float) -> list[Piece]:
    """A line drawn as one row at ``size``: in runs of one font, or, with right-to-left
    letters, shaped and in visual order."""
    if len(fonts) == 1 or not is_rtl(line):  # the primary font has no such letter
        return [(0.0, runs(line, fonts))]
    return visual_pieces(shaped(line), fonts, size)


def row_width(row: list[Piece], size: float) -> float:
    """How wide a row is drawn at ``size``: to the end of its rightmost piece."""
    return max(
        x + sum(pdfmetrics.stringWidth(text, name, size) for name, text in parts)
        for x, parts in row
    )


def shaped(line: str) -> str:
    """Arabic letters in their contextual forms; other text as it is."""
    from arabic_reshaper import reshape

    return reshape(line)


def visual_pieces(row: str, fonts: list[TTFont], size: float) -> list[Piece]:
    """A wrapped row of a right-to-left line, each piece where the bidi algorithm draws it.

    Glyphs are drawn in visual order, but the pieces go into the PDF in reading order, one
    text object each: a right-to-left piece begins and ends with a right-to-left letter, so
    a reader that reverses such runs, as pypdf does, gives back the row's text.
    Spaces, punctuation and digits between directions are pieces of one character.
    """
    drawn, position = _visual_order(row)
    names = _font_names(drawn, tuple(fonts))
    left = [0.0, *accumulate(map(_char_width, drawn, names, repeat(size)))]
    pieces: list[Piece] = []
    index = 0
    while index < len(row):
        end, step = index + 1, _STEP.get(unicodedata.bidirectional(row[index]), 0)
        while step and end < len(row) and position[end] == position[end - 1] + step:
            end += 1
        while step < 0 and not _strong(row[end - 1]):
            end -= 1  # trailing spaces and punctuation read after the run, not before it
        first, last = sorted((position[index], position[end - 1]))
        pieces.append((left[first], _cut(drawn[first : last + 1], names[first : last + 1])))
        index = end
    return pieces


def _visual_order(row: str) -> tuple[str, list[int]]:
    """The row as drawn (mirrored brackets included), and where each character is drawn.

    python-bidi's Python algorithm, step by step, to know each character's place (its
    ``get_display`` gives the drawn text only).
    """
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = algorithm.get_base_level(row)
    storage["base_dir"] = "LR"[storage["base_level"]]
    algorithm.get_embedding_levels(row, storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    for step in _BIDI_STEPS:
        getattr(algorithm, step)(storage, False)
    drawn = storage["chars"]
    position = [0] * len(drawn)
    for place, char in enumerate(drawn):
        position[char["index"]] = place
    return "".join(char["ch"] for char in drawn), position


def draw_runs(canvas: Canvas, x: float, y: float, parts: list[Run], size: float) -> None:
    """One piece of a row in one text object, switching fonts between its runs."""
    text = canvas.beginText(x, y)
    for name, part in parts:
        text.setFont(name, size)
        text.textOut(part)
    canvas.drawText(text)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, with each character written as the PDF requires: UTF-16BE.

    ReportLab writes a code point as 4 hex digits or more, so one outside the BMP
    (U+1D434 as ``<1D434>``) is malformed and extracts wrongly; it needs its surrogate
    pair (``<D835DC34>``). Arabic presentation forms map back to the letters they show,
    so the text layer holds the letter's own characters.
    """

    def utf16(entry: re.Match[str]) -> str:
        char = chr(int(entry[2], 16))
        name = unicodedata.name(char, "")
        if name.startswith("ARABIC") and name.endswith("FORM"):
            char = unicodedata.normalize("NFKC", char)
        elif ord(char) <= 0xFFFF:
            return entry[0]  # as ReportLab wrote it: its PDFs stay byte for byte the same
        return f"<{entry[1]}> <{char.encode('utf-16-be').hex().upper()}>"

    return _CMAP_ENTRY.sub(utf16, _reportlab_cmap(fontname, subset))


ttfonts.makeToUnicodeCMap = _to_unicode_cmap
"""ReportLab's fonts call the module's function as they are written into a PDF."""
