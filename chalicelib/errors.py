"""HTTP errors the contract needs beyond Chalice's own set.

Chalice answers any ``ChaliceViewError`` with ``{"Code": <class name>,
"Message": str(error)}`` and the class's ``STATUS_CODE``, so each class name
here is the ``Code`` that ``../shared/API.md`` promises.
"""

from chalice import ChaliceViewError

RETRY_AFTER_SECONDS = 2
"""What a 503 tells a client to wait: a little longer than the retries we already made."""


class ServiceUnavailableError(ChaliceViewError):
    """DynamoDB or S3 was throttled or unreachable after our own retries."""

    STATUS_CODE = 503


def unavailable(service_label: str) -> ServiceUnavailableError:
    """The one 503 message: which service, and that a retry is the cure."""
    return ServiceUnavailableError(f"{service_label} is unavailable right now; retry later")


class PreconditionFailedError(ChaliceViewError):
    """``If-Match`` named a version that is not the stored one."""

    STATUS_CODE = 412


class PayloadTooLargeError(ChaliceViewError):
    """A request body over its limit."""

    STATUS_CODE = 413
