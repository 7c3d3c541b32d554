"""Reading what a request carries: JSON bodies, ``If-Match``, paging parameters."""

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from chalice import BadRequestError

from chalicelib.errors import PayloadTooLargeError
from chalicelib.identifiers import IDENTIFIER
from chalicelib.items import MAX_INT_DIGITS
from chalicelib.repository import ANY_VERSION, Expected
from chalicelib.schemas import validate

MAX_BODY_BYTES = 256 * 1024
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_ETAG = re.compile(r'"(\d{1,15})"')
_LIMIT = re.compile(r"[0-9]{1,3}")
MAX_TOKEN_CHARS = 200
"""Far more than any token this API gives out (a prefix, a 64-character id, an extension)."""


# DynamoDB stores numbers of up to 38 significant digits, 1e-130 to 1e126 in size.
FLOAT_RANGE = (1e-130, 1e126)


class _UnstorableNumber(ValueError):
    pass


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _storable_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _UnstorableNumber(text)
    return int(text)


def _storable_float(text: str) -> float:
    number = float(text)
    smallest, largest = FLOAT_RANGE
    if number != 0 and not smallest <= abs(number) < largest:  # inf and nan fail too
        raise _UnstorableNumber(text)
    return number


def read_json(raw_body: bytes | None, schema: dict[str, Any]) -> dict[str, Any]:
    """The body as JSON that ``schema`` accepts, or a 413 or 400 that says why not."""
    raw = raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(
            f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted"
        )
    try:
        body = json.loads(
            raw,
            parse_constant=_no_constants,
            parse_int=_storable_int,
            parse_float=_storable_float,
        )
    except _UnstorableNumber as error:
        raise BadRequestError(
            f"the number {str(error)[:50]} cannot be stored: numbers may have at most "
            f"{MAX_INT_DIGITS} digits and be between 1e-130 and 1e126 in size"
        ) from None
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to parse
        raise BadRequestError("the body is not valid JSON") from None
    try:
        unicode = is_unicode(body)
    except RecursionError:  # parsed just below the limit, re-encoded from one frame deeper
        raise BadRequestError("the body is not valid JSON") from None
    if not unicode:
        raise BadRequestError(f"the body contains {UNPAIRED_SURROGATE}: text must be valid Unicode")
    validate(schema, body)
    return body


UNPAIRED_SURROGATE = "an unpaired surrogate (\\ud800 to \\udfff)"


def is_unicode(value: Any) -> bool:
    """False if a string in ``value`` holds an unpaired surrogate (``"\\ud800"``).

    JSON allows them; UTF-8, and so DynamoDB and S3, do not.
    """
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> Expected:
    """``If-Match``: absent (no condition), ``*`` (must exist) or one strong ETag."""
    if value is None:
        return None
    value = value.strip()
    if value == "*":
        return ANY_VERSION
    match = _ETAG.fullmatch(value)
    if match is None:
        raise BadRequestError('If-Match must be one ETag as given by this API, such as "3", or *')
    return int(match.group(1))


def page_size(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    # Not str.isdigit(): it takes superscripts (which int() refuses) and fullwidth digits,
    # and int() refuses more than 4300 digits.
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


def encode_token(key: str) -> str:
    """An opaque ``next`` token: where the next page starts."""
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode().rstrip("=")


def decode_token(token: str | None, prefix: str) -> str | None:
    """The key a ``next`` token continues after, if this list gave the token out."""
    if token is None:
        return None
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError(token)
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["after"]
        valid = isinstance(key, str) and key.startswith(prefix)
        if valid and IDENTIFIER.fullmatch(key[len(prefix) :]):
            return key
    except (ValueError, UnicodeError, binascii.Error, KeyError, TypeError, RecursionError):
        pass
    raise BadRequestError("next must be a token from this list's previous page")
