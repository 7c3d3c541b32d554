"""Contract fuzzing: Schemathesis against the app's own OpenAPI document, over real HTTP.

Every documented operation gets generated requests, valid and invalid, sent to
``chalice local`` in front of moto's server. Each answer must be documented
(status code, content type, headers, body schema) and never a 5xx; the app must
accept what the document allows and refuse what it does not. A fixed seed and
no example database make every run send the same requests, so a failure
reproduces: the report ends with the request as a curl command.

The document is loaded when the module is collected, before any server runs:
Schemathesis' fixture-based loader (``schemathesis.pytest.from_fixture``) fails
on pytest 9.2's nodes. ``test_the_served_document_is_the_one_fuzzed`` checks
that ``GET /openapi.json`` serves exactly this document.
"""

import itertools
import json
import re
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from app import app
from chalicelib.api.letterhead_operations import LETTERHEAD_EXAMPLES
from chalicelib.api.openapi import document
from chalicelib.domain.rendering.formatting import locale_problem
from tests.support import HTTP_TIMEOUT_SECONDS
from tools.local_stack import STAGE, Servers
from tools.stack import seed_sample, stage_environment

SEED = 20261123
MAX_EXAMPLES = 25
"""Per operation, for the fuzzing phase (positive and negative cases). The examples and
coverage phases add their own: one to a few dozen requests per operation. About 40 s for
the module; 150 examples take about 130 s."""
API_KEY = "contract-test-key"
"""Any value: chalice local does not check ``x-api-key`` (API Gateway does)."""
UNEXPECTED_METHODS = ["get", "put", "post", "delete", "options", "patch"]
"""The methods probed on each path where they are undocumented (a 405 is expected). Not
TRACE or QUERY: chalice local's HTTP server answers those with its own 501 before the app
sees them, and API Gateway, which has neither method, never passes them to the function."""
# A precondition that fails (412) and a body over the byte cap (413) are documented answers
# to requests that JSON Schema cannot tell from good ones: whether If-Match holds depends on
# what is stored, and a body of valid characters can be over 256 KiB.
LOGO = LETTERHEAD_EXAMPLES["LetterheadBody"]["logo"]
WEBHOOK = "http://127.0.0.1:9/hooks"
"""The local stage's one allowed kind of webhook; nothing listens there, so its retries are
queued and nothing is delivered."""
ACCEPTED = ["2xx", "3xx", 401, 403, 404, 409, 412, 413, 429, "5xx"]
REJECTED = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5xx"]
"""Schemathesis' own lists, plus 412 and 413 (``5xx`` is left to ``not_a_server_error``)."""

DOCUMENT: dict[str, Any] = json.loads(json.dumps(document(app)))
"""As served: JSON, and a copy, so nothing Schemathesis does can reach the app's own."""
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "database": "none",
            # The key is a security scheme, not a parameter to fuzz: chalice local never
            # checks it, so requests without one are answered as if they had it.
            "with-security-parameters": False,
        },
        "auth": {"openapi": {"ApiKey": {"api_key": API_KEY}}},
        "phases": {"coverage": {"unexpected-methods": UNEXPECTED_METHODS}},
        "checks": {
            # Every check is on but this one, which sends requests without the key and
            # wants a 401 or 403: only API Gateway could give those.
            "ignored_auth": {"enabled": False},
            "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            "negative_data_rejection": {"expected-statuses": REJECTED},
        },
        "request-timeout": HTTP_TIMEOUT_SECONDS,
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
_FRESH_KEYS = itertools.count()


@pytest.fixture
def sample_items(servers: Servers) -> None:
    """The original sample's customer and template, as seeded, before each operation.

    They are the document's examples, so each operation's examples phase reaches its
    success path (a 201, a 200 preview) whatever an earlier operation deleted or replaced.
    The template's versions that earlier operations wrote are taken away too: a pin is
    then to the sample's own version 0, which renders for the sample's customer, or a 404,
    never to another operation's text (which may print an attribute the customer lacks,
    a 422 no schema can foresee).
    """
    table = stage_environment(STAGE)["DYNAMODB_TABLE_NAME"]
    head = {"PK": {"S": "V#Welcome"}}
    latest = servers.dynamodb.get_item(TableName=table, Key=head, ConsistentRead=True)
    if "Item" in latest:
        numbers = range(int(latest["Item"]["latest"]["N"]) + 1)
        for key in [head, *({"PK": {"S": f"V#Welcome#{number}"}} for number in numbers)]:
            servers.dynamodb.delete_item(TableName=table, Key=key)
    seed_sample(servers.dynamodb, table)


def only_the_sample(servers: Servers) -> None:
    """Empty the table and the bucket, then seed the original sample's items again."""
    table, bucket = servers.table, servers.bucket
    for page in servers.dynamodb.get_paginator("scan").paginate(
        TableName=table, ProjectionExpression="PK", ConsistentRead=True
    ):
        for item in page["Items"]:
            servers.dynamodb.delete_item(TableName=table, Key={"PK": item["PK"]})
    for page in servers.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            servers.s3.delete_object(
                Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
            )
    seed_sample(servers.dynamodb, table)


