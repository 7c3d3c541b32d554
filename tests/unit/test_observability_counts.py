"""Where a count goes: on the request's log line, or a line of its own outside a request."""

from typing import Any

import pytest

from chalicelib.adapters.observability import (
    RequestRecord,
    count_letter,
    counting_letters,
    log_request,
)
from tests.support import log_lines


def counted(line: dict[str, Any]) -> list[tuple[list[list[str]], list[str]]]:
    """Each EMF directive of the line: its dimension sets and its metrics' names."""
    return [
        (directive["Dimensions"], [metric["Name"] for metric in directive["Metrics"]])
        for directive in line["_aws"]["CloudWatchMetrics"]
    ]


def record(status: int, letters: tuple[str, ...]) -> RequestRecord:
    return RequestRecord(
        request_id="r-1",
        method="POST",
        route="/customers/{customerId}/documents/{docType}",
        status=status,
        latency_ms=1.0,
        path_parameters={"customerId": "ann", "docType": "Welcome"},
        format=None,
        cold_start=False,
        letters=letters,
    )


def test_a_letter_made_outside_a_request_is_a_metric_line_of_its_own(
    capsys: pytest.CaptureFixture,
) -> None:
    capsys.readouterr()
    count_letter("pdf")

    [line] = log_lines(capsys)

    assert counted(line) == [([["service", "format"]], ["LettersGenerated"])]
    assert (line["service"], line["format"], line["LettersGenerated"]) == ("docgen", "pdf", [1.0])
    assert "message" not in line  # a metric, not a log record


def test_inside_a_request_a_letter_is_kept_for_its_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture,
) -> None:
    capsys.readouterr()
    with counting_letters() as letters:
        count_letter("html")

    assert letters == ["html"]
    assert capsys.readouterr().out == ""


def test_a_letter_of_a_request_that_failed_is_counted_on_a_line_of_its_own(
    capsys: pytest.CaptureFixture,
) -> None:
    capsys.readouterr()
    log_request(record(503, ("txt",)))

    [letter, request] = log_lines(capsys)

    assert counted(letter) == [([["service", "format"]], ["LettersGenerated"])]
    assert (letter["format"], "message" in letter) == ("txt", False)
    assert counted(request) == [([["service", "statusClass"]], ["Errors"])]
    assert (request["message"], request["status"], request["statusClass"]) == (
        "request",
        503,
        "5xx",
    )
    assert "format" not in request  # the request named none, and its count is the error


def test_a_request_without_a_count_carries_no_directive(capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    log_request(record(200, ()))

    [line] = log_lines(capsys)

    assert "_aws" not in line
    assert (line["message"], line["status"]) == ("request", 200)
