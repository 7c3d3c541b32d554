"""AWS misbehaving: retries, the time budget, and what the client is told."""

import json
import time

import pytest
from chalice.test import Client

from chalicelib.api import app as api_app
from chalicelib.services.letters import LetterService
from tests.faults import THROTTLED, dynamodb_error, dynamodb_ok, inject, read_timeout, unreachable
from tests.support import (
    AWS,
    GENERIC_500,
    JSON,
    WELCOME,
    app_repository,
    app_store,
    unavailable,
    use_services,
)

UNAVAILABLE = unavailable("DynamoDB")


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry sleeps, recorded instead of slept, so throttling tests run fast."""
    slept: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", slept.append)
    return slept


def dynamodb_client(service: LetterService):
    return service.repository.client


def test_throttled_twice_then_fine_is_a_201(
    client: Client, aws: AWS, service: LetterService, backoffs: list[float]
) -> None:
    inject(dynamodb_client(service), "BatchGetItem", [THROTTLED, THROTTLED])

    response = client.http.post(WELCOME)

    assert response.status_code == 201
    assert aws.sends == ["BatchGetItem"] * 3 + ["PutObject"]
    assert aws.calls == ["BatchGetItem", "PutObject"]
    # Throttling backoff with full jitter: at most 1 s, then at most 2 s.
    assert len(backoffs) == 2
    assert 0 <= backoffs[0] <= 1
    assert 0 <= backoffs[1] <= 2
    assert list(aws.objects()) == ["TestCustomer/Welcome.txt"]


def test_throttled_for_good_is_a_quick_503(
    client: Client, aws: AWS, service: LetterService, backoffs: list[float]
) -> None:
    inject(dynamodb_client(service), "BatchGetItem", [THROTTLED] * 10)

    response = client.http.post(WELCOME)

    assert response.status_code == 503
    assert json.loads(response.body) == UNAVAILABLE
    assert response.headers["Retry-After"] == "2"
    assert aws.sends == ["BatchGetItem"] * 3  # standard mode: 3 attempts, then give up
    assert sum(backoffs) <= 3
    assert aws.objects() == {}


def test_dynamodb_unreachable_is_a_503(
    client: Client, aws: AWS, service: LetterService, backoffs: list[float]
) -> None:
    attempts = inject(dynamodb_client(service), "BatchGetItem", [unreachable] * 10)

    response = client.http.post(WELCOME)

    assert response.status_code == 503
    assert json.loads(response.body) == UNAVAILABLE
    assert len(attempts) == 3
    assert aws.objects() == {}


def test_s3_unreachable_is_a_503_and_writes_nothing(
    client: Client, aws: AWS, service: LetterService, backoffs: list[float]
) -> None:
    attempts = inject(service.store.client, "PutObject", [unreachable] * 10)

    response = client.http.post(WELCOME)

    assert response.status_code == 503
    assert json.loads(response.body) == unavailable("S3")
    assert aws.calls == ["BatchGetItem", "PutObject"]
    assert len(attempts) == 3
    assert aws.objects() == {}


def test_dynamodb_500_is_retried(
    client: Client, aws: AWS, service: LetterService, backoffs: list[float]
) -> None:
    inject(dynamodb_client(service), "BatchGetItem", [dynamodb_error("InternalServerError", 500)])

    response = client.http.post(WELCOME)

    assert response.status_code == 201
    assert aws.sends == ["BatchGetItem", "BatchGetItem", "PutObject"]


def test_unprocessed_keys_are_asked_for_again(
    client: Client, aws: AWS, service: LetterService
) -> None:
    table = "docgen-dev"
    partial = {
        "Responses": {table: [{"PK": {"S": "C#TestCustomer"}, "data": {"S": "Testing Customer"}}]},
        "UnprocessedKeys": {table: {"Keys": [{"PK": {"S": "D#Welcome"}}], "ConsistentRead": True}},
    }
    inject(dynamodb_client(service), "BatchGetItem", [dynamodb_ok(partial)])

    response = client.http.post(WELCOME)

    assert response.status_code == 201
    assert aws.calls == ["BatchGetItem", "BatchGetItem", "PutObject"]
    assert aws.objects() == {
        "TestCustomer/Welcome.txt": b"Dear Testing Customer;\n\nHello and Welcome!\n"
    }


def test_keys_left_unprocessed_for_good_is_a_503(
    client: Client, aws: AWS, service: LetterService
) -> None:
    table = "docgen-dev"
    nothing_done = {
        "Responses": {table: []},
        "UnprocessedKeys": {
            table: {
                "Keys": [{"PK": {"S": "C#TestCustomer"}}, {"PK": {"S": "D#Welcome"}}],
                "ConsistentRead": True,
            }
        },
    }
    inject(dynamodb_client(service), "BatchGetItem", [dynamodb_ok(nothing_done)] * 10)

    response = client.http.post(WELCOME)

    assert response.status_code == 503
    assert json.loads(response.body) == UNAVAILABLE
    assert aws.calls == ["BatchGetItem"] * 3
    assert aws.objects() == {}


def test_read_timeouts_end_inside_the_time_budget(
    client: Client, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real clocks: short timeouts and a short budget, and DynamoDB never answering."""
    read_seconds, connect_seconds, budget_seconds = 0.3, 0.1, 2.5
    repository = app_repository(aws, connect_timeout=connect_seconds, read_timeout=read_seconds)
    use_services(monkeypatch, LetterService(repository, app_store(aws)))
    monkeypatch.setattr(api_app, "TIME_BUDGET_SECONDS", budget_seconds)
    attempts = inject(repository.client, "BatchGetItem", [read_timeout(read_seconds)] * 10)

    started = time.monotonic()
    response = client.http.post(WELCOME)
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert json.loads(response.body) == UNAVAILABLE
    # One retry fits (1 s worst backoff + 0.4 s attempt); a third attempt could not.
    assert len(attempts) == 2
    assert elapsed < budget_seconds
    assert aws.calls == ["BatchGetItem"]
    assert aws.objects() == {}


def test_a_call_that_cannot_fit_the_budget_is_not_started(
    client: Client, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A budget of less than one 1 s connect + 3 s read attempt.
    monkeypatch.setattr(api_app, "TIME_BUDGET_SECONDS", 1.0)

    response = client.http.post(WELCOME)

    assert response.status_code == 503
    assert aws.sends == []


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("PUT", "/customers/ann", "UpdateItem"),
        ("GET", "/customers/TestCustomer", "GetItem"),
        ("DELETE", "/customers/TestCustomer", "DeleteItem"),
        ("GET", "/templates", "Scan"),
    ],
)
def test_catalog_routes_answer_503_when_dynamodb_is_throttled(
    client: Client,
    aws: AWS,
    service: LetterService,
    backoffs: list[float],
    method: str,
    path: str,
    operation: str,
) -> None:
    attempts = inject(dynamodb_client(service), operation, [THROTTLED] * 10)

    response = client.http.request(method, path, headers=JSON, body=b'{"name": "Ann"}')

    assert response.status_code == 503
    assert json.loads(response.body) == UNAVAILABLE
    assert response.headers["Retry-After"] == "2"
    assert len(attempts) == 3


def test_catalog_route_on_a_missing_table_is_a_generic_500(client: Client, aws: AWS) -> None:
    aws.dynamodb.delete_table(TableName="docgen-dev")

    response = client.http.get("/customers/TestCustomer")

    assert response.status_code == 500
    assert json.loads(response.body) == GENERIC_500
