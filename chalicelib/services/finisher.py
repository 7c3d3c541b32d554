"""The finisher: once a batch's last letter is counted (or it is cancelled), build the
outputs it asked for, mark how it ended, and queue its webhook.

It reads the batch's letters a plan page at a time and each letter once, so a batch of any
size is gathered in bounded memory (``chalicelib.services.outputs`` streams both files). A
replayed message finds the batch over and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.batches import (
    CANCELLED,
    LETTER_SUCCEEDED,
    Batch,
    outcome_status,
)
from chalicelib.domain.documents import from_iso_utc, iso_utc
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.letters import Letter
from chalicelib.domain.model import from_item, item_key
from chalicelib.domain.outputs import OutputFile, kept_key, kept_to_letter
from chalicelib.services.batch_progress import all_counted
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.batches import BatchLetter
    from chalicelib.domain.outputs import Uploads
    from chalicelib.domain.storage import BatchStore, DocumentStore, Queues


class Finisher:
    def __init__(
        self,
        batches: Callable[[], BatchStore],
        store: Callable[[], DocumentStore],
        uploads: Callable[[], Uploads],
        queues: Queues,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._batches = batches
        self._store = store
        self._uploads = uploads
        self.queues = queues
        self.clock = clock

    def finish(self, batch_id: str) -> Batch | None:
        """The batch as it ended, or ``None`` if there was nothing to finish."""
        batches = self._batches()
        batch = batches.get(batch_id)
        if batch is None or not (all_counted(batch) or batch.status == CANCELLED):
            return None
        if batch.ended_at is not None:
            return None  # a replayed message: it ended already
        now = self.clock()
        outputs: dict[str, Any] = {"zip": None, "pdf": None}
        if batch.wanted.get("zip"):
            outputs["zip"] = _stored(self._zip(batch, now))
        if batch.wanted.get("pdf"):
            parts = self._merged_pdf(batch, now)
            if parts:
                outputs["pdf"] = _stored(parts[0]) | (
                    {"parts": [_stored(part) for part in parts]} if len(parts) > 1 else {}
                )
        status = (
            CANCELLED
            if batch.status == CANCELLED
            else outcome_status(batch.succeeded, batch.failed)
        )
        ended = batches.end(batch_id, status, outputs, iso_utc(now))
        if ended is not None and ended.webhook is not None:
            self.queues.send("webhooks", [{"batchId": batch_id, "attempt": 1}])
        return ended

    def _succeeded(self, batch: Batch) -> Iterator[BatchLetter]:
        """The batch's written letters, in the order they were queued."""
        batches = self._batches()
        for number in range(batch.plan.get("pages", 0)):
            page = batches.plan_page(batch.batch_id, number)
            if page is None:
                continue
            records = batches.letters(batch.batch_id, page.customer_ids)
            for customer_id in page.customer_ids:
                letter = records.get(customer_id)
                if letter is not None and letter.status == LETTER_SUCCEEDED:
                    yield letter

    def _zip(self, batch: Batch, now: datetime) -> OutputFile:
        from chalicelib.services.outputs import write_zip

        store = self._store()
        read = ((letter.key, store.read(letter.key)) for letter in self._succeeded(batch))
        entries = ((key, data) for key, data in read if data is not None)  # deleted since
        return write_zip(self._uploads(), batch.batch_id, entries, now)

    def _merged_pdf(self, batch: Batch, now: datetime) -> list[OutputFile]:
        from chalicelib.services.outputs import write_merged_pdf

        store = self._store()
        letterhead = self._letterhead(batch)

        def letters() -> Iterator[Letter]:
            for letter in self._succeeded(batch):
                kept = store.read(kept_key(batch.batch_id, letter.customer_id))
                if kept is None:
                    continue
                written = from_iso_utc(letter.generated_at or "")
                yield kept_to_letter(kept, letter.customer_id, batch.doc_type, written, letterhead)

        return write_merged_pdf(self._uploads(), batch.batch_id, batch.doc_type, letters(), now)

    def _letterhead(self, batch: Batch) -> Letterhead | None:
        """The letterhead the batch's letters show, read once for the whole merged PDF (as
        it is now: one changed since its letters were written shows as changed)."""
        if batch.letterhead is None:
            return None
        key = item_key(Letterhead, batch.letterhead)
        item = self._batches().read_for_letters([key]).get(key)
        return None if item is None else from_item(Letterhead, item)


def _stored(output: OutputFile) -> dict[str, Any]:
    return {"key": output.key, "size": output.size, "versionId": output.version_id}
