"""Customers and templates in the original sample's single DynamoDB table, through a
lazily built boto3 ``Table``.

The table holds items in each model's item form (``chalicelib.domain.model``); boto3's
resource layer does the type marshalling and ``boto3.dynamodb.conditions`` the
conditions. In and out go domain objects only.
"""

import time
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from typing import Any

from chalicelib.adapters.aws import dynamodb_table, required_env, unavailable_on_aws_faults
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.model import (
    from_item,
    identifier_of_key,
    item_key,
    stored_attributes,
    to_item,
)
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.storage import ANY_VERSION, Expected, M, WriteConflict

# A Scan reads this many items per call; a list request makes at most
# _SCANS_PER_PAGE calls, then answers with what it has and a ``next`` cursor.
_SCAN_LIMIT = 100
_SCANS_PER_PAGE = 10
BATCH_GET_LIMIT = 100
"""BatchGetItem's limit."""

# DynamoDB may hand keys back unprocessed when it is throttling; we ask again
# this many times (short waits, inside the request's time budget) before a 503.
_UNPROCESSED_RETRIES = 2
_UNPROCESSED_WAIT_SECONDS = 0.05


def version_of(item: dict[str, Any] | None) -> int | None:
    """An item's version; one without (as the sample seeds them) is version 0."""
    if item is None:
        return None
    return int(item.get("version", 0))


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


class DynamoDBRepository:
    """The table named by ``DYNAMODB_TABLE_NAME``."""

    def __init__(self, table: Any = None) -> None:
        if table is not None:
            self.table = table

    @cached_property
    def table(self) -> Any:
        return dynamodb_table(required_env("DYNAMODB_TABLE_NAME"))

    @property
    def client(self) -> Any:
        """The table's own client, for the calls the resource layer lacks (batch reads)."""
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
        request: dict[str, Any] = {
            "Key": {"PK": item["PK"]},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "UPDATED_OLD",
        }
        old = self._conditional(self.table.update_item, request, expected)
        version = (version_of(old) or 0) + 1
        return replace(record, version=version), old is None

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
        from boto3.dynamodb.types import TypeDeserializer

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
                # A failed condition's item comes back typed: the resource layer leaves errors be.
                typed = error.response.get("Item")
                old = None if typed is None else TypeDeserializer().deserialize({"M": typed})
                raise WriteConflict(version_of(old)) from None
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

    def _batch_get(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The items of ``keys`` that exist, by key, read strongly consistent."""
        name = self.table.name
        request = {name: {"Keys": [{"PK": key} for key in keys], "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        with unavailable_on_aws_faults("DynamoDB"):
            for attempt in range(_UNPROCESSED_RETRIES + 1):
                if attempt:
                    time.sleep(_UNPROCESSED_WAIT_SECONDS * attempt)
                response = self.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(name, []):
                    found[item["PK"]] = item
                request = response.get("UnprocessedKeys")
                if not request:
                    return found
        raise Unavailable("DynamoDB")
