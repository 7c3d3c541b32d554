"""A letter as an A4 or US Letter PDF (ReportLab), in embedded Unicode fonts.

Imported only when a PDF is asked for: ReportLab and the font cost tens of
milliseconds to load, which the txt and html paths never pay.

Lines are wrapped and pages laid out here, in one linear pass, and drawn on
ReportLab's canvas. Platypus paragraphs re-wrap what is left of a paragraph
at every page break: a long letter written as one paragraph took minutes.
A batch's merged PDF (``merged_pdf``) draws each of its letters with the same
:func:`lay_out` and :func:`draw_letter`, onto one canvas. A letter with a frame (a
letterhead or an address) has it laid out and drawn by ``frame_pdf``, loaded only then: a
plain letter's PDF is the same file it was before there were frames.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout import frame, scripts
from chalicelib.domain.layout.frame import A4, PAPERS, Paper
from chalicelib.domain.letters import Letter

if TYPE_CHECKING:
    from chalicelib.domain.layout.frame_pdf import Framing

FONT = scripts.PRIMARY
"""DejaVu Serif for Latin with diacritics, Greek and Cyrillic; fallbacks in ``scripts``."""

LEFT, RIGHT, TOP, BOTTOM = (
    frame.MARGIN_LEFT,
    frame.MARGIN_RIGHT,
    frame.MARGIN_TOP,
    frame.MARGIN_BOTTOM,
)
FONT_SIZE, LEADING, PARAGRAPH_GAP = frame.TEXT_SIZE, 16, 8
FOOTER_SIZE, FOOTER_BASELINE = 8.5, frame.PAGE_NUMBER_BASELINE
DATE_GAP = 2 * LEADING
MAX_PAGES = 400
"""About 1 MiB of prose. A 1 MiB letter of one-character lines would be 12,000 pages,
and drawing them takes longer than the function may run."""
ROWS_PER_PAGE = int((A4.height - TOP - FONT_SIZE - BOTTOM) // LEADING) + 1
"""On A4, a plain letter's pages; US Letter's are shorter (checked once laid out)."""

_WORDS = re.compile(r"\s*\S+")
_INVISIBLE = ("Cc", "Cf")
"""Unicode's control and format characters: nothing to draw, so dropped."""

Row = list[scripts.Piece]
"""A row's text in pieces, each in runs of one font."""
Page = list[tuple[float, Row]]
"""The rows of one page: each baseline's height and its text."""


class LaidOut(NamedTuple):
    """A letter laid out, before anything is drawn."""

    pages: list[Page]
    paper: Paper
    date: Row
    """The date line, which a plain letter shows at the top right of its first page."""
    framing: "Framing | None" = None
    """The letterhead, window and footer (``frame_pdf``); ``None``: a plain letter."""


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


def _top_baseline(paper: Paper) -> float:
    """The first row's baseline on a page: a plain letter's date is there too."""
    return paper.height - TOP - FONT_SIZE


def _paginate(
    paragraphs: list[list[Row]], first_baseline: float, top_baseline: float, bottom: float
) -> list[Page]:
    """Rows onto pages: a gap between paragraphs, none at the top of a page."""
    pages: list[Page] = [[]]
    y = first_baseline
    for index, rows in enumerate(paragraphs):
        if index and y != top_baseline:
            y -= PARAGRAPH_GAP
        for row in rows:
            if y < bottom:
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
    """The letter on its paper (A4 or US Letter): its frame if it has one, the date, then
    its paragraphs over as many pages as needed.

    The output depends only on the letter (``invariant``): the same letter
    generated twice is the same file.
    """
    laid = lay_out(letter)
    canvas = new_canvas(letter.title, letter.subject, letter.dated, laid.paper)
    draw_letter(canvas, laid)
    return canvas.getpdfdata()


def lay_out(letter: Letter) -> LaidOut:
    """The letter's rows on its pages, and its frame, or ``CannotRender`` before anything
    is drawn."""
    paper, date = PAPERS[letter.page_size], letter.date_line
    fonts, printable, table = _printable(letter.paragraphs(), [date, *_frame_texts(letter)])
    if sum(len(lines) for lines in printable) > MAX_PAGES * ROWS_PER_PAGE:
        raise _too_many_pages()  # each line is a row at least: known before wrapping

    measure, width = scripts.measurer(fonts, FONT_SIZE), paper.width - LEFT - RIGHT
    paragraphs = [
        [row for line in lines for row in _rows(line, fonts, measure, width)] for lines in printable
    ]
    framing, date_baseline, bottom = None, _top_baseline(paper), BOTTOM
    if letter.windowed:
        from chalicelib.domain.layout.frame_pdf import lay_out_frame  # only for a frame

        right = paper.width - RIGHT
        framing = lay_out_frame(letter, paper, fonts, partial(_cleaned, table), right, _wrap)
        date_baseline, bottom = paper.height - paper.date_baseline, framing.bottom
    first = date_baseline - LEADING - DATE_GAP
    pages = _paginate(paragraphs, first, _top_baseline(paper), bottom)
    if len(pages) > MAX_PAGES:
        raise _too_many_pages()
    return LaidOut(pages, paper, scripts.one_row(date.translate(table), fonts, FONT_SIZE), framing)


