"""Rendering: the allowed subset, undefined values, the bounds, the program cache."""

import tracemalloc
from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain import rendering
from chalicelib.domain.errors import CannotRender, InvalidInput
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering import BYTES_PER_NODE, problem, render, variables_of
from chalicelib.domain.rendering import budget as budget_module
from chalicelib.domain.rendering.budget import (
    MAX_ALLOCATED_BYTES,
    MAX_OUTPUT_BYTES,
    MAX_RENDER_SECONDS,
    RenderBudget,
)
from tests.support import fresh_python

ANN = Customer("c-42", "Ann Smith", {"plan": "Gold", "balance": Decimal("12.50"), "vip": True})
TODAY = date(2026, 12, 1)


def letter(text: str, greeting: str | None = None, customer: Customer = ANN) -> str:
    return render_letter(customer, Template("Welcome", text, greeting), TODAY)


def refusal(text: str) -> str:
    with pytest.raises(CannotRender) as raised:
        letter(text)
    return str(raised.value).removeprefix("template Welcome cannot be rendered: ")


@pytest.mark.parametrize(
    ("text", "output"),
    [
        ("{{ customerId }} {{ docType }} {{ today }}", "c-42 Welcome 2026-12-01"),
        ("{{ attributes.plan }} {{ attributes['balance'] }}", "Gold 12.50"),
        ('{{ name ~ "!" }} {{ "a" + "b" }} {{ [1, 2] + [3] }}', "Ann Smith! ab [1, 2, 3]"),
        ("{{ attributes.balance * 2 }} {{ attributes.balance * 1.5 }}", "25.00 18.750"),
        (
            "{{ 10 // 3 }} {{ 10 % 3 }} {{ 10 / 4 }} {{ 3 - 5 }} {{ -attributes.balance }}",
            "3 1 2.5 -2 -12.50",
        ),
        ('{{ "ab" in "cabd" }} {{ 2 in [1, 2] }} {{ "q" not in "abc" }}', "True True True"),
        ('{{ "big" if attributes.balance > 10 else "small" }} {{ "x" if false }}.', "big ."),
        ('{{ attributes.vip and "yes" or "no" }} {{ not attributes.vip }}', "yes False"),
        (
            "{{ [1, 2, 3][1:] }} {{ name[0] }} {{ name[-5:] }} {{ {'a': 1}.a }} {{ (1, 2)[1] }}",
            "[2, 3] A Smith 1 2",
        ),
        (
            "{% for k, v in attributes|dictsort %}{{ loop.index }}.{{ k }}={{ v }}"
            "{% if not loop.last %}, {% endif %}{% endfor %}",
            "1.balance=12.50, 2.plan=Gold, 3.vip=True",
        ),
        (
            "{% for x in [1, 2, 3] if x > 1 %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}",
            "2232",
        ),
        ("{% for x in [] %}{{ x }}{% else %}none{% endfor %}", "none"),
        ("{% for i in range(2) %}{% set x = i %}{% endfor %}{{ x is defined }}", "False"),
        ("{% set a, b = [1, 2] %}{{ b }}{{ a }}", "21"),
        (
            "{% if attributes.plan == 'Gold' %}g{% elif attributes.vip %}v{% else %}-{% endif %}",
            "g",
        ),
        ("{# a comment #}{%- if true -%}  trimmed  {%- endif %}", "trimmed"),
        ("{% raw %}{{ kept }}{% endraw %}", "{{ kept }}"),
        (
            "  Tabs\tand\r\nCRLF and 100% literal }} {  \n\n",
            "  Tabs\tand\r\nCRLF and 100% literal }} {  \n\n",
        ),
        ("{{ name }}\n", "Ann Smith\n"),
    ],
)
def test_the_subset_renders_like_jinja2(text: str, output: str) -> None:
    assert letter(text) == f"Dear Ann Smith;\n{output}"


def test_values_are_not_escaped_in_text() -> None:
    assert letter("{{ name }}", customer=Customer("c1", "<b>&'\"")) == "Dear <b>&'\";\n<b>&'\""


def test_greeting_is_a_template_too() -> None:
    assert letter("Hi.\n", greeting="Hello {{ name|upper }},") == "Hello ANN SMITH,\nHi.\n"


