"""What each write of a batch came to, and a stored item no record can be built from:
only the importer's batch writes and whole-table reads meet these, so no request that
writes one record loads them."""

from dataclasses import dataclass
from typing import Generic

from chalicelib.domain.model import M


@dataclass(frozen=True)
class Written(Generic[M]):
    record: M
    """As stored: the version after the one it was read at."""


@dataclass(frozen=True)
class Conflict:
    """The record moved since it was read (another writer), so it was not written."""

    current_version: int | None
    """The stored version, or ``None`` when there is no item."""


@dataclass(frozen=True)
class Failed:
    """Not written, for a reason retrying soon would not mend; ``reason`` is for a person."""

    reason: str


Outcome = Written[M] | Conflict | Failed


@dataclass(frozen=True)
class Unreadable:
    """A stored item no record can be built from (a required attribute missing)."""

    key: str
    error: Exception
