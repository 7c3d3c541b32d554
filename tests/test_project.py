"""Project-level promises: stages, the policy files, and what import time costs."""

import json

from moto import mock_aws

from chalicelib.aws import make_client
from chalicelib.repository import DynamoDBRepository
from chalicelib.storage import MAX_URL_TTL_SECONDS
from tests.fresh import fresh_python
from tools.stack import PROJECT_DIR, create_stack, stage_environment

# What chalicelib/repository.py calls; issue 5 replaces this list with one recorded from the suite.
DYNAMODB_CALLS = ("BatchGetItem", "DeleteItem", "GetItem", "Scan", "UpdateItem")
S3_CALLS = ("DeleteObject", "GetObject", "PutObject")  # GetObject covers HeadObject
CONFIG = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())


def test_stages() -> None:
    assert set(CONFIG["stages"]) == {"dev", "prod", "local"}
    for stage in CONFIG["stages"].values():
        assert stage["lambda_timeout"] < 29  # API Gateway's own limit


def test_local_stage_points_at_loopback_and_cannot_be_deployed() -> None:
    local = CONFIG["stages"]["local"]
    assert local["environment_variables"]["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    # No managed role, and a role ARN in an account that cannot exist: a
    # `chalice deploy --stage local` fails before it creates anything.
    assert local["manage_iam_role"] is False
    assert local["iam_role_arn"].startswith("arn:aws:iam::000000000000:role/")


def test_deployed_stages_grant_exactly_the_calls_the_code_makes() -> None:
    for name in ("dev", "prod"):
        stage = CONFIG["stages"][name]
        env = stage["environment_variables"]
        policy = json.loads((PROJECT_DIR / ".chalice" / stage["iam_policy_file"]).read_text())
        grants = {
            (action, statement["Resource"])
            for statement in policy["Statement"]
            for action in statement["Action"]
            if not action.startswith(("logs:", "xray:"))
        }
        table = f"arn:aws:dynamodb:*:*:table/{env['DYNAMODB_TABLE_NAME']}"
        assert grants == {
            *((f"dynamodb:{action}", table) for action in DYNAMODB_CALLS),
            *((f"s3:{action}", f"arn:aws:s3:::{env['S3_BUCKET_NAME']}/*") for action in S3_CALLS),
            ("s3:ListBucket", f"arn:aws:s3:::{env['S3_BUCKET_NAME']}"),
        }
    assert CONFIG["autogen_policy"] is False


def test_importing_the_app_builds_no_client_and_imports_no_boto3() -> None:
    probe = (
        "import sys, app; print(sorted(m for m in "
        "('boto3', 'botocore', 'aws_lambda_powertools') if m in sys.modules))"
    )
    assert fresh_python(probe) == "[]"


def test_client_is_built_on_first_use_and_kept() -> None:
    repository = DynamoDBRepository(table_name="docgen-dev")
    assert "client" not in vars(repository)
    with mock_aws():
        create_stack(make_client("dynamodb"), make_client("s3"), "dev")
        repository.get_customer_and_template("TestCustomer", "Welcome")
        first = repository.client
        repository.get_customer_and_template("TestCustomer", "Welcome")
    assert first is not None
    assert repository.client is first


def test_each_stage_sets_how_long_download_links_work() -> None:
    lifetimes = {
        name: stage_environment(name)["DOCUMENT_URL_TTL_SECONDS"] for name in CONFIG["stages"]
    }
    assert lifetimes == {"dev": "900", "local": "900", "prod": "300"}
    assert all(1 <= int(seconds) <= MAX_URL_TTL_SECONDS for seconds in lifetimes.values())
