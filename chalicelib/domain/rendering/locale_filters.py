"""The filters that write values in a locale's words (``date``, ``number``, ``currency``,
``percent``), on ``formatting.py``, which imports Babel only when one of them runs."""

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.domain.rendering.budget import RenderBudget
from chalicelib.domain.rendering.formatting import (
    DEFAULT_DATE_FORMAT,
    currency_problem,
    date_format_problem,
    format_currency,
    format_date,
    format_number,
    format_percent,
    locale_problem,
)


class Run(Protocol):
    """What a filter may use of the render it runs in."""

    budget: RenderBudget

    def locale(self, explicit: str | None) -> str:
        """The locale to format in: ``explicit``, else the template's, else the stage's."""
        ...


def date(run: Run, value: Any, format: Any = DEFAULT_DATE_FORMAT, locale: Any = None) -> str:
    return format_date(value, format, run.locale(locale))


def number(run: Run, value: Any, decimals: Any = None, locale: Any = None) -> str:
    return format_number(value, run.locale(locale), decimals)


def currency(run: Run, value: Any, code: Any, locale: Any = None) -> str:
    return format_currency(value, code, run.locale(locale))


def percent(run: Run, value: Any, locale: Any = None) -> str:
    return format_percent(value, run.locale(locale))


CONSTANT_CHECKS: dict[tuple[str, str], Callable[[Any], str | None]] = {
    ("date", "format"): date_format_problem,
    ("currency", "code"): currency_problem,
    **{(name, "locale"): locale_problem for name in ("date", "number", "currency", "percent")},
}
"""Arguments checked when the template is stored, when the template gives them as literals."""
