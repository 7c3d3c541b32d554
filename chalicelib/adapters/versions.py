"""Template writes that keep every version (``chalicelib.domain.versions``), in DynamoDB.

A template is written in one ``TransactWriteItems``: the template item, the new version's
item and the head that says which number was given out last, each on condition that
nothing changed since they were read (one strongly consistent ``BatchGetItem`` of the
template item and the head, just before), plus the snapshot of a current item that has no
version item yet. So two writers can never both take a number, and a version item is
written only where there is none: once written, it never changes. A writer that loses a
race reads again and, if what it expects (``If-Match``) still holds, tries again.
"""

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from chalicelib.adapters.aws import unavailable_on_aws_faults
from chalicelib.adapters.dynamodb_requests import (
    BUSY,
    Patience,
    batch_get,
    condition,
    holds,
    still_at,
    transaction_write,
    typed_version,
    update_request,
    version_of,
)
from chalicelib.adapters.letterheads import reference_writes
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.letterheads import missing
from chalicelib.domain.model import item_key, stored_attributes, to_item
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Template
from chalicelib.domain.versions import (
    LATEST,
    TemplateVersion,
    as_version_item,
    head_key,
    needs_snapshot,
    newest,
    newest_first,
    next_version,
    pick_version,
    version_key,
    versions_page,
)
from chalicelib.domain.writes import ANY_VERSION, Expected, Read, WriteConflict

ATTEMPTS = 10
"""How often one request writes a template before it gives up with a 503: a writer that
lost a race to another reads again and retries, and each race has one winner."""
_SUMMARY = ("PK", LATEST, *stored_attributes(TemplateVersion))
"""What a list of versions reads of each item: never the text."""


def _absent() -> Any:
    from boto3.dynamodb.conditions import Attr

    return Attr("PK").not_exists()


def _head_holds(latest: int | None) -> Any:
    """The head is still as read: at ``latest``, or absent."""
    from boto3.dynamodb.conditions import Attr

    return _absent() if latest is None else Attr(LATEST).eq(latest)


def _put(table_name: str, item: dict[str, Any], held: Any) -> dict[str, Any]:
    return transaction_write("Put", table_name, {"Item": item}, held)


def head_write(table_name: str, doc_type: str, number: int, latest: int | None) -> dict:
    """The head says ``number`` was given out, if it still says ``latest``."""
    return _put(table_name, {"PK": head_key(doc_type), LATEST: number}, _head_holds(latest))


def snapshot_write(table_name: str, current: dict[str, Any]) -> dict[str, Any]:
    """The current item kept as its own version, where that version has no item yet."""
    doc_type = current["PK"].removeprefix(Template.KEY_PREFIX)
    return _put(table_name, as_version_item(current, doc_type, version_of(current)), _absent())


def template_writes(
    table_name: str,
    record: Template,
    read: Read,
    latest: int | None,
    current: dict[str, Any] | None,
) -> tuple[Template, list[dict[str, Any]]]:
    """The writes that store ``record`` as its next version, if the template item is still
    at ``read`` (``current`` is that item, needed if it has no version item yet) and the
    head at ``latest``; and the record as stored. The template item's write comes first."""
    number = next_version(read, latest)
    stored = replace(record, version=number)
    doc_type = record.doc_type
    update = update_request(stored, version=number)
    writes = [
        transaction_write("Update", table_name, update, still_at(read)),
        _put(table_name, as_version_item(to_item(stored), doc_type, number), _absent()),
        head_write(table_name, doc_type, number, latest),
    ]
    if needs_snapshot(read, latest):
        if current is None:
            raise ValueError(f"template {doc_type} at version {read} needs its item to keep it")
        writes.append(snapshot_write(table_name, current))
    return stored, writes


