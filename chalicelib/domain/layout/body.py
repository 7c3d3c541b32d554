"""A PDF letter's body: its text as paragraphs of rows, wrapped to a width, in one linear pass.

The page frame (``pdf``) takes the paragraphs, puts their rows on pages and draws each with
:func:`draw_row`. A text letter's paragraphs come from :func:`plain`; a Markdown letter's
from ``styled``, with rows in other fonts and sizes and marks drawn beside their text
(a block quote's bar, a table's rules, a link's area).
"""

import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout import frame, scripts

FONT_SIZE, LEADING, PARAGRAPH_GAP = frame.TEXT_SIZE, 16, 8
DESCENT = 4.5
"""How far below its baseline a row's box reaches: rows' boxes meet, so bars join up."""

_WORDS = re.compile(r"\s*\S+")
_INVISIBLE = ("Cc", "Cf")
"""Unicode's control and format characters: nothing to draw, so dropped."""


class Mark(NamedTuple):
    """Something drawn in a row's box besides its text, from ``x0`` to ``x1``."""

    kind: str
    """``bar`` (a block quote's, at ``x0``), ``vline``, ``top``, ``bottom`` and ``rule``
    (a table's rules and a thematic break), ``shade`` (behind code), ``link`` (``url``,
    underlined)."""
    x0: float
    x1: float = 0.0
    url: str = ""


class Row(NamedTuple):
    """One row of text: its pieces (each in runs of one font), the size they are drawn at,
    the height it takes and what is drawn beside it."""

    pieces: list[scripts.Piece]
    size: float = FONT_SIZE
    leading: float = LEADING
    marks: tuple[Mark, ...] = ()


class Paragraph(NamedTuple):
    """Rows that follow each other, ``gap`` below what comes before them (none at the top
    of a page); kept on one page when ``whole`` and they fit on one."""

    rows: list[Row]
    gap: float = PARAGRAPH_GAP
    whole: bool = False


class Overflow(Exception):
    """More rows than the PDF may hold: the page frame says how many pages that is."""


def plain(
    paragraphs: list[list[str]], others: list[str], width: float, max_rows: int
) -> tuple[list[Paragraph], list[TTFont], dict[int, str | None]]:
    """A text letter's paragraphs (each a list of its lines) wrapped to ``width``, and the
    fonts and table (:func:`printable`) that draw them and ``others`` (the date, the frame)."""
    used = {char for lines in paragraphs for line in lines for char in set(line)}
    fonts, table = printable(used.union(*others))
    if sum(len(lines) for lines in paragraphs) > max_rows:
        raise Overflow  # each line is a row at least: known before wrapping
    measure = scripts.measurer(fonts, FONT_SIZE)
    laid = [
        Paragraph(
            [
                Row(pieces)
                for line in lines
                for pieces in wrapped(line.translate(table), fonts, measure, width, FONT_SIZE)
            ]
        )
        for lines in paragraphs
    ]
    return laid, fonts, table


def wrap(line: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap that keeps the line's own spacing.

    A word wider than a whole line is cut between characters.
    """
    rows: list[str] = []
    row, used = "", 0.0
    for piece in _WORDS.findall(line):
        size = measure(piece)
        if row and used + size > width:
            rows.append(row)
            row, piece = "", piece.lstrip()
            used, size = 0.0, measure(piece)
        if size <= width:
            row, used = row + piece, used + size
            continue
        for char in piece:
            char_width = measure(char)
            if row and used + char_width > width:
                rows.append(row)
                row, used = "", 0.0
            row, used = row + char, used + char_width
    rows.append(row)
    return rows


def wrapped(
    line: str, fonts: list[TTFont], measure: Callable[[str], float], width: float, size: float
) -> list[list[scripts.Piece]]:
    """A line wrapped to ``width``, each row in pieces; one with right-to-left letters
    shaped first and each of its rows in visual order."""
    if len(fonts) == 1 or not scripts.is_rtl(line):  # the primary font has no such letter
        return [[(0.0, scripts.runs(row, fonts))] for row in wrap(line, width, measure)]
    shaped = wrap(scripts.shaped(line), width, measure)
    return [scripts.visual_pieces(row, fonts, size) for row in shaped]


def printable(
    used: set[str], primary: str = scripts.PRIMARY
) -> tuple[list[TTFont], dict[int, str | None]]:
    """The fonts that draw the characters ``used``, and the table that makes text drawable:
    tabs as spaces, invisible characters dropped.

    Any other character no font has a glyph for is a 422: a letter with empty boxes
    where a name should be must not go out.
    """
    invisible = {char for char in used if unicodedata.category(char) in _INVISIBLE}
    fonts, unshown = scripts.fonts_for(used - invisible, primary)
    if unshown:
        others = f" and {len(unshown) - 1} other characters" if len(unshown) > 1 else ""
        raise CannotRender(
            f"a PDF cannot show U+{ord(unshown[0]):04X}{others} of this letter: its fonts "
            f"cover {scripts.COVERED}; format=html or txt can show them"
        )
    table: dict[int, str | None] = {ord(char): None for char in invisible}
    table[ord("\t")] = "    "
    return fonts, table


def draw_row(canvas: Canvas, left: float, y: float, row: Row) -> None:
    """A row whose baseline is at ``y``, its pieces from ``left``, its marks around them."""
    bottom = y - DESCENT
    top = bottom + row.leading
    if row.marks:
        canvas.saveState()
        for mark in row.marks:
            _draw_mark(canvas, mark, left, bottom, top)
        canvas.restoreState()
    for x, parts in row.pieces:
        scripts.draw_runs(canvas, left + x, y, parts, row.size)


def _draw_mark(canvas: Canvas, mark: Mark, left: float, bottom: float, top: float) -> None:
    x0, x1 = left + mark.x0, left + mark.x1
    canvas.setStrokeGray(0.45)
    canvas.setLineWidth(0.6)
    match mark.kind:
        case "bar":
            canvas.setStrokeGray(0.6)
            canvas.setLineWidth(2)
            canvas.line(x0, bottom, x0, top)
        case "vline":
            canvas.line(x0, bottom, x0, top)
        case "top":
            canvas.line(x0, top, x1, top)
        case "bottom":
            canvas.line(x0, bottom, x1, bottom)
        case "rule":
            canvas.line(x0, (bottom + top) / 2, x1, (bottom + top) / 2)
        case "shade":
            canvas.setFillGray(0.95)
            canvas.rect(x0, bottom, x1 - x0, top - bottom, stroke=0, fill=1)
        case "link":  # underlined, as a reader expects a link to look
            canvas.line(x0, bottom + DESCENT - 1.5, x1, bottom + DESCENT - 1.5)
            canvas.linkURL(mark.url, (x0, bottom, x1, top), relative=0, thickness=0)
