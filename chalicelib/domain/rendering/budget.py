"""What one letter may cost while it renders; shared by the renderer and the sandbox."""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib.domain.errors import CannotRender

MAX_OUTPUT_BYTES = 1024 * 1024
MAX_LOOP_ITERATIONS = 100_000
"""Across one render, all ``range()`` loops together."""
MAX_RENDER_SECONDS = 1.0
"""Wall-clock time for one letter, greeting and text together."""
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
            raise CannotRender("the letter would be larger than 1 MiB")

    def start(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def tick(self) -> None:
        """One step (a loop iteration, a call, a filter, an operator): stop if out of time."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise CannotRender(f"the template ran for more than {MAX_RENDER_SECONDS:g} s")


def tick() -> None:
    budget = _CURRENT.get()
    if budget is not None:
        budget.tick()


def counted_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every ``{% for %}`` loops over: each iteration is a step of the render."""
    for item in iterable:
        tick()
        yield item


@contextmanager
def running(budget: RenderBudget) -> Iterator[None]:
    """Make ``budget`` the one that ``tick`` spends while a template runs."""
    token = _CURRENT.set(budget)
    try:
        yield
    finally:
        _CURRENT.reset(token)