def _cleaned(table: dict[int, str | None], text: str) -> str:
    return text.translate(table)


def _frame_texts(letter: Letter) -> list[str]:
    """What the frame shows besides the date: drawn in the letter's fonts too."""
    if not letter.windowed:
        return []
    texts = [letter.recipient, *letter.address]
    if letter.letterhead is not None:
        sender = letter.letterhead.sender
        texts += [
            sender["name"],
            *(sender.get("addressLines") or ()),
            letter.letterhead.footer or "",
        ]
    return texts


def _rows(
    line: str, fonts: list[TTFont], measure: Callable[[str], float], width: float
) -> list[Row]:
    """A line wrapped to the text's ``width``; one with right-to-left letters shaped first
    and each of its rows in visual order."""
    if len(fonts) == 1 or not scripts.is_rtl(line):  # the primary font has no such letter
        return [[(0.0, scripts.runs(row, fonts))] for row in _wrap(line, width, measure)]
    wrapped = _wrap(scripts.shaped(line), width, measure)
    return [scripts.visual_pieces(row, fonts, FONT_SIZE) for row in wrapped]


def new_canvas(title: str, subject: str, dated: datetime, paper: Paper = A4) -> Canvas:
    """An empty canvas whose file depends only on what is drawn and on these arguments."""
    canvas = Canvas(None, pagesize=(paper.width, paper.height), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setAuthor("docgen")
    canvas.setCreator("docgen")
    canvas.setDateFormatter(_pdf_date(dated))
    return canvas


def draw_letter(canvas: Canvas, laid: LaidOut) -> None:
    """The letter's pages (from :func:`lay_out`) on ``canvas``, after what it holds: its frame
    or the date on the first, and "Page X of Y" of this letter's own at the foot of each."""
    paper, framing = laid.paper, laid.framing
    if framing is not None:
        from chalicelib.domain.layout import frame_pdf
    if canvas._pagesize != (paper.width, paper.height):
        canvas.setPageSize((paper.width, paper.height))
    for number, page in enumerate(laid.pages, start=1):
        if number == 1 and framing is not None:
            frame_pdf.draw_first(canvas, framing)
        canvas.setFont(FONT, FONT_SIZE)
        if number == 1 and framing is None:
            _draw_row(canvas, paper.width - RIGHT, _top_baseline(paper), laid.date, right=True)
        for y, row in page:
            _draw_row(canvas, LEFT, y, row)
        if framing is not None:
            frame_pdf.draw_footer(canvas, framing)
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillGray(0.4)
        canvas.drawCentredString(
            paper.width / 2, FOOTER_BASELINE, f"Page {number} of {len(laid.pages)}"
        )
        canvas.showPage()


def _draw_row(canvas: Canvas, x: float, y: float, row: Row, right: bool = False) -> None:
    """One row of the letter's text at ``x`` (its right end, with ``right``), in the
    canvas's font or its pieces' own."""
    match row:
        case [(_, [(scripts.PRIMARY, text)])]:  # one piece in one font: as before
            (canvas.drawRightString if right else canvas.drawString)(x, y, text)
        case _:
            if right:
                x -= scripts.row_width(row, FONT_SIZE)
            for dx, parts in row:
                scripts.draw_runs(canvas, x + dx, y, parts, FONT_SIZE)


def _too_many_pages() -> CannotRender:
    return CannotRender(
        f"a PDF of this letter would have more than {MAX_PAGES} pages; "
        "format=html or txt can hold it"
    )


def _printable(
    paragraphs: list[list[str]], others: Iterable[str]
) -> tuple[list[TTFont], list[list[str]], dict[int, str | None]]:
    """The fonts that draw the paragraphs and ``others`` (the date, the frame), the
    paragraphs as they can be drawn (tabs as spaces, invisible characters dropped), and the
    table that makes any text so.

    Any other character no font has a glyph for is a 422: a letter with empty boxes
    where a name should be must not go out.
    """
    used = {char for lines in paragraphs for line in lines for char in set(line)}
    used.update(char for text in others for char in text)
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
    return fonts, [[line.translate(table) for line in lines] for lines in paragraphs], table
