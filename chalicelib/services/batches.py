"""Batches as the API sees them: start one, read it, list them, list its letters, cancel it.

Starting a batch checks everything a person could get wrong (the ids, the format, the
outputs, the webhook URL, the template and its version) before anything is written; then
one transaction stores the batch and one message asks the planner to queue its letters
(``chalicelib.services.batch_pipeline``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.batches import (
    ACCEPTED,
    CANCELLED,
    KEPT_DAYS,
    LETTER_STATUSES,
    Batch,
    BatchLetter,
    batch_id_for,
    day_of,
    days_back,
)
from chalicelib.domain.documents import iso_utc, parse_format
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.model import to_json
from chalicelib.domain.paging import NEXT_RULE, Page, PageRequest
from chalicelib.domain.records import Template
from chalicelib.domain.rules import require_identifier
from chalicelib.services.answers import Answer
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.idempotency import IdempotentRequest
    from chalicelib.domain.storage import BatchStore, DocumentStore, Queues, Repository
    from chalicelib.services.idempotency import IdempotencyService

ACCEPTED_STATUS = 202
_CURSOR = re.compile("[0-9]{1,9}-[0-9]{1,9}")
_PAGES_PER_LIST = 10
"""Plan pages one list request reads at most before it answers with what it found."""


class BatchService:
    def __init__(
        self,
        repository: Repository,
        batches: Callable[[], BatchStore],
        queues: Queues,
        store: DocumentStore,
        clock: Callable[[], datetime] = utc_now,
        webhook_check: Callable[[str], str] | None = None,
        idempotency: IdempotencyService | None = None,
    ) -> None:
        self.repository = repository
        self._batches = batches
        self.queues = queues
        self.store = store
        self.clock = clock
        self.webhook_check = webhook_check
        """The URL, checked (syntax and every address it resolves to); a 400 if refused."""
        self._idempotency = idempotency

    @property
    def batches(self) -> BatchStore:
        return self._batches()

    @property
    def idempotency(self) -> IdempotencyService:
        if self._idempotency is None:
            from chalicelib.services.idempotency import IdempotencyService

            self._idempotency = IdempotencyService(self.repository, self.clock)
        return self._idempotency

    # Starting

    def start(self, once: IdempotentRequest | None, body: Mapping[str, Any]) -> Answer[dict]:
        """Check ``body`` (a ``BatchBody``), store the batch and queue its planning; with an
        ``Idempotency-Key``, once per key."""
        webhook_url = None
        if "webhook" in body and self.webhook_check is not None:
            webhook_url = self.webhook_check(body["webhook"]["url"])
        if once is None:
            return Answer(self._start(body, webhook_url), ACCEPTED_STATUS)
        return self.idempotency.run(
            once, ACCEPTED_STATUS, lambda: self._start(body, webhook_url), _Remembered()
        )

    def _start(self, body: Mapping[str, Any], webhook_url: str | None) -> dict[str, Any]:
        import secrets

        from chalicelib.domain.webhooks import new_secret

        template = self._template(body["docType"], body.get("templateVersion"))
        now = self.clock()
        secret = None if webhook_url is None else new_secret()
        output = body.get("output", {})
        batch = Batch(
            batch_id=batch_id_for(now, secrets.token_hex(4)),
            status=ACCEPTED,
            doc_type=template.doc_type,
            format=parse_format(body.get("format")).name,
            template_version=template.version,
            letterhead=template.letterhead,
            created_at=iso_utc(now),
            updated_at=iso_utc(now),
            wanted={"zip": bool(output.get("zip")), "pdf": bool(output.get("pdf"))},
            customer_ids=list(body["customerIds"]) if "customerIds" in body else None,
            webhook=None if webhook_url is None else {"url": webhook_url, "status": "pending"},
            webhook_secret=secret,
            expires_at=int((now + timedelta(days=KEPT_DAYS)).timestamp()),
        )
        self.batches.create(batch)
        self.queues.send("plans", [{"batchId": batch.batch_id}])
        shown = self.shown(batch)
        if secret is not None:
            shown["webhook"] = {**shown["webhook"], "secret": secret}  # given once, here
        return shown

    def _template(self, doc_type: str, version: int | None) -> Template:
        """The template every letter is made from: the current one, or the pinned version."""
        require_identifier("docType", doc_type)
        if version is None:
            template = self.repository.get(Template, doc_type)
            if template is None:
                raise NotFound(f"template {doc_type} does not exist")
            return template
        template = self.repository.get_version(doc_type, version)
        if template is None:
            from chalicelib.domain.versions import no_such_version

            raise no_such_version(doc_type, version)
        return template

    # Reading

    def get(self, batch_id: str) -> dict[str, Any]:
        return self.shown(self._batch(batch_id))

    def _batch(self, batch_id: str) -> Batch:
        require_identifier("batchId", batch_id)
        batch = self.batches.get(batch_id)
        if batch is None:
            raise NotFound(f"batch {batch_id} does not exist")
        return batch

    def list(self, request: PageRequest) -> Page[dict[str, Any]]:
        """Batches newest first: the ids of the days they may be from (one read), then the
        page's batches (one more)."""
        after = request.after_in("")
        days = days_back(self.clock())
        if after is not None:
            days = [day for day in days if day <= day_of(after)]
        ids = sorted(self.batches.ids_on(days), reverse=True)
        if after is not None:
            ids = [batch_id for batch_id in ids if batch_id < after]
        page = ids[: request.limit]
        found = self.batches.get_many(page) if page else {}
        shown = [self.shown(found[batch_id]) for batch_id in page if batch_id in found]
        return Page(shown, page[-1] if len(ids) > request.limit else None)

    def letters(self, batch_id: str, status: str | None, request: PageRequest) -> Page[BatchLetter]:
        """The batch's letters that have an outcome (``status``: those with that one), in
        the order they were queued, a few plan pages per call."""
        if status is not None and status not in LETTER_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(LETTER_STATUSES)}")
        batch = self._batch(batch_id)
        number, offset = _position(request.after_in(""))
        found: list[BatchLetter] = []
        pages = batch.plan.get("pages", 0)
        for _ in range(_PAGES_PER_LIST):
            if number >= pages:
                return Page(found, None)
            plan = self.batches.plan_page(batch_id, number)
            ids = [] if plan is None else plan.customer_ids
            records = self.batches.letters(batch_id, ids[offset:])
            for index in range(offset, len(ids)):
                letter = records.get(ids[index])
                if letter is None or letter.status not in LETTER_STATUSES:
                    continue
                if status is None or letter.status == status:
                    found.append(letter)
                    if len(found) == request.limit:
                        return Page(found, f"{number}-{index + 1}")
            number, offset = number + 1, 0
        return Page(found, f"{number}-0" if number < pages else None)

    def cancel(self, batch_id: str) -> dict[str, Any]:
        """Stop the batch: letters not yet written are not written. A batch already over is
        answered as it is."""
        require_identifier("batchId", batch_id)
        batch = self.batches.cancel(batch_id, iso_utc(self.clock()))
        if batch is None:
            raise NotFound(f"batch {batch_id} does not exist")
        if batch.status == CANCELLED and batch.finishing_since is None:
            self.queues.send("finishes", [{"batchId": batch_id}])  # outputs and webhook
        return self.shown(batch)

    def shown(self, batch: Batch) -> dict[str, Any]:
        """The batch resource: its outputs with fresh links."""
        shown = to_json(batch)
        now = self.clock()
        shown["outputs"] = {
            name: None if stored is None else self._signed(stored, now)
            for name, stored in batch.outputs.items()
        }
        return shown

    def _signed(self, stored: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        url, expires = self.store.presign(stored["key"], now, stored.get("versionId"))
        signed = {"url": url, "urlExpiresAt": iso_utc(expires), "size": stored["size"]}
        if "parts" in stored:  # a merged PDF too long for one file
            signed["parts"] = [self._signed(part, now) for part in stored["parts"]]
        return signed


def _position(cursor: str | None) -> tuple[int, int]:
    """A list's cursor, ``<page>-<offset>``, as numbers."""
    if cursor is None:
        return 0, 0
    if not _CURSOR.fullmatch(cursor):
        raise InvalidInput(NEXT_RULE)
    page, _, offset = cursor.partition("-")
    return int(page), int(offset)


class _Remembered:
    """A started batch as its key's record keeps it: the 202's body, secret included (a
    client that lost the first answer needs it); its output links are not signed yet."""

    def remember(self, shown: dict[str, Any]) -> dict[str, Any]:
        return shown

    def recall(self, answer: dict[str, Any]) -> dict[str, Any]:
        return answer
