"""Markdown letters as PDF: each construct drawn in its font and place, read back in order."""

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout.html import letter_html
from chalicelib.domain.layout.pdf import MAX_PAGES, lay_out, letter_pdf
from chalicelib.domain.letters import Letter
from tests.pdf_reading import layout_seconds
from tests.unit.test_pdf_frame import FOOTER, FRAME_LINES, framed

ROOT = Path(__file__).resolve().parents[2]
DATED = datetime(2026, 11, 23, 21, tzinfo=UTC)
LETTER = """Dear Ann;
# Your **renewal**

Some **bold**, *italic*, ***both*** and `code`, a [link](https://example.com/terms), and
<script>alert(1)</script> <img src=x onerror=alert(1)> as written.

1. First
2. Second
   - inner
3. Third

> Quoted

| Plan | Price |
|------|------:|
| Gold | 12.50 |
| Silver | 8.00 |

```
x = 1
```

---
![Logo](https://example.com/logo.png) Yours,
Acme"""


def pdf_of(text: str) -> bytes:
    return letter_pdf(Letter("TestCustomer", "Welcome", text, DATED, markup="markdown"))


def pages(document: bytes) -> list[list[str]]:
    """Each page's lines as pypdf extracts them, without the page number."""
    reader = PdfReader(io.BytesIO(document))
    return [page.extract_text().splitlines()[:-1] for page in reader.pages]


def drawn(document: bytes) -> list[tuple[str, float, str]]:
    """Every text run on the first page: its font (subset prefix dropped), size and text."""
    runs: list[tuple[str, float, str]] = []

    def visit(text: str, cm: list, tm: list, font: dict | None, size: float) -> None:
        if text.strip() and font is not None:
            runs.append((font["/BaseFont"].partition("+")[2], round(size, 1), text.strip()))

    PdfReader(io.BytesIO(document)).pages[0].extract_text(visitor_text=visit)
    return runs


def test_the_letter_reads_back_in_order() -> None:
    assert pages(pdf_of(LETTER)) == [
        [
            "23 November 2026",
            "Dear Ann;",
            "Your renewal",
            "Some bold, italic, both and code, a link, and",
            "<script>alert(1)</script> <img src=x onerror=alert(1)> as written.",
            "1. First",
            "2. Second",
            "◦ inner",
            "3. Third",
            "Quoted",
            "Plan Price",
            "Gold 12.50",
            "Silver 8.00",
            "x = 1",
            "Logo Yours,",
            "Acme",
        ]
    ]


def test_each_style_is_drawn_in_its_font() -> None:
    runs = drawn(pdf_of(LETTER))

    assert ("DejaVuSerif-Bold", 17.5, "Your renewal") in runs
    assert ("DejaVuSerif-Bold", 11.0, "bold") in runs
    assert ("DejaVuSerif-Italic", 11.0, "italic") in runs
    assert ("DejaVuSerif-BoldItalic", 11.0, "both") in runs
    assert ("DejaVuSansMono", 11.0, "code") in runs
    assert ("DejaVuSansMono", 9.5, "x = 1") in runs
    assert ("DejaVuSerif-Bold", 11.0, "Plan") in runs  # a table's header row
    assert ("DejaVuSerif", 11.0, "Gold") in runs
    assert ("DejaVuSerif", 11.0, "1.") in runs


@pytest.mark.parametrize(
    ("heading", "size"), [("#", 17.5), ("##", 15.0), ("###", 13.0), ("####", 12.0), ("#####", 11.0)]
)
def test_headings_are_bold_and_larger_by_level(heading: str, size: float) -> None:
    assert drawn(pdf_of(f"{heading} Title"))[1] == ("DejaVuSerif-Bold", size, "Title")


def test_what_a_style_font_lacks_is_drawn_by_the_fallbacks() -> None:
    runs = drawn(pdf_of("**Dear 王小明, Ελένη**"))

    assert runs[1:-1] == [
        ("DejaVuSerif-Bold", 11.0, "Dear"),
        ("DroidSansFallback", 11.0, "王小明"),
        ("DejaVuSerif-Bold", 11.0, ", Ελένη"),
    ]
    assert pages(pdf_of("**Dear 王小明, Ελένη**"))[0][1] == "Dear 王小明, Ελένη"


