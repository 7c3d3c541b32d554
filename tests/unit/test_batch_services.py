"""The batch services on the in-memory twins: planning, writing and finishing, each step
replayed as SQS may replay it, with no AWS at all."""

import sys
import threading
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.memory import InMemoryDocumentStore, InMemoryRepository
from chalicelib.adapters.memory_batches import InMemoryBatches, InMemoryQueues
from chalicelib.api.errors import error_body
from chalicelib.services.batches import BatchService
from chalicelib.services.finisher import Finisher
from chalicelib.services.letter_worker import LetterWorker, Queued
from chalicelib.services.letters import LetterService
from chalicelib.services.planner import Planner

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TEXT = "Thank you for joining us.\n"


class Twins:
    """A table with ``count`` customers and a template, a bucket, queues, and the services."""

    def __init__(self, count: int) -> None:
        self.repository = InMemoryRepository()
        self.repository.items["D#Welcome"] = {"PK": "D#Welcome", "data": TEXT}
        self.ids = [f"c{number:03d}" for number in range(count)]
        for customer_id in self.ids:
            self.repository.items[f"C#{customer_id}"] = {
                "PK": f"C#{customer_id}",
                "data": customer_id,
            }
        self.store = InMemoryDocumentStore()
        self.batches = InMemoryBatches(self.repository.items)
        self.queues = InMemoryQueues()
        self.letters = LetterService(self.repository, self.store, clock=lambda: NOW)
        self.service = BatchService(
            self.repository, lambda: self.batches, self.queues, self.store, clock=lambda: NOW
        )

    def start(self, **body: object) -> str:
        return self.service.start(None, {"docType": "Welcome", **body}).value["batchId"]

    def plan(self, batch_id: str, seconds: float = 30.0) -> None:
        Planner(lambda: self.batches, self.repository, self.queues, lambda: NOW, seconds).plan(
            batch_id
        )

    def letter_messages(self) -> list[Queued]:
        sent = self.queues.sent.get("letters", [])
        return [Queued.of(f"m{number}", body) for number, body in enumerate(sent)]

    def worker(self, minutes: int = 0) -> LetterWorker:
        return LetterWorker(
            lambda: self.batches, self.letters, self.queues, error_body,
            clock=lambda: NOW + timedelta(minutes=minutes),
        )  # fmt: skip


def test_every_customer_gets_one_letter_and_the_batch_ends_once() -> None:
    twins = Twins(25)
    batch_id = twins.start(allCustomers=True, output={"zip": False})
    twins.plan(batch_id)
    messages = twins.letter_messages()
    assert sorted(message.customer_id for message in messages) == twins.ids
    for start in range(0, len(messages), 10):
        assert twins.worker().run(messages[start : start + 10]) == []
    batch = twins.batches.get(batch_id)
    assert (batch.status, batch.total, batch.succeeded, batch.failed) == ("running", 25, 25, 0)
    assert twins.queues.sent["finishes"] == [{"batchId": batch_id}]
    assert twins.store.objects["c007/Welcome.txt"][0] == b"Dear c007;\n" + TEXT.encode()
    finisher = Finisher(
        lambda: twins.batches, lambda: twins.store, lambda: twins.store, twins.queues, lambda: NOW
    )
    assert finisher.finish(batch_id).status == "succeeded"
    assert finisher.finish(batch_id) is None  # replayed: it ended already


def test_a_replayed_planner_queues_no_page_it_did_not_write() -> None:
    twins = Twins(250)
    batch_id = twins.start(allCustomers=True)
    twins.plan(batch_id, seconds=0)  # hands on before its first page
    assert twins.queues.sent["plans"] == [{"batchId": batch_id}, {"batchId": batch_id}]
    assert twins.batches.get(batch_id).plan == {}
    twins.plan(batch_id)
    twins.plan(batch_id)  # replayed after it finished: nothing more
    planned = [message.customer_id for message in twins.letter_messages()]
    assert sorted(planned) == twins.ids
    assert twins.batches.get(batch_id).total == 250


def test_a_listed_customer_that_does_not_exist_fails_alone() -> None:
    twins = Twins(2)
    batch_id = twins.start(customerIds=["c000", "ghost", "c001"])
    twins.plan(batch_id)
    assert twins.worker().run(twins.letter_messages()) == []
    batch = twins.batches.get(batch_id)
    assert (batch.succeeded, batch.failed) == (2, 1)
    failed = twins.batches.letters(batch_id, ["ghost"])["ghost"]
    assert failed.error == {"Code": "NotFoundError", "Message": "customer ghost does not exist"}


def test_a_paced_planner_hands_on_while_the_letter_queue_is_full() -> None:
    twins = Twins(150)
    batch_id = twins.start(allCustomers=True)
    planner = Planner(lambda: twins.batches, twins.repository, twins.queues, lambda: NOW,
                      ahead=lambda: 100)  # fmt: skip
    planner.plan(batch_id)
    assert len(twins.queues.sent["letters"]) == 100  # one page, then the queue was full
    assert twins.queues.sent["plans"] == [{"batchId": batch_id}, {"batchId": batch_id}]
    twins.queues.sent["letters"].clear()  # the workers took them
    planner.plan(batch_id)
    assert len(twins.queues.sent["letters"]) == 50
    assert twins.batches.get(batch_id).total == 150


def test_letter_workers_on_threads_lose_no_count() -> None:
    """The bench runs 16 workers on one twin: each write there is whole, as on DynamoDB."""
    twins = Twins(400)
    batch_id = twins.start(allCustomers=True, output={"zip": False})
    twins.plan(batch_id)
    messages = twins.letter_messages()
    pending = [messages[start : start + 10] for start in range(0, len(messages), 10)]
    left: list[list[str]] = []

    def work() -> None:
        while pending:
            try:
                batch = pending.pop()
            except IndexError:
                return
            left.append(twins.worker().run(batch))

    threads = [threading.Thread(target=work) for _ in range(16)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as CPython will
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    batch = twins.batches.get(batch_id)
    assert (batch.succeeded, batch.failed, sum(map(len, left))) == (400, 0, 0)
