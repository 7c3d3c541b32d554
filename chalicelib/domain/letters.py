"""The letter itself: how a customer and a template become text, and what a printed
copy shows besides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering import render
from chalicelib.domain.rendering.budget import RenderBudget
from chalicelib.domain.rendering.locales import Locales
from chalicelib.domain.rules import MARKUPS, PAGE_SIZES

if TYPE_CHECKING:  # loaded by the first letter that has one: a cold start never pays for it
    from chalicelib.domain.letterheads import Letterhead


def render_letter(
    customer: Customer,
    template: Template,
    today: date,
    stage_locale: Callable[[], str] | None = None,
) -> str:
    """The rendered greeting, a newline, then the rendered text.

    The sample's items give ``Dear <name>;\\n<text>`` byte for byte. A
    template whose greeting is the empty string has no greeting line. The
    whole letter shares one budget: output, memory, loops and CPU time.
    ``stage_locale`` gives the stage's default locale, asked only if a filter needs it.
    """
    budget = RenderBudget()
    variables = {
        "name": customer.name,
        "customerId": customer.customer_id,
        "docType": template.doc_type,
        "attributes": dict(customer.attributes),
        "today": today.isoformat(),
    }
    locales = Locales(template.locale, stage_locale)
    if template.greeting is None:
        # Exactly what the default greeting, Dear {{ name }};, renders to; no Jinja needed.
        greeting = f"Dear {customer.name};"
        budget.write(greeting)
    else:
        what = f"the greeting of template {template.doc_type}"
        greeting = render(template.greeting, variables, budget, what, locales)
    text = render(template.text, variables, budget, f"template {template.doc_type}", locales)
    if not greeting:
        return text
    budget.write("\n")
    return f"{greeting}\n{text}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Letter(NamedTuple):
    """A rendered letter, with what a printed copy shows besides its text.

    The fields after ``dated`` are its frame (API.md, Letter layout); their defaults are a
    letter as it was before there were frames: no window, A4, dated in English.
    """

    customer_id: str
    doc_type: str
    text: str
    dated: datetime
    recipient: str = ""
    """The customer's name, shown in the window above ``address``."""
    address: tuple[str, ...] = ()
    """The customer's postal address lines."""
    letterhead: Letterhead | None = None
    page_size: str = PAGE_SIZES[0]
    """One of ``rules.PAGE_SIZES``."""
    locale: str | None = None
    """The template's locale (``de-DE``): the date's language; ``None``: English, as before."""
    markup: str = MARKUPS[0]
    """The template's ``markup``: ``markdown`` has HTML and PDF read the text as CommonMark."""

    @property
    def windowed(self) -> bool:
        """Whether the printed letter has an address block in the envelope window: with a
        letterhead (its return line at least), or with an address to show."""
        return self.letterhead is not None or bool(self.address)

    @property
    def title(self) -> str:
        """Not the template's description, which is a note for whoever maintains it."""
        return f"{self.doc_type} letter"

    @property
    def subject(self) -> str:
        return f"{self.doc_type} for customer {self.customer_id}"

    @property
    def date_line(self) -> str:
        """``23 November 2026``, the same whatever the machine's locale; in the template's
        locale, Babel's long date (``1. Dezember 2026``), Babel loaded only then."""
        if self.locale is None:
            return f"{self.dated.day} {_MONTHS[self.dated.month - 1]} {self.dated.year}"
        from chalicelib.domain.rendering.formatting import format_date

        return format_date(self.dated, "long", self.locale)

    def paragraphs(self) -> list[list[str]]:
        """The text's paragraphs (split at blank lines), each a list of its lines."""
        paragraphs: list[list[str]] = [[]]
        for line in self.text.splitlines():
            if line.strip():
                paragraphs[-1].append(line)
            elif paragraphs[-1]:
                paragraphs.append([])
        return [lines for lines in paragraphs if lines]


def framed_letter(
    customer: Customer,
    template: Template,
    text: str,
    dated: datetime,
    letterhead: Letterhead | None = None,
) -> Letter:
    """The customer's rendered letter with the frame its template asks for."""
    return Letter(
        customer.customer_id,
        template.doc_type,
        text,
        dated,
        recipient=customer.name,
        address=tuple(customer.address or ()),
        letterhead=letterhead,
        page_size=template.page_size or PAGE_SIZES[0],
        locale=template.locale,
        markup=template.markup or MARKUPS[0],
    )
