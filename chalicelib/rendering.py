"""Template text rendered by Jinja2's sandbox: strict, bounded, cached.

Jinja2 is imported only when a text holds Jinja syntax, so the sample's
plain templates never pay for it on a cold start.

The stock sandbox stops attribute tricks (``{{ name.__class__ }}``); a
template is still user code, so this one also bounds what it may cost:
the output (1 MiB, counted while it streams), loop iterations across the
whole render, operations or calls that could build a huge value in one
step (``"x" * 10**9``, ``"x".center(10**9)``, ``"%999999999d" % 1``), and
any value built along the way (``{% set s = s ~ s %}`` over and over, or
``|replace`` growth): none may exceed the output cap.
"""

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from chalice import UnprocessableEntityError

MAX_OUTPUT_BYTES = 1024 * 1024
MAX_LOOP_ITERATIONS = 100_000
"""Across one render, all ``range()`` loops together."""
_MARKERS = ("{{", "{%", "{#")
_NUMBERS = re.compile(r"\d+")


class RenderBudget:
    """How much one letter may still cost; shared by its greeting and its text."""

    def __init__(self) -> None:
        self.bytes_left = MAX_OUTPUT_BYTES
        self.iterations_left = MAX_LOOP_ITERATIONS

    def spend_bytes(self, text: str) -> None:
        self.bytes_left -= len(text.encode("utf-8"))
        if self.bytes_left < 0:
            raise UnprocessableEntityError("the letter would be larger than 1 MiB")


def has_jinja_syntax(source: str) -> bool:
    return any(marker in source for marker in _MARKERS)


def render(source: str, variables: Mapping[str, Any], budget: RenderBudget, what: str) -> str:
    """``source`` with ``variables`` filled in; a literal text comes back as it is.

    Anything the template does wrong (an undefined variable, a forbidden
    access, too much output, a division by zero) is a 422 that names
    ``what`` was being rendered and what went wrong.
    """
    try:
        return _render(source, variables, budget)
    except UnprocessableEntityError as error:
        raise UnprocessableEntityError(f"{what} cannot be rendered: {error}") from None


def _render(source: str, variables: Mapping[str, Any], budget: RenderBudget) -> str:
    if not has_jinja_syntax(source):
        budget.spend_bytes(source)
        return source
    from jinja2 import TemplateError

    problem = syntax_error(source)
    if problem:
        raise UnprocessableEntityError(problem)
    template = _compile(source)
    chunks: list[str] = []
    try:
        for chunk in template.generate(**variables, range=_counted_range(budget)):
            budget.spend_bytes(chunk)
            chunks.append(chunk)
    except UnprocessableEntityError:
        raise
    except TemplateError as error:
        raise UnprocessableEntityError(error.message or type(error).__name__) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as error:
        # The template's own expression failed, e.g. {{ 1 / 0 }}: its fault, not ours.
        raise UnprocessableEntityError(f"{type(error).__name__}: {error}") from None
    return "".join(chunks)


def syntax_error(source: str) -> str | None:
    """What keeps ``source`` from compiling (``syntax error on line 2: ...``), or None."""
    if not has_jinja_syntax(source):
        return None
    from jinja2 import TemplateSyntaxError

    try:
        _compile(source)
    except TemplateSyntaxError as error:
        return f"syntax error on line {error.lineno}: {error.message}"
    except RecursionError:  # Jinja2's parser recurses once per level of nesting
        return "syntax error: expressions or blocks nested too deeply"
    return None


def _counted_range(budget: RenderBudget) -> Callable[..., Iterator[int]]:
    def counted_range(*args: int) -> Iterator[int]:
        from jinja2.sandbox import safe_range

        for number in safe_range(*args):
            budget.iterations_left -= 1
            if budget.iterations_left < 0:
                raise UnprocessableEntityError(
                    f"the template loops more than {MAX_LOOP_ITERATIONS} times"
                )
            yield number

    return counted_range


@functools.cache
def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.compiler import CodeGenerator
    from jinja2.filters import do_format as format_filter
    from jinja2.sandbox import SandboxedEnvironment, SecurityError

    def refuse_huge(args: Any, kwargs: Mapping[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and abs(value) > MAX_OUTPUT_BYTES:
                raise SecurityError(f"the number {value} is too large here")

    def refuse_huge_widths(format_string: Any) -> None:
        """A width or precision in a format string allocates that much in one step."""
        if isinstance(format_string, str):
            refuse_huge([int(number) for number in _NUMBERS.findall(format_string)], {})

    def refuse_size(size: int) -> None:
        if size > MAX_OUTPUT_BYTES:
            raise SecurityError("a value would be larger than 1 MiB")

    def capped(value: Any) -> Any:
        """Pass ``value`` on unless it is a string or collection over the output cap."""
        if isinstance(value, str | bytes | list | tuple | dict):
            refuse_size(len(value))
        return value

    def bounded(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refuse_huge(args, kwargs)
            if function is format_filter and args:
                refuse_huge_widths(args[0])
            return capped(function(*args, **kwargs))

        return wrapper

    class CappedConcat(CodeGenerator):
        """Compiles ``a ~ b`` to a join that checks the size before it builds anything."""

        def visit_Concat(self, node: Any, frame: Any) -> None:
            self.write("environment.capped_join((")
            for argument in node.nodes:
                self.visit(argument, frame)
                self.write(", ")
            self.write("))")

    class LetterSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%", "+"})
        code_generator_class = CappedConcat

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            refuse_huge((left, right), {})
            if operator == "*" and isinstance(left, str | list) and isinstance(right, int):
                refuse_size(len(left) * right)
            if operator == "*" and isinstance(right, str | list) and isinstance(left, int):
                refuse_size(len(right) * left)
            if operator == "+" and isinstance(left, str | list) and isinstance(right, str | list):
                refuse_size(len(left) + len(right))
            if operator == "%":
                refuse_huge_widths(left)
            if operator == "**" and isinstance(right, int) and right > 64:
                raise SecurityError("exponents above 64 are not allowed")
            return capped(super().call_binop(context, operator, left, right))

        def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
            refuse_huge(args, kwargs)
            return capped(super().call(context, obj, *args, **kwargs))

        def wrap_str_format(self, value: Any) -> Any:
            if getattr(value, "__name__", None) in ("format", "format_map"):
                refuse_huge_widths(getattr(value, "__self__", None))
            return super().wrap_str_format(value)

        @staticmethod
        def capped_join(parts: tuple[Any, ...]) -> str:
            texts = [str(part) for part in parts]
            refuse_size(sum(len(text) for text in texts))
            return "".join(texts)

    environment = LetterSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,  # a text that ends in a newline keeps it
    )
    environment.filters = {name: bounded(f) for name, f in environment.filters.items()}
    return environment


@functools.lru_cache(maxsize=256)
def _compile(source: str) -> Any:
    """Compiled once per distinct text: a new template version, or a hand edit, compiles anew."""
    return _environment().from_string(source)
