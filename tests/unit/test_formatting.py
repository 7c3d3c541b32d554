"""The formatting functions behind the templates' ``date``, ``number``, ``currency`` and
``percent`` filters (chalicelib/domain/rendering/formatting.py): Babel's exact output in
several locales, every message, the bounds, and the stage's default locale.

Babel writes no-break spaces: U+00A0 (``\\xa0``) and the narrow U+202F (``\\u202f``); Arabic
output carries right-to-left marks (U+200F). The expected strings spell them out.
"""

import json
import textwrap
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.settings import default_locale
from chalicelib.domain import rules
from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering import formatting
from chalicelib.domain.rendering.formatting import (
    DATE_FORMATS,
    DEFAULT_LOCALE,
    MAX_DECIMALS,
    MAX_TEXT_CHARS,
    SHOWN_CHARS,
    currency_problem,
    format_currency,
    format_date,
    format_number,
    format_percent,
    locale_problem,
    normalize_locale,
    resolve_locale,
)
from tests.support import MOCKED_DEV_STAGE, fresh_python
from tools.stack import PROJECT_DIR

LOCALES = ("en_US", "de_DE", "fr_FR", "ja_JP", "ar_EG")
DATE_RULE = "YYYY-MM-DD or a date-time ending in Z, such as 2026-12-01 or 2026-12-01T09:30:00Z"
UNKNOWN_LOCALE = "locale {} is not one docgen knows; use a BCP 47 tag such as de-DE"
NUMBER_RULE = (
    "numbers may have at most 38 significant digits and be 0 or between 1e-130 and 1e126 in size"
)


def refused(call: Any, *args: Any) -> str:
    with pytest.raises(CannotRender) as raised:
        call(*args)
    return str(raised.value)


# --- dates ---------------------------------------------------------------------------

DATES = {
    "en_US": ("12/1/26", "Dec 1, 2026", "December 1, 2026", "Tuesday, December 1, 2026"),
    "de_DE": ("01.12.26", "01.12.2026", "1. Dezember 2026", "Dienstag, 1. Dezember 2026"),
    "fr_FR": ("01/12/2026", "1 déc. 2026", "1 décembre 2026", "mardi 1 décembre 2026"),
    "ja_JP": ("2026/12/01", "2026/12/01", "2026年12月1日", "2026年12月1日火曜日"),
    "ar_EG": (
        "1\u200f/12\u200f/2026",
        "01\u200f/12\u200f/2026",
        "1 ديسمبر 2026",
        "الثلاثاء، 1 ديسمبر 2026",
    ),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_each_named_date_format_in_each_locale(locale: str) -> None:
    written = tuple(format_date("2026-12-01", name, locale) for name in DATE_FORMATS)
    assert written == DATES[locale]


def test_the_briefs_example_and_the_named_formats() -> None:
    assert format_date("2026-12-01", "long", "de_DE") == "1. Dezember 2026"
    assert DATE_FORMATS == ("short", "medium", "long", "full")
    assert formatting.DEFAULT_DATE_FORMAT in DATE_FORMATS


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-01",
        date(2026, 12, 1),
        datetime(2026, 12, 1, 23, 59),
        datetime(2026, 12, 1, 23, 59, tzinfo=UTC),
        datetime(2026, 12, 2, 0, 30, tzinfo=timezone(timedelta(hours=1))),  # 23:30 UTC
        "2026-12-01T23:59Z",
        "2026-12-01T23:59:59Z",
        "2026-12-01T23:59:59.123456789Z",
    ],
)
def test_a_date_comes_as_text_a_date_or_a_date_time_and_gives_its_utc_day(value: Any) -> None:
    assert format_date(value, "long", "en_US") == "December 1, 2026"


def test_the_locale_may_be_written_with_a_hyphen_or_an_underscore() -> None:
    assert format_date("2026-12-01", "long", "de-DE") == "1. Dezember 2026"
    assert format_date("2026-12-01", "long", "zh-TW") == "2026年12月1日"


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (20261201, "a number"),
        (True, "a boolean"),
        (None, "none"),
        (["2026-12-01"], "a list"),
        ({"day": 1}, "a map"),
        (b"2026-12-01", "a value of type bytes"),
    ],
)
def test_a_date_that_is_not_text_or_a_date(value: Any, got: str) -> None:
    message = refused(format_date, value, "long", "en_US")
    assert message == f"needs a date, as text {DATE_RULE}, not {got}"


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",
        "2026-13-01",
        "0000-01-01",
        "26-12-01",
        "2026-12-1",
        "20261201",
        "2026-12-01T24:00:00Z",
        "2026-12-01T12:00:00",
        "2026-12-01T12:00:00+01:00",
        "2026-12-01t12:00:00z",
        "2026-12-01 ",
        "\uff12\uff10\uff12\uff16-12-01",  # full-width digits
        "",
    ],
)
def test_text_that_is_not_an_iso_date(text: str) -> None:
    message = refused(format_date, text, "long", "en_US")
    assert message == f"cannot read the text {text!r} as a date: use {DATE_RULE}"


