"""The letter worker: up to ten queued letters at a time, each written once.

For its SQS batch it reads everything at once (the batches, their template versions, the
customers, the letterheads the messages name, the letters' records: one ``BatchGetItem``),
renders each letter with the code the generate route uses (``LetterService.draft``),
records the ones it will write as ``writing`` (one transaction), writes them to their usual
keys, and settles them with the batches' counters (one more transaction). So a redelivered
message finds its letter's record and changes nothing. A letter whose record says
``writing`` was begun by a worker that stopped: once that record is older than any worker
can live, it is taken over, and if the worker did write the letter (its object says so) it
is only settled.

Permanent failures (the customer missing, the template unrenderable for them) settle the
letter as failed with the reason; transient ones (throttling, timeouts) leave its message
to SQS to deliver again (``batchItemFailures``), up to the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from chalicelib.domain.batches import (
    CANCELLED,
    LETTER_FAILED,
    LETTER_STATUSES,
    LETTER_SUCCEEDED,
    WRITING,
    Batch,
    BatchLetter,
    LettersMoved,
    letter_id,
)
from chalicelib.domain.documents import Draft, document_key, from_iso_utc, iso_utc, parse_format
from chalicelib.domain.errors import CannotRender, DomainError, NotFound, Unavailable
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.model import from_item, item_key
from chalicelib.domain.outputs import KEPT_TYPE, kept_key, kept_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.versions import pick_version, version_key
from chalicelib.services.batch_progress import finish_if_done
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.storage import BatchStore, Queues
    from chalicelib.services.letters import LetterService

TAKEOVER_SECONDS = 120
"""A ``writing`` record older than this was left by a worker that stopped: longer than the
function may run (60 s), shorter than the queue's visibility timeout (six times that)."""


class Queued(NamedTuple):
    """One message of the SQS batch: its id and the letter it asks for."""

    message_id: str
    batch_id: str
    customer_id: str
    doc_type: str
    version: int
    format: str
    letterhead: str | None = None
    """The letterhead the template version names, read with the rest."""

    @classmethod
    def of(cls, message_id: str, body: Mapping[str, Any]) -> Queued:
        return cls(
            message_id, body["b"], body["c"], body["d"], int(body["v"]), body["f"], body.get("h")
        )

    @property
    def record_key(self) -> str:
        return item_key(BatchLetter, letter_id(self.batch_id, self.customer_id))


class _Judged(NamedTuple):
    """What to do for one letter."""

    queued: Queued
    record: BatchLetter | None
    """Its stored record: one left ``writing`` by a worker that stopped, or none."""
    draft: Draft | None = None
    """The letter to write; ``None`` with no ``failed``: written already, only settle it."""
    failed: BatchLetter | None = None
    """It cannot be made, for good: its record says why."""
    merged: bool = False
    """Its batch merges its letters into one PDF: the letter is kept for the finisher."""


