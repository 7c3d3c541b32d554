"""The values a template handles: text, numbers, booleans, none, lists, maps, the
``loop`` of a ``{% for %}``, and ``Undefined``; how each prints and what it costs.

A template never reaches a Python object beyond these: attribute access is a map
lookup or a ``loop`` field, never ``getattr``, so there is no way out to escape to.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.budget import RenderBudget

NUMBER_TYPES = (int, float, Decimal)
SCALAR_TYPES = (*NUMBER_TYPES, bool, type(None))
MAX_INT_BITS = 200
"""About 60 digits: a whole number a template computes may not grow past it."""
_REPR_WIDTH = 10
"""At most how many characters ``repr`` writes for one character of a string."""


class Undefined:
    """A variable or attribute that does not exist. Falsy and testable; an error when
    used for anything else, naming what was missing."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __bool__(self) -> bool:
        return False

    def error(self) -> CannotRender:
        return CannotRender(f"{self.path} is undefined")

    def child(self, name: str) -> "Undefined":
        return Undefined(f"{self.path}.{name}")


class Loop:
    """``loop`` inside a ``{% for %}``: where the iteration is."""

    __slots__ = ("index0", "items")

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = items
        self.index0 = 0

    def field(self, name: str, path: str) -> Any:
        length, i = len(self.items), self.index0
        if name == "index":
            return i + 1
        if name == "index0":
            return i
        if name == "revindex":
            return length - i
        if name == "revindex0":
            return length - i - 1
        if name == "first":
            return i == 0
        if name == "last":
            return i == length - 1
        if name == "length":
            return length
        if name == "previtem":
            return self.items[i - 1] if i else Undefined(path)
        if name == "nextitem":
            return self.items[i + 1] if i + 1 < length else Undefined(path)
        return Undefined(path)


def kind(value: Any) -> str:
    """What a person calls a value's type, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, NUMBER_TYPES):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, Loop):
        return "the loop"
    if isinstance(value, Undefined):
        return f"{value.path}, which is undefined"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list | tuple | range):
        return "a list"
    return f"a value of type {type(value).__name__}"


def checked_int(value: Any) -> Any:
    """``value``, unless it is a whole number too large for a letter."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CannotRender("a number grew past 60 digits")
    return value


def printed_size(value: Any, limit: int) -> int:
    """At most how long ``str(value)`` is; stops counting once past ``limit``.

    A list holding the same big list a hundred times prints it a hundred times, so
    this walks what would be printed rather than trusting what was allocated.
    """
    if isinstance(value, str):
        return len(value)
    if isinstance(value, NUMBER_TYPES) or value is None:
        return 64 if not isinstance(value, int) else value.bit_length() // 3 + 2
    total = 2
    items = (*value.keys(), *value.values()) if isinstance(value, Mapping) else value
    for item in items:
        total += 4
        if isinstance(item, str):
            total += len(item) * _REPR_WIDTH
        else:
            total += printed_size(item, limit - total)
        if total > limit:
            break
    return total


def to_text(value: Any, budget: RenderBudget) -> str:
    """What ``{{ value }}`` and ``~`` write: Python's ``str``, size-checked first."""
    if isinstance(value, str):
        return value
    if isinstance(value, Undefined):
        raise value.error()
    if isinstance(value, Loop):
        raise CannotRender("the loop cannot be printed; print loop.index instead")
    if (
        not isinstance(value, SCALAR_TYPES)
        and printed_size(value, budget.output_left) > budget.output_left
    ):
        raise CannotRender("the letter would be larger than 1 MiB")
    return str(value)
