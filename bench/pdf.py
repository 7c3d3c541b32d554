"""PDF layout time: docgen's one-pass canvas layout against naive ReportLab platypus, and a
Markdown letter against a text letter of the same words.

The naive baseline is what the ReportLab docs suggest first: one platypus
``Paragraph`` per paragraph, line breaks as ``<br/>``, on a SimpleDocTemplate.
Platypus re-wraps what is left of a paragraph at every page break, so a
long paragraph costs time quadratic in its length.

``python -m bench.pdf`` prints this module's rows alone.
"""

import io
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from bench.measure import timings
from chalicelib.domain.layout.pdf import FONT, letter_pdf
from chalicelib.domain.layout.scripts import load
from chalicelib.domain.letters import Letter

LINES = 400
LONG_LETTER = Letter(
    "TestCustomer",
    "Long",
    "Dear Testing Customer;\n"
    + "\n".join(f"Line {n} of a long letter, which flows onto later pages." for n in range(LINES)),
    datetime(2026, 11, 23, 21, tzinfo=UTC),
)
RUNS = 15
SECTIONS = 40
"""Each a heading, two paragraphs with bold, italic and a link, a list and a table: 10 pages."""


def _section(number: int, markdown: bool) -> str:
    """One section of the Markdown letter, or the same words as a text letter writes them."""
    bold, italic, link = (
        ("**", "*", "[terms](https://example.com/terms)")
        if markdown
        else (
            "",
            "",
            "terms",
        )
    )
    prose = "Words that run on as a letter's prose does, sentence after sentence. " * 3
    lines = [
        f"{'## ' if markdown else ''}Section {number}",
        "",
        f"{prose}A {bold}bold phrase{bold} and an {italic}italic one{italic}, see the {link}.",
        "",
        prose,
        "",
        f"{'- ' if markdown else ''}a first point",
        f"{'- ' if markdown else ''}a second point",
        "",
        *(["| Plan | Price |", "|---|---|"] if markdown else ["Plan Price"]),
        "| Gold | 12.50 |" if markdown else "Gold 12.50",
        "",
    ]
    return "\n".join(lines)


def words_letter(markdown: bool) -> Letter:
    """The bench's Markdown letter, or a text letter of the same words."""
    text = "Dear Testing Customer;\n\n" + "".join(
        _section(number, markdown) for number in range(SECTIONS)
    )
    markup = "markdown" if markdown else "text"
    return LONG_LETTER._replace(doc_type="Sections", text=text, markup=markup)


def naive_pdf(letter: Letter) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    load(FONT)
    style = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=16)
    output = io.BytesIO()
    flowables = [
        Paragraph("<br/>".join(escape(line) for line in lines), style)
        for lines in letter.paragraphs()
    ]
    SimpleDocTemplate(output, pagesize=A4, invariant=True).build(flowables)
    return output.getvalue()


def pdf_times() -> dict[str, tuple[list[float], list[float]]]:
    """``metric -> (docgen seconds, baseline seconds)`` per run, warm: the long letter against
    naive platypus, and the Markdown letter against the text letter of its words."""
    marked, plain = words_letter(True), words_letter(False)
    # Load ReportLab, the fonts and markdown-it first.
    letter_pdf(LONG_LETTER), naive_pdf(LONG_LETTER), letter_pdf(marked)
    metric = f"PDF layout of a {LINES}-line letter, warm (baseline: naive platypus)"
    markdown = (
        f"PDF of a {SECTIONS}-section Markdown letter, warm (baseline: the same words as text)"
    )
    return {
        metric: (
            timings(lambda: letter_pdf(LONG_LETTER), RUNS),
            timings(lambda: naive_pdf(LONG_LETTER), RUNS),
        ),
        markdown: (
            timings(lambda: letter_pdf(marked), RUNS),
            timings(lambda: letter_pdf(plain), RUNS),
        ),
    }


if __name__ == "__main__":
    from bench.report import samples_row, text_table

    rows = [samples_row(metric, *times, None) for metric, times in pdf_times().items()]
    print(text_table(rows))
