"""Customers and templates in the original sample's single DynamoDB table, through a
lazily built boto3 ``Table``.

The table holds items in each model's item form (``chalicelib.domain.model``); boto3's
resource layer does the type marshalling and ``boto3.dynamodb.conditions`` the
conditions. In and out go domain objects only.

Batch writes (``put_many``, what the importer uses) are ``TransactWriteItems`` of
``UpdateItem``s, each conditioned on the version its record was read at. One
transaction of up to 100 writes is one round trip, where conditional
``UpdateItem``s would be one each, and it is idempotent: botocore gives it a
``ClientRequestToken``, so a retry after a lost answer is not taken for a conflict
with our own write. A transaction costs twice the write capacity of plain writes.
"""

import json
import operator
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, reduce
from typing import Any

from chalicelib.adapters.aws import (
    dynamodb_table,
    error_code,
    required_env,
    unavailable_on_aws_faults,
)
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.model import (
    Model,
    from_item,
    identifier_of_key,
    item_key,
    stored_attributes,
    to_item,
)
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.storage import (
    ANY_VERSION,
    Conflict,
    Expected,
    Failed,
    M,
    Outcome,
    Read,
    Unreadable,
    WriteConflict,
    Written,
)

# A Scan reads this many items per call; a list request makes at most
# _SCANS_PER_PAGE calls, then answers with what it has and a ``next`` cursor.
_SCAN_LIMIT = 100
_SCANS_PER_PAGE = 10
BATCH_GET_LIMIT = 100
"""BatchGetItem's limit."""
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
class Patience:
    """How often to ask DynamoDB again for what it left undone while throttling (keys
    unprocessed, writes cancelled), and how long to wait before each time."""

    retries: int
    max_wait_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int) -> None:
        """Wait before try ``attempt`` (1, 2, ...): 0.05 s, 0.1, 0.2, ... up to the maximum."""
        self.sleep(min(0.05 * 2 ** (attempt - 1), self.max_wait_seconds))


REQUEST_PATIENCE = Patience(retries=2)
"""An API request asks twice more (0.05 s, then 0.1 s), inside its time budget, before a 503."""


def version_of(item: dict[str, Any] | None) -> int | None:
    """An item's version; one without (as the sample seeds them) is version 0."""
    if item is None:
        return None
    return int(item.get("version", 0))


def record_of(models: Sequence[type[M]], item: dict[str, Any]) -> M | Unreadable:
    """The record an item of one of ``models`` holds, or ``Unreadable`` if it holds none."""
    model = next(model for model in models if item["PK"].startswith(model.KEY_PREFIX))
    try:
        return from_item(model, item)
    except TypeError as error:  # a required attribute is missing
        return Unreadable(item["PK"], error)


def _condition(expected: Expected) -> Any:
    """The condition for ``expected``; version 0 is an item with no version yet."""
    from boto3.dynamodb.conditions import Attr

    if expected is None:
        return None
    if expected == ANY_VERSION:
        return Attr("PK").exists()
    if expected == 0:
        return Attr("PK").exists() & Attr("version").not_exists()
    return Attr("version").eq(expected)


def _still_at(read: Read) -> Any:
    """The condition that an item is as it was read: at version ``read``, or still absent."""
    from boto3.dynamodb.conditions import Attr

    return Attr("PK").not_exists() if read is None else _condition(read)


