"""DynamoDB requests in the resource layer's terms, shared by the repository and its
transactions: conditions on versions, the update that stores a record, and patience with
a throttling table."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.model import Model, from_item, stored_attributes, to_item
from chalicelib.domain.storage import ANY_VERSION, Expected, M, Read, Unreadable


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


def condition(expected: Expected) -> Any:
    """The condition for ``expected``; version 0 is an item with no version yet."""
    from boto3.dynamodb.conditions import Attr

    if expected is None:
        return None
    if expected == ANY_VERSION:
        return Attr("PK").exists()
    if expected == 0:
        return Attr("PK").exists() & Attr("version").not_exists()
    return Attr("version").eq(expected)


def still_at(read: Read) -> Any:
    """The condition that an item is as it was read: at version ``read``, or still absent."""
    from boto3.dynamodb.conditions import Attr

    return Attr("PK").not_exists() if read is None else condition(read)


def update_request(record: Model) -> dict[str, Any]:
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


def typed_version(typed: dict[str, Any] | None) -> int | None:
    """The version of a failed condition's item, which comes back typed: the resource
    layer leaves errors be."""
    from boto3.dynamodb.types import TypeDeserializer

    return version_of(None if typed is None else TypeDeserializer().deserialize({"M": typed}))
