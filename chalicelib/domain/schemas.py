"""Request bodies: each one JSON Schema, used to validate and to document.

The customer and template bodies come from their models; ``/openapi.json`` shows
these very dicts, so what the API checks and what it says it checks cannot drift.
They keep to the part of JSON Schema that draft 7 (which validates here) and OpenAPI
3.1 read alike.
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from chalicelib.domain import rules
from chalicelib.domain.documents import DEFAULT_FORMAT, FORMATS
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.model import body_schema
from chalicelib.domain.records import Customer, Template

CUSTOMER_BODY = body_schema(Customer)
TEMPLATE_BODY = body_schema(Template)
PREVIEW_BODY: dict[str, Any] = {
    "title": "PreviewBody",
    "type": "object",
    "additionalProperties": False,
    "description": "Either a stored customer or an inline one; the stored template, a "
    "version of it, or an unsaved one (`template`, as `PUT /templates/{docType}` takes it).",
    "oneOf": [{"required": ["customerId"]}, {"required": ["customer"]}],
    # A draft has no versions: not both. Its properties named, as Redocly asks of `required`.
    "not": {
        "required": ["template", "templateVersion"],
        "properties": {"template": True, "templateVersion": True},
    },
    "properties": {
        "customerId": {"type": "string", "pattern": rules.IDENTIFIER_PATTERN},
        "customer": CUSTOMER_BODY,
        "template": TEMPLATE_BODY
        | {
            "description": "Render this unsaved template instead of the stored one (checked "
            "as storing it would check it); the answer then carries its `variables`."
        },
        "templateVersion": {
            "type": "integer",
            "minimum": 0,
            "maximum": rules.MAX_VERSION,
            "description": "Render this version of the template rather than the current one.",
        },
    },
}
BATCH_BODY: dict[str, Any] = {
    "title": "BatchBody",
    "type": "object",
    "additionalProperties": False,
    "description": "Either the customers to write to, or all of them.",
    "required": ["docType"],
    "oneOf": [{"required": ["customerIds"]}, {"required": ["allCustomers"]}],
    "if": {
        "required": ["output"],
        "properties": {"output": {"required": ["pdf"], "properties": {"pdf": {"const": True}}}},
    },
    "then": {
        "required": ["format"],
        "properties": {
            "format": {"const": "pdf", "description": "for output.pdf: only PDF letters merge"}
        },
    },
    "properties": {
        "docType": {"type": "string", "pattern": rules.IDENTIFIER_PATTERN},
        "format": {"enum": list(FORMATS), "default": DEFAULT_FORMAT},
        "templateVersion": PREVIEW_BODY["properties"]["templateVersion"],
        "customerIds": {
            "type": "array",
            "minItems": 1,
            "maxItems": rules.MAX_BATCH_CUSTOMERS,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": rules.IDENTIFIER_PATTERN},
        },
        "allCustomers": {"const": True},
        "output": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "zip": {"type": "boolean", "description": "A ZIP of every letter."},
                "pdf": {"type": "boolean", "description": "One PDF of every letter (format pdf)."},
            },
        },
        "webhook": {
            "type": "object",
            "additionalProperties": False,
            "required": ["url"],
            "properties": {
                "url": {
                    "type": "string",
                    "maxLength": rules.WEBHOOK_URL_MAX_CHARS,
                    "description": "https on port 443 to a public address; POSTed when the "
                    "batch finishes.",
                }
            },
        },
    },
}


@functools.cache
def letterhead_body() -> dict[str, Any]:
    """Built on first use: a cold start for a letter never loads the letterhead model."""
    from chalicelib.domain.letterheads import Letterhead

    return body_schema(Letterhead)


def bodies() -> dict[str, dict[str, Any]]:
    """Every request body by its title: what ``/openapi.json`` shows and validation uses."""
    every = (CUSTOMER_BODY, TEMPLATE_BODY, letterhead_body(), PREVIEW_BODY, BATCH_BODY)
    return {schema["title"]: schema for schema in every}


_NUMBER_BOUNDS = ("exclusiveMinimum", "exclusiveMaximum")


def _for_validation(schema: Any) -> Any:
    """``schema`` as fastjsonschema should check bodies ``jsontext.parse`` read.

    Less its bounds on numbers, which the parser already enforces exactly: compared with
    their float bounds, Decimals at the very edge (``1e-130``) would be refused though
    they are stored exactly and the document allows them. And an ``integer`` checked as
    a whole number, however written: JSON Schema's integer takes ``3.0`` and ``3e0``,
    which the parser reads as Decimals, and fastjsonschema's integer check refuses them.
    """
    if isinstance(schema, list):
        return [_for_validation(inner) for inner in schema]
    if not isinstance(schema, dict):
        return schema
    checked = {
        name: _for_validation(inner)
        for name, inner in schema.items()
        if name not in _NUMBER_BOUNDS
        and not (name == "not" and isinstance(inner, dict) and inner.get("type") == "number")
    }
    if checked.get("type") == "integer":
        checked |= {"type": "number", "multipleOf": 1}
    return checked


@functools.cache
def _validator(title: str) -> Callable[[Any], Any]:
    import fastjsonschema  # compiled on first use: a cold start that reads no body skips it

    return fastjsonschema.compile(_for_validation(bodies()[title]))


def validate(schema: dict[str, Any], body: Any) -> None:
    """Raise ``InvalidInput`` that says which field is wrong and how, or return."""
    import fastjsonschema

    try:
        _validator(schema["title"])(body)
    except fastjsonschema.JsonSchemaValueException as error:
        raise InvalidInput(_describe(error)) from None


# Where a generic JSON Schema message would not help a person, say it plainly.
_PLAIN_MESSAGES = {
    "pattern": "must not contain control characters",
    "propertyNames": "must have names of letters, digits and '_' (not starting with a "
    "digit), at most 64 characters",
    "uniqueItems": "must not name a customer twice",
}


def _describe(error: Any) -> str:
    """``data.attributes.plan must be ...`` -> ``attributes.plan must be ...``."""
    field = error.name.removeprefix("data").removeprefix(".") or "body"
    whole = isinstance(error.definition, dict) and error.definition.get("multipleOf") == 1
    if whole and error.rule in ("type", "multipleOf"):
        return f"{field} must be integer"  # an integer of the document, checked as a number
    if error.rule == "const":
        why = error.definition.get("description")
        return f"{field} must be {json.dumps(error.definition['const'])}" + (
            f" {why}" if why else ""
        )
    identifier = isinstance(error.definition, dict) and (
        error.definition.get("pattern") == rules.IDENTIFIER_PATTERN
    )
    if error.rule == "pattern" and identifier and field.startswith("customerIds["):
        return f"{field} {rules.IDENTIFIER_RULE}"
    if error.rule == "oneOf":
        names = [alternative["required"][0] for alternative in error.definition["oneOf"]]
        return f"{field} must have exactly one of {' and '.join(names)}"
    if error.rule == "not" and "required" in error.definition["not"]:
        return f"{field} must not have both {' and '.join(error.definition['not']['required'])}"
    if error.rule in _PLAIN_MESSAGES and not (
        error.rule == "pattern" and field.endswith("customerId")
    ):
        return f"{field} {_PLAIN_MESSAGES[error.rule]}"
    return field + error.message.removeprefix(error.name)
