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

The sandbox itself is built in ``sandbox.py`` beside this file, so a cold start
that renders only plain text never loads it.
"""

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.budget import MAX_LOOP_ITERATIONS, RenderBudget, running

_MARKERS = ("{{", "{%", "{#")


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
    except CannotRender as error:
        raise CannotRender(f"{what} cannot be rendered: {error}") from None


def _render(source: str, variables: Mapping[str, Any], budget: RenderBudget) -> str:
    if not has_jinja_syntax(source):
        budget.spend_bytes(source)
        return source
    from jinja2 import TemplateError

    problem = syntax_error(source)
    if problem:
        raise CannotRender(problem)
    template = _compile(source)
    chunks: list[str] = []
    budget.start()
    with running(budget):
        try:
            for chunk in template.generate(**variables, range=_counted_range(budget)):
                budget.spend_bytes(chunk)
                chunks.append(chunk)
        except CannotRender:
            raise
        except TemplateError as error:
            raise CannotRender(error.message or type(error).__name__) from None
        except (ArithmeticError, LookupError, TypeError, ValueError) as error:
            # The template's own expression failed, e.g. {{ 1 / 0 }}: its fault, not ours.
            raise CannotRender(f"{type(error).__name__}: {error}") from None
        except RecursionError:  # Python's own wording depends on where the stack ran out
            raise CannotRender("RecursionError: maximum recursion depth exceeded") from None
        except MemoryError:  # one step asked for more than the function has: no check foresaw it
            raise CannotRender("the template needs more memory than it may use") from None
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
                raise CannotRender(f"the template loops more than {MAX_LOOP_ITERATIONS} times")
            yield number

    return counted_range


@functools.lru_cache(maxsize=256)
def _compile(source: str) -> Any:
    """Compiled once per distinct text: a new template version, or a hand edit, compiles anew."""
    # Jinja2 and the sandbox: only for templates
    from chalicelib.domain.rendering.sandbox import environment

    return environment().from_string(source)
