"""Idempotency-Key on POST /customers/{customerId}/documents/{docType}: replays, a key reused
for another request, a key in flight, expired and abandoned records, callers with the same
key, failures that leave the key usable, bad keys: exact bodies, S3 contents, records and
the AWS calls of each request."""

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.local import LambdaContext
from chalice.test import Client

import app as app_module
from chalicelib.adapters.observability import count_letter
from chalicelib.domain.idempotency import idempotent_request
from chalicelib.services.letters import LetterService
from tests.faults import VirtualClock, inject, s3_error, unreachable
from tests.support import (
    AWS,
    BUCKET,
    EVENTS,
    NOW,
    TABLE,
    WELCOME,
    app_repository,
    app_store,
    body,
    error,
    unavailable,
    use_services,
)
from tools.stack import SAMPLE_LETTER

KEY = "5f1c9a7e-4b2d-4e8f-9a61-3c0d2b7e8f10"
FIRST_CALLS = ["PutItem", "BatchGetItem", "PutObject", "UpdateItem"]
"""A key's first request: take the key, read, write the letter, store the answer."""
EPOCH = int(NOW.timestamp())
DAY = 24 * 3600
LETTER = SAMPLE_LETTER.encode()
REUSED = error(
    "UnprocessableEntityError",
    "this Idempotency-Key was used for a different request (method, path, query or body) "
    "in the last 24 hours; send a new key with a new request",
)
IN_PROGRESS = error(
    "ConflictError",
    "the first request with this Idempotency-Key is still being processed; retry in a few seconds",
)
KEY_RULE = (
    "Idempotency-Key must be 1 to 255 visible ASCII characters (! to ~: no spaces, "
    "control or non-ASCII characters), such as a UUID"
)


class Clock:
    """The service's clock, moved on by the tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(aws: AWS, monkeypatch: pytest.MonkeyPatch, clock: Clock) -> LetterService:
    """The routes' service (``tests/routes/conftest.py``), on a clock that moves."""
    fresh = LetterService(app_repository(aws), app_store(aws), clock=clock, on_letter=count_letter)
    use_services(monkeypatch, fresh)
    return fresh


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", slept.append)
    return slept


def post(client: Client, path: str = WELCOME, key: str = KEY, aws: AWS | None = None) -> Any:
    """A generate with ``key``; with ``aws``, its calls counted from zero."""
    if aws is not None:
        aws.calls.clear()
    return client.http.post(path, headers={"Idempotency-Key": key})


def record_key(key: str = KEY, scope: str = "local") -> str:
    return idempotent_request(scope, key, "POST", "", {}).record_key


def fingerprint(path: str = WELCOME, query: dict | None = None) -> str:
    return idempotent_request("local", KEY, "POST", path, query or {}).fingerprint


def records(aws: AWS) -> dict[str, dict]:
    """Every idempotency record in the table, by key, as plain values."""
    items = aws.dynamodb.scan(TableName=TABLE)["Items"]
    found = {}
    for item in items:
        if item["PK"]["S"].startswith("I#"):
            found[item["PK"]["S"]] = {
                name: int(value["N"]) if "N" in value else value["S"]
                for name, value in item.items()
                if name != "PK"
            }
    return found


def put_record(aws: AWS, **attributes: Any) -> None:
    item = {"PK": {"S": record_key()}, "fingerprint": {"S": fingerprint()}, "owner": {"S": "x"}}
    for name, value in attributes.items():
        item[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
    aws.dynamodb.put_item(TableName=TABLE, Item=item)


def without_link(document: dict) -> dict:
    return {name: value for name, value in document.items() if name not in ("url", "urlExpiresAt")}


def assert_presigned_for(url: str, key: str) -> None:
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == (f"{BUCKET}.s3.amazonaws.com", f"/{key}")
    assert parse_qs(parts.query)["X-Amz-Signature"]


# --- a first request and its replays -----------------------------------------------------


def test_the_first_request_is_generated_and_its_answer_remembered(client: Client, aws: AWS) -> None:
    response = post(client)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    document = body(response)
    assert aws.calls == FIRST_CALLS
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}
    [(key, record)] = records(aws).items()
    assert key == record_key()
    owner = record.pop("owner")
    assert len(owner) == 32
    assert record == {
        "state": "done",
        "fingerprint": fingerprint(),
        "startedAt": EPOCH,
        "expiresAt": EPOCH + DAY,
        "status": 201,
        "answer": json.dumps(without_link(document), separators=(",", ":")),
    }
    assert KEY not in json.dumps(records(aws))  # only its hash is stored


