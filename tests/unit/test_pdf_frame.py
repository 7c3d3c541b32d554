"""A letter's frame in its PDF (API.md, Letter layout): the letterhead, the address block
inside the envelope window on A4 and US Letter, the date in the template's locale, the
footer on every page; read back as readers read it (pypdf, poppler)."""

import base64
import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from chalicelib.domain.layout import frame
from chalicelib.domain.layout.frame import PAPERS, Box
from chalicelib.domain.layout.pdf import lay_out, letter_pdf
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.letters import Letter
from tests.pdf_reading import (
    chunks,
    layout_seconds,
    pdffonts,
    pdftotext_pages,
    render,
    rgb_png,
    shown,
)
from tests.support import fresh_python
from tests.unit.test_pdf_scripts import NAMES

DATED = datetime(2026, 12, 1, 9, tzinfo=UTC)
SENDER = {"name": "Acme GmbH", "addressLines": ["Musterstraße 1", "10115 Berlin"]}
RED = (200, 30, 40)
LOGO = {"contentType": "image/png", "data": base64.b64encode(rgb_png(120, 40, RED)).decode()}
FOOTER = "Acme GmbH · Sitz Berlin · HRB 12345"
LETTERHEAD = Letterhead("acme", SENDER, LOGO, FOOTER)
ADDRESS = ("Musterweg 5", "12345 Köln", "Deutschland")
RETURN_LINE = "Acme GmbH, Musterstraße 1, 10115 Berlin"
FRAME_LINES = [
    RETURN_LINE,
    "Acme GmbH",
    "Musterstraße 1",
    "10115 Berlin",
    "Zoë Łukasz",
    *ADDRESS,
    "1 December 2026",
]
"""A framed letter's first lines as pypdf reads them: the window, the sender, the date."""


def framed(text: str = "Dear Zoë;\nThank you.", **fields: object) -> Letter:
    kept = {"recipient": "Zoë Łukasz", "address": ADDRESS, "letterhead": LETTERHEAD} | fields
    return Letter("c", "Welcome", text, DATED, **kept)  # type: ignore[arg-type]


def inside(box: Box, x: float, top: float, size: float, width: float = 0.0) -> bool:
    """Whether text at ``size`` with its baseline at (``x``, ``top``) lies in ``box``."""
    return (
        box.left <= x
        and x + width <= box.right
        and box.top <= top - 0.8 * size
        and top + 0.25 * size <= box.bottom
    )


def test_a_letter_without_window_is_todays_pdf() -> None:
    """A name alone (no address, no letterhead) changes nothing: no window to show it in."""
    plain = Letter("c", "Welcome", "Dear Ann;\nHello", DATED)

    assert letter_pdf(plain._replace(recipient="Ann")) == letter_pdf(plain)
    assert not plain.windowed


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_pdf_reads_as_the_framed_letter(paper: str) -> None:
    document = letter_pdf(framed(page_size=paper))
    page = PdfReader(io.BytesIO(document)).pages[0]

    assert page.extract_text().splitlines() == [
        *FRAME_LINES,
        "Dear Zoë;",
        "Thank you.",
        FOOTER,
        "Page 1 of 1",
    ]
    assert pdftotext_pages(document) == [
        [
            "Acme GmbH",
            "Musterstraße 1",
            "10115 Berlin",
            RETURN_LINE,
            "Zoë Łukasz",
            *ADDRESS,
            "1 December 2026",
            "Dear Zoë;",
            "Thank you.",
            FOOTER,
            "Page 1 of 1",
        ]
    ]
    expected = (PAPERS[paper].width, PAPERS[paper].height)
    assert tuple(float(side) for side in page.mediabox.upper_right) == pytest.approx(expected)


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_name_and_address_in_any_script_extract_as_written(name: str) -> None:
    """pypdf gives the lines back; pdftotext too, as displayed (it places neutral characters
    at a right-to-left run's edge on its own side, and marks the runs)."""
    address = (f"{name} 12", "Hauptstraße 1")
    letter = framed(f"Dear {name};\nThank you, {name}.", recipient=name, address=address)
    document = letter_pdf(letter)
    lines = PdfReader(io.BytesIO(document)).pages[0].extract_text().splitlines()
    expected = [name, *address, "1 December 2026", f"Dear {name};", f"Thank you, {name}."]

    assert lines[4:-2] == expected
    read = pdftotext_pages(document)[0][4:-2]
    if "لأ" in name or "لا" in name:  # a lam-alef ligature: see docs/letters.md
        assert [shown(line, read=True) for line in read] != [shown(line) for line in expected]
    else:
        assert [shown(line, read=True) for line in read] == [shown(line) for line in expected]


def test_every_font_is_embedded_and_subset() -> None:
    letter = framed("\n".join(NAMES.values()), recipient=NAMES["Chinese"], locale="ja-JP")
    found = pdffonts(letter_pdf(letter))

    assert {font["name"].partition("+")[2] for font in found} == {
        "DejaVuSerif",
        "DejaVuSans",
        "DroidSansFallback",
    }
    assert all(font["emb"] == font["sub"] == "yes" for font in found)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_return_line_and_recipient_lie_inside_the_window(paper: str) -> None:
    long_line = "Very long street name of sixty characters, Apartment 12345 X"
    letter = framed(page_size=paper, address=(*ADDRESS, long_line, "Zone 7", "Land 8"))
    window = PAPERS[paper].window
    drawn = {c.text.strip(): c for c in chunks(letter_pdf(letter))}
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for line in [RETURN_LINE, "Zoë Łukasz", *letter.address]:
        c = drawn[line]
        width = stringWidth(line, c.font, c.size)
        assert inside(window, c.x, c.top, c.size, width), (line, c)
        assert c.x == pytest.approx(window.left + PAPERS[paper].window_inset)
    if paper == "A4":  # too wide for the window at 10 pt: drawn smaller to fit
        assert drawn[long_line].size < PAPERS[paper].recipient_size
    tops = [drawn[line].top for line in [RETURN_LINE, "Zoë Łukasz", *letter.address]]
    assert tops == sorted(tops)
    assert drawn["Dear Zoë;"].top > window.bottom  # the letter starts below the window


