"""JSON text with exact numbers: what the API and the importer read and write.

Numbers are read as ``int`` (up to 38 digits) or exact ``Decimal``, never floats, and
refused unless DynamoDB can store them, so ``0.12345678901234567890123`` is stored as
sent whichever way it arrives. Writing gives back the same digits.
"""

import json
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.rules import MAX_SIGNIFICANT_DIGITS, NUMBER_RULE, is_storable_number

NOT_JSON = "the body is not valid JSON"
UNPAIRED_SURROGATE = "an unpaired surrogate (\\ud800 to \\udfff)"


class NotJSON(InvalidInput):
    """Text that is not JSON; ``detail`` says where, for tools that report lines."""

    def __init__(self, detail: str) -> None:
        super().__init__(NOT_JSON)
        self.detail = detail


class _Unstorable(ValueError):
    pass


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _whole(text: str) -> int | Decimal:
    if len(text.lstrip("-")) <= MAX_SIGNIFICANT_DIGITS:
        return int(text)  # short: exact, and far from int()'s 4300-digit limit
    return _exact(text)


def _exact(text: str) -> Decimal:
    number = Decimal(text)
    if not is_storable_number(number):
        raise _Unstorable(text)
    return number


def parse(raw: bytes | str) -> Any:
    """``raw`` as JSON with exact numbers, or ``InvalidInput`` that says what is wrong."""
    try:
        value = json.loads(raw, parse_int=_whole, parse_float=_exact, parse_constant=_no_constants)
    except _Unstorable as error:
        raise InvalidInput(
            f"the number {str(error)[:50]} cannot be stored: {NUMBER_RULE}"
        ) from None
    except json.JSONDecodeError as error:
        raise NotJSON(f"{error.msg} at column {error.colno}") from None
    except ValueError as error:  # NaN or Infinity, which JSON lacks
        raise NotJSON(str(error)) from None
    except RecursionError:
        raise NotJSON("nested too deeply") from None
    try:
        unicode = is_unicode(value)
    except RecursionError:  # parsed just below the limit, re-encoded from one frame deeper
        raise NotJSON("nested too deeply") from None
    if not unicode:
        raise InvalidInput(f"the body contains {UNPAIRED_SURROGATE}: text must be valid Unicode")
    return value


def is_unicode(value: Any) -> bool:
    """False if a string in ``value`` holds an unpaired surrogate (``"\\ud800"``).

    JSON allows them; UTF-8, and so DynamoDB and S3, do not.
    """
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def dumps(value: Any, compact: bool = True, ascii_only: bool = False) -> str:
    """JSON text for ``value``, with each ``Decimal`` written with exactly its digits."""
    separators = (",", ":") if compact else (", ", ": ")
    try:  # most values hold no Decimal: json writes those whole, the same text and faster
        return json.dumps(value, ensure_ascii=ascii_only, separators=separators)
    except TypeError:
        return _exact_text(value, separators, ascii_only)


def _exact_text(value: Any, separators: tuple[str, str], ascii_only: bool) -> str:
    comma, colon = separators
    if isinstance(value, Decimal):
        return str(value)  # never NaN or Infinity: parse() and DynamoDB refuse them
    if isinstance(value, dict):
        members = [
            _exact_text(str(name), separators, ascii_only)
            + colon
            + _exact_text(inner, separators, ascii_only)
            for name, inner in value.items()
        ]
        return "{" + comma.join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + comma.join(_exact_text(inner, separators, ascii_only) for inner in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)
