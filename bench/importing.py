"""Import throughput against the local emulator: ``tools.importer`` against a naive loop.

The naive baseline writes one ``PutItem`` per row, as a first script would.
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
from chalicelib.domain.model import to_item
from chalicelib.domain.records import Customer
from tools.importer import import_file, typed
from tools.stack import create_table, emulator_clients

ROWS = 2000
REGION = "us-east-1"


def _customers() -> list[Customer]:
    return [
        Customer(f"bench{n:05d}", f"Customer {n}", {"plan": "Gold", "seats": n % 50})
        for n in range(ROWS)
    ]


def measure(endpoint: str) -> dict[str, float]:
    dynamodb, _ = emulator_clients(endpoint, REGION)
    customers = _customers()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.jsonl"
        path.write_text(
            "".join(
                json.dumps(
                    {
                        "kind": "customer",
                        "customerId": c.customer_id,
                        "name": c.name,
                        "attributes": c.attributes,
                    }
                )
                + "\n"
                for c in customers
            )
        )
        create_table(dynamodb, "bench-importer")
        start = time.perf_counter()
        summary = import_file(path, dynamodb, "bench-importer", log=io.StringIO())
        ours = time.perf_counter() - start
    if summary.written != ROWS:
        raise SystemExit(f"bench: the importer wrote {summary.counts()}, not {ROWS} rows")
    create_table(dynamodb, "bench-naive")
    start = time.perf_counter()
    for customer in customers:
        dynamodb.put_item(TableName="bench-naive", Item=typed(to_item(customer)))
    naive = time.perf_counter() - start
    return {"rows": ROWS, "importer_seconds": ours, "naive_seconds": naive}


def main() -> None:
    with moto_server() as endpoint:
        print(json.dumps(measure(endpoint)))


if __name__ == "__main__":
    main()
