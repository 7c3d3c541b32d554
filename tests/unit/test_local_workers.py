"""The local workers (``tools/local_workers.py``) against moto's server on 127.0.0.1.

The app is ``tests/fake_batch_app.py``: real Chalice handlers with ``app.py``'s names, which
record each event and answer as a test says. The queues are the template's, created as
``make run`` creates them; a message failed is offered again after 1 s here.
"""

import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
import requests
from chalice import Chalice
from pytest_socket import socket_allow_hosts

from tests import fake_batch_app
from tools.local_stack import HOST, Process, StartupError, free_ports
from tools.local_workers import Workers, running
from tools.queues import create_queues
from tools.stack import PROJECT_DIR, emulator_environment, emulator_sqs

pytestmark = pytest.mark.enable_socket
REGION = "us-east-1"
WAIT_SECONDS = 30.0
Event = dict[str, Any]


@pytest.fixture(autouse=True)
def _loopback_only() -> None:
    socket_allow_hosts([HOST])


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    """moto's server, as ``make run`` starts it, on a free port: its URL."""
    socket_allow_hosts([HOST])  # before the first test's autouse fixture runs
    [port] = free_ports(1)
    command = [sys.executable, "-m", "tools.serial_emulator", "--port", str(port)]
    server = Process("moto's server", command, PROJECT_DIR, emulator_environment({}, REGION), None)
    url = f"http://{HOST}:{port}"
    try:
        with requests.Session() as http:
            http.trust_env = False
            server.wait_until_answering(http, f"{url}/moto-api/")
    except StartupError as error:
        server.stop()
        pytest.fail(str(error), pytrace=False)
    yield url
    server.stop()


@pytest.fixture
def sqs(emulator: str) -> Any:
    """A client for the emulator, emptied and given the template's queues afresh."""
    with requests.Session() as http:
        http.trust_env = False
        http.post(f"{emulator}/moto-api/reset", timeout=5).raise_for_status()
    client = emulator_sqs(emulator, REGION)
    create_queues(client)
    return client


@pytest.fixture(autouse=True)
def fresh_app() -> Iterator[None]:
    fake_batch_app.calls.clear()
    fake_batch_app.answers.clear()
    yield
    fake_batch_app.answers.clear()


def workers(sqs: Any, module: ModuleType = fake_batch_app, sweep_seconds: float = 3600) -> Workers:
    return Workers(
        module, sqs, visibility_timeout=1, idle_seconds=0.05, sweep_seconds=sweep_seconds
    )


def url(sqs: Any, queue: str) -> str:
    return sqs.get_queue_url(QueueName=queue)["QueueUrl"]


def arn(sqs: Any, queue: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url(sqs, queue), AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def send(sqs: Any, queue: str, *bodies: str) -> dict[str, str]:
    """Send each body; return them by message id."""
    return {
        sqs.send_message(QueueUrl=url(sqs, queue), MessageBody=body)["MessageId"]: body
        for body in bodies
    }


def events(handler: str) -> list[Event]:
    return [event for name, event in fake_batch_app.calls if name == handler]


def records(handler: str) -> list[Event]:
    return [record for event in events(handler) for record in event["Records"]]


def queued(sqs: Any, queue: str) -> int:
    """Messages in ``queue``, visible or received and not deleted."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = sqs.get_queue_attributes(QueueUrl=url(sqs, queue), AttributeNames=names)
    return sum(int(found["Attributes"][name]) for name in names)


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "not within the wait"
        time.sleep(0.05)


def receive_counts(handler: str, body: str) -> list[str]:
    return [
        r["attributes"]["ApproximateReceiveCount"] for r in records(handler) if r["body"] == body
    ]


def fail_each(body: str, times: int) -> Callable[[Event], Event]:
    """An answer reporting ``body``'s message failed its first ``times`` receives."""

    def answer(event: Event) -> Event:
        return {
            "batchItemFailures": [
                {"itemIdentifier": record["messageId"]}
                for record in event["Records"]
                if record["body"] == body
                and int(record["attributes"]["ApproximateReceiveCount"]) <= times
            ]
        }

    return answer


def test_messages_reach_their_handler_as_lambdas_sqs_event_and_are_deleted(sqs: Any) -> None:
    letters = send(sqs, "docgen-letters", '{"n": 1}', '{"n": 2}', '{"n": 3}')
    plans = send(sqs, "docgen-batch-plans", '{"batch": "a"}', '{"batch": "b"}')
    with running(workers(sqs)):
        eventually(lambda: len(records("write_letters")) == 3 and len(records("plan_batches")) == 2)
        eventually(lambda: queued(sqs, "docgen-letters") + queued(sqs, "docgen-batch-plans") == 0)

    assert {r["messageId"]: r["body"] for r in records("write_letters")} == letters
    assert {r["messageId"]: r["body"] for r in records("plan_batches")} == plans
    assert [len(event["Records"]) for event in events("plan_batches")] == [1, 1]  # batch_size 1
    letters_arn = arn(sqs, "docgen-letters")
    for record in records("write_letters"):
        assert set(record) == {
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "eventSource",
            "eventSourceARN",
            "awsRegion",
        }
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324
        assert (record["eventSource"], record["eventSourceARN"]) == ("aws:sqs", letters_arn)
        assert record["awsRegion"] == REGION
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
        assert record["messageAttributes"] == {}


def test_message_attributes_arrive_as_lambda_names_them(sqs: Any) -> None:
    attributes = {"kind": {"DataType": "String", "StringValue": "letter"}}
    sqs.send_message(
        QueueUrl=url(sqs, "docgen-webhooks"), MessageBody="{}", MessageAttributes=attributes
    )
    with running(workers(sqs)):
        eventually(lambda: len(records("deliver_webhooks")) == 1)
    [record] = records("deliver_webhooks")
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "letter",
            "binaryValue": None,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert "md5OfMessageAttributes" in record


def test_a_reported_failure_is_offered_again_and_the_rest_deleted(sqs: Any) -> None:
    fake_batch_app.answers["write_letters"] = fail_each("retry", times=1)
    send(sqs, "docgen-letters", "ok", "retry")
    with running(workers(sqs)):
        eventually(lambda: receive_counts("write_letters", "retry") == ["1", "2"])
        eventually(lambda: queued(sqs, "docgen-letters") == 0)
    assert receive_counts("write_letters", "ok") == ["1"]


def test_a_message_failed_five_times_goes_to_the_dead_letter_queue_and_its_handler(
    sqs: Any,
) -> None:
    fake_batch_app.answers["write_letters"] = fail_each("poison", times=99)
    [message_id] = send(sqs, "docgen-letters", "poison")
    with running(workers(sqs)):
        eventually(lambda: len(records("fail_dead_letters")) == 1)
        eventually(lambda: queued(sqs, "docgen-letters-dlq") == 0)

    assert receive_counts("write_letters", "poison") == ["1", "2", "3", "4", "5"]
    [dead] = records("fail_dead_letters")
    assert (dead["messageId"], dead["body"]) == (message_id, "poison")
    assert dead["eventSourceARN"] == arn(sqs, "docgen-letters-dlq")
    assert queued(sqs, "docgen-letters") == 0


def raises(event: Event) -> Event:
    raise RuntimeError("throttled")


def names_another_message(event: Event) -> Event:
    return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}


