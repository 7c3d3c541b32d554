"""Document formats, where documents live in the bucket, and how one is described."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.letters import Letter
from chalicelib.domain.model import spec
from chalicelib.domain.rules import IDENTIFIER_PATTERN


def _plain_text(letter: Letter) -> bytes:
    return letter.text.encode("utf-8")


def _html_page(letter: Letter) -> bytes:
    from chalicelib.domain.layout.html import letter_html

    return letter_html(letter)


def _pdf_file(letter: Letter) -> bytes:
    from chalicelib.domain.layout.pdf import letter_pdf  # ReportLab: only for PDFs

    return letter_pdf(letter)


class DocumentFormat(NamedTuple):
    name: str
    content_type: str
    lay_out: Callable[[Letter], bytes]
    """The letter's bytes in this format; each imports what it needs when first asked."""
    description: str
    framed: bool = True
    """Whether it shows the letter's frame (letterhead, window): its letterhead is read."""

    @property
    def extension(self) -> str:
        return self.name


FORMATS = {
    "txt": DocumentFormat(
        "txt", "text/plain; charset=utf-8", _plain_text, "the letter as UTF-8 text", framed=False
    ),
    "html": DocumentFormat(
        "html",
        "text/html; charset=utf-8",
        _html_page,
        "one printable page with an inline stylesheet, every character of the letter escaped",
    ),
    "pdf": DocumentFormat(
        "pdf",
        "application/pdf",
        _pdf_file,
        "A4 or US Letter, the letterhead and the address in the envelope window, fonts "
        "embedded for every script shown, paragraphs kept, Page X of Y, title and subject "
        "metadata",
    ),
}
DEFAULT_FORMAT = "txt"


def parse_format(value: str | None) -> DocumentFormat:
    """The format a request asked for (``txt`` when it asked for none), or ``InvalidInput``."""
    try:
        return FORMATS[DEFAULT_FORMAT if value is None else value]
    except KeyError:
        raise InvalidInput(f"format must be one of: {', '.join(FORMATS)}") from None


def document_key(customer_id: str, doc_type: str, fmt: DocumentFormat) -> str:
    """The sample's layout: ``<customerId>/<docType>.<ext>``."""
    return f"{customer_id}/{doc_type}.{fmt.extension}"


ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC to the second, with a ``Z``: ``2026-11-23T21:00:00Z``."""
    return moment.strftime(ISO_UTC)


def from_iso_utc(stamp: str) -> datetime:
    """The moment ``iso_utc`` wrote, in UTC; ``ValueError`` for anything else."""
    return datetime.strptime(stamp, ISO_UTC).replace(tzinfo=UTC)


_IDENTIFIER = {"type": "string", "pattern": IDENTIFIER_PATTERN}
_TIME = {"type": "string", "format": "date-time"}


@dataclass(frozen=True)
class StoredDocument:
    """A document as it stands in the bucket, with a fresh download link."""

    customer_id: str = field(metadata=spec("customerId", _IDENTIFIER))
    doc_type: str = field(metadata=spec("docType", _IDENTIFIER))
    format: str = field(metadata=spec("format", {"type": "string", "enum": list(FORMATS)}))
    bucket: str = field(metadata=spec("bucket", {"type": "string"}))
    key: str = field(
        metadata=spec("key", {"type": "string", "description": "`<customerId>/<docType>.<format>`"})
    )
    content_type: str = field(
        metadata=spec(
            "contentType",
            {"type": "string", "enum": [f.content_type for f in FORMATS.values()]},
        )
    )
    size: int = field(
        metadata=spec("size", {"type": "integer", "minimum": 0, "description": "Bytes stored."})
    )
    version_id: str | None = field(
        metadata=spec(
            "versionId", {"type": ["string", "null"], "description": "Set on a versioned bucket."}
        )
    )
    template_version: int | None = field(
        metadata=spec(
            "templateVersion",
            {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Null for an object docgen did not write.",
            },
        )
    )
    """None for an object whose metadata does not say (not written by docgen)."""
    generated_at: str = field(metadata=spec("generatedAt", _TIME))
    url: str = field(
        metadata=spec(
            "url", {"type": "string", "description": "Presigned GET link to the document."}
        )
    )
    url_expires_at: str = field(metadata=spec("urlExpiresAt", _TIME))


@dataclass(frozen=True)
class ListedDocument:
    """A document as a list page shows it."""

    doc_type: str = field(metadata=spec("docType", {"type": "string"}))
    format: str = field(metadata=spec("format", {"type": "string"}))
    key: str = field(metadata=spec("key", {"type": "string"}))
    size: int = field(metadata=spec("size", {"type": "integer", "minimum": 0}))
    last_modified: str = field(metadata=spec("lastModified", _TIME))


class Draft(NamedTuple):
    """A letter laid out and ready to store: its key, its bytes and its object metadata."""

    key: str
    body: bytes
    metadata: dict[str, str]
    letter: Letter
    """The letter before layout: what a batch's merged PDF draws."""


class ObjectHead(NamedTuple):
    """What the bucket says of one object: the storage layer's answer to a describe."""

    size: int
    last_modified: datetime
    version_id: str | None
    metadata: dict[str, str]


class ObjectListing(NamedTuple):
    key: str
    size: int
    last_modified: datetime
