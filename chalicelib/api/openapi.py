"""The OpenAPI 3.1 document, built from the app itself.

Paths, methods and which operations need a key come from ``app.routes``; each
operation's summary (first line) and description (the rest) from its view's docstring;
every schema from the models (``chalicelib.domain``); the limits from
``chalicelib.domain.rules``. What a route table cannot say (the body a view reads, its
query parameters, its answers and where a client goes next) is its ``Operation`` in
``chalicelib.api.operations``; a route without one fails the build.
"""

import inspect
import re
from functools import cache
from typing import Any

from chalice import Chalice

from chalicelib.api.batch_operations import BATCH_OPERATIONS
from chalicelib.api.console_operations import CONSOLE_OPERATIONS
from chalicelib.api.letterhead_operations import LETTERHEAD_EXAMPLES, LETTERHEAD_OPERATIONS
from chalicelib.api.operations import BODY_EXAMPLES, ERROR_RESPONSES, OPERATIONS, answer, ref
from chalicelib.api.parameters import IDEMPOTENCY_KEY, IF_MATCH, path_parameter
from chalicelib.domain.batches import Batch, BatchLetter
from chalicelib.domain.documents import ListedDocument, StoredDocument
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.model import resource_schema
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.schemas import bodies
from chalicelib.domain.versions import TemplateVersion

VERSION = "1.0.0"
SERVERS = [
    {"url": "http://127.0.0.1:8000", "description": "`make run`: chalice local and the emulator"},
    {
        "url": "https://{restApiId}.execute-api.{region}.amazonaws.com/api",
        "description": "A deployed stage (`make deploy`); the stack's outputs give the URL.",
        "variables": {
            "restApiId": {"default": "abcdef1234", "description": "The stage's REST API id."},
            "region": {"default": "us-east-1"},
        },
    },
]
TAGS = [
    {"name": "Documents", "description": "Letters generated, stored in S3, described, deleted."},
    {"name": "Customers", "description": "Who letters are written to."},
    {
        "name": "Templates",
        "description": "What letters say: a subset of Jinja2, rendered within hard bounds. "
        "Every write is kept as an immutable version.",
    },
    {
        "name": "Letterheads",
        "description": "The sender, logo and footer a template's letters carry; one a "
        "template names cannot be deleted.",
    },
    {
        "name": "Batches",
        "description": "One letter per customer, asynchronously, through queues; a ZIP and a "
        "merged PDF when done, and a signed webhook.",
    },
    {"name": "Service", "description": "Liveness and this document."},
    {
        "name": "Console",
        "description": "The browser console (docs/console.md): a page and its scripts and "
        "style sheets, public, under a strict Content-Security-Policy.",
    },
]


def _operation_id(view_name: str) -> str:
    head, *rest = view_name.split("_")
    return head + "".join(word.title() for word in rest)


def _operation(path: str, entry: Any) -> dict[str, Any]:
    name = entry.view_name
    every = OPERATIONS | BATCH_OPERATIONS | LETTERHEAD_OPERATIONS | CONSOLE_OPERATIONS
    spec = every[name]  # a KeyError here: a route to describe
    summary, _, description = inspect.getdoc(entry.view_function).partition("\n")
    statuses = ["400", "500"]
    statuses += ["404"] * ("{" in path or spec.refers)
    statuses += ["412"] * spec.conditional
    statuses += ["413", "415"] * (spec.body is not None)
    statuses += ["422"] * spec.renders
    statuses += ["409", "422"] * spec.idempotent
    statuses += ["409"] * spec.in_use
    statuses += ["503"] * spec.aws
    statuses += ["403", "429"] * bool(entry.api_key_required)
    operation: dict[str, Any] = {
        "operationId": _operation_id(name),
        "tags": [spec.tag],
        "summary": summary.strip(),
        "description": description.strip() or summary.strip(),
        "parameters": [
            *spec.query,
            *([IF_MATCH] if spec.conditional else []),
            *([IDEMPOTENCY_KEY] if spec.idempotent else []),
        ],
        "responses": spec.answers
        | {status: ref("responses", ERROR_RESPONSES[status][0]) for status in sorted(statuses)},
    }
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": ref("schemas", spec.body),
                    "example": (BODY_EXAMPLES | LETTERHEAD_EXAMPLES)[spec.body],
                }
            },
        }
    if not entry.api_key_required:
        operation["security"] = []
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def _components() -> dict[str, Any]:
    error = ref("schemas", "Error")
    responses = {name: answer(description, error) for name, description in ERROR_RESPONSES.values()}
    responses["ServiceUnavailable"]["headers"]["Retry-After"] = {
        "description": "Seconds to wait.",
        "schema": {"type": "integer"},
    }
    return {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["Code", "Message"],
                "properties": {
                    "Code": {"type": "string", "examples": ["NotFoundError"]},
                    "Message": {"type": "string", "description": "What went wrong, for a person."},
                },
            },
            "Document": resource_schema(StoredDocument),
            "StoredObject": resource_schema(ListedDocument),
            "Customer": resource_schema(Customer),
            "CustomerSummary": resource_schema(Customer, summary=True),
            "Template": resource_schema(Template),
            "TemplateSummary": resource_schema(Template, summary=True),
            "TemplateVersionSummary": resource_schema(TemplateVersion),
            "Letterhead": resource_schema(Letterhead),
            "LetterheadSummary": resource_schema(Letterhead, summary=True),
            "Batch": resource_schema(Batch),
            "BatchItem": resource_schema(BatchLetter),
            **bodies(),
        },
        "responses": responses,
        "securitySchemes": {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "x-api-key",
                "description": "The key of the stage's usage plan (API Gateway checks it; "
                "chalice local does not).",
            }
        },
    }


_PARAMETER = re.compile(r"\{(\w+)\}")


@cache
def document(app: Chalice) -> dict[str, Any]:
    """The OpenAPI document of ``app``: built when first asked for, then kept."""
    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        item: dict[str, Any] = {}
        names = _PARAMETER.findall(path)
        if names:
            item["parameters"] = [path_parameter(name) for name in names]
        for method, entry in sorted(methods.items()):
            item[method.lower()] = _operation(path, entry)
        paths[path] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "docgen",
            "version": VERSION,
            "description": "Generates letters from customers and templates stored in "
            'DynamoDB and writes them to S3. Errors are `{"Code", "Message"}`; every '
            "answer carries `X-Request-Id`.",
        },
        "servers": SERVERS,
        "tags": TAGS,
        "security": [{"ApiKey": []}],
        "paths": paths,
        "components": _components(),
    }
