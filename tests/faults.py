"""Faults injected at botocore's ``before-send``: below the retry loop, above the wire.

A hook registered on a client's ``before-send.<service>.<Operation>`` runs
before moto's own stubber. When it raises, botocore sees a failed attempt
and moto never sees the request. When it returns a response, botocore
takes that as the answer, but moto's stubber still runs and carries the
request out (botocore calls every ``before-send`` handler): like a request
that AWS performed but whose answer was lost. Either way the standard
retry handler, the timeouts and the time budget all run for real.
"""

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

Fault = Callable[[Any], AWSResponse | None]


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


def dynamodb_ok(body: dict) -> Fault:
    """A DynamoDB success answer with ``body`` (e.g. one with ``UnprocessedKeys``)."""

    def answer(request: Any) -> AWSResponse:
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _RawBody(json.dumps(body).encode()))

    return answer


def read_timeout(seconds: float) -> Fault:
    """Hang for ``seconds`` (the client's read timeout), then time out as urllib3 would."""

    def answer(request: Any) -> None:
        time.sleep(seconds)
        raise ReadTimeoutError(endpoint_url=request.url)

    return answer


def unreachable(request: Any) -> None:
    raise EndpointConnectionError(endpoint_url=request.url)


def inject(client: Any, operation: str, faults: list[Fault]) -> list[float]:
    """Answer ``operation``'s next attempts with ``faults`` in turn, then let moto answer.

    Returns a list that records when each faulted attempt started.
    """
    service = client.meta.service_model.service_id.hyphenize()
    pending = list(faults)
    started: list[float] = []

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        if not pending:
            return None
        started.append(time.monotonic())
        return pending.pop(0)(request)

    client.meta.events.register(f"before-send.{service}.{operation}", hook)
    return started
