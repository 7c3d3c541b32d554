"""Reading what a request carries: its query, JSON body, ``If-Match``, paging and
``Idempotency-Key``."""

import base64
import binascii
import json
import re
from typing import Any

from chalice.app import Request

from chalicelib.api.errors import UnsupportedMediaType
from chalicelib.domain import jsontext, rules
from chalicelib.domain.documents import DocumentFormat, parse_format
from chalicelib.domain.errors import InvalidInput, TooLarge
from chalicelib.domain.idempotency import (
    HEADER,
    LOCAL_SCOPE,
    IdempotentRequest,
    check_key,
    idempotent_request,
)
from chalicelib.domain.paging import NEXT_RULE, PageRequest
from chalicelib.domain.schemas import validate
from chalicelib.domain.writes import ANY_VERSION, Expected

_ETAG = re.compile(r'"(\d{1,15})"')
_LIMIT = re.compile(r"[0-9]{1,3}")
MAX_TOKEN_CHARS = 200
"""Far more than any token this API gives out (a prefix, a 64-character id, an extension)."""
_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";]*)", re.IGNORECASE)


def query(request: Request) -> dict[str, str]:
    """The query parameters, each given once: ``?format=txt&format=pdf`` is a 400."""
    params = request.query_params
    if not params:
        return {}
    for name in params:
        if len(params.getlist(name)) > 1:
            raise InvalidInput(f"the query parameter {name[:40]!r} is given more than once")
    return {name: params[name] for name in params}


def document_format(request: Request) -> DocumentFormat:
    return parse_format(query(request).get("format"))


def template_version(request: Request) -> int | None:
    """``templateVersion``: the version of the template to render, if the request pins one."""
    raw = query(request).get("templateVersion")
    return None if raw is None else rules.require_version("templateVersion", raw)


def body_version(body: dict[str, Any]) -> int | None:
    """A body's ``templateVersion``: a whole number its schema checked (``3``, or ``3.0``)."""
    value = body.get("templateVersion")
    return None if value is None else int(value)


def check_encoding(request: Request) -> None:
    """A JSON body is UTF-8 as sent: another charset, or any content encoding, is a 415."""
    headers = request.headers
    if "content-encoding" in headers:
        raise UnsupportedMediaType("send the JSON body uncompressed: Content-Encoding is refused")
    charset = _CHARSET.search(headers.get("content-type", ""))
    if charset and charset.group(1).strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("a JSON body must be UTF-8: charset must be utf-8 or absent")


def read_json(request: Request, schema: dict[str, Any]) -> dict[str, Any]:
    """The body as JSON that ``schema`` accepts, or a 415, 413 or 400 that says why not."""
    check_encoding(request)
    raw = request.raw_body or b""
    if len(raw) > rules.MAX_BODY_BYTES:
        raise TooLarge(f"the body is {len(raw)} bytes; at most {rules.MAX_BODY_BYTES} are accepted")
    body = jsontext.parse(raw)
    validate(schema, body)
    return body


def etag(version: int) -> str:
    return f'"{version}"'


def if_match(request: Request) -> Expected:
    """``If-Match``: absent (no condition), ``*`` (must exist) or one strong ETag."""
    value = request.headers.get("if-match")
    if value is None:
        return None
    value = value.strip()
    if value == "*":
        return ANY_VERSION
    match = _ETAG.fullmatch(value)
    if match is None:
        raise InvalidInput('If-Match must be one ETag as given by this API, such as "3", or *')
    return int(match.group(1))


def idempotency_key(request: Request, body: bytes = b"") -> IdempotentRequest | None:
    """``Idempotency-Key``, for the caller, with what the request asks for (its method,
    route and parameters, query and ``body``); ``None`` without one. A bad key, or one given
    twice, is a 400."""
    event = request.to_original_event()
    given = [
        value
        for name, values in (event.get("multiValueHeaders") or {}).items()
        if name.lower() == HEADER.lower()
        for value in values or ()
    ]
    if len(given) > 1:
        raise InvalidInput(f"{HEADER} is given {len(given)} times; send it once")
    key = request.headers.get(HEADER.lower())
    if key is None:
        return None
    check_key(key)
    route = request.context.get("resourcePath", "")
    path = route.format_map(request.uri_params or {})
    return idempotent_request(_caller(request), key, request.method, path, query(request), body)


def _caller(request: Request) -> str:
    """Whose keys these are: the API key API Gateway checked (its id, or the key itself:
    either way only its hash with the idempotency key is stored), else the one local scope."""
    identity = request.context.get("identity") or {}
    if identity.get("apiKeyId"):
        return f"apiKeyId:{identity['apiKeyId']}"
    if identity.get("apiKey"):
        return f"apiKey:{identity['apiKey']}"
    return LOCAL_SCOPE


def page_request(request: Request) -> PageRequest:
    """``limit`` and ``next``: how much to list, and where the previous page stopped."""
    params = query(request)
    return PageRequest(_page_size(params.get("limit")), _decode_token(params.get("next")))


def _page_size(raw: str | None) -> int:
    if raw is None:
        return rules.DEFAULT_PAGE_SIZE
    # Not str.isdigit(): it takes superscripts (which int() refuses) and fullwidth digits,
    # and int() refuses more than 4300 digits.
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= rules.MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be a whole number from 1 to {rules.MAX_PAGE_SIZE}")
    return int(raw)


def encode_token(cursor: str) -> str:
    """An opaque ``next`` token: where the next page starts."""
    return base64.urlsafe_b64encode(json.dumps({"after": cursor}).encode()).decode().rstrip("=")


def _decode_token(token: str | None) -> str | None:
    """The cursor a ``next`` token carries; whether it fits the list is the service's call."""
    if token is None:
        return None
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError(token)
        padded = token + "=" * (-len(token) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["after"]
        if isinstance(cursor, str):
            return cursor
    except (ValueError, UnicodeError, binascii.Error, KeyError, TypeError, RecursionError):
        pass
    raise InvalidInput(NEXT_RULE)
