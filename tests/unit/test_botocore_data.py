"""The cut-down botocore data: the same requests as botocore's own, and used only by the
botocore and boto3 it was cut from.

If the copy dropped or changed something a client reads, requests would differ (a wrong
endpoint, a lost header) or fail on first use; if the guard let another botocore read it,
that botocore would run with another release's models and endpoints.
"""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.loaders import Loader

from chalicelib.adapters import aws, botocore_data
from chalicelib.adapters.botocore_data import MANIFEST, SERVICES, SlimLoader, data_loader
from tools.botocore_data import blank_documentation, write

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1")
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/docgen-letters"
# Headers that change on every request, whatever the data.
VOLATILE_HEADERS = {"X-Amz-Date", "Authorization", "amz-sdk-invocation-id", "amz-sdk-request"}


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy written here from the installed botocore and boto3, whatever make left."""
    root = tmp_path_factory.mktemp("data") / "botocore-data"
    assert write(root) == root / MANIFEST
    return root


@pytest.fixture
def fresh_session() -> Iterator[None]:
    """The app's session built anew for the test, and again after it."""
    aws.session.cache_clear()
    yield
    aws.session.cache_clear()


def session_with(loader: Loader | None) -> boto3.session.Session:
    core = botocore.session.Session()
    if loader is not None:
        core.register_component("data_loader", loader)
    return boto3.session.Session(botocore_session=core)  # credentials: conftest's fakes


def sent(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """What ``client`` would send for ``operation``: caught at ``before-send``, never sent."""
    seen: dict[str, Any] = {}

    def catch(request: Any, **_: Any) -> AWSResponse:
        headers = {k: v for k, v in request.headers.items() if k not in VOLATILE_HEADERS}
        body = request.body.read() if hasattr(request.body, "read") else request.body
        seen.update(method=request.method, url=request.url, headers=headers, body=body)
        return AWSResponse(request.url, 200, {}, None)

    client.meta.events.register_first("before-send", catch)
    with contextlib.suppress(Exception):  # an empty answer may not parse; the request counts
        getattr(client, operation)(**params)
    return seen


CALLS = {
    "dynamodb": [
        ("batch_get_item", {"RequestItems": {"t": {"Keys": [{"PK": {"S": "C#a"}}]}}}),
        ("put_item", {"TableName": "t", "Item": {"PK": {"S": "C#a"}}}),
    ],
    "s3": [
        (
            "put_object",
            {
                "Bucket": "docgen-dev-documents",
                "Key": "a/b.txt",
                "Body": b"Dear",
                "ServerSideEncryption": "AES256",
                "Metadata": {"generated-at": "2026-11-23T21:00:00Z"},
            },
        ),
        ("head_object", {"Bucket": "docgen-dev-documents", "Key": "a/b.txt"}),
        ("list_objects_v2", {"Bucket": "docgen-dev-documents", "Prefix": "a/", "MaxKeys": 5}),
        ("delete_object", {"Bucket": "docgen.dotted", "Key": "a/b.txt"}),
    ],
    "sqs": [
        (
            "send_message",
            {"QueueUrl": QUEUE_URL, "MessageBody": '{"batchId": "b1"}', "DelaySeconds": 5},
        ),
        (
            "send_message_batch",
            {
                "QueueUrl": QUEUE_URL,
                "Entries": [{"Id": str(n), "MessageBody": f'{{"n": {n}}}'} for n in range(2)],
            },
        ),
        ("receive_message", {"QueueUrl": QUEUE_URL, "MaxNumberOfMessages": 10}),
        ("delete_message", {"QueueUrl": QUEUE_URL, "ReceiptHandle": "handle"}),
    ],
}


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("service", SERVICES)
def test_the_copy_makes_the_requests_botocores_own_data_makes(
    cut: Path, service: str, region: str
) -> None:
    config = Config(signature_version="s3v4") if service == "s3" else None
    clients = [
        session_with(loader).client(service, region_name=region, config=config)
        for loader in (SlimLoader(cut), None)
    ]
    ours, theirs = clients
    assert ours.meta.endpoint_url == theirs.meta.endpoint_url
    for operation, params in CALLS[service]:
        assert sent(ours, operation, **params) == sent(theirs, operation, **params), operation
    if service == "s3":
        link = {"Params": {"Bucket": "docgen-dev-documents", "Key": "a/b.txt"}, "ExpiresIn": 900}
        urls = [client.generate_presigned_url("get_object", **link) for client in clients]
        assert urls[0].split("?")[0] == urls[1].split("?")[0]


@pytest.mark.parametrize("service", SERVICES)
def test_the_copy_holds_the_models_in_order_with_documentation_blanked(
    cut: Path, service: str
) -> None:
    ours, theirs = SlimLoader(cut), Loader()
    for kind in ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2"):
        if service not in theirs.list_available_services(kind):  # SQS has no waiters
            assert service not in ours.list_available_services(kind), kind
            continue
        copied = ours.load_service_model(service, kind)
        original = blank_documentation(theirs.load_service_model(service, kind))
        assert json.dumps(copied) == json.dumps(original), kind
    endpoints = ours.load_data("endpoints")
    for partition in endpoints["partitions"]:
        assert set(partition["services"]) == set(SERVICES)
    assert ours.is_builtin_path(ours.load_data_with_path("endpoints")[1])


def test_the_copy_is_read_only_by_the_versions_it_was_cut_from(
    cut: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(data_loader(cut), SlimLoader)
    assert data_loader(tmp_path / "missing") is None
    manifest = json.loads((cut / MANIFEST).read_text())
    for library in ("botocore", "boto3"):
        other = tmp_path / library
        (other / MANIFEST).parent.mkdir()
        versions = manifest["versions"] | {library: "0.0.1"}
        (other / MANIFEST).write_text(json.dumps(manifest | {"versions": versions}))
        assert data_loader(other) is None, library
    fewer = tmp_path / "fewer"  # cut before a service was added: that service has no model
    fewer.mkdir()
    (fewer / MANIFEST).write_text(json.dumps(manifest | {"services": ["dynamodb", "s3"]}))
    assert data_loader(fewer) is None
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    assert data_loader(cut) is None


def test_the_app_falls_back_to_botocores_own_data_for_another_botocore(
    cut: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_session: None,
    dev_environment: None,
) -> None:
    older = tmp_path / "older"
    older.mkdir()
    (older / MANIFEST).write_text(json.dumps({"versions": {"botocore": "1.0.0"}}))
    for root, expected in ((cut, SlimLoader), (older, Loader)):
        monkeypatch.setattr(botocore_data, "DATA_DIR", root)
        aws.session.cache_clear()
        loader = aws.session()._session.get_component("data_loader")
        assert type(loader) is expected
        table = aws.dynamodb_table("docgen-dev")
        assert table.meta.client.meta.endpoint_url == "https://dynamodb.us-east-1.amazonaws.com"
        assert aws.s3_bucket("docgen-dev-documents").meta.client.meta.service_model.service_name