@pytest.mark.parametrize(
    "text",
    ["**שלום עולם** and more", "Hi *there* **שלום עולם** end", "# سارة الأحمد", "> مرحبا يا سارة"],
)
def test_a_right_to_left_line_reads_back_in_order_whatever_its_styles(text: str) -> None:
    written = text.lstrip("#> ").replace("**", "").replace("*", "")

    assert pages(pdf_of(text))[0][1:] == [written]


def test_every_font_is_embedded_and_subset() -> None:
    found = subprocess.run(
        ["pdffonts", "-"], input=pdf_of(LETTER), capture_output=True, check=True
    ).stdout.decode()
    rows = [line.split() for line in found.splitlines()[2:]]
    truetype = {row[0].partition("+")[2]: row[-5:-2] for row in rows if row[1] == "TrueType"}

    assert truetype == {
        name: ["yes", "yes", "yes"]  # embedded, subset, with a ToUnicode map
        for name in (
            "DejaVuSerif",
            "DejaVuSerif-Bold",
            "DejaVuSerif-Italic",
            "DejaVuSerif-BoldItalic",
            "DejaVuSansMono",
        )
    }


def test_only_web_links_are_link_areas() -> None:
    document = pdf_of(
        "[terms](https://example.com/terms) [x](javascript:alert(1)) [m](mailto:a@b.c)"
    )
    page = PdfReader(io.BytesIO(document)).pages[0]

    uris = [annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]]
    assert uris == ["https://example.com/terms", "mailto:a@b.c"]
    assert pages(document)[0][1] == "terms [x](javascript:alert(1)) m"


def test_long_list_items_hang_under_their_text_and_numbers_count_on() -> None:
    item = " ".join(f"word{n}" for n in range(40))
    document = pdf_of(f"7. {item}\n8. last")
    runs = drawn(document)

    assert [text for _, _, text in runs if text.endswith(".")] == ["7.", "8."]
    lines = pages(document)[0][1:]
    assert lines[0].startswith("7. word0 ") and lines[-1] == "8. last"
    assert " ".join(lines[:-1]).removeprefix("7. ") == item


def test_a_table_of_many_words_wraps_within_its_columns_in_order() -> None:
    words = " ".join(f"w{n}" for n in range(60))
    document = pdf_of(f"| a | b |\n|---|---|\n| {words} | end |")

    lines = pages(document)[0][1:]
    assert lines[0] == "a b"
    assert lines[1].endswith(" end") and lines[1].startswith("w0 w1 ")
    assert " ".join(lines[1:]).replace(" end", "") == words


def test_a_table_row_is_not_split_across_pages() -> None:
    """With the filler one paragraph longer each time, the row's page end comes to fall
    within it at some point: the whole row then starts the next page."""
    row = " ".join(f"cell{n}" for n in range(40))
    moved = 0
    for paragraphs in range(20, 30):
        filler = "\n\n".join(f"Paragraph {n}." for n in range(paragraphs))
        laid = pages(pdf_of(f"{filler}\n\n| a |\n|---|\n| {row} |"))

        assert [" ".join(page).count(row) for page in laid][-1] == 1
        moved += len(laid) == 2 and laid[0][-1] == "a"
    assert moved


def test_a_table_too_wide_for_the_page_is_refused() -> None:
    header = "|" + "a|" * 20

    with pytest.raises(CannotRender, match=r"^a table of 20 columns is too wide for a PDF page"):
        lay_out(Letter("c", "Welcome", f"{header}\n|{'-|' * 20}", DATED, markup="markdown"))


def test_the_same_letter_is_the_same_pdf() -> None:
    assert pdf_of(LETTER) == pdf_of(LETTER)


