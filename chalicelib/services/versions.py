"""A template's versions: listed newest first, a page at a time, and read by number.

Every write of a template stores a new immutable version, and deleting the template
leaves them all (``chalicelib.domain.versions``), so a version number always names the
same text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.errors import NotFound
from chalicelib.domain.paging import Page, PageRequest
from chalicelib.domain.records import Template
from chalicelib.domain.rules import require_identifier, require_version

if TYPE_CHECKING:
    from chalicelib.domain.storage import Repository
    from chalicelib.domain.versions import TemplateVersion


class VersionService:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def list(self, doc_type: str, request: PageRequest) -> Page[TemplateVersion]:
        """A page of the template's versions, newest first; ``cursor`` continues it."""
        from chalicelib.domain.versions import page_start  # loaded by the version routes only

        require_identifier("docType", doc_type)
        start = page_start(doc_type, request)
        page = self.repository.template_versions(doc_type, request.limit, start)
        if page is None:
            raise NotFound(f"template {doc_type} does not exist")
        return page

    def get(self, doc_type: str, version: str) -> Template:
        """The template as it was at ``version`` (a path's text), deleted since or not."""
        require_identifier("docType", doc_type)
        number = require_version("version", version)
        template = self.repository.get_version(doc_type, number)
        if template is None:
            from chalicelib.domain.versions import no_such_version

            raise no_such_version(doc_type, number)
        return template
