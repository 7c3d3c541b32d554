"""Faults injected at botocore's ``before-send``: below the retry loop, above the wire.

A hook registered on a client's ``before-send.<service>.<Operation>`` runs
before moto's own stubber. When it raises, botocore sees a failed attempt
and moto never sees the request. When it returns a response, botocore
takes that as the answer, but moto's stubber still runs and carries the
request out (botocore calls every ``before-send`` handler): like a request
that AWS performed but whose answer was lost. Either way the standard
retry handler, the timeouts and the time budget all run for real.

Two kinds of fault say exactly what AWS did instead:

- ``s3_error`` and ``bare_status`` answer with an error that AWS did not
  carry out (S3's ``SlowDown`` stores nothing), so moto never sees that attempt;
- ``answer_lost(fault)`` lets moto carry the attempt out first and then
  fails it (a reset, a read timeout): the "ghost write" of a ``PutObject``
  that S3 stored but whose answer never came back.

Faults that wait (timeouts) wait on ``VirtualClock`` when a test installs
one, so production timeouts and the time budget can be played out in
milliseconds.
"""

import json
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from urllib3.exceptions import ProtocolError

Fault = Callable[[Any], AWSResponse | None]

_clock: Any = time
"""What faults wait on and time attempts with: ``time`` itself, or a ``VirtualClock``."""

_NOT_SERVED = "https://fault-injected.invalid/"
"""A URL moto's stubber serves nothing at."""


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def dynamodb_error(code: str, status: int = 400) -> Fault:
    """A DynamoDB JSON error answer, e.g. ``ProvisionedThroughputExceededException``."""
    payload = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "x"})

    def answer(request: Any) -> AWSResponse:
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
        return AWSResponse(request.url, status, headers, _RawBody(payload.encode()))

    return answer


THROTTLED = dynamodb_error("ProvisionedThroughputExceededException")
"""DynamoDB's answer to a table over its capacity: retried with backoff."""


def dynamodb_ok(body: dict) -> Fault:
    """A DynamoDB success answer with ``body`` (e.g. one with ``UnprocessedKeys``)."""

    def answer(request: Any) -> AWSResponse:
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _RawBody(json.dumps(body).encode()))

    return answer


def _not_carried_out(request: Any, status: int, headers: dict, payload: bytes) -> AWSResponse:
    """An error answer to an attempt that AWS did not carry out.

    Once answered, the attempt is pointed at a URL moto does not serve, so moto's
    stubber (which runs after this hook) leaves it alone too.
    """
    response = AWSResponse(request.url, status, headers, _RawBody(payload))
    request.url = _NOT_SERVED
    return response


def not_carried_out(fault: Fault) -> Fault:
    """``fault``'s answer to an attempt that AWS did not carry out (a DynamoDB write it
    throttled): moto's stubber never sees the attempt."""

    def answer(request: Any) -> AWSResponse:
        response = fault(request)
        request.url = _NOT_SERVED
        return response

    return answer


def s3_error(code: str, status: int) -> Fault:
    """An S3 XML error (``SlowDown`` 503, ``InternalError`` 500, ``AccessDenied`` 403); no write."""
    payload = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>injected</Message>"
        "<RequestId>FAULT</RequestId><HostId>FAULT</HostId></Error>"
    ).encode()

    def answer(request: Any) -> AWSResponse:
        headers = {"Content-Type": "application/xml", "x-amz-request-id": "FAULT"}
        return _not_carried_out(request, status, headers, payload)

    return answer


def bare_status(status: int) -> Fault:
    """A status with an empty body and no error code, as a proxy or load balancer answers."""

    def answer(request: Any) -> AWSResponse:
        return _not_carried_out(request, status, {"Content-Length": "0"}, b"")

    return answer


def read_timeout(seconds: float) -> Fault:
    """Hang for ``seconds`` (the client's read timeout), then time out as urllib3 would."""

    def answer(request: Any) -> None:
        _clock.sleep(seconds)
        raise ReadTimeoutError(endpoint_url=request.url)

    return answer