def test_a_date_message_shows_at_most_forty_characters_of_the_text() -> None:
    address = "Jane Doe, 12 Main Street, Springfield 12345, USA"  # 48: personal data
    message = refused(format_date, address, "long", "en_US")
    assert (
        message
        == f"cannot read the text {address[:SHOWN_CHARS] + '…'!r} as a date: use {DATE_RULE}"
    )
    assert "USA" not in message


def test_text_over_the_limit_is_not_read_as_a_date() -> None:
    assert refused(format_date, "2" * (MAX_TEXT_CHARS + 1), "long", "en_US") == (
        "needs a date as text of at most 64 characters, not a text of 65"
    )
    assert refused(format_date, "x" * 10**6, "long", "en_US").endswith("not a text of 1000000")


@pytest.mark.parametrize(
    ("name", "got"),
    [("longest", "'longest'"), ("LONG", "'LONG'"), ("", "''"), ("yyyy-MM-dd", "'yyyy-MM-dd'"),
     (1, "a number"), (None, "none")],
)  # fmt: skip
def test_only_the_named_formats_no_patterns(name: Any, got: str) -> None:
    message = refused(format_date, "2026-12-01", name, "en_US")
    assert message == f"format must be one of short, medium, long, full, not {got}"


# --- numbers, currency, percent --------------------------------------------------------