@pytest.mark.parametrize(
    ("answer", "logged"),
    [
        (raises, "write_letters raised: its 2 messages stay"),
        (names_another_message, "write_letters reported a message it was not given: all stay"),
    ],
)
def test_a_failed_invocation_deletes_none_of_its_messages(
    sqs: Any, answer: Callable[[Event], Event], logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    def first_fails(event: Event) -> Event | None:
        return answer(event) if len(events("write_letters")) == 1 else None

    fake_batch_app.answers["write_letters"] = first_fails
    send(sqs, "docgen-letters", "a", "b")
    with running(workers(sqs)):
        eventually(lambda: queued(sqs, "docgen-letters") == 0)

    first, *again = [
        sorted((r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in event["Records"])
        for event in events("write_letters")
    ]
    assert first == [("a", "1"), ("b", "1")]
    # Both come back once more: in one receive, or in two when one's visibility ends first.
    assert sorted(record for page in again for record in page) == [("a", "2"), ("b", "2")]
    assert [r.getMessage() for r in caplog.records if r.name == "docgen.local_workers"] == [logged]


def test_the_sweep_runs_on_its_interval_with_a_scheduled_event(sqs: Any) -> None:
    with running(workers(sqs, sweep_seconds=0.2)):
        eventually(lambda: len(events("sweep_batches")) >= 2)
    event = events("sweep_batches")[0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["detail"] == {}
    assert event["resources"] == [
        f"arn:aws:events:{REGION}:123456789012:rule/docgen-local-sweep_batches"
    ]
    assert len({e["id"] for e in events("sweep_batches")}) == len(events("sweep_batches"))


def test_queues_without_a_handler_yet_are_skipped_with_one_line_each(
    sqs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    partial = ModuleType("partial_app")
    partial.app = Chalice(app_name="partial")

    @partial.app.on_sqs_message(queue="docgen-letters", batch_size=10)
    def write_letters(event: Any) -> None:
        partial.got = [record.body for record in event]

    partial.write_letters = write_letters
    caplog.set_level(logging.INFO, logger="docgen.local_workers")

    started = workers(sqs, partial)

    assert [feed.handler for feed in started.feeds] == ["write_letters"]
    assert started.sweeps == []
    assert [r.getMessage() for r in caplog.records] == [
        "no plan_batches in the app: docgen-batch-plans is not read",
        "no fail_dead_letters in the app: docgen-letters-dlq is not read",
        "no finish_batches in the app: docgen-batch-finishes is not read",
        "no deliver_webhooks in the app: docgen-webhooks is not read",
        "no scheduled handler in the app: nothing is swept",
    ]
    send(sqs, "docgen-letters", "hello")
    with running(started):
        eventually(lambda: getattr(partial, "got", None) == ["hello"])
