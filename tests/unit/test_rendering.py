"""Rendering: the contract's rules, the sandbox, and what a template may cost."""

import time
from decimal import Decimal

import pytest

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering import render
from chalicelib.domain.rendering.budget import MAX_OUTPUT_BYTES, RenderBudget
from tests.support import fresh_python

ANN = Customer("c-42", "Ann Smith", {"plan": "Gold", "balance": Decimal("12.50"), "vip": True})


def letter(text: str, greeting: str | None = None, customer: Customer = ANN) -> str:
    return render_letter(customer, Template("Welcome", text, greeting))


def test_concatenation_and_operators_still_work() -> None:
    text = '{{ name ~ "!" }} {{ "a" + "b" }} {{ [1, 2] + [3] }} {{ "%s-%s" % ("a", "b") }}'
    assert letter(text) == "Dear Ann Smith;\nAnn Smith! ab [1, 2, 3] a-b"


def test_variables() -> None:
    text = "{{ customerId }} {{ docType }} {{ attributes.plan }} {{ attributes['balance'] }}"
    assert letter(text) == "Dear Ann Smith;\nc-42 Welcome Gold 12.50"


def test_a_loop_and_a_condition() -> None:
    text = (
        "{% for key, value in attributes|dictsort %}{{ key }}={{ value }}\n{% endfor %}"
        "{% if attributes.vip %}Thank you!{% endif %}"
    )
    assert letter(text) == "Dear Ann Smith;\nbalance=12.50\nplan=Gold\nvip=True\nThank you!"


def test_custom_greeting_is_a_template_too() -> None:
    assert letter("Hi.\n", greeting="Hello {{ name|upper }},") == "Hello ANN SMITH,\nHi.\n"


def test_trailing_newline_is_kept() -> None:
    assert letter("{{ name }}\n") == "Dear Ann Smith;\nAnn Smith\n"


def test_values_are_not_escaped_in_text() -> None:
    customer = Customer("c1", "<b>&'\"")
    assert letter("{{ name }}", customer=customer) == "Dear <b>&'\";\n<b>&'\""


def test_literal_text_is_kept_byte_for_byte() -> None:
    text = "  Tabs\tand\r\nCRLF and 100% literal }} {  \n\n"
    assert letter(text) == f"Dear Ann Smith;\n{text}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ nope }}", "template Welcome cannot be rendered: 'nope' is undefined"),
        (
            "{{ attributes.missing }}",
            "template Welcome cannot be rendered: 'dict object' has no attribute 'missing'",
        ),
        (
            "{{ name.__class__ }}",
            "template Welcome cannot be rendered: "
            "access to attribute '__class__' of 'str' object is unsafe.",
        ),
        (
            "{{ name.__class__.__mro__[1].__subclasses__() }}",
            "template Welcome cannot be rendered: "
            "access to attribute '__class__' of 'str' object is unsafe.",
        ),
        ("{{ 1 / 0 }}", "template Welcome cannot be rendered: ZeroDivisionError: division by zero"),
        (
            "{% if %}",
            "template Welcome cannot be rendered: syntax error on line 1: Expected an expression, "
            "got 'end of statement block'",
        ),
        (
            "ok\n{{ name }\n",
            "template Welcome cannot be rendered: syntax error on line 2: unexpected '}'",
        ),
    ],
)
def test_template_faults_are_422_that_say_what(text: str, message: str) -> None:
    with pytest.raises(CannotRender) as raised:
        letter(text)
    assert str(raised.value) == message


def test_greeting_faults_name_the_greeting() -> None:
    with pytest.raises(CannotRender) as raised:
        letter("text", greeting="Dear {{ title }}")
    assert str(raised.value) == (
        "the greeting of template Welcome cannot be rendered: 'title' is undefined"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{{ "x" * 10**9 }}', "the number 1000000000 is too large here"),
        ('{{ "x".center(10**9) }}', "the number 1000000000 is too large here"),
        ('{{ "x"|center(10**9) }}', "the number 1000000000 is too large here"),
        ('{{ "%999999999d" % 1 }}', "the number 999999999 is too large here"),
        ('{{ "%999999999d"|format(1) }}', "the number 999999999 is too large here"),
        ('{{ "{:>999999999}".format(1) }}', "the number 999999999 is too large here"),
        ("{{ 2 ** 100000 }}", "exponents above 64 are not allowed"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "the template loops more than 100000 times",
        ),
        (
            '{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}',
            "the letter would be larger than 1 MiB",
        ),
        (
            "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
            "RecursionError: maximum recursion depth exceeded",
        ),
        # Growth one step at a time: no single huge number, but no value may pass 1 MiB.
        (
            '{% set s = "x" * 1000 %}' + "{% set s = s ~ s %}" * 16 + "{{ s|length }}",
            "a value would be larger than 1 MiB",
        ),
        (
            '{% set s = "x" * 1000000 %}{% set s = s ~ s ~ s ~ s ~ s ~ s %}',
            "a value would be larger than 1 MiB",
        ),
        (
            '{% set s = "x" * 1000 %}' + "{% set s = s + s %}" * 16,
            "a value would be larger than 1 MiB",
        ),
        (
            "{% set l = [1] * 1000 %}" + "{% set l = l + l %}" * 16,
            "a list, tuple, dict or set would have more than 100000 items",
        ),
        (
            '{% set s = "xxxxxxxxxx" %}' + '{% set s = s|replace("x", "xxxxxxxxxx") %}' * 6,
            "a value would be larger than 1 MiB",
        ),
    ],
)
def test_runaway_templates_stop_fast(text: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(CannotRender) as raised:
        letter(text)
    assert str(raised.value) == f"template Welcome cannot be rendered: {reason}"
    # Not a performance assertion: a bound that separates "stopped" from "ran away".
    assert time.monotonic() - started < 5


def test_output_cap_is_exactly_one_mebibyte() -> None:
    greeting_bytes = len("Dear Ann Smith;\n")
    fits = "x" * (MAX_OUTPUT_BYTES - greeting_bytes)
    assert len(letter(fits).encode()) == MAX_OUTPUT_BYTES
    with pytest.raises(CannotRender):
        letter(fits + "x")


def test_cap_counts_utf8_bytes_not_characters() -> None:
    budget = RenderBudget()
    with pytest.raises(CannotRender):
        render("ë" * (MAX_OUTPUT_BYTES // 2 + 1), {}, budget, "template t")


def test_plain_templates_never_import_jinja() -> None:
    probe = (
        "import sys\n"
        "from chalicelib.domain.letters import render_letter\n"
        "from chalicelib.domain.records import Customer, Template\n"
        "render_letter(Customer('c', 'Ann'), Template('t', '\\nHello and Welcome!\\n'))\n"
        "render_letter(Customer('c', 'Ann'), Template('t', 'x', greeting=''))\n"
        "print(sorted({'jinja2', 'chalicelib.domain.rendering.sandbox'} & set(sys.modules)))\n"
    )
    assert fresh_python(probe) == "[]"


def test_compiled_templates_are_reused() -> None:
    from chalicelib.domain.rendering import _compile

    text = "{{ name }} and the cache"
    letter(text)
    compiled = _compile.cache_info().misses
    letter(text)
    assert _compile.cache_info().misses == compiled  # served from the cache, not compiled again
