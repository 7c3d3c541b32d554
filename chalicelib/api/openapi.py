"""The OpenAPI 3 description of every route in ``app.py``.

A test compares its paths and methods with the app's route table, so a
route cannot be added without being described here.
"""

from typing import Any

from chalicelib.api.requests import MAX_TOKEN_CHARS
from chalicelib.domain.documents import DEFAULT_FORMAT, FORMATS, ListedDocument, StoredDocument
from chalicelib.domain.model import resource_schema
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rules import (
    DEFAULT_PAGE_SIZE,
    IDENTIFIER_PATTERN,
    MAX_BODY_BYTES,
    MAX_PAGE_SIZE,
)
from chalicelib.domain.schemas import CUSTOMER_BODY, PREVIEW_BODY, TEMPLATE_BODY

_REQUEST_ID = {
    "description": "API Gateway's request id, or one made up for this request.",
    "schema": {"type": "string"},
}


# The original sample's customer and template (tools/stack.py seeds them for `make run`), as
# examples: readers can try them, and the contract test's examples phase reaches the success
# paths with them rather than only the 404s that random identifiers get.
_SAMPLE_IDENTIFIERS = {"customerId": "TestCustomer", "docType": "Welcome"}


def _identifier(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": what,
        "schema": {"type": "string", "pattern": IDENTIFIER_PATTERN},
        "example": _SAMPLE_IDENTIFIERS[name],
    }


def _error(description: str, extra_headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Request-Id": _REQUEST_ID, **(extra_headers or {})},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, schema: dict[str, Any], extra_headers: dict[str, Any] | None = None):
    return _error(description, extra_headers) | {
        "content": {"application/json": {"schema": schema}}
    }


_SERVER_ERRORS = {
    "500": {"$ref": "#/components/responses/InternalServerError"},
}
_AWS_ERRORS = _SERVER_ERRORS | {"503": {"$ref": "#/components/responses/ServiceUnavailable"}}

DOCUMENT_SCHEMA = resource_schema(StoredDocument)

_FORMAT_QUERY = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "`txt`: the letter as UTF-8 text. `html`: one printable page with an inline "
    "stylesheet, every character of the letter escaped. `pdf`: A4, DejaVu Serif embedded "
    "(Latin, Greek, Cyrillic), paragraphs kept, Page X of Y, title and subject metadata.",
    "schema": {"type": "string", "enum": list(FORMATS), "default": DEFAULT_FORMAT},
}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "docgen",
        "version": "1.0.0",
        "description": "Generates letters from customers and templates stored in "
        "DynamoDB and writes them to S3.",
    },
    "paths": {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Liveness; makes no AWS call.",
                "responses": {
                    "200": _ok(
                        "The function is up.",
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"const": "ok"}},
                        },
                    ),
                    **_SERVER_ERRORS,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {
                    "200": _ok("The OpenAPI 3 description of every route.", {"type": "object"}),
                    **_SERVER_ERRORS,
                },
            }
        },
        "/customers/{customerId}/documents/{docType}": {
            "parameters": [
                _identifier("customerId", "The customer (item `C#<customerId>`)."),
                _identifier("docType", "The template (item `D#<docType>`)."),
            ],
            "post": {
                "operationId": "generateDocument",
                "summary": "Render the customer's letter from the template and store it in S3.",
                "description": "Reads the customer and the template in one consistent "
                "BatchGetItem, renders `<greeting>\\n<text>` (Jinja2, sandboxed), lays it out "
                "in the asked format and writes it with one PutObject (SSE) at "
                "`<customerId>/<docType>.<format>`, replacing any earlier one. The `url` is a "
                "presigned GET, signed locally, valid for the stage's "
                "`DOCUMENT_URL_TTL_SECONDS`. Nothing is written on any error.",
                "parameters": [_FORMAT_QUERY],
                "responses": {
                    "201": _ok(
                        "Stored.",
                        {"$ref": "#/components/schemas/Document"},
                        {
                            "Location": {
                                "description": "The stored document.",
                                "schema": {"type": "string"},
                            }
                        },
                    ),
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": _error(
                        "The customer or the template does not exist; the message says which."
                    ),
                    "422": _error(
                        "The template cannot be rendered for this customer (undefined "
                        "variable, forbidden access, syntax error, output over 1 MiB); "
                        "the message says what. Nothing was written."
                    ),
                    **_AWS_ERRORS,
                },
            },
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["Code", "Message"],
                "properties": {
                    "Code": {"type": "string", "examples": ["NotFoundError"]},
                    "Message": {"type": "string"},
                },
            },
            "Document": DOCUMENT_SCHEMA,
        },
        "responses": {
            "BadRequest": _error(
                "A bad identifier or query parameter; nothing was read or written."
            ),
            "ServiceUnavailable": _error(
                "DynamoDB or S3 was throttled or unreachable after retries.",
                {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
            ),
            "InternalServerError": _error("Something unexpected; the message is generic."),
        },
    },
}


