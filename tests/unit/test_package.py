"""The packaged CloudFormation templates, build/<stage>/sam.json, as ``make package`` makes them.

Packaging takes seconds and runs pip in a subprocess, so these tests do not package:
``make test`` runs ``make gates``, which packages both stages, before pytest, and a missing
or stale template fails here with the command to run.
"""

import copy
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import babel
import boto3
import pytest
from babel import localedata
from moto import mock_aws
from samtranslator.translator.transform import transform as sam_translate

import app as app_module
from chalicelib.domain.idempotency import EXPIRES_AT
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letters import Letter
from chalicelib.domain.rendering.formatting import (
    format_currency,
    format_date,
    format_number,
    format_percent,
    locale_problem,
)
from tools.package import (
    BUILD_DIR,
    DEPLOYABLE_STAGES,
    MERGE_TEMPLATE,
    PIL_STUB,
    WHEELHOUSE,
    ZIP_DATE,
    ZIP_MODE,
    WrongPython,
    check_runtime,
    finish_code_zip,
    package,
    packaging_environment,
    stage_names,
)
from tools.queues import declared_queues
from tools.stack import (
    PROJECT_DIR,
    SAMPLE_LETTER,
    create_bucket,
    function_timeout,
    stage_environment,
)
from tools.teardown import empty_bucket
from tools.teardown import main as teardown
from tools.wiring import Miswired, point_events_at_queues, wire

Template = dict[str, Any]
PUBLIC_ROUTES = {"/health", "/openapi.json", "/console", "/console/{asset}"}
API_KEY_SECURITY = [{"api_key": []}]
WORKERS = {
    "PlanBatches": "BatchPlanQueue",
    "WriteLetters": "LetterQueue",
    "FailDeadLetters": "LetterDeadLetterQueue",
    "FinishBatches": "FinishQueue",
    "DeliverWebhooks": "WebhookQueue",
}
"""Each SQS handler's function, and the queue of the stack it reads."""
HANDLERS = {
    "APIHandler": "api_handler",
    "PlanBatches": "plan_batches",
    "WriteLetters": "write_letters",
    "FailDeadLetters": "fail_dead_letters",
    "FinishBatches": "finish_batches",
    "DeliverWebhooks": "deliver_webhooks",
    "SweepBatches": "sweep_batches",
}
"""Every function of the template, and its name in app.py and .chalice/config.json."""
QUEUE_URL_VARIABLES = {
    "BATCH_PLAN_QUEUE_URL": "BatchPlanQueue",
    "LETTER_QUEUE_URL": "LetterQueue",
    "FINISH_QUEUE_URL": "FinishQueue",
    "WEBHOOK_QUEUE_URL": "WebhookQueue",
}
"""The queues the code sends to, by the variable it reads each URL from."""
DAYS = 86400


def load(stage: str) -> Template:
    path = BUILD_DIR / stage / "sam.json"
    remedy = f"run `make package STAGE={stage}` (make test packages both stages first)"
    if not path.exists():
        pytest.fail(f"{path.relative_to(PROJECT_DIR)} is missing: {remedy}")
    inputs = [
        MERGE_TEMPLATE,
        PROJECT_DIR / "tools" / "package.py",
        PROJECT_DIR / "tools" / "wiring.py",
        PROJECT_DIR / "tools" / "queues.py",
        PROJECT_DIR / "app.py",
        PROJECT_DIR / ".chalice" / "config.json",
        PROJECT_DIR / ".chalice" / f"policy-{stage}.json",
        *PIL_STUB.rglob("*.py"),
    ]
    newer = [
        str(p.relative_to(PROJECT_DIR)) for p in inputs if p.stat().st_mtime > path.stat().st_mtime
    ]
    if newer:
        pytest.fail(f"{path.relative_to(PROJECT_DIR)} is older than {', '.join(newer)}: {remedy}")
    return json.loads(path.read_text())


def code_zip(stage: str) -> zipfile.ZipFile:
    """The stage's deployment.zip, made in the same run as its template (``load`` checks)."""
    load(stage)
    return zipfile.ZipFile(BUILD_DIR / stage / "deployment.zip")


