"""Batch writes that hold only at the version each record was read at: what the importer
writes with.

``TransactWriteItems`` of ``UpdateItem``s, each conditioned on its record's version as
read. One transaction of up to 100 writes is one round trip, where conditional
``UpdateItem``s would be one each, and it is idempotent: botocore gives it a
``ClientRequestToken``, so a retry after a lost answer is not taken for a conflict with
our own write. A transaction costs twice the write capacity of plain writes.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters.aws import error_code, unavailable_on_aws_faults
from chalicelib.adapters.dynamodb_requests import Patience, still_at, typed_version, update_request
from chalicelib.domain.model import Model, to_item
from chalicelib.domain.storage import Conflict, Failed, M, Outcome, Read, Written

TRANSACTION_LIMIT = 100
"""TransactWriteItems' limit on writes."""
TRANSACTION_BYTES = 4_000_000
"""Under TransactWriteItems' 4 MB of items, counted as their JSON text, which is never
smaller than DynamoDB's own measure."""
_BUSY = frozenset(
    {"None", "ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
)
"""Why a transaction's write was cancelled when sending it again may succeed: it was
fine (another write was the cause), the table was throttling, or another
transaction held the item."""


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
        for indexes in self._transactions(writes):
            self._transact(writes, indexes, outcomes)
        return [outcomes[index] for index in range(len(writes))]

    def _transactions(self, writes: Sequence[tuple[Model, Read]]) -> Iterator[list[int]]:
        """The writes' indexes, in groups that fit in one transaction each."""
        group: list[int] = []
        size = 0
        for index, (record, _) in enumerate(writes):
            item_size = len(json.dumps(to_item(record), default=str, ensure_ascii=False).encode())
            if group and (len(group) == TRANSACTION_LIMIT or size + item_size > TRANSACTION_BYTES):
                yield group
                group, size = [], 0
            group.append(index)
            size += item_size
        if group:
            yield group

    def _transact(
        self,
        writes: Sequence[tuple[M, Read]],
        indexes: list[int],
        outcomes: dict[int, Outcome[M]],
    ) -> None:
        """Write ``indexes`` of ``writes`` in one transaction, putting each one's outcome."""
        pending, throttled = indexes, 0
        client = self.table.meta.client
        while pending:
            try:
                with unavailable_on_aws_faults("DynamoDB"):
                    client.transact_write_items(
                        TransactItems=[self._conditional_update(*writes[i]) for i in pending]
                    )
            except client.exceptions.TransactionCanceledException as error:
                retry = _sort_out(pending, error.response["CancellationReasons"], outcomes)
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
                    self._transact(writes, [index], outcomes)
                return
            else:
                for index in pending:
                    record, read = writes[index]
                    outcomes[index] = Written(replace(record, version=(read or 0) + 1))
                return

    def _conditional_update(self, record: Model, read: Read) -> dict[str, Any]:
        """A transaction's write of ``record``, if it is still at version ``read``."""
        from boto3.dynamodb.conditions import ConditionExpressionBuilder

        # The resource layer builds conditions only at a request's top level, not in its
        # transaction's writes: build this one here.
        condition = ConditionExpressionBuilder().build_expression(still_at(read))
        update = update_request(record)
        update["ExpressionAttributeNames"] |= condition.attribute_name_placeholders
        update["ExpressionAttributeValues"] |= condition.attribute_value_placeholders
        update |= {
            "TableName": self.table.name,
            "ConditionExpression": condition.condition_expression,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        return {"Update": update}


def _refused(message: str | None) -> Failed:
    return Failed(f"DynamoDB refused it: {message}")


def _sort_out(
    pending: list[int], reasons: list[dict[str, Any]], outcomes: dict[int, Outcome[Any]]
) -> list[int]:
    """Put the outcome of each write a cancelled transaction names as the cause (a
    conflict, a refusal); return the others, to send again."""
    retry = []
    for index, reason in zip(pending, reasons, strict=True):
        code = reason.get("Code", "None")
        if code == "ConditionalCheckFailed":
            outcomes[index] = Conflict(typed_version(reason.get("Item")))
        elif code in _BUSY:
            retry.append(index)
        else:
            outcomes[index] = _refused(reason.get("Message") or code)
    return retry