def connect_timeout(seconds: float) -> Fault:
    """Wait ``seconds`` (the client's connect timeout) for a host that never answers."""

    def answer(request: Any) -> None:
        _clock.sleep(seconds)
        raise ConnectTimeoutError(endpoint_url=request.url)

    return answer


def unreachable(request: Any) -> None:
    raise EndpointConnectionError(endpoint_url=request.url)


def connection_reset(request: Any) -> None:
    """The peer reset the connection: urllib3's ``ProtocolError``, as botocore wraps it."""
    reset = ConnectionResetError(104, "Connection reset by peer")
    raise ConnectionClosedError(
        error=ProtocolError("Connection aborted.", reset), request=request, endpoint_url=request.url
    )


class _AnswerLost:
    """A fault that strikes after AWS carried the attempt out (see ``answer_lost``)."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault

    def __call__(self, request: Any) -> None:
        self.fault(request)
        raise AssertionError("a lost answer must fail the attempt (reset, timeout), not answer it")


def answer_lost(fault: Fault) -> Fault:
    """AWS performs the attempt (moto stores the object), then ``fault`` fails it on the way back.

    ``fault`` must raise: moto's answer is already the attempt's answer.
    """
    return _AnswerLost(fault)


def inject(client: Any, operation: str, faults: list[Fault]) -> list[float]:
    """Answer ``operation``'s next attempts with ``faults`` in turn, then let moto answer.

    Returns a list that records when each faulted attempt started.
    """
    service = client.meta.service_model.service_id.hyphenize()
    event = f"before-send.{service}.{operation}"
    pending = list(faults)
    started: list[float] = []
    lost: list[_AnswerLost] = []

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        if not pending:
            return None
        started.append(_clock.monotonic())
        fault = pending.pop(0)
        if isinstance(fault, _AnswerLost):
            lost.append(fault)  # moto carries the attempt out first; see after_aws
            return None
        return fault(request)

    def after_aws(request: Any, event_name: str, **_: Any) -> None:
        # On the generic event, registered last: runs after moto's stubber, which sits there
        # too (handlers of the specific event run before any of the generic one).
        if event_name == event and lost:
            lost.pop(0)(request)

    client.meta.events.register(event, hook)
    client.meta.events.register_last("before-send", after_aws)
    return started


def count_attempts(client: Any, operation: str) -> list[float]:
    """When each HTTP attempt of ``operation`` started, faulted or not, retries included."""
    service = client.meta.service_model.service_id.hyphenize()
    started: list[float] = []

    def hook(**_: Any) -> None:
        started.append(_clock.monotonic())

    client.meta.events.register_first(f"before-send.{service}.{operation}", hook)
    return started


class VirtualClock:
    """Time that passes only by waiting: botocore's backoffs and the faults' hangs.

    Installed where docgen reads time (the budget's ``time.monotonic``) and
    where time is spent (botocore's retry sleep, the faults above), so the
    budget decides on the production timeouts as it would on Lambda, in
    milliseconds of real time. ``monotonic`` is the real clock plus every
    wait, so the CPU time of moto and the app still counts.
    """

    def __init__(self) -> None:
        self._real = time.monotonic
        self.backoffs: list[float] = []
        """botocore's retry sleeps, in order."""
        self.hangs: list[float] = []
        """The faults' waits (timeouts), in order."""

    def monotonic(self) -> float:
        return self._real() + sum(self.backoffs) + sum(self.hangs)

    def sleep(self, seconds: float) -> None:
        self.hangs.append(seconds)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import botocore.endpoint

        from chalicelib.adapters import budget

        monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=self.backoffs.append))
        monkeypatch.setattr(budget, "time", SimpleNamespace(monotonic=self.monotonic))
        monkeypatch.setattr(f"{__name__}._clock", self)


def cancel_next_transaction(client: Any) -> None:
    """The client's next ``TransactWriteItems`` is cancelled as DynamoDB cancels one that
    another transaction holds an item of (``TransactionConflict``); the ones after go through."""
    pending = [True]

    def cancel_once(**_: Any) -> None:
        if pending:
            pending.pop()
            raise client.exceptions.TransactionCanceledException(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
                },
                "TransactWriteItems",
            )

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", cancel_once)
