"""A letter as an A4 PDF (ReportLab), in an embedded Unicode font.

Imported only when a PDF is asked for: ReportLab and the font cost tens of
milliseconds to load, which the txt and html paths never pay.

Lines are wrapped (``body``; a Markdown letter's blocks in ``styled``) and pages
laid out here, in one linear pass, and drawn on ReportLab's canvas. Platypus
paragraphs re-wrap what is left of a paragraph at every page break: a long
letter written as one paragraph took minutes.
A batch's merged PDF (``merged_pdf``) draws each of its letters with the same
:func:`lay_out` and :func:`draw_letter`, onto one canvas.
"""

from collections.abc import Callable
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout import body, scripts
from chalicelib.domain.layout.body import FONT_SIZE, LEADING, Paragraph, Row
from chalicelib.domain.letters import Letter

FONT = scripts.PRIMARY
"""DejaVu Serif for Latin with diacritics, Greek and Cyrillic; fallbacks in ``scripts``."""

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 25 * mm, 22 * mm, 25 * mm, 25 * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
FOOTER_SIZE, FOOTER_BASELINE = 8.5, 13 * mm
DATE_GAP = 2 * LEADING
DATE_BASELINE = PAGE_HEIGHT - TOP - FONT_SIZE
MAX_PAGES = 400
"""About 1 MiB of prose. A 1 MiB letter of one-character lines would be 12,000 pages,
and drawing them takes longer than the function may run."""
ROWS_PER_PAGE = int((PAGE_HEIGHT - TOP - FONT_SIZE - BOTTOM) // LEADING) + 1

Page = list[tuple[float, Row]]
"""The rows of one page: each baseline's height and its row."""


def _paginate(paragraphs: list[Paragraph], first_baseline: float) -> list[Page]:
    """Rows onto pages: each paragraph's gap before it, none at the top of a page; a row
    taller than the body's sits lower by what it has more; a ``whole`` paragraph that
    fits on a page starts a new one rather than be split."""
    top_baseline = PAGE_HEIGHT - TOP - FONT_SIZE
    pages: list[Page] = [[]]
    y = first_baseline
    for index, paragraph in enumerate(paragraphs):
        if index and y != top_baseline:
            y -= paragraph.gap
        if paragraph.whole and y != top_baseline:
            depth = sum(row.leading for row in paragraph.rows) - LEADING
            if y - depth < BOTTOM <= top_baseline - depth:
                pages.append([])
                y = top_baseline
        for row in paragraph.rows:
            y -= row.leading - LEADING
            if y < BOTTOM:
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
    """The letter on A4: the date, then its paragraphs over as many pages as needed.

    The output depends only on the letter (``invariant``): the same letter
    generated twice is the same file.
    """
    canvas = new_canvas(letter.title, letter.subject, letter.dated)
    draw_letter(canvas, letter, lay_out(letter))
    return canvas.getpdfdata()


def lay_out(letter: Letter) -> list[Page]:
    """The letter's rows on its pages, or ``CannotRender`` before anything is drawn."""
    max_rows = MAX_PAGES * ROWS_PER_PAGE
    try:
        if letter.markup == "markdown":
            from chalicelib.domain.layout import styled  # markdown-it: only for such a letter

            paragraphs = styled.paragraphs(letter.text, TEXT_WIDTH, max_rows)
        else:
            paragraphs = body.plain(letter.paragraphs(), TEXT_WIDTH, max_rows)
    except body.Overflow:
        raise _too_many_pages() from None
    pages = _paginate(paragraphs, DATE_BASELINE - LEADING - DATE_GAP)
    if len(pages) > MAX_PAGES:
        raise _too_many_pages()
    return pages


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
                case Row([(0.0, [(scripts.PRIMARY, text)])], body.FONT_SIZE, _, ()):  # as before
                    canvas.drawString(LEFT, y, text)
                case _:
                    body.draw_row(canvas, LEFT, y, row)
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillGray(0.4)
        canvas.drawCentredString(PAGE_WIDTH / 2, FOOTER_BASELINE, f"Page {number} of {len(pages)}")
        canvas.showPage()


def _too_many_pages() -> CannotRender:
    return CannotRender(
        f"a PDF of this letter would have more than {MAX_PAGES} pages; "
        "format=html or txt can hold it"
    )
