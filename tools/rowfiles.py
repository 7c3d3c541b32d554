"""Customers and templates as rows of a JSON Lines or CSV file, checked as the API checks them.

JSON Lines (``.jsonl``) is the lossless format, one object a line::

    {"kind": "customer", "customerId": "...", "name": "...", "attributes": {...}}
    {"kind": "template", "docType": "...", "text": "...", "greeting": "...", "description": "..."}

CSV (``.csv``) has the header ``kind,id,name,text,greeting,description,attributes``;
``id`` is the customerId or the docType and ``attributes`` a JSON object (empty:
none). CSV cannot tell an empty cell from an empty string, so an empty
``greeting``, ``description`` or ``attributes`` cell means "absent": a template
without a greeting line (greeting ``""``) needs JSON Lines, or in CSV a greeting
that renders to nothing, such as ``{#-#}``. Empty ``name`` and ``text`` cells are
empty strings (the API refuses an empty name, and allows an empty text).

Each row passes the API's own checks for a PUT of that customer or template
(body size, schema, identifier, template syntax), plus DynamoDB's limits on
numbers, which the API's schema does not check. Numbers are read as exact
Decimals, never floats, and written back as the same JSON numbers, so a
file survives export and import unchanged.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from chalice import BadRequestError

from chalicelib.http import MAX_BODY_BYTES, UNPAIRED_SURROGATE, is_unicode
from chalicelib.identifiers import require_identifier
from chalicelib.items import MAX_INT_DIGITS, customer_key, template_key
from chalicelib.letters import Customer, Template
from chalicelib.rendering import syntax_error
from chalicelib.schemas import CUSTOMER_BODY, TEMPLATE_BODY, validate

FORMATS = (".jsonl", ".csv")
CSV_HEADER = ["kind", "id", "name", "text", "greeting", "description", "attributes"]

# What DynamoDB can store in a number attribute; anything else fails a whole batch.
_MIN_EXPONENT = -130
_MAX_EXPONENT = 125

Record = Customer | Template


class FileError(Exception):
    """The file as a whole cannot be used (unreadable, unwritable, no header): exit 2."""


class BadRow(Exception):
    """One row the API would refuse; the message says why, for a person."""


@dataclass(frozen=True)
class Row:
    line: int
    record: Record

    @property
    def key(self) -> str:
        return record_key(self.record)


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


def record_key(record: Record) -> str:
    if isinstance(record, Customer):
        return customer_key(record.customer_id)
    return template_key(record.doc_type)


def describe(record: Record) -> str:
    """``customer TestCustomer`` or ``template Welcome``, for messages."""
    if isinstance(record, Customer):
        return f"customer {record.customer_id}"
    return f"template {record.doc_type}"


def file_format(path: Path) -> str:
    """``.jsonl`` or ``.csv``, from the file name; anything else is a usage error."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise FileError(f"{path}: the file name must end in .jsonl or .csv")
    return suffix


# Reading


def read_rows(path: Path) -> Iterator[Row | Rejected]:
    """Every row of ``path`` in order, each one checked, with its line number.

    Raises ``FileError`` if the file cannot be opened or decoded, or a
    CSV file lacks the header.
    """
    fmt = file_format(path)
    try:
        # utf-8-sig: a byte order mark, as spreadsheet programs write one, is not data.
        # JSON Lines ends lines at \n only: a lone \r or U+2028 inside a row is data.
        with path.open(encoding="utf-8-sig", newline="" if fmt == ".csv" else "\n") as file:
            yield from _csv_rows(file, path) if fmt == ".csv" else _jsonl_rows(file)
    except OSError as error:
        raise FileError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise FileError(f"{path}: not UTF-8 text ({error.reason})") from None


def _jsonl_rows(file: TextIO) -> Iterator[Row | Rejected]:
    for line_number, line in enumerate(file, start=1):
        if line.strip():
            yield _checked(line_number, _jsonl_record, line)


