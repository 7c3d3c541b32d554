"""Customers and templates, stored in the original sample's single DynamoDB table.

The item layout is in ``chalicelib.items``.
"""

import time
from collections.abc import Iterable
from functools import cached_property
from typing import Any, Literal, Protocol

from chalicelib.aws import make_client, required_env, unavailable_on_aws_faults
from chalicelib.errors import unavailable
from chalicelib.items import (
    customer_from_item,
    customer_item,
    customer_key,
    from_attribute,
    template_from_item,
    template_item,
    template_key,
    to_attribute,
)
from chalicelib.letters import Customer, Template

ANY_VERSION: Literal["*"] = "*"
Expected = int | Literal["*"] | None
"""What a conditional write expects: a version, any existing item (``*``), or nothing."""

# A Scan reads this many items per call; a list request makes at most
# _SCANS_PER_PAGE calls, then answers with what it has and a ``next`` token.
_SCAN_LIMIT = 100
_SCANS_PER_PAGE = 10

# DynamoDB may hand keys back unprocessed when it is throttling; we ask again
# this many times (short waits, inside the request's time budget) before a 503.
_UNPROCESSED_RETRIES = 2
_UNPROCESSED_WAIT_SECONDS = 0.05


class WriteConflict(Exception):
    """A conditional write or delete did not hold: the item is at another version, or absent."""

    def __init__(self, current_version: int | None) -> None:
        super().__init__(current_version)
        self.current_version = current_version
        """The stored version, or ``None`` when there is no item."""


class Repository(Protocol):
    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]: ...

    def get_template(self, doc_type: str) -> Template | None: ...

    def get(self, key: str) -> dict | None: ...

    def put(self, key: str, fields: dict[str, Any], expected: Expected) -> tuple[int, bool]: ...

    def delete(self, key: str, expected: Expected) -> None: ...

    def scan(
        self, prefix: str, limit: int, after: str | None, projection: Iterable[str]
    ) -> tuple[list[dict], str | None]: ...


def _version_of(item: dict | None) -> int | None:
    if item is None:
        return None
    return from_attribute(item["version"]) if "version" in item else 0


def _holds(item: dict | None, expected: Expected) -> bool:
    """Whether a stored item meets what a conditional write expects."""
    if expected is None:
        return True
    if item is None:
        return False
    return expected == ANY_VERSION or _version_of(item) == expected


def _condition(expected: Expected) -> tuple[str | None, dict[str, Any]]:
    """The ConditionExpression for ``expected``; version 0 is an item with no version yet."""
    if expected is None:
        return None, {}
    if expected == ANY_VERSION:
        return "attribute_exists(PK)", {}
    if expected == 0:
        return "attribute_exists(PK) AND attribute_not_exists(version)", {}
    return "version = :expected", {":expected": to_attribute(expected)}


