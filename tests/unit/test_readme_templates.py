"""The README's template section: every filter and test it lists is one docgen has, and
every example gives what the README says it gives."""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

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
