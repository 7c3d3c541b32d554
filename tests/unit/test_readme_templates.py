"""The README's template section: every filter and test it lists is one docgen has, and
every example gives what the README says it gives."""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering.filters import FILTERS
from chalicelib.domain.rendering.predicates import TESTS

README = (Path(__file__).parents[2] / "README.md").read_text()
SECTION = README[README.index("### Templates\n") : README.index("### AWS calls")]
ANN = Customer(
    "ann", "Ann Smith", {"plan": "Gold", "balance": Decimal("12.5"), "seats": 3, "vip": True}
)
ROW = re.compile(r"^\| `(?P<name>[a-z]+)[^`]*` \| `(?P<example>.+)` \| `(?P<gives>.*)` \|$")


def table(heading: str) -> dict[str, tuple[str, str]]:
    """``name -> (example, output)`` of the table after ``heading``."""
    start = SECTION.index(heading)
    rows = {}
    for line in SECTION[start:].splitlines()[2:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        match = ROW.match(line)
        if match:
            unescaped = match["example"].replace("\\|", "|")
            rows[match["name"]] = (unescaped, match["gives"])
    return rows


FILTER_ROWS = table("**Filters**")
TEST_ROWS = table("**Tests**")


def rendered(text: str, customer: Customer = ANN) -> str:
    return render_letter(customer, Template("Readme", text, greeting=""), date(2026, 12, 1))


def test_the_readme_lists_every_filter_and_test_and_nothing_else() -> None:
    assert sorted(FILTER_ROWS) == sorted(FILTERS)
    assert sorted(TEST_ROWS) == sorted(TESTS)


@pytest.mark.parametrize("name", sorted(FILTER_ROWS))
def test_each_filter_example_gives_what_the_readme_shows(name: str) -> None:
    example, gives = FILTER_ROWS[name]
    assert f"| {name}" in example or f"|{name}" in example.replace(" ", "")
    assert rendered(example) == gives


@pytest.mark.parametrize("name", sorted(TEST_ROWS))
def test_each_test_example_gives_what_the_readme_shows(name: str) -> None:
    example, gives = TEST_ROWS[name]
    assert f"is {name}" in example
    assert rendered(example) == gives


def test_the_item_example_gives_the_letter_shown() -> None:
    block = SECTION[SECTION.index("```json\n") + 8 :]
    item = json.loads(block[: block.index("```")])
    prose = SECTION[SECTION.index("this gives\n") :]
    shown = json.loads('"' + prose[prose.index("`") + 1 : prose.index("`.")] + '"')
    ann = Customer("ann", "Ann", {"plan": "Gold", "vip": True})
    template = Template("Renewal", item["text"], item["greeting"])
    assert render_letter(ann, template, date(2026, 12, 1)) == shown


def test_the_locale_example_gives_what_the_readme_shows() -> None:
    start = SECTION.index('A template with `"locale": "de-DE"` and the text')
    block = SECTION[start:].split("```\n", 2)[1]
    shown = SECTION[start:].split("gives `", 1)[1].split("`", 1)[0]
    template = Template("Stand", block.rstrip("\n"), greeting="", locale="de-DE")
    customer = Customer("ann", "Ann", {"balance": Decimal("1234.5")})
    assert render_letter(customer, template, date(2026, 12, 1)) == shown


def test_the_renewal_template_reads_and_refuses_what_the_readme_shows() -> None:
    """The curl examples: the template PUT in "Customers and templates", its ``variables``
    and the preview of an inline customer without ``plan``."""
    put = README[README.index("curl -i -X PUT http://127.0.0.1:8000/templates/Renewal") :]
    body = json.loads(put[put.index("-d '") + 4 : put.index("}'") + 1].replace("\n", " "))
    template = Template("Renewal", body["text"], body["greeting"])
    comment = SECTION[SECTION.index("jq -c .variables") :].splitlines()[0]
    assert template.variables == json.loads(comment.split("# ", 1)[1])
    refusal = SECTION[SECTION.index('# {"Code": "UnprocessableEntityError"') + 2 :]
    expected = json.loads(refusal.splitlines()[0])["Message"]
    with pytest.raises(CannotRender) as raised:
        render_letter(Customer("", "Zoë"), template, date(2026, 12, 1))
    assert str(raised.value) == expected
