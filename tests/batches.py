"""Driving the batch pipeline in tests: SQS events as SQS delivers them, from moto's queues,
to the app's handlers through ``chalice.test.Client``."""

import json
from collections.abc import Iterator
from typing import Any

from chalice.test import Client

from tests.support import JSON

BATCHES = "/batches"


def received(queue: Any, limit: int = 10) -> list[Any]:
    return queue.receive_messages(MaxNumberOfMessages=limit, AttributeNames=["All"])


def sqs_event(messages: list[Any]) -> dict[str, Any]:
    """A Lambda SQS event of ``messages`` as SQS delivered them: their own message ids."""
    return {
        "Records": [
            {
                "messageId": message.message_id,
                "receiptHandle": message.receipt_handle,
                "body": message.body,
                "attributes": message.attributes,
                "messageAttributes": {},
                "md5OfBody": message.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:docgen-test",
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }


def drain(client: Client, queue: Any, handler: str, batch_size: int) -> Iterator[Any]:
    """Deliver every message of ``queue`` to ``handler``, deleting the ones it handled;
    yields each answer."""
    while messages := received(queue, batch_size):
        answer = client.lambda_.invoke(handler, sqs_event(messages)).payload
        failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        for message in messages:
            if message.message_id not in failed:
                message.delete()
        yield answer
        if failed:
            return


def start(client: Client, **request: Any) -> Any:
    return client.http.post(BATCHES, headers=JSON, body=json.dumps(request))
