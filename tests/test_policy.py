"""The stage policies grant exactly what the app does: recorded from this whole test run.

Every client the tests build the app's way (``tests.support.app_resource``)
records each operation it calls and each URL it presigns. ``conftest.py``
runs this test last, so it sees the whole suite's record.
"""

import json

import pytest

from tests.support import CALLED_BY_THE_APP, CONFIG
from tools.stack import PROJECT_DIR

S3_ACTIONS = {
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",  # a presigned download link
    "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
    "ListObjectsV2": "s3:ListBucket",
}
"""S3's operations and the IAM actions AWS authorizes them with; DynamoDB's share their names."""
RUNTIME_PREFIXES = ("logs:", "xray:")
"""What the Lambda runtime does for the function (its logs, prod's traces), not the code."""


def needed_grants(table: str, bucket: str) -> set[tuple[str, str]]:
    """(action, resource) for everything the suite saw the app do."""
    grants = set()
    for service, operation in CALLED_BY_THE_APP:
        if service == "dynamodb":
            grants.add((f"dynamodb:{operation}", f"arn:aws:dynamodb:*:*:table/{table}"))
        else:
            action = S3_ACTIONS[operation]  # a KeyError here: a new S3 call to map
            on_bucket = action == "s3:ListBucket"
            grants.add((action, f"arn:aws:s3:::{bucket}" + ("" if on_bucket else "/*")))
    return grants


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_policy_grants_exactly_what_the_suite_saw_the_app_call(stage: str) -> None:
    if not CALLED_BY_THE_APP:
        pytest.fail("nothing was recorded: run this test with the whole suite (make test)")
    config = CONFIG["stages"][stage]
    env = config["environment_variables"]
    policy = json.loads((PROJECT_DIR / ".chalice" / config["iam_policy_file"]).read_text())
    granted = {
        (action, statement["Resource"])
        for statement in policy["Statement"]
        for action in statement["Action"]
        if statement["Effect"] == "Allow" and not action.startswith(RUNTIME_PREFIXES)
    }

    needed = needed_grants(env["DYNAMODB_TABLE_NAME"], env["S3_BUCKET_NAME"])

    assert needed - granted == set(), "the app calls what the policy does not allow"
    assert granted - needed == set(), "the policy allows what the app never calls"