NUMBERS = {
    # -1234567.891, then 1234.5 to 2 decimals, then 0
    "en_US": ("-1,234,567.891", "1,234.50", "0"),
    "de_DE": ("-1.234.567,891", "1.234,50", "0"),
    "fr_FR": ("-1\u202f234\u202f567,891", "1\u202f234,50", "0"),
    "ja_JP": ("-1,234,567.891", "1,234.50", "0"),
    "ar_EG": ("-1,234,567.891", "1,234.50", "0"),
}
CURRENCIES = {
    # 1234.5 EUR, -1234.5 USD, 1234.5 JPY (no minor unit: rounded half to even)
    "en_US": ("€1,234.50", "-$1,234.50", "¥1,234"),
    "de_DE": ("1.234,50\xa0€", "-1.234,50\xa0$", "1.234\xa0¥"),
    "fr_FR": ("1\u202f234,50\xa0€", "-1\u202f234,50\xa0$US", "1\u202f234\xa0JPY"),
    "ja_JP": ("€1,234.50", "-$1,234.50", "￥1,234"),
    "ar_EG": ("\u200f1,234.50\xa0€", "\u200f-1,234.50\xa0US$", "\u200f1,234\xa0JP¥"),
}
PERCENTS = {
    # 0.256, -1.5
    "en_US": ("26%", "-150%"),
    "de_DE": ("26\xa0%", "-150\xa0%"),
    "fr_FR": ("26\xa0%", "-150\xa0%"),
    "ja_JP": ("26%", "-150%"),
    "ar_EG": ("26%", "-150%"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_in_each_locale(locale: str) -> None:
    written = (
        format_number(Decimal("-1234567.891"), locale),
        format_number(1234.5, locale, 2),
        format_number(0, locale),
    )
    assert written == NUMBERS[locale]


@pytest.mark.parametrize("locale", LOCALES)
def test_currencies_in_each_locale(locale: str) -> None:
    written = (
        format_currency(Decimal("1234.5"), "EUR", locale),
        format_currency(-1234.5, "USD", locale),
        format_currency(1234.5, "JPY", locale),
    )
    assert written == CURRENCIES[locale]


@pytest.mark.parametrize("locale", LOCALES)
def test_percentages_in_each_locale(locale: str) -> None:
    assert (format_percent(Decimal("0.256"), locale), format_percent(-1.5, locale)) == (
        PERCENTS[locale]
    )


def test_the_briefs_currency_example() -> None:
    assert format_currency(Decimal("1234.5"), "EUR", "fr_FR") == "1\u202f234,50\xa0€"


def test_numbers_round_half_to_even_with_babels_default_of_three_decimals() -> None:
    assert format_number(Decimal("1.2345"), "en_US") == "1.234"
    assert format_number(Decimal("1.2346"), "en_US") == "1.235"
    assert [format_number(Decimal(x), "en_US", 0) for x in ("0.5", "1.5", "2.5")] == ["0", "2", "2"]
    assert format_number(Decimal("1.005"), "en_US", 2) == "1.00"
    assert format_number(2.675, "en_US", 2) == "2.68"  # the float's shortest form, 2.675


def test_decimals_fix_the_digits_after_the_point() -> None:
    assert format_number(7, "de_DE", 2) == "7,00"
    assert format_number(Decimal("1e-130"), "en_US", MAX_DECIMALS) == "0." + "0" * 20
    assert format_number(Decimal("0.5"), "en_US", 0) == "0"
    # A float is its shortest form, 0.3333333333333333, not its binary expansion
    assert format_number(1 / 3, "en_US", MAX_DECIMALS) == "0.33333333333333330000"


def test_a_currency_has_its_own_digits() -> None:
    assert format_currency(Decimal("1234.5"), "KWD", "en_US") == "KWD1,234.500"
    assert format_currency(Decimal("0.125"), "EUR", "en_US") == "€0.12"


def test_the_largest_and_longest_storable_numbers_format_in_full() -> None:
    longest = Decimal("1" * rules.MAX_SIGNIFICANT_DIGITS)  # beyond Python's default 28 digits
    assert format_number(longest, "en_US", 2) == (
        "11,111,111,111,111,111,111,111,111,111,111,111,111.00"
    )
    largest = Decimal("9" * 38 + "E+87")  # just under 1e126
    assert format_number(
        largest, "en_US"
    ) == "99,999,999,999,999,999,999,999,999,999,999,999,999" + (",000" * 29)
    assert format_percent(
        largest, "en_US"
    ) == "9,999,999,999,999,999,999,999,999,999,999,999,999,9" + ("00,000" + ",000" * 28 + "%")
    assert format_number(10**125, "en_US") == "100" + ",000" * 41


@pytest.mark.parametrize(
    ("value", "got"),
    [("12", "a text"), (True, "a boolean"), (False, "a boolean"), (None, "none"),
     ([1], "a list"), ({"n": 1}, "a map"), (date(2026, 12, 1), "a date"),
     (1j, "a value of type complex")],
)  # fmt: skip
@pytest.mark.parametrize(
    "call",
    [
        lambda value: format_number(value, "en_US"),
        lambda value: format_currency(value, "EUR", "en_US"),
        lambda value: format_percent(value, "en_US"),
    ],
    ids=["number", "currency", "percent"],
)
def test_only_numbers_are_formatted_as_numbers(value: Any, got: str, call: Any) -> None:
    assert refused(call, value) == "needs a number, not " + got


@pytest.mark.parametrize(
    ("value", "got"),
    [(float("nan"), "NaN"), (float("inf"), "infinity"), (float("-inf"), "infinity"),
     (Decimal("NaN"), "NaN"), (Decimal("sNaN"), "NaN"), (Decimal("-Infinity"), "infinity")],
)  # fmt: skip
def test_only_finite_numbers(value: Any, got: str) -> None:
    assert refused(format_number, value, "en_US") == f"needs a finite number, not {got}"
    assert refused(format_percent, value, "en_US") == f"needs a finite number, not {got}"


@pytest.mark.parametrize(
    "value",
    [
        10**126,
        -(10**126),
        pytest.param(10**100_000, id="10**100000"),  # refused before it is converted
        Decimal("1e126"),
        Decimal("1" * 39),
        Decimal("1.00000000000000000000000000000000000001"),
        Decimal("1e-131"),
        1e-200,
        2**200,  # 61 significant digits
    ],
)
def test_numbers_beyond_what_can_be_stored(value: Any) -> None:
    assert refused(format_number, value, "en_US") == f"cannot format this number: {NUMBER_RULE}"
    assert refused(format_currency, value, "EUR", "en_US").startswith("cannot format this number: ")


def test_the_number_rule_is_the_storage_rule() -> None:
    assert rules.NUMBER_RULE == NUMBER_RULE


@pytest.mark.parametrize(
    ("decimals", "got"),
    [(-1, "-1"), (21, "21"), (10**100, "a number"), (True, "a boolean"), (2.0, "a number"),
     ("2", "a text")],
)  # fmt: skip
def test_decimals_are_a_whole_number_from_0_to_20(decimals: Any, got: str) -> None:
    assert refused(format_number, 1, "en_US", decimals) == (
        f"decimals must be a whole number from 0 to 20, not {got}"
    )
    assert format_number(1, "en_US", 0) == "1"
    assert format_number(1, "en_US", 20) == "1." + "0" * 20


@pytest.mark.parametrize(
    ("code", "shown"),
    [("eur", "'eur'"), ("EURO", "'EURO'"), ("ABC", "'ABC'"), ("", "''"), ("E", "'E'"),
     ("€", "'€'"), ("X" * 100, repr("X" * 40 + "…"))],
)  # fmt: skip
def test_a_currency_is_an_iso_4217_code_babel_knows(code: str, shown: str) -> None:
    message = f"{shown} is not an ISO 4217 currency code docgen knows; use one such as EUR"
    assert refused(format_currency, 1, code, "en_US") == message
    assert currency_problem(code) == message


def test_a_currency_code_is_text() -> None:
    message = "needs an ISO 4217 currency code such as EUR, not a number"
    assert refused(format_currency, 1, 978, "en_US") == message
    assert currency_problem("EUR") is currency_problem("XTS") is None


def test_a_failure_inside_babel_is_still_a_422() -> None:
    def fails() -> str:
        raise ArithmeticError("deep inside")

    assert refused(formatting._babel, fails) == "cannot format this number"


# --- locales -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "normal"),
    [("de-DE", "de_DE"), ("de_DE", "de_DE"), ("DE-de", "de_DE"), ("de", "de"),
     ("zh-TW", "zh_Hant_TW"), ("sr-Latn-RS", "sr_Latn_RS"), ("es-419", "es_419"),
     ("en-US-POSIX", "en_US_POSIX")],
)  # fmt: skip
def test_known_locales_in_either_form(tag: str, normal: str) -> None:
    assert locale_problem(tag) is None
    assert normalize_locale(tag) == normal


@pytest.mark.parametrize(
    "tag",
    ["xx-YY", "de-XX", "", "de_DE.UTF-8", "de_DE@euro", "de DE", "ü", "de--DE", "-de",
     "en_US_x", "a" * 36, "d" * 10**5],
)  # fmt: skip
def test_unknown_locales_say_what_would_work(tag: str) -> None:
    shown = repr(tag if len(tag) <= 40 else tag[:40] + "…")
    message = UNKNOWN_LOCALE.format(shown)
    assert locale_problem(tag) == message
    assert refused(normalize_locale, tag) == message
    assert refused(format_date, "2026-12-01", "long", tag) == message
    assert refused(format_number, 1, tag) == message
    assert refused(format_currency, 1, "EUR", tag) == message
    assert refused(format_percent, 1, tag) == message


def test_the_briefs_locale_message() -> None:
    assert locale_problem("xx-YY") == (
        "locale 'xx-YY' is not one docgen knows; use a BCP 47 tag such as de-DE"
    )


def test_a_locale_is_text() -> None:
    assert locale_problem(None) == "locale must be a BCP 47 tag such as de-DE, not none"
    assert (
        refused(format_number, 1, 49) == "locale must be a BCP 47 tag such as de-DE, not a number"
    )


def test_the_filter_then_the_template_then_the_stage_then_en_us() -> None:
    asked: list[str] = []

    def stage() -> str:
        asked.append("stage")
        return "fr_FR"

    assert resolve_locale("de-DE", "ja_JP", stage) == "de_DE"
    assert resolve_locale(None, "ja-JP", stage) == "ja_JP"
    assert asked == []  # the stage's setting is read only when it decides
    assert resolve_locale(None, None, stage) == "fr_FR"
    assert asked == ["stage"]
    assert resolve_locale(None, None) == DEFAULT_LOCALE == "en_US"
    assert refused(resolve_locale, "xx", "de_DE", stage) == UNKNOWN_LOCALE.format("'xx'")


# --- the stage's default -------------------------------------------------------------------


def test_the_stage_default_is_read_at_each_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "de-DE")
    assert default_locale() == "de_DE"
    monkeypatch.setenv("DEFAULT_LOCALE", "fr_FR")
    assert default_locale() == "fr_FR"
    monkeypatch.delenv("DEFAULT_LOCALE")
    assert default_locale() == "en_US"


