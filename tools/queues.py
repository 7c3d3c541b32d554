"""The batch pipeline's SQS queues, as ``infra/merge-template.json`` declares them.

The template is their one description: ``make package`` points each function's SQS event
and environment at them (``tools/wiring.py``), and ``make run`` and the tests create the
same queues, each with its dead-letter queue, on moto's server (``tools/stack.py``).

Each queue's ``Metadata.docgen`` says how the code knows it: ``queueName``, the name the
``@app.on_sqs_message`` decorator gives (so ``chalice deploy``'s queue, and the local one);
for a queue the code sends to, ``urlVariable``, the environment variable holding its URL; and
for a queue a function reads, ``handler``, that function's name in ``app.py``. In the stack,
CloudFormation names the queues itself, so two stages can share an account.
"""

import json
from dataclasses import dataclass
from typing import Any

from tools.stack import MERGE_TEMPLATE

QUEUE_TYPE = "AWS::SQS::Queue"


@dataclass(frozen=True)
class Queue:
    """One queue of the template."""

    resource: str
    """Its logical id."""
    name: str
    """Its decorator's name."""
    url_variable: str | None
    """The variable the code reads its URL from; None for a queue fed only by SQS's redrive."""
    handler: str | None
    """The handler that reads it; None for a dead-letter queue kept for people to look into."""
    visibility_timeout: int | None
    """Seconds; None for SQS's default (30), on dead-letter queues nothing consumes."""
    retention: int
    dead_letters: str | None
    """The logical id of the queue its failing messages move to, or None."""
    max_receive_count: int | None
    """Receives after which a message moves to ``dead_letters``."""


def merge_template() -> dict[str, Any]:
    return json.loads(MERGE_TEMPLATE.read_text())


def declared_queues(template: dict[str, Any] | None = None) -> dict[str, Queue]:
    """Every queue in ``template`` (the merge template's by default), by logical id."""
    resources = (merge_template() if template is None else template)["Resources"]
    queues = {}
    for resource, declared in resources.items():
        if declared.get("Type") != QUEUE_TYPE:
            continue
        docgen = declared["Metadata"]["docgen"]
        properties = declared["Properties"]
        redrive = properties.get("RedrivePolicy", {})
        queues[resource] = Queue(
            resource=resource,
            name=docgen["queueName"],
            url_variable=docgen.get("urlVariable"),
            handler=docgen.get("handler"),
            visibility_timeout=properties.get("VisibilityTimeout"),
            retention=properties["MessageRetentionPeriod"],
            dead_letters=redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] if redrive else None,
            max_receive_count=redrive.get("maxReceiveCount"),
        )
    return queues


def create_queues(sqs: Any, queues: dict[str, Queue] | None = None) -> dict[str, str]:
    """Create ``queues`` (the template's) by their decorators' names, each dead-letter queue
    before the queues that move messages to it, with the template's redrive and timeouts;
    return each name's URL. For moto's server: ``make run`` and the tests."""
    queues = declared_queues() if queues is None else queues
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    for queue in sorted(queues.values(), key=lambda q: q.dead_letters is not None):
        attributes = {"MessageRetentionPeriod": str(queue.retention)}
        if queue.visibility_timeout is not None:
            attributes["VisibilityTimeout"] = str(queue.visibility_timeout)
        if queue.dead_letters is not None:
            redrive = {
                "deadLetterTargetArn": arns[queue.dead_letters],
                "maxReceiveCount": queue.max_receive_count,
            }
            attributes["RedrivePolicy"] = json.dumps(redrive)
        url = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]
        urls[queue.name] = url
        arns[queue.resource] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    return urls
