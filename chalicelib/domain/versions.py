"""Template versions: every write of a template is kept, immutable, under its number.

The current template stays at ``D#<docType>``, in the sample's layout. Each version ``n``
is also an item of its own, ``V#<docType>#<n>``: the attributes the template item had
then, ``version`` included. The head ``V#<docType>`` holds ``latest``, the highest number
given out, so that a number never names two contents, even after a delete. An identifier
cannot contain ``#``, so no customer, template or other template's version can take these
keys, and what scans for ``C#`` or ``D#`` (lists, the export) never sees them.

A template item with no version item of its own (written before versions: the sample's,
at version 0) is its own version until it is replaced or deleted; then it is kept as a
version item first, in the same transaction (its *snapshot*).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.model import from_item, item_key, plain, specs
from chalicelib.domain.paging import NEXT_RULE, Page, PageRequest
from chalicelib.domain.records import Template
from chalicelib.domain.rules import VERSION

PREFIX = "V#"
LATEST = "latest"
"""The head's attribute: the highest version number given out."""


def is_versioned(model: type) -> bool:
    """Whether every write of ``model`` makes a version: templates do, customers do not."""
    return model is Template


def head_key(doc_type: str) -> str:
    return f"{PREFIX}{doc_type}"


def version_key(doc_type: str, number: int) -> str:
    return f"{versions_scope(doc_type)}{number}"


def versions_scope(doc_type: str) -> str:
    """What the keys of a template's versions start with."""
    return f"{head_key(doc_type)}#"


def next_version(current: int | None, latest: int | None) -> int:
    """The number of a template's next write: above its current item's and its head's."""
    return max(current or 0, latest or 0) + 1


def needs_snapshot(current: int | None, latest: int | None) -> bool:
    """Whether the current item (at version ``current``) has no version item yet."""
    return current is not None and (latest is None or current > latest)


def as_version_item(item: Mapping[str, Any], doc_type: str, number: int) -> dict[str, Any]:
    """A template item (``D#``) as the item of its version ``number``."""
    return {**item, "PK": version_key(doc_type, number), "version": number}


def as_template_item(item: Mapping[str, Any], doc_type: str) -> dict[str, Any]:
    """A version item as the template item it was, for ``from_item(Template, ...)``."""
    return {**item, "PK": item_key(Template, doc_type)}


def newest(current: int | None, latest: int | None) -> int | None:
    """A template's newest version: its current item's or its head's; ``None`` if it never
    existed."""
    known = [number for number in (current, latest) if number is not None]
    return max(known) if known else None


READ_LIMIT = 100
"""Keys one ``BatchGetItem`` reads."""


def newest_first(top: int, limit: int) -> list[int]:
    """The numbers a page of versions reads: ``top`` and below, ``limit`` of them down to 0,
    and the one below those (if one read can hold it: 100 keys), to tell whether another
    page follows."""
    return list(range(top, max(top - min(limit + 1, READ_LIMIT), -1), -1))


def pick_version(
    items: Mapping[str, Mapping[str, Any]], doc_type: str, number: int
) -> Template | None:
    """Version ``number`` of the template, from ``items`` (read by key): its version item,
    or the template item if that is at ``number`` and has none yet."""
    version = items.get(version_key(doc_type, number))
    if version is not None:
        return from_item(Template, as_template_item(version, doc_type))
    current = items.get(item_key(Template, doc_type))
    if current is not None and plain(current.get("version", 0)) == number:
        return from_item(Template, current)
    return None


def versions_page(
    doc_type: str,
    numbers: list[int],
    limit: int,
    items: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, Any] | None,
) -> Page["TemplateVersion"]:
    """The page of the first ``limit`` of ``numbers`` (newest first) from the version items
    read, and the template item ``current`` where it is its own version. A template's
    versions run without a gap from its first to its newest, so the list goes on if the
    number read below the page has an item, or (when none was read) if the page's last
    number has one and is not 0."""
    shown = []
    for number in numbers[:limit]:
        item = items.get(version_key(doc_type, number))
        if item is None and current is not None and plain(current.get("version", 0)) == number:
            item = current
        if item is not None:
            shown.append(version_summary(item))
    if len(numbers) > limit:
        last, more = numbers[limit - 1], version_key(doc_type, numbers[limit]) in items
    else:
        last = numbers[-1] if numbers else 0
        more = bool(shown) and shown[-1].version == last > 0
    return Page(shown, version_key(doc_type, last) if more else None)


def page_start(doc_type: str, request: PageRequest) -> int | None:
    """The newest version a page may show: below the one where the previous page stopped
    (its cursor is that version's key), or ``None`` for the first page."""
    scope = versions_scope(doc_type)
    after = request.after_in(scope)
    if after is None:
        return None
    number = after[len(scope) :]
    if not VERSION.fullmatch(number):
        raise InvalidInput(NEXT_RULE)
    return int(number) - 1


def _template_spec(name: str) -> dict[str, Any]:
    """The metadata of the template field ``name``: a version shows it as the template does."""
    return {"docgen": dict(specs(Template))[name]}


@dataclass(frozen=True)
class TemplateVersion:
    """One version as the list of a template's versions shows it."""

    version: int = field(default=0, metadata=_template_spec("version"))
    updated_at: str | None = field(default=None, metadata=_template_spec("updated_at"))
    description: str | None = field(default=None, metadata=_template_spec("description"))


def version_summary(item: Mapping[str, Any]) -> TemplateVersion:
    """What the list shows of a version item (or of a template item that is its own)."""
    values = {name: plain(item[s.item]) for name, s in specs(TemplateVersion) if s.item in item}
    return TemplateVersion(**values)


def no_such_version(doc_type: str, number: int) -> NotFound:
    return NotFound(f"template {doc_type} has no version {number}")
