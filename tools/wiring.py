"""``make package``'s last step on the template: every function wired to the stack's own
table, bucket and queues.

Chalice writes what ``.chalice/config.json``, the policy file and the decorators name: the
table and bucket by name in each function's environment, each SQS event's queue as an ARN
built from the decorator's name, and the policy's resources as ARNs of those names. That is
right for ``chalice deploy`` against resources someone brought. The stack creates its own,
and CloudFormation names the bucket (bucket names are global: a fixed one fails for the
second account that deploys docgen) and the queues. So, for every function Chalice emits:

- its environment names the table, the bucket and each queue (``urlVariable``) by ``Ref``;
- each SQS event reads the stack's queue of the decorator's name (``tools/queues.py``), which
  must name that handler as its reader;
- its role's policy names the bucket and the queues by reference (the table keeps the name
  the stage gives it: table names are per account and region);
- it is named ``docgen-<stage>-<handler>``, as ``chalice deploy`` names it and the policy's
  log statement expects (the API handler's name, ``docgen-<stage>``, is the merge template's);
- it and its log group carry the checkov skips the merge template gives the API handler and
  its log group, whose reasons are written to hold for every function.
"""

import copy
from collections.abc import Iterator
from typing import Any

from tools.queues import Queue, declared_queues
from tools.stack import chalice_config, stage_environment

FUNCTION_TYPE = "AWS::Serverless::Function"
API_HANDLER = "APIHandler"
API_LOG_GROUP = "ApiHandlerLogGroup"
TABLE = "CatalogTable"
BUCKET = "DocumentsBucket"
SQS_ARN_PREFIX = "arn:aws:sqs:*:*:"
"""How the policy files name the decorators' queues, in any region and account."""

Template = dict[str, Any]


class Miswired(Exception):
    """The functions Chalice emits and the merge template do not fit: a handler reads a queue
    not declared for it, or the merge template configures a function app.py does not have."""


def of_type(template: Template, kind: str) -> Iterator[tuple[str, Template]]:
    for name, resource in template["Resources"].items():
        if resource.get("Type") == kind:
            yield name, resource


def stack_variables(template: Template) -> dict[str, Any]:
    """The environment every function gets: the stack's table, bucket and queues."""
    variables: dict[str, Any] = {"DYNAMODB_TABLE_NAME": {"Ref": TABLE}}
    variables["S3_BUCKET_NAME"] = {"Ref": BUCKET}
    for queue in declared_queues(template).values():
        if queue.url_variable:
            variables[queue.url_variable] = {"Ref": queue.resource}  # a queue's Ref is its URL
    return variables


def handler_name(function: Template) -> str:
    """The function's name in ``app.py``: ``write_letters`` of ``app.write_letters``."""
    return function["Properties"]["Handler"].rpartition(".")[2]


def queue_name(chalice_queue: Any) -> str:
    """The queue's name in Chalice's ARN: a string, or ``{"Fn::Sub": "arn:...:<name>"}``."""
    arn = chalice_queue["Fn::Sub"] if isinstance(chalice_queue, dict) else chalice_queue
    return arn.rpartition(":")[2]


def point_events_at_queues(function: Template, queues: dict[str, Queue]) -> None:
    """Each SQS event of ``function`` reads the stack's queue of its decorator's name."""
    handler = handler_name(function)
    for event in function["Properties"].get("Events", {}).values():
        if event["Type"] != "SQS":
            continue
        name = queue_name(event["Properties"]["Queue"])
        queue = queues.get(name)
        if queue is None or queue.handler != handler:
            raise Miswired(
                f"{handler} reads the queue {name!r}, but infra/merge-template.json declares "
                f"no queue of that name read by {handler}"
            )
        event["Properties"]["Queue"] = {"Fn::GetAtt": [queue.resource, "Arn"]}


def reference(resource: str, bucket: str, queue_ids: dict[str, str]) -> Any:
    """``resource`` from a policy file, by reference if it is the stack's bucket or a queue."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if resource == bucket_arn:
        return {"Fn::GetAtt": [BUCKET, "Arn"]}
    if resource.startswith(bucket_arn + "/"):
        return {"Fn::Sub": "${" + BUCKET + ".Arn}" + resource.removeprefix(bucket_arn)}
    name = resource.removeprefix(SQS_ARN_PREFIX)
    if resource.startswith(SQS_ARN_PREFIX) and name in queue_ids:
        return {"Fn::GetAtt": [queue_ids[name], "Arn"]}
    return resource


def refer_to_stack_resources(role: Template, bucket: str, queue_ids: dict[str, str]) -> None:
    """Each statement names one resource, as the policy files write them."""
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            statement["Resource"] = reference(statement["Resource"], bucket, queue_ids)


def wire(template: Template, stage: str) -> None:
    """Wire every function of the packaged ``template`` for ``stage`` to the stack's resources."""
    resources = template["Resources"]
    for name, resource in resources.items():
        if "Type" not in resource:  # merged into nothing: CloudFormation would refuse it
            raise Miswired(
                f"infra/merge-template.json configures {name}, which chalice package did not "
                "emit: is its handler missing from app.py?"
            )
    queues = {queue.name: queue for queue in declared_queues(template).values()}
    queue_ids = {name: queue.resource for name, queue in queues.items()}
    variables = stack_variables(template)
    app_name = chalice_config()["app_name"]
    for name, function in of_type(template, FUNCTION_TYPE):
        properties = function["Properties"]
        properties.setdefault("Environment", {}).setdefault("Variables", {}).update(variables)
        point_events_at_queues(function, queues)
        if name != API_HANDLER:
            function_name = f"{app_name}-${{Stage}}-{handler_name(function)}"
            properties["FunctionName"] = {"Fn::Sub": function_name}
            function.setdefault("Metadata", copy.deepcopy(resources[API_HANDLER]["Metadata"]))
    for _, log_group in of_type(template, "AWS::Logs::LogGroup"):
        log_group.setdefault("Metadata", copy.deepcopy(resources[API_LOG_GROUP]["Metadata"]))
    bucket = stage_environment(stage)["S3_BUCKET_NAME"]
    for _, role in of_type(template, "AWS::IAM::Role"):
        refer_to_stack_resources(role, bucket, queue_ids)
