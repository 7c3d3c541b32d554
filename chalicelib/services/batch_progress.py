"""When a batch's last letter is counted, it is finished once: whoever sees it sets
``finishingSince`` (on condition) and asks the finisher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.batches import CANCELLED, RUNNING, Batch

if TYPE_CHECKING:
    from chalicelib.domain.storage import BatchStore, Queues


def all_counted(batch: Batch) -> bool:
    return batch.status == RUNNING and batch.total is not None and batch.done >= batch.total


def finish_if_done(batch: Batch, batches: BatchStore, queues: Queues, now: str) -> bool:
    """Queue the finisher if ``batch`` (as just read) has every letter counted, or was
    cancelled, and nobody queued it yet; whether this call did."""
    if batch.finishing_since is not None or not (all_counted(batch) or batch.status == CANCELLED):
        return False
    if not batches.mark_finishing(batch.batch_id, batch.status, now):
        return False
    queues.send("finishes", [{"batchId": batch.batch_id}])
    return True
