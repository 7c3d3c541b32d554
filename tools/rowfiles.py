"""Customers and templates as rows of a JSON Lines or CSV file, checked as the API checks them.

Both formats come from the models (``chalicelib.domain.model``): a row holds ``kind``
(the model's label), its identifier and each field a request body may set, under
their JSON names. JSON Lines (``.jsonl``) is the lossless format, one object a line::

    {"kind": "customer", "customerId": "...", "name": "...", "attributes": {...}}
    {"kind": "template", "docType": "...", "text": "...", "greeting": "...", "locale": "de-DE"}

CSV (``.csv``) has the header ``kind,id,name,text,greeting,description,locale,markup,pageSize,
letterhead,attributes,address``: ``id`` is the customerId or the docType, then the models'
text fields, then those written as JSON (``attributes``, a JSON object; ``address``, a JSON
array; empty: none). A file read may leave
out columns (a missing cell is an empty one) and order them as it likes, as long as
it has ``kind`` and ``id``: a file stays good when a model gains a field. CSV cannot
tell an empty cell from an empty string, so an empty ``greeting``, ``description``,
``locale`` or ``attributes`` cell means "absent": a template without a greeting line (greeting
``""``) needs JSON Lines, or in CSV a greeting that renders to nothing, such as
``{#-#}``. Empty ``name`` and ``text`` cells (required fields) are empty strings
(the API refuses an empty name, and allows an empty text).

CSV cells that a spreadsheet would run as a formula, those starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, are written with a ``'`` in front,
which makes a spreadsheet show them as text; so is a cell that starts with ``'``
itself, so the rule can be undone. Reading removes a leading ``'`` only where it
stands before one of those characters (``'=1+1`` reads as ``=1+1``, ``''x`` as
``'x``, ``'x`` stays ``'x``), so an exported file imports back exactly. JSON Lines
is written and read verbatim.

Each row passes the API's own checks for a PUT of that customer or template
(body size, schema, identifier, template syntax), plus DynamoDB's limits on
numbers, which the API's schema does not check. Numbers are read as exact
Decimals, never floats, and written back as the same JSON numbers, so a
file survives export and import unchanged.
"""

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any, TextIO

from chalicelib.domain import jsontext
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.model import body_schema, from_body, item_key, key_field, writable
from chalicelib.domain.records import RECORDS, Customer, Template
from chalicelib.domain.rules import MAX_BODY_BYTES, require_identifier
from chalicelib.domain.schemas import validate

