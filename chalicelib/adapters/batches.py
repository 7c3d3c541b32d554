"""Batches, their plan pages and their letters' records, in the one table.

Every write that must happen once is conditional: a batch is created once, a plan page is
written once (a replayed planner reads it back), a letter's record is begun only if absent
and settled only from ``writing``, and the counters move in the same transaction as the
records they count, so a redelivered message can neither write a letter twice nor count
it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib.adapters.aws import unavailable_on_aws_faults
from chalicelib.adapters.dynamodb_requests import Patience, batch_get, transaction_write
from chalicelib.domain.batches import (
    CANCELLED,
    OPEN,
    RUNNING,
    WRITING,
    Batch,
    BatchLetter,
    LettersMoved,
    PlanPage,
    day_of,
    letter_id,
)
from chalicelib.domain.model import from_item, item_key, to_item

DAY_PREFIX = "BD#"
"""``BD#<yyyy-mm-dd>``: the ids of the batches created that day, a string set."""
PAGE_PREFIX = "P#"
BATCH_GET_KEYS = 100


def _page_key(batch_id: str, number: int) -> str:
    return f"{PAGE_PREFIX}{batch_id}#{number}"


class DynamoDBBatches:
    def __init__(self, table: Any, patience: Patience) -> None:
        self.table = table
        self.patience = patience

    @property
    def client(self) -> Any:
        return self.table.meta.client

    # Batches

    def create(self, batch: Batch) -> None:
        """The batch's item, and its id in its day's list, in one transaction."""
        from boto3.dynamodb.conditions import Attr

        put = transaction_write(
            "Put", self.table.name, {"Item": to_item(batch)}, Attr("PK").not_exists()
        )
        day = {
            "Update": {
                "TableName": self.table.name,
                "Key": {"PK": DAY_PREFIX + day_of(batch.batch_id)},
                "UpdateExpression": "ADD ids :id SET expiresAt = :expires",
                "ExpressionAttributeValues": {
                    ":id": {batch.batch_id},
                    ":expires": batch.expires_at,
                },
            }
        }
        with unavailable_on_aws_faults("DynamoDB"):
            self.client.transact_write_items(TransactItems=[put, day])

    def get(self, batch_id: str) -> Batch | None:
        with unavailable_on_aws_faults("DynamoDB"):
            item = self.table.get_item(Key={"PK": item_key(Batch, batch_id)}, ConsistentRead=True)
        found = item.get("Item")
        return None if found is None else from_item(Batch, found)

    def get_many(self, batch_ids: Sequence[str]) -> dict[str, Batch]:
        items = self._read([item_key(Batch, batch_id) for batch_id in batch_ids])
        return {batch.batch_id: batch for batch in (from_item(Batch, i) for i in items.values())}

    def ids_on(self, days: Sequence[str]) -> list[str]:
        """The ids of the batches created on ``days`` (at most 100 of them)."""
        items = self._read([DAY_PREFIX + day for day in days], projection=("PK", "ids"))
        return [batch_id for item in items.values() for batch_id in item.get("ids", ())]

    def set_webhook(self, batch_id: str, webhook: dict[str, Any]) -> None:
        self._update(batch_id, {"webhook": webhook})

    def _update(self, batch_id: str, sets: dict[str, Any], only_if: Any = None) -> Batch | None:
        """Set attributes of an existing batch, if ``only_if`` holds; the batch as it is
        then, or ``None`` if it is absent. A condition that fails changes nothing."""
        from boto3.dynamodb.conditions import Attr

        names = {f"#s{index}": name for index, name in enumerate(sets)}
        values = {f":s{index}": value for index, value in enumerate(sets.values())}
        held = Attr("PK").exists() if only_if is None else Attr("PK").exists() & only_if
        request = {
            "Key": {"PK": item_key(Batch, batch_id)},
            "UpdateExpression": "SET " + ", ".join(f"{n} = :{n[1:]}" for n in names),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ConditionExpression": held,
            "ReturnValues": "ALL_NEW",
        }
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                response = self.table.update_item(**request)
            except self.client.exceptions.ConditionalCheckFailedException:
                return self.get(batch_id)
        return from_item(Batch, response["Attributes"])

    def cancel(self, batch_id: str, now: str) -> Batch | None:
        from boto3.dynamodb.conditions import Attr

        return self._update(
            batch_id, {"status": CANCELLED, "updatedAt": now}, Attr("status").is_in(list(OPEN))
        )

    def end(self, batch_id: str, status: str, outputs: dict[str, Any], now: str) -> Batch | None:
        """Store how the batch ended and its outputs, unless it ended already (a replayed
        finisher): the batch as it ended then, or ``None`` if that was not this call."""
        from boto3.dynamodb.conditions import Attr

        held = Attr("status").is_in([RUNNING, CANCELLED]) & Attr("endedAt").not_exists()
        sets = {"status": status, "outputs": outputs, "updatedAt": now, "endedAt": now}
        ended = self._update(batch_id, sets, held)
        return ended if ended is not None and ended.ended_at == now else None

    def mark_finishing(self, batch_id: str, status: str, now: str) -> bool:
        """Set ``finishingSince`` if nobody has and the batch is still ``status``."""
        from boto3.dynamodb.conditions import Attr

        held = Attr("finishingSince").not_exists() & Attr("status").eq(status)
        marked = self._update(batch_id, {"finishingSince": now}, held)
        return marked is not None and marked.finishing_since == now

    def record_plan(
        self, batch_id: str, plan: dict[str, Any], total: int | None, now: str
    ) -> Batch | None:
        """Keep how far planning got; with ``total``, it is done and the batch runs (unless
        it was cancelled meanwhile)."""
        from boto3.dynamodb.conditions import Attr

        sets: dict[str, Any] = {"plan": plan, "updatedAt": now}
        if total is not None:
            sets |= {"total": total, "status": RUNNING}
        recorded = self._update(batch_id, sets, Attr("status").is_in(list(OPEN)))
        return recorded if recorded is not None and recorded.plan == plan else None

    # Plan pages

    def plan_page(self, batch_id: str, number: int) -> PlanPage | None:
        items = self._read([_page_key(batch_id, number)])
        item = items.get(_page_key(batch_id, number))
        if item is None:
            return None
        return PlanPage(batch_id, number, list(item["customerIds"]), item.get("cursor"))

    def add_plan_page(self, page: PlanPage, expires_at: int) -> PlanPage:
        """Write ``page`` unless a replayed planner wrote it before: the page as stored."""
        item = {
            "PK": _page_key(page.batch_id, page.number),
            "customerIds": page.customer_ids,
            "expiresAt": expires_at,
        }
        if page.cursor is not None:
            item["cursor"] = page.cursor
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
            except self.client.exceptions.ConditionalCheckFailedException:
                stored = self.plan_page(page.batch_id, page.number)
                if stored is not None:
                    return stored
                raise
        return page

    # Letters

    def letters(self, batch_id: str, customer_ids: Iterable[str]) -> dict[str, BatchLetter]:
        """The records of those of the batch's letters that have one, by customer."""
        keys = [item_key(BatchLetter, letter_id(batch_id, c)) for c in customer_ids]
        found: dict[str, BatchLetter] = {}
        for start in range(0, len(keys), BATCH_GET_KEYS):
            for item in self._read(keys[start : start + BATCH_GET_KEYS]).values():
                letter = from_item(BatchLetter, item)
                found[letter.customer_id] = letter
        return found

    def read_for_letters(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Items by key in one ``BatchGetItem`` (a letter worker's batches, customers,
        templates and records at once)."""
        return self._read(keys)

    def begin(self, letters: Sequence[BatchLetter], taking_over: dict[str, str]) -> list[str]:
        """Record each letter as ``writing``, if it has no record yet (or, for a customer in
        ``taking_over``, if its record is still the abandoned one begun at that time); the
        customers whose letters this call began. One transaction, the rest again if some
        were taken meanwhile."""
        from boto3.dynamodb.conditions import Attr

        pending = list(letters)
        while pending:
            writes = []
            for letter in pending:
                held = Attr("PK").not_exists()
                if letter.customer_id in taking_over:
                    held = Attr("status").eq(WRITING) & Attr("generatedAt").eq(
                        taking_over[letter.customer_id]
                    )
                writes.append(
                    transaction_write("Put", self.table.name, {"Item": to_item(letter)}, held)
                )
            refused = self._transact(writes)
            if not refused:
                return [letter.customer_id for letter in pending]
            pending = [letter for index, letter in enumerate(pending) if index not in refused]
        return []

    def settle(self, batch_id: str, letters: Sequence[BatchLetter], started: set[str]) -> None:
        """Store each letter's outcome and add them to the batch's counters, in one
        transaction: a letter in ``started`` was begun (``writing``) by this worker, any
        other has no record yet."""
        from boto3.dynamodb.conditions import Attr

        if not letters:
            return
        writes = []
        for letter in letters:
            held = (
                Attr("status").eq(WRITING)
                if letter.customer_id in started
                else Attr("PK").not_exists()
            )
            writes.append(
                transaction_write("Put", self.table.name, {"Item": to_item(letter)}, held)
            )
        succeeded = sum(letter.status == "succeeded" for letter in letters)
        writes.append(
            {
                "Update": {
                    "TableName": self.table.name,
                    "Key": {"PK": item_key(Batch, batch_id)},
                    "UpdateExpression": "ADD succeeded :s, failed :f",
                    "ExpressionAttributeValues": {
                        ":s": succeeded,
                        ":f": len(letters) - succeeded,
                    },
                }
            }
        )
        if self._transact(writes):
            raise LettersMoved(batch_id)

    # Shared

    def _transact(self, writes: list[dict[str, Any]]) -> set[int]:
        """Run one transaction; the indexes of the writes whose condition failed (the
        transaction then wrote nothing)."""
        client = self.client
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                client.transact_write_items(TransactItems=writes)
            except client.exceptions.TransactionCanceledException as error:
                reasons = error.response.get("CancellationReasons", [])
                refused = {
                    index
                    for index, reason in enumerate(reasons)
                    if reason.get("Code") == "ConditionalCheckFailed"
                }
                if not refused:
                    raise
                return refused
        return set()

    def _read(self, keys: list[str], projection: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        return batch_get(self.table, list(dict.fromkeys(keys)), self.patience, projection)
