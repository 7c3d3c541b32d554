"""A deadline for all the AWS calls of one request.

botocore's ``standard`` retry mode bounds the number of attempts, and the
client's timeouts bound each attempt, but neither knows how long the
request has already taken. Two hooks on each client make the sum bounded:
a call does not start, and a failed attempt is not retried, unless its
worst case (the backoff before it plus a full connect and read timeout)
still ends before the deadline. So a request ends inside its budget, well
before API Gateway gives up at 29 s, whatever the network does.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib.domain.rules import TIME_BUDGET_SECONDS

__all__ = ["TIME_BUDGET_SECONDS", "BudgetExhausted", "attach", "time_budget"]

_deadline: ContextVar[float | None] = ContextVar("docgen_deadline", default=None)

# botocore's standard mode waits at most min(2 ** (attempts - 1), 20) seconds
# before the next attempt (that is its throttling backoff; other errors wait less).
_MAX_BACKOFF_SECONDS = 20


class BudgetExhausted(Exception):
    """Not enough of the request's time budget is left for another AWS attempt."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Give every AWS call made inside this block ``seconds`` in all."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _left() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def attach(client: Any, attempt_seconds: float) -> None:
    """Make ``client`` keep to the current budget.

    ``attempt_seconds`` is the longest one attempt can take: the client's
    connect timeout plus its read timeout.
    """
    service = client.meta.service_model.service_id.hyphenize()

    def refuse_late_start(**_: Any) -> None:
        left = _left()
        if left is not None and left < attempt_seconds:
            raise BudgetExhausted(f"{left:.2f}s left, an attempt may take {attempt_seconds}s")

    def veto_late_retry(attempts: int, **_: Any) -> bool | None:
        left = _left()
        worst = min(2 ** (attempts - 1), _MAX_BACKOFF_SECONDS) + attempt_seconds
        if left is not None and left < worst:
            return False  # botocore takes False as "do not retry"
        return None  # no opinion: the standard retry handler decides

    client.meta.events.register(f"before-call.{service}", refuse_late_start)
    # First, so that our False is the first answer botocore looks at.
    client.meta.events.register_first(f"needs-retry.{service}", veto_late_retry)
