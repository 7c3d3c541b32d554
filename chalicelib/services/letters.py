"""Letters: generate one and store it, describe, list and delete what is stored, preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.documents import (
    DocumentFormat,
    Draft,
    ListedDocument,
    ObjectHead,
    StoredDocument,
    document_key,
    from_iso_utc,
    iso_utc,
)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.letters import framed_letter, render_letter
from chalicelib.domain.model import specs, to_json
from chalicelib.domain.paging import Page, PageRequest
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rules import require_identifier
from chalicelib.services.answers import Answer
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.idempotency import IdempotentRequest
    from chalicelib.domain.letterheads import Letterhead
    from chalicelib.domain.storage import DocumentStore, Repository
    from chalicelib.services.idempotency import IdempotencyService

CREATED = 201
"""The status a generated document is answered with, and remembered with for its key."""
_LINK = ("url", "urlExpiresAt")
"""What a remembered document leaves out: a replay signs a fresh link."""


def _counted_nowhere(format_name: str) -> None:
    """The default for ``on_letter``: tests and tools that count nothing."""


def _check_identifiers(customer_id: str, doc_type: str) -> None:
    """Both identifiers hold, before any AWS call."""
    require_identifier("customerId", customer_id)
    require_identifier("docType", doc_type)


def _parse_utc(value: str | None) -> datetime | None:
    try:
        return from_iso_utc(value or "")
    except ValueError:
        return None


class LetterService:
    def __init__(
        self,
        repository: Repository,
        store: DocumentStore,
        clock: Callable[[], datetime] = utc_now,
        on_letter: Callable[[str], None] = _counted_nowhere,
        default_locale: Callable[[], str] | None = None,
        idempotency: IdempotencyService | None = None,
    ) -> None:
        self.repository = repository
        self.store = store
        self.clock = clock
        self.on_letter = on_letter
        """Called with the format of every letter written: where the metric is counted."""
        self.default_locale = default_locale
        """The stage's, read when a template that names no locale of its own formats."""
        self._idempotency = idempotency

    @property
    def idempotency(self) -> IdempotencyService:
        """Keeps ``Idempotency-Key`` records, in the repository's table by default: built
        (and its module loaded) by the first request that carries a key."""
        if self._idempotency is None:
            from chalicelib.services.idempotency import IdempotencyService

            self._idempotency = IdempotencyService(self.repository, self.clock)
        return self._idempotency

    def generate(
        self,
        customer_id: str,
        doc_type: str,
        fmt: DocumentFormat,
        template_version: int | None = None,
    ) -> StoredDocument:
        """Render the letter in ``fmt`` and store it: one read, one write; one read more
        (``GetItem``) when the template names a letterhead and ``fmt`` shows it.

        With ``template_version``, from that version of the template, else the current
        one. Every input is checked before the first AWS call, and nothing is written
        unless the document is complete and its link can be signed.
        """
        _check_identifiers(customer_id, doc_type)
        self.store.prepare()  # the bucket is built while the read is in flight
        generated_at = self.clock()
        customer, template = self._read(customer_id, doc_type, template_version)
        letterhead = self.letterhead_of(template) if fmt.framed else None
        draft = self.draft(customer, template, fmt, generated_at, letterhead)
        # Signed locally: a bad setting fails here, before anything is written.
        url, expires_at = self.store.presign(draft.key, generated_at)
        version_id = self.store.put(draft.key, draft.body, fmt.content_type, draft.metadata)
        if version_id is not None:  # a versioned bucket: the link names this version
            url, expires_at = self.store.presign(draft.key, generated_at, version_id)
        self.on_letter(fmt.name)
        head = ObjectHead(len(draft.body), generated_at, version_id, draft.metadata)
        # The moment is at hand: parsing it back from the metadata would import _strptime.
        return self._described(customer_id, doc_type, fmt, head, (url, expires_at), generated_at)

    def generate_once(
        self,
        once: IdempotentRequest | None,
        customer_id: str,
        doc_type: str,
        fmt: DocumentFormat,
        template_version: int | None = None,
    ) -> Answer[StoredDocument]:
        """``generate``, once per ``Idempotency-Key`` (``once``; ``None``: no key, and
        nothing more than ``generate``).

        The identifiers are checked before the key's record is written. A retry of the same
        request gets the document as first described, with a fresh link and no new write.
        """
        _check_identifiers(customer_id, doc_type)
        if once is None:
            return Answer(self.generate(customer_id, doc_type, fmt, template_version), CREATED)
        return self.idempotency.run(
            once,
            CREATED,
            lambda: self.generate(customer_id, doc_type, fmt, template_version),
            _DocumentAnswers(self),
        )

    def letterhead_of(self, template: Template) -> Letterhead | None:
        """The letterhead the template names (one ``GetItem``), ``None`` if it names none; a
        404 naming it if it is gone (an old version may name one deleted since)."""
        if template.letterhead is None:
            return None
        from chalicelib.domain.letterheads import Letterhead, missing  # only for a letterhead

        letterhead = self.repository.get(Letterhead, template.letterhead)
        if letterhead is None:
            raise missing(template.letterhead)
        return letterhead

    def draft(
        self,
        customer: Customer,
        template: Template,
        fmt: DocumentFormat,
        generated_at: datetime,
        letterhead: Letterhead | None = None,
    ) -> Draft:
        """The customer's letter from ``template``, laid out in ``fmt`` as of ``generated_at``
        with its frame (the customer's address, ``letterhead``, the template's page size and
        locale): what generating stores, and what a batch stores for each of its letters."""
        text = self._render(customer, template, generated_at)
        letter = framed_letter(customer, template, text, generated_at, letterhead)
        body = fmt.lay_out(letter)
        metadata = {
            "template-version": str(template.version),
            "generated-at": iso_utc(generated_at),
        }
        key = document_key(customer.customer_id, template.doc_type, fmt)
        return Draft(key, body, metadata, letter)

    def describe(self, customer_id: str, doc_type: str, fmt: DocumentFormat) -> StoredDocument:
        """A stored document's description with a fresh link: one ``HeadObject``."""
        key = self._document_key(customer_id, doc_type, fmt)
        head = self.store.head(key)
        if head is None:
            raise NotFound(f"document {key} does not exist")
        link = self.store.presign(key, self.clock(), head.version_id)
        generated_at = _parse_utc(head.metadata.get("generated-at")) or head.last_modified
        return self._described(customer_id, doc_type, fmt, head, link, generated_at)

    def _described(
        self,
        customer_id: str,
        doc_type: str,
        fmt: DocumentFormat,
        head: ObjectHead,
        link: tuple[str, datetime],
        generated_at: datetime,
    ) -> StoredDocument:
        """The description of what ``head`` says is stored, with its download ``link``."""
        version = head.metadata.get("template-version", "")
        url, expires_at = link
        return StoredDocument(
            customer_id=customer_id,
            doc_type=doc_type,
            format=fmt.name,
            bucket=self.store.bucket_name,
            key=document_key(customer_id, doc_type, fmt),
            content_type=fmt.content_type,
            size=head.size,
            version_id=head.version_id,
            template_version=int(version) if version.isdigit() else None,
            generated_at=iso_utc(generated_at),
            url=url,
            url_expires_at=iso_utc(expires_at),
        )

    def list_documents(self, customer_id: str, request: PageRequest) -> Page[ListedDocument]:
        """The customer's stored documents, a page at a time (one ``ListObjectsV2``)."""
        prefix = f"{require_identifier('customerId', customer_id)}/"
        after = request.after_in(prefix)
        objects, more = self.store.list(prefix, request.limit, after)
        items = []
        for obj in objects:
            doc_type, _, extension = obj.key[len(prefix) :].rpartition(".")
            items.append(
                ListedDocument(doc_type, extension, obj.key, obj.size, iso_utc(obj.last_modified))
            )
        return Page(items, objects[-1].key if more else None)

    def delete_document(self, customer_id: str, doc_type: str, fmt: DocumentFormat) -> None:
        """Delete a stored document, or 404 if none: ``HeadObject``, then ``DeleteObject``."""
        key = self._document_key(customer_id, doc_type, fmt)
        if self.store.head(key) is None:
            raise NotFound(f"document {key} does not exist")
        self.store.delete(key)

    @staticmethod
    def _document_key(customer_id: str, doc_type: str, fmt: DocumentFormat) -> str:
        _check_identifiers(customer_id, doc_type)
        return document_key(customer_id, doc_type, fmt)

    def preview(
        self,
        doc_type: str,
        customer: str | Customer,
        template_version: int | None = None,
        draft: Template | None = None,
    ) -> str:
        """The letter ``generate`` would write, for a stored customer (by id) or an inline
        one, from the current template, version ``template_version`` or an unsaved ``draft``;
        nothing is written.

        A stored customer goes through exactly generation's read and render. An inline
        one has no ``customerId``: it renders as the empty string. A draft (never with
        ``template_version``: the body's schema refuses both) is checked as storing it would
        check it (a 400 that gives the line), so an editor can show the letter, and its
        mistakes, before it is saved.
        """
        now = self.clock()
        if draft is not None:
            draft.check()
        if isinstance(customer, str):
            _check_identifiers(customer, doc_type)
            if draft is None:
                return self._render(*self._read(customer, doc_type, template_version), now)
            customer = self._customer(customer)
        require_identifier("docType", doc_type)
        if draft is not None:
            return self._render(customer, draft, now)
        if template_version is None:
            template = self.repository.get(Template, doc_type)
        else:
            template = self.repository.get_version(doc_type, template_version)
        return self._render(customer, _found(template, doc_type, template_version), now)

    def _customer(self, customer_id: str) -> Customer:
        """A stored customer (its id already checked), or the 404."""
        customer = self.repository.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return customer

    def _read(
        self, customer_id: str, doc_type: str, version: int | None
    ) -> tuple[Customer, Template]:
        """Both items in one call (the identifiers already checked), or the 404 for either."""
        customer, template = self.repository.get_customer_and_template(
            customer_id, doc_type, version
        )
        if customer is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return customer, _found(template, doc_type, version)

    def _render(self, customer: Customer, template: Template, now: datetime) -> str:
        """The letter as of ``now``: ``today`` is its date, in UTC."""
        return render_letter(customer, template, now.date(), self.default_locale)


class _DocumentAnswers:
    """A generated document as its key's record keeps it: the description without its link,
    which is signed afresh (locally, no AWS call) each time it is given again."""

    def __init__(self, letters: LetterService) -> None:
        self.letters = letters

    def remember(self, document: StoredDocument) -> dict[str, Any]:
        return {name: value for name, value in to_json(document).items() if name not in _LINK}

    def recall(self, answer: dict[str, Any]) -> StoredDocument:
        store, now = self.letters.store, self.letters.clock()
        url, expires_at = store.presign(answer["key"], now, answer["versionId"])
        kept = {name: answer[s.json] for name, s in specs(StoredDocument) if s.json not in _LINK}
        return StoredDocument(**kept, url=url, url_expires_at=iso_utc(expires_at))


def _found(template: Template | None, doc_type: str, version: int | None) -> Template:
    """The template read, or the 404 that says which one is missing."""
    if template is not None:
        return template
    if version is None:
        raise NotFound(f"template {doc_type} does not exist")
    from chalicelib.domain.versions import no_such_version  # only a pinned version is missing

    raise no_such_version(doc_type, version)