@pytest.mark.parametrize(
    ("text", "output"),
    [
        ("{% if attributes.missing %}yes{% else %}no{% endif %}", "no"),
        ("{{ attributes.missing is defined }} {{ attributes.missing is undefined }}", "False True"),
        ("{{ attributes.missing | default('none') }} {{ attributes.missing | d(1) }}", "none 1"),
        ("{{ attributes.missing.deeper is defined }} {{ nobody is none }}", "False False"),
        ("{{ attributes.missing == 'Gold' }} {{ attributes.missing != 'Gold' }}", "False True"),
        ("{{ attributes.missing or name }}", "Ann Smith"),
        ("{{ ''|default('empty', true) }}", "empty"),
    ],
)
def test_testing_a_missing_value_is_not_an_error(text: str, output: str) -> None:
    assert letter(text) == f"Dear Ann Smith;\n{output}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ nope }}", "line 1: nope is undefined"),
        ("ok\n\n{{ attributes.missing }}", "line 3: attributes.missing is undefined"),
        ("{{ attributes.missing.deeper }}", "line 1: attributes.missing.deeper is undefined"),
        ("{{ attributes['missing'] ~ 'x' }}", "line 1: attributes.missing is undefined"),
        ("{{ attributes.missing|upper }}", "line 1: attributes.missing is undefined"),
        ("{{ attributes.missing + 1 }}", "line 1: attributes.missing is undefined"),
        ("{{ attributes.missing < 1 }}", "line 1: attributes.missing is undefined"),
        (
            "{% for x in attributes.missing %}{% endfor %}",
            "line 1: attributes.missing is undefined",
        ),
        ("{{ [1][5] }}", "line 1: a value[5] is undefined"),
        ("{{ loop }}", "line 1: loop is undefined"),
        (
            "{% for x in [1] %}{{ loop }}{% endfor %}",
            "line 1: the loop cannot be printed; print loop.index instead",
        ),
        ("{{ [] | first }}", "line 1: the first item of an empty list is undefined"),
    ],
)
def test_printing_a_missing_value_is_a_422_that_names_it(text: str, reason: str) -> None:
    assert refusal(text) == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ 1 / 0 }}", "line 1: division by zero"),
        ("{{ name - 1 }}", "line 1: - needs two numbers, not a text and a number"),
        (
            "{{ name + 1 }}",
            "line 1: + adds two numbers, two texts or two lists, not a text and a number; "
            "~ joins anything as text",
        ),
        ("{{ '%s' % name }}", "line 1: % needs two numbers, not a text and a text"),
        (
            "{{ name < 1 }}",
            "line 1: cannot compare a text with a number",
        ),
        ("{{ 1 in 2 }}", "line 1: in needs a list, a map or a text on its right, not a number"),
        ("{{ [1, 'a']|sort }}", "line 1: sort: cannot sort a list that mixes texts and numbers"),
        ("{{ name|round }}", "line 1: round: needs a number, not a text"),
        ("{{ 1|round(99) }}", "line 1: round: precision must be a whole number from 0 to 20"),
        (
            "{{ ''|truncate(-5) }}",
            "line 1: truncate: length must be a whole number from 3 to 1048576",
        ),
        ("{{ 5|join }}", "line 1: join: needs a list or a text, not a number"),
        ("{{ 'a' is even }}", "line 1: is even: needs a number, not a text"),
        ("{% for x in 5 %}{% endfor %}", "line 1: cannot loop over a number"),
        ("{% set a, b = [1] %}", "line 1: cannot unpack this value into 2 names"),
        ("{{ {[1]: 2} }}", "line 1: a map key must be a text or a number"),
        ("{{ range('a') }}", "line 1: range() takes whole numbers, not a text"),
        ("{{ name[1:2:0] }}", "line 1: ValueError: slice step cannot be zero"),
    ],
)
def test_a_failing_expression_is_a_422_that_names_the_line_and_problem(
    text: str, reason: str
) -> None:
    assert refusal(text) == reason


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("{{ name.upper() }}", "line 1: method calls are not allowed"),
        ("ok\n{{ x|urlize }}", "line 2: unknown filter 'urlize'"),
        ("{% if x is callable %}{% endif %}", "line 1: unknown test 'callable'"),
        (
            "{{ name|truncate(5, killword=true) }}",
            "line 1: truncate: got an unexpected keyword argument 'killword'",
        ),
        ("{{ name|replace('a') }}", "line 1: replace: missing a required argument: 'new'"),
        ("{{ range(1, 2, 3, 4) }}", "line 1: range() takes one to three numbers"),
        ("{{ dict(a=1) }}", "line 1: the only function a template may call is range()"),
        ("{{ attributes._private }}", "line 1: names starting with _ are not allowed"),
        ("{{ 2 ** 8 }}", "line 1: ** is not allowed"),
        ("\n\n{% macro m() %}{% endmacro %}", "line 3: {% macro %} is not allowed"),
        ("{% if 1 %}\n{{ name }\n{% endif %}", "line 2: syntax error: unexpected '}'"),
        ("{% if %}", "line 1: syntax error: Expected an expression, got 'end of statement block'"),
    ],
)
def test_a_construct_outside_the_subset_is_refused_naming_it_and_its_line(
    text: str, found: str
) -> None:
    assert problem(text) == found
    with pytest.raises(InvalidInput) as raised:
        Template("Welcome", text).check()
    assert str(raised.value) == f"text, {found}"
    assert refusal(text) == found  # a hand-written item is refused when rendered too


