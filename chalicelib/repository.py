"""Customers and templates, stored in the original sample's single DynamoDB table.

Layout (hash key ``PK`` only): ``C#<customerId>`` holds a customer's name in
``data``; ``D#<docType>`` holds a template's text in ``data``. Items with
nothing but ``PK`` and ``data`` (as the sample seeds them) are version 0.
"""

import time
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from chalicelib.aws import make_client, required_env, unavailable_on_aws_faults
from chalicelib.errors import unavailable
from chalicelib.letters import Customer, Template

# DynamoDB may hand keys back unprocessed when it is throttling; we ask again
# this many times (short waits, inside the request's time budget) before a 503.
_UNPROCESSED_RETRIES = 2
_UNPROCESSED_WAIT_SECONDS = 0.05


def customer_key(customer_id: str) -> str:
    return f"C#{customer_id}"


def template_key(doc_type: str) -> str:
    return f"D#{doc_type}"


class Repository(Protocol):
    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]: ...


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
        customer_item = items.get(customer_key(customer_id))
        template_item = items.get(template_key(doc_type))
        return (
            None if customer_item is None else _customer(customer_id, customer_item),
            None if template_item is None else _template(doc_type, template_item),
        )

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


def _version(item: dict) -> int:
    return int(item["version"]["N"]) if "version" in item else 0


def _plain(value: dict) -> Any:
    """A DynamoDB attribute value as plain Python (numbers as ``Decimal``, exactly)."""
    kind, raw = next(iter(value.items()))
    if kind == "N":
        return Decimal(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {name: _plain(inner) for name, inner in raw.items()}
    if kind == "L":
        return [_plain(inner) for inner in raw]
    return raw  # S, BOOL


def _customer(customer_id: str, item: dict) -> Customer:
    attributes = _plain(item["attributes"]) if "attributes" in item else {}
    return Customer(
        customer_id=customer_id,
        name=item["data"]["S"],
        attributes=attributes,
        version=_version(item),
    )


def _template(doc_type: str, item: dict) -> Template:
    greeting = item["greeting"]["S"] if "greeting" in item else None
    return Template(
        doc_type=doc_type, text=item["data"]["S"], greeting=greeting, version=_version(item)
    )


class InMemoryRepository:
    """The same contract over dicts, for fast service-layer tests."""

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.templates: dict[str, Template] = {}

    def add(self, *records: Customer | Template) -> None:
        for record in records:
            if isinstance(record, Customer):
                self.customers[record.customer_id] = record
            else:
                self.templates[record.doc_type] = record

    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]:
        return self.customers.get(customer_id), self.templates.get(doc_type)
