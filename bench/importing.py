"""Import throughput against the local emulator: ``tools.importer`` against a naive loop.

The naive baseline writes one ``PutItem`` per row, as a first script would.
Both talk HTTP to moto's server on 127.0.0.1, so each call costs a real
(loopback) round trip. Run alone (``python -m bench.importing``), it prints
JSON: ``python -m bench`` runs it in a fresh interpreter, away from the
in-process mock and simulated delay of the other measurements.
"""

import io
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from chalicelib.domain.model import to_item
from chalicelib.domain.records import Customer
from tools.importer import import_file, typed
from tools.stack import PROJECT_DIR, create_table, emulator_clients

ROWS = 2000
HOST = "127.0.0.1"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bench: moto's server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("bench: moto's server did not answer in 30 s")


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
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://{HOST}:{port}"
        _wait_until_answering(f"{endpoint}/moto-api/", server)
        print(json.dumps(measure(endpoint)))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
