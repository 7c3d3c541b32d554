"""Import throughput against the local emulator: ``tools.importer`` against a naive loop.

The naive baseline writes one ``PutItem`` per row, as a first script would; the
importer reads 100 rows with one ``BatchGetItem`` and writes them with one
``TransactWriteItems`` of conditional updates.
Both talk HTTP to moto's server on 127.0.0.1, so each call costs a real
(loopback) round trip. Run alone (``python -m bench.importing``), it prints
JSON: ``python -m bench`` runs it in a fresh interpreter, away from the
in-process mock and simulated delay of the other measurements.
"""

import io
import json
import tempfile
import time
from pathlib import Path

from bench.emulator import moto_server
from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.domain import jsontext
from chalicelib.domain.model import to_item
from chalicelib.domain.records import Customer
from tools.importer import PATIENCE, import_file
from tools.rowfiles import record_json
from tools.stack import create_table, emulator_clients, emulator_dynamodb

ROWS = 500
"""moto copies the whole table for each write of a transaction (to roll back), so the
importer's time there grows with the table's size squared, which DynamoDB's does not:
2000 rows took 89 s, against 13 s for the naive loop. 500 keep the run short."""
REGION = "us-east-1"


def _customers() -> list[Customer]:
    return [
        Customer(f"bench{n:05d}", f"Customer {n}", {"plan": "Gold", "seats": n % 50})
        for n in range(ROWS)
    ]


def measure(endpoint: str) -> dict[str, float]:
    dynamodb, _ = emulator_clients(endpoint, REGION)
    tables = emulator_dynamodb(endpoint, REGION)
    customers = _customers()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.jsonl"
        path.write_text("".join(jsontext.dumps(record_json(c)) + "\n" for c in customers))
        create_table(dynamodb, "bench-importer")
        repository = DynamoDBRepository(tables.Table("bench-importer"), PATIENCE)
        start = time.perf_counter()
        summary = import_file(path, repository, log=io.StringIO())
        ours = time.perf_counter() - start
    if summary.written != ROWS:
        raise SystemExit(f"bench: the importer wrote {summary.counts()}, not {ROWS} rows")
    create_table(dynamodb, "bench-naive")
    naive_table = tables.Table("bench-naive")
    start = time.perf_counter()
    for customer in customers:
        naive_table.put_item(Item=to_item(customer))
    naive = time.perf_counter() - start
    return {"rows": ROWS, "importer_seconds": ours, "naive_seconds": naive}


def main() -> None:
    with moto_server() as endpoint:
        print(json.dumps(measure(endpoint)))


if __name__ == "__main__":
    main()
