"""``make destroy``: empty a stage's document bucket so that its stack can be deleted.

CloudFormation cannot delete a bucket that still holds anything, and a versioned bucket
holds every old version and delete marker too, which ``aws s3 rm --recursive`` leaves
behind. This deletes them all, with your AWS credentials; the Makefile then deletes the
stack. The stack names the bucket, so it is looked up there (the stack ``docgen-<stage>``,
its ``DocumentsBucket``). ``make destroy`` refuses prod; the README's "Tearing down" says
when to run this for prod by hand.
"""

import argparse
import sys
from typing import Any

from tools.package import DEPLOYABLE_STAGES
from tools.wiring import BUCKET


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker in ``bucket``; return how many."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        # A page holds at most 1,000 entries, which is also DeleteObjects' limit.
        objects = [{"Key": entry["Key"], "VersionId": entry["VersionId"]} for entry in entries]
        if not objects:
            continue
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise RuntimeError(f"could not delete {first['Key']}: {first['Message']}")
        deleted += len(objects)
    return deleted


def stack_bucket(cloudformation: Any, stack: str) -> str | None:
    """The name of the documents bucket ``stack`` created, or None: no such stack or bucket."""
    from botocore.exceptions import ClientError

    try:
        found = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=BUCKET)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ValidationError":  # no stack, or no such resource
            return None
        raise
    return found["StackResourceDetail"].get("PhysicalResourceId")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=DEPLOYABLE_STAGES)
    args = parser.parse_args(argv)
    import boto3  # here, so that importing this module (the tests do) stays cheap

    stack = f"docgen-{args.stage}"
    bucket = stack_bucket(boto3.client("cloudformation"), stack)
    if bucket is None:
        print(f"the stack {stack} has no documents bucket; nothing to empty")
        return 0
    s3 = boto3.client("s3")
    try:
        deleted = empty_bucket(s3, bucket)
    except s3.exceptions.NoSuchBucket:
        print(f"{bucket} does not exist; nothing to empty")
        return 0
    print(f"{bucket}: deleted {deleted} object versions and delete markers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
