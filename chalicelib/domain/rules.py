"""Every rule and limit a value must meet, written once: the API, the importer and the
OpenAPI document all read them from here."""

import re
from decimal import Decimal

from chalicelib.domain.errors import InvalidInput

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""A ``customerId`` or ``docType``: safe in a DynamoDB key, an S3 key and a URL path."""
IDENTIFIER = re.compile(IDENTIFIER_PATTERN.strip("^$"))
IDENTIFIER_RULE = (
    "must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
    "starting with a letter or a digit"
)

MAX_BODY_BYTES = 256 * 1024
"""The largest request body (and importer row) the API accepts."""
NAME_MAX_CHARS = 200
ATTRIBUTES_MAX = 50
ATTRIBUTE_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,63}$"
ATTRIBUTE_VALUE_MAX_CHARS = 2000
TEMPLATE_TEXT_MAX_CHARS = 100 * 1024
GREETING_MAX_CHARS = 1000
DESCRIPTION_MAX_CHARS = 1000
LOCALE_MAX_CHARS = 35
"""A template's ``locale``: the length of tag RFC 5646 (4.4.1) asks every implementation to
take; when stored, it must also be a locale Babel knows."""
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"

ADDRESS_MAX_LINES = 6
ADDRESS_LINE_MAX_CHARS = 60
"""A postal address as the contract's Letter layout gives it: what a DIN 5008 window holds."""
MARKUPS = ("text", "markdown")
"""A template's ``markup``; absent means ``text``, the original sample's behaviour."""
MARKDOWN_MAX_WEIGHT = 60_000
"""How much markup a Markdown letter may have (``layout.markdown.WEIGHTS``): reading it then
takes at most about 1.5 s of CPU on this machine (1 MiB of ``*`` or of list items took 8 and
17 s); 1 MiB of prose with a bold phrase, an italic one and a link in every paragraph of
about 900 characters weighs about 17,000."""
PDF_MAX_LINKS = 1000
"""Link areas in one PDF letter: each is a PDF object, and 25,000 of them took 3 s to write.
Links past these are drawn as their text, as every link is."""
MARKDOWN_MAX_NESTING = 20
"""markdown-it's ``maxNesting`` (its CommonMark preset's own): block quotes count one level,
lists two; deeper is a 422, where markdown-it would silently drop the rest."""
PAGE_SIZES = ("A4", "Letter")
"""A template's ``pageSize``; absent means ``A4``."""
FOOTER_MAX_CHARS = 500
"""A letterhead's footer, drawn on every page: a line or two."""
LOGO_MAX_BYTES = 128 * 1024
"""A letterhead logo, decoded (the contract's limit)."""
LOGO_MAX_PIXELS = 4000
"""A logo's width and height at most: a logo, not a photograph, and never a decompression bomb."""
LOGO_MAX_DECODED_PIXELS = 250_000
"""A PNG logo with transparency (an alpha channel, or a palette with alpha) has at most this
many pixels (500x500): its pixels are decoded in Python to split off the PDF's soft mask,
0.4 s for this many (once per container; docs/letters.md). Opaque PNGs and JPEGs are
embedded undecoded."""
LOGO_TYPES = ("image/png", "image/jpeg")

MAX_VERSION = 10**15 - 1
"""The highest version number a request may name: as many digits as an ``ETag`` may have."""
VERSION_PATTERN = "^(0|[1-9][0-9]{0,14})$"
"""A version number as a path or query parameter: a whole number, written plainly."""
VERSION = re.compile(VERSION_PATTERN.strip("^$"))
VERSION_RULE = f"must be a whole number from 0 to {MAX_VERSION}, without leading zeros"

TIME_BUDGET_SECONDS = 10.0
"""All AWS calls of one request end within this (API Gateway waits 29 s, Lambda 15 s):
``chalicelib.adapters.budget`` keeps them to it, and an idempotency record still in progress
after it (``chalicelib.domain.idempotency``) has no request left to finish it."""

MAX_BATCH_CUSTOMERS = 1000
"""A batch names at most this many customers; ``allCustomers`` has no limit."""
WEBHOOK_URL_MAX_CHARS = 2048

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# DynamoDB's numbers: up to 38 significant digits, 0 or a magnitude from 1e-130 to under 1e126.
MAX_SIGNIFICANT_DIGITS = 38
SMALLEST_NUMBER = Decimal("1e-130")
NUMBER_BOUND = Decimal("1e126")
NUMBER_RULE = (
    f"numbers may have at most {MAX_SIGNIFICANT_DIGITS} significant digits and be 0 "
    "or between 1e-130 and 1e126 in size"
)


def require_identifier(field: str, value: str) -> str:
    """``value`` if it is a safe identifier, else ``InvalidInput`` naming ``field``.

    The value itself is not echoed back: it may hold anything, control characters included.
    """
    if not IDENTIFIER.fullmatch(value):
        raise InvalidInput(f"{field} {IDENTIFIER_RULE}")
    return value


def require_version(field: str, value: str) -> int:
    """The version number ``value`` writes, else ``InvalidInput`` naming ``field``."""
    if not VERSION.fullmatch(value):
        raise InvalidInput(f"{field} {VERSION_RULE}")
    return int(value)


def is_storable_number(number: Decimal) -> bool:
    """Whether DynamoDB stores ``number`` exactly (no rounding, no overflow)."""
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    significant = "".join(map(str, number.as_tuple().digits)).strip("0")
    return len(significant) <= MAX_SIGNIFICANT_DIGITS and SMALLEST_NUMBER <= abs(number) < (
        NUMBER_BOUND
    )
