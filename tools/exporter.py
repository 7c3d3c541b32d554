"""Bulk export of customers and templates to JSON Lines or CSV: what ``make export`` runs
(through ``tools.importer``'s command line).

Every row written reads back as the same record; where one would not (CSV cannot tell an
empty greeting from none, an item the importer could not write back), a warning says why.
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from chalicelib.domain import jsontext
from chalicelib.domain.outcomes import Unreadable
from chalicelib.domain.records import RECORDS, Customer
from chalicelib.domain.storage import Repository
from tools.progress import Progress
from tools.rowfiles import (
    BadRow,
    Record,
    describe,
    file_format,
    lost_in_csv,
    record_from_json,
    record_json,
    record_key,
    write_rows,
)

KINDS = {model.LABEL + "s": (model,) for model in RECORDS} | {"all": RECORDS}


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


def export_file(
    path: Path,
    repository: Repository,
    kind: str = "all",
    *,
    log: TextIO = sys.stderr,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the table's customers, templates or both to ``path``, sorted by kind and id.

    The rows read back as the same records (apart from ``version`` and
    ``updatedAt``); where they would not, a warning on ``log`` says why.
    The file appears whole or not at all.
    """
    file_format(path)
    summary = ExportSummary()
    records = sorted(
        _exported_records(repository, KINDS[kind], summary, log, progress or Progress(log)),
        key=lambda record: (RECORDS.index(type(record)), record.identifier),
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


def _exported_records(
    repository: Repository,
    models: tuple[type[Record], ...],
    summary: ExportSummary,
    log: TextIO,
    progress: Progress,
) -> Iterator[Record]:
    for read, record in enumerate(repository.every(models), start=1):
        progress.update(read, f"read {read} records")
        if isinstance(record, Unreadable):
            _skip(summary, log, record.key, record.error)
            continue
        try:
            jsontext.dumps(record_json(record))  # fails for what a row cannot hold (binary data)
        except (TypeError, ValueError) as error:
            _skip(summary, log, record_key(record), error)
            continue
        try:
            record_from_json(record_json(record))
        except BadRow as error:
            _warn(
                summary,
                log,
                f"{record_key(record)}: exported, but importing it would fail: {error}",
            )
        if isinstance(record, Customer):
            summary.customers += 1
        else:
            summary.templates += 1
        yield record


def _skip(summary: ExportSummary, log: TextIO, key: str, error: Exception) -> None:
    _warn(summary, log, f"{key}: skipped, not an item this tool can write ({error!r})")


def _warn(summary: ExportSummary, log: TextIO, message: str) -> None:
    summary.warnings.append(message)
    print(f"warning: {message}", file=log)
