"""The filters and tests a template may use: each linear in an input whose size is
bounded, each counting what it builds before building it.

A filter is ``f(run, value, *arguments)``; its signature is its documentation (the
names and defaults a template may pass), checked when the template is stored.
The README lists them, with an example of each that the tests run.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.formatting import MAX_DECIMALS
from chalicelib.domain.rendering.locale_filters import Run, currency, date, number, percent
from chalicelib.domain.rendering.values import NUMBER_TYPES, SCALAR_TYPES, Undefined, kind, to_text

_WORD = re.compile(r"\w+")


def _text(run: Run, value: Any) -> str:
    """A filter's text input: a string, or a number, boolean or none as it prints."""
    if isinstance(value, str):
        return value
    if isinstance(value, SCALAR_TYPES):
        return str(value)
    raise CannotRender(f"needs a text, not {kind(value)}")


def as_sequence(value: Any) -> Sequence[Any]:
    if isinstance(value, str | list | tuple | range):
        return value
    if isinstance(value, Mapping):
        return list(value)
    raise CannotRender(f"needs a list or a text, not {kind(value)}")


def as_number(value: Any) -> Any:
    if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
        return value
    raise CannotRender(f"needs a number, not {kind(value)}")


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CannotRender(f"{name} must be a whole number from {low} to {high}")
    return value


def _built(run: Run, text: str, length: int) -> str:
    """Count a text of at most ``length`` characters that ``text`` is the input of."""
    run.budget.text(length, text.isascii())
    return text


# Text


def upper(run: Run, value: Any) -> str:
    s = _text(run, value)
    return _built(run, s, 3 * len(s)).upper()  # some letters become three ('ﬃ' -> 'FFI')


def lower(run: Run, value: Any) -> str:
    s = _text(run, value)
    return _built(run, s, 3 * len(s)).lower()


def capitalize(run: Run, value: Any) -> str:
    s = _text(run, value)
    return _built(run, s, 3 * len(s)).capitalize()


def title(run: Run, value: Any) -> str:
    s = _text(run, value)
    return _built(run, s, 3 * len(s)).title()


def trim(run: Run, value: Any) -> str:
    s = _text(run, value)
    return _built(run, s, len(s)).strip()


def replace(run: Run, value: Any, old: Any, new: Any, count: Any = None) -> str:
    s, old, new = _text(run, value), _text(run, old), _text(run, new)
    found = len(s) + 1 if old == "" else s.count(old)
    if count is not None:
        found = min(found, _whole(count, "count", 0, len(s) + 1))
    ascii = s.isascii() and new.isascii()
    run.budget.text(len(s) + found * max(len(new) - len(old), 0), ascii)
    return s.replace(old, new, found)


def truncate(
    run: Run, value: Any, length: Any = 255, killwords: Any = False, end: Any = "...", leeway=5
) -> str:
    """Jinja2's ``truncate``: at a word boundary unless ``killwords``, ``end`` appended."""
    s, end = _text(run, value), _text(run, end)
    length = _whole(length, "length", len(end), 1024 * 1024)
    leeway = _whole(leeway, "leeway", 0, 1024 * 1024)
    if len(s) <= length + leeway:
        return s
    run.budget.text(length, s.isascii() and end.isascii())
    if killwords:
        return s[: length - len(end)] + end
    return s[: length - len(end)].rsplit(" ", 1)[0] + end


def wordcount(run: Run, value: Any) -> int:
    return sum(1 for _ in _WORD.finditer(_text(run, value)))


def string(run: Run, value: Any) -> str:
    text = to_text(value, run.budget)
    return _built(run, text, len(text))


# Lists and maps


def length(run: Run, value: Any) -> int:
    if isinstance(value, Mapping):
        return len(value)
    return len(as_sequence(value))


def first(run: Run, value: Any) -> Any:
    items = as_sequence(value)
    return items[0] if items else Undefined("the first item of an empty list")


def last(run: Run, value: Any) -> Any:
    items = as_sequence(value)
    return items[-1] if items else Undefined("the last item of an empty list")


def reverse(run: Run, value: Any) -> Any:
    items = as_sequence(value)
    if isinstance(items, str):
        return _built(run, items, len(items))[::-1]
    run.budget.items(len(items))
    return list(reversed(items))


def _sort_key(item: Any) -> Any:
    return item.lower() if isinstance(item, str) else item


def sort(run: Run, value: Any, reverse: Any = False) -> list[Any]:
    """Ascending, text without regard to case (as Jinja2 sorts)."""
    items = as_sequence(value)
    run.budget.items(len(items))
    run.budget.allocate(sum(len(item) for item in items if isinstance(item, str)) * 4)
    try:
        return sorted(items, key=_sort_key, reverse=bool(reverse))
    except TypeError:
        raise CannotRender("cannot sort a list that mixes texts and numbers") from None