LOADED = """
import json, sys
from datetime import UTC, datetime
from reportlab.pdfbase import pdfmetrics
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letters import Letter
dated = datetime(2026, 1, 1, tzinfo=UTC)
letter_pdf(Letter("c", "Welcome", sys.argv[1], dated, markup=sys.argv[2]))
names = pdfmetrics.getRegisteredFontNames()
dejavu = sorted(name for name in names if name.startswith("DejaVu"))
print(json.dumps([dejavu, "markdown_it" in sys.modules]))
"""


@pytest.mark.parametrize(
    ("text", "markup", "loaded"),
    [
        ("Dear **Ann**;", "text", [["DejaVuSerif"], False]),
        ("Dear Ann;\n# Hello", "markdown", [["DejaVuSerif", "DejaVuSerif-Bold"], True]),
        ("Dear *Ann*; `x`", "markdown",
         [["DejaVuSansMono", "DejaVuSerif", "DejaVuSerif-Italic"], True]),
        ("Dear Ann;", "markdown", [["DejaVuSerif"], True]),
    ],
)  # fmt: skip
def test_a_style_font_is_parsed_only_for_a_letter_that_uses_it(
    text: str, markup: str, loaded: list
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", LOADED, text, markup], cwd=ROOT, capture_output=True, check=True
    )

    assert json.loads(run.stdout) == loaded


MEBIBYTE = 1024 * 1024
SECTION = (
    "## A heading\n\n"
    + (
        "Plain words with **a bold phrase** and *an emphasised one* among them, and a "
        "[link](https://example.com/terms). "
        + "More words that run on as a letter's prose does, sentence after sentence. " * 8
        + "\n\n"
    )
    * 4
    + "- a point\n- another point\n\n> A quoted remark.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
)


def test_a_mebibyte_of_markdown_is_laid_out_within_the_page_limit() -> None:
    """As for a text letter, the work is bounded by the PDF's pages (``MAX_PAGES``)."""
    text = SECTION * (MEBIBYTE // len(SECTION))
    assert len(text.encode()) > MEBIBYTE - len(SECTION)

    laid = lay_out(Letter("c", "Welcome", text, DATED, markup="markdown"))

    assert 300 < len(laid.pages) <= MAX_PAGES


def test_markdown_is_laid_out_in_linear_time() -> None:
    """Four times the text takes about four times as long (a quadratic pass: sixteen)."""

    def seconds(repeat: int) -> float:
        letter = Letter("c", "Welcome", SECTION * repeat, DATED, markup="markdown")
        return layout_seconds(lambda: lay_out(letter))

    assert seconds(40) < 8 * seconds(10)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_a_framed_markdown_letter_has_its_frame_and_its_formatting(paper: str) -> None:
    letter = framed("Dear Zoë;\n# Notice\n\n- **Due** soon", page_size=paper, markup="markdown")
    document = letter_pdf(letter)

    assert PdfReader(io.BytesIO(document)).pages[0].extract_text().splitlines() == [
        *FRAME_LINES,
        "Dear Zoë;",
        "Notice",
        "• Due soon",
        FOOTER,
        "Page 1 of 1",
    ]
    assert ("DejaVuSerif-Bold", 17.5, "Notice") in drawn(document)
    page = letter_html(letter).decode()
    assert '<main class="framed">' in page
    assert '<div class="letter markdown">\n<p>Dear Zoë;</p>\n<h1>Notice</h1>' in page


def test_table_columns_are_aligned_as_written() -> None:
    document = pdf_of("| L | R | C |\n|:--|--:|:-:|\n| a | 12.50 | mid |\n| abc | 1.0 | x |")
    starts: dict[str, float] = {}

    def visit(text: str, cm: list, tm: list, font: dict | None, size: float) -> None:
        if text.strip():
            starts[text.strip()] = tm[4]

    PdfReader(io.BytesIO(document)).pages[0].extract_text(visitor_text=visit)

    def width(text: str) -> float:
        return pdfmetrics.stringWidth(text, "DejaVuSerif", 11)

    assert starts["a"] == starts["abc"]  # left
    assert starts["12.50"] + width("12.50") == pytest.approx(starts["1.0"] + width("1.0"))
    assert starts["mid"] + width("mid") / 2 == pytest.approx(starts["x"] + width("x") / 2)
    assert starts["1.0"] > starts["12.50"]
