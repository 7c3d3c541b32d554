"""A batch of many txt letters end to end on the local stack: ``python -m bench.local_batch
[LETTERS]`` (``make bench-batch``).

The stack ``make run`` starts (moto's server, ``chalice local``, the local workers), with
``LETTERS`` customers seeded into the emulator's table; one ``POST /batches`` for all of
them, polled until it is over, bounded by ``TIMEOUT_SECONDS``. Prints the wall time,
letters per second, and the peak memory (``VmHWM``) of each process. Local figures measure
moto's single-threaded server more than docgen: the bench's in-memory rows measure the
worker itself.
"""

import sys
import tempfile
import time
from pathlib import Path

from tools.local_stack import Servers, isolated, serving

LETTERS = 10_000
TIMEOUT_SECONDS = 1800.0
POLL_SECONDS = 2.0


def seed(servers: Servers, count: int) -> None:
    for start in range(0, count, 25):
        puts = [
            {"PutRequest": {"Item": {"PK": {"S": f"C#b{n:05d}"}, "data": {"S": f"Customer {n}"}}}}
            for n in range(start, min(start + 25, count))
        ]
        servers.dynamodb.batch_write_item(RequestItems={servers.table: puts})


def peak_memory_mib(pid: int) -> float:
    """The process's peak resident memory, from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as workdir, serving(isolated(Path(workdir))) as servers:
        seed(servers, count)
        started = time.monotonic()
        answer = servers.http.post(
            f"{servers.api}/batches", json={"docType": "Welcome", "allCustomers": True}, timeout=30
        )
        if answer.status_code != 202:
            raise SystemExit(f"POST /batches answered {answer.status_code}: {answer.text}")
        batch_id = answer.json()["batchId"]
        refused = 0
        batch: dict = {}
        while time.monotonic() - started < TIMEOUT_SECONDS:
            answer = servers.http.get(f"{servers.api}/batches/{batch_id}", timeout=30)
            if answer.status_code != 200:  # a 503 while the emulator is busy: ask again
                refused += 1
            else:
                batch = answer.json()
                if batch["status"] not in ("accepted", "running"):
                    break
            time.sleep(POLL_SECONDS)
        seconds = time.monotonic() - started
        print(
            f"{batch['succeeded']} of {batch['total']} letters ({batch['status']}) in "
            f"{seconds:.0f} s: {batch['succeeded'] / seconds:.1f} letters/s; {refused} polls "
            "answered other than 200"
        )
        for process in servers.processes:
            print(f"  {process.name}: peak {peak_memory_mib(process.popen.pid):.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else LETTERS)