# Customers and templates -------------------------------------------------------

_ETAG = {"description": 'The version, as a strong ETag: `"3"`.', "schema": {"type": "string"}}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'Only if the stored version is this ETag (`"3"`), or exists at all (`*`). '
    'Items written the original sample\'s way are version `"0"`.',
    "schema": {"type": "string", "pattern": '^(\\*|"[0-9]{1,15}")$'},
}
_PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PAGE_SIZE,
            "default": DEFAULT_PAGE_SIZE,
        },
    },
    {
        "name": "next",
        "in": "query",
        "required": False,
        "description": "The `next` token of the previous page, as given; any other value is a 400.",
        # Tokens are unpadded URL-safe base64: an empty, over-long or other-alphabet value
        # is never one.
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_TOKEN_CHARS,
            "pattern": "^[A-Za-z0-9_-]+$",
        },
    },
]
_BODY_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "413": _error(f"The body is over {MAX_BODY_BYTES} bytes."),
    "415": _error("The body is not `application/json`."),
}
_PRECONDITION = {"412": _error("`If-Match` does not hold; the message gives the stored version.")}


_BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "CustomerBody": {"name": "Ann Smith", "attributes": {"plan": "Gold", "seats": 3, "vip": True}},
    "TemplateBody": {
        "text": "Your {{ attributes.plan }} plan renews soon.\n",
        "greeting": "Hello {{ name }},",
        "description": "Plan renewal",
    },
    "PreviewBody": {"customer": {"name": "Zoë", "attributes": {"plan": "Free"}}},
}


def _json_body(schema_name: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{schema_name}"},
                "example": _BODY_EXAMPLES[schema_name],
            }
        },
    }


def _resource_paths(
    collection: str, id_name: str, label: str, resource: str, body: str, summary: str
) -> dict[str, Any]:
    item_path = f"{collection}/{{{id_name}}}"
    ref = {"$ref": f"#/components/schemas/{resource}"}
    not_found = {"404": _error(f"The {label} does not exist.")}
    return {
        collection: {
            "get": {
                "operationId": f"list{resource}s",
                "summary": f"List {label}s, a page at a time, in no particular order.",
                "parameters": _PAGING,
                "responses": {
                    "200": _ok(
                        f"A page of {label}s; `next` is null on the last page.",
                        {
                            "type": "object",
                            "required": ["items", "next"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {"$ref": f"#/components/schemas/{summary}"},
                                },
                                "next": {"type": ["string", "null"]},
                            },
                        },
                    ),
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    **_AWS_ERRORS,
                },
            }
        },
        item_path: {
            "parameters": [_identifier(id_name, f"The {label}.")],
            "put": {
                "operationId": f"put{resource}",
                "summary": f"Create or replace a {label}.",
                "parameters": [_IF_MATCH],
                "requestBody": _json_body(body),
                "responses": {
                    "200": _ok("Replaced.", ref, {"ETag": _ETAG}),
                    "201": _ok("Created.", ref, {"ETag": _ETAG}),
                    **_BODY_ERRORS,
                    **_PRECONDITION,
                    **_AWS_ERRORS,
                },
            },
            "get": {
                "operationId": f"get{resource}",
                "summary": f"Read a {label}.",
                "responses": {
                    "200": _ok(f"The {label}.", ref, {"ETag": _ETAG}),
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    **not_found,
                    **_AWS_ERRORS,
                },
            },
            "delete": {
                "operationId": f"delete{resource}",
                "summary": f"Delete a {label}.",
                "parameters": [_IF_MATCH],
                "responses": {
                    "204": {"description": "Deleted.", "headers": {"X-Request-Id": _REQUEST_ID}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    **not_found,
                    **_PRECONDITION,
                    **_AWS_ERRORS,
                },
            },
        },
    }


