"""Template text rendered by Jinja2's sandbox: strict, bounded, cached.

Jinja2 is imported only when a text holds Jinja syntax, so the sample's
plain templates never pay for it on a cold start.

The stock sandbox stops attribute tricks (``{{ name.__class__ }}``); a
template is still user code, so this one also bounds what it may cost:
the output (1 MiB, counted while it streams), loop iterations across the
whole render, operations or calls that could build a huge value in one
step (``"x" * 10**9``, ``"x".center(10**9)``, ``"%999999999d" % 1``,
``s.replace("", t)``), and any value built along the way (``{% set s = s ~ s %}``
over and over, ``|replace`` growth, a list holding the same big list a hundred
times): none may exceed the output cap, and no list, tuple, dict or set may hold
more than ``MAX_ITEMS``. Sizes do not bound time (nested loops over a string,
a macro that calls itself twice, a filter run in a loop), so a render also
stops after ``MAX_RENDER_SECONDS``, checked at every loop iteration, call,
filter and operator. The sandbox is Jinja2's immutable one (no ``list.append``
or ``dict.update``), and has no ``lipsum``.

The sandbox itself is built in ``chalicelib/sandbox.py``, so a cold start
that renders only plain text never loads it.
"""

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from chalice import UnprocessableEntityError

MAX_OUTPUT_BYTES = 1024 * 1024
MAX_LOOP_ITERATIONS = 100_000
"""Across one render, all ``range()`` loops together."""
MAX_RENDER_SECONDS = 1.0
"""Wall-clock time for one letter, greeting and text together."""
_MARKERS = ("{{", "{%", "{#")
_CURRENT: ContextVar["RenderBudget | None"] = ContextVar("docgen_render_budget", default=None)


class RenderBudget:
    """How much one letter may still cost; shared by its greeting and its text."""

    def __init__(self) -> None:
        self.bytes_left = MAX_OUTPUT_BYTES
        self.iterations_left = MAX_LOOP_ITERATIONS
        self.deadline: float | None = None
        """Set when the first template starts running, so compiling is not counted."""

    def spend_bytes(self, text: str) -> None:
        self.bytes_left -= len(text.encode("utf-8"))
        if self.bytes_left < 0:
            raise UnprocessableEntityError("the letter would be larger than 1 MiB")

    def start(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def tick(self) -> None:
        """One step (a loop iteration, a call, a filter, an operator): stop if out of time."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise UnprocessableEntityError(
                f"the template ran for more than {MAX_RENDER_SECONDS:g} s"
            )


def tick() -> None:
    budget = _CURRENT.get()
    if budget is not None:
        budget.tick()


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
    budget.start()
    token = _CURRENT.set(budget)
    try:
        for chunk in template.generate(**variables, range=_counted_range(budget)):
            budget.spend_bytes(chunk)
            chunks.append(chunk)
    except UnprocessableEntityError:
        raise
    except TemplateError as error:
        raise UnprocessableEntityError(error.message or type(error).__name__) from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        # The template's own expression failed, e.g. {{ 1 / 0 }}: its fault, not ours.
        raise UnprocessableEntityError(f"{type(error).__name__}: {error}") from None
    except RecursionError:  # Python's own wording depends on where the stack ran out
        raise UnprocessableEntityError("RecursionError: maximum recursion depth exceeded") from None
    except MemoryError:  # one step asked for more than the function has: no check foresaw it
        raise UnprocessableEntityError("the template needs more memory than it may use") from None
    finally:
        _CURRENT.reset(token)
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


def counted_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every ``{% for %}`` loops over: each iteration is a step of the render."""
    for item in iterable:
        tick()
        yield item


@functools.lru_cache(maxsize=256)
def _compile(source: str) -> Any:
    """Compiled once per distinct text: a new template version, or a hand edit, compiles anew."""
    from chalicelib.sandbox import environment  # Jinja2 and the sandbox: only for templates

    return environment().from_string(source)
