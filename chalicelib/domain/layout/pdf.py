"""A letter as an A4 or US Letter PDF (ReportLab), in embedded Unicode fonts.

Imported only when a PDF is asked for: ReportLab and the font cost tens of
milliseconds to load, which the txt and html paths never pay.

Lines are wrapped (``body``; a Markdown letter's blocks in ``styled``) and pages
laid out here, in one linear pass, and drawn on ReportLab's canvas. Platypus
paragraphs re-wrap what is left of a paragraph at every page break: a long
letter written as one paragraph took minutes.
A batch's merged PDF (``merged_pdf``) draws each of its letters with the same
:func:`lay_out` and :func:`draw_letter`, onto one canvas. A letter with a frame (a
letterhead or an address) has it laid out and drawn by ``frame_pdf``, loaded only then: a
plain letter's PDF is the same file it was before there were frames.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout import body, frame, scripts
from chalicelib.domain.layout.body import FONT_SIZE, LEADING, Paragraph, Row
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
FOOTER_SIZE, FOOTER_BASELINE = 8.5, frame.PAGE_NUMBER_BASELINE
DATE_GAP = 2 * LEADING
MAX_PAGES = 400
"""About 1 MiB of prose. A 1 MiB letter of one-character lines would be 12,000 pages,
and drawing them takes longer than the function may run."""
ROWS_PER_PAGE = int((A4.height - TOP - FONT_SIZE - BOTTOM) // LEADING) + 1
"""On A4, a plain letter's pages; US Letter's are shorter (checked once laid out)."""

Page = list[tuple[float, Row]]
"""The rows of one page: each baseline's height and its row."""


class LaidOut(NamedTuple):
    """A letter laid out, before anything is drawn."""

    pages: list[Page]
    paper: Paper
    date: list[scripts.Piece]
    """The date line, which a plain letter shows at the top right of its first page."""
    framing: "Framing | None" = None
    """The letterhead, window and footer (``frame_pdf``); ``None``: a plain letter."""


def _top_baseline(paper: Paper) -> float:
    """The first row's baseline on a page: a plain letter's date is there too."""
    return paper.height - TOP - FONT_SIZE


def _paginate(
    paragraphs: list[Paragraph], first_baseline: float, top_baseline: float, bottom: float
) -> list[Page]:
    """Rows onto pages: each paragraph's gap before it, none at the top of a page; a row
    taller than the body's sits lower by what it has more; a ``whole`` paragraph that
    fits on a page starts a new one rather than be split."""
    pages: list[Page] = [[]]
    y = first_baseline
    for index, paragraph in enumerate(paragraphs):
        if index and y != top_baseline:
            y -= paragraph.gap
        if paragraph.whole and y != top_baseline:
            depth = sum(row.leading for row in paragraph.rows) - LEADING
            if y - depth < bottom <= top_baseline - depth:
                pages.append([])
                y = top_baseline
        for row in paragraph.rows:
            y -= row.leading - LEADING
            if y < bottom:
                pages.append([])
                y = top_baseline - (row.leading - LEADING)
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
    others, width = [date, *_frame_texts(letter)], paper.width - LEFT - RIGHT
    max_rows = MAX_PAGES * ROWS_PER_PAGE
    try:
        if letter.markup == "markdown":
            from chalicelib.domain.layout import styled  # markdown-it: only for such a letter

            fonts, table = body.printable({char for text in others for char in text})
            paragraphs = styled.paragraphs(letter.text, width, max_rows)
        else:
            paragraphs, fonts, table = body.plain(letter.paragraphs(), others, width, max_rows)
    except body.Overflow:
        raise _too_many_pages() from None
    framing, date_baseline, bottom = None, _top_baseline(paper), BOTTOM
    if letter.windowed:
        from chalicelib.domain.layout.frame_pdf import lay_out_frame  # only for a frame

        right = paper.width - RIGHT
        framing = lay_out_frame(letter, paper, fonts, partial(_cleaned, table), right, body.wrap)
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


def new_canvas(title: str, subject: str, dated: datetime, paper: Paper = A4) -> Canvas:
    """An empty canvas whose file depends only on what is drawn and on these arguments."""
    canvas = Canvas(
        None,
        pagesize=(paper.width, paper.height),
        invariant=1,
        pageCompression=1,
        initialFontName=FONT,  # not Helvetica: every font the file names is embedded
    )
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
            _draw_date(canvas, paper.width - RIGHT, _top_baseline(paper), laid.date)
        for y, row in page:
            match row:
                case Row([(0.0, [(scripts.PRIMARY, text)])], body.FONT_SIZE, _, ()):  # as before
                    canvas.drawString(LEFT, y, text)
                case _:
                    body.draw_row(canvas, LEFT, y, row)
        if framing is not None:
            frame_pdf.draw_footer(canvas, framing)
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillGray(0.4)
        canvas.drawCentredString(
            paper.width / 2, FOOTER_BASELINE, f"Page {number} of {len(laid.pages)}"
        )
        canvas.showPage()


def _draw_date(canvas: Canvas, right: float, y: float, row: list[scripts.Piece]) -> None:
    """The date line ending at ``right``, in the canvas's font or its pieces' own."""
    match row:
        case [(_, [(scripts.PRIMARY, text)])]:  # one piece in one font: as before
            canvas.drawRightString(right, y, text)
        case _:
            x = right - scripts.row_width(row, FONT_SIZE)
            for dx, parts in row:
                scripts.draw_runs(canvas, x + dx, y, parts, FONT_SIZE)


def _too_many_pages() -> CannotRender:
    return CannotRender(
        f"a PDF of this letter would have more than {MAX_PAGES} pages; "
        "format=html or txt can hold it"
    )
