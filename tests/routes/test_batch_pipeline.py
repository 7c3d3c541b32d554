"""A batch's pipeline end to end in moto: outputs, the webhook, faults below botocore's retry
loop and in the queue (redelivery, poison messages, a crash between a letter's write and
its record, cancel mid-batch), the sweep, and ``Idempotency-Key`` on ``POST /batches``."""

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client
from pypdf import PdfReader
from standardwebhooks import Webhook

import app as app_module
from chalicelib.api.errors import error_body
from chalicelib.services.clock import utc_now
from chalicelib.services.letter_worker import LetterWorker, Queued
from chalicelib.services.letters import LetterService
from chalicelib.services.webhook_sender import WebhookSender
from tests.batches import BATCHES, drain, received, sqs_event, start
from tests.faults import VirtualClock, inject, s3_error
from tests.routes.conftest import Pipeline
from tests.support import AWS, BUCKET, NOW, body, error
from tests.webhook_receiver import Receiver, serving

SAMPLE = "TestCustomer"


class Stopped(Exception):
    """Lambda stopping the function mid-call."""


def add_customers(aws: AWS, count: int) -> list[str]:
    ids = [f"c{number:03}" for number in range(count)]
    for customer_id in ids:
        aws.put_item(PK={"S": f"C#{customer_id}"}, data={"S": f"Customer {customer_id}"})
    return ids


def run(client: Client, queues: dict) -> None:
    """Plan, write and finish every queued batch."""
    for name, handler, size in (
        ("plans", "plan_batches", 1),
        ("letters", "write_letters", 10),
        ("finishes", "finish_batches", 1),
    ):
        list(drain(client, queues[name], handler, size))


def shown(client: Client, batch_id: str) -> dict[str, Any]:
    return body(client.http.get(f"{BATCHES}/{batch_id}"))


def stored(aws: AWS, key: str) -> bytes:
    return aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_a_finished_batch_has_a_zip_of_every_letter(client: Client, queues: dict, aws: AWS) -> None:
    ids = ["TestCustomer", *add_customers(aws, 12)]
    batch = body(start(client, docType="Welcome", customerIds=ids, output={"zip": True}))
    run(client, queues)
    done = shown(client, batch["batchId"])
    assert (done["status"], done["total"], done["succeeded"], done["failed"]) == (
        "succeeded",
        13,
        13,
        0,
    )
    archive = zipfile.ZipFile(io.BytesIO(stored(aws, f"_batches/{batch['batchId']}/letters.zip")))
    assert archive.namelist() == [f"{c}/Welcome.txt" for c in ids]
    for name in archive.namelist():
        assert archive.read(name) == stored(aws, name)
    assert (
        done["outputs"]["zip"]["size"]
        == aws.s3.head_object(Bucket=BUCKET, Key=f"_batches/{batch['batchId']}/letters.zip")[
            "ContentLength"
        ]
    )
    assert done["outputs"]["pdf"] is None
    assert f"_batches/{batch['batchId']}/letters.zip" in done["outputs"]["zip"]["url"]


def test_a_pdf_batch_merges_its_letters_each_with_its_own_page_numbers(
    client: Client, queues: dict, aws: AWS
) -> None:
    ids = ["TestCustomer", *add_customers(aws, 2)]
    batch = body(
        start(client, docType="Welcome", format="pdf", customerIds=ids, output={"pdf": True})
    )
    run(client, queues)
    merged = PdfReader(io.BytesIO(stored(aws, f"_batches/{batch['batchId']}/letters.pdf")))
    assert len(merged.pages) == 3
    for page, customer_id in zip(merged.pages, ids, strict=True):
        text = page.extract_text()
        assert "Page 1 of 1" in text
        single = PdfReader(io.BytesIO(stored(aws, f"{customer_id}/Welcome.pdf")))
        assert single.pages[0].extract_text() == text


