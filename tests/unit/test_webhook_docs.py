"""docs/webhooks.md says what docgen does: its receiver example accepts docgen's calls and
refuses forged ones, and its retry table is the schedule docgen keeps."""

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.webhooks import (
    delay_before_attempt,
    finished_body,
    new_secret,
    signed_headers,
)
from tools.stack import PROJECT_DIR

DOC = (PROJECT_DIR / "docs" / "webhooks.md").read_text(encoding="utf-8")
BATCH = {"batchId": "b-1", "status": "partial", "succeeded": 41, "failed": 1}


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """A new batch's secret, where the example reads it."""
    secret = new_secret()
    monkeypatch.setenv("DOCGEN_WEBHOOK_SECRET", secret)
    return secret


@pytest.fixture
def receive(secret: str) -> Callable[[bytes, dict[str, str]], int]:
    """The example's ``receive``, run as the docs show it."""
    [example] = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(example, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 (our own docs)
    return namespace["receive"]


def test_the_example_receiver_takes_a_call_once_and_refuses_a_forged_one(
    secret: str,
    receive: Callable[[bytes, dict[str, str]], int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = finished_body(BATCH)
    headers = signed_headers(secret, "msg_b-1", int(time.time()), body)
    assert receive(body, headers) == 204
    assert receive(body, headers) == 204  # a repeat of the same message: done once
    assert receive(body.replace(b"41", b"42"), headers) == 400
    assert receive(body, {**headers, "webhook-signature": "v1,AAAA"}) == 400
    assert capsys.readouterr().out == "batch b-1 partial: 41 letters\n"


def duration(text: str) -> timedelta:
    units = {"h": "hours", "min": "minutes", "s": "seconds"}
    parts = re.findall(r"(\d+) (h|min|s)\b", text)
    return timedelta(**{units[unit]: int(amount) for amount, unit in parts})


def test_the_retry_table_is_the_schedule_docgen_keeps() -> None:
    rows = re.findall(r"^\| (\d+) \| ([^|]*) \| ([^|]*) \|$", DOC, re.MULTILINE)
    waits = [duration(wait).total_seconds() for _, wait, _ in rows]
    assert [int(attempt) for attempt, _, _ in rows] == list(range(1, 9))
    assert waits == [delay_before_attempt(attempt) for attempt in range(1, 9)]
    assert delay_before_attempt(9) is None
    since_first = [duration(total) for _, _, total in rows]
    assert since_first == [timedelta(seconds=sum(waits[: n + 1])) for n in range(8)]
