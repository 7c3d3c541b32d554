"""Where a letter's frame goes on its paper: one source for the PDF and the HTML print CSS.

Lengths are PDF points (1/72 in), measured from the page's top left corner, as DIN 5008
and envelope makers give them. docs/letters.md explains each number.

- **A4**, DIN 5008 form B: the address field (the window of a DL or C5/6 envelope) is 20 mm
  from the left, 45 mm from the top, 85 x 45 mm; text in it starts 5 mm in, at 25 mm, the
  letter's left margin.
- **US Letter**, the #10 window envelope (9.5 x 4.125 in, window 4.5 x 1.125 in, 7/8 in
  from its left and 1/2 in from its bottom): a letter folded in three has a top panel of
  11/3 in; resting on its fold at the envelope's bottom, the window shows the panel from
  2.04 to 3.17 in below its top edge, and from 7/8 in from its left. The window here is
  that, rounded inwards: 7/8 in from the left, 2 in from the top, 4.5 x 1.125 in; text
  starts 1/8 in in, at 1 in.
"""

from dataclasses import dataclass

INCH = 72.0
MM = INCH / 2.54 * 0.1
"""As ReportLab's ``units.mm``: the same float, so today's A4 PDF stays byte for byte."""


@dataclass(frozen=True)
class Box:
    """A rectangle: its left edge and top edge from the page's top left, and its size."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class Paper:
    """One page size and where each part of a letter's frame goes on it."""

    name: str
    """As a template's ``pageSize`` names it."""
    css: str
    """CSS's ``@page`` size keyword."""
    unit: float
    """The unit print CSS states lengths in: mm for A4, inches for Letter."""
    unit_name: str
    width: float
    height: float
    window: Box
    """The envelope's window: the return line, then the recipient's name and address."""
    window_inset: float
    """From the window's left edge to its text."""
    return_baseline: float
    """The return line's baseline, below the window's top."""
    return_size: float
    recipient_baseline: float
    """The recipient's first line's baseline, below the window's top."""
    recipient_size: float
    recipient_leading: float
    logo: Box
    """The logo is drawn as large as fits here, its aspect kept, in the top left corner."""
    sender_baseline: float
    """The sender's name, set right, has its baseline this far from the top."""
    date_baseline: float
    """The date's baseline, from the top, when the letter has a window: below the window."""

    def css_length(self, points: float) -> str:
        """``points`` in the unit print CSS uses for this paper: ``45mm``, ``2in``."""
        return f"{points / self.unit:.4g}{self.unit_name}"


MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25 * MM, 22 * MM, 25 * MM, 25 * MM
"""The letter's text margins, on both papers: a plain letter's layout is today's."""
TEXT_SIZE = 11
"""The letter's text, and its date."""
PAGE_NUMBER_BASELINE = 13 * MM
""""Page X of Y", from the page's bottom."""
SENDER_SIZE, SENDER_LINE_SIZE, SENDER_LEADING = 12.0, 8.0, 10.0
RETURN_SEPARATOR = ", "
"""Between the sender's name and address lines on the one-line return address."""
FOOTER_SIZE, FOOTER_LEADING = 7.5, 9.0
"""The letterhead's footer, rows above "Page X of Y"."""

A4 = Paper(
    name="A4",
    css="A4",
    unit=MM,
    unit_name="mm",
    width=210 * MM,
    height=297 * MM,
    window=Box(20 * MM, 45 * MM, 85 * MM, 45 * MM),
    window_inset=5 * MM,
    return_baseline=5 * MM,
    return_size=7.0,
    recipient_baseline=12 * MM,
    recipient_size=10.0,
    recipient_leading=12.0,
    logo=Box(MARGIN_LEFT, 10 * MM, 60 * MM, 22 * MM),
    sender_baseline=15 * MM,
    date_baseline=100 * MM,
)
LETTER = Paper(
    name="Letter",
    css="letter",
    unit=INCH,
    unit_name="in",
    width=8.5 * INCH,
    height=11 * INCH,
    window=Box(0.875 * INCH, 2 * INCH, 4.5 * INCH, 1.125 * INCH),
    window_inset=0.125 * INCH,
    return_baseline=7.0,
    return_size=6.5,
    recipient_baseline=18.0,
    recipient_size=8.5,
    recipient_leading=9.5,
    logo=Box(MARGIN_LEFT, 0.45 * INCH, 2.2 * INCH, 0.85 * INCH),
    sender_baseline=0.6 * INCH,
    date_baseline=3.5 * INCH,
)
PAPERS = {paper.name: paper for paper in (A4, LETTER)}
"""By ``rules.PAGE_SIZES``."""