class DynamoDBRepository:
    """The table named by ``DYNAMODB_TABLE_NAME``, through a lazily built client."""

    def __init__(self, table_name: str | None = None, client: Any = None) -> None:
        if table_name is not None:
            self.table_name = table_name
        if client is not None:
            self.client = client

    @cached_property
    def table_name(self) -> str:
        return required_env("DYNAMODB_TABLE_NAME")

    @cached_property
    def client(self) -> Any:
        return make_client("dynamodb")

    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]:
        """Both items in one strongly consistent ``BatchGetItem``."""
        items = self._batch_get([customer_key(customer_id), template_key(doc_type)])
        customer = items.get(customer_key(customer_id))
        template = items.get(template_key(doc_type))
        return (
            None if customer is None else customer_from_item(customer),
            None if template is None else template_from_item(template),
        )

    def get_template(self, doc_type: str) -> Template | None:
        item = self.get(template_key(doc_type))
        return None if item is None else template_from_item(item)

    def get(self, key: str) -> dict | None:
        with unavailable_on_aws_faults("DynamoDB"):
            response = self.client.get_item(
                TableName=self.table_name, Key={"PK": {"S": key}}, ConsistentRead=True
            )
        return response.get("Item")

    def put(self, key: str, fields: dict[str, Any], expected: Expected) -> tuple[int, bool]:
        """Create or replace in one atomic ``UpdateItem``; ``fields`` set to None are removed.

        The version goes up by one on every write, whoever writes, so two
        writers with the same ``If-Match`` cannot both succeed. Returns the
        new version and whether the item was created.
        """
        names = {f"#f{index}": name for index, name in enumerate(fields)}
        values: dict[str, Any] = {":zero": to_attribute(0), ":one": to_attribute(1)}
        sets, removes = ["version = if_not_exists(version, :zero) + :one"], []
        for alias, name in names.items():
            if fields[name] is None:
                removes.append(alias)
            else:
                values[f":v{alias[2:]}"] = to_attribute(fields[name])
                sets.append(f"{alias} = :v{alias[2:]}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        condition, condition_values = _condition(expected)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {"PK": {"S": key}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values | condition_values,
            "ReturnValues": "UPDATED_OLD",
        }
        if condition:
            request |= {
                "ConditionExpression": condition,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        old = self._conditional("update_item", request)
        return (_version_of(old) or 0) + 1, old is None

    def delete(self, key: str, expected: Expected) -> None:
        """Delete an existing item; ``WriteConflict`` if it is absent or at another version."""
        condition, values = _condition(ANY_VERSION if expected is None else expected)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {"PK": {"S": key}},
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:
            request["ExpressionAttributeValues"] = values
        self._conditional("delete_item", request)

    def _conditional(self, operation: str, request: dict[str, Any]) -> dict | None:
        """Run a conditional write; return the old item's returned values, if any."""
        client = self.client
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                response = getattr(client, operation)(**request)
            except client.exceptions.ConditionalCheckFailedException as error:
                raise WriteConflict(_version_of(error.response.get("Item"))) from None
        return response.get("Attributes")

    def scan(
        self, prefix: str, limit: int, after: str | None, projection: Iterable[str]
    ) -> tuple[list[dict], str | None]:
        """Up to ``limit`` items whose key starts with ``prefix``, in the table's order.

        Scans page by page from just after the key ``after`` and keeps only
        one page in memory. Returns the items and the key to continue after,
        or None at the end of the table. A page may be short (even empty)
        with a key to go on: the scan stops after a bounded number of calls.
        """
        names = {f"#p{index}": name for index, name in enumerate(("PK", *projection))}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "FilterExpression": "begins_with(PK, :prefix)",
            "ExpressionAttributeValues": {":prefix": {"S": prefix}},
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
            "ConsistentRead": True,
            "Limit": _SCAN_LIMIT,
        }
        found: list[dict] = []
        start = None if after is None else {"PK": {"S": after}}
        for _ in range(_SCANS_PER_PAGE):
            if start is not None:
                request["ExclusiveStartKey"] = start
            with unavailable_on_aws_faults("DynamoDB"):
                response = self.client.scan(**request)
            for item in response.get("Items", []):
                found.append(item)
                if len(found) == limit:
                    return found, item["PK"]["S"]
            start = response.get("LastEvaluatedKey")
            if start is None:
                return found, None
        return found, start["PK"]["S"]

    def _batch_get(self, keys: list[str]) -> dict[str, dict]:
        table = self.table_name
        request = {table: {"Keys": [{"PK": {"S": key}} for key in keys], "ConsistentRead": True}}
        found: dict[str, dict] = {}
        with unavailable_on_aws_faults("DynamoDB"):
            for attempt in range(_UNPROCESSED_RETRIES + 1):
                if attempt:
                    time.sleep(_UNPROCESSED_WAIT_SECONDS * attempt)
                response = self.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(table, []):
                    found[item["PK"]["S"]] = item
                request = response.get("UnprocessedKeys")
                if not request:
                    return found
        raise unavailable("DynamoDB")


class InMemoryRepository:
    """The same contract over a dict of items, for fast service-layer tests."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def add(self, *records: Customer | Template) -> None:
        for record in records:
            item = customer_item(record) if isinstance(record, Customer) else template_item(record)
            self.items[item["PK"]["S"]] = item

    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]:
        customer = self.items.get(customer_key(customer_id))
        template = self.items.get(template_key(doc_type))
        return (
            None if customer is None else customer_from_item(customer),
            None if template is None else template_from_item(template),
        )

    def get_template(self, doc_type: str) -> Template | None:
        item = self.items.get(template_key(doc_type))
        return None if item is None else template_from_item(item)

    def get(self, key: str) -> dict | None:
        return self.items.get(key)

    def put(self, key: str, fields: dict[str, Any], expected: Expected) -> tuple[int, bool]:
        old = self.items.get(key)
        if not _holds(old, expected):
            raise WriteConflict(_version_of(old))
        version = (_version_of(old) or 0) + 1
        item = {name: value for name, value in (old or {"PK": {"S": key}}).items()}
        for name, value in fields.items():
            if value is None:
                item.pop(name, None)
            else:
                item[name] = to_attribute(value)
        item["version"] = to_attribute(version)
        self.items[key] = item
        return version, old is None

    def delete(self, key: str, expected: Expected) -> None:
        old = self.items.get(key)
        if old is None or not _holds(old, expected):
            raise WriteConflict(_version_of(old))
        del self.items[key]

    def scan(
        self, prefix: str, limit: int, after: str | None, projection: Iterable[str]
    ) -> tuple[list[dict], str | None]:
        keys = sorted(key for key in self.items if key.startswith(prefix))
        if after is not None:
            keys = [key for key in keys if key > after]
        page = [self.items[key] for key in keys[:limit]]
        return page, page[-1]["PK"]["S"] if len(keys) > limit else None
