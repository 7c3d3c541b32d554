"""Property-based: any template the subset's grammar writes is accepted when stored, and
renders, or is a 422, within the bounds."""

import time
from datetime import date
from decimal import Decimal

from hypothesis import given, settings

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering.budget import MAX_OUTPUT_BYTES, MAX_RENDER_SECONDS
from tests.template_grammar import statements

ANN = Customer("ann", "Ann", {"plan": "Gold", "balance": Decimal("12.5"), "seats": 3, "vip": True})


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=statements)
def test_a_template_from_the_grammar_is_stored_and_renders_within_its_bounds(text: str) -> None:
    template = Template("Prop", text)
    template.check()  # in the subset, so never a 400
    assert isinstance(template.variables, list)
    started = time.thread_time()
    try:
        letter = render_letter(ANN, template, date(2026, 12, 1))
    except CannotRender as error:
        assert str(error).startswith("template Prop cannot be rendered: ")
    else:
        assert len(letter.encode()) <= MAX_OUTPUT_BYTES
    assert time.thread_time() - started < MAX_RENDER_SECONDS + 0.5
