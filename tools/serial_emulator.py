"""moto's server on 127.0.0.1, answering one request at a time.

DynamoDB applies each conditional write atomically. moto's own server is
threaded and its DynamoDB backend takes no lock, so two racing conditional
writes can both pass their check there: an emulator artefact that would
make a race test flaky. Served one request at a time, each call is atomic
as it is in DynamoDB, while the API in front (``chalice local``, threaded)
still interleaves requests, so races in docgen's own code still show.

moto backs a ``TransactWriteItems`` up by deep-copying the whole table, once per write in
it, to roll back on a failed condition: a batch's transactions then cost the table's
size, and a local batch of thousands of letters slows to a crawl. Here the backup keeps
only what the transaction can change (the items it names); the rest is shared, as nothing
else runs during it (one request at a time). And its queues read the clock through
datetime arithmetic for every message at every receive, several times over: the same
time from ``time.time()`` keeps a receive from a queue of hundreds of messages in
milliseconds rather than seconds.
"""

import argparse
import copy
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

HOST = "127.0.0.1"

_changing: ContextVar[frozenset[Any] | None] = ContextVar("changing", default=None)
"""The key values of the items the running transaction names; None outside one."""


def cheap_transaction_backups() -> None:
    """Make moto's transaction backups copy only the items each transaction names."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    transact: Callable[..., Any] = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        named = set()
        for write in transact_items:
            (operation,) = write.values()
            table = self.get_table(operation["TableName"])
            key = operation.get("Key") or operation["Item"]
            named.add(DynamoType(key[table.hash_key_attr]))  # what ``Table.items`` is keyed by
        token = _changing.set(frozenset(named))
        try:
            return transact(self, transact_items)
        finally:
            _changing.reset(token)

    def backup(self: Any, memo: dict[int, Any]) -> Any:
        changing = _changing.get()
        copied = Table.__new__(Table)
        memo[id(self)] = copied
        if changing is None:  # any other deep copy: as deep as ever
            copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
            return copied
        copied.__dict__.update(self.__dict__)
        copied.items = defaultdict(
            dict,
            {
                key: copy.deepcopy(value, memo) if key in changing else value
                for key, value in self.items.items()
            },
        )
        return copied

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.__deepcopy__ = backup  # type: ignore[attr-defined]


def quick_queue_clock() -> None:
    """moto's SQS messages read the time as ``time.time()`` gives it, without datetimes."""
    import moto.sqs.models

    exact: Callable[..., float] = moto.sqs.models.unix_time_millis

    def unix_time_millis(dt: Any = None) -> float:
        return time.time() * 1000.0 if dt is None else exact(dt)

    moto.sqs.models.unix_time_millis = unix_time_millis


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.serial_emulator")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Its per-request lines look just like chalice local's, beside them in make run's terminal;
    # warnings and errors (a traceback, a port taken) still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    cheap_transaction_backups()
    quick_queue_clock()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(HOST, args.port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
