"""How docgen builds AWS clients, and what it makes of their failures.

Clients come straight from botocore, imported on first use: a cold start
that never reaches AWS (``/health``, a 400) pays for neither, and one that
does skips boto3 itself (its resources and S3 transfer manager, some 15 ms
to import), which docgen does not use.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib import budget
from chalicelib.errors import unavailable

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

_session: Any = None


def required_env(name: str) -> str:
    """A setting the deployment must provide; read when first needed, never at import."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def make_client(
    service_name: str,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
) -> Any:
    """A client with standard retries, bounded timeouts and the request time budget."""
    global _session
    import botocore.session
    from botocore.config import Config

    if _session is None:
        _session = botocore.session.get_session()
    client = _session.create_client(
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
    budget.attach(client, connect_timeout + read_timeout)
    return client


@contextmanager
def unavailable_on_aws_faults(service_label: str) -> Iterator[None]:
    """Turn throttling, 5xx and network failures (after retries) into a 503.

    Anything else (a missing table, a denied action) is a bug in the
    deployment: it goes on up and becomes Chalice's generic 500, logged
    with its cause. Neither answer carries AWS's own error text.
    """
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as AWSConnectionError

    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _UNAVAILABLE_CODES or status >= 500:
            raise unavailable(service_label) from error
        raise
    except (AWSConnectionError, HTTPClientError, budget.BudgetExhausted) as error:
        raise unavailable(service_label) from error
