"""Customers and templates in the original sample's single DynamoDB table, through a
lazily built boto3 ``Table``.

The table holds items in each model's item form (``chalicelib.domain.model``); boto3's
resource layer does the type marshalling and ``boto3.dynamodb.conditions`` the
conditions (``chalicelib.adapters.dynamodb_requests``). In and out go domain objects
only. Batch writes (``put_many``, what the importer uses) are transactions:
``chalicelib.adapters.transactions``; templates are written with their versions:
``chalicelib.adapters.versions``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cached_property, reduce
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.aws import dynamodb_table, required_env, unavailable_on_aws_faults
from chalicelib.adapters.dynamodb_requests import (
    REQUEST_PATIENCE,
    Patience,
    batch_get,
    condition,
    record_of,
    typed_version,
    update_request,
    version_of,
)
from chalicelib.domain.model import M, from_item, identifier_of_key, item_key, stored_attributes
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.writes import ANY_VERSION, Expected, Read, WriteConflict

if TYPE_CHECKING:  # loaded by the requests that use them: a letter needs none
    from chalicelib.adapters.idempotency import DynamoDBIdempotencyRecords
    from chalicelib.adapters.versions import TemplateVersions
    from chalicelib.domain.idempotency import IdempotencyRecord
    from chalicelib.domain.outcomes import Outcome, Unreadable
    from chalicelib.domain.versions import TemplateVersion

# A Scan reads this many items per call; a list request makes at most
# _SCANS_PER_PAGE calls, then answers with what it has and a ``next`` cursor.
_SCAN_LIMIT = 100
_SCANS_PER_PAGE = 10
BATCH_GET_LIMIT = 100
"""BatchGetItem's limit."""


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

    @property
    def versions(self) -> TemplateVersions:
        from chalicelib.adapters.versions import TemplateVersions

        return TemplateVersions(self.table, self.patience)

    @property
    def idempotency(self) -> DynamoDBIdempotencyRecords:
        from chalicelib.adapters.idempotency import DynamoDBIdempotencyRecords

        return DynamoDBIdempotencyRecords(self.table)

    def reserve(self, record: IdempotencyRecord, now: int) -> IdempotencyRecord | None:
        return self.idempotency.reserve(record, now)

    def complete(self, record: IdempotencyRecord) -> None:
        self.idempotency.complete(record)

    def release(self, record: IdempotencyRecord) -> None:
        self.idempotency.release(record)

    def get_customer_and_template(
        self, customer_id: str, doc_type: str, version: int | None = None
    ) -> tuple[Customer | None, Template | None]:
        """Both items in one strongly consistent ``BatchGetItem``; with ``version``, that
        version's item is read too, and the template is that version."""
        keys = [item_key(Customer, customer_id), item_key(Template, doc_type)]
        if version is not None:
            from chalicelib.domain.versions import pick_version, version_key

            keys.append(version_key(doc_type, version))
        items = self._batch_get(keys)
        customer = items.get(keys[0])
        if version is None:
            template = items.get(keys[1])
            pinned = None if template is None else from_item(Template, template)
        else:
            pinned = pick_version(items, doc_type, version)
        return None if customer is None else from_item(Customer, customer), pinned

    def get_version(self, doc_type: str, version: int) -> Template | None:
        return self.versions.get(doc_type, version)

    def template_versions(
        self, doc_type: str, limit: int, start: int | None
    ) -> Page[TemplateVersion] | None:
        return self.versions.page(doc_type, limit, start)

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
        with the same ``If-Match`` cannot both succeed. A template is written with its
        new version (``chalicelib.adapters.versions``).
        """
        from chalicelib.domain.versions import is_versioned

        if is_versioned(type(record)):
            return self.versions.put(record, expected)  # type: ignore[arg-type, return-value]
        request = update_request(record) | {"ReturnValues": "UPDATED_OLD"}
        old = self._conditional(self.table.update_item, request, expected)
        version = (version_of(old) or 0) + 1
        return replace(record, version=version), old is None

    def put_many(self, writes: Sequence[tuple[M, Read]]) -> list[Outcome[M]]:
        """Each record stored as the version after ``read``, if still at it
        (``chalicelib.adapters.transactions``)."""
        from chalicelib.adapters.transactions import Transactions

        return Transactions(self.table, self.patience).put_many(writes)

    def delete(self, model: type[M], identifier: str, expected: Expected) -> None:
        """Delete an existing item; ``WriteConflict`` if it is absent or at another version.
        A template's versions stay; a letterhead a template names stays (``InUse``)."""
        from chalicelib.domain.letterheads import Letterhead  # loaded by deletes, not letters
        from chalicelib.domain.versions import is_versioned

        if is_versioned(model):
            self.versions.delete(identifier, expected)
            return
        if model is Letterhead:
            from chalicelib.adapters.letterheads import delete_unreferenced

            delete_unreferenced(self.table, identifier, expected)
            return
        request = {"Key": {"PK": item_key(model, identifier)}}
        self._conditional(
            self.table.delete_item, request, ANY_VERSION if expected is None else expected
        )

    def _conditional(
        self, operation: Any, request: dict[str, Any], expected: Expected
    ) -> dict[str, Any] | None:
        """Run a write under ``expected``; the old item's returned values, if any."""
        held = condition(expected)
        if held is not None:
            request = request | {
                "ConditionExpression": held,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        client = self.client
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                response = operation(**request)
            except client.exceptions.ConditionalCheckFailedException as error:
                raise WriteConflict(typed_version(error.response.get("Item"))) from None
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

    def customer_ids(self, limit: int, after: str | None) -> tuple[list[str], str | None]:
        """The ids of the customers in one scan page of ``limit`` items after the key
        ``after``, and the key to go on from (``None``: the scan is over)."""
        from boto3.dynamodb.conditions import Key

        request: dict[str, Any] = {
            "FilterExpression": Key("PK").begins_with(Customer.KEY_PREFIX),
            "ProjectionExpression": "PK",
            "ConsistentRead": True,
            "Limit": limit,
        }
        if after is not None:
            request["ExclusiveStartKey"] = {"PK": after}
        with unavailable_on_aws_faults("DynamoDB"):
            response = self.table.scan(**request)
        ids = [identifier_of_key(Customer, item["PK"]) for item in response.get("Items", [])]
        return ids, response.get("LastEvaluatedKey", {}).get("PK")

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
        return batch_get(self.table, keys, self.patience)
