"""boto3 resources for DynamoDB, S3 and SQS, built on first use, and what their failures mean.

Nothing here is built, and neither boto3 nor botocore is imported, until a request
needs AWS: a cold start that never reaches it (``/health``, a 400) pays for neither.
One boto3 session serves both resources, so botocore's loaders and data are read once
per container, from the cut-down copy (``botocore_data``) when it fits the running botocore.

A cold start can also build a resource it will need next on a background thread while its
current AWS request is in flight (:func:`build_while_waiting`): the session is not
thread-safe, so every use of it holds one lock, and the clients built from it are.
"""

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Generic, TypeVar

from chalicelib.adapters import budget, collector
from chalicelib.domain.errors import Unavailable

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0
MAX_ATTEMPTS = 3
"""botocore's standard mode: the first attempt and up to two retries."""

# Error codes that mean "the service is busy or failing", not "your request is wrong".
_UNAVAILABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "InternalServerError",
        "RequestTimeout",
    }
)


def required_env(name: str) -> str:
    """A setting the deployment must provide; read when first needed, never at import."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


T = TypeVar("T")

_session_lock = threading.Lock()
"""Held by every use of the session: boto3 sessions are not thread-safe."""


class Lazy(Generic[T]):
    """A value built on first use and kept: once, by whichever thread asks first, while any
    other that asks waits for it. A build that fails keeps nothing: the next use builds
    again, and raises there."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self.built = False

    @classmethod
    def ready(cls, value: T) -> "Lazy[T]":
        """One already built: ``value``."""
        lazy = cls(lambda: value)
        lazy.get()
        return lazy

    def get(self) -> T:
        if not self.built:
            with self._lock:
                if not self.built:
                    self._value = self._build()
                    self.built = True
        return self._value  # type: ignore[return-value]


_waiting: list[Lazy[Any]] = []
"""Built on a background thread when the next AWS request goes out."""
_waiting_lock = threading.Lock()


def build_while_waiting(value: Lazy[Any]) -> None:
    """Have ``value`` built on a background thread while the next AWS request is in flight,
    unless it is built (or asked for) before then. A failure there is left to its use."""
    if not value.built:
        with _waiting_lock:
            _waiting.append(value)


def _start_waiting_builds(**_: Any) -> None:
    """``before-send``: the request is about to wait on the network; build what is waiting."""
    if not _waiting:
        return
    with _waiting_lock:
        todo = [value for value in _waiting if not value.built]
        _waiting.clear()
    if todo:
        thread = threading.Thread(target=_build_all, args=(todo,), name="docgen-prebuild")
        thread.daemon = True
        thread.start()


def _build_all(values: list[Lazy[Any]]) -> None:
    """Last asked, first built: an outer layer (the middleware) asks before the view it wraps,
    and needs its value after the view's."""
    for value in reversed(values):
        try:
            value.get()
        except Exception:  # noqa: S112 - it is raised again where the value is used
            continue


@cache
def session() -> Any:
    """The container's one boto3 session, reading the cut-down botocore data if it fits.

    Call it holding ``_session_lock``, as :func:`resource` does.
    """
    import boto3.session
    import botocore.session

    from chalicelib.adapters.botocore_data import data_loader

    core = botocore.session.Session()
    loader = data_loader()
    if loader is not None:
        core.register_component("data_loader", loader)
    return boto3.session.Session(botocore_session=core)


@cache
def user_agent() -> str:
    """What docgen's AWS requests say they come from: docgen, so CloudTrail's ``userAgent``
    names it, and the SDK and Python that sent them (boto3 appends botocore's version)."""
    import boto3

    python = ".".join(map(str, sys.version_info[:3]))
    return f"docgen Boto3/{boto3.__version__} Python/{python}"


def resource(
    service_name: str,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
) -> Any:
    """A service resource with standard retries, bounded timeouts and the time budget.

    Two of botocore's defaults are left out, for the CPU they cost on every call (measured
    in docs/performance.md): its parameter validation (docgen's domain checks every value
    before any call, and AWS checks them again) and its User-Agent, which it rebuilds twice
    per call; docgen's is fixed.
    """
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        tcp_keepalive=True,
        # Presigned links use SigV4: S3 rejects SigV2 in newer regions.
        signature_version="s3v4" if service_name == "s3" else None,
        parameter_validation=False,
        user_agent=user_agent(),
    )
    with _session_lock:
        built = session().resource(service_name, config=config)
    collector.keep(service_name)  # its models, loaded now, are kept for the container
    client = built.meta.client
    budget.attach(client, connect_timeout + read_timeout)
    # First, so the thread starts before anything else (a stub, a simulated delay) runs.
    client.meta.events.register_first("before-send", _start_waiting_builds)
    return built


def dynamodb_table(name: str, **timeouts: float) -> Any:
    return resource("dynamodb", **timeouts).Table(name)


def s3_bucket(name: str, **timeouts: float) -> Any:
    return resource("s3", **timeouts).Bucket(name)


def queue(url: str, **timeouts: float) -> Any:
    return resource("sqs", **timeouts).Queue(url)


def error_code(error: Any) -> str:
    return error.response.get("Error", {}).get("Code", "")


@contextmanager
def unavailable_on_aws_faults(service_label: str) -> Iterator[None]:
    """Turn throttling, 5xx and network failures (after retries) into ``Unavailable``.

    Anything else (a missing table, a denied action) is a bug in the deployment:
    it goes on up and becomes the generic 500, logged with its cause. Neither
    answer carries AWS's own error text.
    """
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as AWSConnectionError

    try:
        yield
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if error_code(error) in _UNAVAILABLE_CODES or status >= 500:
            raise Unavailable(service_label) from error
        raise
    except (AWSConnectionError, HTTPClientError, budget.BudgetExhausted) as error:
        raise Unavailable(service_label) from error