def as_valid_as_labelled(case: Case) -> None:
    """Take out of a positive case what makes it invalid, so that it is valid as labelled.

    ``next`` takes only a token the previous page gave: no schema can generate one, and
    any other value is a 400. And Schemathesis 4.32.5's coverage phase generates header
    values of letters and digits only, so it cannot make an ``If-Match`` (``"3"`` or
    ``*``); it then sends its fallback, a negative ``0``, in cases it labels positive.
    A template's ``locale`` (in a PUT, or a preview's draft ``template``) must be one Babel
    knows, which the schema (a string of at most 35 characters) cannot say without listing
    them all: a generated one becomes ``de-DE``.
    Likewise a letterhead's logo must decode as the image type it declares (it becomes the
    example's), a webhook's URL must reach a public address or, locally, 127.0.0.1 (it becomes
    one there), and a letterhead a template names must exist (a generated name is dropped).
    An ``Idempotency-Key`` is valid once per request, and the fuzzer sends the same few keys
    with many requests (a 422 by design, decided by what is stored, as ``If-Match`` is): each
    positive case's key is made its own. Negative cases keep all four, and must still be
    refused.
    """
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if case.query and "next" in case.query:
        del case.query["next"]
    for parameter in case.operation.headers:
        pattern = parameter.definition.get("schema", {}).get("pattern")
        value = (case.headers or {}).get(parameter.name)
        if pattern and value is not None and not re.search(pattern, str(value)):
            del case.headers[parameter.name]
    for template in _template_bodies(case.body):
        if locale_problem(template.get("locale", "de-DE")):
            template["locale"] = "de-DE"
        if "letterhead" in template:
            del template["letterhead"]  # one that exists is what the links' chains are for
    if isinstance(case.body, dict) and isinstance(case.body.get("logo"), dict):
        case.body["logo"] = LOGO  # a real image of the type it says: no schema can say that
    if isinstance(case.body, dict) and isinstance(case.body.get("webhook"), dict):
        case.body["webhook"] = {"url": WEBHOOK}
    key = (case.headers or {}).get("Idempotency-Key")
    if key is not None:
        case.headers["Idempotency-Key"] = f"{next(_FRESH_KEYS)}-{key}"[:255]


def _template_bodies(body: object) -> list[dict]:
    """The template fields a body carries: its own (a PUT), or a preview's draft ``template``."""
    if not isinstance(body, dict):
        return []
    draft = body.get("template")
    return [body, *([draft] if isinstance(draft, dict) else [])]


def test_the_served_document_is_the_one_fuzzed(servers: Servers) -> None:
    """The operations below are built from the document at collection; the app must serve it."""
    response = servers.http.get(f"{servers.api}/openapi.json", timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code == 200
    # Not DOCUMENT itself: Schemathesis may have changed it in place by now.
    assert response.json() == json.loads(json.dumps(document(app)))


def test_a_customer_read_back_can_be_written_back(servers: Servers) -> None:
    """What GET answers, PUT takes: the two share one ``attributes`` schema in the document."""
    url = f"{servers.api}/customers/roundTrip"
    json_headers = {"Content-Type": "application/json"}
    created = servers.http.put(
        url,
        data='{"name": "Ann", "attributes": {"n": 1e40}}',
        headers=json_headers,
        timeout=HTTP_TIMEOUT_SECONDS,
    )
    assert created.status_code == 201, created.text
    read = servers.http.get(url, timeout=HTTP_TIMEOUT_SECONDS).json()

    again = servers.http.put(
        url,
        json={"name": read["name"], "attributes": read["attributes"]},
        timeout=HTTP_TIMEOUT_SECONDS,
    )

    assert again.status_code == 200, again.text


@pytest.mark.usefixtures("sample_items")
def keeps_its_contract(case: Case, servers: Servers) -> None:
    """Each generated request's answer passes every enabled check."""
    as_valid_as_labelled(case)
    case.call_and_validate(base_url=servers.api, session=servers.http)


# One test per operation, named after its operationId, so that each has a node id of its own
# (pytest 9.2 drops the "[POST /customers/...]" that Schemathesis gives one parametrized test's
# items): `pytest tests/e2e/test_contract.py::test_putCustomer` reruns just that operation, with
# the same requests, since each operation's seed derives from SEED and its method and path.
OPERATION_IDS = [
    operation["operationId"]
    for item in DOCUMENT["paths"].values()
    for method, operation in item.items()
    if method != "parameters"
]
for _operation_id in OPERATION_IDS:
    globals()[f"test_{_operation_id}"] = schema.include(operation_id=_operation_id).parametrize()(
        keeps_its_contract
    )


STATEFUL_EXAMPLES = 30
STATEFUL_STEPS = 6


def test_chains_of_calls_follow_the_links_and_keep_the_contract(
    servers: Servers, sample_items: None
) -> None:
    """Stateful fuzzing over the document's links: from a stored customer or template to
    reading it, replacing or deleting it under its ETag, previewing and generating. Every
    answer on the way passes every check."""
    reached: set[tuple[str, int]] = set()

    class Chains(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            """Each scenario from the same table and bucket: Hypothesis replays a scenario
            to report what it found, and links draw from answers, so a table that earlier
            scenarios changed would draw other values (a FlakyStrategyDefinition that hides
            the failure)."""
            only_the_sample(servers)

        def before_call(self, case: Case) -> None:
            as_valid_as_labelled(case)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": servers.api, "session": servers.http}

        def after_call(self, response: Any, case: Case) -> None:
            reached.add((case.operation.label, response.status_code))

    Chains.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )

    # The chains go past the first call: what a PUT stored is read back through a link.
    # Which answers come back depends on what earlier tests left in the table, so only the
    # operations reached are checked. (Generating needs a customer and a template from two
    # earlier answers, which one link cannot carry; test_documents.py covers that flow.)
    # With the batch and letterhead operations there are more places to go: 30 scenarios
    # (about 25 s) still reach a customer read back from what a PUT stored.
    assert ("GET /customers/{customerId}", 200) in reached
