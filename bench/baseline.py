"""BASELINE, not docgen: the original AWS sample's handler, naive on purpose.

It is the yardstick ``python -m bench`` measures docgen against, so it keeps
the sample's habits: clients built at import time, one GetItem per item,
then a PutObject. Do not improve it; that would move the yardstick.
"""

import json
import os

import boto3

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ["DYNAMODB_TABLE_NAME"])
s3 = boto3.client("s3")


def lambda_handler(event: dict, context: object) -> dict:
    """Read the customer, read the template, write ``Dear <name>;\\n<text>``."""
    customer_id = event["pathParameters"]["customerId"]
    doc_type = event["pathParameters"]["docType"]
    customer = table.get_item(Key={"PK": "C#" + customer_id}).get("Item")
    template = table.get_item(Key={"PK": "D#" + doc_type}).get("Item")
    if customer is None or template is None:
        return {"statusCode": 404, "body": json.dumps({"message": "Not found"})}
    bucket, key = os.environ["S3_BUCKET_NAME"], f"{customer_id}/{doc_type}.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=f"Dear {customer['data']};\n{template['data']}")
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"bucket": bucket, "key": key}),
    }