def test_a_replay_answers_the_same_document_with_a_fresh_link_and_writes_nothing(
    client: Client, aws: AWS, clock: Clock
) -> None:
    first = post(client)
    aws.put_item(PK={"S": "C#TestCustomer"}, data={"S": "Renamed Customer"})  # not re-read
    clock.advance(60)

    again = post(client, aws=aws)

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert without_link(body(again)) == without_link(body(first))
    assert body(again)["urlExpiresAt"] == "2026-11-23T21:16:00Z"  # signed now, not then
    assert_presigned_for(body(again)["url"], "TestCustomer/Welcome.txt")
    assert aws.calls == ["PutItem"]  # the key's record comes back with the failed condition
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}


def test_every_replay_is_the_same_answer(client: Client, aws: AWS) -> None:
    answers = [without_link(body(post(client))) for _ in range(3)]

    assert answers[0] == answers[1] == answers[2]
    assert len(aws.objects()) == 1


def test_a_replay_of_a_pdf_keeps_its_format(client: Client, aws: AWS) -> None:
    first = post(client, f"{WELCOME}?format=pdf")
    again = post(client, f"{WELCOME}?format=pdf", aws=aws)

    assert without_link(body(again)) == without_link(body(first))
    assert body(again)["contentType"] == "application/pdf"
    assert aws.calls == ["PutItem"]


# --- a key reused for another request, a key in flight --------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        f"{WELCOME}?format=html",
        f"{WELCOME}?templateVersion=0",
        "/customers/TestCustomer/documents/Other",
        "/customers/Someone/documents/Welcome",
    ],
)
def test_a_key_reused_for_another_request_is_a_422_that_writes_nothing(
    client: Client, aws: AWS, other: str
) -> None:
    post(client)
    before = records(aws)

    response = post(client, other, aws=aws)

    assert response.status_code == 422
    assert body(response) == REUSED
    assert aws.calls == ["PutItem"]
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}
    assert records(aws) == before


def test_a_key_in_flight_is_a_409_that_writes_nothing(client: Client, aws: AWS) -> None:
    put_record(aws, state="in_progress", startedAt=EPOCH - 14, expiresAt=EPOCH + DAY)

    response = post(client, aws=aws)

    assert response.status_code == 409
    assert body(response) == IN_PROGRESS
    assert aws.calls == ["PutItem"]
    assert aws.objects() == {}
    assert records(aws)[record_key()]["owner"] == "x"


def test_another_request_with_a_key_in_flight_is_a_422(client: Client, aws: AWS) -> None:
    put_record(aws, state="in_progress", startedAt=EPOCH, expiresAt=EPOCH + DAY)

    response = post(client, f"{WELCOME}?format=html")

    assert (response.status_code, body(response)) == (422, REUSED)


def test_a_record_left_in_progress_past_the_time_budget_is_abandoned(
    client: Client, aws: AWS
) -> None:
    """10 s of budget and 5 s of clock skew: no request can still finish it."""
    put_record(aws, state="in_progress", startedAt=EPOCH - 15, expiresAt=EPOCH + DAY)

    response = post(client, aws=aws)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert aws.calls == FIRST_CALLS
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}
    record = records(aws)[record_key()]
    assert (record["state"], record["startedAt"]) == ("done", EPOCH)
    assert record["owner"] != "x"


# --- expiry -----------------------------------------------------------------------------


def test_a_record_past_its_expiry_counts_as_absent(client: Client, aws: AWS) -> None:
    """DynamoDB deletes expired items only some time later: the expiry is read, not trusted."""
    stale = {"customerId": "Stale"}
    put_record(
        aws, state="done", startedAt=EPOCH - DAY, expiresAt=EPOCH, status=201,
        answer=json.dumps(stale), fingerprint="another request",
    )  # fmt: skip

    response = post(client, aws=aws)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert body(response)["customerId"] == "TestCustomer"
    assert aws.calls == FIRST_CALLS
    record = records(aws)[record_key()]
    assert (record["fingerprint"], record["expiresAt"]) == (fingerprint(), EPOCH + DAY)


def test_a_record_a_second_before_its_expiry_is_replayed(
    client: Client, aws: AWS, clock: Clock
) -> None:
    first = post(client)
    clock.advance(DAY - 1)

    again = post(client, aws=aws)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert without_link(body(again)) == without_link(body(first))
    clock.advance(1)
    assert "Idempotent-Replayed" not in post(client).headers


