"""Customers and templates: the two entities the API stores, each defined once."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from chalicelib.domain import rules
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.model import Spec, derived, spec
from chalicelib.domain.rendering import problem, variables_of

_IDENTIFIER = {"type": "string", "pattern": rules.IDENTIFIER_PATTERN}
_VERSION = {
    "type": "integer",
    "minimum": 0,
    "description": "Grows by one on every write; items written the original sample's way are 0.",
}
_UPDATED_AT = {"type": ["string", "null"], "format": "date-time"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_VARIABLES = {
    "type": "array",
    "items": {"type": "string"},
    "description": "The variables and `attributes.<key>` paths the greeting and text read, "
    "sorted: what a form for this template asks for.",
}
_TEXT_DESCRIPTION = "The allowed subset of Jinja2 (README, Templates); checked when stored."

ATTRIBUTE_VALUE: dict[str, Any] = {
    "type": ["string", "number", "boolean", "null"],
    "maxLength": rules.ATTRIBUTE_VALUE_MAX_CHARS,
    "description": "A number is 0 or of magnitude 1e-130 to under 1e126 with at most "
    f"{rules.MAX_SIGNIFICANT_DIGITS} significant digits: what DynamoDB can store. "
    "Anything else is a 400.",
    "exclusiveMinimum": -float(rules.NUMBER_BOUND),
    "exclusiveMaximum": float(rules.NUMBER_BOUND),
    "not": {
        "type": "number",
        "exclusiveMinimum": -float(rules.SMALLEST_NUMBER),
        "exclusiveMaximum": float(rules.SMALLEST_NUMBER),
        "not": {"const": 0},
    },
}
ATTRIBUTES: dict[str, Any] = {
    "type": "object",
    "description": "Values a template can use as `attributes.<key>`.",
    "maxProperties": rules.ATTRIBUTES_MAX,
    "propertyNames": {"pattern": rules.ATTRIBUTE_NAME_PATTERN},
    "additionalProperties": ATTRIBUTE_VALUE,
}
_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": rules.NAME_MAX_CHARS,
    "pattern": rules.NO_CONTROL_CHARACTERS,
}
ADDRESS_LINE = {
    "type": "string",
    "minLength": 1,
    "maxLength": rules.ADDRESS_LINE_MAX_CHARS,
    "pattern": rules.NO_CONTROL_CHARACTERS,
}
ADDRESS: dict[str, Any] = {
    "type": "array",
    "maxItems": rules.ADDRESS_MAX_LINES,
    "items": ADDRESS_LINE,
    "description": "Postal address lines, as a window envelope shows them under the name.",
}
_NULLABLE_ADDRESS = {"type": ["array", "null"], "items": {"type": "string"}}


def _choice(values: tuple[str, ...], description: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values), "description": description}


def _nullable_choice(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": ["string", "null"], "enum": [*values, None]}


def _version_field() -> Any:
    return field(default=0, metadata=spec("version", _VERSION, item="version", summary=True))


def _description_field() -> Any:
    """A note for people, shown in lists: templates and letterheads have one."""
    return field(
        default=None,
        metadata=spec(
            "description",
            _NULLABLE_TEXT,
            item="description",
            body={"type": "string", "maxLength": rules.DESCRIPTION_MAX_CHARS},
            summary=True,
        ),
    )


def _updated_at_field() -> Any:
    return field(
        default=None, metadata=spec("updatedAt", _UPDATED_AT, item="updatedAt", summary=True)
    )


@dataclass(frozen=True)
class Customer:
    """Item ``C#<customerId>``; its name is the sample's ``data``."""

    LABEL: ClassVar[str] = "customer"
    KEY_PREFIX: ClassVar[str] = "C#"
    DERIVED: ClassVar[tuple[tuple[str, Spec], ...]] = ()

    customer_id: str = field(metadata=spec("customerId", _IDENTIFIER, summary=True))
    name: str = field(
        metadata=spec(
            "name", {"type": "string"}, item="data", body=_NAME, required=True, summary=True
        )
    )
    attributes: Mapping[str, Any] = field(
        default_factory=dict,
        metadata=spec("attributes", ATTRIBUTES, item="attributes", body=ATTRIBUTES),
    )
    address: list[str] | None = field(
        default=None,
        metadata=spec("address", _NULLABLE_ADDRESS, item="address", body=ADDRESS),
    )
    version: int = _version_field()
    updated_at: str | None = _updated_at_field()

    @property
    def identifier(self) -> str:
        return self.customer_id

    def check(self) -> None:
        """Everything a customer must meet is in its schema."""


