"""One JSON log line per request, which carries its CloudWatch metric, with Powertools for
AWS Lambda.

A line holds the request id, method, route, status, latency, and the
identifiers and format the request named (a letter's, as made); never a name, an attribute or
letter text. Values are JSON strings, so a CR/LF sent in a path cannot
start a forged line, and they are cut to ``MAX_LOGGED_CHARS``. Lines are ASCII: any
other character is escaped, so none can break a line or reorder it for a reader.

Metrics are CloudWatch embedded metric format (EMF): ``LettersGenerated`` by ``format``,
and ``Errors`` by ``statusClass``. CloudWatch reads EMF from any JSON line that holds its
``_aws`` directive, so a request's metric rides on the request's own line: one write per
letter, not two. A letter made outside a request (the batch worker's) is a line of its own.

Powertools is imported on the first request rather than at import time,
which keeps it out of the cold import; on a cold start that calls AWS, it is imported
on a background thread while a call is in flight (``aws.build_while_waiting``). Its
handler sits on the logger Chalice itself logs to (named after the app), and
:func:`json_lines_first` on that logger builds it before any record there is handled,
so Chalice's own records, such as the cause of a 500, come out as the same JSON lines.
"""

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from chalicelib.adapters import collector
from chalicelib.adapters.aws import Lazy

SERVICE = "docgen"
"""The app's name too: Chalice logs to the logger of that name, which this one shares."""
NAMESPACE = "docgen"
MAX_LOGGED_CHARS = 80
LOGGED_PARAMETERS = ("customerId", "docType")


class _CurrentStdout:
    """``sys.stdout`` as it is at each write: Lambda's never changes; tests capture it."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _build_logger() -> Any:
    from aws_lambda_powertools import Logger  # metrics too: the package imports both

    built = Logger(service=SERVICE, stream=_CurrentStdout(), utc=True, json_serializer=_ascii_json)
    collector.keep("logger")  # Powertools' modules, imported now, stay for the container
    return built


LOGGER: Lazy[Any] = Lazy(_build_logger)
"""The Powertools logger, built on first use or on a cold start's background thread."""


def logger() -> Any:
    return LOGGER.get()


def json_lines_first(record: logging.LogRecord) -> bool:
    """A filter for the app's logger: Powertools' handler is on it before a record is handled."""
    logger()
    return True


def _ascii_json(log: dict[str, Any]) -> str:
    """Powertools' own serializer, but ASCII: a value sent as U+2028, U+0085 or U+202E
    (a line break to line-oriented readers, a bidi override that reorders what a person
    reads) is written as its escape, never raw."""
    line = json.dumps(log, default=str, separators=(",", ":"), ensure_ascii=True)
    return line.replace("\x7f", "\\u007f")  # DEL is ASCII; it can only be inside a string


class RequestRecord(NamedTuple):
    """What one request did, as the middleware saw it.

    A NamedTuple, not a frozen dataclass: the dataclass would generate and compile its
    methods at import, about a millisecond of the cold import.
    """

    request_id: str
    method: str
    route: str
    status: int
    latency_ms: float
    path_parameters: dict[str, str]
    format: str | None
    cold_start: bool
    idempotent: str | None = None
    """``replayed`` for an answer given again for an ``Idempotency-Key`` (never the key)."""
    letters: tuple[str, ...] = ()
    """The format of each letter the request made (see :func:`counting_letters`)."""

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "requestId": _cut(self.request_id),
            "method": self.method,
            "route": self.route,
            "status": self.status,
            "latencyMs": round(self.latency_ms, 1),
            "coldStart": self.cold_start,
        }
        for name in LOGGED_PARAMETERS:
            if name in self.path_parameters:
                fields[name] = _cut(self.path_parameters[name])
        if self.format is not None:
            fields["format"] = _cut(self.format)
        if self.idempotent is not None:
            fields["idempotent"] = self.idempotent
        return fields


def _cut(value: str) -> str:
    return value if len(value) <= MAX_LOGGED_CHARS else value[:MAX_LOGGED_CHARS] + "..."


_request_letters: ContextVar[list[str] | None] = ContextVar("docgen_letters", default=None)


@contextmanager
def counting_letters() -> Iterator[list[str]]:
    """The formats of the letters made inside this block, for the request's log line."""
    letters: list[str] = []
    token = _request_letters.set(letters)
    try:
        yield letters
    finally:
        _request_letters.reset(token)


def count_letter(format_name: str) -> None:
    """Count a letter written, by format: called where letters are made."""
    letters = _request_letters.get()
    if letters is not None:
        letters.append(format_name)
    else:
        _write_alone(_metric("LettersGenerated", "format", format_name))


def log_request(request: RequestRecord) -> None:
    """Log the request in one line that also carries its first count (an error by status
    class, else the letter it made); a second count (a letter of a request that then
    failed) is a line of its own, as CloudWatch reads one dimension set per metric."""
    counts = [("LettersGenerated", "format", name) for name in request.letters]
    if request.status >= 400:
        counts.insert(0, ("Errors", "statusClass", f"{request.status // 100}xx"))
    fields = request.fields()
    if counts:
        fields.update(_metric(*counts[0]))  # ``format`` becomes the letter's, as made
    for count in counts[1:]:
        _write_alone(_metric(*count))
    logger().info("request", extra=fields)


def _metric(name: str, dimension: str, value: str) -> dict[str, Any]:
    """The EMF fields that count one ``name`` with ``dimension`` set to ``value``."""
    # The logger's build imports Powertools whole, maybe on the background thread: waiting
    # for it first keeps this import from racing that one (their modules import each other).
    logger()
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    metrics = EphemeralMetrics(namespace=NAMESPACE)  # one per count: threads share nothing
    metrics.add_dimension(name="service", value=SERVICE)
    metrics.add_dimension(name=dimension, value=value)
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    return metrics.serialize_metric_set()


def _write_alone(fields: dict[str, Any]) -> None:
    sys.stdout.write(_ascii_json(fields) + "\n")
    sys.stdout.flush()