@pytest.mark.parametrize("setting", ["", "xx-YY", "en_US.UTF-8", "C", "POSIX"])
def test_a_bad_stage_default_fails_loudly(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", setting)
    with pytest.raises(RuntimeError) as raised:
        default_locale()
    assert str(raised.value) == (
        "DEFAULT_LOCALE must be a locale docgen knows, a BCP 47 tag such as de-DE or de_DE; "
        f"{setting!r} is not"
    )


# --- the draft README text -----------------------------------------------------------------

README = PROJECT_DIR / "README.md"


def test_the_readmes_formatting_outputs() -> None:
    """Every output the README's formatting rules show is what these functions give, with
    Babel's no-break spaces (the filter table's examples are run by test_readme_templates)."""
    readme = README.read_text(encoding="utf-8")
    text = readme[readme.index("### Templates\n") : readme.index("### AWS calls")]
    examples = [
        format_date("2026-12-01", "long", "de_DE"),
        format_number(Decimal("1234567.891"), "en_US"),
        format_number(Decimal("1234.5"), "en_US", 2),
        format_currency(Decimal("1234.5"), "EUR", "fr_FR"),
        format_percent(Decimal("0.256"), "en_US"),
        "Stand "
        + format_date("2026-12-01", "long", "de-DE")
        + ": "
        + format_currency(Decimal("1234.5"), "EUR", "de-DE"),
        format_number(Decimal("1.2346"), "en_US"),
        format_currency(Decimal("0.125"), "EUR", "en_US"),
        format_number(Decimal("-0.001"), "en_US", 0),
        format_number(Decimal("1234.5"), "ar_EG", 2),
    ]
    assert [example for example in examples if f"`{example}`" not in text] == []
    assert "`-0`" in text and "`1,234.50`" in text

    table = text[text.index("| | `en_US` |") :].split("\n\n", 1)[0].splitlines()
    locales = [cell.strip("` ") for cell in table[0].split("|")[2:-1]]
    rows = {
        '`date("short")`': lambda tag: format_date("2026-12-01", "short", tag),
        "`date` (medium)": lambda tag: format_date("2026-12-01", "medium", tag),
        '`date("full")`': lambda tag: format_date("2026-12-01", "full", tag),
        "`number`": lambda tag: format_number(Decimal("1234567.891"), tag),
        '`currency("EUR")`': lambda tag: format_currency(Decimal("1234.5"), "EUR", tag),
        '`currency("JPY")`': lambda tag: format_currency(Decimal("1234.5"), "JPY", tag),
        "`percent`": lambda tag: format_percent(Decimal("0.15"), tag),
    }
    shown = {}
    for line in table[2:]:
        name, *cells = (cell.strip() for cell in line.split("|")[1:-1])
        shown[name] = [cell.strip("`") for cell in cells]
    assert locales == ["en_US", "de_DE", "fr_FR", "ja_JP"]
    assert shown == {name: [write(tag) for tag in locales] for name, write in rows.items()}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("date", refused(format_date, 1, "long", "en_US")),
        ("date", refused(format_date, "2026-02-30", "long", "en_US")),
        ("date", refused(format_date, "2026-12-01", "yyyy-MM-dd", "en_US")),
        ("number", refused(format_number, "1234.5", "en_US")),
        ("number", refused(format_number, float("nan"), "en_US")),
        ("number", refused(format_number, 10**200, "en_US")),
        ("number", refused(format_number, 1, "en_US", 21)),
        ("currency", refused(format_currency, 1, "EURO", "en_US")),
        ("date", refused(format_date, "2026-12-01", "long", "xx-YY")),
    ],
)
def test_the_drafts_messages_are_the_functions(name: str, message: str) -> None:
    """As a 422 shows them: the interpreter puts the filter's name in front."""
    assert f"`{name}: {message}`" in README.read_text(encoding="utf-8")


