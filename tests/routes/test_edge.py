"""The HTTP edge's conventions: one value per query parameter, UTF-8 bodies, exact numbers."""

import io
from pathlib import Path

import boto3
import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb import DynamoDBRepository
from tests.support import AWS, JSON, TABLE, body
from tools.importer import import_file

EXACT = "0.12345678901234567890123"


def test_a_query_parameter_given_twice_is_400_before_any_aws_call(client: Client, aws: AWS) -> None:
    response = client.http.post("/customers/TestCustomer/documents/Welcome?format=txt&format=pdf")

    assert response.status_code == 400
    assert body(response) == {
        "Code": "BadRequestError",
        "Message": "the query parameter 'format' is given more than once",
    }
    assert aws.calls == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"Content-Type": "application/json; charset=latin-1"},
            "a JSON body must be UTF-8: charset must be utf-8 or absent",
        ),
        (
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            "send the JSON body uncompressed: Content-Encoding is refused",
        ),
    ],
)
def test_a_body_not_sent_as_utf8_json_is_415(
    client: Client, aws: AWS, headers: dict[str, str], message: str
) -> None:
    response = client.http.put("/customers/ann", headers=headers, body='{"name": "Ann"}')

    assert response.status_code == 415
    assert body(response) == {"Code": "UnsupportedMediaType", "Message": message}
    assert aws.calls == []


def test_utf8_charset_is_accepted(client: Client, aws: AWS) -> None:
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    response = client.http.put("/customers/ann", headers=headers, body='{"name": "Ann"}')

    assert response.status_code == 201


def stored_number(aws: AWS, key: str) -> str:
    item = aws.dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": key}})["Item"]
    return item["attributes"]["M"]["n"]["N"]


@pytest.mark.parametrize(
    ("number", "accepted"),
    [
        (EXACT, True),
        ("1e40", True),
        ("12345678901234567890123456789012345678901", False),
        ("1e400", False),
        ("1e-131", False),
    ],
)
def test_the_api_and_the_importer_accept_refuse_and_store_the_same_numbers(
    client: Client, aws: AWS, tmp_path: Path, number: str, accepted: bool
) -> None:
    raw = '{"name": "Ann", "attributes": {"n": ' + number + "}}"
    response = client.http.put("/customers/api", headers=JSON, body=raw)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        '{"kind": "customer", "customerId": "file", "name": "Ann", "attributes": {"n": '
        + number
        + "}}\n"
    )
    repository = DynamoDBRepository(boto3.resource("dynamodb").Table(TABLE))
    summary = import_file(rows, repository, log=io.StringIO())

    assert (response.status_code == 201) is accepted
    assert (summary.written == 1) is accepted
    if accepted:
        assert stored_number(aws, "C#api") == stored_number(aws, "C#file")
        read = client.http.get("/customers/api").body.decode()
        assert f'"n":{stored_number(aws, "C#api")}' in read  # the stored digits, as stored


def test_an_exact_number_reads_back_with_every_digit(client: Client, aws: AWS) -> None:
    raw = '{"name": "Ann", "attributes": {"n": ' + EXACT + "}}"
    client.http.put("/customers/ann", headers=JSON, body=raw)

    assert stored_number(aws, "C#ann") == EXACT
    assert f'"n":{EXACT}' in client.http.get("/customers/ann").body.decode()