def test_a_customer_address_alone_is_shown_in_the_window() -> None:
    letter = framed(letterhead=None)
    drawn = chunks(letter_pdf(letter))

    assert [c.text for c in drawn][:4] == ["Zoë Łukasz", *ADDRESS]
    assert all(inside(frame.A4.window, c.x, c.top, c.size) for c in drawn[:4])


def test_the_footer_and_page_number_are_on_every_page_below_the_text() -> None:
    letter = framed("\n".join(f"Line {n} of a long letter." for n in range(120)))
    document = letter_pdf(letter)
    pages = len(PdfReader(io.BytesIO(document)).pages)

    assert pages == 4
    for number in range(pages):
        drawn = chunks(document, number)
        footer = [c for c in drawn if c.text == FOOTER]
        page_number = [c for c in drawn if c.text.strip() == f"Page {number + 1} of {pages}"]
        body = [c for c in drawn if c.text.startswith("Line ")]
        assert len(footer) == len(page_number) == 1
        assert footer[0].top < page_number[0].top
        assert max(c.top for c in body) + 11 < footer[0].top - 7.5


def test_the_date_is_in_the_templates_locale() -> None:
    drawn = chunks(letter_pdf(framed(locale="de-DE")))

    assert framed(locale="de-DE").date_line == "1. Dezember 2026"
    assert framed().date_line == "1 December 2026"
    date = next(c for c in drawn if c.text == "1. Dezember 2026")
    assert date.top == pytest.approx(frame.A4.date_baseline)


def test_a_plain_letter_in_a_locale_shows_its_date_at_the_top_right() -> None:
    letter = Letter("c", "Welcome", "Dear Ann;", DATED, locale="ja-JP")
    document = letter_pdf(letter)

    assert (
        PdfReader(io.BytesIO(document)).pages[0].extract_text().splitlines()[0] == "2026年12月1日"
    )


def test_the_logo_is_an_image_of_its_size_drawn_in_its_box() -> None:
    document = letter_pdf(framed())
    page = PdfReader(io.BytesIO(document)).pages[0]
    images = [
        xobject.get_object()
        for xobject in page["/Resources"]["/XObject"].values()
        if xobject.get_object()["/Subtype"] == "/Image"
    ]

    assert [(image["/Width"], image["/Height"]) for image in images] == [(120, 40)]
    assert images[0]["/Filter"] == "/FlateDecode"  # the PNG's own rows, undecoded
    assert images[0]["/DecodeParms"]["/Predictor"] == 15
    picture, scale = render(document), 50 / 72
    box = frame.A4.logo
    drawn_height = box.width * 40 / 120  # the box is wider than the logo's aspect
    centre = ((box.left + box.width / 2) * scale, (box.top + drawn_height / 2) * scale)
    assert picture.getpixel(tuple(map(round, centre))) == pytest.approx(RED, abs=8)
    below = (centre[0], (box.top + drawn_height + 3 * frame.MM) * scale)
    assert picture.getpixel(tuple(map(round, below))) == (255, 255, 255)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_rendered_page_has_ink_in_the_window_and_none_beside_it(paper: str) -> None:
    picture, scale = render(letter_pdf(framed(page_size=paper)), dpi=72), 1.0
    window = PAPERS[paper].window
    grey = picture.convert("L")

    def ink(left: float, top: float, right: float, bottom: float) -> int:
        area = grey.crop(tuple(round(v * scale) for v in (left, top, right, bottom)))
        return sum(1 for value in area.tobytes() if value < 200)

    assert ink(window.left, window.top, window.right, window.bottom) > 100
    assert ink(window.right, window.top, PAPERS[paper].width, window.bottom) == 0
    assert ink(0, window.top, window.left, window.bottom) == 0


LOADED = """
import sys
from datetime import UTC, datetime
from chalicelib.domain.documents import FORMATS
from chalicelib.domain.letters import Letter
letter = Letter("c", "d", "Dear Ann;", datetime(2026, 12, 1, tzinfo=UTC), recipient="Ann")
def loaded():
    return [name for name in ("babel", "chalicelib.domain.layout.frame_pdf") if name in sys.modules]
FORMATS["txt"].lay_out(letter), FORMATS["html"].lay_out(letter), FORMATS["pdf"].lay_out(letter)
print(loaded())
FORMATS["pdf"].lay_out(letter._replace(address=("1 Main St",)))
print(loaded())
FORMATS["txt"].lay_out(letter._replace(locale="de-DE"))
print(loaded())
FORMATS["pdf"].lay_out(letter._replace(locale="de-DE"))
print(loaded())
"""


def test_babel_and_the_frame_load_only_for_letters_that_show_them() -> None:
    assert fresh_python(LOADED).splitlines() == [
        "[]",
        "['chalicelib.domain.layout.frame_pdf']",
        "['chalicelib.domain.layout.frame_pdf']",
        "['babel', 'chalicelib.domain.layout.frame_pdf']",
    ]


def test_a_long_framed_letter_is_laid_out_in_linear_time() -> None:
    """The frame is a fixed cost: four times the text takes about four times as long."""

    def seconds(repeat: int) -> float:
        letter = framed("Zoë Łukasz writes a long line of prose. " * repeat)
        return layout_seconds(lambda: lay_out(letter))

    assert seconds(4000) < 8 * seconds(1000)
