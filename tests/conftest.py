"""Fixtures shared by the unit tests: moto's mock AWS, a fresh service, a call counter."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

import app as app_module
from chalicelib.adapters import aws as aws_adapter
from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.observability import count_letter
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.domain.records import Customer, Template
from chalicelib.services.catalog import CatalogService
from chalicelib.services.letters import LetterService
from tools.stack import create_stack, stage_environment

DEV = stage_environment("dev")
TABLE = DEV["DYNAMODB_TABLE_NAME"]
BUCKET = DEV["S3_BUCKET_NAME"]
NOW = datetime(2026, 11, 23, 21, 0, 0, tzinfo=UTC)
"""The service's clock in tests, so bodies can be compared whole."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The policy test judges what every other test recorded, so it runs last."""
    last = [item for item in items if item.path.name == "test_policy.py"]
    items[:] = [item for item in items if item.path.name != "test_policy.py"] + last


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint override, so nothing can reach real AWS."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def dev_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the dev stage's Lambda function gets from .chalice/config.json."""
    for name, value in DEV.items():
        monkeypatch.setenv(name, value)


@dataclass
class AWS:
    """The mocked account: raw clients to arrange and inspect, and what the app called."""

    dynamodb: Any
    s3: Any
    calls: list[str] = field(default_factory=list)
    """Every API call the app's clients made, in order (retries not counted)."""
    sends: list[str] = field(default_factory=list)
    """Every HTTP attempt answered by moto or by a faked response, retries included
    (an attempt failed by a raised fault is counted by ``tests.faults.inject``)."""

    def objects(self) -> dict[str, bytes]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
        return {
            obj["Key"]: self.s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
            for obj in listing
        }

    def put_item(self, **attributes: dict) -> None:
        self.dynamodb.put_item(TableName=TABLE, Item=attributes)


@pytest.fixture
def aws() -> Iterator[AWS]:
    with mock_aws():
        mocked = AWS(dynamodb=boto3.client("dynamodb"), s3=boto3.client("s3"))
        create_stack(mocked.dynamodb, mocked.s3, "dev")
        yield mocked


def record_calls(client: Any, aws: AWS) -> Any:
    """Count ``client``'s API calls and HTTP attempts into ``aws``."""

    def on_call(event_name: str, **_: Any) -> None:
        aws.calls.append(event_name.rsplit(".", 1)[-1])

    def on_send(event_name: str, **_: Any) -> None:
        aws.sends.append(event_name.rsplit(".", 1)[-1])

    client.meta.events.register("before-call", on_call)
    client.meta.events.register("before-send", on_send)
    return client


CALLED_BY_THE_APP: set[tuple[str, str]] = set()
"""(service, operation) of every request and presigned link the app's clients made in this
run of the suite: what ``tests/test_policy.py`` holds the IAM policies to."""


def app_resource(service_name: str, aws: AWS, **timeouts: float) -> Any:
    """A resource as the app builds it, its client counted into ``aws`` and recorded for
    the policy test. ``provide-client-params`` fires for API calls and presigned URLs alike.
    """
    built = aws_adapter.resource(service_name, **timeouts)
    client = record_calls(built.meta.client, aws)

    def on_params(event_name: str, **_: Any) -> None:
        CALLED_BY_THE_APP.add((service_name, event_name.rsplit(".", 1)[-1]))

    client.meta.events.register("provide-client-params", on_params)
    return built


def app_repository(aws: AWS, **timeouts: float) -> DynamoDBRepository:
    return DynamoDBRepository(app_resource("dynamodb", aws, **timeouts).Table(TABLE))


def app_store(aws: AWS, **timeouts: float) -> S3DocumentStore:
    return S3DocumentStore(app_resource("s3", aws, **timeouts).Bucket(BUCKET))


def use_services(monkeypatch: pytest.MonkeyPatch, service: LetterService) -> None:
    """Serve the app's routes from ``service`` and its repository."""
    monkeypatch.setattr(app_module, "letters", service)
    for name, model in (("customers", Customer), ("templates", Template)):
        catalog = CatalogService(model, service.repository, clock=service.clock)
        monkeypatch.setattr(app_module, name, catalog)


@pytest.fixture
def service(aws: AWS, monkeypatch: pytest.MonkeyPatch) -> LetterService:
    """The app's service with fresh clients inside the mock, counting their calls."""
    fresh = LetterService(
        app_repository(aws), app_store(aws), clock=lambda: NOW, on_letter=count_letter
    )
    use_services(monkeypatch, fresh)
    return fresh


@pytest.fixture
def client(service: LetterService) -> Client:
    """Chalice's test client on the dev stage, as `chalice local` would serve it."""
    return Client(app_module.app, stage_name="dev")
