"""The table, the bucket and the sample data, as the original AWS sample had them.

Shared by ``make run``, the tests and the benchmarks, so all three see the
same layout: a table with hash key ``PK`` only, and items holding just
``PK`` and ``data``.
"""

import json
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The original sample's README seeds exactly these two items.
SAMPLE_ITEMS = (
    {"PK": {"S": "C#TestCustomer"}, "data": {"S": "Testing Customer"}},
    {"PK": {"S": "D#Welcome"}, "data": {"S": "\nHello and Welcome!\n"}},
)
SAMPLE_LETTER = "Dear Testing Customer;\n\nHello and Welcome!\n"


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables ``.chalice/config.json`` gives a stage."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    return {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }


def create_table(dynamodb: Any, table_name: str) -> None:
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_bucket(s3: Any, bucket: str) -> None:
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})


def seed_sample(dynamodb: Any, table_name: str) -> None:
    for item in SAMPLE_ITEMS:
        dynamodb.put_item(TableName=table_name, Item=item)


def create_stack(dynamodb: Any, s3: Any, stage: str) -> tuple[str, str]:
    """Create the stage's table and bucket and seed them; return their names."""
    env = stage_environment(stage)
    table, bucket = env["DYNAMODB_TABLE_NAME"], env["S3_BUCKET_NAME"]
    create_table(dynamodb, table)
    create_bucket(s3, bucket)
    seed_sample(dynamodb, table)
    return table, bucket
