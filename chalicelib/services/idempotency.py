"""Running a request once per ``Idempotency-Key``: for any route that makes something
(a document now, a batch later).

The first request with a key writes its record (one conditional write), does its work and
stores its answer; a retry of the same request gets that answer again and does nothing.
A request that fails, whatever the reason, releases the key: it made nothing, so running it
again cannot make anything twice, and a retry after the cause is mended (a customer added,
a template fixed, a throttled table calmed) runs as a first request. If even the release
fails (the table unreachable, the function stopped), the record is abandoned once no request
can still finish it (``ABANDONED_AFTER_SECONDS``), and the key is free again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from chalicelib.domain import jsontext
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.idempotency import IdempotencyRecord, IdempotentRequest
from chalicelib.services.answers import Answer
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:  # the storage protocols are for the type checker only
    from chalicelib.domain.storage import IdempotencyStore

T = TypeVar("T")


class Remembering(Protocol[T]):
    """How a route's answer is kept in a record, and given again from it."""

    def remember(self, value: T) -> dict[str, Any]:
        """What answering again needs, as JSON."""
        ...

    def recall(self, answer: dict[str, Any]) -> T:
        """The answer again (with anything fresh it needs, such as a new download link)."""
        ...


def _owner() -> str:
    import secrets  # with hmac and random: only when a request sends a key

    return secrets.token_hex(16)


class IdempotencyService:
    def __init__(
        self,
        store: IdempotencyStore,
        clock: Callable[[], datetime] = utc_now,
        owner: Callable[[], str] = _owner,
    ) -> None:
        self.store = store
        self.clock = clock
        self.owner = owner

    def run(
        self,
        request: IdempotentRequest | None,
        status: int,
        work: Callable[[], T],
        remembering: Remembering[T],
    ) -> Answer[T]:
        """``work``'s value, answered with ``status``; with a key, only once for it.

        Without a key: ``work`` alone, no record and no AWS call more. With one: the
        remembered answer (``replayed``), or a 422 (``KeyReused``) if the key was used for
        another request, or a 409 (``InProgress``) while its first request runs, or else
        ``work`` as the key's first request.
        """
        if request is None:
            return Answer(work(), status)
        now = int(self.clock().timestamp())
        record = IdempotencyRecord.started(request, self.owner(), now)
        held = self.store.reserve(record, now)
        if held is not None:
            first_status, answer = held.answer_for(request)
            return Answer(remembering.recall(jsontext.parse(answer)), first_status, replayed=True)
        try:
            value = work()
        except Exception:
            self._release(record)
            raise
        answer = jsontext.dumps(remembering.remember(value), ascii_only=True)
        # The work is done and its answer is due: if the table fails now, the record stays
        # in progress and is abandoned after ABANDONED_AFTER_SECONDS (a retry then runs again).
        with suppress(Unavailable):
            self.store.complete(record.done(status, answer))
        return Answer(value, status)

    def _release(self, record: IdempotencyRecord) -> None:
        """Free the key of a request that failed; if that fails too, the record is abandoned
        in time, and the request's own error is the one to answer."""
        with suppress(Exception):  # the work's error is the one raised, not this one
            self.store.release(record)
