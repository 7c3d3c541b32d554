"""What one letter may cost while it renders: shared by its greeting and its text.

Every bound is counted, not estimated after the fact: the output as it is written,
each value a template builds before it is built (one allocation budget for the whole
render, garbage included), every loop iteration, and CPU time at every step that can
take time (each of which is bounded in size, so none runs long between checks).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from chalicelib.domain.errors import CannotRender

MAX_OUTPUT_BYTES = 1024 * 1024
"""The letter, greeting and text together, in UTF-8."""
MAX_ALLOCATED_BYTES = 64 * 1024 * 1024
"""Everything a render builds, counted as it is built, never given back."""
MAX_LOOP_ITERATIONS = 100_000
"""Across one render, all loops together."""
MAX_RENDER_SECONDS = 1.0
"""CPU time of one letter, greeting and text together."""
MAX_ITEMS = 100_000
"""Items in one list or map a template builds."""


class RenderBudget:
    """How much one letter may still cost."""

    def __init__(self) -> None:
        self.output_left = MAX_OUTPUT_BYTES
        self.allocation_left = MAX_ALLOCATED_BYTES
        self.iterations_left = MAX_LOOP_ITERATIONS
        self.seconds_left = MAX_RENDER_SECONDS
        self._running_since: float | None = None
        """Set while a text runs: compiling one (bounded on its own) is not counted."""

    def write(self, text: str) -> None:
        """Count ``text`` against the output cap (UTF-8 bytes)."""
        self.output_left -= len(text) if text.isascii() else len(text.encode("utf-8"))
        if self.output_left < 0:
            raise CannotRender("the letter would be larger than 1 MiB")

    def allocate(self, size: int) -> None:
        """Count ``size`` bytes a template is about to build; refuse before it is built."""
        self.allocation_left -= size
        if self.allocation_left < 0:
            raise CannotRender("the template would use more than 64 MiB of memory")
        self.check_time()

    def text(self, length: int, ascii: bool = False) -> None:
        """Count a string of ``length`` characters about to be built."""
        if length > MAX_OUTPUT_BYTES:
            raise CannotRender("a text would be longer than 1 MiB")
        self.allocate(text_cost(length, ascii))

    def items(self, count: int) -> None:
        """Count a list or map of ``count`` items about to be built."""
        self.allocate(items_cost(count))

    def iterate(self) -> None:
        self.iterations_left -= 1
        if self.iterations_left < 0:
            raise CannotRender(f"the template loops more than {MAX_LOOP_ITERATIONS} times")
        self.check_time()

    def check_time(self) -> None:
        if self._running_since is None:
            return
        if time.thread_time() - self._running_since > self.seconds_left:
            raise CannotRender(f"the template ran for more than {MAX_RENDER_SECONDS:g} s of CPU")

    @contextmanager
    def running(self) -> Iterator[None]:
        """Count the CPU time of the block: one text of the letter running."""
        self._running_since = time.thread_time()
        try:
            yield
        finally:
            self.seconds_left -= time.thread_time() - self._running_since
            self._running_since = None


def text_cost(length: int, ascii: bool = False) -> int:
    """What a string of ``length`` characters costs in memory, at most (CPython stores a
    string one to four bytes a character, by its widest character)."""
    return 80 + length * (1 if ascii else 4)


def items_cost(count: int) -> int:
    """What a list (or a map, counted per entry) of ``count`` items costs, past its items."""
    if count > MAX_ITEMS:
        raise CannotRender(f"a list or map would have more than {MAX_ITEMS} items")
    return 64 + 16 * count
