"""The sample letterhead, customers and templates ``make run`` seeds: written as the API
writes them, and every framed letter they make drawn in its window, in every script."""

import base64
import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from chalicelib.adapters.memory import InMemoryDocumentStore, InMemoryRepository
from chalicelib.domain.documents import FORMATS
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.logos import decode_logo
from chalicelib.domain.records import Customer, Template
from chalicelib.services.letters import LetterService
from tools.sample_frames import LOGO_SIZE, logo_png, seed_frames

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded() -> InMemoryRepository:
    repository = InMemoryRepository()
    seed_frames(repository)
    return repository


def test_the_logo_is_the_same_sound_png_every_time() -> None:
    assert logo_png() == logo_png()
    assert decode_logo("image/png", base64.b64encode(logo_png()).decode()) == LOGO_SIZE


def test_the_templates_name_the_letterhead_and_it_counts_them(seeded: InMemoryRepository) -> None:
    templates = [seeded.get(Template, name) for name in ("Confirmation", "ConfirmationUS")]

    assert [(t.letterhead, t.page_size, t.locale) for t in templates] == [
        ("docgen", "A4", "de-DE"),
        ("docgen", "Letter", "en-US"),
    ]
    assert seeded.items["H#docgen"]["templates"] == 3  # and PlanSummary, the Markdown one


CUSTOMERS = ["AnnaMueller", "ElenaPapadopoulou", "YamadaHanako", "SaraAhmad", "JohnSmith"]


@pytest.mark.parametrize("customer_id", CUSTOMERS)
@pytest.mark.parametrize("doc_type", ["Confirmation", "ConfirmationUS", "PlanSummary"])
def test_every_sample_letter_shows_its_address_block(
    seeded: InMemoryRepository, customer_id: str, doc_type: str
) -> None:
    letters = LetterService(seeded, InMemoryDocumentStore(), clock=lambda: NOW)
    customer, template = seeded.get(Customer, customer_id), seeded.get(Template, doc_type)
    letterhead = seeded.get(Letterhead, "docgen")

    draft = letters.draft(customer, template, FORMATS["pdf"], NOW, letterhead)

    lines = PdfReader(io.BytesIO(draft.body)).pages[0].extract_text().splitlines()
    sender = letterhead.sender
    assert lines[0] == ", ".join([sender["name"], *sender["addressLines"]])  # the return line
    assert lines[5 : 6 + len(customer.address)] == [customer.name, *customer.address]
