"""Dates, numbers, amounts of money and percentages as a locale writes them, with Babel.

The template language's filters (``date``, ``number``, ``currency``, ``percent``) call these
with values already evaluated and a locale already resolved (:func:`resolve_locale`).
Babel is imported inside the functions, never here: a template that does not format
anything never loads it, so a plain letter's cold start does not pay for it.

Every input is bounded before Babel sees it, so each call is fast and linear: numbers are
those DynamoDB can store (``rules.is_storable_number``), ``decimals`` is 0 to
``MAX_DECIMALS``, dates and currency codes are text of at most ``MAX_TEXT_CHARS``, formats
are Babel's named ones. Template authors cannot give Babel a pattern of their own: patterns
are a formatting language of their own, with costs and surprises of their own.

Anything wrong is ``CannotRender`` (a 422) whose message says what is wrong and the kind of
value it got (``needs a number, not a text``), and shows at most ``SHOWN_CHARS`` characters of
a value: values come from customers' attributes and may be personal data. Messages do not
name the filter: the interpreter puts its name and line in front (``line 3: number: ...``).

Digits are always Latin (0-9), in dates (Babel's dates have no other) and numbers alike,
and rounding is half to even, as CLDR and ICU do it (2.5 to 0 decimals is 2).
"""

import copy
import decimal
import functools
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain import rules
from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.values import kind

DATE_FORMATS = ("short", "medium", "long", "full")
"""The named formats of ``date``, Babel's (CLDR's): ``12/1/26`` to ``Tuesday, December 1, 2026``."""
DEFAULT_DATE_FORMAT = "medium"
"""What ``date`` uses when a template names no format."""
DEFAULT_LOCALE = "en_US"
"""The locale when neither a filter, the template nor the stage (``DEFAULT_LOCALE``) gives one."""
LOCALE_EXAMPLE = "de-DE"
"""What messages suggest: a BCP 47 tag (``de_DE``, Babel's form, is accepted too)."""
MAX_DECIMALS = 20
"""``number(decimals)`` takes 0 to this many digits after the decimal point."""
MAX_TEXT_CHARS = 64
"""The longest text read as a date or a currency code; anything longer is refused unread."""
SHOWN_CHARS = 40
"""The most characters of a value that a message shows."""
NUMBERING_SYSTEM = "latn"
"""Digits 0-9 everywhere: Babel writes dates with no other, so numbers match them."""

_PRECISION = rules.NUMBER_BOUND.adjusted() + 2 + MAX_DECIMALS + 8
"""Decimal digits Babel's rounding may need: the largest storable number (126 digits) times
100 (a percentage) with ``MAX_DECIMALS`` places, and room to spare. Python's default, 28,
makes Babel fail on any number with more than about 25 digits."""
_INT_BOUND = int(rules.NUMBER_BOUND)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?Z", re.ASCII
)
_TAG = re.compile(r"[A-Za-z0-9]{1,8}(?:[-_][A-Za-z0-9]{1,8})*", re.ASCII)
"""What a locale may look like before Babel reads it: no ``.UTF-8``, no ``@euro``."""
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
_DATE_RULE = "YYYY-MM-DD or a date-time ending in Z, such as 2026-12-01 or 2026-12-01T09:30:00Z"


# Messages


def shown(text: str) -> str:
    """``text`` quoted for a message: at most ``SHOWN_CHARS`` characters of it (then ``…``),
    and at most twice that once escaped (control characters are written ``\\x1f``)."""
    quoted = repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")
    if len(quoted) <= 2 * SHOWN_CHARS:
        return quoted
    return quoted[: 2 * SHOWN_CHARS] + "…" + quoted[0]  # escapes made it long: cut them too


# Locales


def locale_problem(tag: Any) -> str | None:
    """None if Babel knows the locale ``tag`` (``de-DE`` or ``de_DE``), else what is wrong."""
    try:
        _locale(tag)
    except CannotRender as error:
        return str(error)
    return None


def normalize_locale(tag: str) -> str:
    """Babel's form of ``tag``: ``de-DE`` and ``de_de`` are ``de_DE``, ``zh-TW`` is
    ``zh_Hant_TW``; ``CannotRender`` if Babel does not know it."""
    return str(_locale(tag))


def resolve_locale(
    explicit: str | None, template: str | None, stage: Callable[[], str] | None = None
) -> str:
    """The locale a filter formats in, in Babel's form: the filter's own ``locale=``, else the
    template's ``locale``, else the stage's (``stage()``, asked only then), else
    ``DEFAULT_LOCALE``."""
    for tag in (explicit, template):
        if tag is not None:
            return normalize_locale(tag)
    return normalize_locale(stage() if stage is not None else DEFAULT_LOCALE)


def _locale(tag: Any) -> Any:
    """The Babel ``Locale`` for ``tag``, or ``CannotRender`` saying what would work."""
    if not isinstance(tag, str):
        raise CannotRender(f"locale must be a BCP 47 tag such as {LOCALE_EXAMPLE}, not {kind(tag)}")
    return _parsed_locale(tag)


@functools.lru_cache(maxsize=256)
def _parsed_locale(tag: str) -> Any:
    unknown = CannotRender(
        f"locale {shown(tag)} is not one docgen knows; use a BCP 47 tag such as {LOCALE_EXAMPLE}"
    )
    if len(tag) > rules.LOCALE_MAX_CHARS or not _TAG.fullmatch(tag):
        raise unknown
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise unknown from None


# Dates


