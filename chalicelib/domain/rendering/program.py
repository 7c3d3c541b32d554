"""What a compiled template is, and what its closures share: the frame they run in,
the errors they raise, and the limits the parsed form must meet."""

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.budget import RenderBudget
from chalicelib.domain.rendering.locales import Locales
from chalicelib.domain.rendering.values import Undefined, checked_int

MAX_TAGS = 4_000
MAX_CODE_CHARS = 32 * 1024
"""``{{ }}`` and ``{% %}`` tags in one text, and the characters inside them: what bounds
the parser's time (Jinja2's lexer takes about 40 µs a tag and 5 µs a character of code
here; the text around the tags costs almost nothing)."""
MAX_DEPTH = 60
"""Blocks and expressions inside each other, counted together."""
MAX_BRACKETS = 30
"""Brackets inside brackets in one tag."""
INPUTS = ("name", "customerId", "docType", "attributes", "today")
_TAG = re.compile(r"\{[{%](.*?)[%}]\}", re.DOTALL)
_BRACKETS = re.compile(r"[()\[\]{}]")

Value = Callable[["Frame"], Any]
Statement = Callable[["Frame"], None]


class Frame:
    """One render of one text: its budget, its output, its variables and its locales."""

    __slots__ = ("budget", "locales", "out", "scopes")

    def __init__(self, budget: RenderBudget, inputs: dict[str, Any], locales: Locales) -> None:
        self.budget = budget
        self.locales = locales
        self.out: list[str] = []
        self.scopes = [inputs, {}]

    def get(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return Undefined(name)

    def locale(self, explicit: str | None) -> str:
        return self.locales.resolve(explicit)


class Program(NamedTuple):
    run: Callable[[Frame], None]
    variables: tuple[str, ...]
    """The inputs and ``attributes.<key>`` paths the text reads, sorted."""
    nodes: int


class InvalidTemplate(Exception):
    """A template outside the allowed subset: a 400 when stored, a 422 when rendered."""


class LineError(CannotRender):
    """A render error that already says on which line it happened."""


def failed(line: int, error: Exception) -> LineError:
    if isinstance(error, LineError):
        return error
    return LineError(f"line {line}: {reason(error)}")


FAULTS = (CannotRender, ArithmeticError, LookupError, TypeError, ValueError)
"""What a template's own expression can raise: its fault, a 422, never a 500."""


def reason(error: Exception) -> str:
    if isinstance(error, CannotRender):
        return str(error)
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    return f"{type(error).__name__}: {error}"


def defined(value: Any) -> Any:
    if isinstance(value, Undefined):
        raise value.error()
    return value


def line_of(node: Any) -> int:
    """A node's line; Jinja2 leaves it out on some wrappers (``Scope``), not on what they hold."""
    if node.lineno:
        return node.lineno
    return next((line_of(child) for child in node.iter_child_nodes()), 1)


def describe(node: Any) -> str:
    """How a message names the value ``node`` reads: ``attributes.vip``, ``items[0]``."""
    kind = type(node).__name__
    if kind == "Name":
        return node.name
    if kind == "Getattr":
        return f"{describe(node.node)}.{node.attr}"
    if kind == "Getitem" and type(node.arg).__name__ == "Const":
        key = node.arg.value
        if isinstance(key, str) and key.isidentifier():
            return f"{describe(node.node)}.{key}"
        return f"{describe(node.node)}[{key!r}]"
    if kind == "Getitem":
        return f"{describe(node.node)}[...]"
    if kind == "Call":
        return f"{describe(node.node)}(...)"
    return "a value"


def code_problem(source: str) -> str | None:
    """Too much code, or brackets nested too deep, for Jinja2's parser to be given:
    its time grows with the code, and it takes a dozen Python frames a bracket."""
    code = tags = 0
    for tag in _TAG.finditer(source):
        code, tags = code + len(tag.group(1)), tags + 1
        depth = 0
        for bracket in _BRACKETS.findall(tag.group(1)):
            depth += 1 if bracket in "([{" else -1
            if depth > MAX_BRACKETS:
                return f"brackets may be nested at most {MAX_BRACKETS} deep"
    if tags > MAX_TAGS:
        return f"a text may hold at most {MAX_TAGS} {{{{ }}}} and {{% %}} tags, not {tags}"
    if code > MAX_CODE_CHARS:
        return (
            f"the {{{{ }}}} and {{% %}} tags may hold at most {MAX_CODE_CHARS} characters "
            f"in all, not {code}"
        )
    return None


def built(frame: Frame, value: Any, line: int) -> Any:
    try:
        frame.budget.items(len(value))
    except CannotRender as error:
        raise failed(line, error) from None
    return value


def checked_constant(node: Any) -> Any:
    try:
        return checked_int(node.value)
    except CannotRender as error:
        raise InvalidTemplate(f"line {node.lineno}: {error}") from None
