"""A stand-in for ``app.py`` with the batch pipeline's handlers, for the local workers' tests.

A real Chalice app with the decorators and names ``app.py`` uses; each handler records the
raw event it was given and answers what the test set in ``answers`` (None by default).
"""

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Rate

app = Chalice(app_name="fake-docgen")
calls: list[tuple[str, dict[str, Any]]] = []
"""(handler name, the event as Lambda sent it), in the order they came."""
answers: dict[str, Callable[[dict[str, Any]], Any]] = {}
"""What each handler answers (or raises), given its event; none set: it answers None."""


def _handle(name: str, event: Any) -> Any:
    raw = event.to_dict()
    calls.append((name, raw))
    answer = answers.get(name)
    return answer(raw) if answer else None


@app.on_sqs_message(queue="docgen-batch-plans", batch_size=1)
def plan_batches(event: Any) -> Any:
    return _handle("plan_batches", event)


@app.on_sqs_message(queue="docgen-letters", batch_size=10, maximum_concurrency=10)
def write_letters(event: Any) -> Any:
    return _handle("write_letters", event)


@app.on_sqs_message(queue="docgen-letters-dlq", batch_size=10)
def fail_dead_letters(event: Any) -> Any:
    return _handle("fail_dead_letters", event)


@app.on_sqs_message(queue="docgen-batch-finishes", batch_size=1)
def finish_batches(event: Any) -> Any:
    return _handle("finish_batches", event)


@app.on_sqs_message(queue="docgen-webhooks", batch_size=1)
def deliver_webhooks(event: Any) -> Any:
    return _handle("deliver_webhooks", event)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_batches(event: Any) -> Any:
    return _handle("sweep_batches", event)
