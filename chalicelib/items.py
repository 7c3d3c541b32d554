"""Customers and templates as DynamoDB items, in the original sample's layout, and back.

``C#<customerId>`` holds a customer's name in ``data``; ``D#<docType>`` holds
a template's text in ``data``. Items with nothing but ``PK`` and ``data`` (as
the sample seeds them) are version 0 with the default greeting. Pure code:
no boto3, so the importer and the tests share it.
"""

from decimal import Decimal
from typing import Any

from chalicelib.letters import Customer, Template

CUSTOMER_PREFIX = "C#"
TEMPLATE_PREFIX = "D#"


def customer_key(customer_id: str) -> str:
    return f"{CUSTOMER_PREFIX}{customer_id}"


def template_key(doc_type: str) -> str:
    return f"{TEMPLATE_PREFIX}{doc_type}"


def to_attribute(value: Any) -> dict[str, Any]:
    """A plain value (JSON's kinds, numbers as int, float or Decimal) as a DynamoDB value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(Decimal(str(value)))}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {name: to_attribute(inner) for name, inner in value.items()}}
    if isinstance(value, list):
        return {"L": [to_attribute(inner) for inner in value]}
    raise TypeError(f"cannot store a {type(value).__name__}")


MAX_INT_DIGITS = 38
"""The longest whole number the API takes written out in digits: DynamoDB's precision."""


def from_attribute(value: dict[str, Any]) -> Any:
    """A DynamoDB value as plain Python: whole numbers as int, others as exact Decimal.

    A whole number of more than 38 digits (``1E+40``) stays a Decimal: as an int, JSON
    would write out all its digits, and the API would refuse that number written back.
    """
    kind, raw = next(iter(value.items()))
    if kind == "N":
        number = Decimal(raw)
        if number == number.to_integral_value() and number.adjusted() < MAX_INT_DIGITS:
            return int(number)
        return number
    if kind == "NULL":
        return None
    if kind == "M":
        return {name: from_attribute(inner) for name, inner in raw.items()}
    if kind == "L":
        return [from_attribute(inner) for inner in raw]
    return raw  # S, BOOL


def _optional(item: dict[str, Any], name: str) -> Any:
    return from_attribute(item[name]) if name in item else None


def customer_from_item(item: dict[str, Any]) -> Customer:
    return Customer(
        customer_id=item["PK"]["S"].removeprefix(CUSTOMER_PREFIX),
        name=item["data"]["S"],
        attributes=_optional(item, "attributes") or {},
        version=_optional(item, "version") or 0,
        updated_at=_optional(item, "updatedAt"),
    )


def template_from_item(item: dict[str, Any]) -> Template:
    return Template(
        doc_type=item["PK"]["S"].removeprefix(TEMPLATE_PREFIX),
        text=item["data"]["S"],
        greeting=_optional(item, "greeting"),
        description=_optional(item, "description"),
        version=_optional(item, "version") or 0,
        updated_at=_optional(item, "updatedAt"),
    )


def _item(key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"PK": {"S": key}} | {
        name: to_attribute(value) for name, value in fields.items() if value is not None
    }


def customer_item(customer: Customer) -> dict[str, Any]:
    return _item(customer_key(customer.customer_id), customer_fields(customer))


def template_item(template: Template) -> dict[str, Any]:
    return _item(template_key(template.doc_type), template_fields(template))


def customer_fields(customer: Customer) -> dict[str, Any]:
    """What a write stores besides ``PK``; ``None`` means the attribute is absent."""
    return {
        "data": customer.name,
        "attributes": dict(customer.attributes) or None,
        "version": customer.version,
        "updatedAt": customer.updated_at,
    }


def template_fields(template: Template) -> dict[str, Any]:
    return {
        "data": template.text,
        "greeting": template.greeting,
        "description": template.description,
        "version": template.version,
        "updatedAt": template.updated_at,
    }
