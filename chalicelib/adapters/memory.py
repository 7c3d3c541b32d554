"""In-memory twins of the DynamoDB repository and the S3 store, for fast service tests.

They keep the same contracts (``chalicelib.domain.storage``), items in the same item
form and keys, and the same version rules (a template's versions included), so a
service test here means what it would on AWS.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamodb_requests import holds, record_of, version_of
from chalicelib.adapters.s3 import DEFAULT_URL_TTL_SECONDS
from chalicelib.domain.documents import ObjectHead, ObjectListing
from chalicelib.domain.idempotency import IdempotencyRecord, from_record_item, to_record_item
from chalicelib.domain.letterheads import REFERENCES, Letterhead, in_use, missing
from chalicelib.domain.model import (
    M,
    Model,
    from_item,
    identifier_of_key,
    item_key,
    stored_attributes,
    to_item,
)
from chalicelib.domain.outcomes import Conflict, Outcome, Unreadable, Written
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.versions import (
    LATEST,
    TemplateVersion,
    as_version_item,
    head_key,
    is_versioned,
    needs_snapshot,
    newest,
    newest_first,
    next_version,
    pick_version,
    version_key,
    versions_page,
)
from chalicelib.domain.writes import Expected, Read, WriteConflict


class InMemoryRepository:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, *records: Model) -> None:
        """Store records as they are, versions included (as a seeded table holds them)."""
        for record in records:
            item = to_item(record)
            self.items[item["PK"]] = item

    def reserve(self, record: IdempotencyRecord, now: int) -> IdempotencyRecord | None:
        old = self.items.get(record.key)
        if old is not None and not from_record_item(old).counts_as_absent(now):
            return from_record_item(old)
        self.items[record.key] = to_record_item(record)
        return None

    def complete(self, record: IdempotencyRecord) -> None:
        if self._owns(record):
            self.items[record.key] = to_record_item(record)

    def release(self, record: IdempotencyRecord) -> None:
        if self._owns(record):
            del self.items[record.key]

    def _owns(self, record: IdempotencyRecord) -> bool:
        old = self.items.get(record.key)
        return old is not None and old["owner"] == record.owner

    def get_customer_and_template(
        self, customer_id: str, doc_type: str, version: int | None = None
    ) -> tuple[Customer | None, Template | None]:
        if version is None:
            return self.get(Customer, customer_id), self.get(Template, doc_type)
        return self.get(Customer, customer_id), self.get_version(doc_type, version)

    def get_version(self, doc_type: str, version: int) -> Template | None:
        return pick_version(self.items, doc_type, version)

    def template_versions(
        self, doc_type: str, limit: int, start: int | None
    ) -> Page[TemplateVersion] | None:
        current = None
        if start is None:
            current = self.items.get(item_key(Template, doc_type))
            start = newest(version_of(current), self._latest(doc_type))
            if start is None:
                return None
        numbers = newest_first(start, limit)
        return versions_page(doc_type, numbers, limit, self.items, current)

    def _latest(self, doc_type: str) -> int | None:
        head = self.items.get(head_key(doc_type))
        return None if head is None else head[LATEST]

    def get(self, model: type[M], identifier: str) -> M | None:
        item = self.items.get(item_key(model, identifier))
        return None if item is None else from_item(model, item)

    def get_many(self, model: type[M], identifiers: Iterable[str]) -> dict[str, M]:
        found = {identifier: self.get(model, identifier) for identifier in identifiers}
        return {identifier: record for identifier, record in found.items() if record is not None}

    def put(self, record: M, expected: Expected) -> tuple[M, bool]:
        key = item_key(type(record), record.identifier)
        old = self.items.get(key)
        if not holds(old, expected):
            raise WriteConflict(version_of(old))
        if isinstance(record, Template):
            self._name_letterhead((old or {}).get("letterhead"), record.letterhead)
        return self._store(record, old), old is None

    def _name_letterhead(self, old: str | None, new: str | None) -> None:
        """Count a template's letterhead as the DynamoDB adapter does: ``new`` must exist."""
        if new is not None and item_key(Letterhead, new) not in self.items:
            raise missing(new)
        for name, step in ((new, 1), (old, -1)):
            if name is not None and old != new:
                item = self.items[item_key(Letterhead, name)]
                item[REFERENCES] = item.get(REFERENCES, 0) + step

    def put_many(self, writes: Sequence[tuple[M, Read]]) -> list[Outcome[M]]:
        outcomes: list[Outcome[M]] = []
        for record, read in writes:
            old = self.items.get(item_key(type(record), record.identifier))
            if version_of(old) == read:
                outcomes.append(Written(self._store(record, old)))
            else:
                outcomes.append(Conflict(version_of(old)))
        return outcomes

    def _store(self, record: M, old: dict[str, Any] | None) -> M:
        """Store ``record`` as its next version (the one after ``old``'s, or a template's
        next); what it does not own, ``old`` keeps. A template keeps each version."""
        read = version_of(old)
        if not is_versioned(type(record)):
            stored = replace(record, version=(read or 0) + 1)  # type: ignore[type-var]
        else:
            doc_type, latest = record.identifier, self._latest(record.identifier)
            if needs_snapshot(read, latest):
                self._keep(doc_type, old or {})
            stored = replace(record, version=next_version(read, latest))  # type: ignore[type-var]
            self.items[head_key(doc_type)] = {"PK": head_key(doc_type), LATEST: stored.version}
            number = stored.version
            self.items[version_key(doc_type, number)] = as_version_item(
                to_item(stored), doc_type, number
            )
        owned = stored_attributes(type(record))
        kept = {name: value for name, value in (old or {}).items() if name not in owned}
        self.items[item_key(type(record), record.identifier)] = kept | to_item(stored)
        return stored

    def _keep(self, doc_type: str, current: dict[str, Any]) -> None:
        """The snapshot: a template item with no version item kept as one."""
        number = version_of(current) or 0
        self.items[version_key(doc_type, number)] = as_version_item(current, doc_type, number)
        self.items[head_key(doc_type)] = {"PK": head_key(doc_type), LATEST: number}

    def delete(self, model: type[M], identifier: str, expected: Expected) -> None:
        key = item_key(model, identifier)
        old = self.items.get(key)
        if old is None or not holds(old, expected):
            raise WriteConflict(version_of(old))
        if old.get(REFERENCES):
            raise in_use(identifier, old[REFERENCES])
        if model is Template:
            self._name_letterhead(old.get("letterhead"), None)
        if is_versioned(model) and needs_snapshot(version_of(old), self._latest(identifier)):
            self._keep(identifier, old)
        del self.items[key]

    def page(self, model: type[M], limit: int, after: str | None) -> Page[M]:
        keys = sorted(key for key in self.items if key.startswith(model.KEY_PREFIX))
        if after is not None:
            keys = [key for key in keys if key > after]
        page = [from_item(model, self.items[key]) for key in keys[:limit]]
        more = len(keys) > limit
        return Page(page, item_key(model, page[-1].identifier) if more else None)

    def customer_ids(self, limit: int, after: str | None) -> tuple[list[str], str | None]:
        keys = sorted(key for key in self.items if key.startswith(Customer.KEY_PREFIX))
        if after is not None:
            keys = [key for key in keys if key > after]
        page = keys[:limit]
        more = len(keys) > limit
        return [identifier_of_key(Customer, key) for key in page], page[-1] if more else None

    def every(self, models: Sequence[type[M]]) -> Iterator[M | Unreadable]:
        prefixes = tuple(model.KEY_PREFIX for model in models)
        for key in sorted(self.items):
            if key.startswith(prefixes):
                yield record_of(models, self.items[key])


