"""Request bodies: one JSON Schema each, used to validate and to document.

The same dicts appear in ``/openapi.json``, so what the API checks and what
it says it checks cannot drift apart. They keep to the part of JSON Schema
that draft 7 (which validates here) and OpenAPI 3.1 read alike.
"""

import functools
from collections.abc import Callable
from typing import Any

from chalice import BadRequestError

NAME_MAX_CHARS = 200
ATTRIBUTES_MAX = 50
ATTRIBUTE_VALUE_MAX_CHARS = 2000
TEMPLATE_TEXT_MAX_CHARS = 100 * 1024

_NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"

ATTRIBUTES: dict[str, Any] = {
    "type": "object",
    "description": "Values a template can use as `attributes.<key>`.",
    "maxProperties": ATTRIBUTES_MAX,
    "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
    "additionalProperties": {
        "type": ["string", "number", "boolean", "null"],
        "maxLength": ATTRIBUTE_VALUE_MAX_CHARS,
    },
}

CUSTOMER_BODY: dict[str, Any] = {
    "title": "CustomerBody",
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": NAME_MAX_CHARS,
            "pattern": _NO_CONTROL_CHARACTERS,
        },
        "attributes": ATTRIBUTES,
    },
}

TEMPLATE_BODY: dict[str, Any] = {
    "title": "TemplateBody",
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": {
            "type": "string",
            "maxLength": TEMPLATE_TEXT_MAX_CHARS,
            "description": "Jinja2; checked for syntax when stored.",
        },
        "greeting": {
            "type": "string",
            "maxLength": 1000,
            "description": "Jinja2. Absent: `Dear {{ name }};`. Empty: no greeting line.",
        },
        "description": {"type": "string", "maxLength": 1000},
    },
}

PREVIEW_BODY: dict[str, Any] = {
    "title": "PreviewBody",
    "type": "object",
    "additionalProperties": False,
    "description": "Either a stored customer or an inline one.",
    "oneOf": [{"required": ["customerId"]}, {"required": ["customer"]}],
    "properties": {
        "customerId": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
        "customer": CUSTOMER_BODY,
    },
}


@functools.cache
def _validator(title: str, schema_id: int) -> Callable[[Any], Any]:
    import fastjsonschema

    schema = next(s for s in (CUSTOMER_BODY, TEMPLATE_BODY, PREVIEW_BODY) if id(s) == schema_id)
    return fastjsonschema.compile(schema)


def validate(schema: dict[str, Any], body: Any) -> None:
    """Raise a 400 that says which field is wrong and how, or return."""
    import fastjsonschema

    try:
        _validator(schema["title"], id(schema))(body)
    except fastjsonschema.JsonSchemaValueException as error:
        raise BadRequestError(_describe(error)) from None


# Where a generic JSON Schema message would not help a person, say it plainly.
_PLAIN_MESSAGES = {
    "pattern": "must not contain control characters",
    "propertyNames": "must have names of letters, digits and '_' (not starting with a "
    "digit), at most 64 characters",
    "oneOf": "must have exactly one of customerId and customer",
}


def _describe(error: Any) -> str:
    """``data.attributes.plan must be ...`` -> ``attributes.plan must be ...``."""
    field = error.name.removeprefix("data").removeprefix(".") or "body"
    if error.rule in _PLAIN_MESSAGES and not (
        error.rule == "pattern" and field.endswith("customerId")
    ):
        return f"{field} {_PLAIN_MESSAGES[error.rule]}"
    return field + error.message.removeprefix(error.name)
