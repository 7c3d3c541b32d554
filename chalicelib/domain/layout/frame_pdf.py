"""A letter's frame on its PDF pages: the letterhead (logo, sender), the return line and
the recipient in the envelope window, and the letterhead's footer on every page.

Imported by ``pdf.lay_out`` only for a letter that has a window (a letterhead or an
address): a plain letter's PDF loads none of this and stays as it was. Every text is
drawn on one line in the place ``frame`` gives it; one too wide for its place is drawn
smaller until it fits, down to 60% of its size, so nothing leaves the window; one still
too wide at that size (a return line of a long name and six long lines) is cut.
"""

from collections.abc import Callable
from typing import NamedTuple

from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.layout import frame, scripts
from chalicelib.domain.layout.frame import Paper
from chalicelib.domain.layout.images import PdfImage, draw_image, logo_image
from chalicelib.domain.letters import Letter

Row = list[scripts.Piece]
Wrap = Callable[[str, float, Callable[[str], float]], list[str]]
"""``pdf``'s word wrap: a line, a width and a measure give the line's rows."""
FONT_SIZE, FOOTER_BASELINE = frame.TEXT_SIZE, frame.PAGE_NUMBER_BASELINE

_SMALLEST = 0.6
"""A text is drawn at no less than this share of its size; past that, it is cut to fit."""
_GAP = 5 * frame.MM
"""Between the logo and the sender's lines; above the footer, below the letter's text."""


class Label(NamedTuple):
    """One line of the frame, placed: its left end, baseline (PDF coordinates), size, text."""

    x: float
    y: float
    size: float
    row: Row
    gray: float = 0.0


class Framing(NamedTuple):
    """The frame of one letter, laid out before anything is drawn."""

    first: list[Label]
    """On the first page: the sender, the return line, the recipient and the date."""
    footer: list[Label]
    """On every page, above "Page X of Y"."""
    logo: tuple[PdfImage, float, float, float, float] | None
    """The logo and where it goes: lower left corner, width and height."""
    bottom: float
    """The lowest baseline of the letter's text, above the footer."""


def lay_out_frame(
    letter: Letter,
    paper: Paper,
    fonts: list[TTFont],
    clean: Callable[[str], str],
    right: float,
    wrap: Wrap,
) -> Framing:
    """Where each part of ``letter``'s frame goes on ``paper``; ``clean`` gives a text as it
    can be drawn (``pdf._printable``), ``right`` is where the letter's text ends, ``wrap``
    is the letter's word wrap (``pdf._wrap``)."""
    place = _Placer(paper, fonts, clean, wrap)
    window, first = paper.window, []
    x = window.left + paper.window_inset
    inside = window.width - paper.window_inset
    letterhead = letter.letterhead
    if letterhead is not None:
        sender = letterhead.sender
        lines = list(sender.get("addressLines") or ())
        returned = frame.RETURN_SEPARATOR.join([sender["name"], *lines])
        top = window.top + paper.return_baseline
        first.append(place.left(returned, x, top, paper.return_size, inside, gray=0.3))
        width = right - (paper.logo.right + _GAP if letterhead.logo else frame.MARGIN_LEFT)
        top = paper.sender_baseline
        first.append(place.right(sender["name"], right, top, frame.SENDER_SIZE, width))
        for number, line in enumerate(lines, start=1):
            top = paper.sender_baseline + 4 + number * frame.SENDER_LEADING
            first.append(place.right(line, right, top, frame.SENDER_LINE_SIZE, width, 0.25))
    for number, line in enumerate([letter.recipient, *letter.address]):
        top = window.top + paper.recipient_baseline + number * paper.recipient_leading
        first.append(place.left(line, x, top, paper.recipient_size, inside))
    width = right - frame.MARGIN_LEFT
    first.append(place.right(letter.date_line, right, paper.date_baseline, FONT_SIZE, width))
    footer = _footer(place, letterhead.footer if letterhead else None, paper, right)
    highest = max((label.y for label in footer), default=0.0)
    bottom = max(frame.MARGIN_BOTTOM, highest + FONT_SIZE + _GAP)
    logo = None
    if letterhead is not None and letterhead.logo:
        logo = _logo_box(logo_image(letterhead.logo), paper)
    return Framing(first, footer, logo, bottom)


