"""The app's queue and schedule handlers, run against moto's server as Lambda runs them.

``chalice local`` serves HTTP only. This polls each queue that a handler of the app reads
(``@app.on_sqs_message``), hands each page of messages to that handler as the SQS event
Lambda sends, and deletes what it finished: every message, unless it answers a partial batch
response (``{"batchItemFailures": [{"itemIdentifier": <messageId>}]}``), whose messages stay
and are offered again once their visibility timeout passes; none if it raises, or names a
message it was not given (as Lambda does). moto moves a message received as often as its
queue's redrive policy allows to the dead-letter queue, as SQS does. Each scheduled handler
(``@app.schedule``) runs every ``sweep_seconds``, with a scheduled event.

One thread handles one page at a time, as one Lambda container would: moto's server answers
one request at a time anyway (``tools.serial_emulator``). ``ReceiveMessage`` never long-polls
(``WaitTimeSeconds`` 0): the server would hold its only request slot for the wait and stall
every API call behind it, so the loop sleeps instead when every queue came back empty.
moto's ``ReceiveMessage`` and ``DeleteMessageBatch`` walk every message queued, so with
thousands queued each call grows slow: a round asks each queue for one handler's batch only,
and makes no call per message, only one ``DeleteMessageBatch`` per page.

``python -m tools.local_workers --project DIR --endpoint URL`` runs them until SIGTERM or
SIGINT (``tools.local_stack`` starts it beside ``chalice local``); :func:`running` runs them on
a thread, for tests.
"""

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from tools.queues import declared_queues
from tools.stack import emulator_sqs, function_timeout

LOG = logging.getLogger("docgen.local_workers")
STAGE = "local"
ACCOUNT = "123456789012"
"""moto's default account, which its queue URLs and ARNs name."""
VISIBILITY_TIMEOUT_SECONDS = 5
"""How long a received message stays hidden: a message that failed is offered again this
soon, not after the deployed queue's six worker timeouts, so a retry shows locally."""
IDLE_SECONDS = 0.5
"""The pause after a round in which every queue was empty."""
SWEEP_SECONDS = 30.0
"""How often the scheduled handlers run locally (the deployed sweep runs every 5 minutes)."""


@dataclass(frozen=True)
class Feed:
    """A queue on the emulator, and the app's handler that reads it."""

    handler: str
    batch_size: int
    url: str
    arn: str


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One received message as a record of the SQS event Lambda sends."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def scheduled_event(handler: str, region: str, now: datetime) -> dict[str, Any]:
    """The event EventBridge sends a function on a schedule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/docgen-{STAGE}-{handler}"],
        "detail": {},
    }


def failed_ids(answer: Any, message_ids: list[str]) -> set[str] | None:
    """The ids a handler's answer reports failed; None if it names one it was not given."""
    if not isinstance(answer, dict):
        return set()
    failed = {item.get("itemIdentifier") for item in answer.get("batchItemFailures") or []}
    return failed if failed <= set(message_ids) else None


@cache
def timeout_ms(handler: str) -> int:
    """The function's timeout on the local stage, read once: the loop runs on."""
    return function_timeout(STAGE, handler) * 1000


def lambda_context(handler: str) -> Any:
    """Chalice local's stand-in for Lambda's context, counting down the function's timeout."""
    from chalice.local import LambdaContext

    return LambdaContext(f"docgen-{STAGE}-{handler}", 128, max_runtime_ms=timeout_ms(handler))


def event_sources(app: Any, kind: str) -> dict[str, Any]:
    """The app's event sources of ``kind`` (Chalice's config class name), by handler name."""
    return {source.name: source for source in app.event_sources if type(source).__name__ == kind}


