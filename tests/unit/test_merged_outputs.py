"""A batch's merged PDF, on moto: every letter on pages of its own, numbered "Page X of Y"
afresh, each page as the letter's own PDF shows it; split into numbered parts past the
page limit, never inside a letter."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.domain.layout.pdf import ROWS_PER_PAGE, letter_pdf
from chalicelib.domain.letters import Letter
from chalicelib.services.outputs import write_merged_pdf
from tests.support import AWS, BUCKET, NOW, app_store

BATCH = "_batches/b-1"


@pytest.fixture
def store(aws: AWS) -> S3DocumentStore:
    return app_store(aws)


def letter(customer_id: str, pages: int) -> Letter:
    """A letter of ``pages`` pages: a greeting, then lines that fill them."""
    lines = [f"Line {n} for {customer_id}." for n in range(pages * ROWS_PER_PAGE - 8)]
    text = f"Dear {customer_id};\n" + "\n".join(lines)
    return Letter(customer_id, "Welcome", text, NOW - timedelta(days=pages))


def page_texts(document: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]


def footers(document: bytes) -> list[str]:
    return [text.splitlines()[-1] for text in page_texts(document)]


def stored(aws: AWS, key: str) -> bytes:
    return aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_every_letter_starts_a_page_and_numbers_its_own(store: S3DocumentStore, aws: AWS) -> None:
    letters = [letter("ann", 2), letter("bob", 1), letter("cy", 3)]

    [output] = write_merged_pdf(store, "b-1", "Welcome", iter(letters), NOW)

    document = stored(aws, f"{BATCH}/letters.pdf")
    assert footers(document) == [
        "Page 1 of 2",
        "Page 2 of 2",
        "Page 1 of 1",
        "Page 1 of 3",
        "Page 2 of 3",
        "Page 3 of 3",
    ]
    # Each letter's pages are exactly its own PDF's: the same drawing, its own date.
    assert page_texts(document) == [text for one in letters for text in page_texts(letter_pdf(one))]
    assert page_texts(document)[2].splitlines()[:2] == ["22 November 2026", "Dear bob;"]
    assert (output.key, output.size) == (f"{BATCH}/letters.pdf", len(document))


def test_the_merged_pdf_is_stored_encrypted_with_its_own_title(
    store: S3DocumentStore, aws: AWS
) -> None:
    write_merged_pdf(store, "b-1", "Welcome", [letter("ann", 1)], NOW)

    head = aws.s3.head_object(Bucket=BUCKET, Key=f"{BATCH}/letters.pdf")
    assert (head["ServerSideEncryption"], head["ContentType"]) == ("AES256", "application/pdf")
    metadata = PdfReader(io.BytesIO(stored(aws, f"{BATCH}/letters.pdf"))).metadata
    assert (metadata.title, metadata.subject) == (
        "Welcome letters",
        "the Welcome letters of batch b-1",
    )
    assert metadata.creation_date == datetime(2026, 11, 23, 21, tzinfo=UTC)


def test_past_the_page_limit_parts_are_numbered_and_never_split_a_letter(
    store: S3DocumentStore, aws: AWS
) -> None:
    letters = [letter("ann", 2), letter("bob", 2), letter("cy", 1), letter("dee", 4)]

    outputs = write_merged_pdf(store, "b-1", "Welcome", letters, NOW, pages_per_part=3)

    keys = [f"{BATCH}/letters-{n}.pdf" for n in (1, 2, 3)]
    assert [output.key for output in outputs] == keys
    assert sorted(aws.objects()) == keys  # and no letters.pdf
    parts = [footers(stored(aws, key)) for key in keys]
    assert parts == [
        ["Page 1 of 2", "Page 2 of 2"],  # bob's 2 more would make 4
        ["Page 1 of 2", "Page 2 of 2", "Page 1 of 1"],
        ["Page 1 of 4", "Page 2 of 4", "Page 3 of 4", "Page 4 of 4"],  # longer than a part
    ]
    assert [output.size for output in outputs] == [len(stored(aws, key)) for key in keys]


def test_no_letters_make_no_pdf(store: S3DocumentStore, aws: AWS) -> None:
    assert write_merged_pdf(store, "b-1", "Welcome", [], NOW) == []
    assert aws.objects() == {}
