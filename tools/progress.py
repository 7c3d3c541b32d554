"""A line on stderr now and then while a bulk import or export runs."""

import time
from collections.abc import Callable
from typing import TextIO

PROGRESS_SECONDS = 1.0
PROGRESS_ROWS = 5000


class Progress:
    """A line on stderr every second or every ``every_rows`` rows, so a long run shows
    it is alive; a short one (under a second) prints nothing."""

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        every_seconds: float = PROGRESS_SECONDS,
        every_rows: int = PROGRESS_ROWS,
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.every_seconds = every_seconds
        self.every_rows = every_rows
        self.last_time = clock()
        self.last_rows = 0

    def update(self, rows: int, message: str) -> None:
        now = self.clock()
        if now - self.last_time >= self.every_seconds or rows - self.last_rows >= self.every_rows:
            print(message, file=self.stream, flush=True)
            self.last_time, self.last_rows = now, rows
