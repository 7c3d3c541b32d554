"""boto3 resources for DynamoDB and S3, built on first use, and what their failures mean.

Nothing here is built, and neither boto3 nor botocore is imported, until a request
needs AWS: a cold start that never reaches it (``/health``, a 400) pays for neither.
One boto3 session serves both resources, so botocore's loaders and data are read once
per container, from the cut-down copy (``botocore_data``) when it fits the running botocore.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from chalicelib.adapters import budget
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


@cache
def session() -> Any:
    """The container's one boto3 session, reading the cut-down botocore data if it fits."""
    import boto3.session
    import botocore.session

    from chalicelib.adapters.botocore_data import data_loader

    core = botocore.session.Session()
    loader = data_loader()
    if loader is not None:
        core.register_component("data_loader", loader)
    return boto3.session.Session(botocore_session=core)


def resource(
    service_name: str,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
) -> Any:
    """A service resource with standard retries, bounded timeouts and the time budget."""
    from botocore.config import Config

    built = session().resource(
        service_name,
        config=Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            tcp_keepalive=True,
            # Presigned links use SigV4: S3 rejects SigV2 in newer regions.
            signature_version="s3v4" if service_name == "s3" else None,
        ),
    )
    budget.attach(built.meta.client, connect_timeout + read_timeout)
    return built


def dynamodb_table(name: str, **timeouts: float) -> Any:
    return resource("dynamodb", **timeouts).Table(name)


def s3_bucket(name: str, **timeouts: float) -> Any:
    return resource("s3", **timeouts).Bucket(name)


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