@pytest.fixture(scope="module", params=DEPLOYABLE_STAGES)
def stage(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def template(stage: str) -> Template:
    return load(stage)


def resolve(value: Any, template: Template) -> Any:
    """``value`` with the intrinsics that depend only on parameters evaluated, as CloudFormation
    would for the parameters' defaults; references to resources are left as they are."""
    if isinstance(value, list):
        return [resolve(item, template) for item in value]
    if not (isinstance(value, dict) and len(value) == 1):
        return value
    ((function, argument),) = value.items()
    parameters = template.get("Parameters", {})
    if function == "Ref" and argument in parameters:
        return parameters[argument]["Default"]
    if function == "Fn::FindInMap":
        mapping, top, second = resolve(argument, template)
        return template["Mappings"][mapping][top][second]
    if function == "Fn::Equals":
        left, right = resolve(argument, template)
        return left == right
    if function == "Fn::If":
        condition, if_true, if_false = argument
        chosen = if_true if resolve(template["Conditions"][condition], template) else if_false
        return resolve(chosen, template)
    if function == "Fn::Sub" and isinstance(argument, str):
        return re.sub(
            r"\$\{(\w+)\}",
            lambda m: parameters[m[1]]["Default"] if m[1] in parameters else m[0],
            argument,
        )
    return value


def resources(template: Template) -> Template:
    return template["Resources"]


def properties(template: Template, name: str) -> Template:
    return template["Resources"][name]["Properties"]


def allow_statements(node: Any) -> list[Template]:
    """Every Allow statement of every policy document anywhere in ``node``."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Statement" and isinstance(value, list):
                found += [s for s in value if isinstance(s, dict) and s.get("Effect") == "Allow"]
            else:
                found += allow_statements(value)
    elif isinstance(node, list):
        for item in node:
            found += allow_statements(item)
    return found


def role_statements(template: Template) -> list[dict[str, Any]]:
    """The Allow statements of the API function's role's own policies (not its trust policy),
    which every function's role has (``test_every_function_has_the_stage_policy``)."""
    return allow_statements(properties(template, "ApiHandlerRole")["Policies"])


def functions(template: Template) -> dict[str, Template]:
    """Every Lambda function of the template, by logical id."""
    return {
        name: resource
        for name, resource in resources(template).items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def consumers(template: Template) -> dict[str, str]:
    """Each queue an SQS event reads (its logical id), and the function it invokes."""
    found = {}
    for name, function in functions(template).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue, attribute = event["Properties"]["Queue"]["Fn::GetAtt"]
                assert attribute == "Arn", name
                found[queue] = name
    return found


def get_att_arn(resource: Any) -> str:
    """The logical id in ``{"Fn::GetAtt": [id, "Arn"]}``; fails on anything else."""
    assert isinstance(resource, dict) and list(resource) == ["Fn::GetAtt"], resource
    name, attribute = resource["Fn::GetAtt"]
    assert attribute == "Arn", resource
    return name


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- the stage -------------------------------------------------------------------------


def test_template_is_set_for_its_stage(stage: str, template: Template) -> None:
    assert template["Parameters"]["Stage"]["Default"] == stage
    assert template["Mappings"]["StageNames"] == stage_names()
    env = stage_environment(stage)
    assert (
        resolve(properties(template, "CatalogTable")["TableName"], template)
        == env["DYNAMODB_TABLE_NAME"]
    )
    # Bucket names are global: a fixed one fails for the second account to deploy docgen.
    assert "BucketName" not in properties(template, "DocumentsBucket")


def test_local_stage_is_not_packaged() -> None:
    with pytest.raises(ValueError, match="not deployable"):
        package("local")


def test_packaging_gets_a_region_no_credentials_and_no_index() -> None:
    base = {
        "PATH": "/usr/bin",
        "AWS_ACCESS_KEY_ID": "AKIA...",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_PROFILE": "admin",
    }
    env = packaging_environment(base)
    assert env["PATH"] == "/usr/bin"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(env)
    assert "AWS_PROFILE" not in env
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"]  # os.devnull
    # Chalice's pip may only read the wheelhouse: packaging cannot reach the network.
    assert (env["PIP_NO_INDEX"], env["PIP_FIND_LINKS"]) == ("1", str(WHEELHOUSE))
    assert packaging_environment({"AWS_DEFAULT_REGION": "eu-west-1"})["AWS_DEFAULT_REGION"] == (
        "eu-west-1"
    )


# --- IAM -------------------------------------------------------------------------------


def test_no_statement_allows_a_wildcard_action(template: Template) -> None:
    statements = allow_statements(resources(template))
    assert statements
    for statement in statements:
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement


def test_every_function_has_the_stage_policy(template: Template) -> None:
    """Chalice gives each function a role of its own, each with the stage's policy file."""

    def documents(role: str) -> list[Template]:
        return [policy["PolicyDocument"] for policy in properties(template, role)["Policies"]]

    expected = documents("ApiHandlerRole")
    for name, function in functions(template).items():
        assert documents(get_att_arn(function["Properties"]["Role"])) == expected, name


def test_table_and_bucket_actions_name_their_resources(stage: str, template: Template) -> None:
    table = f"arn:aws:dynamodb:*:*:table/{stage_environment(stage)['DYNAMODB_TABLE_NAME']}"
    # The stack's bucket, by reference: the policy file's name is for `chalice deploy`.
    bucket = {"Fn::GetAtt": ["DocumentsBucket", "Arn"]}
    objects = {"Fn::Sub": "${DocumentsBucket.Arn}/*"}
    batch_files = {"Fn::Sub": "${DocumentsBucket.Arn}/_batches/*"}
    granted: dict[str, list[Any]] = {}
    for statement in role_statements(template):
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                if action.startswith("dynamodb:"):
                    assert resource == table, action
                if action.startswith("s3:"):
                    assert resource in (bucket, objects, batch_files), (action, resource)
                granted.setdefault(action, []).append(resource)
    assert {"dynamodb:BatchGetItem", "s3:PutObject"} <= set(granted)
    assert granted["s3:ListBucket"] == [bucket]
    # Multipart uploads of the batches' outputs: CreateMultipartUpload, UploadPart and
    # CompleteMultipartUpload are authorized as s3:PutObject; only aborting has its own.
    assert granted["s3:AbortMultipartUpload"] == [batch_files]


def test_queue_actions_name_the_stacks_queues(template: Template) -> None:
    """Sending (SendMessageBatch is authorized as SendMessage) to the queues the code sends
    to; receiving, deleting and reading attributes, which Lambda's event source mapping does
    with the function's role, on the queues a function reads."""
    granted: dict[str, set[str]] = {}
    for statement in role_statements(template):
        for action in as_list(statement["Action"]):
            if action.startswith("sqs:"):
                for resource in as_list(statement["Resource"]):
                    granted.setdefault(action, set()).add(get_att_arn(resource))
    read = set(consumers(template))
    assert granted == {
        "sqs:SendMessage": set(QUEUE_URL_VARIABLES.values()),
        "sqs:ReceiveMessage": read,
        "sqs:DeleteMessage": read,
        "sqs:GetQueueAttributes": read,
    }


def test_tracing_comes_with_permission_to_send_traces(stage: str, template: Template) -> None:
    # Lambda refuses to create a function with active tracing whose role cannot send traces,
    # and Chalice adds no X-Ray grant itself when autogen_policy is off.
    tracing = properties(template, "APIHandler").get("Tracing") == "Active"
    xray = {
        (action, resource)
        for statement in role_statements(template)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
        if action.startswith("xray:")
    }
    expected = {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
    assert xray == (expected if tracing else set())


def test_functions_are_named_as_their_log_policy_expects(stage: str, template: Template) -> None:
    names = {
        name: resolve(function["Properties"]["FunctionName"], template)
        for name, function in functions(template).items()
    }
    # As `chalice deploy` names them: docgen-<stage>, and docgen-<stage>-<handler>.
    assert names == {
        name: f"docgen-{stage}" + ("" if name == "APIHandler" else f"-{handler}")
        for name, handler in HANDLERS.items()
    }
    log_resources = [
        resource
        for statement in role_statements(template)
        if any(action.startswith("logs:") for action in as_list(statement["Action"]))
        for resource in as_list(statement["Resource"])
    ]
    assert log_resources == [f"arn:aws:logs:*:*:log-group:/aws/lambda/docgen-{stage}*"]
    # Chalice 1.34 names its log group after ${ApiHandler}, a resource that does not exist.
    log_group = properties(template, "ApiHandlerLogGroup")
    assert log_group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${APIHandler}"}


# --- API Gateway -----------------------------------------------------------------------


def test_every_route_but_the_public_ones_needs_the_api_key(template: Template) -> None:
    swagger = properties(template, "RestAPI")["DefinitionBody"]
    assert swagger["securityDefinitions"]["api_key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }
    paths = swagger["paths"]
    assert set(paths) == set(app_module.app.routes)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path in PUBLIC_ROUTES:
                assert "security" not in operation, (method, path)
            else:
                assert operation.get("security") == API_KEY_SECURITY, (method, path)


def test_usage_plan_throttles_the_key_on_the_api_stage(template: Template) -> None:
    plan = properties(template, "UsagePlan")
    # RestAPI.Stage makes SAM reference (and so wait for) the stage it creates, RestAPIapiStage.
    assert plan["ApiStages"] == [{"ApiId": {"Ref": "RestAPI"}, "Stage": {"Ref": "RestAPI.Stage"}}]
    assert properties(template, "RestAPI")["StageName"] == "api"
    assert plan["Throttle"]["RateLimit"] > 0
    assert plan["Throttle"]["BurstLimit"] >= plan["Throttle"]["RateLimit"]
    assert plan["Quota"]["Limit"] > 0
    assert plan["Quota"]["Period"] in {"DAY", "WEEK", "MONTH"}
    assert properties(template, "UsagePlanKey") == {
        "KeyId": {"Ref": "ApiKey"},
        "KeyType": "API_KEY",
        "UsagePlanId": {"Ref": "UsagePlan"},
    }
    key = properties(template, "ApiKey")
    assert key["Enabled"] is True
    assert "Value" not in key  # API Gateway generates it; it is never in the template


def test_stage_throttles_public_routes_too(template: Template) -> None:
    [setting] = properties(template, "RestAPI")["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] > 0
    assert setting["ThrottlingBurstLimit"] > 0


# API Gateway's own answers: (status, Code) of each, None keeping API Gateway's status.
GATEWAY_RESPONSES = {
    "INVALID_API_KEY": ("403", "ForbiddenError"),  # no key or a wrong one
    "ACCESS_DENIED": ("403", "ForbiddenError"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "NotFoundError"),  # no such route or method
    "RESOURCE_NOT_FOUND": ("404", "NotFoundError"),
    "THROTTLED": ("429", "TooManyRequestsError"),
    "QUOTA_EXCEEDED": ("429", "TooManyRequestsError"),
    "BAD_REQUEST_BODY": ("400", "BadRequestError"),
    "BAD_REQUEST_PARAMETERS": ("400", "BadRequestError"),
    "REQUEST_TOO_LARGE": ("413", "PayloadTooLargeError"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "UnsupportedMediaType"),
    "INTEGRATION_FAILURE": ("502", "BadGatewayError"),
    "INTEGRATION_TIMEOUT": ("504", "GatewayTimeoutError"),
    # A status here would replace that of every other 4XX or 5XX type.
    "DEFAULT_4XX": (None, "BadRequestError"),
    "DEFAULT_5XX": (None, "InternalServerError"),
}
GATEWAY_HEADERS = {"Content-Type": "'application/json'", "X-Request-Id": "context.requestId"}
SAFE_VARIABLES = {"$context.error.responseType"}
"""An enum name, safe inside a JSON string; ``$context.error.message`` may hold quotes."""


def gateway_responses(template: Template) -> Template:
    return properties(template, "RestAPI")["GatewayResponses"]


def gateway_body(response: Template) -> Template:
    """A gateway response's JSON body: sent as written, $context variables filled in (no VTL)."""
    return json.loads(response["ResponseTemplates"]["application/json"])


def sam_transform(template: Template) -> Template:
    """What CloudFormation's AWS::Serverless transform makes of ``template``, offline.

    ``CodeUri`` becomes the S3 location ``aws cloudformation package`` uploads the zip to.
    """

    class NoManagedPolicies:
        """SAM reads managed policies from IAM only for a function's Policies; Chalice
        gives the function a Role instead."""

        @staticmethod
        def load() -> dict[str, str]:
            return {}

    fragment = copy.deepcopy(template)
    for function in functions(fragment).values():
        function["Properties"]["CodeUri"] = "s3://artifacts/code.zip"
    return sam_translate(fragment, {}, NoManagedPolicies())


def test_api_gateway_answers_in_the_contracts_error_shape(template: Template) -> None:
    responses = gateway_responses(template)
    assert set(responses) == set(GATEWAY_RESPONSES)
    for kind, (status, code) in GATEWAY_RESPONSES.items():
        response = responses[kind]
        assert response.get("StatusCode") == status, kind
        assert response["ResponseParameters"] == {"Headers": GATEWAY_HEADERS}, kind
        [(content_type, body)] = response["ResponseTemplates"].items()
        assert content_type == "application/json", kind
        answer = gateway_body(response)
        assert set(answer) == {"Code", "Message"}, kind
        assert answer["Code"] == code, kind
        assert isinstance(answer["Message"], str) and answer["Message"], kind
        assert set(re.findall(r"\$[\w.]+", body)) <= SAFE_VARIABLES, kind


def test_an_unknown_route_is_a_404_that_says_so(template: Template) -> None:
    for kind in ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND"):
        message = gateway_body(gateway_responses(template)[kind])["Message"]
        assert message.startswith("no such route or method"), kind


def test_gateway_responses_are_in_the_api_definition_and_redeploy_it(template: Template) -> None:
    # Inside the swagger body, API Gateway's import sets them with the routes, and SAM names
    # the Deployment after a hash of that body: a changed response is a new deployment.
    # (A separate AWS::ApiGateway::GatewayResponse would be lost when the body is re-imported,
    # and the Deployment, named only by the transform, could not depend on it.)
    resources = sam_transform(template)["Resources"]
    definition = resources["RestAPI"]["Properties"]["Body"]
    deployed = definition["x-amazon-apigateway-gateway-responses"]
    assert set(deployed) == set(GATEWAY_RESPONSES)
    for kind, response in gateway_responses(template).items():
        assert deployed[kind]["responseParameters"] == {
            f"gatewayresponse.header.{name}": value for name, value in GATEWAY_HEADERS.items()
        }
        assert deployed[kind]["responseTemplates"] == response["ResponseTemplates"]
        assert deployed[kind].get("statusCode") == response.get("StatusCode")
    deployment = resources["RestAPIapiStage"]["Properties"]["DeploymentId"]["Ref"]
    assert resources[deployment]["Type"] == "AWS::ApiGateway::Deployment"

    changed = copy.deepcopy(template)
    throttled = gateway_responses(changed)["THROTTLED"]["ResponseTemplates"]
    throttled["application/json"] = throttled["application/json"].replace("slow", "Slow")
    redeployed = sam_transform(changed)["Resources"]["RestAPIapiStage"]
    assert redeployed["Properties"]["DeploymentId"]["Ref"] not in (deployment, None)


# --- the table and the bucket ----------------------------------------------------------


def test_table(stage: str, template: Template) -> None:
    table = properties(template, "CatalogTable")
    assert table["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "PK", "AttributeType": "S"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}
    assert resolve(table.get("DeletionProtectionEnabled", False), template) is (stage == "prod")


def test_the_table_deletes_idempotency_records_past_their_expiry() -> None:
    """DynamoDB's TTL on the records' own attribute; read from the merge template, so it
    holds without packaging."""
    table = json.loads(MERGE_TEMPLATE.read_text())["Resources"]["CatalogTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}


def test_bucket(template: Template) -> None:
    bucket = properties(template, "DocumentsBucket")
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    [lifecycle] = bucket["LifecycleConfiguration"]["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert "Prefix" not in lifecycle and "Filter" not in lifecycle  # the whole bucket
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert lifecycle["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0


def test_bucket_refuses_requests_without_tls(template: Template) -> None:
    policy = properties(template, "DocumentsBucketPolicy")
    assert policy["Bucket"] == {"Ref": "DocumentsBucket"}
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["DocumentsBucket", "Arn"]},
        {"Fn::Sub": "${DocumentsBucket.Arn}/*"},
    ]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_function_finds_the_table_bucket_and_queues_the_stack_creates(
    stage: str, template: Template
) -> None:
    assert {
        queue.url_variable: queue.resource
        for queue in declared_queues(template).values()
        if queue.url_variable
    } == QUEUE_URL_VARIABLES
    for name, function in functions(template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["DYNAMODB_TABLE_NAME"] == {"Ref": "CatalogTable"}, name
        assert variables["S3_BUCKET_NAME"] == {"Ref": "DocumentsBucket"}, name
        for variable, queue in QUEUE_URL_VARIABLES.items():
            assert variables[variable] == {"Ref": queue}, (name, variable)  # Ref: its URL
        ttl = stage_environment(stage)["DOCUMENT_URL_TTL_SECONDS"]
        assert variables["DOCUMENT_URL_TTL_SECONDS"] == ttl, name  # Chalice's own, kept
        assert variables["DEFAULT_LOCALE"] == stage_environment(stage)["DEFAULT_LOCALE"], name


# --- the batch pipeline's queues and workers ----------------------------------------------


def test_each_worker_reads_its_queue_of_the_stack(template: Template) -> None:
    assert consumers(template) == {queue: function for function, queue in WORKERS.items()}
    queues = declared_queues(template)
    assert {queue.resource: queue.handler for queue in queues.values() if queue.handler} == {
        queue: HANDLERS[function] for function, queue in WORKERS.items()
    }
    # Letters that keep failing go to the queue whose worker marks them failed.
    assert queues["LetterQueue"].dead_letters == "LetterDeadLetterQueue"


def test_every_queue_the_code_sends_to_dead_letters_after_five_receives(
    template: Template,
) -> None:
    queues = declared_queues(template)
    for name in QUEUE_URL_VARIABLES.values():
        assert queues[name].max_receive_count == 5, name
        dead_letters = queues[queues[name].dead_letters]
        assert dead_letters.retention == 14 * DAYS, name  # SQS's longest
        assert dead_letters.dead_letters is None, name
    assert set(queues) == set(QUEUE_URL_VARIABLES.values()) | {
        queues[name].dead_letters for name in QUEUE_URL_VARIABLES.values()
    }


def test_every_queue_is_encrypted_at_rest(template: Template) -> None:
    for name in declared_queues(template):
        queue = properties(template, name)
        assert queue["SqsManagedSseEnabled"] is True, name
        assert "KmsMasterKeyId" not in queue, name  # the two are exclusive


def test_a_message_stays_hidden_for_six_times_its_workers_timeout(
    stage: str, template: Template
) -> None:
    """Lambda's guidance for SQS event sources, so a message is not offered again while a
    worker (or its retries of a throttled invocation) may still be working on it."""
    for queue, function in consumers(template).items():
        timeout = properties(template, function)["Timeout"]
        assert timeout == function_timeout(stage, HANDLERS[function]), function
        assert properties(template, queue)["VisibilityTimeout"] >= 6 * timeout, queue
    assert properties(template, "FinishBatches")["Timeout"] == 300
    assert properties(template, "APIHandler")["Timeout"] == 15


def test_the_letter_worker_reports_partial_failures_at_bounded_concurrency(
    template: Template,
) -> None:
    [event] = properties(template, "WriteLetters")["Events"].values()
    assert event["Properties"]["BatchSize"] == 10
    # Chalice 1.34 cannot set it: without it, one failed letter would retry all ten.
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    scaling = {"MaximumConcurrency": {"Ref": "LetterWorkerConcurrency"}}
    assert event["Properties"]["ScalingConfig"] == scaling
    parameter = template["Parameters"]["LetterWorkerConcurrency"]
    assert parameter["Type"] == "Number"
    assert (parameter["MinValue"], parameter["MaxValue"]) == (2, 1000)  # what SQS allows
    [decorated] = [
        source for source in app_module.app.event_sources if source.name == "write_letters"
    ]
    assert parameter["Default"] == decorated.maximum_concurrency  # `chalice deploy`'s
    for name in set(WORKERS) - {"WriteLetters"}:
        [event] = properties(template, name)["Events"].values()
        assert "FunctionResponseTypes" not in event["Properties"], name


def test_sam_maps_each_queue_to_its_worker(template: Template) -> None:
    transformed = sam_transform(template)["Resources"]
    mappings = {
        resource["Properties"]["FunctionName"]["Ref"]: resource["Properties"]
        for resource in transformed.values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    assert {name: get_att_arn(m["EventSourceArn"]) for name, m in mappings.items()} == WORKERS
    letters = mappings["WriteLetters"]
    assert letters["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert letters["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "LetterWorkerConcurrency"}}


def chalice_sqs_function(handler: str, queue: str) -> Template:
    """A function as Chalice emits it for ``@app.on_sqs_message(queue=queue)``."""
    arn = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + queue
    event = {"Type": "SQS", "Properties": {"Queue": {"Fn::Sub": arn}, "BatchSize": 1}}
    properties = {"Handler": f"app.{handler}", "Events": {"Source": event}}
    return {"Type": "AWS::Serverless::Function", "Properties": properties}


def test_packaging_refuses_a_handler_reading_a_queue_not_declared_for_it() -> None:
    queues = {queue.name: queue for queue in declared_queues().values()}
    wired = chalice_sqs_function("write_letters", "docgen-letters")
    point_events_at_queues(wired, queues)
    [event] = wired["Properties"]["Events"].values()
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["LetterQueue", "Arn"]}
    for handler, queue in (("write_letters", "docgen-letterz"), ("plan_batches", "docgen-letters")):
        with pytest.raises(Miswired, match=f"{handler} reads the queue '{queue}', but"):
            point_events_at_queues(chalice_sqs_function(handler, queue), queues)


def test_packaging_refuses_a_function_the_merge_template_configures_but_app_py_lacks() -> None:
    merged = {"Resources": {"WriteLetters": {"Properties": {"Events": {}}}}}
    with pytest.raises(Miswired, match="configures WriteLetters, which chalice package did not"):
        wire(merged, "dev")


def test_the_sweep_runs_every_five_minutes(template: Template) -> None:
    [event] = properties(template, "SweepBatches")["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}


# --- outputs and the gates' skips ------------------------------------------------------


def test_outputs(template: Template) -> None:
    outputs = {name: output["Value"] for name, output in template["Outputs"].items()}
    assert "/api/" in outputs["EndpointURL"]["Fn::Sub"]
    assert outputs["TableName"] == {"Ref": "CatalogTable"}
    assert outputs["BucketName"] == {"Ref": "DocumentsBucket"}
    assert outputs["ApiKeyId"] == {"Ref": "ApiKey"}  # the id: Ref never gives the key's value
    assert "APIKeyValue" not in json.dumps(template["Outputs"])


def test_every_checkov_skip_says_why() -> None:
    merge = json.loads(MERGE_TEMPLATE.read_text())
    skips = [
        (name, skip)
        for name, resource in merge["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
        assert len(skip.get("comment", "")) > 20, (name, skip["id"])


def test_merge_template_is_formatted_with_two_spaces() -> None:
    text = MERGE_TEMPLATE.read_text()
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


# --- teardown --------------------------------------------------------------------------


def test_teardown_empties_every_version_and_delete_marker() -> None:
    with mock_aws():
        s3 = boto3.client("s3")
        create_bucket(s3, "docgen-dev-documents")
        s3.put_bucket_versioning(
            Bucket="docgen-dev-documents", VersioningConfiguration={"Status": "Enabled"}
        )
        for body in (b"one", b"two"):
            s3.put_object(Bucket="docgen-dev-documents", Key="ann/Welcome.txt", Body=body)
        s3.delete_object(Bucket="docgen-dev-documents", Key="ann/Welcome.txt")
        s3.put_object(Bucket="docgen-dev-documents", Key="bob/Welcome.pdf", Body=b"%PDF")

        assert empty_bucket(s3, "docgen-dev-documents") == 4  # 3 versions and 1 marker
        answer = s3.list_object_versions(Bucket="docgen-dev-documents")
        assert "Versions" not in answer and "DeleteMarkers" not in answer
        s3.delete_bucket(Bucket="docgen-dev-documents")  # what CloudFormation will do next


def test_teardown_empties_the_bucket_the_stack_named(capsys: pytest.CaptureFixture) -> None:
    stack = {"Resources": {"DocumentsBucket": {"Type": "AWS::S3::Bucket"}}}
    with mock_aws():
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(StackName="docgen-dev", TemplateBody=json.dumps(stack))
        [bucket] = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
        boto3.client("s3").put_object(Bucket=bucket, Key="ann/Welcome.txt", Body=b"one")

        assert teardown(["dev"]) == 0
        assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=bucket)
    assert bucket.startswith("docgen-dev-documentsbucket")  # named by CloudFormation
    assert capsys.readouterr().out == f"{bucket}: deleted 1 object versions and delete markers\n"


def test_teardown_of_a_stack_already_gone_does_nothing(capsys: pytest.CaptureFixture) -> None:
    with mock_aws():
        assert teardown(["dev"]) == 0
    assert capsys.readouterr().out == (
        "the stack docgen-dev has no documents bucket; nothing to empty\n"
    )


# --- the code zip's bytecode -----------------------------------------------------------


def pyc_name(source: str, runtime: str) -> str:
    """Where ``runtime`` (``python3.11``) looks for the bytecode of ``source``."""
    folder, _, file = source.rpartition("/")
    tag = "cpython-" + runtime.removeprefix("python").replace(".", "")
    return f"{folder}/__pycache__/{file[:-3]}.{tag}.pyc".lstrip("/")


def test_every_module_in_the_code_zip_has_unchecked_bytecode_for_the_runtime(
    stage: str, template: Template
) -> None:
    runtime = properties(template, "APIHandler")["Runtime"]
    assert runtime == f"python{sys.version_info.major}.{sys.version_info.minor}"  # the magic
    with code_zip(stage) as code:
        names = code.namelist()
        sources = [name for name in names if name.endswith(".py")]
        assert {"app.py", "chalicelib/domain/layout/pdf.py", "jinja2/__init__.py"} <= set(sources)
        assert {pyc_name(source, runtime) for source in sources} == {
            name for name in names if name.endswith(".pyc")
        }
        for source in sources:
            header = code.read(pyc_name(source, runtime))[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER, source
            assert int.from_bytes(header[4:8], "little") == 0b01, source  # hash, unchecked
            assert header[8:] == importlib.util.source_hash(code.read(source)), source
        entries = code.infolist()
    assert names == sorted(names)
    assert {(entry.date_time, entry.external_attr) for entry in entries} == {(ZIP_DATE, ZIP_MODE)}


def run_unpacked(folder: Path, probe: str, *args: str) -> str:
    """What ``probe`` prints in a new interpreter that sees only ``folder`` (an unpacked code
    zip) and the standard library (``-S``) and writes no bytecode (``-B``), as on Lambda."""
    command = [sys.executable, "-S", "-B", "-c", probe, *args]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_import_reads_the_bytecode_not_the_source(stage: str, tmp_path: Path) -> None:
    with code_zip(stage) as code:
        code.extractall(tmp_path)
    module = tmp_path / "typing_extensions.py"
    module.write_text(module.read_text() + "\nraise SystemExit('compiled from source')\n")
    probe = "import typing_extensions; print(typing_extensions.__file__)"
    assert run_unpacked(tmp_path, probe) == f"{module}\n"


def test_the_zip_is_the_same_wherever_and_whenever_it_is_built(tmp_path: Path) -> None:
    files = {"app.py": "import pkg.mod\n", "pkg/__init__.py": "", "pkg/mod.py": "X = 1\n"}
    files["pkg/data.txt"] = "not Python"
    pillow = ["PIL/__init__.py", "PIL/_imaging.cpython-311-x86_64-linux-gnu.so"]
    pillow += ["pillow.libs/libjpeg-1a2b3c.so.62", "pillow-12.2.0.dist-info/WHEEL"]
    files.update(dict.fromkeys(pillow, "Pillow"))
    zips = []
    for build in ("one", "two"):
        zip_path = tmp_path / build / "deployment.zip"
        zip_path.parent.mkdir()
        with zipfile.ZipFile(zip_path, "w") as code:
            for name, text in reversed(files.items()):  # unsorted, dated now
                code.writestr(name, text)
        finish_code_zip(zip_path, "python3.11")
        zips.append(zip_path.read_bytes())
    assert zips[0] == zips[1]
    with zipfile.ZipFile(tmp_path / "one" / "deployment.zip") as code:
        assert code.namelist() == [
            "PIL/Image.py",
            "PIL/__init__.py",
            "PIL/__pycache__/Image.cpython-311.pyc",
            "PIL/__pycache__/__init__.cpython-311.pyc",
            "__pycache__/app.cpython-311.pyc",
            "app.py",
            "pkg/__init__.py",
            "pkg/__pycache__/__init__.cpython-311.pyc",
            "pkg/__pycache__/mod.cpython-311.pyc",
            "pkg/data.txt",
            "pkg/mod.py",
        ]
        assert code.read("pkg/data.txt") == b"not Python"
        assert code.read("PIL/__init__.py") == (PIL_STUB / "PIL" / "__init__.py").read_bytes()


def test_no_bytecode_for_another_python() -> None:
    check_runtime("python3.11")
    with pytest.raises(WrongPython, match=r"runs python3\.12; compile .* not python3\.11"):
        check_runtime("python3.12")


# --- the PIL stub in place of Pillow ---------------------------------------------------

LETTERS = [
    Letter("TestCustomer", "Welcome", SAMPLE_LETTER, datetime(2026, 11, 23, 21, tzinfo=UTC)),
    Letter(
        "ZoeLukasz",
        "Membership",
        "Dear Zoë Łukasz Ωμέγα Дмитрий;\n\n" + "\n".join(f"Line {n} of many." for n in range(90)),
        datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
    ),
    Letter(  # every fallback font, python-bidi's compiled wheel and arabic-reshaper
        "Sara",
        "Welcome",
        "Dear 山田太郎, 김민준, שרה לוי and سارة;\n\U0001d434nn",
        datetime(2026, 11, 25, 9, tzinfo=UTC),
    ),
]
RENDER_PROBE = """
import hashlib, json, sys
from datetime import datetime
from io import BytesIO
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letters import Letter
from reportlab.lib.utils import ImageReader
import PIL

pdfs = [
    hashlib.sha256(letter_pdf(Letter(c, d, t, datetime.fromisoformat(w)))).hexdigest()
    for c, d, t, w in json.loads(sys.argv[1])
]
try:
    ImageReader(BytesIO(b"\\x89PNG\\r\\n\\x1a\\n"))
    image = "read"
except Exception as error:
    image = type(error).__name__ + ": " + str(error)
loaded = sorted(name for name in sys.modules if name.partition(".")[0] == "PIL")
print(json.dumps({"pdfs": pdfs, "PIL": PIL.__file__, "loaded": loaded, "image": image}))
"""


def test_the_code_zip_has_the_fonts_and_the_pil_stub_not_pillow(
    stage: str, template: Template
) -> None:
    runtime = properties(template, "APIHandler")["Runtime"]
    stub = {path.relative_to(PIL_STUB).as_posix(): path for path in PIL_STUB.rglob("*.py")}
    assert set(stub) == {"PIL/__init__.py", "PIL/Image.py"}
    with code_zip(stage) as code:
        names = code.namelist()
        for name, path in stub.items():
            assert code.read(name) == path.read_bytes(), name
    assert {
        f"chalicelib/domain/layout/fonts/{name}"
        for name in (
            "DejaVuSerif.ttf",
            "DejaVuSans.ttf",
            "DroidSansFallback.ttf",
            "DejaVuSerif-Bold.ttf",
            "DejaVuSerif-Italic.ttf",
            "DejaVuSerif-BoldItalic.ttf",
            "DejaVuSansMono.ttf",
            "LICENSE",
            "LICENSE-DroidSansFallback",
        )
    } <= set(names)
    assert {name for name in names if name.startswith("PIL/")} == {
        *stub,
        *(pyc_name(name, runtime) for name in stub),
    }
    assert not [name for name in names if name.lower().startswith("pillow")]


def test_reportlab_draws_the_same_letters_with_the_stub_and_refuses_images(
    stage: str, tmp_path: Path
) -> None:
    with code_zip(stage) as code:
        code.extractall(tmp_path)
    letters = [[x.customer_id, x.doc_type, x.text, x.dated.isoformat()] for x in LETTERS]
    found = json.loads(run_unpacked(tmp_path, RENDER_PROBE, json.dumps(letters)))
    # Here, ReportLab has the real Pillow (its Image class); there, the zip's stub alone.
    with_pillow = [hashlib.sha256(letter_pdf(letter)).hexdigest() for letter in LETTERS]
    assert isinstance(sys.modules["PIL.Image"].Image, type)
    assert found["pdfs"] == with_pillow
    assert (found["PIL"], found["loaded"]) == (
        str(tmp_path / "PIL" / "__init__.py"),
        ["PIL", "PIL.Image"],
    )
    assert found["image"].startswith("NoPillowError: ")
    assert "docgen's Lambda package has no Pillow (PIL is a stub)" in found["image"]


# --- Babel, with all its locales ---------------------------------------------------------

FORMAT_PROBE = """
import json, os, sys
os.environ["TZ"] = ":UTC"  # as Lambda sets it: Babel reads it as it loads
from decimal import Decimal
import babel
from babel import localedata
from chalicelib.domain.rendering.formatting import (
    format_currency, format_date, format_number, format_percent, locale_problem)

formatted = [
    [format_date("2026-12-01", "full", tag), format_number(Decimal("-1234567.891"), tag, 2),
     format_currency(Decimal("1234.5"), "EUR", tag), format_percent(Decimal("0.256"), tag)]
    for tag in json.loads(sys.argv[1])
]
print(json.dumps({"babel": babel.__file__, "version": babel.__version__,
                  "locales": sorted(localedata.locale_identifiers()),
                  "unknown": locale_problem("xx-YY"), "formatted": formatted}))
"""
PACKAGE_LOCALES = ["en_US", "de-DE", "fr_FR", "ja_JP", "ar_EG", "zh-TW", "sr-Latn-RS", "hi_IN"]


def test_the_code_zip_has_every_locale_babel_has_here(stage: str, tmp_path: Path) -> None:
    """All of Babel's locales ship, so every locale a template may name when stored (here
    or in the function) formats there as it does here."""
    with code_zip(stage) as code:
        code.extractall(
            tmp_path,
            [name for name in code.namelist() if name.startswith(("babel/", "chalicelib/"))],
        )
    found = json.loads(run_unpacked(tmp_path, FORMAT_PROBE, json.dumps(PACKAGE_LOCALES)))

    assert (found["babel"], found["version"]) == (
        str(tmp_path / "babel" / "__init__.py"),
        babel.__version__,
    )
    assert found["locales"] == sorted(localedata.locale_identifiers())
    assert len(found["locales"]) > 1000
    assert found["unknown"] == locale_problem("xx-YY")
    assert found["formatted"] == [
        [
            format_date("2026-12-01", "full", tag),
            format_number(Decimal("-1234567.891"), tag, 2),
            format_currency(Decimal("1234.5"), "EUR", tag),
            format_percent(Decimal("0.256"), tag),
        ]
        for tag in PACKAGE_LOCALES
    ]
