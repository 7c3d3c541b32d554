"""What the services need of storage, whatever provides it: DynamoDB and S3
(``chalicelib.adapters``) or their in-memory twins."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from chalicelib.domain.documents import ObjectHead, ObjectListing
from chalicelib.domain.model import Model
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template

ANY_VERSION: Literal["*"] = "*"
Expected = int | Literal["*"] | None
"""What a conditional write expects: a version, any existing item (``*``), or nothing."""
M = TypeVar("M", bound=Model)


class WriteConflict(Exception):
    """A conditional write or delete did not hold: the item is at another version, or absent."""

    def __init__(self, current_version: int | None) -> None:
        super().__init__(current_version)
        self.current_version = current_version
        """The stored version, or ``None`` when there is no item."""


class Repository(Protocol):
    """Customers and templates, in and out as domain objects."""

    def get_customer_and_template(
        self, customer_id: str, doc_type: str
    ) -> tuple[Customer | None, Template | None]: ...

    def get(self, model: type[M], identifier: str) -> M | None: ...

    def get_many(self, model: type[M], identifiers: Iterable[str]) -> dict[str, M]:
        """Those of ``identifiers`` (at most 100) that exist, by identifier."""
        ...

    def put(self, record: M, expected: Expected) -> tuple[M, bool]:
        """Store ``record`` as the next version; the stored record, and whether it is new."""
        ...

    def delete(self, model: type[M], identifier: str, expected: Expected) -> None: ...

    def page(self, model: type[M], limit: int, after: str | None) -> Page[M]:
        """Up to ``limit`` records (list fields only) after the cursor ``after``."""
        ...


class DocumentStore(Protocol):
    bucket_name: str

    def prepare(self) -> None:
        """Start making ready, in the background, what ``put`` and ``presign`` will need."""
        ...

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        """Store one object; its version id on a versioned bucket."""
        ...

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]:
        """A download link, signed without an AWS call, and when it stops working."""
        ...

    def head(self, key: str) -> ObjectHead | None: ...

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[ObjectListing], bool]:
        """Up to ``limit`` objects under ``prefix`` after the key ``after``, and if more follow."""
        ...

    def delete(self, key: str) -> None: ...
