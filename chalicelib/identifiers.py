"""The allow-list every identifier passes before it reaches an AWS call."""

import re

from chalice import BadRequestError

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def require_identifier(field: str, value: str) -> str:
    """Return ``value`` if it is a safe identifier, else raise a 400 naming ``field``.

    The value itself is not echoed back: it may hold anything, control
    characters included.
    """
    if not IDENTIFIER.fullmatch(value):
        raise BadRequestError(
            f"{field} must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
            "starting with a letter or a digit"
        )
    return value
