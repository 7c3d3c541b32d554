"""PDF layout time: docgen's one-pass canvas layout against naive ReportLab platypus.

The naive baseline is what the ReportLab docs suggest first: one platypus
``Paragraph`` per paragraph, line breaks as ``<br/>``, on a SimpleDocTemplate.
Platypus re-wraps what is left of a paragraph at every page break, so a
long paragraph costs time quadratic in its length.
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
    """``metric -> (docgen seconds, naive seconds)`` per run, for the long letter, warm."""
    letter_pdf(LONG_LETTER), naive_pdf(LONG_LETTER)  # load the font and ReportLab first
    metric = f"PDF layout of a {LINES}-line letter, warm (baseline: naive platypus)"
    return {
        metric: (
            timings(lambda: letter_pdf(LONG_LETTER), RUNS),
            timings(lambda: naive_pdf(LONG_LETTER), RUNS),
        )
    }