def format_date(value: Any, format: str, locale: str) -> str:
    """``value`` (``YYYY-MM-DD``, a date-time ending in ``Z``, or a ``date``) as ``locale``
    writes it in one of ``DATE_FORMATS``: ``format_date("2026-12-01", "long", "de_DE")`` is
    ``1. Dezember 2026``. A date-time gives its date in UTC."""
    problem = date_format_problem(format)
    if problem:
        raise CannotRender(problem)
    day = _date(value)
    babel_locale = _locale(locale)
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format, locale=babel_locale)


def date_format_problem(format: Any) -> str | None:
    """None if ``format`` is one of ``DATE_FORMATS``, else what is wrong."""
    if isinstance(format, str) and format in DATE_FORMATS:
        return None
    got = shown(format) if isinstance(format, str) else kind(format)
    return f"format must be one of {', '.join(DATE_FORMATS)}, not {got}"


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        try:
            return value.astimezone(UTC).date() if value.tzinfo else value.date()
        except OverflowError:  # 0001-01-01T00:00+01:00 has no day in UTC
            raise CannotRender(
                "needs a date-time whose day in UTC is in the years 1 to 9999"
            ) from None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise CannotRender(f"needs a date, as text {_DATE_RULE}, not {kind(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise CannotRender(
            f"needs a date as text of at most {MAX_TEXT_CHARS} characters, "
            f"not a text of {len(value)}"
        )
    match = _DATE.fullmatch(value) or _DATE_TIME.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        year, month, day, *time = (int(part or 0) for part in match.groups())
        return datetime(year, month, day, *time).date()  # the time is checked, then dropped
    except ValueError:
        raise CannotRender(
            f"cannot read the text {shown(value)} as a date: use {_DATE_RULE}"
        ) from None


# Numbers


def format_number(value: Any, locale: str, decimals: int | None = None) -> str:
    """``value`` as ``locale`` writes numbers: up to 3 decimals (Babel's default), or exactly
    ``decimals`` (0 to ``MAX_DECIMALS``): ``format_number(1234.5, "de_DE", 2)`` is ``1.234,50``."""
    number = _number(value)
    if decimals is not None and (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_DECIMALS
    ):
        small = type(decimals) is int and -1000 < decimals < 1000
        got = decimals if small else kind(decimals)
        raise CannotRender(f"decimals must be a whole number from 0 to {MAX_DECIMALS}, not {got}")
    babel_locale = _locale(locale)
    from babel.numbers import format_decimal

    pattern = babel_locale.decimal_formats[None]
    if decimals is not None:
        pattern = copy.copy(pattern)
        pattern.frac_prec = (decimals, decimals)
    return _babel(
        lambda: format_decimal(
            number, pattern, locale=babel_locale, numbering_system=NUMBERING_SYSTEM
        ),
    )


def format_currency(value: Any, currency: str, locale: str) -> str:
    """``value`` as an amount of ``currency`` (an ISO 4217 code Babel knows) with that
    currency's digits: ``format_currency(Decimal("1234.5"), "EUR", "fr_FR")`` is
    ``1 234,50 €`` (narrow no-break spaces, U+202F and U+00A0, as Babel writes it)."""
    number = _number(value)
    problem = currency_problem(currency)
    if problem:
        raise CannotRender(problem)
    babel_locale = _locale(locale)
    from babel.numbers import format_currency as babel_format_currency

    return _babel(
        lambda: babel_format_currency(
            number, currency, locale=babel_locale, numbering_system=NUMBERING_SYSTEM
        ),
    )


def currency_problem(code: Any) -> str | None:
    """None if ``code`` is an ISO 4217 code Babel knows (``EUR``), else what is wrong."""
    if not isinstance(code, str):
        return f"needs an ISO 4217 currency code such as EUR, not {kind(code)}"
    if _CURRENCY.fullmatch(code):
        from babel.numbers import is_currency

        if is_currency(code):
            return None
    return f"{shown(code)} is not an ISO 4217 currency code docgen knows; use one such as EUR"


def format_percent(value: Any, locale: str) -> str:
    """``value`` times 100, as ``locale`` writes a percentage, in whole percent:
    ``format_percent(0.256, "de_DE")`` is ``26 %`` (a no-break space)."""
    number = _number(value)
    babel_locale = _locale(locale)
    from babel.numbers import format_percent as babel_format_percent

    return _babel(
        lambda: babel_format_percent(
            number, locale=babel_locale, numbering_system=NUMBERING_SYSTEM
        ),
    )


def _number(value: Any) -> decimal.Decimal:
    """``value`` as an exact Decimal, if it is a number DynamoDB could store."""
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        raise CannotRender(f"needs a number, not {kind(value)}")
    if isinstance(value, int):
        # Compared as ints: a huge one is refused before any conversion.
        number = decimal.Decimal(value) if -_INT_BOUND < value < _INT_BOUND else None
    elif isinstance(value, float):
        if not math.isfinite(value):
            got = "NaN" if math.isnan(value) else "infinity"
            raise CannotRender(f"needs a finite number, not {got}")
        # repr: a float's shortest form (0.1), not its binary expansion (0.1000000000000000055...)
        number = decimal.Decimal(repr(value))
    else:
        if not value.is_finite():
            got = "NaN" if value.is_nan() else "infinity"
            raise CannotRender(f"needs a finite number, not {got}")
        number = value
    if number is None or not rules.is_storable_number(number):
        raise CannotRender(f"cannot format this number: {rules.NUMBER_RULE}")
    return number


def _babel(call: Callable[[], str]) -> str:
    """``call()`` with room for every digit a storable number has; a failure Babel meets
    anyway is the template's 422, never a 500."""
    context = decimal.Context(prec=_PRECISION, rounding=decimal.ROUND_HALF_EVEN)
    with decimal.localcontext(context):
        try:
            return call()
        except (ArithmeticError, LookupError, ValueError):
            raise CannotRender("cannot format this number") from None
