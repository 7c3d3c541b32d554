"""A batch over real HTTP: ``chalice local``, moto's server and the local workers (which
feed SQS-shaped events from moto's queues to the app's handlers), as ``make run`` runs them.

A few hundred letters, the ZIP downloaded by its presigned link and every entry compared
with the stored letter, and the webhook received on 127.0.0.1 (the local stage allows it)
and verified with the specification's own library.
"""

import io
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from standardwebhooks import Webhook

from tests.support import HTTP_TIMEOUT_SECONDS
from tests.webhook_receiver import Receiver, serving
from tools.local_stack import Servers

CUSTOMERS = 300
FINISHED = ("succeeded", "partial", "failed", "cancelled")
WAIT_SECONDS = 180


def add_customers(servers: Servers, count: int) -> list[str]:
    """``count`` customers, written to the emulator's table in batches of 25."""
    ids = [f"e2e{number:04d}" for number in range(count)]
    for start in range(0, count, 25):
        requests_ = [
            {"PutRequest": {"Item": {"PK": {"S": f"C#{c}"}, "data": {"S": f"Customer {c}"}}}}
            for c in ids[start : start + 25]
        ]
        servers.dynamodb.batch_write_item(RequestItems={servers.table: requests_})
    return ids


def finished(servers: Servers, batch_id: str) -> dict[str, Any]:
    """Poll the batch until it is over, as a client would."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        batch = servers.http.get(f"{servers.api}/batches/{batch_id}", timeout=HTTP_TIMEOUT_SECONDS)
        shown = batch.json()
        if shown["status"] in FINISHED and shown["outputs"]["zip"] is not None:
            return shown
        time.sleep(1)
    raise AssertionError(f"batch {batch_id} did not finish in {WAIT_SECONDS} s: {shown}")


@contextmanager
def receiving() -> Iterator[Receiver]:
    yield from serving((204, {}, b""))


def test_a_batch_of_hundreds_finishes_with_a_zip_of_every_letter_and_a_signed_webhook(
    servers: Servers,
) -> None:
    ids = ["TestCustomer", *add_customers(servers, CUSTOMERS)]
    with receiving() as receiver:
        started = servers.http.post(
            f"{servers.api}/batches",
            json={
                "docType": "Welcome",
                "allCustomers": True,
                "output": {"zip": True},
                "webhook": {"url": f"http://127.0.0.1:{receiver.port}/hooks"},
            },
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        assert started.status_code == 202, started.text
        batch = started.json()
        done = finished(servers, batch["batchId"])
        deadline = time.monotonic() + 60
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.5)
    assert (done["status"], done["failed"]) == ("succeeded", 0)
    assert done["total"] == done["succeeded"] >= len(ids)
    archive = requests.get(done["outputs"]["zip"]["url"], timeout=HTTP_TIMEOUT_SECONDS)
    assert archive.status_code == 200
    entries = zipfile.ZipFile(io.BytesIO(archive.content))
    assert {f"{c}/Welcome.txt" for c in ids} <= set(entries.namelist())
    assert len(entries.namelist()) == done["succeeded"]
    for name in entries.namelist():
        stored = servers.s3.get_object(Bucket=servers.bucket, Key=name)["Body"].read()
        assert entries.read(name) == stored
    [(method, path, headers, sent)] = receiver.requests
    assert (method, path) == ("POST", "/hooks")
    message = Webhook(batch["webhook"]["secret"]).verify(
        sent, {name.lower(): value for name, value in headers.items()}
    )
    assert message["data"]["batchId"] == batch["batchId"]
    assert message["data"]["status"] == "succeeded"
    assert finished(servers, batch["batchId"])["webhook"]["status"] == "delivered"
