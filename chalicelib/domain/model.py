"""One definition per entity, from which its JSON form, its table item and its JSON
Schemas all come.

A model is a frozen dataclass whose fields each carry a ``Spec`` (``field(metadata=...)``):
the field's JSON name and schema, the table attribute that stores it, whether a request
body may set it, and whether a list page shows it. Adding a field to an entity is an
edit of its model and of the code that uses the field, nothing else.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import MISSING
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar, Protocol, TypeVar

MAX_WHOLE_DIGITS = 38
"""A whole number this long or shorter reads back as ``int``; a longer one (``1E+40``)
stays a Decimal, written in JSON as it was stored rather than as 41 digits."""


@dataclasses.dataclass(frozen=True)
class Spec:
    json: str
    """The field's name in JSON."""
    schema: Mapping[str, Any]
    """JSON Schema of the value as the API returns it."""
    item: str | None = None
    """The table attribute that stores it; ``None`` for the key, or for a value not stored."""
    body: Mapping[str, Any] | None = None
    """JSON Schema of the value in a request body; ``None`` if a client cannot set it."""
    required: bool = False
    """Whether a request body must give it."""
    summary: bool = False
    """Whether a list page shows it."""
    derived: bool = False
    """Computed from the other fields (a property of the same name): shown, never stored."""
    hidden: bool = False
    """Stored, never shown: what the service keeps for itself (a webhook's secret)."""


def spec(json: str, schema: Mapping[str, Any], **options: Any) -> dict[str, Spec]:
    """The ``metadata`` of a model field: ``field(metadata=spec("name", {...}))``."""
    return {"docgen": Spec(json, schema, **options)}


def derived(name: str, json: str, schema: Mapping[str, Any]) -> tuple[str, Spec]:
    """An entry of a model's ``DERIVED``: the property ``name``, shown as ``json``."""
    return name, Spec(json, schema, derived=True)


class Model(Protocol):
    """A stored entity: customers and templates."""

    LABEL: ClassVar[str]
    """``customer``: what messages call one."""
    KEY_PREFIX: ClassVar[str]
    """Its table keys: ``KEY_PREFIX + identifier`` (the original sample's ``C#`` and ``D#``)."""
    DERIVED: ClassVar[tuple[tuple[str, Spec], ...]]
    """(property name, Spec) of each value computed from the fields."""

    @property
    def identifier(self) -> str: ...

    def check(self) -> None:
        """Raise ``InvalidInput`` if the record breaks a rule its schema cannot express."""


M = TypeVar("M", bound=Model)


@cache
def specs(cls: type) -> tuple[tuple[str, Spec], ...]:
    """(attribute name, Spec) of each field of the model ``cls``, in order, then of each
    derived value."""
    fields = tuple((f.name, f.metadata["docgen"]) for f in dataclasses.fields(cls))
    return fields + getattr(cls, "DERIVED", ())


def key_field(cls: type) -> tuple[str, Spec]:
    """The identifier: the one field stored in no attribute of its own, but in the key."""
    return next((name, s) for name, s in specs(cls) if s.item is None and not s.derived)


@cache
def writable(cls: type) -> tuple[tuple[str, Spec], ...]:
    """(attribute name, Spec) of each field a request body (or an import row) may set."""
    return tuple((name, s) for name, s in specs(cls) if s.body is not None)


# JSON


def to_json(record: Any) -> dict[str, Any]:
    return {s.json: getattr(record, name) for name, s in specs(type(record)) if not s.hidden}


def summary_json(record: Any) -> dict[str, Any]:
    return {
        s.json: getattr(record, name)
        for name, s in specs(type(record))
        if s.summary and not s.hidden
    }


def from_body(cls: type[M], identifier: str, body: Mapping[str, Any], **stamps: Any) -> M:
    """A record from a request body that passed ``body_schema(cls)``, plus server-set values."""
    id_name, _ = key_field(cls)
    values = {name: body[s.json] for name, s in writable(cls) if s.json in body}
    return cls(**{id_name: identifier}, **values, **stamps)


# Table items


def item_key(cls: type, identifier: str) -> str:
    return cls.KEY_PREFIX + identifier  # type: ignore[attr-defined]


def identifier_of_key(cls: type, key: str) -> str:
    return key.removeprefix(cls.KEY_PREFIX)  # type: ignore[attr-defined]


def to_item(record: Any) -> dict[str, Any]:
    """The table item: ``PK`` and each stored value; ``None`` and ``{}`` are left out."""
    item: dict[str, Any] = {"PK": item_key(type(record), record.identifier)}
    for name, s in specs(type(record)):
        value = getattr(record, name)
        if s.item is not None and value is not None and value != {}:
            item[s.item] = value
    return item


def from_item(cls: type[M], item: Mapping[str, Any]) -> M:
    """The record an item holds; an attribute it lacks takes the field's default."""
    id_name, _ = key_field(cls)
    values = {
        name: plain(item[s.item]) for name, s in specs(cls) if s.item is not None and s.item in item
    }
    return cls(**{id_name: identifier_of_key(cls, item["PK"])}, **values)


def stored_attributes(cls: type, summary: bool = False) -> tuple[str, ...]:
    """The item attributes a full read needs, or a list page: those it shows, and those
    without which no record can be built."""
    needed = {f.name for f in dataclasses.fields(cls) if f.default is f.default_factory is MISSING}
    return tuple(
        s.item
        for name, s in specs(cls)
        if s.item is not None and (not summary or s.summary or name in needed)
    )


def plain(value: Any) -> Any:
    """A stored value as the API shows it: whole numbers as ``int``, others exact."""
    if isinstance(value, Decimal):
        whole = value == value.to_integral_value() and value.adjusted() < MAX_WHOLE_DIGITS
        return int(value) if whole else value
    if isinstance(value, Mapping):
        return {name: plain(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [plain(inner) for inner in value]
    return value


# JSON Schema


def resource_schema(cls: type, summary: bool = False) -> dict[str, Any]:
    """What a GET (or, with ``summary``, a list page) returns for one record."""
    shown = [
        (s.json, s.schema) for _, s in specs(cls) if (s.summary or not summary) and not s.hidden
    ]
    return {
        "type": "object",
        "required": [name for name, _ in shown],
        "properties": dict(shown),
    }


def body_schema(cls: type) -> dict[str, Any]:
    """What a PUT accepts: the writable fields, nothing else."""
    fields = [s for _, s in writable(cls)]
    return {
        "title": f"{cls.__name__}Body",
        "type": "object",
        "required": [s.json for s in fields if s.required],
        "additionalProperties": False,
        "properties": {s.json: dict(s.body or {}) for s in fields},
    }
