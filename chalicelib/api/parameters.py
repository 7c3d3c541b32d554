"""The parameters the operations of ``chalicelib.api.operations`` read: in the path, the
query and the headers, each described once."""

from typing import Any

from chalicelib.api.requests import MAX_TOKEN_CHARS
from chalicelib.domain import idempotency, rules
from chalicelib.domain.documents import DEFAULT_FORMAT, FORMATS

_SAMPLE_IDENTIFIERS = {
    "customerId": "TestCustomer",
    "docType": "Welcome",
    "version": 0,
    "batchId": "20261201T120000Z-0a1b2c3d",
    "name": "Acme",
    "asset": "app.js",
}
"""The original sample's items (``make run`` seeds them; its template is version 0):
readers can try them, and a contract fuzzer reaches the success paths rather than only
the 404s."""
_PATH_PARAMETERS = {
    "customerId": "The customer (item `C#<customerId>`).",
    "docType": "The template (item `D#<docType>`).",
    "version": "A version of the template, as its versions list gives them.",
    "batchId": "A batch, as `POST /batches` answered it.",
    "name": "The letterhead (item `H#<name>`).",
    "asset": "One of the console's files (`chalicelib/console/`); any other name is a 404.",
}
_IDENTIFIER = {"type": "string", "pattern": rules.IDENTIFIER_PATTERN}
_VERSION_NUMBER = {"type": "integer", "minimum": 0, "maximum": rules.MAX_VERSION}
_SCHEMAS = {
    "version": _VERSION_NUMBER,
    "asset": {"type": "string", "pattern": r"^[a-z]+\.(js|css)$"},
}


def path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": _PATH_PARAMETERS[name],
        "schema": _SCHEMAS.get(name, _IDENTIFIER),
        "example": _SAMPLE_IDENTIFIERS[name],
    }


FORMAT_QUERY = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": " ".join(f"`{f.name}`: {f.description}." for f in FORMATS.values()),
    "schema": {"type": "string", "enum": list(FORMATS), "default": DEFAULT_FORMAT},
}
TEMPLATE_VERSION_QUERY = {
    "name": "templateVersion",
    "in": "query",
    "required": False,
    "description": "Render this version of the template (`GET /templates/{docType}/versions`), "
    "deleted since or not, rather than the current one. An unknown version is a 404.",
    "schema": _VERSION_NUMBER,
}
PAGING = (
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": rules.MAX_PAGE_SIZE,
            "default": rules.DEFAULT_PAGE_SIZE,
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
)
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'Only if the stored version is this ETag (`"3"`), or exists at all (`*`). '
    'Items written the original sample\'s way are version `"0"`.',
    "schema": {"type": "string", "pattern": '^(\\*|"[0-9]{1,15}")$'},
}
IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the first request with a key runs, and its answer is "
    "remembered for 24 hours; the same request again with the same key gets that answer "
    f"(`{idempotency.REPLAYED_HEADER}: true`, a fresh `url`) and writes nothing. The same key "
    "with another request is a 422; while its first request runs, a 409. A request that fails "
    "keeps nothing: retry it with the same key. Keys are per API key. A UUID is a good key.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_CHARS,
        "pattern": idempotency.KEY_PATTERN,
    },
    "example": "5f1c9a7e-4b2d-4e8f-9a61-3c0d2b7e8f10",
}
