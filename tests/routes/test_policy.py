"""The stage policies grant exactly what the app does: every AWS call a route can make.

This file drives the app itself through every route that reaches AWS, on each path
that makes a different call (every format, a missing document, a failed condition, an
Idempotency-Key's first request, its replay and its release),
with the app's own adapters built as in production, and records the operation of
every API call and presigned link their clients make. It needs no other test: run
alone or in any order, it sees the same calls.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

import app as app_module
from chalicelib.adapters import aws as aws_adapter
from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.links import LinkSigner
from chalicelib.adapters.observability import count_letter
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.adapters.sqs import SQSQueues
from chalicelib.domain.errors import Unavailable
from chalicelib.services.letters import LetterService
from tests.batches import drain, received, sqs_event
from tests.faults import inject, s3_error
from tests.support import (
    BUCKET,
    CONFIG,
    CUSTOMER,
    DOCUMENT,
    DOCUMENTS,
    JSON,
    PREVIEW,
    TEMPLATE,
    TEMPLATE_VERSION,
    TEMPLATE_VERSIONS,
    dev_stage,
    fake_aws_environment,
    mocked_account,
    use_services,
)
from tools.queues import create_queues, declared_queues
from tools.stack import PROJECT_DIR

S3_ACTIONS = {
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",  # a presigned download link
    "GetObjectVersion": "s3:GetObjectVersion",  # a link to one version of a versioned bucket
    "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
    "ListObjectsV2": "s3:ListBucket",
    # A batch's merged outputs, by multipart upload: authorized as the PutObject they make,
    # and the abort of one that failed as its own action.
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
}
"""S3's operations and the IAM actions AWS authorizes them with; DynamoDB's share their names."""
TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
"""A ``TransactWriteItems`` has no IAM action of its own: each of its writes is authorized as
the single-item operation it is (AWS's "Using IAM with DynamoDB transactions")."""
SQS_ACTIONS = {"SendMessage": "sqs:SendMessage", "SendMessageBatch": "sqs:SendMessage"}
"""A ``SendMessageBatch`` is authorized as ``sqs:SendMessage`` (SQS's API reference)."""
PIPELINE = (
    app_module.batch_records,
    app_module.batches,
    app_module.planner,
    app_module.letter_worker,
    app_module.finisher,
    app_module.webhook_sender,
    app_module.sweeper,
)
"""The app's batch services, built on first use: built afresh for the tour."""
QUEUE_URLS: dict[str, str] = {}
RUNTIME_PREFIXES = ("logs:", "xray:")
"""What the Lambda runtime does for the function (its logs, prod's traces), not the code."""
EVENT_SOURCE_ACTIONS = frozenset(
    {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
)
"""What Lambda's SQS event source mappings do with the function's role: they receive each
worker's messages and delete those it finished, not the code."""
NO_AWS = {
    ("/health", "GET"),
    ("/openapi.json", "GET"),
    ("/console", "GET"),
    ("/console/{asset}", "GET"),
}
"""The routes that make no AWS call."""

SAMPLE = {"customerId": "TestCustomer", "docType": "Welcome"}
ANN = {"customerId": "ann"}
RENEWAL = {"docType": "Renewal"}
BRANDED = {"docType": "Branded"}
ACME = {"name": "acme"}
LETTERHEAD = "/letterheads/{name}"
STALE = {"If-Match": '"7"'}
"""A version no item has: the conditional write is sent, and fails."""
KEYED = {"Idempotency-Key": "policy-tour"}
"""Its record taken (PutItem) and finished (UpdateItem), then found again (PutItem)."""
RELEASED = {"Idempotency-Key": "policy-tour-404"}
BATCH = {
    "docType": "Welcome",
    "format": "pdf",
    "customerIds": ["TestCustomer", "Nobody"],
    "output": {"zip": True, "pdf": True},
    "webhook": {"url": "http://127.0.0.1:9/hooks"},
}
"""A batch that makes every step call what it can: letters written and failed, both merged
outputs, and a webhook (to a closed port: its retry is queued)."""
"""Its record taken, then released (DeleteItem) when the letter cannot be made."""


@dataclass(frozen=True)
class Visit:
    """One request: a route with its parameters filled in, and the status it must get."""

    method: str
    route: str
    status: int
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


TOUR = [
    *(Visit("POST", DOCUMENT, 201, SAMPLE, f"?format={fmt}") for fmt in ("txt", "html", "pdf")),
    Visit("POST", DOCUMENT, 201, SAMPLE, headers=KEYED),
    Visit("POST", DOCUMENT, 201, SAMPLE, headers=KEYED),
    Visit("POST", DOCUMENT, 404, SAMPLE | {"customerId": "Nobody"}, headers=RELEASED),
    Visit("GET", DOCUMENT, 200, SAMPLE, "?format=pdf"),
    Visit("GET", DOCUMENTS, 200, {"customerId": "TestCustomer"}, "?limit=2"),
    Visit("DELETE", DOCUMENT, 204, SAMPLE, "?format=pdf"),
    Visit("GET", DOCUMENT, 404, SAMPLE, "?format=pdf"),
    Visit("PUT", CUSTOMER, 201, ANN, body={"name": "Ann"}),
    Visit("PUT", CUSTOMER, 412, ANN, body={"name": "Ann B"}, headers=STALE),
    Visit("GET", CUSTOMER, 200, ANN),
    Visit("GET", "/customers", 200),
    Visit("DELETE", CUSTOMER, 412, ANN, headers=STALE),
    Visit("DELETE", CUSTOMER, 204, ANN),
    Visit("PUT", TEMPLATE, 201, RENEWAL, body={"text": "Renewing, {{ name }}?\n"}),
    Visit("PUT", TEMPLATE, 412, RENEWAL, body={"text": "Renewing?\n"}, headers=STALE),
    Visit("GET", TEMPLATE, 200, RENEWAL),
    Visit("GET", "/templates", 200),
    Visit("POST", PREVIEW, 200, RENEWAL, body={"customerId": "TestCustomer"}),
    Visit("POST", PREVIEW, 200, RENEWAL, body={"customer": {"name": "Zoë"}}),
    Visit("POST", PREVIEW, 200, RENEWAL, body={"customer": {"name": "Zoë"}, "templateVersion": 1}),
    Visit("DELETE", TEMPLATE, 412, RENEWAL, headers=STALE),
    Visit("DELETE", TEMPLATE, 204, RENEWAL),
    Visit("PUT", LETTERHEAD, 201, ACME, body={"sender": {"name": "Acme"}}),
    Visit("PUT", LETTERHEAD, 412, ACME, body={"sender": {"name": "A"}}, headers=STALE),
    Visit("GET", LETTERHEAD, 200, ACME),
    Visit("GET", "/letterheads", 200),
    Visit("PUT", TEMPLATE, 201, BRANDED, body={"text": "x", "letterhead": "acme"}),
    Visit("PUT", TEMPLATE, 200, BRANDED, body={"text": "y", "letterhead": "acme"}),
    Visit("DELETE", LETTERHEAD, 409, ACME),
    Visit("DELETE", TEMPLATE, 204, BRANDED),
    Visit("DELETE", LETTERHEAD, 412, ACME, headers=STALE),
    Visit("DELETE", LETTERHEAD, 204, ACME),
    Visit("GET", TEMPLATE_VERSIONS, 200, RENEWAL, "?limit=1"),
    Visit("GET", TEMPLATE_VERSION, 200, RENEWAL | {"version": "1"}),
    Visit("POST", DOCUMENT, 201, SAMPLE, "?templateVersion=0"),
    Visit("POST", "/batches", 202, body=BATCH, headers={"Idempotency-Key": "policy-tour-batch"}),
    Visit("GET", "/batches", 200),
    Visit("POST", "/batches/{batchId}/cancel", 202, {"batchId": "{batch}"}),
    Visit("GET", "/batches/{batchId}", 200, {"batchId": "{batch}"}),
    Visit("GET", "/batches/{batchId}/items", 200, {"batchId": "{batch}"}, "?status=failed"),
    # The sample's template has no version item: deleting it keeps version 0 first.
    Visit("DELETE", TEMPLATE, 204, {"docType": "Welcome"}),
]


Operations = set[tuple[str, str]]
"""(service, operation) pairs, as botocore names them: ("dynamodb", "Scan")."""


@dataclass
class Recorded:
    statuses: list[int]
    """Each visit's status, in the tour's order."""
    operations: Operations
    """Of every API call and presigned link the app's clients made."""


def take_the_tour() -> list[int]:
    """Every visit through Chalice's test client on the dev stage; after the first batch is
    started, its pipeline runs, every worker once, and a finish whose upload fails."""
    client = Client(app_module.app, stage_name="dev")
    statuses = []
    batch = ""
    for visit in TOUR:
        params = {name: value.format(batch=batch) for name, value in visit.params.items()}
        path = visit.route.format(**params) + visit.query
        if visit.body is None:
            response = client.http.request(visit.method, path, headers=visit.headers)
        else:
            body = json.dumps(visit.body).encode()
            response = client.http.request(visit.method, path, JSON | visit.headers, body)
        statuses.append(response.status_code)
        if visit.route == "/batches" and visit.method == "POST" and not batch:
            batch = json.loads(response.body)["batchId"]
            run_the_pipeline(client)
    return statuses


def run_the_pipeline(client: Client) -> None:
    """Every worker on what the batch queued, and the sweep; the finisher once with its
    upload failing (aborted), then again."""
    sqs = boto3.resource("sqs")  # not the app's session: its calls are not the app's
    queue = {name: sqs.Queue(url) for name, url in QUEUE_URLS.items()}
    list(drain(client, queue["docgen-batch-plans"], "plan_batches", 1))
    letters = received(queue["docgen-letters"])
    client.lambda_.invoke("write_letters", sqs_event(letters))
    client.lambda_.invoke("fail_dead_letters", sqs_event(letters))  # found settled: nothing
    [finish] = received(queue["docgen-batch-finishes"])
    inject(app_module.letters.store.client, "UploadPart", [s3_error("InternalError", 500)] * 3)
    with pytest.raises(Unavailable):
        app_module.finisher().finish(json.loads(finish.body)["batchId"])
    client.lambda_.invoke("finish_batches", sqs_event([finish]))  # delivered again
    list(drain(client, queue["docgen-webhooks"], "deliver_webhooks", 1))
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    client.lambda_.invoke("sweep_batches", scheduled)


@pytest.fixture(scope="module")
def recorded() -> Iterator[Recorded]:
    """The tour on a mocked account, with the app's adapters as ``app.py`` builds them.

    ``provide-client-params`` fires for API calls and presigned URLs alike; it is
    registered on the app's one boto3 session, so every client the app builds from it
    (and only those) reports, whichever resource it belongs to.
    """
    operations: Operations = set()

    def on_params(event_name: str, params: dict[str, Any], **_: Any) -> None:
        _, service, operation = event_name.split(".")
        if service == "sqs":  # each queue is granted on its own
            queue_name = params["QueueUrl"].rsplit("/", 1)[-1]
            operations.add((service, f"{operation}:{queue_name}"))
        elif operation == "TransactWriteItems":
            for write in params["TransactItems"]:
                (kind,) = write
                operations.add((service, TRANSACTION_ACTIONS[kind]))
        elif operation == "GetObject" and "VersionId" in params:
            operations.add((service, "GetObjectVersion"))  # what IAM authorizes it as
        else:
            operations.add((service, operation))

    def link(signer: LinkSigner, key: str, expires_in: int, version_id: str | None = None) -> str:
        """Links signed without botocore (all but the first) fire no event: counted here."""
        operations.add(("s3", "GetObject" if version_id is None else "GetObjectVersion"))
        return sign(signer, key, expires_in, version_id)

    sign = LinkSigner.url
    events = aws_adapter.session().events
    with pytest.MonkeyPatch.context() as env, mock_aws():
        env.setattr(LinkSigner, "url", link)
        fake_aws_environment(env)
        dev_stage(env)
        mocked_account()
        boto3.client("s3").put_bucket_versioning(  # as the packaged template makes it
            Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )
        QUEUE_URLS.update(create_queues(boto3.client("sqs")))
        for queue in declared_queues().values():
            if queue.url_variable is not None:
                env.setenv(queue.url_variable, QUEUE_URLS[queue.name])
        env.setenv("WEBHOOKS_ALLOW_LOOPBACK_HTTP", "true")  # the tour's webhook: 127.0.0.1
        as_built = LetterService(DynamoDBRepository(), S3DocumentStore(), on_letter=count_letter)
        use_services(env, as_built)
        env.setattr(app_module, "repository", as_built.repository)
        queues = SQSQueues()
        env.setattr(app_module, "queues", lambda: queues)
        for built in PIPELINE:
            built.cache_clear()
        events.register("provide-client-params", on_params)
        try:
            statuses = take_the_tour()
        finally:
            events.unregister("provide-client-params", on_params)
            for built in PIPELINE:
                built.cache_clear()
    yield Recorded(statuses, operations)


def test_the_tour_visits_every_route_that_reaches_aws() -> None:
    routes = app_module.app.routes
    served = {(path, method) for path, methods in routes.items() for method in methods}

    assert {(visit.route, visit.method) for visit in TOUR} == served - NO_AWS


def test_every_visit_takes_the_path_it_is_there_for(recorded: Recorded) -> None:
    assert recorded.statuses == [visit.status for visit in TOUR]


def needed_grants(operations: Operations, table: str, bucket: str) -> set[tuple[str, str]]:
    """(action, resource) for everything the app was seen to do."""
    grants = set()
    for service, operation in operations:
        if service == "sqs":
            call, queue_name = operation.split(":")
            grants.add((SQS_ACTIONS[call], f"arn:aws:sqs:*:*:{queue_name}"))
        elif service == "dynamodb":
            grants.add((f"dynamodb:{operation}", f"arn:aws:dynamodb:*:*:table/{table}"))
        else:
            action = S3_ACTIONS[operation]  # a KeyError here: a new S3 call to map
            on_bucket = action == "s3:ListBucket"
            objects = "/_batches/*" if action == "s3:AbortMultipartUpload" else "/*"
            grants.add((action, f"arn:aws:s3:::{bucket}" + ("" if on_bucket else objects)))
    return grants


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_policy_grants_exactly_what_the_app_calls(recorded: Recorded, stage: str) -> None:
    config = CONFIG["stages"][stage]
    env = config["environment_variables"]
    policy = json.loads((PROJECT_DIR / ".chalice" / config["iam_policy_file"]).read_text())
    granted = {
        (action, statement["Resource"])
        for statement in policy["Statement"]
        for action in statement["Action"]
        if statement["Effect"] == "Allow"
        and not action.startswith(RUNTIME_PREFIXES)
        and action not in EVENT_SOURCE_ACTIONS
    }

    needed = needed_grants(recorded.operations, env["DYNAMODB_TABLE_NAME"], env["S3_BUCKET_NAME"])

    assert needed - granted == set(), "the app calls what the policy does not allow"
    assert granted - needed == set(), "the policy allows what the app never calls"
