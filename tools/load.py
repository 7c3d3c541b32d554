"""``make load``: many concurrent clients against ``chalice local`` and moto's server.

Each client loops over a mix of requests, as a busy integration would:
generate a letter (txt, html or pdf), read it back, list documents and
customers, and update its customer with a read-modify-write under
``If-Match`` (retried on 412). The run is bounded in requests and in time,
and talks only to 127.0.0.1.

It passes only with zero 5xx, zero lost updates (each customer's counter
equals the number of updates the server acknowledged), no unexpected 4xx,
and every stored document holding exactly what was asked for.
"""

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tools.local_stack import Servers, StartupError, isolated, serving

HTTP_TIMEOUT_SECONDS = 30.0
TEMPLATE = "LoadLetter"
TEMPLATE_TEXT = "\nThank you for your order {{ customerId }}.\n\nKind regards,\nThe docgen team\n"
MIX = (
    ("generate txt", 30),
    ("generate html", 8),
    ("generate pdf", 7),
    ("describe", 15),
    ("list documents", 10),
    ("list customers", 5),
    ("update", 25),
)
"""Request kinds and their weights."""


@dataclass
class Results:
    """What every client saw, gathered under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    updates: Counter = field(default_factory=Counter)
    generated: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, response: requests.Response, ok: set[int]) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[response.status_code] += 1
            if response.status_code not in ok:
                problem = f"{kind}: {response.request.method} {response.request.path_url} "
                self.unexpected.append(problem + f"-> {response.status_code} {response.text[:200]}")


class Client:
    """One simulated integration: its own customer, its own connection pool."""

    def __init__(self, servers: Servers, customer_id: str, results: Results, seed: int) -> None:
        self.api = servers.api
        self.http = requests.Session()
        self.http.trust_env = False
        self.customer_id = customer_id
        self.results = results
        self.random = random.Random(seed)  # noqa: S311 (a reproducible request mix, not a secret)

    def call(
        self, kind: str, method: str, path: str, ok: set[int], **kwargs: object
    ) -> requests.Response:
        started = time.perf_counter()
        response = self.http.request(
            method, self.api + path, timeout=HTTP_TIMEOUT_SECONDS, **kwargs
        )
        self.results.record(kind, time.perf_counter() - started, response, ok)
        return response

    def one_request(self) -> None:
        kinds, weights = zip(*MIX, strict=True)
        kind = self.random.choices(kinds, weights)[0]
        document = f"/customers/{self.customer_id}/documents/{TEMPLATE}"
        if kind.startswith("generate"):
            fmt = kind.split()[1]
            if self.call(kind, "POST", f"{document}?format={fmt}", {201}).status_code == 201:
                with self.results.lock:
                    self.results.generated.add((self.customer_id, fmt))
        elif kind == "describe":
            self.call(kind, "GET", f"{document}?format=txt", {200, 404})
        elif kind == "list documents":
            self.call(kind, "GET", f"/customers/{self.customer_id}/documents?limit=10", {200})
        elif kind == "list customers":
            self.call(kind, "GET", "/customers?limit=20", {200})
        else:
            self.update()

    def update(self) -> None:
        """Add one to the shared customer's counter: read, then write under If-Match."""
        shared = f"/customers/{SHARED_CUSTOMER}"
        for _ in range(50):
            current = self.call("update (read)", "GET", shared, {200})
            attributes = current.json()["attributes"]
            attributes["counter"] += 1
            written = self.call(
                "update",
                "PUT",
                shared,
                {200, 412},
                headers={"If-Match": current.headers["ETag"], "Content-Type": "application/json"},
                data=json.dumps({"name": current.json()["name"], "attributes": attributes}),
            )
            if written.status_code == 200:
                with self.results.lock:
                    self.results.updates[SHARED_CUSTOMER] += 1
                return


SHARED_CUSTOMER = "LoadShared"
"""The one customer every client updates at once: where lost updates would show."""


def name_of(customer_id: str) -> str:
    return f"Łoad Cüstomer {customer_id}"


def arrange(servers: Servers, clients: int) -> list[str]:
    """A template, one customer per client and the shared one; their ids."""
    http = servers.http
    headers = {"Content-Type": "application/json"}
    template = {"text": TEMPLATE_TEXT, "description": "make load"}
    put = http.put(f"{servers.api}/templates/{TEMPLATE}", headers=headers, json=template)
    put.raise_for_status()
    ids = [f"load{n:03d}" for n in range(clients)]
    for customer_id in [*ids, SHARED_CUSTOMER]:
        body = {"name": name_of(customer_id), "attributes": {"counter": 0}}
        http.put(f"{servers.api}/customers/{customer_id}", headers=headers, json=body)
    return ids


