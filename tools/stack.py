"""The table, the bucket and the sample data, as the original AWS sample had them.

Shared by ``make run``, the tests and the benchmarks, so all three see the
same layout: a table with hash key ``PK`` only, and items holding just
``PK`` and ``data``.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
MERGE_TEMPLATE = PROJECT_DIR / "infra" / "merge-template.json"
"""What ``make package`` merges into Chalice's template: the stack's own resources."""

# The original sample's README seeds exactly these two items.
SAMPLE_ITEMS = (
    {"PK": {"S": "C#TestCustomer"}, "data": {"S": "Testing Customer"}},
    {"PK": {"S": "D#Welcome"}, "data": {"S": "\nHello and Welcome!\n"}},
)
SAMPLE_LETTER = "Dear Testing Customer;\n\nHello and Welcome!\n"


def chalice_config() -> dict[str, Any]:
    return json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables ``.chalice/config.json`` gives a stage."""
    config = chalice_config()
    return {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }


def function_timeout(stage: str, function: str) -> int:
    """The Lambda timeout, in seconds, Chalice gives ``function`` (``api_handler``, or an event
    handler's name) on ``stage``: looked up as Chalice does, per function, stage and project."""
    from chalice.config import Config

    config = Config(chalice_stage=stage, function_name=function, config_from_disk=chalice_config())
    return config.lambda_timeout


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


# The emulator takes any keys; these make boto3 sign without looking for real ones.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

# Settings that could sign with real credentials or send calls somewhere other than
# the endpoint a process is given (per-service AWS_ENDPOINT_URL_* are dropped too).
_REAL_AWS_SETTINGS = frozenset(
    {
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    }
)


def emulator_environment(base: Mapping[str, str], region: str) -> dict[str, str]:
    """``base`` fit for a process that must reach the local emulator and nothing else.

    Dummy keys, no profile, token, per-service endpoint or shared config file
    that could point its AWS calls elsewhere, and no proxy for 127.0.0.1.
    """
    env = {
        name: value
        for name, value in base.items()
        if name not in _REAL_AWS_SETTINGS and not name.startswith("AWS_ENDPOINT_URL_")
    }
    env.update(DUMMY_CREDENTIALS)
    env["AWS_DEFAULT_REGION"] = region
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, (env.get(name), "127.0.0.1")))
    return env


def _emulator_session(region: str) -> tuple[Any, Any]:
    """A boto3 session with the dummy keys and a config without proxies.

    Everything is explicit, so nothing in the developer's AWS setup can send
    calls made through them (or real credentials) anywhere else.
    """
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=region,
    )
    return session, Config(proxies={})


def emulator_clients(endpoint_url: str, region: str) -> tuple[Any, Any]:
    """DynamoDB and S3 clients for the emulator, with the dummy keys and no proxy."""
    session, config = _emulator_session(region)
    return (
        session.client("dynamodb", endpoint_url=endpoint_url, config=config),
        session.client("s3", endpoint_url=endpoint_url, config=config),
    )


def emulator_dynamodb(endpoint_url: str, region: str) -> Any:
    """DynamoDB's resource layer (as the repository uses it) for the emulator, set up alike."""
    session, config = _emulator_session(region)
    return session.resource("dynamodb", endpoint_url=endpoint_url, config=config)


def emulator_sqs(endpoint_url: str, region: str) -> Any:
    """An SQS client for the emulator, set up alike: the local queues and their workers."""
    session, config = _emulator_session(region)
    return session.client("sqs", endpoint_url=endpoint_url, config=config)
