"""The sweep, every few minutes: what a lost message or a stopped function left undone.

A batch stored but never planned (its planning message not sent), one whose last letter
was counted but whose finisher was never asked, and one whose finisher stopped: each is
queued again. Every step it queues is idempotent, so sweeping twice does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.batches import Batch, days_back
from chalicelib.domain.documents import from_iso_utc, iso_utc
from chalicelib.services.batch_progress import finish_if_done
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.storage import BatchStore, Queues

STALE = timedelta(minutes=5)
"""A batch untouched this long by the step it waits for has lost that step's message."""
FINISHER_STALE = timedelta(minutes=15)
"""Three times the finisher's longest run."""
SWEPT_DAYS = 2
"""Today and yesterday: a batch is finished within hours, or it is not moving at all."""


class Sweeper:
    def __init__(
        self,
        batches: Callable[[], BatchStore],
        queues: Queues,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._batches = batches
        self.queues = queues
        self.clock = clock

    def sweep(self) -> dict[str, str]:
        """What was queued again, by batch id: ``plan``, ``finish``."""
        batches = self._batches()
        now = self.clock()
        ids = batches.ids_on(days_back(now)[:SWEPT_DAYS])
        done: dict[str, str] = {}
        for start in range(0, len(ids), 100):
            for batch in batches.get_many(ids[start : start + 100]).values():
                action = self._mend(batch, now)
                if action:
                    done[batch.batch_id] = action
        return done

    def _mend(self, batch: Batch, now: datetime) -> str | None:
        if batch.ended_at is not None:
            return None
        if batch.is_open and batch.total is None and now - from_iso_utc(batch.updated_at) > STALE:
            self.queues.send("plans", [{"batchId": batch.batch_id}])
            return "plan"
        if finish_if_done(batch, self._batches(), self.queues, iso_utc(now)):
            return "finish"
        since = batch.finishing_since
        if since is not None and now - from_iso_utc(since) > FINISHER_STALE:
            self.queues.send("finishes", [{"batchId": batch.batch_id}])
            return "finish"
        return None