SPEC["paths"] |= _resource_paths(
    "/customers", "customerId", "customer", "Customer", "CustomerBody", "CustomerSummary"
)
SPEC["paths"] |= _resource_paths(
    "/templates", "docType", "template", "Template", "TemplateBody", "TemplateSummary"
)
SPEC["paths"]["/templates/{docType}/preview"] = {
    "parameters": [_identifier("docType", "The template.")],
    "post": {
        "operationId": "previewTemplate",
        "summary": "Render the letter generation would write, without writing it.",
        "requestBody": _json_body("PreviewBody"),
        "responses": {
            "200": _ok(
                "The letter.",
                {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string"}},
                },
            ),
            **_BODY_ERRORS,
            "404": _error("The customer or the template does not exist."),
            "422": _error("The template cannot be rendered for this customer."),
            **_AWS_ERRORS,
        },
    },
}
SPEC["components"]["schemas"] |= {
    "CustomerBody": CUSTOMER_BODY,
    "TemplateBody": TEMPLATE_BODY,
    "PreviewBody": PREVIEW_BODY,
    "Customer": resource_schema(Customer),
    "CustomerSummary": resource_schema(Customer, summary=True),
    "Template": resource_schema(Template),
    "TemplateSummary": resource_schema(Template, summary=True),
}


# Stored documents --------------------------------------------------------------

_DOCUMENT_PATH = SPEC["paths"]["/customers/{customerId}/documents/{docType}"]
_DOCUMENT_PATH["get"] = {
    "operationId": "getDocument",
    "summary": "A stored document's description, with a fresh presigned download link.",
    "description": "One HeadObject; the link is signed locally. Download with the link: "
    "documents are not streamed through API Gateway.",
    "parameters": [_FORMAT_QUERY],
    "responses": {
        "200": _ok("The document.", {"$ref": "#/components/schemas/Document"}),
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": _error("No such document was ever generated (or it was deleted)."),
        **_AWS_ERRORS,
    },
}
_DOCUMENT_PATH["delete"] = {
    "operationId": "deleteDocument",
    "summary": "Delete a stored document; on a versioned bucket its history stays.",
    "parameters": [_FORMAT_QUERY],
    "responses": {
        "204": {"description": "Deleted.", "headers": {"X-Request-Id": _REQUEST_ID}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": _error("There is no such document."),
        **_AWS_ERRORS,
    },
}
SPEC["paths"]["/customers/{customerId}/documents"] = {
    "parameters": [_identifier("customerId", "The customer.")],
    "get": {
        "operationId": "listDocuments",
        "summary": "The customer's stored documents, a page at a time, by key.",
        "parameters": _PAGING,
        "responses": {
            "200": _ok(
                "A page of documents; `next` is null on the last page.",
                {
                    "type": "object",
                    "required": ["items", "next"],
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/StoredObject"},
                        },
                        "next": {"type": ["string", "null"]},
                    },
                },
            ),
            "400": {"$ref": "#/components/responses/BadRequest"},
            **_AWS_ERRORS,
        },
    },
}
SPEC["components"]["schemas"]["StoredObject"] = resource_schema(ListedDocument)

# API keys ----------------------------------------------------------------------

_PUBLIC = ("/health", "/openapi.json")
"""The operations app.py serves without a key; every other one needs ``x-api-key``."""
_GATEWAY_ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}
SPEC["security"] = [{"ApiKey": []}]
SPEC["components"]["securitySchemes"] = {
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The key of the stage's usage plan (API Gateway checks it; "
        "chalice local does not).",
    }
}
SPEC["components"]["responses"] |= {
    "Forbidden": _ok("API Gateway: no API key, or not a key of this API.", _GATEWAY_ERROR),
    "TooManyRequests": _ok("API Gateway: the usage plan's throttle or quota.", _GATEWAY_ERROR),
}


def _mark_key_requirements(paths: dict[str, Any]) -> None:
    """Public operations need no key; the others may get API Gateway's own 403 and 429."""
    for path, item in paths.items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if path in _PUBLIC:
                operation["security"] = []
            else:
                operation["responses"]["403"] = {"$ref": "#/components/responses/Forbidden"}
                operation["responses"]["429"] = {"$ref": "#/components/responses/TooManyRequests"}


_mark_key_requirements(SPEC["paths"])