class InMemoryDocumentStore:
    def __init__(self, bucket_name: str = "in-memory-documents") -> None:
        self.bucket_name = bucket_name
        self.objects: dict[str, tuple[bytes, str, dict[str, str]]] = {}
        self.written_at: dict[str, datetime] = {}

    def prepare(self) -> None:
        """Nothing to make ready."""

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        self.objects[key] = (body, content_type, dict(metadata))
        self.written_at[key] = datetime.now(UTC)
        return None

    def read(self, key: str) -> bytes | None:
        stored = self.objects.get(key)
        return None if stored is None else stored[0]

    def head(self, key: str) -> ObjectHead | None:
        if key not in self.objects:
            return None
        body, _, metadata = self.objects[key]
        return ObjectHead(len(body), self.written_at[key], None, metadata)

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[ObjectListing], bool]:
        keys = sorted(
            k for k in self.objects if k.startswith(prefix) and (after is None or k > after)
        )
        listed = [ObjectListing(k, len(self.objects[k][0]), self.written_at[k]) for k in keys]
        return listed[:limit], len(keys) > limit

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self.written_at.pop(key, None)

    def presign(
        self, key: str, now: datetime, version_id: str | None = None
    ) -> tuple[str, datetime]:
        version = "" if version_id is None else f"?versionId={version_id}"
        return f"memory://{self.bucket_name}/{key}{version}", now + timedelta(
            seconds=DEFAULT_URL_TTL_SECONDS
        )