# --- cost --------------------------------------------------------------------------------


def test_importing_the_module_does_not_import_babel() -> None:
    probe = (
        "import sys\n"
        "from chalicelib.domain.rendering import formatting\n"
        "from chalicelib.domain.records import Template\n"
        "Template('t', 'x').check()\n"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] == 'babel'))\n"
    )
    assert fresh_python(probe) == "[]"


COLD_LETTERS = MOCKED_DEV_STAGE + textwrap.dedent(
    """
    import contextlib, io, json, sys
    import boto3
    dynamodb = boto3.client("dynamodb")
    create_stack(dynamodb, boto3.client("s3"), "dev")
    dynamodb.put_item(TableName=os.environ["DYNAMODB_TABLE_NAME"], Item={
        "PK": {"S": "D#Jinja"}, "data": {"S": "{{ name }}, {{ customerId }}"},
        "locale": {"S": "de-DE"}})

    def babel():
        return sorted(name for name in sys.modules if name.partition(".")[0] == "babel")

    before = babel()
    import app
    from bench.handlers import lambda_context, proxy_event

    statuses = []
    with contextlib.redirect_stdout(io.StringIO()):
        for doc_type in ("Welcome", "Jinja"):
            event = json.loads(json.dumps(proxy_event(doc_type)).replace("Welcome", doc_type))
            statuses.append(app.app(event, lambda_context())["statusCode"])
    after = babel()
    from chalicelib.domain.rendering.formatting import format_date
    format_date("2026-12-01", "long", "de_DE")
    print(json.dumps({"before": before, "statuses": statuses, "after": after,
                      "formatted": "babel.dates" in sys.modules}))
    """
)


