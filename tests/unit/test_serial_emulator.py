"""The local emulator's cheap transaction backups keep moto's meaning: a transaction whose
condition fails writes nothing, one that holds writes everything, and items it does not
name are untouched and not even copied. Checked in a fresh interpreter: the patch is the
emulator process's."""

import json

from tests.support import MOCKED_DEV_STAGE, fresh_python

PROBE = (
    MOCKED_DEV_STAGE
    + """
import json
from tools.serial_emulator import cheap_transaction_backups
cheap_transaction_backups()
dynamodb = boto3.client("dynamodb")
dynamodb.create_table(TableName="t", KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST")
for key in ("a", "b", "bystander"):
    dynamodb.put_item(TableName="t", Item={"PK": {"S": key}, "n": {"N": "1"}, "m": {"M": {}}})
def bump(key, condition=None):
    update = {"TableName": "t", "Key": {"PK": {"S": key}}, "UpdateExpression": "ADD n :one",
              "ExpressionAttributeValues": {":one": {"N": "1"}}}
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
def bystander():
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["t"]
    return id(table.items[DynamoType({"S": "bystander"})])
before = bystander()
failed = None
try:
    put = {"Put": {"TableName": "t", "Item": {"PK": {"S": "new"}, "m": {"M": {"k": {"S": "v"}}}}}}
    refused = bump("b", "attribute_not_exists(PK)")
    dynamodb.transact_write_items(TransactItems=[bump("a"), put, refused])
except dynamodb.exceptions.TransactionCanceledException as error:
    failed = [reason["Code"] for reason in error.response["CancellationReasons"]]
after_failure = {k: dynamodb.get_item(TableName="t", Key={"PK": {"S": k}})["Item"]["n"]["N"]
                 for k in ("a", "b", "bystander")}
dynamodb.transact_write_items(TransactItems=[bump("a"), bump("b")])
after_success = {k: dynamodb.get_item(TableName="t", Key={"PK": {"S": k}})["Item"]["n"]["N"]
                 for k in ("a", "b", "bystander")}
shared = bystander() == before  # rolled back without a copy of what it did not name
print(json.dumps({"failed": failed, "before": after_failure, "after": after_success,
                  "shared": shared}))
"""
)


def test_a_transaction_still_writes_all_or_nothing() -> None:
    seen = json.loads(fresh_python(PROBE))
    assert seen == {
        "failed": ["None", "None", "ConditionalCheckFailed"],
        "before": {"a": "1", "b": "1", "bystander": "1"},
        "after": {"a": "2", "b": "2", "bystander": "1"},
        "shared": True,
    }


QUEUE_PROBE = (
    MOCKED_DEV_STAGE
    + """
import json, time
from tools.serial_emulator import quick_queue_clock
quick_queue_clock()
sqs = boto3.client("sqs")
url = sqs.create_queue(QueueName="q")["QueueUrl"]
sqs.send_message(QueueUrl=url, MessageBody="now")
sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
first = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                VisibilityTimeout=1).get("Messages", [])]
time.sleep(1.2)
again = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
               .get("Messages", []))
print(json.dumps({"first": first, "again": again}))
"""
)


def test_the_quick_queue_clock_keeps_delays_and_visibility() -> None:
    assert json.loads(fresh_python(QUEUE_PROBE)) == {"first": ["now"], "again": ["later", "now"]}
