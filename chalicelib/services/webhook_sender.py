"""Sending a finished batch's webhook: signed, to a checked address, again with growing
delays for up to 24 hours, and its state kept on the batch.

SQS delays a message by at most 15 minutes, so a longer wait goes round the queue again
until its time (``due``); each attempt checks the URL afresh (a name may since resolve to a
private address) and signs afresh, with the same message id, so a receiver can drop
repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.batches import WEBHOOK_DELIVERED, WEBHOOK_FAILED, WEBHOOK_PENDING, Batch
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.webhooks import (
    check_url,
    delay_before_attempt,
    finished_body,
    signed_headers,
)
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.storage import BatchStore, Queues

MAX_QUEUE_DELAY_SECONDS = 900


class WebhookSender:
    def __init__(
        self,
        batches: Callable[[], BatchStore],
        queues: Queues,
        show: Callable[[Batch], dict[str, Any]],
        deliver: Callable[..., Any],
        allow_loopback_http: Callable[[], bool],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._batches = batches
        self.queues = queues
        self.show = show
        """The batch resource, as ``GET /batches/{batchId}`` answers it."""
        self.deliver = deliver
        """``adapters.webhooks.deliver``: one attempt, to the checked, pinned address."""
        self.allow_loopback_http = allow_loopback_http
        self.clock = clock

    def send(self, message: Mapping[str, Any]) -> str | None:
        """One attempt at ``message`` (``batchId``, ``attempt``, ``due``); the webhook's
        state after it, or ``None`` if there was nothing to send."""
        now = int(self.clock().timestamp())
        due = int(message.get("due", 0))
        if due > now:  # not yet: once more round the queue
            self._queue(message, due - now)
            return WEBHOOK_PENDING
        batches = self._batches()
        batch = batches.get(message["batchId"])
        if batch is None or batch.webhook is None or batch.webhook["status"] != WEBHOOK_PENDING:
            return None
        attempt = int(message["attempt"])
        try:
            url = check_url(batch.webhook["url"], self.allow_loopback_http())
        except InvalidInput:
            return self._settle(batch, WEBHOOK_FAILED)
        body = finished_body(self.show(batch))
        headers = signed_headers(batch.webhook_secret or "", f"msg_{batch.batch_id}", now, body)
        result = self.deliver(url, body, headers)
        if result.delivered:
            return self._settle(batch, WEBHOOK_DELIVERED)
        delay = delay_before_attempt(attempt + 1) if result.retryable else None
        if delay is None:
            return self._settle(batch, WEBHOOK_FAILED)
        self._queue({"batchId": batch.batch_id, "attempt": attempt + 1, "due": now + delay}, delay)
        return WEBHOOK_PENDING

    def _queue(self, message: Mapping[str, Any], delay: int) -> None:
        self.queues.send("webhooks", [message], min(delay, MAX_QUEUE_DELAY_SECONDS))

    def _settle(self, batch: Batch, status: str) -> str:
        self._batches().set_webhook(batch.batch_id, {**dict(batch.webhook or {}), "status": status})
        return status