@dataclass(frozen=True)
class Template:
    """Item ``D#<docType>``; its text is the sample's ``data``."""

    LABEL: ClassVar[str] = "template"
    KEY_PREFIX: ClassVar[str] = "D#"
    DERIVED: ClassVar[tuple[tuple[str, Spec], ...]] = (
        derived("variables", "variables", _VARIABLES),
    )

    doc_type: str = field(metadata=spec("docType", _IDENTIFIER, summary=True))
    text: str = field(
        metadata=spec(
            "text",
            {"type": "string"},
            item="data",
            body={
                "type": "string",
                "maxLength": rules.TEMPLATE_TEXT_MAX_CHARS,
                "description": _TEXT_DESCRIPTION,
            },
            required=True,
        )
    )
    greeting: str | None = field(
        default=None,
        metadata=spec(
            "greeting",
            _NULLABLE_TEXT,
            item="greeting",
            body={
                "type": "string",
                "maxLength": rules.GREETING_MAX_CHARS,
                "description": "Like `text`. Absent: `Dear {{ name }};`. Empty: no greeting line.",
            },
        ),
    )
    """``None`` means the default greeting; ``""`` means no greeting line."""
    description: str | None = _description_field()
    locale: str | None = field(
        default=None,
        metadata=spec(
            "locale",
            _NULLABLE_TEXT,
            item="locale",
            body={
                "type": "string",
                "maxLength": rules.LOCALE_MAX_CHARS,
                "description": "The locale of the letter's dates and numbers: a BCP 47 tag "
                "such as `de-DE`, checked when stored. Absent: the stage's `DEFAULT_LOCALE`.",
            },
        ),
    )
    """As given (``de-DE``); the formatting filters read it in Babel's form (``de_DE``)."""
    markup: str | None = field(
        default=None,
        metadata=spec(
            "markup",
            _nullable_choice(rules.MARKUPS),
            item="markup",
            body=_choice(
                rules.MARKUPS,
                "How the rendered text is read. `text` (absent): as written, blank lines "
                "between paragraphs. `markdown`: CommonMark (headings, emphasis, lists, tables, "
                "block quotes, links, code, a newline a line break), formatted in HTML and PDF; "
                "raw HTML shows as text, an image as its alt text; `txt` keeps the text as "
                "written.",
            ),
        ),
    )
    page_size: str | None = field(
        default=None,
        metadata=spec(
            "pageSize",
            _nullable_choice(rules.PAGE_SIZES),
            item="pageSize",
            body=_choice(rules.PAGE_SIZES, "The PDF's paper. Absent: `A4`."),
        ),
    )
    letterhead: str | None = field(
        default=None,
        metadata=spec(
            "letterhead",
            {"type": ["string", "null"], "pattern": rules.IDENTIFIER_PATTERN},
            item="letterhead",
            body=_IDENTIFIER
            | {"description": "The name of a letterhead; it must exist (else a 404)."},
        ),
    )
    version: int = _version_field()
    updated_at: str | None = _updated_at_field()

    @property
    def identifier(self) -> str:
        return self.doc_type

    @property
    def variables(self) -> list[str]:
        """What the greeting (the default one reads ``name``) and the text read."""
        greeting = DEFAULT_GREETING if self.greeting is None else self.greeting
        return sorted({*_read_by(greeting), *_read_by(self.text)})

    def check(self) -> None:
        """The text and the greeting must be in the allowed subset: refused when stored."""
        for name, source in (("text", self.text), ("greeting", self.greeting)):
            found = problem(source or "")
            if found:
                raise InvalidInput(f"{name}, {found}")
        _check_locale(self.locale)


def _check_locale(locale: str | None) -> None:
    """A template's locale must be one the formatting filters can use (Babel knows it)."""
    if locale is not None:
        from chalicelib.domain.rendering.formatting import locale_problem  # Babel: only here

        found = locale_problem(locale)
        if found:
            raise InvalidInput(found)


DEFAULT_GREETING = "Dear {{ name }};"


def _read_by(source: str) -> tuple[str, ...]:
    if source == DEFAULT_GREETING:
        return ("name",)  # known without Jinja2, which a plain template never imports
    return variables_of(source)


RECORDS: tuple[type[Customer] | type[Template], ...] = (Customer, Template)
