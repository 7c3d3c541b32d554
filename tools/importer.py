"""Bulk import and export of customers and templates, from and to JSON Lines or CSV.

    python -m tools.importer import FILE [--stage local|dev|prod] [--endpoint-url URL]
                                         [--table NAME]
    python -m tools.importer export FILE [--kind customers|templates|all] [the same options]

The file's name says its format (``.jsonl`` or ``.csv``, see ``tools.rowfiles``).
Every row is checked as the API checks a request body; a bad row is reported
with its line number and skipped, and the good ones are still imported.

The file is streamed, twice: the first pass checks every row and keeps, for each
key, only the line of its last good row (when a file gives one key twice, the
later row wins); the second reads it again and imports those rows, 100 records
of one kind at a time. So memory grows with the number of distinct keys, not
with the file.

Everything goes through the repository (``chalicelib.domain.storage``), as the
API's writes do: one ``get_many`` of a batch's records, then one ``put_many`` of
those whose content (the fields a row sets) differs from what is stored. A row
whose stored content is already identical is left alone, so a re-run writes
nothing. Every other row is written with ``version`` one above the one read (an
item without ``version``, as the sample seeds them, counts as 0) and
``updatedAt`` now, on condition that the stored record is still at the version
read. If an API write came in between, the row is a conflict: reported and not
written, so one version number always names one content; a re-run imports it
over the new version. Attributes of an item that the importer does not own are
kept.

Exit codes: 0 every row was good; 1 some rows were bad, in conflict or could not
be written (the rest were imported); 2 nothing could be done: usage, a file that
cannot be read, or a table that cannot be reached.

``--stage local`` talks to the emulator (``make run``) with dummy keys;
``dev`` and ``prod`` use the normal boto3 credentials, i.e. real AWS.
"""

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import dynamodb_table
from chalicelib.adapters.dynamodb import BATCH_GET_LIMIT, DynamoDBRepository
from chalicelib.adapters.dynamodb_requests import Patience
from chalicelib.domain.documents import iso_utc
from chalicelib.domain.errors import NotFound, Unavailable
from chalicelib.domain.model import writable
from chalicelib.domain.outcomes import Conflict, Failed, Written
from chalicelib.domain.storage import Repository
from chalicelib.domain.writes import ABSENT, WriteConflict
from chalicelib.services.clock import utc_now
from tools.exporter import KINDS, ExportSummary, export_file
from tools.progress import Progress
from tools.rowfiles import (
    FileError,
    Record,
    Row,
    describe,
    read_rows,
)
from tools.stack import emulator_dynamodb, stage_environment

BATCH_SIZE = BATCH_GET_LIMIT
"""Records of one kind read by one BatchGetItem (its limit), then written by
``put_many`` (in transactions of at most 100 writes and 4 MB)."""
PATIENCE = Patience(retries=9)
"""Ten tries, waiting 0.05 s, 0.1 s, ... up to 5 s, while DynamoDB is throttling: a bulk
load may wait longer than an API request."""
READ_TIMEOUT_SECONDS = 10.0
"""A transaction of 100 items of up to 400 KB takes longer than one API request's item."""


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
    conflicted: int = 0
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    """Bad, conflicted and failed rows, in the order they were found."""

    @property
    def exit_code(self) -> int:
        return 1 if self.bad or self.conflicted or self.failed else 0

    def counts(self) -> str:
        text = f"{self.written} written, {self.unchanged} unchanged, {self.bad} bad"
        for name in ("superseded", "conflicted", "failed"):
            if getattr(self, name):
                text += f", {getattr(self, name)} {name}"
        return text

    def line(self) -> str:
        return f"imported {self.rows} rows: {self.counts()}"


# Import


def import_file(
    path: Path,
    repository: Repository,
    *,
    clock: Callable[[], datetime] = utc_now,
    log: TextIO = sys.stderr,
    progress: Progress | None = None,
) -> Summary:
    """Import every good row of ``path`` through ``repository``; report the others on ``log``.

    The whole file is read and checked before the first write, so a file that
    cannot be read (``FileError``) changes nothing.
    """
    run = _Import(path, repository, log)
    latest = run.latest_lines()
    progress = progress or Progress(log)
    done = 0
    try:
        for batch in run.batches(latest):
            run.import_batch(batch, iso_utc(clock()))
            done += len(batch)
            progress.update(done, f"{done} of {len(latest)} rows: {run.summary.counts()}")
    except (BotoCoreError, ClientError, Unavailable) as error:
        counts = run.summary.counts()
        raise Stopped(f"{error} (after {done} of {len(latest)} rows: {counts})") from error
    if done != len(latest):
        raise FileError(f"{path}: it changed while it was imported; run the import again")
    return run.summary


