"""Batch writes that hold only at the version each record was read at: what the importer
writes with.

``TransactWriteItems`` of ``UpdateItem``s, each conditioned on its record's version as
read. One transaction of up to 100 writes is one round trip, where conditional
``UpdateItem``s would be one each, and it is idempotent: botocore gives it a
``ClientRequestToken``, so a retry after a lost answer is not taken for a conflict with
our own write. A transaction costs twice the write capacity of plain writes.

A template takes three or four of a transaction's writes: its item, its new version's
item and the head, plus the snapshot of an item with no version item yet
(``chalicelib.adapters.versions``). The heads of a call's templates are read first, in
one ``BatchGetItem`` per 100; the items to snapshot, if any, in one more per 25.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters.aws import error_code, unavailable_on_aws_faults
from chalicelib.adapters.dynamodb_requests import (
    BUSY,
    Patience,
    batch_get,
    conditional_update,
    typed_version,
    version_of,
)
from chalicelib.adapters.versions import TemplateVersions, template_writes
from chalicelib.domain.model import M, Model, item_key
from chalicelib.domain.outcomes import Conflict, Failed, Outcome, Written
from chalicelib.domain.records import Template
from chalicelib.domain.versions import is_versioned, needs_snapshot
from chalicelib.domain.writes import Read

TRANSACTION_LIMIT = 100
"""TransactWriteItems' limit on writes."""
TRANSACTION_BYTES = 4_000_000
"""Under TransactWriteItems' 4 MB of items, counted as their JSON text, which is never
smaller than DynamoDB's own measure."""
BATCH_GET_KEYS = 100
SNAPSHOT_READS = 25
"""Template items read per ``BatchGetItem`` to keep as versions: 25 of at most 400 KB
stay under its 16 MB answer."""


@dataclass(frozen=True)
class _Planned:
    read: Read
    stored: Model
    """The record as it will be stored, at its new version."""
    items: list[dict[str, Any]]
    """Its transaction writes; the record's own item first."""


