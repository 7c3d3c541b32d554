"""What a route that makes something answers: kept apart from idempotency, which a request
without an ``Idempotency-Key`` never loads."""

from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


class Answer(NamedTuple, Generic[T]):
    """What a request answers: its value and status, and whether it was given again."""

    value: T
    status: int
    replayed: bool = False