def test_plain_text_has_no_problem_and_no_variables() -> None:
    assert problem("Hello { name } 100%") is None
    assert variables_of("Hello") == ()


@pytest.mark.parametrize(
    ("text", "greeting", "variables"),
    [
        ("plain", None, ["name"]),
        ("plain", "", []),
        (
            "{{ attributes.plan }} {{ attributes['seats'] }}",
            "Hi {{ customerId }}",
            ["attributes.plan", "attributes.seats", "customerId"],
        ),
        ("{% for k in attributes %}{{ k }}{% endfor %}{{ today }}", "", ["attributes", "today"]),
        ("{% set name = 'x' %}{{ name }}{% for docType in [1] %}{{ docType }}{% endfor %}", "", []),
        ("{{ nobody }} {{ loop }} {{ attributes[key] }}", "", ["attributes"]),
    ],
)
def test_variables_are_what_the_template_reads(
    text: str, greeting: str | None, variables: list[str]
) -> None:
    assert Template("t", text, greeting).variables == variables


def test_plain_templates_never_import_jinja() -> None:
    probe = (
        "import sys\n"
        "from datetime import date\n"
        "from chalicelib.domain.letters import render_letter\n"
        "from chalicelib.domain.records import Customer, Template\n"
        "t = Template('t', '\\nHello and Welcome!\\n')\n"
        "render_letter(Customer('c', 'Ann'), t, date(2026, 12, 1))\n"
        "render_letter(Customer('c', 'Ann'), Template('t', 'x', greeting=''), date(2026, 12, 1))\n"
        "t.check(); t.variables\n"
        "heavy = ('jinja2', 'babel', 'chalicelib.domain.rendering.')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    assert fresh_python(probe) == (
        "['chalicelib.domain.rendering.budget', 'chalicelib.domain.rendering.locales']"
    )


# Bounds


def test_output_cap_is_exactly_one_mebibyte() -> None:
    fits = "x" * (MAX_OUTPUT_BYTES - len("Dear Ann Smith;\n"))
    assert len(letter(fits).encode()) == MAX_OUTPUT_BYTES
    with pytest.raises(CannotRender):
        letter(fits + "x")