@dataclass(frozen=True)
class Transactions:
    """Conditional batch writes to one table."""

    table: Any
    patience: Patience

    def put_many(self, writes: Sequence[tuple[M, Read]]) -> list[Outcome[M]]:
        """Each record stored as the version after ``read``, if still at it, in transactions
        of at most 100 writes and 4 MB.

        A cancelled transaction's reasons say which writes conflicted (the stored
        version comes back) or were refused; the others are sent again at once, or
        after a wait if DynamoDB was throttling, a bounded number of times.
        """
        outcomes: dict[int, Outcome[M]] = {}
        planned = self._plan(writes, outcomes)
        for indexes in _transactions(planned):
            self._transact(planned, indexes, outcomes)
        return [outcomes[index] for index in range(len(writes))]

    def _plan(
        self, writes: Sequence[tuple[M, Read]], outcomes: dict[int, Outcome[M]]
    ) -> dict[int, _Planned]:
        """Each write's transaction writes; a template that moved since it was read (seen
        while reading what its versions need) gets its ``Conflict`` at once."""
        reads = {r.identifier: read for r, read in writes if is_versioned(type(r))}
        doc_types = list(reads)
        latest: dict[str, int] = {}
        for start in range(0, len(doc_types), BATCH_GET_KEYS):
            chunk = doc_types[start : start + BATCH_GET_KEYS]
            latest |= TemplateVersions(self.table, self.patience).latest(chunk)
        to_keep = [d for d, read in reads.items() if needs_snapshot(read, latest.get(d))]
        current: dict[str, dict[str, Any]] = {}
        for start in range(0, len(to_keep), SNAPSHOT_READS):
            keys = [item_key(Template, d) for d in to_keep[start : start + SNAPSHOT_READS]]
            current |= batch_get(self.table, keys, self.patience)
        planned: dict[int, _Planned] = {}
        name = self.table.name
        for index, (record, read) in enumerate(writes):
            if not is_versioned(type(record)):
                stored = replace(record, version=(read or 0) + 1)  # type: ignore[type-var]
                planned[index] = _Planned(read, stored, [conditional_update(name, record, read)])
                continue
            item = current.get(item_key(Template, record.identifier))
            if record.identifier in to_keep and version_of(item) != read:
                outcomes[index] = Conflict(version_of(item))
                continue
            stored, items = template_writes(
                name,
                record,
                read,
                latest.get(record.identifier),
                item,  # type: ignore[arg-type]
            )
            planned[index] = _Planned(read, stored, items)
        return planned

    def _transact(
        self,
        planned: dict[int, _Planned],
        indexes: list[int],
        outcomes: dict[int, Outcome[Any]],
    ) -> None:
        """Write ``indexes`` of ``planned`` in one transaction, putting each one's outcome."""
        pending, throttled = indexes, 0
        client = self.table.meta.client
        while pending:
            try:
                with unavailable_on_aws_faults("DynamoDB"):
                    client.transact_write_items(
                        TransactItems=[item for i in pending for item in planned[i].items]
                    )
            except client.exceptions.TransactionCanceledException as error:
                reasons = error.response["CancellationReasons"]
                retry = _sort_out(planned, pending, reasons, outcomes)
                if len(retry) == len(pending):  # no write of its own was the cause
                    throttled += 1
                    if throttled > self.patience.retries:
                        reason = f"DynamoDB kept cancelling it (throttled) after {throttled} tries"
                        outcomes.update(dict.fromkeys(retry, Failed(reason)))
                        return
                    self.patience.wait(throttled)
                pending = retry
            except client.exceptions.ClientError as error:
                if error_code(error) != "ValidationException":
                    raise
                if len(pending) == 1:
                    outcomes[pending[0]] = _refused(error.response["Error"].get("Message"))
                    return
                for index in pending:  # one at a time, so that only the culprit fails
                    self._transact(planned, [index], outcomes)
                return
            else:
                for index in pending:
                    outcomes[index] = Written(planned[index].stored)
                return


def _transactions(planned: dict[int, _Planned]) -> Iterator[list[int]]:
    """The planned writes' indexes, in groups that fit in one transaction each."""
    group: list[int] = []
    count = size = 0
    for index, plan in sorted(planned.items()):
        items_size = len(json.dumps(plan.items, default=str, ensure_ascii=False).encode())
        if group and (
            count + len(plan.items) > TRANSACTION_LIMIT or size + items_size > TRANSACTION_BYTES
        ):
            yield group
            group, count, size = [], 0, 0
        group.append(index)
        count += len(plan.items)
        size += items_size
    if group:
        yield group


def _refused(message: str | None) -> Failed:
    return Failed(f"DynamoDB refused it: {message}")


def _sort_out(
    planned: dict[int, _Planned],
    pending: list[int],
    reasons: list[dict[str, Any]],
    outcomes: dict[int, Outcome[Any]],
) -> list[int]:
    """Put the outcome of each write a cancelled transaction names as the cause (a
    conflict, a refusal); return the others, to send again."""
    retry = []
    reasons_left = iter(reasons)
    for index in pending:
        own = [next(reasons_left) for _ in planned[index].items]
        codes = [reason.get("Code", "None") for reason in own]
        if "ConditionalCheckFailed" in codes:
            # The record's own item comes first: its version as stored if it moved; if it
            # did not, another of its writes (its version's item, the head) lost a race.
            first = own[0]
            moved = first.get("Code") == "ConditionalCheckFailed"
            outcomes[index] = Conflict(
                typed_version(first.get("Item")) if moved else planned[index].read
            )
        elif all(code in BUSY for code in codes):
            retry.append(index)
        else:
            refusal = next(reason for reason in own if reason.get("Code", "None") not in BUSY)
            outcomes[index] = _refused(refusal.get("Message") or refusal.get("Code"))
    return retry