def _footer(place: "_Placer", text: str | None, paper: Paper, right: float) -> list[Label]:
    """The footer's lines, wrapped to the text's width, centred, the last one lowest."""
    if not text:
        return []
    width = right - frame.MARGIN_LEFT
    measure = scripts.measurer(place.fonts, frame.FOOTER_SIZE)
    rows = [
        row
        for line in text.splitlines()
        if line.strip()
        for row in place.wrap(place.clean(line), width, measure)
    ]
    base = FOOTER_BASELINE + frame.FOOTER_LEADING + 2
    labels = []
    for number, row in enumerate(rows):
        y = base + (len(rows) - 1 - number) * frame.FOOTER_LEADING
        labels.append(place.centred(row, paper.width / 2, y, frame.FOOTER_SIZE, width))
    return labels


def _logo_box(image: PdfImage, paper: Paper) -> tuple[PdfImage, float, float, float, float]:
    """The logo as large as fits its box, its aspect kept, in the box's top left corner."""
    box = paper.logo
    scale = min(box.width / image.width, box.height / image.height)
    width, height = image.width * scale, image.height * scale
    return image, box.left, paper.height - box.top - height, width, height


class _Placer:
    """Lines of the frame as labels: measured, shaped, set in place on the page."""

    def __init__(
        self, paper: Paper, fonts: list[TTFont], clean: Callable[[str], str], wrap: Wrap
    ) -> None:
        self.paper = paper
        self.fonts = fonts
        self.clean = clean
        self.wrap = wrap
        self.measure = scripts.measurer(fonts, 1.0)

    def left(
        self, text: str, x: float, top: float, size: float, width: float, gray: float = 0.0
    ) -> Label:
        line, size = self._fitted(text, size, width)
        return Label(
            x, self.paper.height - top, size, scripts.one_row(line, self.fonts, size), gray
        )

    def right(
        self, text: str, x: float, top: float, size: float, width: float, gray: float = 0.0
    ) -> Label:
        label = self.left(text, x, top, size, width, gray)
        return label._replace(x=x - scripts.row_width(label.row, label.size))

    def centred(self, text: str, x: float, y: float, size: float, width: float) -> Label:
        label = self.left(text, x, self.paper.height - y, size, width, 0.4)
        return label._replace(x=x - scripts.row_width(label.row, label.size) / 2)

    def _fitted(self, text: str, size: float, width: float) -> tuple[str, float]:
        """The line, cut if it must be, and the size it fits ``width`` in."""
        line = self.clean(text)
        shown = scripts.shaped(line) if scripts.is_rtl(line) else line
        natural = self.measure(shown) * size
        if natural <= width:
            return line, size
        if natural * _SMALLEST <= width:
            return line, size * width / natural
        measure = scripts.measurer(self.fonts, size * _SMALLEST)
        return self.wrap(line, width, measure)[0], size * _SMALLEST


def draw_first(canvas: Canvas, framing: Framing) -> None:
    """The letterhead, window and date, on the first page."""
    if framing.logo is not None:
        draw_image(canvas, *framing.logo)
    _draw(canvas, framing.first)


def draw_footer(canvas: Canvas, framing: Framing) -> None:
    _draw(canvas, framing.footer)


def _draw(canvas: Canvas, labels: list[Label]) -> None:
    for label in labels:
        canvas.setFillGray(label.gray)
        for x, parts in label.row:
            scripts.draw_runs(canvas, label.x + x, label.y, parts, label.size)
    canvas.setFillGray(0)