class LetterWorker:
    def __init__(
        self,
        batches: Callable[[], BatchStore],
        letters: LetterService,
        queues: Queues,
        error_body: Callable[[DomainError], dict[str, str]],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._batches = batches
        self.letters = letters
        self.queues = queues
        self.error_body = error_body
        self.clock = clock

    def run(self, messages: Sequence[Queued]) -> list[str]:
        """Make the letters; the ids of the messages to deliver again."""
        batches = self._batches()
        now = self.clock()
        items = batches.read_for_letters(_keys(messages))
        retry: list[str] = []
        by_batch: dict[str, list[_Judged]] = {}
        for queued in _one_per_letter(messages):
            outcome = self._judge(queued, items, now, retry)
            if outcome is not None:
                by_batch.setdefault(queued.batch_id, []).append(outcome)
        for batch_id, outcomes in by_batch.items():
            retry += self._settle(batch_id, outcomes, now)
        return retry

    def _judge(
        self, queued: Queued, items: Mapping[str, Any], now: datetime, retry: list[str]
    ) -> _Judged | None:
        """What to do for one letter: nothing (``None``), settle it as it is, or write it."""
        batch_item = items.get(item_key(Batch, queued.batch_id))
        batch = None if batch_item is None else from_item(Batch, batch_item)
        if batch is None or batch.status == CANCELLED:
            return None  # gone, or cancelled: letters not yet written are not written
        record_item = items.get(queued.record_key)
        record = None if record_item is None else from_item(BatchLetter, record_item)
        if record is not None and record.status in LETTER_STATUSES:
            return None  # a redelivered message: this letter is settled
        if record is not None and not _abandoned(record, now):
            retry.append(queued.message_id)  # another worker is writing it right now
            return None
        try:
            draft = self._draft(queued, items, now)
        except (NotFound, CannotRender) as error:
            return _Judged(queued, record, failed=self._failed(queued, error, record))
        if record is not None and self._was_written(draft.key, record):
            return _Judged(queued, record)
        return _Judged(queued, record, draft, merged=bool(batch.wanted.get("pdf")))

    def _draft(self, queued: Queued, items: Mapping[str, Any], now: datetime) -> Draft:
        customer = items.get(item_key(Customer, queued.customer_id))
        if customer is None:
            raise NotFound(f"customer {queued.customer_id} does not exist")
        template = pick_version(items, queued.doc_type, queued.version)
        if template is None:
            raise NotFound(f"template {queued.doc_type} has no version {queued.version}")
        fmt = parse_format(queued.format)
        letterhead = None
        if template.letterhead is not None and fmt.framed:
            item = items.get(item_key(Letterhead, template.letterhead))
            # Read with the rest; else (a message queued without it) read on its own.
            if item is None:
                letterhead = self.letters.letterhead_of(template)
            else:
                letterhead = from_item(Letterhead, item)
        return self.letters.draft(from_item(Customer, customer), template, fmt, now, letterhead)

    def give_up(self, messages: Sequence[Queued]) -> None:
        """Letters whose messages SQS dead-lettered after every attempt: failed, unless the
        last attempt did write one (its object says so), which then succeeded. Never lost."""
        items = self._batches().read_for_letters(_keys(messages))
        now = self.clock()
        by_batch: dict[str, list[_Judged]] = {}
        for queued in _one_per_letter(messages):
            if items.get(item_key(Batch, queued.batch_id)) is None:
                continue
            record_item = items.get(queued.record_key)
            record = None if record_item is None else from_item(BatchLetter, record_item)
            if record is not None and record.status in LETTER_STATUSES:
                continue
            key = document_key(queued.customer_id, queued.doc_type, parse_format(queued.format))
            if record is not None and self._was_written(key, record):
                judged = _Judged(queued, record)
            else:
                failed = self._failed(queued, Unavailable("DynamoDB or S3"), record)
                judged = _Judged(queued, record, failed=failed)
            by_batch.setdefault(queued.batch_id, []).append(judged)
        for batch_id, outcomes in by_batch.items():
            self._settle(batch_id, outcomes, now)

    def _was_written(self, key: str, record: BatchLetter) -> bool:
        head = self.letters.store.head(key)
        return head is not None and head.metadata.get("generated-at") == record.generated_at

    def _failed(
        self, queued: Queued, error: DomainError, record: BatchLetter | None
    ) -> BatchLetter:
        return BatchLetter(
            letter_id(queued.batch_id, queued.customer_id),
            LETTER_FAILED,
            error=self.error_body(error),
            generated_at=None if record is None else record.generated_at,
        )

    def _settle(self, batch_id: str, outcomes: list[_Judged], now: datetime) -> list[str]:
        """Begin, write and settle one batch's letters; the messages to deliver again."""
        batches = self._batches()
        stamp = iso_utc(now)
        to_write = [judged for judged in outcomes if judged.draft is not None]
        begun = set(
            batches.begin(
                [_writing(judged.queued, stamp) for judged in to_write],
                {
                    judged.queued.customer_id: judged.record.generated_at
                    for judged in to_write
                    if judged.record is not None and judged.record.generated_at
                },
            )
        )
        retry: list[str] = []
        settled: list[BatchLetter] = []
        started = {j.queued.customer_id for j in outcomes if j.record is not None} | begun
        for queued, record, draft, failed, merged in outcomes:
            if failed is not None:
                settled.append(failed)
            elif draft is None:  # written by the worker that began it
                settled.append(_succeeded(queued, record.generated_at if record else stamp))
            elif queued.customer_id not in begun:
                retry.append(queued.message_id)  # begun meanwhile by a duplicate delivery
            elif self._put(queued, draft, merged):
                settled.append(_succeeded(queued, stamp, draft.key))
            else:
                retry.append(queued.message_id)  # its record stays ``writing``: taken over later
        try:
            batches.settle(batch_id, settled, started)
        except LettersMoved:
            return [judged.queued.message_id for judged in outcomes]
        batch = batches.get(batch_id)
        if batch is not None:
            finish_if_done(batch, batches, self.queues, stamp)
        return retry

    def _put(self, queued: Queued, draft: Draft, merged: bool) -> bool:
        """Write the letter where generating writes it (and, for a merged PDF, its text and
        frame beside the batch); ``False`` if S3 is unavailable."""
        store = self.letters.store
        try:
            if merged:
                key = kept_key(queued.batch_id, queued.customer_id)
                store.put(key, kept_letter(draft.letter), KEPT_TYPE, draft.metadata)
            store.put(
                draft.key, draft.body, parse_format(queued.format).content_type, draft.metadata
            )
        except Unavailable:
            return False
        self.letters.on_letter(queued.format)
        return True


def _one_per_letter(messages: Sequence[Queued]) -> list[Queued]:
    """The first message for each letter: a replayed plan page can put two in one SQS batch,
    and a transaction may name an item once. The others are answered as handled: the first
    one's outcome (written, failed, or delivered again) is the letter's."""
    first: dict[str, Queued] = {}
    for queued in messages:
        first.setdefault(queued.record_key, queued)
    return list(first.values())


def _keys(messages: Sequence[Queued]) -> list[str]:
    keys: list[str] = []
    for queued in messages:
        keys += [
            item_key(Batch, queued.batch_id),
            item_key(Template, queued.doc_type),
            version_key(queued.doc_type, queued.version),
            item_key(Customer, queued.customer_id),
            queued.record_key,
        ]
        if queued.letterhead is not None:
            keys.append(item_key(Letterhead, queued.letterhead))
    return list(dict.fromkeys(keys))


def _abandoned(record: BatchLetter, now: datetime) -> bool:
    begun = from_iso_utc(record.generated_at or "")
    return now - begun > timedelta(seconds=TAKEOVER_SECONDS)


def _writing(queued: Queued, stamp: str) -> BatchLetter:
    return BatchLetter(letter_id(queued.batch_id, queued.customer_id), WRITING, generated_at=stamp)


def _succeeded(queued: Queued, stamp: str, key: str | None = None) -> BatchLetter:
    key = key or document_key(queued.customer_id, queued.doc_type, parse_format(queued.format))
    return BatchLetter(
        letter_id(queued.batch_id, queued.customer_id),
        LETTER_SUCCEEDED,
        key=key,
        generated_at=stamp,
    )
