"""A finished batch's merged outputs: where they are stored, what one is once written, and
what the services need of storage to write one without holding it whole."""

import json
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.letters import Letter
from chalicelib.domain.rules import MARKUPS

if TYPE_CHECKING:
    from chalicelib.domain.letterheads import Letterhead

BATCH_FILES = "_batches"
"""The bucket's folder of batch files: no customer id starts with ``_``, so none of them
shows in a customer's document list."""
ZIP_NAME = "letters.zip"
PDF_NAME = "letters.pdf"
PAGES_PER_PART = 5_000
"""The most pages in one file of a merged PDF; more make ``letters-1.pdf``, ``letters-2.pdf``...

ReportLab holds a canvas's pages until it makes the file, and then makes it whole: this
bounds both. 5,000 pages of prose (``bench/outputs.py``'s letters, 5,000 of them) made a
4.4 MiB file in 47 MiB at the peak (tracemalloc). A letter is never split: a
part ends before the letter that would pass the limit, and holds more only when that letter
alone is longer (at most ``pdf.MAX_PAGES``, 400, so never at this limit)."""


def batch_file_key(batch_id: str, name: str) -> str:
    """``_batches/<batchId>/<name>``."""
    return f"{BATCH_FILES}/{batch_id}/{name}"


KEPT_TYPE = "application/json"


def kept_key(batch_id: str, customer_id: str) -> str:
    """``_batches/<batchId>/letters/<customerId>.json``: a letter kept for a merged PDF."""
    return batch_file_key(batch_id, f"letters/{customer_id}.json")


def kept_letter(letter: Letter) -> bytes:
    """What a merged PDF draws of a letter besides its letterhead (read once per batch):
    its text and the rest of its frame."""
    kept = {
        "text": letter.text,
        "recipient": letter.recipient,
        "address": list(letter.address),
        "pageSize": letter.page_size,
        "locale": letter.locale,
        "markup": letter.markup,
    }
    return json.dumps(kept, ensure_ascii=False).encode()


def kept_to_letter(
    raw: bytes, customer_id: str, doc_type: str, dated: datetime, letterhead: "Letterhead | None"
) -> Letter:
    """The letter :func:`kept_letter` kept, with its batch's ``letterhead``."""
    kept = json.loads(raw)
    return Letter(
        customer_id,
        doc_type,
        kept["text"],
        dated,
        recipient=kept["recipient"],
        address=tuple(kept["address"]),
        letterhead=letterhead,
        page_size=kept["pageSize"],
        locale=kept["locale"],
        markup=kept.get("markup", MARKUPS[0]),  # kept before letters had a markup: text
    )


def pdf_part_name(number: int, only: bool) -> str:
    """``letters.pdf`` when one part holds every letter, else ``letters-<number>.pdf``."""
    return PDF_NAME if only else f"letters-{number}.pdf"


@dataclass(frozen=True)
class OutputFile:
    """One merged output as stored: what the batch resource shows and signs a link to."""

    key: str
    size: int
    """Bytes stored."""
    version_id: str | None
    """Set on a versioned bucket: a link to exactly this file."""


class Upload(Protocol):
    """A write-only stream into one stored object, which is stored only if the ``with`` block
    ends without an error; otherwise nothing is."""

    size: int
    """Bytes written so far: the object's size once stored."""
    version_id: str | None
    """The stored object's version, on a versioned bucket; known once the block ends."""

    def write(self, data: bytes) -> int: ...

    def flush(self) -> None: ...

    def tell(self) -> int: ...

    def __enter__(self) -> "Upload": ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...


class Uploads(Protocol):
    """Where uploads go: the documents' bucket (``S3DocumentStore``)."""

    def upload(self, key: str, content_type: str) -> Upload:
        """A stream into ``key``, written encrypted like every object of the bucket."""
        ...
