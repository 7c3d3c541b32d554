"""What the tests share, defined once: the dev stage's names, the fixed clock, request and
answer helpers, the fake AWS environment, and the mocked account the app's calls are counted in.

Fixtures (``conftest.py``) build on these; tests import them from here.
"""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

import app as app_module
from chalicelib.adapters import aws as aws_adapter
from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.records import Customer, Template
from chalicelib.services.catalog import CatalogService
from chalicelib.services.letters import LetterService
from chalicelib.services.versions import VersionService
from tools.stack import PROJECT_DIR, SAMPLE_ITEMS, create_stack, stage_environment

CONFIG = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
"""The project's Chalice configuration: stages, their settings and policy files."""
DEV = stage_environment("dev")
TABLE = DEV["DYNAMODB_TABLE_NAME"]
BUCKET = DEV["S3_BUCKET_NAME"]
NOW = datetime(2026, 11, 23, 21, 0, 0, tzinfo=UTC)
"""The service's clock in tests, so bodies can be compared whole."""
STAMP = "2026-11-23T21:00:00Z"
"""``NOW`` as the API writes it."""
EVENTS = Path(__file__).parent / "events"
"""API Gateway proxy events, as the Lambda function receives them."""

DOCUMENT = "/customers/{customerId}/documents/{docType}"
DOCUMENTS = "/customers/{customerId}/documents"
CUSTOMER = "/customers/{customerId}"
TEMPLATE = "/templates/{docType}"
PREVIEW = "/templates/{docType}/preview"
TEMPLATE_VERSIONS = "/templates/{docType}/versions"
TEMPLATE_VERSION = "/templates/{docType}/versions/{version}"
"""The app's routes that take parameters, as API Gateway names their resources."""
WELCOME = "/customers/TestCustomer/documents/Welcome"
"""The sample customer's sample letter, as ``make run`` seeds them."""
JSON = {"Content-Type": "application/json"}
IDENTIFIER_RULE = (
    "must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
    "starting with a letter or a digit"
)
GENERIC_500 = {"Code": "InternalServerError", "Message": "An internal server error occurred."}
"""What a client is told of a bug or a misconfiguration: nothing of AWS's own words."""
HTTP_TIMEOUT_SECONDS = 10.0
"""How long an end-to-end request may wait for the local servers."""


def body(response: Any) -> Any:
    """A test client response's JSON body."""
    return json.loads(response.body)


def error(code: str, message: str) -> dict[str, str]:
    """An error answer's body, as Chalice writes it."""
    return {"Code": code, "Message": message}


def unavailable(service_label: str) -> dict[str, str]:
    """The 503's body when ``service_label`` (DynamoDB or S3) fails for good."""
    message = f"{service_label} is unavailable right now; retry later"
    return error("ServiceUnavailableError", message)


def fake_aws_environment(env: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint override or profile, so nothing can reach real AWS.

    One function for the per-test fixture and for module-scoped accounts set up before it.
    """
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3"):
        env.delenv(name, raising=False)
    env.delenv("AWS_PROFILE", raising=False)
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env.setenv("AWS_DEFAULT_REGION", "us-east-1")


def dev_stage(env: pytest.MonkeyPatch) -> None:
    """What the dev stage's Lambda function gets from .chalice/config.json."""
    for name, value in DEV.items():
        env.setenv(name, value)


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


def mocked_account() -> AWS:
    """The dev stage's table and bucket, created and seeded in moto's mock (already started)."""
    account = AWS(dynamodb=boto3.client("dynamodb"), s3=boto3.client("s3"))
    create_stack(account.dynamodb, account.s3, "dev")
    return account


def record_calls(client: Any, aws: AWS) -> Any:
    """Count ``client``'s API calls and HTTP attempts into ``aws``."""

    def on_call(event_name: str, **_: Any) -> None:
        aws.calls.append(event_name.rsplit(".", 1)[-1])

    def on_send(event_name: str, **_: Any) -> None:
        aws.sends.append(event_name.rsplit(".", 1)[-1])

    client.meta.events.register("before-call", on_call)
    client.meta.events.register("before-send", on_send)
    return client


def log_lines(capsys: pytest.CaptureFixture) -> list[dict[str, Any]]:
    """Every line written to stdout since the last read, each parsed as JSON (so each must be
    JSON): the app's log lines and metrics."""
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def sent_headers(client: Any, event: str = "before-send") -> list[dict[str, Any]]:
    """The headers of every HTTP attempt ``client`` makes from now on (``event`` narrows it,
    as ``before-send.s3.PutObject``)."""
    sent: list[dict[str, Any]] = []
    client.meta.events.register(event, lambda request, **_: sent.append(dict(request.headers)))
    return sent


def app_resource(service_name: str, aws: AWS, **timeouts: float) -> Any:
    """A resource as the app builds it, its client's calls counted into ``aws``."""
    built = aws_adapter.resource(service_name, **timeouts)
    record_calls(built.meta.client, aws)
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
    letterheads = CatalogService(Letterhead, service.repository, clock=service.clock)
    monkeypatch.setattr(app_module, "letterheads", lambda: letterheads)  # built lazily there
    monkeypatch.setattr(app_module, "versions", VersionService(service.repository))


def fresh_python(code: str) -> str:
    """What ``code`` prints, run by a new interpreter in the project directory: what an
    import costs is only visible from a clean start."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def repository_on_moto(aws: AWS, sleep: Any = None) -> DynamoDBRepository:
    """A repository on the mocked dev table, built as the importer builds it for real AWS
    (3 attempts in botocore's standard mode), counting its calls into ``aws``."""
    from chalicelib.adapters.aws import dynamodb_table
    from chalicelib.adapters.dynamodb_requests import Patience

    table = dynamodb_table(TABLE)
    record_calls(table.meta.client, aws)
    return DynamoDBRepository(table, Patience(retries=2, sleep=sleep or (lambda _: None)))


def sample_in_memory() -> InMemoryRepository:
    """The in-memory twin holding the original sample's items as ``create_stack`` seeds
    moto's table (plain values, so version 0)."""
    memory = InMemoryRepository()
    memory.items = {
        item["PK"]["S"]: {name: value["S"] for name, value in item.items()} for item in SAMPLE_ITEMS
    }
    return memory


MOCKED_DEV_STAGE = """
import os
import boto3
from moto import mock_aws
from tools.stack import create_stack, stage_environment

os.environ.update(stage_environment("dev"), AWS_ACCESS_KEY_ID="testing",
                  AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[name]
mock_aws().start()
"""
"""The start of a fresh interpreter's probe: the dev stage's settings on moto, no real AWS."""