FORMATS = (".jsonl", ".csv")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet runs a cell starting with as a formula (OWASP's list)."""
TEXT_MARK = "'"
"""Put before a CSV cell, it makes a spreadsheet show the cell as text."""

Record = Customer | Template


def _columns() -> tuple[list[str], frozenset[str]]:
    """The CSV header (text fields first, then JSON ones) and the columns holding JSON."""
    fields = [s for model in RECORDS for _, s in writable(model)]
    text = [s.json for s in fields if (s.body or {}).get("type") == "string"]
    json = [s.json for s in fields if s.json not in text]
    return ["kind", "id", *dict.fromkeys(text), *dict.fromkeys(json)], frozenset(json)


CSV_HEADER, JSON_COLUMNS = _columns()


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
    return item_key(type(record), record.identifier)


def describe(record: Record) -> str:
    """``customer TestCustomer`` or ``template Welcome``, for messages."""
    return f"{record.LABEL} {record.identifier}"


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
    if not _readable_header(header):
        raise FileError(
            f"{path}: the first line must be the header {','.join(CSV_HEADER)} "
            "(or kind, id and any of the others, in any order)"
        )
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
            yield _checked(start, partial(_csv_record, header), cells)


def _readable_header(header: list[str] | None) -> bool:
    """Known columns, each once, ``kind`` and ``id`` among them."""
    if header is None:
        return False
    columns = set(header)
    return len(columns) == len(header) and {"kind", "id"} <= columns <= set(CSV_HEADER)


def _jsonl_record(line: str) -> Record:
    return record_from_json(parse_json(line))


def _csv_record(header: list[str], cells: list[str]) -> Record:
    return record_from_json(record_from_cells(header, cells))


def _checked(line: int, parse: Callable[[Any], Record], raw: Any) -> Row | Rejected:
    try:
        return Row(line, parse(raw))
    except BadRow as error:
        return Rejected(line, str(error))


def parse_json(text: str) -> Any:
    """JSON as the API reads it (``chalicelib.domain.jsontext``): exact, storable numbers."""
    try:
        return jsontext.parse(text)
    except jsontext.NotJSON as error:
        raise BadRow(f"not valid JSON: {error.detail}") from None
    except InvalidInput as error:
        raise BadRow(str(error)) from None


def record_from_cells(header: list[str], cells: list[str]) -> dict[str, Any]:
    """A CSV row under ``header`` as the JSON Lines object it stands for, to be checked
    by the same code.

    An empty (or missing) cell is left out, unless its kind requires the field; a cell
    that does not belong to the kind stays in, so the schema names it as unexpected.
    """
    if len(cells) != len(header):
        raise BadRow(f"expected {len(header)} cells, found {len(cells)}")
    row = dict.fromkeys(CSV_HEADER, "") | dict(zip(header, map(from_cell, cells), strict=True))
    kind = row["kind"]
    model = _model(kind)
    required = {s.json for _, s in writable(model) if s.required}
    record = {"kind": kind, key_field(model)[1].json: row["id"]}
    for name in CSV_HEADER[2:]:
        if row[name] or name in required:
            record[name] = _json_cell(name, row[name]) if name in JSON_COLUMNS else row[name]
    return record


def _json_cell(name: str, cell: str) -> Any:
    try:
        return parse_json(cell)
    except BadRow as error:
        raise BadRow(f"{name}: {error}") from None


def from_cell(cell: str) -> str:
    """A CSV cell's value: without the ``'`` that ``to_cell`` put before a formula or a ``'``."""
    unmarked = cell.removeprefix(TEXT_MARK)
    return unmarked if unmarked.startswith((*FORMULA_STARTS, TEXT_MARK)) else cell


def to_cell(value: str) -> str:
    """``value`` as a cell a spreadsheet shows as text, never runs as a formula."""
    return TEXT_MARK + value if value.startswith((*FORMULA_STARTS, TEXT_MARK)) else value


def record_from_json(value: Any) -> Record:
    """A row as a Customer or a Template, or ``BadRow`` with the API's own reason."""
    if not isinstance(value, dict):
        raise BadRow("a row must be a JSON object")
    return _record(_model(value.get("kind")), value)


def _model(kind: Any) -> type[Record]:
    for model in RECORDS:
        if kind == model.LABEL:
            return model
    raise BadRow("kind must be " + " or ".join(repr(model.LABEL) for model in RECORDS))


@cache
def _body_schema(model: type[Record]) -> dict[str, Any]:
    return body_schema(model)


def _record(model: type[Record], value: dict[str, Any]) -> Record:
    """The API's checks of a PUT, in its order: body size, schema, identifier, the rest."""
    id_field = key_field(model)[1].json
    body = {name: inner for name, inner in value.items() if name not in ("kind", id_field)}
    size = len(jsontext.dumps(body).encode("utf-8"))  # as a client would send it
    if size > MAX_BODY_BYTES:
        raise BadRow(f"the body is {size} bytes; at most {MAX_BODY_BYTES} are accepted")
    try:
        validate(_body_schema(model), body)
        record = from_body(model, _identifier(value, id_field), body)
        record.check()
    except InvalidInput as error:
        raise BadRow(str(error)) from None
    return record


def _identifier(value: dict[str, Any], field: str) -> str:
    identifier = value.get(field)
    if identifier is None:
        raise BadRow(f"{field} is required")
    if not isinstance(identifier, str):
        raise BadRow(f"{field} must be a string")
    return require_identifier(field, identifier)


# Writing


def record_json(record: Record) -> dict[str, Any]:
    """A record as the JSON Lines object that reads back as the same record: its
    writable fields, less those that are ``None`` or ``{}`` (absent)."""
    model = type(record)
    row: dict[str, Any] = {"kind": model.LABEL, key_field(model)[1].json: record.identifier}
    for name, s in writable(model):
        value = getattr(record, name)
        if value is not None and value != {}:
            row[s.json] = dict(value) if isinstance(value, Mapping) else value
    return row


def csv_cells(record: Record) -> list[str]:
    """A record as a CSV row; see ``lost_in_csv`` for what CSV cannot say."""
    row = record_json(record) | {"id": record.identifier}
    for name in JSON_COLUMNS & row.keys():
        row[name] = jsontext.dumps(row[name], compact=False)
    return [to_cell(row.get(name, "")) for name in CSV_HEADER]


def lost_in_csv(record: Record) -> list[str]:
    """The optional fields that are ``""`` and would read back from CSV as absent."""
    model = type(record)
    return [s.json for name, s in writable(model) if not s.required and getattr(record, name) == ""]


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
                file.writelines(
                    jsontext.dumps(record_json(record), compact=False) + "\n" for record in records
                )
    except OSError as error:
        raise FileError(f"{path}: {error.strerror or error}") from None
