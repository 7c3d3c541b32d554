"""The tests a template may use (``{% if x is even %}``): each a yes or no about a value,
linear in a value whose size is bounded."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from chalicelib.domain.rendering.filters import as_number, as_sequence
from chalicelib.domain.rendering.values import NUMBER_TYPES, Undefined


def _is_number(value: Any) -> bool:
    return isinstance(value, NUMBER_TYPES) and not isinstance(value, bool)


def _divisible(value: Any, divisor: Any) -> bool:
    return as_number(value) % as_number(divisor) == 0


def _member(value: Any, container: Any) -> bool:
    if isinstance(container, Mapping):
        return value in container
    return value in as_sequence(container)


TESTS: dict[str, Callable[..., bool]] = {
    "defined": lambda value: not isinstance(value, Undefined),
    "undefined": lambda value: isinstance(value, Undefined),
    "none": lambda value: value is None,
    "true": lambda value: value is True,
    "false": lambda value: value is False,
    "boolean": lambda value: isinstance(value, bool),
    "number": _is_number,
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "float": lambda value: isinstance(value, float | Decimal),  # a stored fraction is a Decimal
    "string": lambda value: isinstance(value, str),
    "mapping": lambda value: isinstance(value, Mapping),
    "sequence": lambda value: isinstance(value, list | tuple | str | range),
    "even": lambda value: as_number(value) % 2 == 0,
    "odd": lambda value: as_number(value) % 2 == 1,
    "divisibleby": _divisible,
    "eq": lambda value, other: value == other,
    "ne": lambda value, other: value != other,
    "lt": lambda value, other: value < other,
    "le": lambda value, other: value <= other,
    "gt": lambda value, other: value > other,
    "ge": lambda value, other: value >= other,
    "in": _member,
    "lower": lambda value: isinstance(value, str) and value.islower(),
    "upper": lambda value: isinstance(value, str) and value.isupper(),
}
TYPE_TESTS = frozenset(
    {"defined", "undefined", "none", "true", "false", "boolean", "number", "integer"}
    | {"float", "string", "mapping", "sequence"}
)
"""Tests that answer for a missing value (``false``, or ``true`` for ``undefined``)."""
