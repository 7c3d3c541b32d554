"""A letter as an A4 PDF (ReportLab), in an embedded Unicode font.

Imported only when a PDF is asked for: ReportLab and the font cost tens of
milliseconds to load, which the txt and html paths never pay.

Lines are wrapped and pages laid out here, in one linear pass, and drawn on
ReportLab's canvas. Platypus paragraphs re-wrap what is left of a paragraph
at every page break: a long letter written as one paragraph took minutes.
A batch's merged PDF (``merged_pdf``) draws each of its letters with the same
:func:`lay_out` and :func:`draw_letter`, onto one canvas.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout import scripts
from chalicelib.domain.letters import Letter

FONT = scripts.PRIMARY
"""DejaVu Serif for Latin with diacritics, Greek and Cyrillic; fallbacks in ``scripts``."""

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 25 * mm, 22 * mm, 25 * mm, 25 * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
FONT_SIZE, LEADING, PARAGRAPH_GAP = 11, 16, 8
FOOTER_SIZE, FOOTER_BASELINE = 8.5, 13 * mm
DATE_GAP = 2 * LEADING
DATE_BASELINE = PAGE_HEIGHT - TOP - FONT_SIZE
MAX_PAGES = 400
"""About 1 MiB of prose. A 1 MiB letter of one-character lines would be 12,000 pages,
and drawing them takes longer than the function may run."""
ROWS_PER_PAGE = int((PAGE_HEIGHT - TOP - FONT_SIZE - BOTTOM) // LEADING) + 1

_WORDS = re.compile(r"\s*\S+")
_INVISIBLE = ("Cc", "Cf")
"""Unicode's control and format characters: nothing to draw, so dropped."""

Row = list[scripts.Piece]
"""A row's text in pieces, each in runs of one font."""
Page = list[tuple[float, Row]]
"""The rows of one page: each baseline's height and its text."""


def _wrap(line: str, width: float, measure: Callable[[str], float]) -> list[str]:
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


def _paginate(paragraphs: list[list[Row]], first_baseline: float) -> list[Page]:
    """Rows onto pages: a gap between paragraphs, none at the top of a page."""
    top_baseline = PAGE_HEIGHT - TOP - FONT_SIZE
    pages: list[Page] = [[]]
    y = first_baseline
    for index, rows in enumerate(paragraphs):
        if index and y != top_baseline:
            y -= PARAGRAPH_GAP
        for row in rows:
            if y < BOTTOM:
                pages.append([])
                y = top_baseline
            pages[-1].append((y, row))
            y -= LEADING
    return pages


def _pdf_date(moment: datetime) -> Callable[..., str]:
    """The PDF date of ``moment``, in place of ReportLab's own clock."""
    stamp = f"D:{moment:%Y%m%d%H%M%S}+00'00'"
    return lambda *_: stamp


def letter_pdf(letter: Letter) -> bytes:
    """The letter on A4: the date, then its paragraphs over as many pages as needed.

    The output depends only on the letter (``invariant``): the same letter
    generated twice is the same file.
    """
    canvas = new_canvas(letter.title, letter.subject, letter.dated)
    draw_letter(canvas, letter, lay_out(letter))
    return canvas.getpdfdata()


def lay_out(letter: Letter) -> list[Page]:
    """The letter's rows on its pages, or ``CannotRender`` before anything is drawn."""
    fonts, printable = _printable(letter.paragraphs())
    if sum(len(lines) for lines in printable) > MAX_PAGES * ROWS_PER_PAGE:
        raise _too_many_pages()  # each line is a row at least: known before wrapping

    measure = scripts.measurer(fonts, FONT_SIZE)

    paragraphs = [
        [row for line in lines for row in _rows(line, fonts, measure)] for lines in printable
    ]
    pages = _paginate(paragraphs, DATE_BASELINE - LEADING - DATE_GAP)
    if len(pages) > MAX_PAGES:
        raise _too_many_pages()
    return pages


def _rows(line: str, fonts: list[TTFont], measure: Callable[[str], float]) -> list[Row]:
    """A line wrapped to the text's width; one with right-to-left letters shaped first and
    each of its rows in visual order."""
    if len(fonts) == 1 or not scripts.is_rtl(line):  # the primary font has no such letter
        return [[(0.0, scripts.runs(row, fonts))] for row in _wrap(line, TEXT_WIDTH, measure)]
    wrapped = _wrap(scripts.shaped(line), TEXT_WIDTH, measure)
    return [scripts.visual_pieces(row, fonts, FONT_SIZE) for row in wrapped]


def new_canvas(title: str, subject: str, dated: datetime) -> Canvas:
    """An empty A4 canvas whose file depends only on what is drawn and on these arguments."""
    canvas = Canvas(None, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setAuthor("docgen")
    canvas.setCreator("docgen")
    canvas.setDateFormatter(_pdf_date(dated))
    return canvas


def draw_letter(canvas: Canvas, letter: Letter, pages: list[Page]) -> None:
    """The letter's ``pages`` (from :func:`lay_out`) on ``canvas``, after what it holds: the
    date on the first, and "Page X of Y" of this letter's own at the foot of each."""
    for number, page in enumerate(pages, start=1):
        canvas.setFont(FONT, FONT_SIZE)
        if number == 1:
            canvas.drawRightString(PAGE_WIDTH - RIGHT, DATE_BASELINE, letter.date_line)
        for y, row in page:
            match row:
                case [(_, [(scripts.PRIMARY, text)])]:  # one piece in one font: as before
                    canvas.drawString(LEFT, y, text)
                case _:
                    for x, parts in row:
                        scripts.draw_runs(canvas, LEFT + x, y, parts, FONT_SIZE)
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillGray(0.4)
        canvas.drawCentredString(PAGE_WIDTH / 2, FOOTER_BASELINE, f"Page {number} of {len(pages)}")
        canvas.showPage()


def _too_many_pages() -> CannotRender:
    return CannotRender(
        f"a PDF of this letter would have more than {MAX_PAGES} pages; "
        "format=html or txt can hold it"
    )


def _printable(paragraphs: list[list[str]]) -> tuple[list[TTFont], list[list[str]]]:
    """The fonts that draw the paragraphs, and the paragraphs as they can be drawn: tabs as
    spaces, invisible characters dropped.

    Any other character no font has a glyph for is a 422: a letter with empty boxes
    where a name should be must not go out.
    """
    used = {char for lines in paragraphs for line in lines for char in set(line)}
    invisible = {char for char in used if unicodedata.category(char) in _INVISIBLE}
    fonts, unshown = scripts.fonts_for(used - invisible)
    if unshown:
        others = f" and {len(unshown) - 1} other characters" if len(unshown) > 1 else ""
        raise CannotRender(
            f"a PDF cannot show U+{ord(unshown[0]):04X}{others} of this letter: its fonts "
            f"cover {scripts.COVERED}; format=html or txt can show them"
        )
    table: dict[int, str | None] = {ord(char): None for char in invisible}
    table[ord("\t")] = "    "
    return fonts, [[line.translate(table) for line in lines] for lines in paragraphs]
