"""DynamoDB requests in the resource layer's terms, shared by the repository, its
transactions and its template versions: conditions on versions, the update that stores a
record, transaction writes, batch reads, and patience with a throttling table."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from chalicelib.adapters.aws import unavailable_on_aws_faults
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.model import M, Model, from_item, stored_attributes, to_item
from chalicelib.domain.writes import ABSENT, ANY_VERSION, Expected, Read

if TYPE_CHECKING:
    from chalicelib.domain.outcomes import Unreadable


class Patience(NamedTuple):
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
BUSY = frozenset(
    {"None", "ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
)
"""Why a transaction's write was cancelled when sending it again may succeed: it was
fine (another write was the cause), the table was throttling, or another
transaction held the item."""


def version_of(item: dict[str, Any] | None) -> int | None:
    """An item's version; one without (as the sample seeds them) is version 0."""
    if item is None:
        return None
    return int(item.get("version", 0))


def holds(item: Mapping[str, Any] | None, expected: Expected) -> bool:
    """Whether a stored item (as read) meets what a conditional write expects."""
    if expected is None:
        return True
    if expected == ABSENT:
        return item is None
    if item is None:
        return False
    return expected == ANY_VERSION or version_of(dict(item)) == expected


def record_of(models: Sequence[type[M]], item: dict[str, Any]) -> M | Unreadable:
    """The record an item of one of ``models`` holds, or ``Unreadable`` if it holds none."""
    model = next(model for model in models if item["PK"].startswith(model.KEY_PREFIX))
    try:
        return from_item(model, item)
    except TypeError as error:  # a required attribute is missing
        from chalicelib.domain.outcomes import Unreadable

        return Unreadable(item["PK"], error)


def condition(expected: Expected) -> Any:
    """The condition for ``expected``; version 0 is an item with no version yet."""
    from boto3.dynamodb.conditions import Attr

    if expected is None:
        return None
    if expected == ANY_VERSION:
        return Attr("PK").exists()
    if expected == ABSENT:
        return Attr("PK").not_exists()
    if expected == 0:
        return Attr("PK").exists() & Attr("version").not_exists()
    return Attr("version").eq(expected)


def still_at(read: Read) -> Any:
    """The condition that an item is as it was read: at version ``read``, or still absent."""
    from boto3.dynamodb.conditions import Attr

    return Attr("PK").not_exists() if read is None else condition(read)


def update_request(record: Model, version: int | None = None) -> dict[str, Any]:
    """The ``UpdateItem`` that stores ``record`` as the next version (or as ``version``):
    its absent fields removed, attributes it does not name kept."""
    item = to_item(record)
    names: dict[str, str] = {}
    values: dict[str, Any]
    if version is None:
        values = {":zero": 0, ":one": 1}
        sets, removes = ["version = if_not_exists(version, :zero) + :one"], []
    else:
        values = {":version": version}
        sets, removes = ["version = :version"], []
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


def typed_version(typed: dict[str, Any] | None) -> int | None:
    """The version of a failed condition's item, which comes back typed: the resource
    layer leaves errors be."""
    from boto3.dynamodb.types import TypeDeserializer

    return version_of(None if typed is None else TypeDeserializer().deserialize({"M": typed}))


def transaction_write(kind: str, table_name: str, request: dict[str, Any], held: Any) -> dict:
    """One write of a ``TransactWriteItems`` (``Update``, ``Put`` or ``Delete``), on
    condition ``held``; a failed condition gives back the item as it was."""
    from boto3.dynamodb.conditions import ConditionExpressionBuilder

    # The resource layer builds conditions only at a request's top level, not in its
    # transaction's writes: build this one here.
    condition = ConditionExpressionBuilder().build_expression(held)
    write = dict(request)
    write["ExpressionAttributeNames"] = (
        write.get("ExpressionAttributeNames", {}) | condition.attribute_name_placeholders
    )
    values = write.get("ExpressionAttributeValues", {}) | condition.attribute_value_placeholders
    if values:
        write["ExpressionAttributeValues"] = values
    write |= {
        "TableName": table_name,
        "ConditionExpression": condition.condition_expression,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return {kind: write}


def conditional_update(table_name: str, record: Model, read: Read) -> dict[str, Any]:
    """A transaction's write of ``record`` as the version after ``read``, if still at it."""
    return transaction_write("Update", table_name, update_request(record), still_at(read))


def batch_get(
    table: Any, keys: list[str], patience: Patience, projection: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """The items of ``keys`` (at most 100) that exist, by key, read strongly consistent in
    one ``BatchGetItem`` (asked again for keys left unprocessed); only the attributes of
    ``projection``, if given."""
    name = table.name
    wanted: dict[str, Any] = {"Keys": [{"PK": key} for key in keys], "ConsistentRead": True}
    if projection:
        names = {f"#p{index}": attribute for index, attribute in enumerate(projection)}
        wanted |= {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
    request = {name: wanted}
    found: dict[str, dict[str, Any]] = {}
    client = table.meta.client
    with unavailable_on_aws_faults("DynamoDB"):
        for attempt in range(patience.retries + 1):
            if attempt:
                patience.wait(attempt)
            response = client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(name, []):
                found[item["PK"]] = item
            request = response.get("UnprocessedKeys")
            if not request:
                return found
    raise Unavailable("DynamoDB")
