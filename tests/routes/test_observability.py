"""Structured logs and metrics: one JSON line per request that carries its EMF count,
nothing personal."""

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.observability import SERVICE
from tests.support import AWS, JSON, TABLE, WELCOME, log_lines


def request_lines(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in output if line.get("message") == "request"]


def metric_lines(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in output if "_aws" in line]


def without_timing(line: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(line["latencyMs"], float)
    assert line["latencyMs"] >= 0
    return {
        k: v
        for k, v in line.items()
        if k not in ("timestamp", "latencyMs", "location", "coldStart")
    }


def emf_fields(line: dict[str, Any]) -> dict[str, Any]:
    """The line's EMF directive, checked apart: its timestamp is the clock's."""
    assert isinstance(line["_aws"].pop("Timestamp"), int)
    return line.pop("_aws")


def test_a_letter_is_one_log_line_that_carries_its_metric(
    client: Client, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()

    response = client.http.post(f"{WELCOME}?format=pdf")

    [logged] = log_lines(capsys)
    assert emf_fields(logged) == {
        "CloudWatchMetrics": [
            {
                "Namespace": "docgen",
                "Dimensions": [["service", "format"]],
                "Metrics": [{"Name": "LettersGenerated", "Unit": "Count"}],
            }
        ]
    }
    assert without_timing(logged) == {
        "level": "INFO",
        "message": "request",
        "service": SERVICE,
        "requestId": response.headers["X-Request-Id"],
        "method": "POST",
        "route": "/customers/{customerId}/documents/{docType}",
        "status": 201,
        "customerId": "TestCustomer",
        "docType": "Welcome",
        "format": "pdf",
        "LettersGenerated": [1.0],
    }


def test_the_line_names_the_format_made_when_the_request_named_none(
    client: Client, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()
    client.http.post(WELCOME)

    [logged] = log_lines(capsys)

    assert (logged["format"], logged["LettersGenerated"]) == ("txt", [1.0])


def test_names_attributes_and_letter_text_never_reach_the_logs(
    client: Client, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    client.http.put(
        "/customers/ann",
        headers=JSON,
        body=json.dumps(
            {"name": "Ann Secretname", "attributes": {"iban": "DE89370400440532013000"}}
        ),
    )
    client.http.post("/customers/ann/documents/Welcome?format=html")
    client.http.post(
        "/templates/Welcome/preview",
        headers=JSON,
        body=json.dumps({"customerId": "ann"}),
    )
    client.http.get("/customers/ann")

    output = capsys.readouterr().out

    assert len(output.splitlines()) == 4  # four requests; the letter's metric is on its line
    for secret in ("Secretname", "DE89370400440532013000", "Hello and Welcome"):
        assert secret not in output


def test_errors_are_counted_by_status_class(
    client: Client, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()
    client.http.post("/customers/Nobody/documents/Welcome")
    aws.dynamodb.delete_table(TableName=TABLE)
    client.http.post(WELCOME)

    output = log_lines(capsys)

    requests = request_lines(output)
    assert metric_lines(output) == requests  # each count is on its request's line
    assert [(line["status"], line["statusClass"], line["Errors"]) for line in requests] == [
        (404, "4xx", [1.0]),
        (500, "5xx", [1.0]),
    ]
    assert [emf_fields(line)["CloudWatchMetrics"][0]["Dimensions"] for line in requests] == [
        [["service", "statusClass"]]
    ] * 2
    [cause] = [line for line in output if line.get("level") == "ERROR"]
    assert cause["message"].startswith("Caught exception for path")
    assert "ResourceNotFoundException" in cause["exception"]  # the cause, in the logs only


def test_health_is_logged_and_not_counted(
    client: Client, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()
    client.http.get("/health")

    output = log_lines(capsys)

    assert [(line["route"], line["status"]) for line in output] == [("/health", 200)]
    assert metric_lines(output) == []


def test_long_values_are_cut(client: Client, aws: AWS, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    client.http.post(f"/customers/{'a' * 500}/documents/Welcome")

    [logged] = request_lines(log_lines(capsys))

    assert logged["customerId"] == "a" * 80 + "..."
