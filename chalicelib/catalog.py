"""The catalog service: customers and templates over the API, with versions and pages.

Customers and templates follow the same rules (validated identifiers,
conditional writes on ``version``, opaque paging), so one implementation
serves both, told apart by a ``Kind``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalice import BadRequestError, NotFoundError

from chalicelib.budget import time_budget
from chalicelib.documents import iso_utc
from chalicelib.errors import PreconditionFailedError
from chalicelib.http import decode_token, encode_token, page_size, parse_if_match
from chalicelib.identifiers import require_identifier
from chalicelib.items import (
    CUSTOMER_PREFIX,
    TEMPLATE_PREFIX,
    customer_fields,
    customer_from_item,
    template_fields,
    template_from_item,
)
from chalicelib.letters import Customer, Template
from chalicelib.rendering import syntax_error
from chalicelib.repository import Expected, Repository, WriteConflict
from chalicelib.service import TIME_BUDGET_SECONDS, utc_now

Record = Customer | Template


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "customerId": customer.customer_id,
        "name": customer.name,
        "attributes": dict(customer.attributes),
        "version": customer.version,
        "updatedAt": customer.updated_at,
    }


def template_json(template: Template) -> dict[str, Any]:
    return {
        "docType": template.doc_type,
        "text": template.text,
        "greeting": template.greeting,
        "description": template.description,
        "version": template.version,
        "updatedAt": template.updated_at,
    }


def _customer_from_body(customer_id: str, body: Mapping[str, Any], now: str) -> Customer:
    return Customer(customer_id, body["name"], body.get("attributes", {}), updated_at=now)


def _template_from_body(doc_type: str, body: Mapping[str, Any], now: str) -> Template:
    for field in ("text", "greeting"):
        problem = syntax_error(body.get(field) or "")
        if problem:
            raise BadRequestError(f"{field} has a {problem}")
    return Template(
        doc_type,
        body["text"],
        body.get("greeting"),
        body.get("description"),
        updated_at=now,
    )


@dataclass(frozen=True)
class Kind:
    """What differs between customers and templates; everything else is shared."""

    label: str
    id_field: str
    prefix: str
    from_body: Callable[[str, Mapping[str, Any], str], Record]
    from_item: Callable[[dict], Record]
    fields: Callable[[Any], dict[str, Any]]
    to_json: Callable[[Any], dict[str, Any]]
    summary: tuple[str, ...]
    """The JSON fields a list shows: small, so a full page fits Lambda's 6 MB answer."""
    summary_attributes: tuple[str, ...]
    """The item attributes a list reads for them."""


CUSTOMERS = Kind(
    label="customer",
    id_field="customerId",
    prefix=CUSTOMER_PREFIX,
    from_body=_customer_from_body,
    from_item=customer_from_item,
    fields=customer_fields,
    to_json=customer_json,
    summary=("customerId", "name", "version", "updatedAt"),
    summary_attributes=("data", "version", "updatedAt"),
)
TEMPLATES = Kind(
    label="template",
    id_field="docType",
    prefix=TEMPLATE_PREFIX,
    from_body=_template_from_body,
    from_item=template_from_item,
    fields=template_fields,
    to_json=template_json,
    summary=("docType", "description", "version", "updatedAt"),
    summary_attributes=("data", "description", "version", "updatedAt"),
)


class CatalogService:
    def __init__(
        self,
        repository: Repository,
        clock: Callable[[], datetime] = utc_now,
        time_budget_seconds: float = TIME_BUDGET_SECONDS,
    ) -> None:
        self.repository = repository
        self.clock = clock
        self.time_budget_seconds = time_budget_seconds

    def put(
        self, kind: Kind, record_id: str, body: Mapping[str, Any], if_match: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Create or replace; returns the stored resource and whether it was created."""
        require_identifier(kind.id_field, record_id)
        expected = parse_if_match(if_match)
        record = kind.from_body(record_id, body, iso_utc(self.clock()))
        fields = {name: value for name, value in kind.fields(record).items() if name != "version"}
        with time_budget(self.time_budget_seconds):
            try:
                version, created = self.repository.put(kind.prefix + record_id, fields, expected)
            except WriteConflict as conflict:
                raise self._conflict(kind, record_id, expected, conflict) from None
        return kind.to_json(replace(record, version=version)), created

    def get(self, kind: Kind, record_id: str) -> dict[str, Any]:
        require_identifier(kind.id_field, record_id)
        with time_budget(self.time_budget_seconds):
            item = self.repository.get(kind.prefix + record_id)
        if item is None:
            raise NotFoundError(f"{kind.label} {record_id} does not exist")
        return kind.to_json(kind.from_item(item))

    def delete(self, kind: Kind, record_id: str, if_match: str | None) -> None:
        require_identifier(kind.id_field, record_id)
        expected = parse_if_match(if_match)
        with time_budget(self.time_budget_seconds):
            try:
                self.repository.delete(kind.prefix + record_id, expected)
            except WriteConflict as conflict:
                raise self._conflict(kind, record_id, expected, conflict) from None

    def list(self, kind: Kind, query: Mapping[str, str]) -> dict[str, Any]:
        limit = page_size(query)
        after = decode_token(query.get("next"), kind.prefix)
        with time_budget(self.time_budget_seconds):
            items, last = self.repository.scan(kind.prefix, limit, after, kind.summary_attributes)
        summaries = []
        for item in items:
            resource = kind.to_json(kind.from_item(item))
            summaries.append({name: resource[name] for name in kind.summary})
        return {"items": summaries, "next": None if last is None else encode_token(last)}

    @staticmethod
    def _conflict(
        kind: Kind, record_id: str, expected: Expected, conflict: WriteConflict
    ) -> Exception:
        what = f"{kind.label} {record_id}"
        if conflict.current_version is None:
            if expected is None:
                return NotFoundError(f"{what} does not exist")
            return PreconditionFailedError(f"{what} does not exist, so If-Match cannot hold")
        return PreconditionFailedError(
            f"{what} is at version {conflict.current_version}, not {expected}: "
            "read it again and retry with its ETag"
        )
