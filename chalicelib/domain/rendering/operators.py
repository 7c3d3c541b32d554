"""What a template's operators and lookups do, on the values ``values.py`` describes.

Each counts what it builds before building it; a lookup is a map key, a list index
or a ``loop`` field, never Python's ``getattr``.
"""

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.budget import RenderBudget
from chalicelib.domain.rendering.values import NUMBER_TYPES, Loop, Undefined, checked_int, kind

MAX_RANGE = 100_000
"""The most numbers one ``range()`` gives."""
_SEQUENCES = (list, tuple, str, range)


def lookup(base: Any, key: Any, path: str) -> Any:
    """``base.key`` or ``base[key]``: a map's entry, a list's item, a loop's field."""
    if isinstance(base, Mapping):
        try:
            return base[key]
        except (KeyError, TypeError):
            return Undefined(path)
    if isinstance(base, Loop) and isinstance(key, str):
        return base.field(key, path)
    if isinstance(base, _SEQUENCES) and isinstance(key, int) and not isinstance(key, bool):
        try:
            return base[key]
        except IndexError:
            return Undefined(path)
    return Undefined(path)


def sliced(base: Any, start: Any, stop: Any, step: Any, budget: RenderBudget) -> Any:
    if not isinstance(base, _SEQUENCES):
        raise CannotRender(f"cannot slice {kind(base)}")
    for bound in (start, stop, step):
        if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
            raise CannotRender("slice bounds must be whole numbers")
    part = slice(start, stop, step)
    count = len(range(*part.indices(len(base))))
    if isinstance(base, str):
        budget.text(count, base.isascii())
    else:
        budget.items(count)
    return base[part]


def _numbers(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both as numbers of one kind (a float beside a Decimal becomes one), or None."""
    if not all(isinstance(v, NUMBER_TYPES) and not isinstance(v, bool) for v in (left, right)):
        return None
    if isinstance(left, Decimal) and isinstance(right, float):
        return left, Decimal(repr(right))
    if isinstance(left, float) and isinstance(right, Decimal):
        return Decimal(repr(left)), right
    return left, right


def _arithmetic(name: str, apply: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def numeric(left: Any, right: Any, budget: RenderBudget) -> Any:
        pair = _numbers(left, right)
        if pair is None:
            raise CannotRender(f"{name} needs two numbers, not {kind(left)} and {kind(right)}")
        return checked_int(apply(*pair))

    return numeric


def add(left: Any, right: Any, budget: RenderBudget) -> Any:
    if isinstance(left, str) and isinstance(right, str):
        budget.text(len(left) + len(right), left.isascii() and right.isascii())
        return left + right
    if isinstance(left, list | tuple) and type(left) is type(right):
        budget.items(len(left) + len(right))
        return left + right
    pair = _numbers(left, right)
    if pair is None:
        raise CannotRender(
            f"+ adds two numbers, two texts or two lists, not {kind(left)} and {kind(right)}; "
            "~ joins anything as text"
        )
    return checked_int(pair[0] + pair[1])


def multiply(left: Any, right: Any, budget: RenderBudget) -> Any:
    for items, times in ((left, right), (right, left)):
        if isinstance(items, str | list) and isinstance(times, int) and not isinstance(times, bool):
            count = len(items) * max(times, 0)
            if isinstance(items, str):
                budget.text(count, items.isascii())
            else:
                budget.items(count)
            return items * times
    return _arithmetic("*", operator.mul)(left, right, budget)


BINARY: dict[str, Callable[[Any, Any, RenderBudget], Any]] = {
    "Add": add,
    "Sub": _arithmetic("-", operator.sub),
    "Mul": multiply,
    "Div": _arithmetic("/", operator.truediv),
    "FloorDiv": _arithmetic("//", operator.floordiv),
    "Mod": _arithmetic("%", operator.mod),
}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lteq": operator.le,
    "gt": operator.gt,
    "gteq": operator.ge,
    "in": lambda left, right: left in _container(right),
    "notin": lambda left, right: left not in _container(right),
}
COMPARES_UNDEFINED = frozenset({"eq", "ne"})
"""``attributes.plan == "Gold"`` is false for a customer without ``plan``."""


def _container(value: Any) -> Any:
    if isinstance(value, Mapping | list | tuple | str | range):
        return value
    raise CannotRender(f"in needs a list, a map or a text on its right, not {kind(value)}")


def negate(value: Any) -> Any:
    if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
        return -value
    raise CannotRender(f"- needs a number, not {kind(value)}")


def positive(value: Any) -> Any:
    return -negate(value)


def numbers_range(*arguments: Any) -> range:
    """``range(stop)``, ``range(start, stop)``, ``range(start, stop, step)``, bounded."""
    if not 1 <= len(arguments) <= 3:
        raise CannotRender("range() takes one to three whole numbers")
    for argument in arguments:
        if not isinstance(argument, int) or isinstance(argument, bool):
            raise CannotRender(f"range() takes whole numbers, not {kind(argument)}")
    numbers = range(*arguments)
    if len(numbers) > MAX_RANGE:
        raise CannotRender(f"range() may give at most {MAX_RANGE} numbers")
    return numbers


def loop_items(value: Any, budget: RenderBudget) -> Any:
    """What ``{% for %}`` goes through: a list's items, a text's characters, a map's keys."""
    if isinstance(value, Mapping):
        budget.items(len(value))
        return list(value)
    if isinstance(value, _SEQUENCES):
        return value
    raise CannotRender(f"cannot loop over {kind(value)}")