def test_cap_counts_utf8_bytes_not_characters() -> None:
    with pytest.raises(CannotRender):
        render("ë" * (MAX_OUTPUT_BYTES // 2 + 1), {}, RenderBudget(), "template t", "en_US")


HOSTILE = {
    "in-over-a-big-text": (
        "{% set big = 'a' * 1000000 %}{% for w in range(100000) %}"
        "{% if 'aaaab' in big %}{% endif %}{% endfor %}"
    ),
    "length-in-a-loop": (
        "{% set big = 'ab' * 500000 %}{% for w in range(100000) %}"
        "{% set x = big|length %}{% endfor %}"
    ),
    "sort-in-a-loop": (
        "{% set l = range(100000)|list %}{% for w in range(100000) %}"
        "{% set x = l|sort %}{% endfor %}"
    ),
    # Two lists, not one compared with itself: CPython's identity shortcut would make
    # ``l == l`` cheap, and the loop would then end within its bounds, refused or not by
    # the clock depending on the machine.
    "compare-big-lists": (
        "{% set a = range(100000)|list %}{% set b = range(100000)|list %}"
        "{% for w in range(100000) %}{% set x = a == b %}{% endfor %}"
    ),
    "replace-in-a-loop": (
        "{% set big = 'ab' * 500000 %}{% for w in range(100000) %}"
        "{% set x = big|replace('a', '') %}{% endfor %}"
    ),
    "allocate-in-a-loop": "{% for i in range(100000) %}{% set c = 'x' * 1000 %}{% endfor %}",
    "upper-in-a-loop": (
        "{% set s = 'ﬃ' * 300000 %}{% for i in range(1000) %}{% set t = s|upper %}{% endfor %}"
    ),
    "print-shared-rows": "{% set a = [0] * 100000 %}{{ [a] * 100 }}",
    "nested-loops": (
        "{% for a in range(1000) %}{% for b in range(1000) %}{{ '' }}{% endfor %}{% endfor %}"
    ),
    "string-list-of-wide-characters": (
        "{% for i in range(100) %}{% set l = ('é' * 100000)|list %}{% endfor %}"
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_render_ends_within_its_cpu_and_memory_bounds(case: str) -> None:
    """Not a performance assertion: each bound must hold, with the slack of one step."""
    import time

    tracemalloc.start()
    started = time.thread_time()
    try:
        with pytest.raises(CannotRender):
            letter(HOSTILE[case])
        cpu = time.thread_time() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cpu < MAX_RENDER_SECONDS * 1.5 + 0.5  # tracemalloc makes every allocation slower
    assert peak < MAX_ALLOCATED_BYTES


def test_a_100_kib_template_compiles_well_within_a_second() -> None:
    import time

    unit = "{% if a.b == 1 and c or d %}{{ x|default('y')|upper }}{% endif %} and some prose. "
    text = (unit * 600)[: 100 * 1024]
    rendering._programs.clear()
    started = time.thread_time()
    assert problem(text) is None
    assert time.thread_time() - started < 1.0


# The cache


def test_compiled_programs_are_reused_and_a_new_text_compiles_anew() -> None:
    text = "{{ name }} and the cache"
    letter(text)
    compiled = rendering._programs.compiled
    letter(text)
    assert rendering._programs.compiled == compiled
    letter(text + " v2")
    assert rendering._programs.compiled == compiled + 1


def test_the_cache_is_bounded_by_memory() -> None:
    cache = rendering._Programs(max_bytes=200_000)
    texts = [f"{{{{ name }}}} {n} " * 50 for n in range(20)]
    for text in texts:
        cache.get(text)
    assert cache.size <= 200_000
    assert 0 < len(cache._programs) < len(texts)
    assert texts[-1] in cache._programs and texts[0] not in cache._programs


def test_a_programs_estimated_size_is_an_upper_bound() -> None:
    text = "".join(
        f"{{% if attributes.a{n} %}}{{{{ attributes.b{n}|upper ~ name }}}}{{% endif %}}\n"
        for n in range(300)
    )
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        program = rendering._compile(text)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert program.nodes * BYTES_PER_NODE >= held


# Locales


def test_a_filter_locale_beats_the_templates_which_beats_the_stages() -> None:
    text = '{{ today|date("long") }} | {{ today|date("long", locale="fr-FR") }}'
    asked: list[str] = []

    def stage() -> str:
        asked.append("stage")
        return "ja_JP"

    german = Template("Welcome", text, greeting="", locale="de-DE")
    assert render_letter(ANN, german, TODAY, stage) == "1. Dezember 2026 | 1 décembre 2026"
    assert asked == []  # the template named its locale: the stage's is never read
    plain = Template("Welcome", text, greeting="")
    assert render_letter(ANN, plain, TODAY, stage) == "2026年12月1日 | 1 décembre 2026"
    assert asked == ["stage"]
    assert render_letter(ANN, plain, TODAY) == "December 1, 2026 | 1 décembre 2026"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            '{{ today|date("yyyy-MM-dd") }}',
            "date: format must be one of short, medium, long, full, not 'yyyy-MM-dd'",
        ),
        (
            '{{ 1|currency("EURO") }}',
            "currency: 'EURO' is not an ISO 4217 currency code docgen knows; use one such as EUR",
        ),
        (
            '{{ 1|number(locale="xx-YY") }}',
            "number: locale 'xx-YY' is not one docgen knows; use a BCP 47 tag such as de-DE",
        ),
    ],
)
def test_a_literal_formatting_argument_is_checked_when_stored(text: str, found: str) -> None:
    assert problem(text) == f"line 1: {found}"


def test_a_template_that_formats_nothing_never_imports_babel() -> None:
    probe = (
        "import sys\n"
        "from datetime import date\n"
        "from chalicelib.domain.letters import render_letter\n"
        "from chalicelib.domain.records import Customer, Template\n"
        "t = Template('t', '{{ name|upper }} {{ today }}', locale='de-DE')\n"
        "print(render_letter(Customer('c', 'Ann'), t, date(2026, 12, 1), lambda: 1 / 0))\n"
        "print([m for m in sys.modules if m.startswith('babel')])\n"
    )
    assert fresh_python(probe) == "Dear Ann;\nANN 2026-12-01\n[]"


def test_compiling_is_not_counted_against_the_render_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big template renders the same on a cold cache as on a warm one."""
    from chalicelib.domain.rendering.locales import Locales

    text = (
        "{% if true %}{{ name }}{% endif %} and some prose.\n" * 1300
        + "{% for i in range(3) %}{% endfor %}"
    )
    rendering._programs.clear()
    monkeypatch.setattr(budget_module, "MAX_RENDER_SECONDS", 0.05)  # less than compiling takes
    budget = RenderBudget()
    output = render(text, {"name": "Ann"}, budget, "template t", Locales(None))
    assert output == "Ann and some prose.\n" * 1300