def test_a_markdown_batch_merges_its_letters_formatted(
    client: Client, queues: dict, aws: AWS
) -> None:
    aws.put_item(
        PK={"S": "D#Notice"}, data={"S": "# Notice\n\n**Due** soon"}, markup={"S": "markdown"}
    )
    ids = ["TestCustomer", *add_customers(aws, 1)]
    batch = body(
        start(client, docType="Notice", format="pdf", customerIds=ids, output={"pdf": True})
    )
    run(client, queues)
    merged = PdfReader(io.BytesIO(stored(aws, f"_batches/{batch['batchId']}/letters.pdf")))
    for page, customer_id in zip(merged.pages, ids, strict=True):
        single = PdfReader(io.BytesIO(stored(aws, f"{customer_id}/Notice.pdf"))).pages[0]
        assert page.extract_text() == single.extract_text()
        assert page.extract_text().splitlines()[2:4] == ["Notice", "Due soon"]
        fonts = {
            font.get_object()["/BaseFont"][8:] for font in page["/Resources"]["/Font"].values()
        }
        assert "DejaVuSerif-Bold" in fonts


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serving((204, {}, b""))


def use_webhooks(
    monkeypatch: pytest.MonkeyPatch, pipeline: Pipeline, clock: Callable[[], datetime] = utc_now
) -> None:
    """Webhooks delivered for real, to 127.0.0.1 (as the local stage allows), signed at
    ``clock``'s time (a receiver refuses a message signed too long ago)."""
    from chalicelib.adapters.webhooks import deliver

    batches = app_module.batches()
    sender = WebhookSender(
        lambda: pipeline.records, pipeline.sqs, batches.shown, deliver, lambda: True, clock
    )
    monkeypatch.setattr(app_module, "webhook_sender", lambda: sender)


