"""Domain errors as HTTP errors: the one place where one becomes the other.

Chalice answers any ``ChaliceViewError`` with ``{"Code": <class name>, "Message":
str(error)}`` and the class's ``STATUS_CODE``, so each class name here is the ``Code``
that ``../shared/API.md`` promises.
"""

from chalice import (
    BadRequestError,
    ChaliceViewError,
    ConflictError,
    NotFoundError,
    UnprocessableEntityError,
)

from chalicelib.domain import errors

RETRY_AFTER_SECONDS = 2
"""What a 503 tells a client to wait: a little longer than the retries we already made."""


class ServiceUnavailableError(ChaliceViewError):
    """DynamoDB or S3 was throttled or unreachable after our own retries."""

    STATUS_CODE = 503


class PreconditionFailedError(ChaliceViewError):
    """``If-Match`` named a version that is not the stored one."""

    STATUS_CODE = 412


class PayloadTooLargeError(ChaliceViewError):
    """A request body over its limit."""

    STATUS_CODE = 413


class UnsupportedMediaType(ChaliceViewError):
    """A JSON body that is not UTF-8 as sent (another charset, any content encoding)."""

    STATUS_CODE = 415


_HTTP_ERRORS: dict[type[errors.DomainError], type[ChaliceViewError]] = {
    errors.InvalidInput: BadRequestError,
    errors.NotFound: NotFoundError,
    errors.VersionMismatch: PreconditionFailedError,
    errors.TooLarge: PayloadTooLargeError,
    errors.CannotRender: UnprocessableEntityError,
    errors.InProgress: ConflictError,
    errors.InUse: ConflictError,
    errors.KeyReused: UnprocessableEntityError,
    errors.Unavailable: ServiceUnavailableError,
}


def http_error(error: errors.DomainError) -> ChaliceViewError:
    """The HTTP error a domain error is, with the same message."""
    kind = next(kind for kind in type(error).__mro__ if kind in _HTTP_ERRORS)
    return _HTTP_ERRORS[kind](str(error))


def error_body(error: errors.DomainError) -> dict[str, str]:
    """The error shape an HTTP answer would carry, for an error that has none to go in:
    why a batch's letter failed."""
    return {"Code": type(http_error(error)).__name__, "Message": str(error)}
