"""A template's parsed form, checked against the allowed subset and turned into closures.

Jinja2 parses (``Environment.parse``, its public parser); docgen checks every node
against the allow-list below and builds one closure per node, so what is refused
and what runs come from the same walk. Nothing Jinja2 compiles ever runs: a
template can only do what these closures do.
"""

import re
from collections.abc import Callable, Iterable
from functools import cache
from inspect import signature
from typing import Any, NamedTuple

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering import filters, operators
from chalicelib.domain.rendering.budget import RenderBudget
from chalicelib.domain.rendering.values import Loop, Undefined, checked_int, to_text

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
_STATEMENT_NAMES = {
    "Macro": "macro",
    "CallBlock": "call",
    "FilterBlock": "filter",
    "Include": "include",
    "Import": "import",
    "FromImport": "from",
    "Extends": "extends",
    "Block": "block",
    "With": "with",
    "AssignBlock": "set (as a block)",
    "ScopedEvalContextModifier": "autoescape",
    "Scope": "autoescape",
    "ExprStmt": "do",
}

Value = Callable[["Frame"], Any]
Statement = Callable[["Frame"], None]


class Frame:
    """One render of one text: its budget, its output and its variables."""

    __slots__ = ("budget", "locale", "out", "scopes")

    def __init__(self, budget: RenderBudget, inputs: dict[str, Any], locale: str) -> None:
        self.budget = budget
        self.locale = locale
        self.out: list[str] = []
        self.scopes = [inputs, {}]

    def get(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return Undefined(name)


class Program(NamedTuple):
    run: Callable[[Frame], None]
    variables: tuple[str, ...]
    """The inputs and ``attributes.<key>`` paths the text reads, sorted."""
    nodes: int


class InvalidTemplate(Exception):
    """A template outside the allowed subset: a 400 when stored, a 422 when rendered."""


class _LineError(CannotRender):
    """A render error that already says on which line it happened."""


def _failed(line: int, error: Exception) -> _LineError:
    if isinstance(error, _LineError):
        return error
    return _LineError(f"line {line}: {_reason(error)}")


_FAULTS = (CannotRender, ArithmeticError, LookupError, TypeError, ValueError)
"""What a template's own expression can raise: its fault, a 422, never a 500."""


class _Compiler:
    def __init__(self) -> None:
        self.nodes = 0
        self.depth = 0
        self.reads: set[str] = set()
        self.stored: set[str] = {"loop"}

    # Statements

    def body(self, nodes: Iterable[Any]) -> Statement:
        statements = [self.statement(node) for node in nodes]

        def run(frame: Frame) -> None:
            for statement in statements:
                statement(frame)

        return run

    def statement(self, node: Any) -> Statement:
        kind = type(node).__name__
        self._enter(node)
        try:
            if kind == "Output":
                return self.output(node)
            if kind == "If":
                return self.if_(node)
            if kind == "For":
                return self.for_(node)
            if kind == "Assign":
                return self.assign(node)
            tag = _STATEMENT_NAMES.get(kind, kind.lower())
            raise InvalidTemplate(f"line {_line_of(node)}: {{% {tag} %}} is not allowed")
        finally:
            self.depth -= 1

    def output(self, node: Any) -> Statement:
        parts: list[Callable[[Frame], str]] = []
        for child in node.nodes:
            if type(child).__name__ == "TemplateData":
                parts.append(lambda frame, text=child.data: text)
            else:
                parts.append(self._printed(child))

        def run(frame: Frame) -> None:
            for part in parts:
                text = part(frame)
                frame.budget.write(text)
                frame.out.append(text)

        return run

    def _printed(self, node: Any) -> Callable[[Frame], str]:
        value, line = self.expression(node), node.lineno

        def printed(frame: Frame) -> str:
            try:
                return to_text(value(frame), frame.budget)
            except _FAULTS as error:
                raise _failed(line, error) from None

        return printed

    def if_(self, node: Any) -> Statement:
        branches = [(self.expression(node.test), self.body(node.body))]
        branches += [(self.expression(e.test), self.body(e.body)) for e in node.elif_]
        otherwise = self.body(node.else_)

        def run(frame: Frame) -> None:
            for test, body in branches:
                if test(frame):
                    body(frame)
                    return
            otherwise(frame)

        return run

    def for_(self, node: Any) -> Statement:
        if node.recursive:
            raise InvalidTemplate(f"line {node.lineno}: recursive loops are not allowed")
        bind, line = self.target(node.target), node.lineno
        items, body, otherwise = (
            self.expression(node.iter),
            self.body(node.body),
            self.body(node.else_),
        )
        keep = None if node.test is None else self.expression(node.test)

        def run(frame: Frame) -> None:
            budget = frame.budget
            try:
                sequence = operators.loop_items(_defined(items(frame)), budget)
                if keep is not None:
                    sequence = _kept(frame, sequence, bind, keep)
            except _FAULTS as error:
                raise _failed(line, error) from None
            if not sequence:
                otherwise(frame)
                return
            loop = Loop(sequence)
            for index, item in enumerate(sequence):
                try:
                    budget.iterate()
                    loop.index0 = index
                    scope = {"loop": loop}
                    bind(scope, item)
                except _FAULTS as error:
                    raise _failed(line, error) from None
                frame.scopes.append(scope)
                try:
                    body(frame)
                finally:
                    frame.scopes.pop()

        return run

    def assign(self, node: Any) -> Statement:
        bind, value, line = self.target(node.target), self.expression(node.node), node.lineno

        def run(frame: Frame) -> None:
            try:
                bind(frame.scopes[-1], value(frame))
            except _FAULTS as error:
                raise _failed(line, error) from None

        return run

    def target(self, node: Any) -> Callable[[dict[str, Any], Any], None]:
        kind = type(node).__name__
        if kind == "Name":
            self.stored.add(node.name)
            return lambda scope, value, name=node.name: scope.__setitem__(name, value)
        if kind == "Tuple" and all(type(item).__name__ == "Name" for item in node.items):
            names = [item.name for item in node.items]
            self.stored.update(names)

            def unpack(scope: dict[str, Any], value: Any) -> None:
                if not isinstance(value, list | tuple) or len(value) != len(names):
                    raise CannotRender(f"cannot unpack this value into {len(names)} names")
                scope.update(zip(names, value, strict=True))

            return unpack
        raise InvalidTemplate(f"line {node.lineno}: only names can be assigned to")

    # Expressions

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
            return lambda frame: _built(frame, build(item(frame) for item in items), line)
        if kind == "Dict":
            pairs = [(self.expression(p.key), self.expression(p.value)) for p in node.items]

            def mapping(frame: Frame) -> dict[Any, Any]:
                try:
                    return _built(frame, {k(frame): v(frame) for k, v in pairs}, line)
                except TypeError:
                    raise _LineError(f"line {line}: a map key must be a text or a number") from None

            return mapping
        if kind in operators.BINARY:
            return self.binary(node, operators.BINARY[kind])
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
            return self.unary(node, operators.negate if kind == "Neg" else operators.positive)
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
        return lambda frame: operators.lookup(base(frame), key(frame), path)

    def slice(self, node: Any) -> Value:
        base, part, line = self.expression(node.node), node.arg, node.lineno
        bounds = [
            _constant(None) if bound is None else self.expression(bound)
            for bound in (part.start, part.stop, part.step)
        ]

        def sliced(frame: Frame) -> Any:
            try:
                start, stop, step = (bound(frame) for bound in bounds)
                return operators.sliced(base(frame), start, stop, step, frame.budget)
            except _FAULTS as error:
                raise _failed(line, error) from None

        return sliced

    def binary(self, node: Any, apply: Callable[[Any, Any, RenderBudget], Any]) -> Value:
        left, right, line = self.expression(node.left), self.expression(node.right), node.lineno

        def run(frame: Frame) -> Any:
            try:
                a, b = _defined(left(frame)), _defined(right(frame))
                return apply(a, b, frame.budget)
            except _FAULTS as error:
                raise _failed(line, error) from None

        return run

    def unary(self, node: Any, apply: Callable[[Any], Any]) -> Value:
        operand, line = self.expression(node.node), node.lineno

        def run(frame: Frame) -> Any:
            try:
                return apply(_defined(operand(frame)))
            except _FAULTS as error:
                raise _failed(line, error) from None

        return run

    def concat(self, node: Any) -> Value:
        parts, line = [self.expression(part) for part in node.nodes], node.lineno

        def run(frame: Frame) -> str:
            try:
                texts = [to_text(part(frame), frame.budget) for part in parts]
                frame.budget.text(sum(map(len, texts)), all(t.isascii() for t in texts))
            except _FAULTS as error:
                raise _failed(line, error) from None
            return "".join(texts)

        return run

    def compare(self, node: Any) -> Value:
        first, line = self.expression(node.expr), node.lineno
        ops = [(op.op, operators.COMPARISONS[op.op], self.expression(op.expr)) for op in node.ops]

        def run(frame: Frame) -> bool:
            try:
                left = first(frame)
                for name, compare, operand in ops:
                    right = operand(frame)
                    if name not in operators.COMPARES_UNDEFINED:
                        _defined(left), _defined(right)
                    if not compare(left, right):
                        return False
                    left = right
                return True
            except _FAULTS as error:
                raise _failed(line, error) from None

        return run

    def filter(self, node: Any) -> Value:
        name, line = node.name, node.lineno
        function = filters.FILTERS.get(name)
        if function is None:
            raise InvalidTemplate(f"line {line}: unknown filter '{name}'")
        value, args, kwargs = self.expression(node.node), *self.arguments(node, function, 2)
        takes_undefined = name in filters.TAKES_UNDEFINED

        def run(frame: Frame) -> Any:
            try:
                given = value(frame)
                if not takes_undefined:
                    _defined(given)
                positional = [_defined(arg(frame)) for arg in args]
                keywords = {key: _defined(arg(frame)) for key, arg in kwargs.items()}
                frame.budget.check_time()
            except _FAULTS as error:
                raise _failed(line, error) from None
            try:
                return function(frame, given, *positional, **keywords)
            except _LineError:
                raise
            except _FAULTS as error:
                raise _failed(line, CannotRender(f"{name}: {_reason(error)}")) from None

        return run

    def test(self, node: Any) -> Value:
        name, line = node.name, node.lineno
        function = filters.TESTS.get(name)
        if function is None:
            raise InvalidTemplate(f"line {line}: unknown test '{name}'")
        value, args, kwargs = self.expression(node.node), *self.arguments(node, function, 1)
        answers_undefined = name in filters.TYPE_TESTS

        def run(frame: Frame) -> bool:
            try:
                given = value(frame)
                if not answers_undefined:
                    _defined(given)
                positional = [_defined(arg(frame)) for arg in args]
                keywords = {key: _defined(arg(frame)) for key, arg in kwargs.items()}
            except _FAULTS as error:
                raise _failed(line, error) from None
            try:
                return bool(function(given, *positional, **keywords))
            except _FAULTS as error:
                raise _failed(line, CannotRender(f"is {name}: {_reason(error)}")) from None

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
                return operators.numbers_range(*(_defined(arg(frame)) for arg in args))
            except _FAULTS as error:
                raise _failed(line, error) from None

        return run

    def arguments(self, node: Any, function: Callable[..., Any], skip: int) -> tuple[Any, Any]:
        """The filter's or test's argument closures, checked against its signature."""
        line = node.lineno
        if node.dyn_args or node.dyn_kwargs:
            raise InvalidTemplate(f"line {line}: * and ** arguments are not allowed")
        placeholders = [None] * (skip + len(node.args))
        try:
            _signature(function).bind(*placeholders, **{k.key: None for k in node.kwargs})
        except TypeError as error:
            raise InvalidTemplate(f"line {line}: {node.name}: {error}") from None
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


def _line_of(node: Any) -> int:
    """A node's line; Jinja2 leaves it out on some wrappers (``Scope``), not on what they hold."""
    if node.lineno:
        return node.lineno
    return next((_line_of(child) for child in node.iter_child_nodes()), 1)


def _constant(value: Any) -> Value:
    return lambda frame: value


def _reason(error: Exception) -> str:
    if isinstance(error, CannotRender):
        return str(error)
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    return f"{type(error).__name__}: {error}"


def _defined(value: Any) -> Any:
    if isinstance(value, Undefined):
        raise value.error()
    return value


def _built(frame: Frame, value: Any, line: int) -> Any:
    try:
        frame.budget.items(len(value))
    except CannotRender as error:
        raise _failed(line, error) from None
    return value


def _kept(frame: Frame, sequence: Any, bind: Any, keep: Value) -> list[Any]:
    """The items of a ``{% for x in xs if test %}`` for which the test holds."""
    kept = []
    for item in sequence:
        frame.budget.iterate()
        scope: dict[str, Any] = {}
        bind(scope, item)
        frame.scopes.append(scope)
        try:
            if keep(frame):
                kept.append(item)
        finally:
            frame.scopes.pop()
    frame.budget.items(len(kept))
    return kept


def checked_constant(node: Any) -> Any:
    try:
        return checked_int(node.value)
    except CannotRender as error:
        raise InvalidTemplate(f"line {node.lineno}: {error}") from None


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


def compile_parsed(tree: Any) -> Program:
    """The program of a parsed template, or ``InvalidTemplate`` naming what is not allowed."""
    compiler = _Compiler()
    run = compiler.body(tree.body)
    variables = {
        read
        for read in compiler.reads
        if read.partition(".")[0] not in compiler.stored
        and (read in INPUTS or read.startswith("attributes."))
    }
    return Program(run, tuple(sorted(variables)), compiler.nodes)
