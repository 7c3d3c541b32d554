"""The settings every boto3 resource docgen builds is given, seen on the requests it sends."""

import sys

import boto3
import botocore
import pytest
from botocore.exceptions import ClientError

from tests.support import AWS, TABLE, app_resource, sent_headers


@pytest.mark.parametrize("service_name", ["dynamodb", "s3", "sqs"])
def test_every_request_says_it_comes_from_docgen(aws: AWS, service_name: str) -> None:
    resource = app_resource(service_name, aws)
    sent = sent_headers(resource.meta.client)

    with pytest.raises(ClientError):  # any call will do: this one reaches the service
        {
            "dynamodb": lambda client: client.describe_table(TableName="absent"),
            "s3": lambda client: client.head_bucket(Bucket="absent"),
            "sqs": lambda client: client.get_queue_url(QueueName="absent"),
        }[service_name](resource.meta.client)

    python = ".".join(map(str, sys.version_info[:3]))
    [headers] = sent
    agent = headers["User-Agent"].decode()
    # Then what libraries loaded before the session register (Powertools' PT/..., Chalice's).
    assert agent.startswith(
        f"docgen Boto3/{boto3.__version__} Python/{python} Botocore/{botocore.__version__} Resource"
    )
    assert "ua/2.1" not in agent  # botocore's own string is never built


def test_parameters_are_checked_by_docgen_and_aws_not_again_by_botocore(aws: AWS) -> None:
    table = app_resource("dynamodb", aws).Table(TABLE)
    sent = sent_headers(table.meta.client)

    # botocore's own check would refuse the empty name before sending it (ParamValidationError).
    with pytest.raises(ClientError):
        table.meta.client.get_item(TableName="", Key={"PK": "C#ann"})

    assert len(sent) == 1
    assert aws.calls == ["GetItem"]
