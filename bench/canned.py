"""AWS answered at the HTTP layer with canned responses, for the bench's true-cold arm.

A cold interpreter that imports moto first has boto3 and botocore loaded
before its clock starts, which hides their import cost. This server lets a
child with nothing pre-imported make real HTTP calls instead: it runs in
the bench's own process on 127.0.0.1, answers DynamoDB ``GetItem`` and
``BatchGetItem`` (chosen by the ``X-Amz-Target`` header) for the sample's
items and S3 ``PutObject`` for any key, and records the operations and the
objects written so the bench can check every run. Each answer can wait a
fixed delay first, as the in-process arm waits on each send.
"""

import hashlib
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from tools.stack import SAMPLE_ITEMS, stage_environment

HOST = "127.0.0.1"
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."
ITEMS = {item["PK"]["S"]: item for item in SAMPLE_ITEMS}
STAGE = stage_environment("dev")
TABLE, BUCKET = STAGE["DYNAMODB_TABLE_NAME"], STAGE["S3_BUCKET_NAME"]


class DynamoDBError(Exception):
    """An error DynamoDB would answer with a 400 and its ``__type``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check_table(name: str) -> None:
    if name != TABLE:
        raise DynamoDBError("ResourceNotFoundException", f"Requested resource not found: {name}")


def _get_item(request: dict) -> dict:
    _check_table(request["TableName"])
    item = ITEMS.get(request["Key"]["PK"]["S"])
    return {} if item is None else {"Item": item}


def _batch_get_item(request: dict) -> dict:
    responses = {}
    for table, wanted in request["RequestItems"].items():
        _check_table(table)
        found = (ITEMS.get(key["PK"]["S"]) for key in wanted["Keys"])
        responses[table] = [item for item in found if item is not None]
    return {"Responses": responses, "UnprocessedKeys": {}}


DYNAMODB_OPERATIONS: dict[str, Callable[[dict], dict]] = {
    "GetItem": _get_item,
    "BatchGetItem": _batch_get_item,
}


class CannedAWS(ThreadingHTTPServer):
    """The server, with what it was asked: operations in order, and objects by key."""

    daemon_threads = True

    def __init__(self, delay: float) -> None:
        super().__init__((HOST, 0), _Handler)
        self.delay = delay
        self.operations: list[str] = []
        self.objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def record(self, operation: str, key: str | None = None, body: bytes = b"") -> None:
        with self._lock:
            self.operations.append(operation)
            if key is not None:
                self.objects[key] = body

    def take_operations(self) -> list[str]:
        """The operations since the last call, so each run can be checked on its own."""
        with self._lock:
            taken, self.operations = self.operations, []
        return taken


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps botocore's connections open, as AWS does, and answers Expect: 100-continue.
    protocol_version = "HTTP/1.1"
    server: CannedAWS

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: stderr is the bench's progress."""

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        time.sleep(self.server.delay)
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        """A DynamoDB call: JSON in, JSON out, with the CRC32 that botocore checks."""
        request = json.loads(self._body() or b"{}")
        target = self.headers.get("X-Amz-Target", "")
        operation = target.removeprefix(DYNAMODB_TARGET_PREFIX)
        self.server.record(operation)
        try:
            answer = DYNAMODB_OPERATIONS.get(operation)
            if answer is None or not target.startswith(DYNAMODB_TARGET_PREFIX):
                raise DynamoDBError("UnknownOperationException", f"not canned: {target!r}")
            status, payload = 200, answer(request)
        except DynamoDBError as error:
            status = 400
            payload = {
                "__type": f"com.amazonaws.dynamodb.v20120810#{error.code}",
                "message": str(error),
            }
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "x-amz-crc32": str(zlib.crc32(body)),
            "x-amzn-RequestId": "canned",
        }
        self._answer(status, body, headers)

    def do_PUT(self) -> None:
        """An S3 ``PutObject`` (path-style, as botocore sends it to an IP endpoint)."""
        body = self._body()
        bucket, _, key = unquote(urlsplit(self.path).path).lstrip("/").partition("/")
        if bucket != BUCKET:
            self.server.record("PutObject")
            error = f"<Error><Code>NoSuchBucket</Code><BucketName>{bucket}</BucketName></Error>"
            self._answer(404, error.encode(), {"Content-Type": "application/xml"})
            return
        self.server.record("PutObject", key, body)
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        self._answer(200, b"", {"ETag": f'"{etag}"', "x-amz-request-id": "canned"})


@contextmanager
def serving(delay: float = 0.0) -> Iterator[CannedAWS]:
    """The canned server on a free 127.0.0.1 port, in a thread, for the block."""
    server = CannedAWS(delay)
    thread = threading.Thread(target=server.serve_forever, name="canned-aws", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