class Workers:
    """The handlers of ``module.app`` that read the template's queues, fed from the emulator
    through ``sqs``, and its scheduled handlers."""

    def __init__(
        self,
        module: ModuleType,
        sqs: Any,
        visibility_timeout: int = VISIBILITY_TIMEOUT_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self.module, self.sqs, self.region = module, sqs, sqs.meta.region_name
        self.visibility_timeout = visibility_timeout
        self.idle_seconds, self.sweep_seconds = idle_seconds, sweep_seconds
        readers = event_sources(module.app, "SQSEventConfig")
        self.feeds = []
        for queue in declared_queues().values():
            source = readers.get(queue.handler) if queue.handler else None
            if queue.handler and source is None:
                LOG.info("no %s in the app: %s is not read", queue.handler, queue.name)
            elif source is not None:
                self.feeds.append(self._feed(queue.handler, queue.name, source.batch_size))
        self.sweeps = list(event_sources(module.app, "ScheduledEventConfig"))
        if not self.sweeps:
            LOG.info("no scheduled handler in the app: nothing is swept")

    def _feed(self, handler: str, queue: str, batch_size: int) -> Feed:
        url = self.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return Feed(handler, batch_size, url, attributes["Attributes"]["QueueArn"])

    def poll(self, feed: Feed) -> int:
        """Receive one page for ``feed``'s handler, hand it over, delete what it finished;
        return how many messages came."""
        messages = self.sqs.receive_message(
            QueueUrl=feed.url,
            MaxNumberOfMessages=feed.batch_size,
            WaitTimeSeconds=0,
            VisibilityTimeout=self.visibility_timeout,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [lambda_record(m, feed.arn, self.region) for m in messages]}
        ids = [message["MessageId"] for message in messages]
        try:
            answer = getattr(self.module, feed.handler)(event, lambda_context(feed.handler))
        except Exception:
            LOG.exception("%s raised: its %d messages stay", feed.handler, len(ids))
            return len(ids)
        failed = failed_ids(answer, ids)
        if failed is None:
            LOG.error("%s reported a message it was not given: all stay", feed.handler)
            return len(ids)
        done = [m["ReceiptHandle"] for m in messages if m["MessageId"] not in failed]
        if done:
            entries = [{"Id": str(n), "ReceiptHandle": handle} for n, handle in enumerate(done)]
            answer = self.sqs.delete_message_batch(QueueUrl=feed.url, Entries=entries)
            for failure in answer.get("Failed", []):
                LOG.error("could not delete a message %s read: %s", feed.handler, failure)
        return len(ids)

    def sweep(self) -> None:
        """Run every scheduled handler once."""
        for name in self.sweeps:
            event = scheduled_event(name, self.region, datetime.now(UTC))
            try:
                getattr(self.module, name)(event, lambda_context(name))
            except Exception:
                LOG.exception("%s raised", name)

    def run(self, stop: threading.Event) -> None:
        """Poll every queue in turn, sweeping every ``sweep_seconds``, until ``stop`` is set."""
        next_sweep = time.monotonic() + self.sweep_seconds
        while not stop.is_set():
            received = sum(self.poll(feed) for feed in self.feeds)
            if time.monotonic() >= next_sweep:
                self.sweep()
                next_sweep = time.monotonic() + self.sweep_seconds
            if not received:
                stop.wait(self.idle_seconds)


@contextmanager
def running(workers: Workers) -> Iterator[Workers]:
    """``workers`` running on a thread until the block ends, which waits for the page in hand."""
    stop = threading.Event()
    thread = threading.Thread(target=workers.run, args=(stop,), name="docgen-local-workers")
    thread.start()
    try:
        yield workers
    finally:
        stop.set()
        thread.join()


def load_project(project: Path) -> ModuleType:
    """``project``'s ``app`` module, imported with its local stage's environment, as
    ``chalice local`` serves it."""
    config = json.loads((project / ".chalice" / "config.json").read_text())
    os.environ.update(config.get("environment_variables", {}))
    os.environ.update(config["stages"][STAGE].get("environment_variables", {}))
    sys.path.insert(0, str(project))
    return importlib.import_module("app")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="the folder of app.py")
    parser.add_argument("--endpoint", required=True, help="moto's server: http://127.0.0.1:PORT")
    parser.add_argument("--sweep-seconds", type=float, default=SWEEP_SECONDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="local workers: %(message)s")
    stop = threading.Event()

    def stop_on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()  # the page in hand finishes; Process.stop kills what takes too long

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop_on_signal)
    module = load_project(args.project.resolve())
    sqs = emulator_sqs(args.endpoint, os.environ["AWS_DEFAULT_REGION"])
    workers = Workers(module, sqs, sweep_seconds=args.sweep_seconds)
    for feed in workers.feeds:
        LOG.info("%s reads %s", feed.handler, feed.url)
    for name in workers.sweeps:
        LOG.info("%s runs every %g s", name, args.sweep_seconds)
    workers.run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
