"""What the services and the importer need of storage, whatever provides it: DynamoDB and S3
(``chalicelib.adapters``) or their in-memory twins."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.batches import Batch, BatchLetter, PlanPage
from chalicelib.domain.documents import ObjectHead, ObjectListing
from chalicelib.domain.idempotency import IdempotencyRecord
from chalicelib.domain.model import M
from chalicelib.domain.outcomes import Outcome, Unreadable
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.versions import TemplateVersion
from chalicelib.domain.writes import Expected, Read


class IdempotencyStore(Protocol):
    """Idempotency records (``chalicelib.domain.idempotency``), in the same table."""

    def reserve(self, record: IdempotencyRecord, now: int) -> IdempotencyRecord | None:
        """Write ``record`` in one conditional write, unless a record of its key that still
        counts at ``now`` (neither expired nor abandoned) is there: ``None`` if written,
        else the record that holds the key."""
        ...

    def complete(self, record: IdempotencyRecord) -> None:
        """Store a done record's status and answer, if its ``owner`` still holds the key."""
        ...

    def release(self, record: IdempotencyRecord) -> None:
        """Delete the record, if its ``owner`` still holds the key: the key is free again."""
        ...


class Repository(IdempotencyStore, Protocol):
    """Customers and templates, in and out as domain objects; and idempotency records.

    Every write of a template (``put``, ``put_many``) also stores it as a new immutable
    version (``chalicelib.domain.versions``); ``delete`` removes only the current one.
    """

    def get_customer_and_template(
        self, customer_id: str, doc_type: str, version: int | None = None
    ) -> tuple[Customer | None, Template | None]:
        """Both in one strongly consistent read; with ``version``, the template is that
        version of it (``None`` if it has none by that number)."""
        ...

    def get_version(self, doc_type: str, version: int) -> Template | None:
        """Version ``version`` of the template, even if the template was deleted."""
        ...

    def template_versions(
        self, doc_type: str, limit: int, start: int | None
    ) -> Page[TemplateVersion] | None:
        """Up to ``limit`` of the template's versions, newest first, from ``start`` down (or
        from its newest); ``None`` if the template never existed."""
        ...

    def get(self, model: type[M], identifier: str) -> M | None: ...

    def get_many(self, model: type[M], identifiers: Iterable[str]) -> dict[str, M]:
        """Those of ``identifiers`` (at most 100) that exist, by identifier."""
        ...

    def put(self, record: M, expected: Expected) -> tuple[M, bool]:
        """Store ``record`` as the next version; the stored record, and whether it is new.

        A template's next version is above every number it ever had, deleted or not.
        """
        ...

    def put_many(self, writes: Sequence[tuple[M, Read]]) -> list[Outcome[M]]:
        """Store each record (distinct keys) as the next version after the one it was read
        at, only if it is still at that version; one outcome per write, in order.

        A version number therefore always names one content: a write between the
        read and this one makes a ``Conflict``, never a second content for a version.
        """
        ...

    def delete(self, model: type[M], identifier: str, expected: Expected) -> None: ...

    def page(self, model: type[M], limit: int, after: str | None) -> Page[M]:
        """Up to ``limit`` records (list fields only) after the cursor ``after``."""
        ...

    def customer_ids(self, limit: int, after: str | None) -> tuple[list[str], str | None]:
        """Customer ids a page at a time, from just after the cursor ``after``, and the
        cursor to go on from (``None`` once there are no more)."""
        ...

    def every(self, models: Sequence[type[M]]) -> Iterator[M | Unreadable]:
        """Every stored record of ``models``, whole, a page at a time (never all in memory)."""
        ...


class DocumentStore(Protocol):
    bucket_name: str

    def prepare(self) -> None:
        """Start making ready, in the background, what ``put`` and ``presign`` will need."""
        ...

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        """Store one object; its version id on a versioned bucket."""
        ...

    def presign(
        self, key: str, now: datetime, version_id: str | None = None
    ) -> tuple[str, datetime]:
        """A download link, signed without an AWS call, and when it stops working; to
        ``version_id`` exactly, when given."""
        ...

    def read(self, key: str) -> bytes | None:
        """An object's bytes, or None if there is none."""
        ...

    def head(self, key: str) -> ObjectHead | None: ...

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[ObjectListing], bool]:
        """Up to ``limit`` objects under ``prefix`` after the key ``after``, and if more follow."""
        ...

    def delete(self, key: str) -> None: ...


class BatchStore(Protocol):
    """Batches, their plan pages and their letters' records (``chalicelib.domain.batches``)."""

    def create(self, batch: Batch) -> None:
        """Store a new batch and list it under its day, in one write."""
        ...

    def get(self, batch_id: str) -> Batch | None: ...

    def get_many(self, batch_ids: Sequence[str]) -> dict[str, Batch]: ...

    def ids_on(self, days: Sequence[str]) -> list[str]:
        """The ids of the batches created on ``days``."""
        ...

    def set_webhook(self, batch_id: str, webhook: dict[str, Any]) -> None:
        """Store the webhook's state (``url`` and ``status``)."""
        ...

    def cancel(self, batch_id: str, now: str) -> Batch | None:
        """Cancel a batch still open; the batch as it is then."""
        ...

    def end(self, batch_id: str, status: str, outputs: dict[str, Any], now: str) -> Batch | None:
        """Store how the batch ended, once; the batch, or ``None`` if it had ended."""
        ...

    def mark_finishing(self, batch_id: str, status: str, now: str) -> bool:
        """Note that the finisher was asked for, once: whether this call did."""
        ...

    def record_plan(
        self, batch_id: str, plan: dict[str, Any], total: int | None, now: str
    ) -> Batch | None:
        """Keep how far planning got (with ``total``: it is done); ``None`` if the batch
        is gone or no longer open."""
        ...

    def plan_page(self, batch_id: str, number: int) -> PlanPage | None: ...

    def add_plan_page(self, page: PlanPage, expires_at: int) -> PlanPage:
        """Store ``page`` unless one by its number is stored: the page as stored."""
        ...

    def letters(self, batch_id: str, customer_ids: Iterable[str]) -> dict[str, BatchLetter]: ...

    def read_for_letters(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Items by table key, in one read: what a letter worker needs for its messages."""
        ...

    def begin(self, letters: Sequence[BatchLetter], taking_over: dict[str, str]) -> list[str]:
        """Record letters as ``writing`` where none is recorded (or, for ``taking_over``,
        the abandoned record begun then still is); the customers begun."""
        ...

    def settle(self, batch_id: str, letters: Sequence[BatchLetter], started: set[str]) -> None:
        """Store outcomes and count them in one write; ``LettersMoved`` if another worker
        settled one first."""
        ...


class Queues(Protocol):
    """The batch pipeline's queues: ``plans``, ``letters``, ``finishes``, ``webhooks``."""

    def send(self, name: str, bodies: Sequence[Mapping[str, Any]], delay_seconds: int = 0) -> None:
        """Queue every body (JSON) on the queue ``name``."""
        ...

    def depth(self, name: str) -> int:
        """About how many messages the queue ``name`` holds."""
        ...