def drive(servers: Servers, ids: list[str], operations: int, seconds: float) -> Results:
    """Run the clients until ``operations`` operations have started or time is up."""
    results = Results()
    deadline = time.monotonic() + seconds
    budget = iter(range(operations))
    budget_lock = threading.Lock()

    def run(client: Client) -> None:
        while time.monotonic() < deadline:
            with budget_lock:
                if next(budget, None) is None:
                    return
            client.one_request()

    clients = [Client(servers, customer_id, results, n) for n, customer_id in enumerate(ids)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for outcome in [pool.submit(run, client) for client in clients]:
            outcome.result()
    return results


def check_documents(servers: Servers, results: Results) -> list[str]:
    """Every generated document, read from the bucket, is the letter that was asked for."""
    from pypdf import PdfReader

    problems = []
    for customer_id, fmt in sorted(results.generated):
        key = f"{customer_id}/{TEMPLATE}.{fmt}"
        body = servers.s3.get_object(Bucket=servers.bucket, Key=key)["Body"].read()
        letter = f"Dear {name_of(customer_id)};\n" + TEMPLATE_TEXT.replace(
            "{{ customerId }}", customer_id
        )
        if fmt == "txt":
            good = body == letter.encode()
        elif fmt == "html":
            good = f"<p>Dear {name_of(customer_id)};</p>".encode() in body
        else:
            text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
            good = f"Dear {name_of(customer_id)};" in text and "The docgen team" in text
        if not good:
            problems.append(f"{key} does not hold the letter asked for")
    return problems


def check_updates(servers: Servers, results: Results) -> list[str]:
    """The shared counter equals the updates the server acknowledged: none lost."""
    stored = servers.http.get(f"{servers.api}/customers/{SHARED_CUSTOMER}").json()
    counter = stored["attributes"]["counter"]
    acknowledged = results.updates[SHARED_CUSTOMER]
    if counter != acknowledged:
        return [f"{acknowledged} updates acknowledged, but the counter is {counter}: lost updates"]
    return []


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(results: Results, elapsed: float, clients: int, markdown: bool) -> str:
    """Throughput, p50/p95/p99 latency per kind, and status counts, as a table."""
    rows = [("kind", "requests", "p50 ms", "p95 ms", "p99 ms")]
    every = [seconds for samples in results.latencies.values() for seconds in samples]
    for kind, samples in [*sorted(results.latencies.items()), ("all", every)]:
        rows.append(
            (
                kind,
                str(len(samples)),
                *(f"{percentile(samples, q) * 1000:.1f}" for q in (0.50, 0.95, 0.99)),
            )
        )
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "| --- | ---: | ---: | ---: | ---: |")
    else:
        widths = [max(len(row[col]) for row in rows) for col in range(5)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
        ]
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(results.statuses.items()))
    server_errors = sum(n for status, n in results.statuses.items() if status >= 500)
    bullet = "- " if markdown else ""
    lines += [
        "",
        f"{bullet}{len(every)} requests from {clients} clients in {elapsed:.1f} s: "
        f"{len(every) / elapsed:.0f} requests/s",
        f"{bullet}statuses: {statuses}; 5xx: {server_errors}; "
        f"unexpected: {len(results.unexpected)}",
        f"{bullet}updates acknowledged on the shared customer: "
        f"{results.updates[SHARED_CUSTOMER]} (412s retried)",
        f"{bullet}p50 of all: {statistics.median(every) * 1000:.1f} ms",
    ]
    return "\n".join(lines)


def progress(message: str) -> None:
    print(f"load: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.load", description=__doc__)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument(
        "--operations",
        type=int,
        default=2000,
        help="operations in all, at most (an update's read and 412 retries add requests)",
    )
    parser.add_argument("--seconds", type=float, default=120.0, help="time limit")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory() as workdir, serving(isolated(Path(workdir))) as servers:
            ids = arrange(servers, args.clients)
            progress(f"{args.clients} clients, {args.operations} operations or {args.seconds} s")
            started = time.monotonic()
            results = drive(servers, ids, args.operations, args.seconds)
            elapsed = time.monotonic() - started
            progress("checking stored documents and the shared counter")
            problems = results.unexpected + check_documents(servers, results)
            problems += check_updates(servers, results)
    except StartupError as error:
        print(f"load: {error}", file=sys.stderr)
        return 2
    print(report(results, elapsed, args.clients, args.markdown))
    for problem in problems[:20]:
        print(f"FAIL: {problem}", file=sys.stderr)
    server_errors = sum(n for status, n in results.statuses.items() if status >= 500)
    return 0 if not problems and server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
