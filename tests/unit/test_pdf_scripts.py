"""Every script the PDF shows: drawn in embedded subset fonts, extracted as the letter's text."""

import io
import json
import re
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib.domain.layout import scripts
from chalicelib.domain.layout.pdf import lay_out, letter_pdf
from chalicelib.domain.letters import Letter
from tests.pdf_reading import layout_seconds, pdffonts, pdftotext_pages, shown

ROOT = Path(__file__).resolve().parents[2]
DATED = datetime(2026, 11, 23, 21, tzinfo=UTC)
NAMES = {
    "Latin with diacritics": "Zoë Łukasz Ørsted-Núñez",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Мария Иванова",
    "Chinese": "王小明",
    "Japanese": "山田 はなこ カタカナ",
    "Korean": "김민준",
    "Hebrew": "שרה לוי",
    "Arabic": "سارة الأحمد",
    "Arabic lam-alef": "لانا",
    "outside the BMP": "\U0001d434nn \U0001d435ob",  # mathematical italic A, B
    "mixed": "Ann 王 and Ωμέγα",
}
LETTERS = {
    "a Hebrew paragraph": "שלום עולם, תודה רבה.",
    "an Arabic paragraph": "مرحبا يا سارة، كيف حالك؟",
}
SUBSET = re.compile(r"/[A-Z]{6}\+\w+")


def pdf_of(text: str) -> bytes:
    return letter_pdf(Letter("TestCustomer", "Welcome", text, DATED))


def text_lines(document: bytes) -> list[str]:
    """The first page's text, without the date and the page number."""
    return PdfReader(io.BytesIO(document)).pages[0].extract_text().splitlines()[1:-1]


def fonts(document: bytes) -> list[dict]:
    page = PdfReader(io.BytesIO(document)).pages[0]
    return [font.get_object() for font in page["/Resources"]["/Font"].values()]


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_name_in_any_covered_script_extracts_as_written(name: str) -> None:
    text = f"Dear {name};\nThank you, {name}."

    assert text_lines(pdf_of(text)) == text.splitlines()


@pytest.mark.parametrize("text", LETTERS.values(), ids=LETTERS.keys())
def test_a_right_to_left_line_extracts_in_reading_order(text: str) -> None:
    assert text_lines(pdf_of(text)) == [text]


def test_arabic_is_drawn_in_its_contextual_forms() -> None:
    """The glyphs drawn are the joined forms; the text layer holds the letters."""
    forms = scripts.shaped("سارة")

    assert [unicodedata.name(char).rsplit(" ", 2)[-2] for char in forms] == [
        "INITIAL",
        "FINAL",
        "ISOLATED",
        "ISOLATED",
    ]
    assert text_lines(pdf_of("سارة")) == ["سارة"]


def test_every_font_drawn_is_embedded_and_subset() -> None:
    """Each TrueType font embedded, only its used glyphs (a ``ABCDEF+`` name), and no other:
    the page preamble names the body font, not ReportLab's default Helvetica."""
    document = pdf_of("\n".join(NAMES.values()))
    found = fonts(document)
    truetype = [font for font in found if font["/Subtype"] == "/TrueType"]

    assert truetype == found
    assert {font["/BaseFont"].partition("+")[2] for font in truetype} == {
        "DejaVuSerif",
        "DejaVuSans",
        "DroidSansFallback",
    }
    for font in truetype:
        assert SUBSET.fullmatch(font["/BaseFont"]), font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"]
    assert len(document) < 200_000  # the 3.4 MB CJK font's few used glyphs only


@pytest.mark.parametrize("text", [*NAMES.values(), *LETTERS.values()], ids=[*NAMES, *LETTERS])
def test_pdftotext_reads_the_letter_as_displayed(text: str) -> None:
    """poppler marks right-to-left runs and may put a neutral character at their other edge;
    the lines display the same. A lam-alef ligature's two letters come out swapped (its
    ToUnicode entry is reversed with the run): the one difference, see docs/letters.md."""
    letter = f"Dear {text};\nThank you, {text}."
    read = [shown(line, read=True) for line in pdftotext_pages(pdf_of(letter))[0][1:-1]]
    expected = [shown(line) for line in letter.splitlines()]

    assert (read == expected) is not any(pair in text for pair in ("لا", "لأ"))


def test_pdffonts_shows_every_font_embedded_and_subset() -> None:
    found = pdffonts(pdf_of("\n".join(NAMES.values())))

    assert all(font["emb"] == font["sub"] == "yes" for font in found)
    assert len(found) == 3


LOADED = """
import json, sys
from datetime import UTC, datetime
from reportlab.pdfbase import pdfmetrics
from chalicelib.domain.layout import scripts
from chalicelib.domain.layout.pdf import lay_out, letter_pdf
from chalicelib.domain.letters import Letter
letter_pdf(Letter("c", "Welcome", sys.argv[1], datetime(2026, 1, 1, tzinfo=UTC)))
names = (scripts.PRIMARY, *scripts.FALLBACKS)
print(json.dumps([name for name in pdfmetrics.getRegisteredFontNames() if name in names]))
"""


@pytest.mark.parametrize(
    ("text", "loaded"),
    [
        ("Dear Zoë Łukasz, Ελένη, Мария;", ["DejaVuSerif"]),
        ("Dear שרה;", ["DejaVuSerif", "DejaVuSans"]),
        ("Dear 王小明;", ["DejaVuSerif", "DejaVuSans", "DroidSansFallback"]),
    ],
)
def test_a_fallback_font_is_parsed_only_for_a_letter_that_needs_it(
    text: str, loaded: list[str]
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", LOADED, text], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert sorted(json.loads(run.stdout)) == sorted(loaded)


def test_a_long_letter_in_several_scripts_is_laid_out_in_linear_time() -> None:
    """Four times the text takes about four times as long (a quadratic pass: sixteen)."""

    def seconds(repeat: int) -> float:
        letter = Letter("c", "Welcome", "שלום עולם, 王小明 سارة Ann. " * repeat, DATED)
        return layout_seconds(lambda: lay_out(letter))

    assert seconds(2000) < 8 * seconds(500)
