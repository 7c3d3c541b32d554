"""The service layer: what generating a document means, whatever stores it."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from chalice import NotFoundError

from chalicelib.budget import time_budget
from chalicelib.documents import (
    DocumentFormat,
    StoredDocument,
    document_key,
    iso_utc,
    parse_format,
)
from chalicelib.http import decode_token, encode_token, page_size
from chalicelib.identifiers import require_identifier
from chalicelib.letters import Customer, Letter, Template, render_letter
from chalicelib.repository import Repository
from chalicelib.storage import DocumentStore

TIME_BUDGET_SECONDS = 10.0
"""All AWS calls of one request end within this (API Gateway waits 29 s)."""


def _parse_utc(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class LetterService:
    def __init__(
        self,
        repository: Repository,
        store: DocumentStore,
        clock: Callable[[], datetime] = utc_now,
        time_budget_seconds: float = TIME_BUDGET_SECONDS,
    ) -> None:
        self.repository = repository
        self.store = store
        self.clock = clock
        self.time_budget_seconds = time_budget_seconds

    def generate(self, customer_id: str, doc_type: str, format_name: str | None) -> dict:
        """Render the letter in the asked format and store it: one read, one write.

        Every input is checked before the first AWS call, and nothing is
        written unless the document is complete and its link can be signed.
        """
        fmt = parse_format(format_name)
        with time_budget(self.time_budget_seconds):
            template, text = self._compose(customer_id, doc_type)
            generated_at = self.clock()
            letter = Letter(customer_id, doc_type, text, generated_at)
            body = fmt.lay_out(letter)
            key = document_key(customer_id, doc_type, fmt)
            link = self.store.presign(key, generated_at)  # local; a bad setting fails here
            version_id = self.store.put(
                key,
                body,
                fmt.content_type,
                {"template-version": str(template.version), "generated-at": iso_utc(generated_at)},
            )
        document = StoredDocument(
            customer_id=customer_id,
            doc_type=doc_type,
            format=fmt,
            bucket=self.store.bucket,
            key=key,
            size=len(body),
            version_id=version_id,
            template_version=template.version,
            generated_at=generated_at,
        )
        return document.describe(*link)

    def describe(self, customer_id: str, doc_type: str, format_name: str | None) -> dict:
        """A stored document's description with a fresh link: one ``HeadObject``."""
        fmt, key = self._document_key(customer_id, doc_type, format_name)
        with time_budget(self.time_budget_seconds):
            head = self.store.head(key)
        if head is None:
            raise NotFoundError(f"document {key} does not exist")
        metadata = head["metadata"]
        version = metadata.get("template-version", "")
        document = StoredDocument(
            customer_id=customer_id,
            doc_type=doc_type,
            format=fmt,
            bucket=self.store.bucket,
            key=key,
            size=head["size"],
            version_id=head["versionId"],
            template_version=int(version) if version.isdigit() else None,
            generated_at=_parse_utc(metadata.get("generated-at")) or head["lastModified"],
        )
        return document.describe(*self.store.presign(key, self.clock()))

    def list_documents(self, customer_id: str, query: Mapping[str, str]) -> dict:
        """The customer's stored documents, a page at a time (one ``ListObjectsV2``)."""
        prefix = f"{require_identifier('customerId', customer_id)}/"
        limit = page_size(query)
        after = decode_token(query.get("next"), prefix)
        with time_budget(self.time_budget_seconds):
            objects, more = self.store.list(prefix, limit, after)
        items = []
        for obj in objects:
            doc_type, _, extension = obj["key"][len(prefix) :].rpartition(".")
            items.append(
                {
                    "docType": doc_type,
                    "format": extension,
                    "key": obj["key"],
                    "size": obj["size"],
                    "lastModified": iso_utc(obj["lastModified"]),
                }
            )
        return {"items": items, "next": encode_token(objects[-1]["key"]) if more else None}

    def delete_document(self, customer_id: str, doc_type: str, format_name: str | None) -> None:
        """Delete a stored document, or 404 if none: ``HeadObject``, then ``DeleteObject``."""
        _, key = self._document_key(customer_id, doc_type, format_name)
        with time_budget(self.time_budget_seconds):
            if self.store.head(key) is None:
                raise NotFoundError(f"document {key} does not exist")
            self.store.delete(key)

    @staticmethod
    def _document_key(
        customer_id: str, doc_type: str, format_name: str | None
    ) -> tuple[DocumentFormat, str]:
        """Check all three before any AWS call; the format and the object's key."""
        require_identifier("customerId", customer_id)
        require_identifier("docType", doc_type)
        fmt = parse_format(format_name)
        return fmt, document_key(customer_id, doc_type, fmt)

    def preview(self, doc_type: str, body: Mapping[str, Any]) -> dict:
        """The letter ``generate`` would write, for a stored or an inline customer; no write.

        A stored customer goes through exactly generation's read and render.
        An inline one has no ``customerId``: it renders as the empty string.
        """
        with time_budget(self.time_budget_seconds):
            if "customerId" in body:
                return {"text": self._compose(body["customerId"], doc_type)[1]}
            require_identifier("docType", doc_type)
            template = self.repository.get_template(doc_type)
        if template is None:
            raise NotFoundError(f"template {doc_type} does not exist")
        inline = body["customer"]
        customer = Customer("", inline["name"], inline.get("attributes", {}))
        return {"text": render_letter(customer, template)}

    def _compose(self, customer_id: str, doc_type: str) -> tuple[Template, str]:
        """Check the identifiers, read both items in one call, render the letter."""
        require_identifier("customerId", customer_id)
        require_identifier("docType", doc_type)
        customer, template = self.repository.get_customer_and_template(customer_id, doc_type)
        if customer is None:
            raise NotFoundError(f"customer {customer_id} does not exist")
        if template is None:
            raise NotFoundError(f"template {doc_type} does not exist")
        return template, render_letter(customer, template)
