"""What can go wrong, in the domain's words; ``chalicelib.api.errors`` maps each to HTTP.

Every message is for a person: it says what is wrong and never carries AWS's own text.
"""


class DomainError(Exception):
    """Something the caller can act on; the message says what."""


class InvalidInput(DomainError):
    """An identifier, parameter or body that breaks a rule (an HTTP 400)."""


class NotFound(DomainError):
    """The customer, template or document does not exist; the message says which."""


class VersionMismatch(DomainError):
    """A write expected another version than the stored one (an HTTP 412)."""


class InUse(DomainError):
    """A record others name cannot be deleted (an HTTP 409): a letterhead a template names."""


class TooLarge(DomainError):
    """A body over its limit (an HTTP 413)."""


class CannotRender(DomainError):
    """The template cannot be rendered for this customer (an HTTP 422)."""


class InProgress(DomainError):
    """An earlier request with the same ``Idempotency-Key`` is still running (an HTTP 409)."""


class KeyReused(DomainError):
    """An ``Idempotency-Key`` already used for a different request (an HTTP 422)."""


class Unavailable(DomainError):
    """DynamoDB or S3 was throttled or unreachable after retries (an HTTP 503)."""

    def __init__(self, service_label: str) -> None:
        super().__init__(f"{service_label} is unavailable right now; retry later")