class DynamoDBRepository:
    """The table named by ``DYNAMODB_TABLE_NAME``, or ``table``."""

    def __init__(self, table: Any = None, patience: Patience = REQUEST_PATIENCE) -> None:
        if table is not None:
            self.table = table
        self.patience = patience

    @cached_property
    def table(self) -> Any:
        return dynamodb_table(required_env("DYNAMODB_TABLE_NAME"))

    @property
    def client(self) -> Any:
        """The table's own client, for the calls the resource layer lacks (batch reads,
        transactions); it marshals types as the resource layer does."""
        return self.table.meta.client

    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]:
        """Both items in one strongly consistent ``BatchGetItem``."""
        items = self._batch_get([item_key(Customer, customer_id), item_key(Template, doc_type)])
        customer = items.get(item_key(Customer, customer_id))
        template = items.get(item_key(Template, doc_type))
        return (
            None if customer is None else from_item(Customer, customer),
            None if template is None else from_item(Template, template),
        )

    def get(self, model: type[M], identifier: str) -> M | None:
        with unavailable_on_aws_faults("DynamoDB"):
            item = self.table.get_item(
                Key={"PK": item_key(model, identifier)}, ConsistentRead=True
            ).get("Item")
        return None if item is None else from_item(model, item)

    def get_many(self, model: type[M], identifiers: Iterable[str]) -> dict[str, M]:
        keys = [item_key(model, identifier) for identifier in identifiers]
        return {
            identifier_of_key(model, key): from_item(model, item)
            for key, item in self._batch_get(keys).items()
        }

    def put(self, record: M, expected: Expected) -> tuple[M, bool]:
        """Create or replace in one atomic ``UpdateItem``; absent fields are removed.

        The version goes up by one on every write, whoever writes, so two writers
        with the same ``If-Match`` cannot both succeed.
        """
        request = _update(record) | {"ReturnValues": "UPDATED_OLD"}
        old = self._conditional(self.table.update_item, request, expected)
        version = (version_of(old) or 0) + 1
        return replace(record, version=version), old is None

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
        client = self.client
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
        condition = ConditionExpressionBuilder().build_expression(_still_at(read))
        update = _update(record)
        update["ExpressionAttributeNames"] |= condition.attribute_name_placeholders
        update["ExpressionAttributeValues"] |= condition.attribute_value_placeholders
        update |= {
            "TableName": self.table.name,
            "ConditionExpression": condition.condition_expression,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        return {"Update": update}

    def delete(self, model: type[M], identifier: str, expected: Expected) -> None:
        """Delete an existing item; ``WriteConflict`` if it is absent or at another version."""
        request = {"Key": {"PK": item_key(model, identifier)}}
        self._conditional(
            self.table.delete_item, request, ANY_VERSION if expected is None else expected
        )

    def _conditional(
        self, operation: Any, request: dict[str, Any], expected: Expected
    ) -> dict[str, Any] | None:
        """Run a write under ``expected``; the old item's returned values, if any."""
        condition = _condition(expected)
        if condition is not None:
            request = request | {
                "ConditionExpression": condition,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        client = self.client
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                response = operation(**request)
            except client.exceptions.ConditionalCheckFailedException as error:
                raise WriteConflict(_typed_version(error.response.get("Item"))) from None
        return response.get("Attributes")

    def page(self, model: type[M], limit: int, after: str | None) -> Page[M]:
        """Up to ``limit`` records whose key has the model's prefix, in the table's order.

        Scans page by page from just after the key ``after`` and keeps only one page
        in memory. A page may be short (even empty) with a cursor to go on: the scan
        stops after a bounded number of calls.
        """
        from boto3.dynamodb.conditions import Key

        projection = ("PK", *stored_attributes(model, summary=True))
        names = {f"#p{index}": name for index, name in enumerate(projection)}
        request: dict[str, Any] = {
            "FilterExpression": Key("PK").begins_with(model.KEY_PREFIX),
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
            "ConsistentRead": True,
            "Limit": _SCAN_LIMIT,
        }
        found: list[M] = []
        start = None if after is None else {"PK": after}
        for _ in range(_SCANS_PER_PAGE):
            if start is not None:
                request["ExclusiveStartKey"] = start
            with unavailable_on_aws_faults("DynamoDB"):
                response = self.table.scan(**request)
            for item in response.get("Items", []):
                found.append(from_item(model, item))
                if len(found) == limit:
                    return Page(found, item["PK"])
            start = response.get("LastEvaluatedKey")
            if start is None:
                return Page(found, None)
        return Page(found, start["PK"])

    def every(self, models: Sequence[type[M]]) -> Iterator[M | Unreadable]:
        """A strongly consistent scan, filtered to the models' key prefixes, page by page."""
        from boto3.dynamodb.conditions import Key

        prefixes = [Key("PK").begins_with(model.KEY_PREFIX) for model in models]
        request: dict[str, Any] = {
            "FilterExpression": reduce(operator.or_, prefixes),
            "ConsistentRead": True,
        }
        while True:
            with unavailable_on_aws_faults("DynamoDB"):
                response = self.table.scan(**request)
            for item in response.get("Items", []):
                yield record_of(models, item)
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _batch_get(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The items of ``keys`` that exist, by key, read strongly consistent."""
        name = self.table.name
        request = {name: {"Keys": [{"PK": key} for key in keys], "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        with unavailable_on_aws_faults("DynamoDB"):
            for attempt in range(self.patience.retries + 1):
                if attempt:
                    self.patience.wait(attempt)
                response = self.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(name, []):
                    found[item["PK"]] = item
                request = response.get("UnprocessedKeys")
                if not request:
                    return found
        raise Unavailable("DynamoDB")


def _update(record: Model) -> dict[str, Any]:
    """The ``UpdateItem`` that stores ``record`` as the next version: its absent fields
    removed, attributes it does not name kept."""
    item = to_item(record)
    names: dict[str, str] = {}
    values: dict[str, Any] = {":zero": 0, ":one": 1}
    sets, removes = ["version = if_not_exists(version, :zero) + :one"], []
    for index, name in enumerate(stored_attributes(type(record))):
        if name == "version":
            continue
        names[f"#a{index}"] = name
        if name in item:
            values[f":a{index}"] = item[name]
            sets.append(f"#a{index} = :a{index}")
        else:
            removes.append(f"#a{index}")
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return {
        "Key": {"PK": item["PK"]},
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _typed_version(typed: dict[str, Any] | None) -> int | None:
    """The version of a failed condition's item, which comes back typed: the resource
    layer leaves errors be."""
    from boto3.dynamodb.types import TypeDeserializer

    return version_of(None if typed is None else TypeDeserializer().deserialize({"M": typed}))


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
            outcomes[index] = Conflict(_typed_version(reason.get("Item")))
        elif code in _BUSY:
            retry.append(index)
        else:
            outcomes[index] = _refused(reason.get("Message") or code)
    return retry
