"""The batch pipeline's queues, through lazily built boto3 ``Queue`` resources.

Messages are JSON. ``send`` goes ten to a ``SendMessageBatch`` (SQS's limit) and sends again
what SQS reports as failed, so a caller either has every message queued or an
``Unavailable``; a message sent twice is harmless, as every consumer is idempotent.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.adapters.aws import Lazy, queue, required_env, unavailable_on_aws_faults
from chalicelib.domain.errors import Unavailable

SEND_BATCH = 10
"""SendMessageBatch's limit on entries."""
MAX_DELAY_SECONDS = 900
"""SQS's longest delay on a message."""
_ATTEMPTS = 3

QUEUE_SETTINGS = {
    "plans": "BATCH_PLAN_QUEUE_URL",
    "letters": "LETTER_QUEUE_URL",
    "finishes": "FINISH_QUEUE_URL",
    "webhooks": "WEBHOOK_QUEUE_URL",
}
"""Each queue, and the setting that holds its URL."""


class SQSQueues:
    """The queues named by ``QUEUE_SETTINGS``, or the ``queues`` given (tests)."""

    def __init__(self, queues: Mapping[str, Any] | None = None) -> None:
        self._queues = {
            name: (
                Lazy.ready(queues[name])
                if queues is not None
                else Lazy(lambda setting=setting: queue(required_env(setting)))
            )
            for name, setting in QUEUE_SETTINGS.items()
        }

    def depth(self, name: str) -> int:
        """About how many messages ``name`` holds, waiting or being worked on."""
        attributes = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        target = self._queues[name].get()
        with unavailable_on_aws_faults("SQS"):
            target.reload()
        return sum(int(target.attributes.get(attribute, 0)) for attribute in attributes)

    def send(self, name: str, bodies: Sequence[Mapping[str, Any]], delay_seconds: int = 0) -> None:
        """Queue every body on ``name``, ten per call."""
        target = self._queues[name].get()
        for start in range(0, len(bodies), SEND_BATCH):
            entries = {
                str(index): {
                    "Id": str(index),
                    "MessageBody": json.dumps(body, separators=(",", ":")),
                    "DelaySeconds": min(delay_seconds, MAX_DELAY_SECONDS),
                }
                for index, body in enumerate(bodies[start : start + SEND_BATCH])
            }
            for _ in range(_ATTEMPTS):
                with unavailable_on_aws_faults("SQS"):
                    response = target.send_messages(Entries=list(entries.values()))
                failed = response.get("Failed", [])
                if any(failure.get("SenderFault") for failure in failed):
                    raise RuntimeError(f"SQS refused a message: {failed[0].get('Code')}")
                entries = {failure["Id"]: entries[failure["Id"]] for failure in failed}
                if not entries:
                    break
            else:
                raise Unavailable("SQS")