@dataclass
class _Import:
    """One import: the file, where it writes, and what it has done so far."""

    path: Path
    repository: Repository
    log: TextIO
    summary: Summary = field(default_factory=Summary)

    def latest_lines(self) -> dict[str, int]:
        """The first pass: each key's last good row's line; bad and superseded rows reported."""
        latest: dict[str, int] = {}
        for entry in read_rows(self.path):
            self.summary.rows += 1
            if not isinstance(entry, Row):
                self.summary.bad += 1
                self.report(entry.line, entry.reason)
                continue
            earlier = latest.get(entry.key)
            if earlier is not None:
                self.summary.superseded += 1
                self.note(
                    earlier,
                    f"{describe(entry.record)} is given again on line {entry.line}; "
                    "the later row wins",
                )
            latest[entry.key] = entry.line
        return latest

    def batches(self, latest: Mapping[str, int]) -> Iterator[list[Row]]:
        """The second pass: the rows of ``latest``, in batches of one kind each."""
        pending: dict[type, list[Row]] = {}
        for entry in read_rows(self.path):
            if isinstance(entry, Row) and latest.get(entry.key) == entry.line:
                batch = pending.setdefault(type(entry.record), [])
                batch.append(entry)
                if len(batch) == BATCH_SIZE:
                    yield pending.pop(type(entry.record))
        yield from pending.values()

    def import_batch(self, batch: list[Row], now: str) -> None:
        """Read the batch's records, then write those that change something."""
        model = type(batch[0].record)
        stored = self.repository.get_many(model, [row.record.identifier for row in batch])
        changed = []
        for row in batch:
            old = stored.get(row.record.identifier)
            if old is not None and _content(old) == _content(row.record):
                self.summary.unchanged += 1
            elif _names_letterhead(old) or _names_letterhead(row.record):
                self.put_one(replace(row.record, updated_at=now), row, old)
            else:
                changed.append((row, None if old is None else old.version))
        writes = [(replace(row.record, updated_at=now), read) for row, read in changed]
        for (row, _), outcome in zip(changed, self.repository.put_many(writes), strict=True):
            if isinstance(outcome, Written):
                self.summary.written += 1
            elif isinstance(outcome, Conflict):
                self.conflict(row)
            else:
                self.fail(row, outcome)

    def put_one(self, record: Record, row: Row, old: Record | None) -> None:
        """A template that names a letterhead, or named one, through the repository's own
        write, which keeps the letterhead's count of templates exact (and checks that it
        exists): on condition of the version read, like a batch's writes."""
        try:
            self.repository.put(record, ABSENT if old is None else old.version)
        except WriteConflict:
            self.conflict(row)
        except NotFound as error:
            self.fail(row, Failed(str(error)))
        else:
            self.summary.written += 1

    def conflict(self, row: Row) -> None:
        self.summary.conflicted += 1
        self.report(
            row.line,
            f"not imported: {describe(row.record)} changed since it was read; run the import again",
        )

    def fail(self, row: Row, outcome: Failed) -> None:
        self.summary.failed += 1
        self.report(row.line, f"not imported: {outcome.reason}")

    def report(self, line: int, reason: str) -> None:
        self.summary.problems.append(Problem(line, reason))
        self.note(line, reason)

    def note(self, line: int, message: str) -> None:
        print(f"{self.path}:{line}: {message}", file=self.log)


def _names_letterhead(record: Record | None) -> bool:
    return getattr(record, "letterhead", None) is not None


def _content(record: Record) -> dict[str, Any]:
    """What a row says of a record: the fields it sets, compared by meaning."""
    return {name: _canonical(getattr(record, name)) for name, _ in writable(type(record))}


def _canonical(value: Any) -> Any:
    """A value to compare as DynamoDB stores it: ``1.50`` and ``1.5`` alike, ``true`` not ``1``."""
    if isinstance(value, Mapping):
        return {name: _canonical(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_canonical(inner) for inner in value]
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    return type(value), value


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


def stage_repository(stage: str, endpoint_url: str | None, table: str) -> DynamoDBRepository:
    """The emulator's table with dummy keys for ``local``; for ``dev`` and ``prod`` the
    table as the API builds it (real AWS), with a longer read timeout."""
    if stage == "local":
        env = stage_environment("local")
        endpoint = endpoint_url or env["AWS_ENDPOINT_URL"]
        dynamodb = emulator_dynamodb(endpoint, env.get("AWS_DEFAULT_REGION", "us-east-1"))
        return DynamoDBRepository(dynamodb.Table(table), PATIENCE)
    return DynamoDBRepository(dynamodb_table(table, read_timeout=READ_TIMEOUT_SECONDS), PATIENCE)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    table = table_name(args)
    try:
        repository = stage_repository(args.stage, args.endpoint_url, table)
        if args.command == "import":
            summary: Summary | ExportSummary = import_file(args.file, repository)
        else:
            summary = export_file(args.file, repository, args.kind)
    except FileError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 2
    except (Stopped, BotoCoreError, ClientError, Unavailable) as error:
        print(f"{args.command}: stopped: table {table}: {error}", file=sys.stderr)
        return 2
    print(summary.line())
    return summary.exit_code


if __name__ == "__main__":
    sys.exit(main())
