"""Template text, in the allowed subset of Jinja2 syntax, rendered within hard bounds.

A text is parsed by Jinja2's parser, checked against the allow-list and turned into
closures (``compiler.py``), once per distinct text, in a cache bounded by memory.
A text with no Jinja syntax is used as it is, and Jinja2 is not even imported for it,
so the sample's plain templates cost nothing at cold start.
"""

from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import CannotRender
from chalicelib.domain.rendering.budget import RenderBudget

if TYPE_CHECKING:
    from chalicelib.domain.rendering.locales import Locales
    from chalicelib.domain.rendering.program import Program

_MARKERS = ("{{", "{%", "{#")
MAX_CACHE_BYTES = 32 * 1024 * 1024
"""What the compiled programs of a warm container may hold, at most (estimated)."""
BYTES_PER_NODE = 1500
"""An upper bound of one node's closures and cells (``test_rendering`` measures it)."""


def has_jinja_syntax(source: str) -> bool:
    return any(marker in source for marker in _MARKERS)


def render(
    source: str, variables: Mapping[str, Any], budget: RenderBudget, what: str, locales: "Locales"
) -> str:
    """``source`` with ``variables`` filled in; a literal text comes back as it is.

    Anything the template does wrong (a missing variable printed, a value of the
    wrong kind, too much output, memory or time) is a 422 naming ``what`` was
    rendered, the line and the problem.
    """
    if not has_jinja_syntax(source):
        budget.write(source)
        return source
    from chalicelib.domain.rendering.program import Frame, InvalidTemplate

    try:
        program = _programs.get(source)
        frame = Frame(budget, dict(variables), locales)
        with budget.running():
            program.run(frame)
    except InvalidTemplate as error:  # stored before the subset, or written by hand
        raise CannotRender(f"{what} cannot be rendered: {error}") from None
    except CannotRender as error:
        raise CannotRender(f"{what} cannot be rendered: {error}") from None
    except RecursionError:
        raise CannotRender(f"{what} cannot be rendered: it nests too deeply") from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        # Every closure names its line; this is the net under them, so a template's own
        # fault is never a 500.
        raise CannotRender(f"{what} cannot be rendered: {type(error).__name__}") from None
    except MemoryError:
        raise CannotRender(f"{what} cannot be rendered: it needs too much memory") from None
    return "".join(frame.out)


def problem(source: str) -> str | None:
    """Why ``source`` cannot be stored (``line 3: method calls are not allowed``), or None."""
    if not has_jinja_syntax(source):
        return None
    from chalicelib.domain.rendering.program import InvalidTemplate

    try:
        _programs.get(source)
    except InvalidTemplate as error:
        return str(error)
    return None


def variables_of(source: str) -> tuple[str, ...]:
    """The inputs and attribute paths ``source`` reads; none for a text it cannot compile."""
    if not has_jinja_syntax(source):
        return ()
    from chalicelib.domain.rendering.program import InvalidTemplate

    try:
        return _programs.get(source).variables
    except InvalidTemplate:
        return ()


def _compile(source: str) -> "Program":
    """Parse with Jinja2's parser, check and build; ``InvalidTemplate`` says why not."""
    from jinja2 import Environment, TemplateSyntaxError

    from chalicelib.domain.rendering import program
    from chalicelib.domain.rendering.compiler import compile_parsed

    refused = program.code_problem(source)
    if refused:
        raise program.InvalidTemplate(refused)
    try:
        # Parsing only: nothing Jinja2 compiles runs, and docgen escapes for HTML itself.
        tree = Environment(keep_trailing_newline=True).parse(source)  # noqa: S701 # nosec B701
    except TemplateSyntaxError as error:
        raise program.InvalidTemplate(
            f"line {error.lineno}: syntax error: {error.message}"
        ) from None
    except RecursionError:
        raise program.InvalidTemplate(
            f"blocks may be nested at most {program.MAX_DEPTH} deep"
        ) from None
    return compile_parsed(tree)


class _Programs:
    """Compiled programs by text, least recently used out first, bounded by memory.

    Keyed by the text itself: a new template version, or a hand edit, compiles anew;
    two versions with one text share a program.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.compiled = 0
        self._programs: OrderedDict[str, tuple[Program, int]] = OrderedDict()
        self._lock = Lock()

    def get(self, source: str) -> "Program":
        with self._lock:
            held = self._programs.get(source)
            if held is not None:
                self._programs.move_to_end(source)
                return held[0]
        program = _compile(source)
        cost = program.nodes * BYTES_PER_NODE + 2 * len(source)
        with self._lock:
            self.compiled += 1
            if cost <= self.max_bytes and source not in self._programs:
                self._programs[source] = (program, cost)
                self.size += cost
                while self.size > self.max_bytes:
                    _, (_, dropped) = self._programs.popitem(last=False)
                    self.size -= dropped
        return program

    def clear(self) -> None:
        with self._lock:
            self._programs.clear()
            self.size = 0


_programs = _Programs(MAX_CACHE_BYTES)