def _csv_rows(file: TextIO, path: Path) -> Iterator[Row | Rejected]:
    reader = csv.reader(file, strict=True)
    header = next(reader, None)
    if header != CSV_HEADER:
        raise FileError(f"{path}: the first line must be the header {','.join(CSV_HEADER)}")
    while True:
        start = reader.line_num + 1  # a quoted cell may span lines: report where the row starts
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Rejected(start, f"not valid CSV: {error}")
            continue
        if cells:  # a blank line
            yield _checked(start, _csv_record, cells)


def _jsonl_record(line: str) -> Record:
    return record_from_json(parse_json(line))


def _csv_record(cells: list[str]) -> Record:
    return record_from_json(record_from_cells(cells))


def _checked(line: int, parse: Callable[[Any], Record], raw: Any) -> Row | Rejected:
    try:
        return Row(line, parse(raw))
    except BadRow as error:
        return Rejected(line, str(error))


def parse_json(text: str) -> Any:
    """JSON with numbers as exact Decimals; NaN and Infinity, which JSON lacks, refused."""

    def refuse(constant: str) -> None:
        raise BadRow(f"not valid JSON: {constant} is not a JSON number")

    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise BadRow(f"not valid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise BadRow("not valid JSON: nested too deeply") from None
    if not is_unicode(value):
        raise BadRow(f"not valid Unicode: {UNPAIRED_SURROGATE}")
    return value


def record_from_cells(cells: list[str]) -> dict[str, Any]:
    """A CSV row as the JSON Lines object it stands for, checked by the same code."""
    if len(cells) != len(CSV_HEADER):
        raise BadRow(f"expected {len(CSV_HEADER)} cells, found {len(cells)}")
    row = dict(zip(CSV_HEADER, cells, strict=True))
    kind = row["kind"]
    # A cell that does not belong to the kind stays in, so the schema names it as unexpected.
    if kind == "customer":
        record = {"kind": kind, "customerId": row["id"], "name": row["name"]}
        optional = ("text", "greeting", "description")
    else:
        record = {"kind": kind, "docType": row["id"], "text": row["text"]}
        optional = ("name", "greeting", "description")
    record |= {name: row[name] for name in optional if row[name]}
    if row["attributes"]:
        record["attributes"] = _attributes_cell(row["attributes"])
    return record


def _attributes_cell(cell: str) -> Any:
    try:
        return parse_json(cell)
    except BadRow as error:
        raise BadRow(f"attributes: {error}") from None


def record_from_json(value: Any) -> Record:
    """A row as a Customer or a Template, or ``BadRow`` with the API's own reason."""
    if not isinstance(value, dict):
        raise BadRow("a row must be a JSON object")
    kind = value.get("kind")
    if kind == "customer":
        return _customer(value)
    if kind == "template":
        return _template(value)
    raise BadRow("kind must be 'customer' or 'template'")


def _customer(value: dict[str, Any]) -> Customer:
    body = {name: inner for name, inner in value.items() if name not in ("kind", "customerId")}
    _validate(CUSTOMER_BODY, body)
    customer_id = _identifier(value, "customerId")
    attributes = body.get("attributes", {})
    for name, inner in attributes.items():
        _check_number(f"attributes.{name}", inner)
    return Customer(customer_id=customer_id, name=body["name"], attributes=attributes)


def _template(value: dict[str, Any]) -> Template:
    body = {name: inner for name, inner in value.items() if name not in ("kind", "docType")}
    _validate(TEMPLATE_BODY, body)
    doc_type = _identifier(value, "docType")
    _check_syntax("text", body["text"])
    if "greeting" in body:
        _check_syntax("greeting", body["greeting"])
    return Template(
        doc_type=doc_type,
        text=body["text"],
        greeting=body.get("greeting"),
        description=body.get("description"),
    )


def _identifier(value: dict[str, Any], field: str) -> str:
    identifier = value.get(field)
    if identifier is None:
        raise BadRow(f"{field} is required")
    if not isinstance(identifier, str):
        raise BadRow(f"{field} must be a string")
    try:
        return require_identifier(field, identifier)
    except BadRequestError as error:
        raise BadRow(str(error)) from None


def _validate(schema: dict[str, Any], body: dict[str, Any]) -> None:
    """The API's checks of a request body, in its order: its size, then its schema."""
    size = len(to_json(body, compact=True).encode("utf-8"))  # as a client would send it
    if size > MAX_BODY_BYTES:
        raise BadRow(f"the body is {size} bytes; at most {MAX_BODY_BYTES} are accepted")
    try:
        validate(schema, body)
    except BadRequestError as error:
        raise BadRow(str(error)) from None


def _check_syntax(field: str, source: str) -> None:
    problem = syntax_error(source)
    if problem:
        raise BadRow(f"{field} has a {problem}")  # the API's words


def _check_number(field: str, value: Any) -> None:
    """Refuse a number DynamoDB cannot hold: it would fail the whole batch it is in."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return
    number = Decimal(value)  # not normalize(): that rounds to the context's 28 digits
    significant = "".join(str(digit) for digit in number.as_tuple().digits).strip("0")
    too_precise = len(significant) > MAX_INT_DIGITS
    out_of_range = number != 0 and not _MIN_EXPONENT <= number.adjusted() <= _MAX_EXPONENT
    if too_precise or out_of_range:
        raise BadRow(
            f"{field} must have at most {MAX_INT_DIGITS} significant digits and a magnitude "
            f"from 1E{_MIN_EXPONENT} to below 1E+{_MAX_EXPONENT + 1} (DynamoDB's limits)"
        )


# Writing


def record_json(record: Record) -> dict[str, Any]:
    """A record as the JSON Lines object that reads back as the same record."""
    if isinstance(record, Customer):
        row: dict[str, Any] = {
            "kind": "customer",
            "customerId": record.customer_id,
            "name": record.name,
        }
        if record.attributes:
            row["attributes"] = dict(record.attributes)
        return row
    row = {"kind": "template", "docType": record.doc_type, "text": record.text}
    for name, value in (("greeting", record.greeting), ("description", record.description)):
        if value is not None:
            row[name] = value
    return row


def csv_cells(record: Record) -> list[str]:
    """A record as a CSV row; see ``lost_in_csv`` for what CSV cannot say."""
    row = record_json(record)
    cells = {
        "id": record.customer_id if isinstance(record, Customer) else record.doc_type,
        "attributes": to_json(row["attributes"]) if "attributes" in row else "",
    }
    return [cells.get(name, row.get(name, "")) for name in CSV_HEADER]


def lost_in_csv(record: Record) -> list[str]:
    """The fields that are ``""`` and would read back from CSV as absent."""
    row = record_json(record)
    return [name for name in ("greeting", "description") if row.get(name) == ""]


def to_json(value: Any, compact: bool = False) -> str:
    """JSON text with Decimals written exactly (``json.dumps`` would need floats)."""
    comma, colon = (",", ":") if compact else (", ", ": ")
    if isinstance(value, Decimal):
        return str(value)  # never NaN or Infinity here: DynamoDB cannot hold them
    if isinstance(value, dict):
        members = (
            f"{to_json(name)}{colon}{to_json(inner, compact)}" for name, inner in value.items()
        )
        return "{" + comma.join(members) + "}"
    if isinstance(value, list):
        return "[" + comma.join(to_json(inner, compact) for inner in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def write_rows(path: Path, records: list[Record]) -> None:
    """``records`` into ``path`` in its format; UTF-8, ``\\n`` (JSONL) or ``\\r\\n`` (CSV)."""
    csv_file = file_format(path) == ".csv"
    try:
        with path.open("w", encoding="utf-8", newline="" if csv_file else "\n") as file:
            if csv_file:
                writer = csv.writer(file)
                writer.writerow(CSV_HEADER)
                writer.writerows(csv_cells(record) for record in records)
            else:
                file.writelines(to_json(record_json(record)) + "\n" for record in records)
    except OSError as error:
        raise FileError(f"{path}: {error.strerror or error}") from None
