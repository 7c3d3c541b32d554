"""Bulk import and export of customers and templates, from and to JSON Lines or CSV.

    python -m tools.importer import FILE [--stage local|dev|prod] [--endpoint-url URL]
                                         [--table NAME]
    python -m tools.importer export FILE [--kind customers|templates|all] [the same options]

The file's name says its format (``.jsonl`` or ``.csv``, see ``tools.rowfiles``).
Every row is checked as the API checks a request body; a bad row is reported
with its line number and skipped, and the good ones are still imported.

Re-runnable: rows are written 25 at a time with ``BatchWriteItem``, after one
``BatchGetItem`` of the same keys. A row whose stored content (name or text,
attributes, greeting, description) is already identical is left alone, so a
re-run writes nothing; any other row is written with ``version`` one above
the stored one (an item without ``version``, as the sample seeds them, counts
as 0) and ``updatedAt`` now. Attributes of an item that the importer does not
own are kept. When a file gives one key twice, the later row wins.

Not atomic with concurrent API writers: the API's writes are conditional on
``version`` and the importer's are not (``BatchWriteItem`` cannot be), so a
write through the API between the importer's read and its write is lost
without an error. Import while nothing else writes, or re-run to check.

Exit codes: 0 every row was good; 1 some rows were bad or could not be
written (the rest were imported); 2 nothing could be done: usage, a file that
cannot be read, or a table that cannot be reached.

``--stage local`` talks to the emulator (``make run``) with dummy keys;
``dev`` and ``prod`` use the normal boto3 credentials, i.e. real AWS.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain import jsontext
from chalicelib.domain.documents import iso_utc
from chalicelib.domain.model import from_item, to_item
from chalicelib.domain.records import Customer, Template
from chalicelib.services.clock import utc_now
from tools.rowfiles import (
    BadRow,
    FileError,
    Record,
    Rejected,
    Row,
    describe,
    file_format,
    lost_in_csv,
    read_rows,
    record_from_json,
    record_json,
    write_rows,
)
from tools.stack import emulator_clients, stage_environment

BATCH_SIZE = 25
"""BatchWriteItem's limit; the BatchGetItem before it (limit 100) reads the same keys."""
ATTEMPTS = 10
"""Tries for keys or items DynamoDB hands back unprocessed (it is throttling)."""
FIRST_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
"""A batch of 25 items of up to 400 KB takes longer than one API request's item."""
PROGRESS_SECONDS = 1.0
PROGRESS_ROWS = 5000

CONTENT = ("data", "attributes", "greeting", "description")
"""What a row says; when all of it is already stored, the row is not written."""
OWNED = (*CONTENT, "version", "updatedAt")
"""What a write replaces; any other attribute of a stored item is kept."""
KINDS = {
    "customers": (Customer.KEY_PREFIX,),
    "templates": (Template.KEY_PREFIX,),
    "all": (Customer.KEY_PREFIX, Template.KEY_PREFIX),
}


def typed(item: dict[str, Any]) -> dict[str, Any]:
    """A plain item in DynamoDB's typed form, for the client's batch calls."""
    return {name: TypeSerializer().serialize(value) for name, value in item.items()}


def untyped(item: dict[str, Any]) -> dict[str, Any]:
    return {name: TypeDeserializer().deserialize(value) for name, value in item.items()}


class Stopped(Exception):
    """AWS failed in a way that retrying does not mend (no table, no access, no network)."""


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


@dataclass
class Summary:
    """What an import did; every row read is exactly one of the counts."""

    rows: int = 0
    written: int = 0
    unchanged: int = 0
    bad: int = 0
    superseded: int = 0
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    """Bad and failed rows, in the order they were found."""

    @property
    def exit_code(self) -> int:
        return 1 if self.bad or self.failed else 0

    def counts(self) -> str:
        text = f"{self.written} written, {self.unchanged} unchanged, {self.bad} bad"
        if self.superseded:
            text += f", {self.superseded} superseded"
        if self.failed:
            text += f", {self.failed} failed"
        return text

    def line(self) -> str:
        return f"imported {self.rows} rows: {self.counts()}"


