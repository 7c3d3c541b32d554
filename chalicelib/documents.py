"""Document formats, where documents live in the bucket, and how one is described."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalice import BadRequestError

from chalicelib.letters import Letter


def _plain_text(letter: Letter) -> bytes:
    return letter.text.encode("utf-8")


def _html_page(letter: Letter) -> bytes:
    from chalicelib.letter_html import letter_html

    return letter_html(letter)


def _pdf_file(letter: Letter) -> bytes:
    from chalicelib.letter_pdf import letter_pdf  # ReportLab: only for PDFs

    return letter_pdf(letter)


@dataclass(frozen=True)
class DocumentFormat:
    name: str
    content_type: str
    lay_out: Callable[[Letter], bytes]
    """The letter's bytes in this format; each imports what it needs when first asked."""

    @property
    def extension(self) -> str:
        return self.name


FORMATS = {
    "txt": DocumentFormat("txt", "text/plain; charset=utf-8", _plain_text),
    "html": DocumentFormat("html", "text/html; charset=utf-8", _html_page),
    "pdf": DocumentFormat("pdf", "application/pdf", _pdf_file),
}
DEFAULT_FORMAT = "txt"


def parse_format(value: str | None) -> DocumentFormat:
    """The format a request asked for (``txt`` when it asked for none), or a 400."""
    try:
        return FORMATS[DEFAULT_FORMAT if value is None else value]
    except KeyError:
        raise BadRequestError(f"format must be one of: {', '.join(FORMATS)}") from None


def document_key(customer_id: str, doc_type: str, fmt: DocumentFormat) -> str:
    """The sample's layout: ``<customerId>/<docType>.<ext>``."""
    return f"{customer_id}/{doc_type}.{fmt.extension}"


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC to the second, with a ``Z``: ``2026-11-23T21:00:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class StoredDocument:
    """A document as it stands in the bucket."""

    customer_id: str
    doc_type: str
    format: DocumentFormat
    bucket: str
    key: str
    size: int
    version_id: str | None
    template_version: int | None
    """None for an object whose metadata does not say (not written by docgen)."""
    generated_at: datetime

    def describe(self, url: str, url_expires_at: datetime) -> dict:
        """The contract's JSON description, with a download link."""
        return {
            "customerId": self.customer_id,
            "docType": self.doc_type,
            "format": self.format.name,
            "bucket": self.bucket,
            "key": self.key,
            "contentType": self.format.content_type,
            "size": self.size,
            "versionId": self.version_id,
            "templateVersion": self.template_version,
            "generatedAt": iso_utc(self.generated_at),
            "url": url,
            "urlExpiresAt": iso_utc(url_expires_at),
        }
