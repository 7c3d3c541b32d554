"""Batches, through the routes and the workers: ``chalice.test.Client`` for both (the
workers through ``client.lambda_.invoke`` with SQS events read from moto's queues)."""

import json

import pytest
from chalice.test import Client

from chalicelib.domain.batches import Batch
from tests.batches import BATCHES, drain, received, sqs_event, start
from tests.routes.conftest import Pipeline
from tests.support import (
    AWS,
    IDENTIFIER_RULE,
    JSON,
    STAMP,
    WELCOME,
    body,
    error,
)


def add_customer(aws: AWS, customer_id: str, name: str) -> None:
    aws.put_item(PK={"S": f"C#{customer_id}"}, data={"S": name})


def test_a_batch_is_accepted_and_queued_for_planning(client: Client, queues: dict) -> None:
    response = start(client, docType="Welcome", customerIds=["TestCustomer"])
    assert response.status_code == 202
    batch = body(response)
    assert response.headers["Location"] == f"/batches/{batch['batchId']}"
    assert batch == {
        "batchId": batch["batchId"],
        "status": "accepted",
        "docType": "Welcome",
        "format": "txt",
        "templateVersion": 0,
        "total": None,
        "succeeded": 0,
        "failed": 0,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "outputs": {"zip": None, "pdf": None},
        "webhook": None,
    }
    assert batch["batchId"].startswith("20261123T210000Z-")
    [message] = received(queues["plans"])
    assert json.loads(message.body) == {"batchId": batch["batchId"]}
    assert body(client.http.get(f"{BATCHES}/{batch['batchId']}")) == batch


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"customerIds": ["a"]}, "body must contain ['docType'] properties"),
        ({"docType": "Welcome"}, "body must have exactly one of customerIds and allCustomers"),
        (
            {"docType": "Welcome", "customerIds": ["a/b"]},
            f"customerIds[0] {IDENTIFIER_RULE}",
        ),
        (
            {"docType": "Welcome", "customerIds": ["a", "a"]},
            "customerIds must not name a customer twice",
        ),
        (
            {
                "docType": "Welcome",
                "customerIds": [],
            },
            "customerIds must contain at least 1 items",
        ),
        (
            {"docType": "Welcome", "allCustomers": False},
            "allCustomers must be true",
        ),
        (
            {"docType": "Welcome", "allCustomers": True, "format": "doc"},
            "format must be one of ['txt', 'html', 'pdf']",
        ),
        (
            {"docType": "Welcome", "allCustomers": True, "output": {"pdf": True}},
            'format must be "pdf" for output.pdf: only PDF letters merge',
        ),
    ],
)
def test_a_bad_batch_is_a_400_and_queues_nothing(
    client: Client, queues: dict, aws: AWS, request_body: dict, message: str
) -> None:
    response = start(client, **request_body)
    assert response.status_code == 400
    assert body(response)["Code"] == "BadRequestError"
    assert body(response)["Message"] == message
    assert received(queues["plans"]) == []
    assert "TransactWriteItems" not in aws.calls


def test_a_missing_template_is_a_404(client: Client, queues: dict) -> None:
    response = start(client, docType="Nope", allCustomers=True)
    assert (response.status_code, body(response)) == (
        404,
        error("NotFoundError", "template Nope does not exist"),
    )
    assert received(queues["plans"]) == []


def test_a_batch_writes_each_letter_as_generate_would_with_exact_counters(
    client: Client, queues: dict, aws: AWS
) -> None:
    add_customer(aws, "Ann", "Ann Smith")
    generated = client.http.post(WELCOME)  # what a single generate writes, to compare with
    single = aws.objects()["TestCustomer/Welcome.txt"]
    assert generated.status_code == 201
    batch = body(start(client, docType="Welcome", customerIds=["TestCustomer", "Ann", "Ghost"]))
    list(drain(client, queues["plans"], "plan_batches", 1))
    answers = list(drain(client, queues["letters"], "write_letters", 10))
    assert answers == [{"batchItemFailures": []}]
    shown = body(client.http.get(f"{BATCHES}/{batch['batchId']}"))
    assert (shown["status"], shown["total"], shown["succeeded"], shown["failed"]) == (
        "running",
        3,
        2,
        1,
    )
    objects = aws.objects()
    assert objects["TestCustomer/Welcome.txt"] == single
    assert objects["Ann/Welcome.txt"] == b"Dear Ann Smith;\n" + single.split(b"\n", 1)[1]
    assert "Ghost/Welcome.txt" not in objects
    items = body(client.http.get(f"{BATCHES}/{batch['batchId']}/items"))
    assert items == {
        "items": [
            {
                "customerId": "TestCustomer",
                "status": "succeeded",
                "key": "TestCustomer/Welcome.txt",
                "error": None,
            },
            {"customerId": "Ann", "status": "succeeded", "key": "Ann/Welcome.txt", "error": None},
            {
                "customerId": "Ghost",
                "status": "failed",
                "key": None,
                "error": error("NotFoundError", "customer Ghost does not exist"),
            },
        ],
        "next": None,
    }
    failed = body(client.http.get(f"{BATCHES}/{batch['batchId']}/items?status=failed"))
    assert [item["customerId"] for item in failed["items"]] == ["Ghost"]
    [finish] = received(queues["finishes"])
    assert json.loads(finish.body) == {"batchId": batch["batchId"]}


