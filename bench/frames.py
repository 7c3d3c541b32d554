"""The letter frame's cost: a Latin PDF with a letterhead against the same letter plain
(warm), the first CJK PDF in a fresh interpreter against the first Latin one, and the
files' sizes. The letterhead and logo are ``make run``'s sample (``tools/sample_frames``)."""

import base64
import json
from datetime import UTC, datetime

from bench import children
from bench.measure import PROJECT_DIR, timings
from bench.report import Row, samples_row
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.letters import Letter
from tools.sample_frames import SAMPLE, logo_png

RUNS = 30
DATED = datetime(2026, 12, 1, 9, tzinfo=UTC)
FRESH_RUNS = 5
LETTER = (
    "Dear Anna Müller,\n\nThank you for choosing docgen. This letter confirms your plan and "
    "sets out what it includes, in a few paragraphs of ordinary prose.\n\n"
    * 3
    + "Kind regards,\nThe docgen team"
)
FIRST_PDF = """
import json, sys, time
from datetime import UTC, datetime
start = time.perf_counter()
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letters import Letter
letter_pdf(Letter("c", "Welcome", sys.argv[1], datetime(2026, 12, 1, tzinfo=UTC)))
print(json.dumps(time.perf_counter() - start))
"""


def letters() -> dict[str, Letter]:
    """The plain letter, the same with the sample letterhead and an address, and a CJK one."""
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))["letterheads"]["docgen"]
    logo = {"contentType": "image/png", "data": base64.b64encode(logo_png()).decode()}
    letterhead = Letterhead("docgen", sample["sender"], logo, sample["footer"])
    plain = Letter("AnnaMueller", "Confirmation", LETTER, DATED)
    address = ("Hauptstraße 12", "80331 München", "Deutschland")
    framed = plain._replace(
        recipient="Anna Müller", address=address, letterhead=letterhead, locale="de-DE"
    )
    cjk = plain._replace(text=LETTER.replace("Anna Müller", "山田花子"))
    return {"plain": plain, "letterhead": framed, "CJK": cjk}


def first_pdf(text: str) -> float:
    """Seconds to import the PDF layout and make one letter, in a fresh interpreter."""
    return children.figures(["-c", FIRST_PDF, text], timeout=120, cwd=PROJECT_DIR)


def rows() -> list[Row]:
    made = letters()
    for letter in made.values():
        letter_pdf(letter)  # fonts parsed and the logo embedded once, as in a warm container
    warm = samples_row(
        "warm PDF, Latin letter with letterhead and logo (baseline: the same letter plain)",
        timings(lambda: letter_pdf(made["letterhead"]), RUNS),
        timings(lambda: letter_pdf(made["plain"]), RUNS),
        None,
    )
    cjk = [first_pdf(made["CJK"].text) for _ in range(FRESH_RUNS)]
    latin = [first_pdf(made["plain"].text) for _ in range(FRESH_RUNS)]
    fresh = samples_row(
        "first CJK PDF in a fresh interpreter (baseline: the first Latin PDF)", cjk, latin, None
    )
    sizes = {name: len(letter_pdf(letter)) for name, letter in made.items()}
    size = Row(
        "PDF size: plain, with letterhead and logo, CJK",
        " / ".join(f"{sizes[name] / 1024:.1f} KiB" for name in ("plain", "letterhead", "CJK")),
        "-",
        None,
        "-",
        None,
    )
    return [warm, fresh, size]


if __name__ == "__main__":  # these rows alone: python -m bench.frames
    for row in rows():
        print(" | ".join(row.cells()))
