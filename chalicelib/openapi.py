"""The OpenAPI 3 description of every route in ``app.py``.

A test compares its paths and methods with the app's route table, so a
route cannot be added without being described here.
"""

from typing import Any

from chalicelib.documents import DEFAULT_FORMAT, FORMATS

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

_REQUEST_ID = {
    "description": "API Gateway's request id, or one made up for this request.",
    "schema": {"type": "string"},
}


def _identifier(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": what,
        "schema": {"type": "string", "pattern": IDENTIFIER_PATTERN},
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

DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "customerId",
        "docType",
        "format",
        "bucket",
        "key",
        "contentType",
        "size",
        "versionId",
        "templateVersion",
        "generatedAt",
        "url",
        "urlExpiresAt",
    ],
    "properties": {
        "customerId": {"type": "string", "pattern": IDENTIFIER_PATTERN},
        "docType": {"type": "string", "pattern": IDENTIFIER_PATTERN},
        "format": {"type": "string", "enum": list(FORMATS)},
        "bucket": {"type": "string"},
        "key": {"type": "string", "description": "`<customerId>/<docType>.<format>`"},
        "contentType": {"type": "string"},
        "size": {"type": "integer", "minimum": 0, "description": "Bytes stored."},
        "versionId": {"type": ["string", "null"], "description": "Set on a versioned bucket."},
        "templateVersion": {"type": "integer", "minimum": 0},
        "generatedAt": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "description": "Presigned GET link to the document."},
        "urlExpiresAt": {"type": "string", "format": "date-time"},
    },
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
                "BatchGetItem, renders `<greeting>\\n<text>` (Jinja2, sandboxed) and writes "
                "it with one PutObject (SSE) at `<customerId>/<docType>.<format>`, replacing any "
                "earlier one. Nothing is written on any error.",
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "string",
                            "enum": list(FORMATS),
                            "default": DEFAULT_FORMAT,
                        },
                    }
                ],
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