@dataclass
class ExportSummary:
    customers: int = 0
    templates: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.warnings else 0

    def line(self) -> str:
        rows = self.customers + self.templates
        text = f"exported {rows} rows: {self.customers} customers, {self.templates} templates"
        return text + (f", {len(self.warnings)} warnings" if self.warnings else "")


class Progress:
    """A line on stderr every second or every ``every_rows`` rows, so a long run shows
    it is alive; a short one (under a second) prints nothing."""

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        every_seconds: float = PROGRESS_SECONDS,
        every_rows: int = PROGRESS_ROWS,
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.every_seconds = every_seconds
        self.every_rows = every_rows
        self.last_time = clock()
        self.last_rows = 0

    def update(self, rows: int, message: str) -> None:
        now = self.clock()
        if now - self.last_time >= self.every_seconds or rows - self.last_rows >= self.every_rows:
            print(message, file=self.stream, flush=True)
            self.last_time, self.last_rows = now, rows


# Import


def import_file(
    path: Path,
    dynamodb: Any,
    table: str,
    *,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    log: TextIO = sys.stderr,
    progress: Progress | None = None,
) -> Summary:
    """Import every good row of ``path`` into ``table``; report the others on ``log``.

    The whole file is read and checked before the first write, so a file
    that cannot be read (``FileError``) changes nothing.
    """
    run = _Import(path, dynamodb, table, sleep, log)
    rows = run.latest_rows()
    progress = progress or Progress(log)
    done = 0
    try:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            run.import_batch(batch, iso_utc(clock()))
            done += len(batch)
            progress.update(done, f"{done} of {len(rows)} rows: {run.summary.counts()}")
    except (BotoCoreError, ClientError) as error:
        counts = run.summary.counts()
        raise Stopped(f"{error} (after {done} of {len(rows)} rows: {counts})") from error
    return run.summary


@dataclass
class _Import:
    """One import: where it writes, how it waits, and what it has done so far."""

    path: Path
    dynamodb: Any
    table: str
    sleep: Callable[[float], None]
    log: TextIO
    summary: Summary = field(default_factory=Summary)

    def latest_rows(self) -> list[Row]:
        """The good rows, each key once (its last row), in file order; bad ones reported."""
        latest: dict[str, Row] = {}
        for entry in read_rows(self.path):
            self.summary.rows += 1
            if isinstance(entry, Rejected):
                self.summary.bad += 1
                self.report(entry.line, entry.reason)
                continue
            earlier = latest.pop(entry.key, None)
            if earlier is not None:
                self.summary.superseded += 1
                self.note(
                    earlier.line,
                    f"{describe(entry.record)} is given again on line {entry.line}; "
                    "the later row wins",
                )
            latest[entry.key] = entry
        return sorted(latest.values(), key=lambda row: row.line)

    def import_batch(self, batch: list[Row], now: str) -> None:
        """Read the batch's keys, then write the rows that change something."""
        stored, unread = batch_get(
            self.dynamodb, self.table, [row.key for row in batch], self.sleep
        )
        puts: list[tuple[Row, dict[str, Any]]] = []
        for row in batch:
            if row.key in unread:
                self.fail(row, "DynamoDB kept leaving its stored item unread (throttled)")
            elif (item := next_item(row.record, stored.get(row.key), now)) is None:
                self.summary.unchanged += 1
            else:
                puts.append((row, item))
        failures = batch_write(self.dynamodb, self.table, puts, self.sleep)
        for row, reason in failures:
            self.fail(row, reason)
        self.summary.written += len(puts) - len(failures)

    def fail(self, row: Row, reason: str) -> None:
        self.summary.failed += 1
        self.report(row.line, f"not imported: {reason}")

    def report(self, line: int, reason: str) -> None:
        self.summary.problems.append(Problem(line, reason))
        self.note(line, reason)

    def note(self, line: int, message: str) -> None:
        print(f"{self.path}:{line}: {message}", file=self.log)


def next_item(record: Record, stored: dict[str, Any] | None, now: str) -> dict[str, Any] | None:
    """The item to write for ``record``, or ``None`` if ``stored`` already says the same."""
    version = _version(stored) + 1
    fresh = replace(record, version=version, updated_at=now)
    item = typed(to_item(fresh))
    if stored is not None and _content(stored) == _content(item):
        return None
    kept = {name: value for name, value in (stored or {}).items() if name not in OWNED}
    return kept | item


