"""Customers and templates, stored in the original sample's single DynamoDB table.

The item layout is in ``chalicelib.items``.
"""

import time
from functools import cached_property
from typing import Any, Protocol

from chalicelib.aws import make_client, required_env, unavailable_on_aws_faults
from chalicelib.errors import unavailable
from chalicelib.items import customer_from_item, customer_key, template_from_item, template_key
from chalicelib.letters import Customer, Template

# DynamoDB may hand keys back unprocessed when it is throttling; we ask again
# this many times (short waits, inside the request's time budget) before a 503.
_UNPROCESSED_RETRIES = 2
_UNPROCESSED_WAIT_SECONDS = 0.05


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
        customer = items.get(customer_key(customer_id))
        template = items.get(template_key(doc_type))
        return (
            None if customer is None else customer_from_item(customer),
            None if template is None else template_from_item(template),
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