# --- callers ------------------------------------------------------------------------------


def gateway_post(api_key_id: str | None, key: str = KEY, **identity: str) -> dict:
    """A generate of the sample letter as API Gateway passes it, from the caller whose API
    key has the id ``api_key_id``."""
    event = json.loads((EVENTS / "generate_welcome.json").read_text())
    event["headers"]["Idempotency-Key"] = key
    event["multiValueHeaders"]["Idempotency-Key"] = [key]
    if api_key_id is not None:
        event["requestContext"]["identity"]["apiKeyId"] = api_key_id
    event["requestContext"]["identity"].update(identity)
    return app_module.app(event, LambdaContext("docgen-dev", 512))


@pytest.mark.usefixtures("dev_environment")
def test_two_callers_with_the_same_key_get_their_own_answers(service, aws: AWS) -> None:
    first_a = gateway_post("key-a")
    aws.put_item(PK={"S": "C#TestCustomer"}, data={"S": "Renamed"})
    aws.calls.clear()
    first_b = gateway_post("key-b")  # not caller a's answer: a first request of its own

    assert first_b["statusCode"] == 201
    assert "Idempotent-Replayed" not in first_b["headers"]
    assert aws.calls == FIRST_CALLS
    renamed = b"Dear Renamed;\n\nHello and Welcome!\n"
    assert aws.objects() == {"TestCustomer/Welcome.txt": renamed}  # one key in S3, b's letter

    again_a, again_b = gateway_post("key-a"), gateway_post("key-b")

    for first, again, letter in ((first_a, again_a, LETTER), (first_b, again_b, renamed)):
        assert without_link(json.loads(again["body"])) == without_link(json.loads(first["body"]))
        assert json.loads(again["body"])["size"] == len(letter)
    assert again_a["headers"]["Idempotent-Replayed"] == "true"
    assert again_b["headers"]["Idempotent-Replayed"] == "true"
    assert set(records(aws)) == {
        record_key(scope="apiKeyId:key-a"),
        record_key(scope="apiKeyId:key-b"),
    }


@pytest.mark.usefixtures("dev_environment")
def test_a_caller_known_by_its_key_alone_is_scoped_by_it_and_never_stored(
    service, aws: AWS
) -> None:
    gateway_post(None, apiKey="secret-api-key-value")

    assert set(records(aws)) == {record_key(scope="apiKey:secret-api-key-value")}
    assert "secret-api-key-value" not in json.dumps(aws.dynamodb.scan(TableName=TABLE))


@pytest.mark.usefixtures("dev_environment")
def test_a_key_given_twice_is_a_400_before_any_aws_call(service, aws: AWS) -> None:
    event = json.loads((EVENTS / "generate_welcome.json").read_text())
    event["headers"]["Idempotency-Key"] = "b"
    event["multiValueHeaders"]["idempotency-key"] = ["a", "b"]

    response = app_module.app(event, LambdaContext("docgen-dev", 512))

    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == error(
        "BadRequestError", "Idempotency-Key is given 2 times; send it once"
    )
    assert aws.calls == []


# --- what is released: a 4xx, a failure ------------------------------------------------------


def test_a_404_releases_the_key_so_a_retry_after_the_fix_runs(client: Client, aws: AWS) -> None:
    path = "/customers/Newcomer/documents/Welcome"
    missing = post(client, path, aws=aws)

    assert missing.status_code == 404
    assert body(missing) == error("NotFoundError", "customer Newcomer does not exist")
    assert aws.calls == ["PutItem", "BatchGetItem", "DeleteItem"]
    assert records(aws) == {}

    aws.put_item(PK={"S": "C#Newcomer"}, data={"S": "New Comer"})
    fixed = post(client, path, aws=aws)

    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers
    assert aws.calls == FIRST_CALLS
    assert aws.objects() == {"Newcomer/Welcome.txt": b"Dear New Comer;\n\nHello and Welcome!\n"}


def test_a_422_from_the_template_releases_the_key(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "D#Broken"}, data={"S": "{{ attributes.missing }}"})
    path = "/customers/TestCustomer/documents/Broken"

    response = post(client, path, aws=aws)

    assert response.status_code == 422
    assert aws.calls == ["PutItem", "BatchGetItem", "DeleteItem"]
    assert records(aws) == {}
    aws.put_item(PK={"S": "D#Broken"}, data={"S": "Fixed.\n"})
    assert post(client, path).status_code == 201


