"""The bench's own parts: the canned AWS of its true-cold arm, its goal logic, and its
children's figures.

A canned answer botocore cannot parse would make every true-cold run fail
(or, worse, retry and distort the timing); a goal row that passed over its
goal would let ``make bench`` exit 0 on a miss; a child that failed without its
stderr would leave nothing to go on.
"""

import hashlib
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from bench import canned, children
from bench.report import exit_code, ms_spread, ratio_row
from tests.support import BUCKET, TABLE
from tools.stack import SAMPLE_ITEMS, emulator_clients

CUSTOMER, TEMPLATE = SAMPLE_ITEMS


@pytest.fixture
def server() -> Iterator[canned.CannedAWS]:
    with canned.serving() as running:
        assert running.endpoint.startswith("http://127.0.0.1:")
        yield running


@pytest.mark.enable_socket
def test_canned_dynamodb_answers_what_botocore_parses(server: canned.CannedAWS) -> None:
    dynamodb, _ = emulator_clients(server.endpoint, "us-east-1")
    assert dynamodb.get_item(TableName=TABLE, Key={"PK": CUSTOMER["PK"]})["Item"] == CUSTOMER
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "C#Nobody"}})
    keys = [{"PK": TEMPLATE["PK"]}, {"PK": {"S": "D#Missing"}}]
    response = dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ConsistentRead": True}})
    assert response["Responses"] == {TABLE: [TEMPLATE]}
    assert response["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as missing:
        dynamodb.get_item(TableName="other", Key={"PK": CUSTOMER["PK"]})
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert server.take_operations() == ["GetItem", "GetItem", "BatchGetItem", "GetItem"]
    assert server.take_operations() == []


@pytest.mark.enable_socket
def test_canned_s3_takes_a_put_object(server: canned.CannedAWS) -> None:
    _, s3 = emulator_clients(server.endpoint, "us-east-1")
    response = s3.put_object(
        Bucket=BUCKET, Key="TestCustomer/Welcome.txt", Body=b"Dear", ServerSideEncryption="AES256"
    )
    assert response["ETag"] == f'"{hashlib.md5(b"Dear", usedforsecurity=False).hexdigest()}"'
    assert server.objects == {"TestCustomer/Welcome.txt": b"Dear"}
    with pytest.raises(ClientError) as missing:
        s3.put_object(Bucket="other", Key="k", Body=b"")
    assert missing.value.response["Error"]["Code"] == "NoSuchBucket"
    assert server.take_operations() == ["PutObject", "PutObject"]


def test_a_row_over_its_goal_fails_the_bench() -> None:
    over = ratio_row("cold first letter", 0.8, 1.0, 0.70)
    at = ratio_row("cold import", 0.2, 1.0, 0.20)
    shown = ratio_row("render", 5.0, 1.0, None)
    assert (over.passed, at.passed, shown.passed) == (False, True, None)
    assert over.cells()[-2:] == ("ratio <= 0.70", "FAIL")
    assert exit_code([at, shown]) == 0
    assert exit_code([at, shown, over]) == 1


def test_medians_show_their_spread() -> None:
    assert ms_spread([0.010, 0.020, 0.030, 0.040, 0.050]) == "30.0 ms [20.0-40.0]"
    assert ms_spread([0.0123]) == "12.3 ms"


def test_a_childs_figures_are_the_json_it_printed() -> None:
    assert children.figures(["-c", "print('{\"rate\": [1, 2.5]}')"]) == {"rate": [1, 2.5]}


def test_a_failed_child_stops_the_bench_with_its_stderr() -> None:
    script = "import sys; sys.exit('the batch made 399 letters, not 400')"

    with pytest.raises(SystemExit) as stopped:
        children.figures(["-c", script])

    assert str(stopped.value) == (
        "bench: a child script exited 1:\nthe batch made 399 letters, not 400\n"
    )
