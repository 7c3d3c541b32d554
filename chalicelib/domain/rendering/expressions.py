"""Expressions of the allowed subset: each parsed node checked and turned into a closure.

Jinja2's parser gives the nodes (``jinja2.nodes``); what is not handled here is refused
with its line. The statements are in ``compiler.py``.
"""

from collections.abc import Callable, Collection, Mapping
from functools import cache
from inspect import signature
from typing import Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.budget import RenderBudget
from chalicelib.domain.rendering.filters import FILTERS, TAKES_UNDEFINED
from chalicelib.domain.rendering.locale_filters import CONSTANT_CHECKS
from chalicelib.domain.rendering.operators import (
    BINARY,
    COMPARES_UNDEFINED,
    COMPARISONS,
    lookup,
    negate,
    numbers_range,
    positive,
    sliced,
)
from chalicelib.domain.rendering.predicates import TESTS, TYPE_TESTS
from chalicelib.domain.rendering.program import (
    FAULTS,
    MAX_DEPTH,
    Frame,
    InvalidTemplate,
    LineError,
    Value,
    built,
    checked_constant,
    defined,
    describe,
    failed,
    reason,
)
from chalicelib.domain.rendering.values import kind, to_text


class ExpressionCompiler:
    def __init__(self) -> None:
        self.nodes = 0
        self.depth = 0
        self.reads: set[str] = set()
        """Names and ``attributes.<key>`` paths read."""
        self.stored: set[str] = {"loop"}
        """Names a template assigns: reading one is not reading an input."""

    def expression(self, node: Any) -> Value:
        self._enter(node)
        try:
            return self._expression(node)
        finally:
            self.depth -= 1

    def _expression(self, node: Any) -> Value:
        kind, line = type(node).__name__, node.lineno
        if kind == "Const":
            value = checked_constant(node)
            return lambda frame: value
        if kind == "Name":
            self.reads.add(node.name)
            return lambda frame, name=node.name: frame.get(name)
        if kind in ("Getattr", "Getitem"):
            return self.lookup(node)
        if kind in ("List", "Tuple"):
            items = [self.expression(item) for item in node.items]
            build = list if kind == "List" else tuple
            return lambda frame: built(frame, build(item(frame) for item in items), line)
        if kind == "Dict":
            pairs = [(self.expression(p.key), self.expression(p.value)) for p in node.items]

            def mapping(frame: Frame) -> dict[Any, Any]:
                try:
                    return built(frame, {k(frame): v(frame) for k, v in pairs}, line)
                except TypeError:
                    raise LineError(f"line {line}: a map key must be a text or a number") from None

            return mapping
        if kind in BINARY:
            return self.binary(node, BINARY[kind])
        if kind == "Concat":
            return self.concat(node)
        if kind in ("And", "Or"):
            left, right = self.expression(node.left), self.expression(node.right)
            if kind == "And":
                return lambda frame: left(frame) and right(frame)
            return lambda frame: left(frame) or right(frame)
        if kind == "Not":
            operand = self.expression(node.node)
            return lambda frame: not operand(frame)
        if kind in ("Neg", "Pos"):
            return self.unary(node, negate if kind == "Neg" else positive)
        if kind == "CondExpr":
            test, then = self.expression(node.test), self.expression(node.expr1)
            otherwise = (lambda frame: "") if node.expr2 is None else self.expression(node.expr2)
            return lambda frame: then(frame) if test(frame) else otherwise(frame)
        if kind == "Compare":
            return self.compare(node)
        if kind == "Filter":
            return self.filter(node)
        if kind == "Test":
            return self.test(node)
        if kind == "Call":
            return self.call(node)
        if kind == "Pow":
            raise InvalidTemplate(f"line {line}: ** is not allowed")
        raise InvalidTemplate(f"line {line}: {kind} expressions are not allowed")

    def lookup(self, node: Any) -> Value:
        base_node, line = node.node, node.lineno
        if type(node).__name__ == "Getattr":
            key: Value = _constant(node.attr)
            name = node.attr
        elif type(node.arg).__name__ == "Slice":
            return self.slice(node)
        else:
            name = node.arg.value if type(node.arg).__name__ == "Const" else None
            key = self.expression(node.arg)
        if isinstance(name, str) and name.startswith("_"):
            raise InvalidTemplate(f"line {line}: names starting with _ are not allowed")
        path = describe(node)
        if type(base_node).__name__ == "Name" and base_node.name == "attributes":
            if isinstance(name, str):
                self.reads.add(f"attributes.{name}")
                base: Value = lambda frame: frame.get("attributes")  # noqa: E731
            else:
                base = self.expression(base_node)
        else:
            base = self.expression(base_node)
        return lambda frame: lookup(base(frame), key(frame), path)

    def slice(self, node: Any) -> Value:
        base, part, line = self.expression(node.node), node.arg, node.lineno
        bounds = [
            _constant(None) if bound is None else self.expression(bound)
            for bound in (part.start, part.stop, part.step)
        ]

        def run(frame: Frame) -> Any:
            try:
                start, stop, step = (bound(frame) for bound in bounds)
                return sliced(base(frame), start, stop, step, frame.budget)
            except FAULTS as error:
                raise failed(line, error) from None

        return run

    def binary(self, node: Any, apply: Callable[[Any, Any, RenderBudget], Any]) -> Value:
        left, right, line = self.expression(node.left), self.expression(node.right), node.lineno

        def run(frame: Frame) -> Any:
            try:
                a, b = defined(left(frame)), defined(right(frame))
                return apply(a, b, frame.budget)
            except FAULTS as error:
                raise failed(line, error) from None

        return run

    def unary(self, node: Any, apply: Callable[[Any], Any]) -> Value:
        operand, line = self.expression(node.node), node.lineno

        def run(frame: Frame) -> Any:
            try:
                return apply(defined(operand(frame)))
            except FAULTS as error:
                raise failed(line, error) from None

        return run

    def concat(self, node: Any) -> Value:
        parts, line = [self.expression(part) for part in node.nodes], node.lineno

        def run(frame: Frame) -> str:
            try:
                texts = [to_text(part(frame), frame.budget) for part in parts]
                frame.budget.text(sum(map(len, texts)), all(t.isascii() for t in texts))
            except FAULTS as error:
                raise failed(line, error) from None
            return "".join(texts)

        return run

    def compare(self, node: Any) -> Value:
        first, line = self.expression(node.expr), node.lineno
        ops = [(op.op, COMPARISONS[op.op], self.expression(op.expr)) for op in node.ops]

        def run(frame: Frame) -> bool:
            try:
                left = first(frame)
                for name, compare, operand in ops:
                    right = operand(frame)
                    if name not in COMPARES_UNDEFINED:
                        defined(left), defined(right)
                    try:
                        held = compare(left, right)
                    except TypeError:
                        raise CannotRender(
                            f"cannot compare {kind(left)} with {kind(right)}"
                        ) from None
                    if not held:
                        return False
                    left = right
                return True
            except FAULTS as error:
                raise failed(line, error) from None

        return run

    def filter(self, node: Any) -> Value:
        return self._applied(node, "filter", FILTERS, TAKES_UNDEFINED, node.name)

    def test(self, node: Any) -> Value:
        return self._applied(node, "test", TESTS, TYPE_TESTS, f"is {node.name}")

    def _applied(
        self,
        node: Any,
        what: str,
        table: Mapping[str, Callable[..., Any]],
        taking_undefined: Collection[str],
        label: str,
    ) -> Value:
        """A filter (given the frame, for its budget and locale) or a test (a yes or no)."""
        name, line, is_filter = node.name, node.lineno, what == "filter"
        function = table.get(name)
        if function is None:
            raise InvalidTemplate(f"line {line}: unknown {what} '{name}'")
        value = self.expression(node.node)
        args, kwargs = self.arguments(node, function, 2 if is_filter else 1)
        takes_undefined = name in taking_undefined

        def run(frame: Frame) -> Any:
            try:
                given = value(frame)
                if not takes_undefined:
                    defined(given)
                positional = [defined(arg(frame)) for arg in args]
                keywords = {key: defined(arg(frame)) for key, arg in kwargs.items()}
                frame.budget.check_time()
            except FAULTS as error:
                raise failed(line, error) from None
            try:
                if is_filter:
                    return function(frame, given, *positional, **keywords)
                return bool(function(given, *positional, **keywords))
            except LineError:
                raise
            except FAULTS as error:
                raise failed(line, CannotRender(f"{label}: {reason(error)}")) from None

        return run

    def call(self, node: Any) -> Value:
        line = node.lineno
        callee = node.node
        if type(callee).__name__ == "Getattr":
            raise InvalidTemplate(f"line {line}: method calls are not allowed")
        if type(callee).__name__ != "Name" or callee.name != "range":
            raise InvalidTemplate(f"line {line}: the only function a template may call is range()")
        if node.kwargs or node.dyn_args or node.dyn_kwargs or not 1 <= len(node.args) <= 3:
            raise InvalidTemplate(f"line {line}: range() takes one to three numbers")
        args = [self.expression(arg) for arg in node.args]

        def run(frame: Frame) -> range:
            try:
                return numbers_range(*(defined(arg(frame)) for arg in args))
            except FAULTS as error:
                raise failed(line, error) from None

        return run

    def arguments(self, node: Any, function: Callable[..., Any], skip: int) -> tuple[Any, Any]:
        """The filter's or test's argument closures, checked against its signature."""
        line = node.lineno
        if node.dyn_args or node.dyn_kwargs:
            raise InvalidTemplate(f"line {line}: * and ** arguments are not allowed")
        given = [None] * skip + list(node.args)
        try:
            bound = _signature(function).bind(*given, **{k.key: k.value for k in node.kwargs})
        except TypeError as error:
            raise InvalidTemplate(f"line {line}: {node.name}: {error}") from None
        for parameter, argument in bound.arguments.items():
            check = CONSTANT_CHECKS.get((node.name, parameter))
            found = check and type(argument).__name__ == "Const" and check(argument.value)
            if found:
                raise InvalidTemplate(f"line {line}: {node.name}: {found}")
        args = [self.expression(arg) for arg in node.args]
        return args, {k.key: self.expression(k.value) for k in node.kwargs}

    def _enter(self, node: Any) -> None:
        self.nodes += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise InvalidTemplate(f"line {node.lineno}: nested more than {MAX_DEPTH} deep")


@cache
def _signature(function: Callable[..., Any]) -> Any:
    return signature(function)


def _constant(value: Any) -> Value:
    return lambda frame: value