def test_a_failed_s3_write_releases_the_key(
    client: Client, aws: AWS, service: LetterService, backoffs: list[float]
) -> None:
    """A fault below botocore's retry loop, between the record and the letter's write."""
    inject(service.store.client, "PutObject", [s3_error("SlowDown", 503)] * 3)

    failed = post(client, aws=aws)

    assert failed.status_code == 503
    assert body(failed) == unavailable("S3")
    assert aws.calls == ["PutItem", "BatchGetItem", "PutObject", "DeleteItem"]
    assert (aws.objects(), records(aws)) == ({}, {})
    retried = post(client, aws=aws)
    assert retried.status_code == 201
    assert aws.calls == FIRST_CALLS
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}


def test_a_failure_that_cannot_release_the_key_leaves_it_abandoned_in_time(
    client: Client, aws: AWS, service: LetterService, clock: Clock, monkeypatch
) -> None:
    """S3 fails, then so does the release: the record stays in progress, a 409 until no
    request can still finish it, then the key is free."""
    VirtualClock().install(monkeypatch)
    inject(service.store.client, "PutObject", [unreachable] * 3)
    inject(service.repository.client, "DeleteItem", [unreachable] * 3)

    failed = post(client, aws=aws)

    assert (failed.status_code, body(failed)) == (503, unavailable("S3"))
    assert records(aws)[record_key()]["state"] == "in_progress"
    assert (post(client).status_code, aws.objects()) == (409, {})
    clock.advance(15)
    retried = post(client, aws=aws)
    assert retried.status_code == 201
    assert aws.calls == FIRST_CALLS
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}


def test_a_letter_whose_answer_cannot_be_stored_is_still_answered(
    client: Client, aws: AWS, service: LetterService, clock: Clock, backoffs: list[float]
) -> None:
    inject(service.repository.client, "UpdateItem", [unreachable] * 3)

    response = post(client, aws=aws)

    assert response.status_code == 201
    assert aws.objects() == {"TestCustomer/Welcome.txt": LETTER}
    assert records(aws)[record_key()]["state"] == "in_progress"
    assert post(client).status_code == 409
    clock.advance(15)
    assert post(client).status_code == 201  # abandoned: the letter is written again


# --- the header ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", f"Idempotency-Key is empty: {KEY_RULE}"),
        ("k" * 256, f"Idempotency-Key is 256 characters long: {KEY_RULE}"),
        ("two words", f"Idempotency-Key holds a character that is not visible ASCII: {KEY_RULE}"),
        ("tab\there", f"Idempotency-Key holds a character that is not visible ASCII: {KEY_RULE}"),
        ("nul\x00", f"Idempotency-Key holds a character that is not visible ASCII: {KEY_RULE}"),
        ("del\x7f", f"Idempotency-Key holds a character that is not visible ASCII: {KEY_RULE}"),
        ("café", f"Idempotency-Key holds a character that is not visible ASCII: {KEY_RULE}"),
        ("\u200bzero", f"Idempotency-Key holds a character that is not visible ASCII: {KEY_RULE}"),
    ],
)
def test_a_bad_key_is_a_400_before_any_aws_call(
    client: Client, aws: AWS, key: str, message: str
) -> None:
    response = post(client, key=key)

    assert response.status_code == 400
    assert body(response) == error("BadRequestError", message)
    assert aws.calls == []
    assert aws.objects() == {}


@pytest.mark.parametrize("key", ["k", "!~", "k" * 255, '{"json":"fine"}'])
def test_every_visible_ascii_key_up_to_255_characters_is_taken(
    client: Client, aws: AWS, key: str
) -> None:
    assert post(client, key=key).status_code == 201
    assert post(client, key=key).headers["Idempotent-Replayed"] == "true"


def test_a_bad_identifier_with_a_key_writes_no_record(client: Client, aws: AWS) -> None:
    response = post(client, "/customers/..%2Fetc/documents/Welcome", aws=aws)

    assert response.status_code == 400
    assert aws.calls == []


def test_without_a_key_nothing_changes(client: Client, aws: AWS) -> None:
    client.http.post(WELCOME)
    response = client.http.post(WELCOME)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert aws.calls == ["BatchGetItem", "PutObject"] * 2
    assert records(aws) == {}


def test_the_log_line_says_replayed_and_never_holds_the_key(
    client: Client, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    post(client)
    post(client)

    output = capsys.readouterr().out
    logged = [json.loads(line) for line in output.splitlines()]
    requests = [line for line in logged if line.get("message") == "request"]
    assert [line.get("idempotent") for line in requests] == [None, "replayed"]
    assert KEY not in output
