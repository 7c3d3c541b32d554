"""The README's pictures of a letter: page 1 of the sample letters on A4 and US Letter, and
of the Markdown one, rendered by poppler (``pdftoppm -r 60``) into ``docs/images/``.

    python -m tools.letter_images
"""

import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.adapters.memory import InMemoryDocumentStore, InMemoryRepository
from chalicelib.domain.documents import FORMATS
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.records import Customer, Template
from chalicelib.services.letters import LetterService
from tools.sample_frames import seed_frames

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
DATED = datetime(2026, 12, 1, 9, tzinfo=UTC)
PICTURES = {
    "letter-a4": ("AnnaMueller", "Confirmation"),
    "letter-us": ("JohnSmith", "ConfirmationUS"),
    "letter-markdown": ("AnnaMueller", "PlanSummary"),
}


def main() -> None:
    repository = InMemoryRepository()
    seed_frames(repository)
    letters = LetterService(repository, InMemoryDocumentStore(), clock=lambda: DATED)
    letterhead = repository.get(Letterhead, "docgen")
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, (customer_id, doc_type) in PICTURES.items():
        customer, template = (
            repository.get(Customer, customer_id),
            repository.get(Template, doc_type),
        )
        draft = letters.draft(customer, template, FORMATS["pdf"], DATED, letterhead)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
            pdf.write(draft.body)
            pdf.flush()
            command = ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile"]
            subprocess.run([*command, pdf.name, str(IMAGES / name)], check=True)
        print(IMAGES / f"{name}.png")


if __name__ == "__main__":
    main()