class TemplateVersions:
    """A table's templates, written and read with their versions."""

    def __init__(self, table: Any, patience: Patience) -> None:
        self.table = table
        self.patience = patience

    def state(self, doc_type: str) -> tuple[dict[str, Any] | None, int | None]:
        """The template item (``None`` if absent) and the head's ``latest``, in one read."""
        items = batch_get(
            self.table, [item_key(Template, doc_type), head_key(doc_type)], self.patience
        )
        return items.get(item_key(Template, doc_type)), _latest(items.get(head_key(doc_type)))

    def latest(self, doc_types: Iterable[str]) -> dict[str, int]:
        """The heads' ``latest`` of those of ``doc_types`` (at most 100) that have one."""
        keys = [head_key(doc_type) for doc_type in doc_types]
        if not keys:
            return {}
        found = batch_get(self.table, keys, self.patience)
        return {key.removeprefix(head_key("")): int(item[LATEST]) for key, item in found.items()}

    def put(self, record: Template, expected: Expected) -> tuple[Template, bool]:
        """Store ``record`` as the template's next version, if ``expected`` holds, with the
        count of the letterhead it names (``chalicelib.adapters.letterheads``)."""
        gone: set[str] = set()
        for _ in range(ATTEMPTS):
            current, latest = self.state(record.doc_type)
            if not holds(current, expected):
                raise WriteConflict(version_of(current))
            stored, writes = template_writes(
                self.table.name, record, version_of(current), latest, current
            )
            if self._counted(writes, _letterhead(current), record.letterhead, gone):
                return stored, current is None
        raise Unavailable("DynamoDB")

    def delete(self, doc_type: str, expected: Expected) -> None:
        """Delete the template item (its versions stay), if it exists and ``expected`` holds;
        a template item with no version item yet is kept as one first."""
        expected = ANY_VERSION if expected is None else expected
        gone: set[str] = set()
        for _ in range(ATTEMPTS):
            current, latest = self.state(doc_type)
            read = version_of(current)
            if current is None or not holds(current, expected):
                raise WriteConflict(read)
            named = _letterhead(current)
            if named is None and not needs_snapshot(read, latest):
                self._delete_versioned(doc_type, expected)
                return
            key = {"Key": {"PK": item_key(Template, doc_type)}}
            writes = [transaction_write("Delete", self.table.name, key, still_at(read))]
            if needs_snapshot(read, latest):
                writes += [
                    snapshot_write(self.table.name, current),
                    head_write(self.table.name, doc_type, version_of(current) or 0, latest),
                ]
            if self._counted(writes, named, None, gone):
                return
        raise Unavailable("DynamoDB")

    def _counted(
        self, writes: list[dict[str, Any]], named: str | None, new: str | None, gone: set[str]
    ) -> bool:
        """Whether ``writes`` were written, with the counts of the letterhead the template
        named and the one it names ``new``; ``InvalidInput`` if ``new`` does not exist. A
        named letterhead found gone (deleted around the API) joins ``gone``: not counted
        down on the next try."""
        old = None if named in gone else named
        counts = reference_writes(self.table.name, old, new)
        failed = self._transact(writes + counts)
        if failed is None:
            return True
        if new is not None and len(writes) in failed:
            raise missing(new)
        if old is not None and old != new and len(writes) + len(counts) - 1 in failed:
            gone.add(old)
        return False

    def _delete_versioned(self, doc_type: str, expected: Expected) -> None:
        """One conditional ``DeleteItem``: whatever version it deletes has its item."""
        client = self.table.meta.client
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                self.table.delete_item(
                    Key={"PK": item_key(Template, doc_type)},
                    ConditionExpression=condition(expected),
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except client.exceptions.ConditionalCheckFailedException as error:
                raise WriteConflict(typed_version(error.response.get("Item"))) from None

    def _transact(self, writes: list[dict[str, Any]]) -> set[int] | None:
        """``None`` once the transaction is written; if it lost a race, the indexes of the
        writes whose condition failed: read again and retry (after a wait, if DynamoDB
        was busy with the items)."""
        client = self.table.meta.client
        busy = 0
        while True:
            try:
                with unavailable_on_aws_faults("DynamoDB"):
                    client.transact_write_items(TransactItems=writes)
                return None
            except client.exceptions.TransactionCanceledException as error:
                reasons = [r.get("Code", "None") for r in error.response["CancellationReasons"]]
                codes = set(reasons)
                if "ConditionalCheckFailed" in codes:
                    return {i for i, code in enumerate(reasons) if code == "ConditionalCheckFailed"}
                if not codes <= BUSY:
                    raise
                busy += 1
                if busy > self.patience.retries:
                    raise Unavailable("DynamoDB") from error
                self.patience.wait(busy)

    def get(self, doc_type: str, number: int) -> Template | None:
        """Version ``number`` of the template, in one ``BatchGetItem``."""
        keys = [version_key(doc_type, number), item_key(Template, doc_type)]
        return pick_version(batch_get(self.table, keys, self.patience), doc_type, number)

    def page(self, doc_type: str, limit: int, start: int | None) -> Page[TemplateVersion] | None:
        """Up to ``limit`` versions from ``start`` down, newest first, by number: one
        ``BatchGetItem`` (the first page reads the template item and head before)."""
        current = None
        if start is None:
            keys = [item_key(Template, doc_type), head_key(doc_type)]
            items = batch_get(self.table, keys, self.patience, _SUMMARY)
            current = items.get(keys[0])
            start = newest(version_of(current), _latest(items.get(keys[1])))
            if start is None:
                return None
        numbers = newest_first(start, limit)
        if not numbers:
            return Page([], None)
        keys = [version_key(doc_type, number) for number in numbers]
        found = batch_get(self.table, keys, self.patience, _SUMMARY)
        return versions_page(doc_type, numbers, limit, found, current)


def _letterhead(item: dict[str, Any] | None) -> str | None:
    """The letterhead a stored template item names, if any."""
    return None if item is None else item.get("letterhead")


def _latest(head: dict[str, Any] | None) -> int | None:
    return None if head is None else int(head[LATEST])