def test_a_redelivered_message_writes_nothing_and_moves_no_counter(
    client: Client, queues: dict, aws: AWS
) -> None:
    batch = body(start(client, docType="Welcome", customerIds=["TestCustomer"]))
    list(drain(client, queues["plans"], "plan_batches", 1))
    [message] = received(queues["letters"])
    event = sqs_event([message])
    assert client.lambda_.invoke("write_letters", event).payload == {"batchItemFailures": []}
    puts = aws.calls.count("PutObject")
    assert client.lambda_.invoke("write_letters", event).payload == {"batchItemFailures": []}
    assert aws.calls.count("PutObject") == puts
    shown = body(client.http.get(f"{BATCHES}/{batch['batchId']}"))
    assert (shown["succeeded"], shown["failed"]) == (1, 0)


def test_every_customer_is_planned_a_page_at_a_time(client: Client, queues: dict, aws: AWS) -> None:
    for number in range(150):
        add_customer(aws, f"c{number:03}", f"Customer {number}")
    batch = body(start(client, docType="Welcome", allCustomers=True))
    list(drain(client, queues["plans"], "plan_batches", 1))
    planned = []
    while messages := received(queues["letters"]):
        planned += [json.loads(m.body)["c"] for m in messages]
        for m in messages:
            m.delete()
    assert sorted(planned) == sorted(["TestCustomer", *(f"c{n:03}" for n in range(150))])
    shown = body(client.http.get(f"{BATCHES}/{batch['batchId']}"))
    assert (shown["status"], shown["total"]) == ("running", 151)


def test_cancel_stops_letters_not_yet_written(client: Client, queues: dict, aws: AWS) -> None:
    batch = body(start(client, docType="Welcome", customerIds=["TestCustomer"]))
    list(drain(client, queues["plans"], "plan_batches", 1))
    cancelled = client.http.post(f"{BATCHES}/{batch['batchId']}/cancel")
    assert (cancelled.status_code, body(cancelled)["status"]) == (202, "cancelled")
    list(drain(client, queues["letters"], "write_letters", 10))
    assert "TestCustomer/Welcome.txt" not in aws.objects()
    shown = body(client.http.get(f"{BATCHES}/{batch['batchId']}"))
    assert (shown["status"], shown["succeeded"], shown["failed"]) == ("cancelled", 0, 0)


def test_batches_are_listed_newest_first(client: Client, queues: dict) -> None:
    ids = [body(start(client, docType="Welcome", allCustomers=True))["batchId"] for _ in range(3)]
    first = body(client.http.get(f"{BATCHES}?limit=2"))
    assert [b["batchId"] for b in first["items"]] == sorted(ids, reverse=True)[:2]
    rest = body(client.http.get(f"{BATCHES}?limit=2&next={first['next']}"))
    assert [b["batchId"] for b in rest["items"]] == sorted(ids, reverse=True)[2:]
    assert rest["next"] is None


def test_an_unknown_batch_is_a_404(client: Client, queues: dict) -> None:
    for response in (
        client.http.get(f"{BATCHES}/20261123T210000Z-00000000"),
        client.http.post(f"{BATCHES}/20261123T210000Z-00000000/cancel"),
        client.http.get(f"{BATCHES}/20261123T210000Z-00000000/items"),
    ):
        assert (response.status_code, body(response)) == (
            404,
            error("NotFoundError", "batch 20261123T210000Z-00000000 does not exist"),
        )


def test_a_batch_body_not_json_is_a_415_and_one_too_large_a_413(
    client: Client, queues: dict
) -> None:
    as_text = client.http.post(BATCHES, headers={"Content-Type": "text/plain"}, body="{}")
    assert as_text.status_code == 415
    assert body(as_text)["Code"] == "UnsupportedMediaType"
    huge = json.dumps({"docType": "Welcome", "customerIds": ["c" * 60] * 5000})
    too_large = client.http.post(BATCHES, headers=JSON, body=huge)
    assert (too_large.status_code, body(too_large)["Code"]) == (413, "PayloadTooLargeError")
    assert received(queues["plans"]) == []


def test_the_same_key_while_the_first_batch_is_starting_is_a_409(
    client: Client, queues: dict, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {**JSON, "Idempotency-Key": "batch-in-flight"}
    request = json.dumps({"docType": "Welcome", "allCustomers": True})
    meanwhile = []
    create = pipeline.records.create

    def create_while_retried(batch: Batch) -> None:
        meanwhile.append(client.http.post(BATCHES, headers=headers, body=request))
        create(batch)

    monkeypatch.setattr(pipeline.records, "create", create_while_retried)
    first = client.http.post(BATCHES, headers=headers, body=request)
    assert first.status_code == 202
    [retry] = meanwhile
    assert (retry.status_code, body(retry)) == (
        409,
        error(
            "ConflictError",
            "the first request with this Idempotency-Key is still being processed; retry in a "
            "few seconds",
        ),
    )
    assert len(received(queues["plans"])) == 1