def test_a_cold_start_that_formats_nothing_never_imports_babel() -> None:
    """A plain letter, and a Jinja letter whose template has a locale but uses no
    formatting filter: the app, the read, the render and the write load no Babel."""
    run = json.loads(fresh_python(COLD_LETTERS))
    assert run == {"before": [], "statuses": [201, 201], "after": [], "formatted": True}


def test_the_slowest_inputs_are_fast() -> None:
    """The longest, largest storable numbers with the most decimals, and the longest texts:
    a thousand calls of each in well under a second."""
    largest = Decimal("-" + "9" * 38 + "E+87")
    calls = [
        lambda: format_number(largest, "ar_EG", MAX_DECIMALS),
        lambda: format_currency(largest, "KWD", "fr_FR"),
        lambda: format_percent(largest, "de_DE"),
        lambda: format_date("2026-12-01T23:59:59.123456789Z", "full", "ja_JP"),
    ]
    for call in calls:
        call()  # Babel's locale data is loaded once
        started = time.perf_counter()
        for _ in range(1000):
            call()
        assert time.perf_counter() - started < 1.0
    for refused_text in ("9" * 10**6, "x" * 10**6):
        started = time.perf_counter()
        for _ in range(1000):
            with pytest.raises(CannotRender):
                format_date(refused_text, "long", "en_US")
            with pytest.raises(CannotRender):
                format_currency(1, refused_text, "en_US")
        assert time.perf_counter() - started < 1.0


# Any number DynamoDB can store: a sign, up to 38 digits and an exponent that keeps it
# between 1e-130 and 1e126; ints and floats as a template's arithmetic makes them.
STORABLE = st.one_of(
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(map(int, str(digits))), exponent)),
        st.integers(0, 1),
        st.integers(1, 10**38 - 1),
        st.integers(-130 - 37, 125),
    ).filter(rules.is_storable_number),
    st.just(Decimal(0)),
    st.integers(-(10**38) + 1, 10**38 - 1),
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda x: x == 0 or rules.SMALLEST_NUMBER <= abs(Decimal(repr(x))) < rules.NUMBER_BOUND
    ),
)
SOME_LOCALES = st.sampled_from([*LOCALES, "de-CH", "en-IN", "zh-TW", "he-IL", "fa-IR", "hi-IN"])
CURRENCY_CODES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "CLF", "INR", "XXX"])


@settings(max_examples=300, deadline=timedelta(milliseconds=500))
@given(
    STORABLE,
    SOME_LOCALES,
    st.one_of(st.none(), st.integers(0, MAX_DECIMALS)),
    CURRENCY_CODES,
    st.sampled_from(DATE_FORMATS),
)
def test_any_storable_number_formats(
    number: Any, locale: str, decimals: int | None, currency: str, date_format: str
) -> None:
    for text in (
        format_number(number, locale, decimals),
        format_currency(number, currency, locale),
        format_percent(number, locale),
    ):
        assert isinstance(text, str)
        assert 0 < len(text) < 300


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(max_size=100),
    st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=timedelta(milliseconds=500))
@given(ANYTHING, ANYTHING, st.one_of(SOME_LOCALES, st.text(max_size=40)))
def test_any_value_formats_or_is_a_422(value: Any, other: Any, locale: str) -> None:
    for call in (
        lambda: format_number(value, locale, other),
        lambda: format_number(value, locale),
        lambda: format_currency(value, other, locale),
        lambda: format_percent(value, locale),
        lambda: format_date(value, other, locale),
        lambda: format_date(value, "long", locale),
    ):
        try:
            assert isinstance(call(), str)
        except CannotRender as error:
            assert len(str(error)) < 250
