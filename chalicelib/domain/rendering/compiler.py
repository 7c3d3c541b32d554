"""A template's parsed form, checked against the allowed subset and turned into closures.

Jinja2 parses (``Environment.parse``, its public parser); docgen checks every node
against the allow-list and builds one closure per node, so what is refused and what
runs come from the same walk. Nothing Jinja2 compiles ever runs: a template can only
do what these closures do. Statements are here, expressions in ``expressions.py``.
"""

from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.expressions import ExpressionCompiler
from chalicelib.domain.rendering.operators import loop_items
from chalicelib.domain.rendering.program import (
    FAULTS,
    INPUTS,
    Frame,
    InvalidTemplate,
    Program,
    Statement,
    Value,
    defined,
    failed,
    line_of,
)
from chalicelib.domain.rendering.values import Loop, to_text

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


class TemplateCompiler(ExpressionCompiler):
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
            raise InvalidTemplate(f"line {line_of(node)}: {{% {tag} %}} is not allowed")
        finally:
            self.depth -= 1

    def output(self, node: Any) -> Statement:
        """Literal text is counted once per run of the node, each printed value as printed."""
        parts: list[str | Callable[[Frame], str]] = [
            child.data if type(child).__name__ == "TemplateData" else self._printed(child)
            for child in node.nodes
        ]
        literal = "".join(part for part in parts if isinstance(part, str))

        def run(frame: Frame) -> None:
            budget, out = frame.budget, frame.out
            if literal:
                budget.write(literal)
            for part in parts:
                if isinstance(part, str):
                    out.append(part)
                else:
                    text = part(frame)
                    budget.write(text)
                    out.append(text)

        return run

    def _printed(self, node: Any) -> Callable[[Frame], str]:
        value, line = self.expression(node), node.lineno

        def printed(frame: Frame) -> str:
            try:
                return to_text(value(frame), frame.budget)
            except FAULTS as error:
                raise failed(line, error) from None

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
                sequence = loop_items(defined(items(frame)), budget)
                if keep is not None:
                    sequence = _kept(frame, sequence, bind, keep)
            except FAULTS as error:
                raise failed(line, error) from None
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
                except FAULTS as error:
                    raise failed(line, error) from None
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
            except FAULTS as error:
                raise failed(line, error) from None

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


def compile_parsed(tree: Any) -> Program:
    """The program of a parsed template, or ``InvalidTemplate`` naming what is not allowed."""
    compiler = TemplateCompiler()
    run = compiler.body(tree.body)
    variables = {
        read
        for read in compiler.reads
        if read.partition(".")[0] not in compiler.stored
        and (read in INPUTS or read.startswith("attributes."))
    }
    return Program(run, tuple(sorted(variables)), compiler.nodes)
