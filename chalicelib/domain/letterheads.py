"""Letterheads: the sender, logo and footer a template's letters carry (API.md, Letter layout).

Item ``H#<name>``, versioned like a customer. The item also holds ``templates``, how many
templates name it, which only template writes change (in the same transaction as the
template item): a delete refuses while it is above 0, so no template ever names a
letterhead that is gone, whatever runs at the same time.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from chalicelib.domain import rules
from chalicelib.domain.errors import InUse, NotFound
from chalicelib.domain.model import Spec, spec
from chalicelib.domain.records import (
    _IDENTIFIER,
    _NAME,
    _NULLABLE_TEXT,
    ADDRESS,
    _description_field,
    _updated_at_field,
    _version_field,
)

REFERENCES = "templates"
"""The item attribute that counts the templates naming a letterhead: no field of the model,
so that a PUT of the letterhead keeps it."""

_SENDER: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": _NAME, "addressLines": ADDRESS},
    "description": "Who sends the letters: shown at the top, and as the one-line return "
    "address above the window.",
}
_LOGO_DATA_MAX_CHARS = 4 * -(-rules.LOGO_MAX_BYTES // 3)
"""Base64 of the largest logo."""
_LOGO: dict[str, Any] = {
    "type": "object",
    "required": ["contentType", "data"],
    "additionalProperties": False,
    "properties": {
        "contentType": {"type": "string", "enum": list(rules.LOGO_TYPES)},
        "data": {"type": "string", "maxLength": _LOGO_DATA_MAX_CHARS},
    },
    "description": f"A PNG or JPEG of at most {rules.LOGO_MAX_BYTES} bytes (base64) and "
    f"{rules.LOGO_MAX_PIXELS} pixels a side; checked from its header when stored.",
}
_SHOWN_LOGO = {"type": ["object", "null"], "properties": _LOGO["properties"]}
_FOOTER = {"type": "string", "maxLength": rules.FOOTER_MAX_CHARS}


@dataclass(frozen=True)
class Letterhead:
    """Item ``H#<name>`` (``H`` for header): a prefix no other item uses."""

    LABEL: ClassVar[str] = "letterhead"
    KEY_PREFIX: ClassVar[str] = "H#"
    DERIVED: ClassVar[tuple[tuple[str, Spec], ...]] = ()

    name: str = field(metadata=spec("name", _IDENTIFIER, summary=True))
    sender: Mapping[str, Any] = field(
        metadata=spec("sender", _SENDER, item="sender", body=_SENDER, required=True)
    )
    logo: Mapping[str, str] | None = field(
        default=None, metadata=spec("logo", _SHOWN_LOGO, item="logo", body=_LOGO)
    )
    footer: str | None = field(
        default=None, metadata=spec("footer", _NULLABLE_TEXT, item="footer", body=_FOOTER)
    )
    description: str | None = _description_field()
    version: int = _version_field()
    updated_at: str | None = _updated_at_field()

    @property
    def identifier(self) -> str:
        return self.name

    def check(self) -> None:
        """The logo must be a sound PNG or JPEG of the type it claims, within the limits."""
        if self.logo is not None:
            from chalicelib.domain.logos import decode_logo  # only a PUT with a logo needs it

            decode_logo(self.logo["contentType"], self.logo["data"])


def missing(name: str) -> NotFound:
    """A template that names a letterhead which does not exist: a 404 that names the
    letterhead, as a batch naming a missing template is (the body is well formed; what it
    names is not there yet)."""
    return NotFound(f"letterhead {name} does not exist: PUT /letterheads/{name} first")


def in_use(name: str, count: int) -> InUse:
    return InUse(
        f"letterhead {name} is named by {count} template(s): "
        "point them at another letterhead (or none), or delete them, first"
    )
