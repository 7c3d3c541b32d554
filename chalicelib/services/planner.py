"""The planner: turns a batch into one queued message per letter, a plan page at a time.

Each page (up to 100 customers: the listed ones, or the next page of a scan of every
customer) is written once, then its letters are queued ten to a call, then the batch
records how far planning got. A planner stopped anywhere is replayed from its message and
carries on from the last page it recorded; a page queued twice costs nothing, because the
letter worker writes each letter once. A long plan hands itself on to a fresh message
before the function's time runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.batches import PLAN_PAGE_SIZE, Batch, PlanPage
from chalicelib.domain.documents import iso_utc, parse_format
from chalicelib.services.batch_progress import finish_if_done
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.storage import BatchStore, Queues, Repository

PLAN_SECONDS = 30.0
"""How long one planner call queues pages before it hands on (the function may run 60 s)."""
PACED_DELAY_SECONDS = 2
"""How long a paced planner waits before it looks at the letter queue again."""


def letter_message(batch: Batch, customer_id: str) -> dict[str, object]:
    """What the letter worker needs to read everything for its letters in one call."""
    message: dict[str, object] = {
        "b": batch.batch_id,
        "c": customer_id,
        "d": batch.doc_type,
        "v": batch.template_version,
        "f": batch.format,
    }
    if batch.letterhead is not None and parse_format(batch.format).framed:
        message["h"] = batch.letterhead
    return message


class Planner:
    def __init__(
        self,
        batches: Callable[[], BatchStore],
        repository: Repository,
        queues: Queues,
        clock: Callable[[], datetime] = utc_now,
        seconds: float = PLAN_SECONDS,
        ahead: Callable[[], int | None] = lambda: None,
    ) -> None:
        self._batches = batches
        self.repository = repository
        self.queues = queues
        self.clock = clock
        self.seconds = seconds
        self.ahead = ahead
        """The most letters to keep queued (``None``: no limit): paces a local emulator."""

    def plan(self, batch_id: str) -> None:
        batches = self._batches()
        batch = batches.get(batch_id)
        if batch is None or not batch.is_open or batch.total is not None:
            return  # gone, cancelled, or planned already (a replayed message)
        started = time.monotonic()
        plan = dict(batch.plan) or {"pages": 0, "planned": 0, "cursor": None}
        limit = self.ahead()
        while time.monotonic() - started < self.seconds:
            if limit is not None and self.queues.depth("letters") >= limit:
                self.queues.send("plans", [{"batchId": batch_id}], PACED_DELAY_SECONDS)
                return  # a local emulator's queue is full enough: look again shortly
            page = batches.plan_page(batch_id, plan["pages"]) or self._next_page(batch, plan)
            if page is None:
                done = batches.record_plan(batch_id, plan, plan["planned"], self._now())
                if done is not None:
                    finish_if_done(done, batches, self.queues, self._now())
                return
            if page.customer_ids:
                self.queues.send("letters", [letter_message(batch, c) for c in page.customer_ids])
            plan = {
                "pages": page.number + 1,
                "planned": plan["planned"] + len(page.customer_ids),
                "cursor": page.cursor,
            }
            if batches.record_plan(batch_id, plan, None, self._now()) is None:
                return
        self.queues.send("plans", [{"batchId": batch_id}])  # carry on in a fresh call

    def _next_page(self, batch: Batch, plan: dict) -> PlanPage | None:
        """The next page of customers, written; ``None`` when there are no more."""
        number = plan["pages"]
        if batch.customer_ids is not None:
            ids = batch.customer_ids[plan["planned"] : plan["planned"] + PLAN_PAGE_SIZE]
            if not ids:
                return None
            page = PlanPage(batch.batch_id, number, ids, None)
        else:
            if number and plan["cursor"] is None:
                return None  # the scan ended on the last page
            ids, cursor = self.repository.customer_ids(PLAN_PAGE_SIZE, plan["cursor"])
            if not ids and cursor is None:
                return None
            page = PlanPage(batch.batch_id, number, ids, cursor)
        return self._batches().add_plan_page(page, batch.expires_at)

    def _now(self) -> str:
        return iso_utc(self.clock())