def test_the_webhook_is_signed_as_standard_webhooks_say(
    client: Client,
    queues: dict,
    pipeline: Pipeline,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_webhooks(monkeypatch, pipeline)
    url = f"http://127.0.0.1:{receiver.port}/hooks"
    started = body(
        start(client, docType="Welcome", customerIds=["TestCustomer"], webhook={"url": url})
    )
    secret = started["webhook"]["secret"]
    assert started["webhook"] == {"url": url, "status": "pending", "secret": secret}
    assert "secret" not in shown(client, started["batchId"])["webhook"]
    run(client, queues)
    list(drain(client, queues["webhooks"], "deliver_webhooks", 1))
    [(method, path, headers, sent)] = receiver.requests
    assert (method, path) == ("POST", "/hooks")
    message = Webhook(secret).verify(sent, {k.lower(): v for k, v in headers.items()})
    done = shown(client, started["batchId"])
    assert message["type"] == "batch.finished"
    assert message["data"]["batchId"] == started["batchId"]
    assert message["data"]["status"] == "succeeded"
    assert done["webhook"] == {"url": url, "status": "delivered"}


def spy_on(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What the pipeline queues from now on: (queue, bodies, delay) of each send."""
    sent: list[tuple[Any, ...]] = []
    send = pipeline.sqs.send

    def spied(name: str, bodies: Any, delay_seconds: int = 0) -> None:
        sent.append((name, list(bodies), delay_seconds))
        send(name, bodies, delay_seconds)

    monkeypatch.setattr(pipeline.sqs, "send", spied)
    return sent


def test_a_failed_webhook_is_queued_again_later(
    client: Client, queues: dict, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_webhooks(monkeypatch, pipeline, clock=lambda: NOW)
    with contextmanager(serving)((500, {}, b"no")) as failing:
        url = f"http://127.0.0.1:{failing.port}/hooks"
        batch = body(
            start(client, docType="Welcome", customerIds=["TestCustomer"], webhook={"url": url})
        )
        run(client, queues)
        [first] = received(queues["webhooks"])
        sent = spy_on(pipeline, monkeypatch)
        client.lambda_.invoke("deliver_webhooks", sqs_event([first]))
    assert len(failing.requests) == 1
    again = {"batchId": batch["batchId"], "attempt": 2, "due": int(NOW.timestamp()) + 5}
    assert sent == [("webhooks", [again], 5)]  # the schedule's second attempt: 5 s later
    assert shown(client, batch["batchId"])["webhook"]["status"] == "pending"


def test_a_poison_message_fails_its_letter_and_is_never_lost(
    client: Client, queues: dict, aws: AWS
) -> None:
    batch = body(start(client, docType="Welcome", customerIds=["TestCustomer"]))
    list(drain(client, queues["plans"], "plan_batches", 1))
    [message] = received(queues["letters"])
    client.lambda_.invoke("fail_dead_letters", sqs_event([message]))
    done = shown(client, batch["batchId"])
    assert (done["succeeded"], done["failed"]) == (0, 1)
    [item] = body(client.http.get(f"{BATCHES}/{batch['batchId']}/items"))["items"]
    assert item == {
        "customerId": "TestCustomer",
        "status": "failed",
        "key": None,
        "error": error(
            "ServiceUnavailableError", "DynamoDB or S3 is unavailable right now; retry later"
        ),
    }
    assert "TestCustomer/Welcome.txt" not in aws.objects()


def test_throttling_mid_batch_retries_that_letter_through_sqs(
    client: Client,
    queues: dict,
    pipeline: Pipeline,
    aws: AWS,
    service: LetterService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    VirtualClock().install(monkeypatch)
    ids = ["TestCustomer", *add_customers(aws, 3)]
    batch = body(start(client, docType="Welcome", customerIds=ids))
    list(drain(client, queues["plans"], "plan_batches", 1))
    inject(service.store.client, "PutObject", [s3_error("SlowDown", 503)] * 3)
    messages = received(queues["letters"])
    answer = client.lambda_.invoke("write_letters", sqs_event(messages)).payload
    [failure] = answer["batchItemFailures"]
    midway = shown(client, batch["batchId"])
    assert (midway["succeeded"], midway["failed"]) == (3, 0)
    later = _worker_at(service, pipeline, minutes=3)
    monkeypatch.setattr(app_module, "letter_worker", lambda: later)
    retried = [m for m in messages if m.message_id == failure["itemIdentifier"]]
    assert client.lambda_.invoke("write_letters", sqs_event(retried)).payload == {
        "batchItemFailures": []
    }
    done = shown(client, batch["batchId"])
    assert (done["succeeded"], done["failed"]) == (4, 0)
    assert sorted(k for k in aws.objects() if k.endswith("Welcome.txt")) == sorted(
        f"{c}/Welcome.txt" for c in ids
    )


def _worker_at(service: LetterService, pipeline: Pipeline, minutes: int) -> LetterWorker:
    """The letter worker ``minutes`` after the batch started: past the takeover age."""
    return LetterWorker(
        lambda: pipeline.records, service, pipeline.sqs, error_body,
        clock=lambda: NOW + timedelta(minutes=minutes),
    )  # fmt: skip


def test_a_crash_between_the_write_and_the_record_is_mended_without_writing_again(
    client: Client,
    queues: dict,
    pipeline: Pipeline,
    aws: AWS,
    service: LetterService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = body(start(client, docType="Welcome", customerIds=["TestCustomer"]))
    list(drain(client, queues["plans"], "plan_batches", 1))
    [message] = received(queues["letters"])
    records = pipeline.records

    def crash(*_: Any) -> None:
        raise Stopped  # the function stops after the write: nothing is settled

    with monkeypatch.context() as stopping, pytest.raises(Stopped):
        stopping.setattr(type(records), "settle", crash)
        app_module.letter_worker().run([Queued.of(message.message_id, json.loads(message.body))])
    assert aws.calls.count("PutObject") == 1
    mended = _worker_at(service, pipeline, minutes=3)
    monkeypatch.setattr(app_module, "letter_worker", lambda: mended)
    assert client.lambda_.invoke("write_letters", sqs_event([message])).payload == {
        "batchItemFailures": []
    }
    assert aws.calls.count("PutObject") == 1  # found written: only settled
    done = shown(client, batch["batchId"])
    assert (done["succeeded"], done["failed"]) == (1, 0)


def test_every_message_delivered_twice_writes_each_letter_once(
    client: Client, queues: dict, aws: AWS
) -> None:
    ids = ["TestCustomer", *add_customers(aws, 9)]
    batch = body(start(client, docType="Welcome", customerIds=ids))
    list(drain(client, queues["plans"], "plan_batches", 1))
    messages = received(queues["letters"])
    for _ in range(2):
        client.lambda_.invoke("write_letters", sqs_event(messages))
    assert aws.calls.count("PutObject") == 10
    done = shown(client, batch["batchId"])
    assert (done["succeeded"], done["failed"], done["status"]) == (10, 0, "running")


def test_cancel_mid_batch_writes_no_more_letters(client: Client, queues: dict, aws: AWS) -> None:
    ids = ["TestCustomer", *add_customers(aws, 14)]
    batch = body(start(client, docType="Welcome", customerIds=ids, output={"zip": True}))
    list(drain(client, queues["plans"], "plan_batches", 1))
    first = received(queues["letters"], 5)
    client.lambda_.invoke("write_letters", sqs_event(first))
    for message in first:
        message.delete()
    client.http.post(f"{BATCHES}/{batch['batchId']}/cancel")
    run(client, queues)
    done = shown(client, batch["batchId"])
    assert (done["status"], done["succeeded"], done["failed"]) == ("cancelled", 5, 0)
    written = [key for key in aws.objects() if key.endswith("/Welcome.txt")]
    assert len(written) == 5
    archive = zipfile.ZipFile(io.BytesIO(stored(aws, f"_batches/{batch['batchId']}/letters.zip")))
    assert sorted(archive.namelist()) == sorted(written)


def test_the_sweep_plans_a_batch_whose_planning_was_lost(
    client: Client,
    queues: dict,
    pipeline: Pipeline,
    service: LetterService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.services.sweep import Sweeper

    batch = body(start(client, docType="Welcome", customerIds=["TestCustomer"]))
    [lost] = received(queues["plans"])
    lost.delete()
    soon = Sweeper(lambda: pipeline.records, pipeline.sqs, lambda: NOW + timedelta(minutes=1))
    assert soon.sweep() == {}
    later = Sweeper(lambda: pipeline.records, pipeline.sqs, lambda: NOW + timedelta(minutes=6))
    assert later.sweep() == {batch["batchId"]: "plan"}
    run(client, queues)
    assert shown(client, batch["batchId"])["status"] == "succeeded"


def test_a_batch_is_started_once_per_idempotency_key(client: Client, queues: dict) -> None:
    request = json.dumps({"docType": "Welcome", "customerIds": ["TestCustomer"]})
    headers = {"Content-Type": "application/json", "Idempotency-Key": "batch-1"}
    first = client.http.post(BATCHES, headers=headers, body=request)
    again = client.http.post(BATCHES, headers=headers, body=request)
    assert (first.status_code, again.status_code) == (202, 202)
    assert body(again) == body(first)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(received(queues["plans"])) == 1
    other = json.dumps({"docType": "Welcome", "allCustomers": True})
    reused = client.http.post(BATCHES, headers=headers, body=other)
    assert reused.status_code == 422
    assert body(reused)["Code"] == "UnprocessableEntityError"


def test_a_letter_the_pdf_cannot_draw_fails_as_generate_would_and_the_rest_are_written(
    client: Client, queues: dict, aws: AWS
) -> None:
    aws.put_item(PK={"S": "C#priya"}, data={"S": "नमस्ते"})  # Devanagari: no font draws it
    single = client.http.post("/customers/priya/documents/Welcome?format=pdf")
    assert single.status_code == 422
    expected = client.http.post("/customers/TestCustomer/documents/Welcome?format=pdf")
    assert expected.status_code == 201
    written = stored(aws, "TestCustomer/Welcome.pdf")
    aws.s3.delete_object(Bucket=BUCKET, Key="TestCustomer/Welcome.pdf")
    ids = ["TestCustomer", "priya", "nobody"]
    batch = body(start(client, docType="Welcome", format="pdf", customerIds=ids))
    run(client, queues)
    items = body(client.http.get(f"{BATCHES}/{batch['batchId']}/items"))["items"]
    assert items == [
        {
            "customerId": "TestCustomer",
            "status": "succeeded",
            "key": "TestCustomer/Welcome.pdf",
            "error": None,
        },
        {"customerId": "priya", "status": "failed", "key": None, "error": body(single)},
        {
            "customerId": "nobody",
            "status": "failed",
            "key": None,
            "error": error("NotFoundError", "customer nobody does not exist"),
        },
    ]
    assert stored(aws, "TestCustomer/Welcome.pdf") == written  # generated at the same NOW
    done = shown(client, batch["batchId"])
    assert (done["status"], done["succeeded"], done["failed"]) == ("partial", 1, 2)


def test_two_messages_for_one_letter_in_one_sqs_batch_write_it_once(
    client: Client, queues: dict, aws: AWS
) -> None:
    batch = body(start(client, docType="Welcome", customerIds=[SAMPLE]))
    list(drain(client, queues["plans"], "plan_batches", 1))
    [message] = received(queues["letters"])
    queues["letters"].send_message(MessageBody=message.body)  # a replayed plan page's copy
    copy = [m for m in received(queues["letters"]) if m.message_id != message.message_id]
    answer = client.lambda_.invoke("write_letters", sqs_event([message, *copy])).payload
    assert answer == {"batchItemFailures": []}
    assert aws.calls.count("PutObject") == 1
    done = shown(client, batch["batchId"])
    assert (done["succeeded"], done["failed"]) == (1, 0)
