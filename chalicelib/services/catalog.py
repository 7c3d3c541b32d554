"""The catalog: customers and templates, with versions and pages.

Both follow the same rules (checked identifiers, conditional writes on ``version``,
paging by cursor), so one service serves either, given the model class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic

from chalicelib.domain.documents import iso_utc
from chalicelib.domain.errors import NotFound, VersionMismatch
from chalicelib.domain.model import M, from_body, key_field
from chalicelib.domain.paging import Page, PageRequest
from chalicelib.domain.rules import require_identifier
from chalicelib.domain.writes import Expected, WriteConflict
from chalicelib.services.clock import utc_now

if TYPE_CHECKING:
    from chalicelib.domain.storage import Repository


class CatalogService(Generic[M]):
    def __init__(
        self,
        model: type[M],
        repository: Repository,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.model = model
        self.repository = repository
        self.clock = clock

    def _identifier(self, identifier: str) -> str:
        return require_identifier(key_field(self.model)[1].json, identifier)

    def put(self, identifier: str, body: Mapping[str, Any], expected: Expected) -> tuple[M, bool]:
        """Create or replace from a checked body; the stored record and whether it is new."""
        record = from_body(
            self.model, self._identifier(identifier), body, updated_at=iso_utc(self.clock())
        )
        record.check()
        try:
            return self.repository.put(record, expected)
        except WriteConflict as conflict:
            raise self._conflict(identifier, expected, conflict) from None

    def get(self, identifier: str) -> M:
        record = self.repository.get(self.model, self._identifier(identifier))
        if record is None:
            raise NotFound(f"{self.model.LABEL} {identifier} does not exist")
        return record

    def delete(self, identifier: str, expected: Expected) -> None:
        try:
            self.repository.delete(self.model, self._identifier(identifier), expected)
        except WriteConflict as conflict:
            raise self._conflict(identifier, expected, conflict) from None

    def list(self, request: PageRequest) -> Page[M]:
        """A page of records with their list fields; ``cursor`` continues it."""
        after = request.after_in(self.model.KEY_PREFIX)
        return self.repository.page(self.model, request.limit, after)

    def _conflict(self, identifier: str, expected: Expected, conflict: WriteConflict) -> Exception:
        what = f"{self.model.LABEL} {identifier}"
        if conflict.current_version is None:
            if expected is None:
                return NotFound(f"{what} does not exist")
            return VersionMismatch(f"{what} does not exist, so If-Match cannot hold")
        return VersionMismatch(
            f"{what} is at version {conflict.current_version}, not {expected}: "
            "read it again and retry with its ETag"
        )