def _version(stored: dict[str, Any] | None) -> int:
    if stored is None or "version" not in stored:
        return 0
    return int(TypeDeserializer().deserialize(stored["version"]))


def _content(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _canonical(item[name]) for name in CONTENT if name in item}


def _canonical(value: dict[str, Any]) -> Any:
    """A DynamoDB value to compare by meaning: ``1.50`` and ``1.5`` alike, ``true`` not ``1``."""
    kind, raw = next(iter(value.items()))
    if kind == "N":
        return kind, Decimal(raw)
    if kind == "M":
        return kind, {name: _canonical(inner) for name, inner in raw.items()}
    if kind == "L":
        return kind, [_canonical(inner) for inner in raw]
    return kind, raw


def backoff(attempt: int) -> float:
    """Seconds to wait before try ``attempt`` (1, 2, ...): 0.05, 0.1, 0.2, ... at most 5."""
    return min(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def batch_get(
    dynamodb: Any, table: str, keys: list[str], sleep: Callable[[float], None]
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The stored items for ``keys`` (at most 100), and the keys DynamoDB never read."""
    request: dict[str, Any] = {
        table: {"Keys": [{"PK": {"S": key}} for key in keys], "ConsistentRead": True}
    }
    stored: dict[str, dict[str, Any]] = {}
    for attempt in range(ATTEMPTS):
        if attempt:
            sleep(backoff(attempt))
        response = dynamodb.batch_get_item(RequestItems=request)
        for item in response.get("Responses", {}).get(table, []):
            stored[item["PK"]["S"]] = item
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return stored, set()
    return stored, {key["PK"]["S"] for key in request[table]["Keys"]}


def batch_write(
    dynamodb: Any,
    table: str,
    puts: list[tuple[Row, dict[str, Any]]],
    sleep: Callable[[float], None],
) -> list[tuple[Row, str]]:
    """Put ``puts`` (distinct keys, at most 25); return the rows not written, and why.

    Items DynamoDB hands back unprocessed are sent again after a growing
    wait. A batch DynamoDB refuses as invalid (an item over 400 KB, say) is
    sent again one item at a time, so only the culprit fails.
    """
    if not puts:
        return []
    rows = {item["PK"]["S"]: row for row, item in puts}
    requests = [{"PutRequest": {"Item": item}} for _, item in puts]
    try:
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(backoff(attempt))
            response = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = response.get("UnprocessedItems", {}).get(table, [])
            if not requests:
                return []
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ValidationException":
            raise
        if len(puts) > 1:
            return [failed for put in puts for failed in batch_write(dynamodb, table, [put], sleep)]
        return [(puts[0][0], f"DynamoDB refused it: {error.response['Error'].get('Message')}")]
    reason = f"DynamoDB left it unprocessed after {ATTEMPTS} tries (throttled)"
    return [(rows[request["PutRequest"]["Item"]["PK"]["S"]], reason) for request in requests]


# Export


def export_file(
    path: Path,
    dynamodb: Any,
    table: str,
    kind: str = "all",
    *,
    log: TextIO = sys.stderr,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the table's customers, templates or both to ``path``, sorted by kind and id.

    The rows read back as the same items (apart from ``version`` and
    ``updatedAt``); where they would not, a warning on ``log`` says why.
    The file appears whole or not at all.
    """
    file_format(path)
    summary = ExportSummary()
    records = sorted(
        _exported_records(dynamodb, table, KINDS[kind], summary, log, progress or Progress(log)),
        key=lambda record: (not isinstance(record, Customer), _identifier(record)),
    )
    partial = path.with_suffix(".partial" + path.suffix)
    try:
        write_rows(partial, records)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    if path.suffix.lower() == ".csv":
        for record in records:
            for name in lost_in_csv(record):
                _warn(
                    summary,
                    log,
                    f"{describe(record)}: its {name} is empty, which CSV cannot "
                    "tell from absent; export to .jsonl to keep it",
                )
    return summary


def _identifier(record: Record) -> str:
    return record.customer_id if isinstance(record, Customer) else record.doc_type


def _exported_records(
    dynamodb: Any,
    table: str,
    prefixes: tuple[str, ...],
    summary: ExportSummary,
    log: TextIO,
    progress: Progress,
) -> Iterator[Record]:
    scanned = 0
    for item in scan(dynamodb, table):
        scanned += 1
        progress.update(scanned, f"scanned {scanned} items")
        key = item.get("PK", {}).get("S", "")
        if not key.startswith(prefixes):
            continue
        record = _decoded(item, key, summary, log)
        if record is None:
            continue
        if isinstance(record, Customer):
            summary.customers += 1
        else:
            summary.templates += 1
        yield record


def scan(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every item of ``table``, page by page, each read strongly consistent."""
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page["Items"]


def _decoded(item: dict[str, Any], key: str, summary: ExportSummary, log: TextIO) -> Record | None:
    """The item as a record, or ``None`` (with a warning) if it is not one this tool can write."""
    try:
        model = Customer if key.startswith(Customer.KEY_PREFIX) else Template
        record: Record = from_item(model, untyped(item))
        jsontext.dumps(record_json(record))  # fails for what a row cannot hold, such as binary data
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        _warn(summary, log, f"{key}: skipped, not an item this tool can write ({error!r})")
        return None
    try:
        record_from_json(record_json(record))
    except BadRow as error:
        _warn(summary, log, f"{key}: exported, but importing it would fail: {error}")
    return record


def _warn(summary: ExportSummary, log: TextIO, message: str) -> None:
    summary.warnings.append(message)
    print(f"warning: {message}", file=log)


# Command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("file", type=Path, help="a .jsonl or .csv file")
    common.add_argument(
        "--stage",
        choices=("local", "dev", "prod"),
        default="local",
        help="local (the emulator, the default), or dev or prod (real AWS)",
    )
    common.add_argument(
        "--endpoint-url",
        help="the emulator's URL (--stage local only); default: the local stage's",
    )
    common.add_argument("--table", help="default: $DYNAMODB_TABLE_NAME, else the stage's table")
    parser = argparse.ArgumentParser(
        prog="python -m tools.importer",
        description="Import customers and templates into docgen's table, or export them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("import", parents=[common], help="import the rows of FILE")
    export = commands.add_parser("export", parents=[common], help="export the table to FILE")
    export.add_argument("--kind", choices=tuple(KINDS), default="all")
    args = parser.parse_args(argv)
    if args.endpoint_url and args.stage != "local":
        parser.error("--endpoint-url is for --stage local only: real credentials go to AWS only")
    return args


def table_name(args: argparse.Namespace) -> str:
    return (
        args.table
        or os.environ.get("DYNAMODB_TABLE_NAME")
        or stage_environment(args.stage)["DYNAMODB_TABLE_NAME"]
    )


def dynamodb_client(stage: str, endpoint_url: str | None) -> Any:
    """The emulator with dummy keys for ``local``; real AWS, with the API's retries, otherwise."""
    if stage == "local":
        env = stage_environment("local")
        endpoint = endpoint_url or env["AWS_ENDPOINT_URL"]
        return emulator_clients(endpoint, env.get("AWS_DEFAULT_REGION", "us-east-1"))[0]
    from botocore.config import Config

    from chalicelib.adapters.aws import session

    config = Config(read_timeout=READ_TIMEOUT_SECONDS, retries={"mode": "standard"})
    return session().client("dynamodb", config=config)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    table = table_name(args)
    try:
        dynamodb = dynamodb_client(args.stage, args.endpoint_url)
        if args.command == "import":
            summary: Summary | ExportSummary = import_file(args.file, dynamodb, table)
        else:
            summary = export_file(args.file, dynamodb, table, args.kind)
    except FileError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 2
    except (Stopped, BotoCoreError, ClientError) as error:
        print(f"{args.command}: stopped: table {table}: {error}", file=sys.stderr)
        return 2
    print(summary.line())
    return summary.exit_code


if __name__ == "__main__":
    sys.exit(main())
