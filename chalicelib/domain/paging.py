"""Lists a page at a time: what a caller asks for, and what a page holds."""

from typing import Generic, NamedTuple, TypeVar

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.rules import IDENTIFIER

T = TypeVar("T")
NEXT_RULE = "next must be a token from this list's previous page"


class PageRequest(NamedTuple):
    limit: int
    after: str | None = None
    """The cursor the previous page ended at: opaque to the caller, a storage key here."""

    def after_in(self, scope: str) -> str | None:
        """The cursor, if it continues a list of keys ``scope + <identifier>``; else a 400.

        So a cursor can only continue the list that gave it out: no other customer's
        documents, no customers in a list of templates.
        """
        if self.after is None:
            return None
        if self.after.startswith(scope) and IDENTIFIER.fullmatch(self.after[len(scope) :]):
            return self.after
        raise InvalidInput(NEXT_RULE)


class Page(NamedTuple, Generic[T]):
    items: list[T]
    cursor: str | None
    """Where the next page starts; ``None`` on the last page."""