def join(run: Run, value: Any, separator: Any = "") -> str:
    items, separator = as_sequence(value), _text(run, separator)
    texts = [to_text(item, run.budget) for item in items]
    size = sum(map(len, texts)) + len(separator) * max(len(texts) - 1, 0)
    run.budget.text(size)
    return separator.join(texts)


def to_list(run: Run, value: Any) -> list[Any]:
    items = as_sequence(value)
    run.budget.items(len(items))
    if isinstance(items, str) and not items.isascii():
        run.budget.allocate(80 * len(items))  # each character its own string
    return list(items)


def items(run: Run, value: Any) -> list[tuple[str, Any]]:
    """A map's ``(key, value)`` pairs, in its order: ``{% for key, value in m|items %}``."""
    if not isinstance(value, Mapping):
        raise CannotRender(f"needs a map, not {kind(value)}")
    run.budget.items(2 * len(value))
    return list(value.items())


def dictsort(run: Run, value: Any) -> list[tuple[str, Any]]:
    """``items``, sorted by key without regard to case."""
    pairs = items(run, value)
    return sorted(pairs, key=lambda pair: _sort_key(pair[0]))


def default(run: Run, value: Any, fallback: Any = "", boolean: Any = False) -> Any:
    """``fallback`` when ``value`` is undefined (or, with ``boolean``, any false value)."""
    if isinstance(value, Undefined) or (boolean and not value):
        return fallback
    return value


# Numbers


def _to_number(run: Run, value: Any, convert: Callable[[Any], Any], fallback: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 64:  # int() of a long digit string is quadratic
            return fallback
    try:
        return convert(value)
    except (ValueError, TypeError, ArithmeticError):
        return fallback


def to_int(run: Run, value: Any, fallback: Any = 0) -> Any:
    def convert(v: Any) -> int:
        try:
            return int(v)
        except ValueError:
            return int(Decimal(v))

    return _to_number(run, value, convert, fallback)


def to_float(run: Run, value: Any, fallback: Any = 0.0) -> Any:
    return _to_number(run, value, float, fallback)


def round_(run: Run, value: Any, precision: Any = 0, method: Any = "common") -> Any:
    """``common`` rounds half to even (as Python and Jinja2 do); ``ceil``, ``floor``."""
    amount = as_number(value)
    digits = _whole(precision, "precision", 0, MAX_DECIMALS)
    if method == "common":
        return round(amount, digits)
    if method not in ("ceil", "floor"):
        raise CannotRender("method must be common, ceil or floor")
    scale = Decimal(10) ** digits
    exact = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    rounding = "ROUND_CEILING" if method == "ceil" else "ROUND_FLOOR"
    result = (exact * scale).to_integral_value(rounding=rounding) / scale
    return float(result) if isinstance(amount, float) else result


def abs_(run: Run, value: Any) -> Any:
    return abs(as_number(value))


def _numbers(value: Any) -> list[Any]:
    return [as_number(item) for item in as_sequence(value)]


def sum_(run: Run, value: Any) -> Any:
    numbers = _numbers(value)
    if any(isinstance(n, Decimal) for n in numbers):
        numbers = [Decimal(str(n)) if isinstance(n, float) else n for n in numbers]
    return sum(numbers)


def min_(run: Run, value: Any) -> Any:
    items = as_sequence(value)
    return min(items, key=_sort_key) if items else Undefined("the smallest item of an empty list")


def max_(run: Run, value: Any) -> Any:
    items = as_sequence(value)
    return max(items, key=_sort_key) if items else Undefined("the largest item of an empty list")


FILTERS: dict[str, Callable[..., Any]] = {
    "abs": abs_,
    "capitalize": capitalize,
    "default": default,
    "d": default,
    "dictsort": dictsort,
    "first": first,
    "float": to_float,
    "int": to_int,
    "items": items,
    "join": join,
    "last": last,
    "length": length,
    "count": length,
    "currency": currency,
    "date": date,
    "list": to_list,
    "lower": lower,
    "max": max_,
    "min": min_,
    "number": number,
    "percent": percent,
    "replace": replace,
    "reverse": reverse,
    "round": round_,
    "sort": sort,
    "string": string,
    "sum": sum_,
    "title": title,
    "trim": trim,
    "truncate": truncate,
    "upper": upper,
    "wordcount": wordcount,
}
TAKES_UNDEFINED = frozenset({"default", "d"})
"""Filters that may be given a missing value: every other one names it in a 422."""
