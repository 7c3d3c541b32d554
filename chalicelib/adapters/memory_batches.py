"""In-memory twins of the batch store and the queues: the same rules as DynamoDB's and
SQS's adapters (writes once, on the same conditions), for service tests and the bench."""

import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from chalicelib.domain.batches import (
    CANCELLED,
    OPEN,
    RUNNING,
    WRITING,
    Batch,
    BatchLetter,
    LettersMoved,
    PlanPage,
    day_of,
    letter_id,
)
from chalicelib.domain.model import from_item, item_key, to_item

Method = TypeVar("Method", bound=Callable[..., Any])


def _atomic(method: Method) -> Method:
    """Each write is one DynamoDB call (a transaction at most), which AWS applies whole;
    the twin's method that stands for it holds the twin's lock, as letter workers on
    threads (the bench's) would otherwise lose each other's counts."""

    @functools.wraps(method)
    def locked(self: "InMemoryBatches", *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class InMemoryBatches:
    """``BatchStore`` over ``items`` (table items by key), shared with the repository's
    twin so one read can see customers, templates and batches alike."""

    def __init__(self, items: dict[str, dict[str, Any]] | None = None) -> None:
        self.items: dict[str, dict[str, Any]] = {} if items is None else items
        self.days: dict[str, set[str]] = {}
        self.pages: dict[tuple[str, int], PlanPage] = {}
        self._lock = threading.Lock()

    @_atomic
    def create(self, batch: Batch) -> None:
        key = item_key(Batch, batch.batch_id)
        if key in self.items:
            raise RuntimeError(f"batch {batch.batch_id} exists")
        self.items[key] = to_item(batch)
        self.days.setdefault(day_of(batch.batch_id), set()).add(batch.batch_id)

    def get(self, batch_id: str) -> Batch | None:
        item = self.items.get(item_key(Batch, batch_id))
        return None if item is None else from_item(Batch, item)

    def get_many(self, batch_ids: Sequence[str]) -> dict[str, Batch]:
        found = {batch_id: self.get(batch_id) for batch_id in batch_ids}
        return {batch_id: batch for batch_id, batch in found.items() if batch is not None}

    def ids_on(self, days: Sequence[str]) -> list[str]:
        return [batch_id for day in days for batch_id in self.days.get(day, ())]

    def _set(self, batch: Batch, **changes: Any) -> Batch:
        changed = replace(batch, **changes)
        self.items[item_key(Batch, batch.batch_id)] = to_item(changed)
        return changed

    @_atomic
    def set_webhook(self, batch_id: str, webhook: dict[str, Any]) -> None:
        batch = self.get(batch_id)
        if batch is not None:
            self._set(batch, webhook=webhook)

    @_atomic
    def cancel(self, batch_id: str, now: str) -> Batch | None:
        batch = self.get(batch_id)
        if batch is None or batch.status not in OPEN:
            return batch
        return self._set(batch, status=CANCELLED, updated_at=now)

    @_atomic
    def end(self, batch_id: str, status: str, outputs: dict[str, Any], now: str) -> Batch | None:
        batch = self.get(batch_id)
        if batch is None or batch.status not in (RUNNING, CANCELLED) or batch.ended_at:
            return None
        return self._set(batch, status=status, outputs=outputs, updated_at=now, ended_at=now)

    @_atomic
    def mark_finishing(self, batch_id: str, status: str, now: str) -> bool:
        batch = self.get(batch_id)
        if batch is None or batch.finishing_since is not None or batch.status != status:
            return False
        self._set(batch, finishing_since=now)
        return True

    @_atomic
    def record_plan(
        self, batch_id: str, plan: dict[str, Any], total: int | None, now: str
    ) -> Batch | None:
        batch = self.get(batch_id)
        if batch is None or batch.status not in OPEN:
            return None
        if total is None:
            return self._set(batch, plan=plan, updated_at=now)
        return self._set(batch, plan=plan, updated_at=now, total=total, status=RUNNING)

    def plan_page(self, batch_id: str, number: int) -> PlanPage | None:
        return self.pages.get((batch_id, number))

    @_atomic
    def add_plan_page(self, page: PlanPage, expires_at: int) -> PlanPage:
        return self.pages.setdefault((page.batch_id, page.number), page)

    def letters(self, batch_id: str, customer_ids: Iterable[str]) -> dict[str, BatchLetter]:
        found = {}
        for customer_id in customer_ids:
            item = self.items.get(item_key(BatchLetter, letter_id(batch_id, customer_id)))
            if item is not None:
                found[customer_id] = from_item(BatchLetter, item)
        return found

    def read_for_letters(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        return {key: self.items[key] for key in keys if key in self.items}

    @_atomic
    def begin(self, letters: Sequence[BatchLetter], taking_over: dict[str, str]) -> list[str]:
        begun = []
        for letter in letters:
            key = item_key(BatchLetter, letter.letter_id)
            stored = self.items.get(key)
            abandoned = taking_over.get(letter.customer_id)
            if stored is None or (
                abandoned is not None
                and stored.get("status") == WRITING
                and stored.get("generatedAt") == abandoned
            ):
                self.items[key] = to_item(letter)
                begun.append(letter.customer_id)
        return begun

    @_atomic
    def settle(self, batch_id: str, letters: Sequence[BatchLetter], started: set[str]) -> None:
        for letter in letters:
            stored = self.items.get(item_key(BatchLetter, letter.letter_id))
            held = (
                stored is None
                if letter.customer_id not in started
                else (stored is not None and stored.get("status") == WRITING)
            )
            if not held:
                raise LettersMoved(batch_id)
        for letter in letters:
            self.items[item_key(BatchLetter, letter.letter_id)] = to_item(letter)
        batch = self.get(batch_id)
        if batch is not None:
            succeeded = sum(letter.status == "succeeded" for letter in letters)
            self._set(
                batch,
                succeeded=batch.succeeded + succeeded,
                failed=batch.failed + len(letters) - succeeded,
            )


class InMemoryQueues:
    """``Queues`` as lists of the bodies sent to each, in order."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Mapping[str, Any]]] = {}

    def depth(self, name: str) -> int:
        return len(self.sent.get(name, []))

    def send(self, name: str, bodies: Sequence[Mapping[str, Any]], delay_seconds: int = 0) -> None:
        self.sent.setdefault(name, []).extend(bodies)
