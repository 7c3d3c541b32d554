"""Batch throughput: the letter worker against a client looping over the generate route.

Both run on the in-memory twins (``chalicelib.adapters.memory``, ``memory_batches``) behind
the same simulated 10 ms per AWS call: in-process moto costs about 25 ms of CPU per letter
under the GIL and would measure only moto. The worker runs as Lambda would run it on the
letter queue: ``WORKERS`` concurrent invocations, each an SQS batch of ten messages. Run
alone (``python -m bench.batches``) it prints JSON; ``python -m bench`` runs it in a fresh
interpreter.
"""

import json
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

from bench import children
from bench.report import Row
from chalicelib.adapters.memory import InMemoryDocumentStore, InMemoryRepository
from chalicelib.adapters.memory_batches import InMemoryBatches, InMemoryQueues
from chalicelib.api.errors import error_body
from chalicelib.domain.documents import parse_format
from chalicelib.services.batches import BatchService
from chalicelib.services.letter_worker import LetterWorker, Queued
from chalicelib.services.letters import LetterService
from chalicelib.services.planner import Planner

LETTERS = 2000
WORKERS = 16
"""The letter worker's concurrency (``maximum_concurrency``)."""
SQS_BATCH = 10
DELAY_SECONDS = 0.010
"""Simulated per AWS call: a same-region round trip, on the generous side."""
CLIENT_LETTERS = 100
"""The looping client is slow: a hundred letters give its rate."""
AWS_CALLS = {
    "get_customer_and_template", "put", "read_for_letters", "begin", "settle", "get", "head",
    "mark_finishing",
}  # fmt: skip
"""The twins' methods that stand for one AWS call each."""
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Delayed:
    """``target``, each AWS call taking ``DELAY_SECONDS`` (a sleep: the GIL is free) and
    counted."""

    def __init__(self, target: Any, counter: list[int]) -> None:
        self._target = target
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name not in AWS_CALLS:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._counter.append(1)
            time.sleep(DELAY_SECONDS)
            return attribute(*args, **kwargs)

        return call


def _stack(count: int) -> tuple[InMemoryRepository, InMemoryDocumentStore, InMemoryBatches]:
    repository = InMemoryRepository()
    repository.items["D#Welcome"] = {"PK": "D#Welcome", "data": "Thank you for joining us.\n"}
    for number in range(count):
        key = f"C#c{number:05d}"
        repository.items[key] = {"PK": key, "data": f"Customer {number}"}
    return repository, InMemoryDocumentStore(), InMemoryBatches(repository.items)


def worker_throughput() -> dict[str, float]:
    """Letters per second and AWS calls per letter of ``WORKERS`` letter workers."""
    repository, store, batches = _stack(LETTERS)
    queues = InMemoryQueues()
    service = BatchService(repository, lambda: batches, queues, store, clock=lambda: NOW)
    ids = [f"c{number:05d}" for number in range(LETTERS)]
    batch_id = service.start(None, {"docType": "Welcome", "allCustomers": True}).value["batchId"]
    Planner(lambda: batches, repository, queues, clock=lambda: NOW).plan(batch_id)
    messages = [Queued.of(str(n), body) for n, body in enumerate(queues.sent["letters"])]
    counter: list[int] = []
    letters = LetterService(repository, Delayed(store, counter), clock=lambda: NOW)
    worker = LetterWorker(
        lambda: Delayed(batches, counter), letters, queues, error_body, clock=lambda: NOW
    )
    work: queue.Queue = queue.Queue()
    for start in range(0, len(messages), SQS_BATCH):
        work.put(messages[start : start + SQS_BATCH])

    def run() -> None:
        while True:
            try:
                batch = work.get_nowait()
            except queue.Empty:
                return
            if worker.run(batch):
                raise RuntimeError("a letter was left to retry")

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    done = batches.get(batch_id)
    if done is None or done.succeeded != len(ids):
        raise RuntimeError(f"the batch made {done and done.succeeded} letters, not {len(ids)}")
    return {"letters_per_second": len(ids) / seconds, "calls_per_letter": len(counter) / len(ids)}


def client_throughput() -> dict[str, float]:
    """Letters per second of one client looping over the generate route's service."""
    repository, store, _ = _stack(CLIENT_LETTERS)
    counter: list[int] = []
    letters = LetterService(Delayed(repository, counter), Delayed(store, counter))
    txt = parse_format("txt")
    started = time.perf_counter()
    for number in range(CLIENT_LETTERS):
        letters.generate(f"c{number:05d}", "Welcome", txt)
    seconds = time.perf_counter() - started
    return {
        "letters_per_second": CLIENT_LETTERS / seconds,
        "calls_per_letter": len(counter) / CLIENT_LETTERS,
    }


GOAL_LETTERS_PER_SECOND = 500


def rows() -> list[Row]:
    """The batch rows of ``python -m bench``, measured in a fresh interpreter."""
    measured = children.figures(["-m", "bench.batches"])
    worker, client = measured["worker"], measured["client"]
    rate = worker["letters_per_second"]
    return [
        Row(
            f"batch letters/s: {WORKERS} workers, SQS batches of {SQS_BATCH}, "
            f"{DELAY_SECONDS * 1000:.0f} ms per AWS call (baseline: a client looping over "
            "generate; the ratio is of the time per letter)",
            f"{rate:.0f}/s",
            f"{client['letters_per_second']:.0f}/s",
            client["letters_per_second"] / rate,
            f">= {GOAL_LETTERS_PER_SECOND}/s",
            rate >= GOAL_LETTERS_PER_SECOND,
        ),
        Row(
            "AWS calls per batch letter (baseline: generate)",
            f"{worker['calls_per_letter']:.2f}",
            f"{client['calls_per_letter']:.2f}",
            worker["calls_per_letter"] / client["calls_per_letter"],
            "-",
            None,
        ),
    ]


if __name__ == "__main__":
    print(json.dumps({"worker": worker_throughput(), "client": client_throughput()}))
