"""Idempotency records on DynamoDB (moto) and in memory alike: the exact items each write
leaves, what counts as holding a key, owners, and the calls each takes."""

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.domain.idempotency import (
    ABANDONED_AFTER_SECONDS,
    REMEMBERED_SECONDS,
    IdempotencyRecord,
    idempotent_request,
)
from chalicelib.domain.model import plain
from chalicelib.domain.records import Customer, Template
from tests.support import AWS, NOW, TABLE, app_repository

EPOCH = int(NOW.timestamp())
REQUEST = idempotent_request("local", "k", "POST", "/customers/a/documents/b", {})


class Store:
    """A repository and a way to read back every item it holds."""

    def __init__(self, repository: Any, items: Any, aws: AWS | None = None) -> None:
        self.repository = repository
        self.items = items
        self.aws = aws

    def calls(self) -> list[str] | None:
        return None if self.aws is None else self.aws.calls


def _dynamodb_items(aws: AWS) -> dict[str, dict]:
    """The table's idempotency items, read with a client of the test's own."""
    from boto3.dynamodb.types import TypeDeserializer

    items = [
        TypeDeserializer().deserialize({"M": typed})
        for typed in aws.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    ]
    return {
        item["PK"]: {name: plain(value) for name, value in item.items()}
        for item in items
        if item["PK"].startswith("I#")
    }


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        memory = InMemoryRepository()
        yield Store(memory, lambda: {k: v for k, v in memory.items.items() if k.startswith("I#")})
    else:
        aws = request.getfixturevalue("aws")
        yield Store(app_repository(aws), lambda: _dynamodb_items(aws), aws)


def started(owner: str = "me", at: int = EPOCH) -> IdempotencyRecord:
    return IdempotencyRecord.started(REQUEST, owner, at)


def item(record: IdempotencyRecord) -> dict[str, Any]:
    written = {
        "PK": record.key,
        "state": record.state,
        "fingerprint": record.fingerprint,
        "owner": record.owner,
        "startedAt": record.started_at,
        "expiresAt": record.expires_at,
    }
    if record.status is not None:
        written |= {"status": record.status, "answer": record.answer}
    return written


def test_a_free_key_is_taken_with_one_write(store: Store) -> None:
    assert store.repository.reserve(started(), EPOCH) is None

    assert store.items() == {REQUEST.record_key: item(started())}
    assert store.calls() in (None, ["PutItem"])


def test_a_held_key_gives_back_its_holder_in_the_same_call(store: Store) -> None:
    store.repository.reserve(started("first"), EPOCH)
    store.repository.complete(started("first").done(201, '{"a":1}'))
    if store.aws:
        store.aws.calls.clear()

    held = store.repository.reserve(started("second", EPOCH + 60), EPOCH + 60)

    assert held == started("first").done(201, '{"a":1}')
    assert store.items() == {REQUEST.record_key: item(started("first").done(201, '{"a":1}'))}
    assert store.calls() in (None, ["PutItem"])


def test_a_key_in_progress_is_held_until_abandoned(store: Store) -> None:
    store.repository.reserve(started("first"), EPOCH)
    abandoned = EPOCH + int(ABANDONED_AFTER_SECONDS)

    assert store.repository.reserve(started("second"), abandoned - 1) == started("first")
    assert store.repository.reserve(started("second", abandoned), abandoned) is None
    assert store.items()[REQUEST.record_key]["owner"] == "second"


def test_a_done_record_is_held_until_it_expires(store: Store) -> None:
    store.repository.reserve(started("first"), EPOCH)
    store.repository.complete(started("first").done(201, "{}"))
    expiry = EPOCH + REMEMBERED_SECONDS

    assert store.repository.reserve(started("second"), expiry - 1) is not None
    assert store.repository.reserve(started("second", expiry), expiry) is None
    assert store.items() == {REQUEST.record_key: item(started("second", expiry))}


def test_complete_and_release_only_for_the_owner(store: Store) -> None:
    store.repository.reserve(started("first"), EPOCH)

    store.repository.complete(started("intruder").done(201, "{}"))
    store.repository.release(started("intruder"))
    assert store.items() == {REQUEST.record_key: item(started("first"))}

    if store.aws:
        store.aws.calls.clear()
    store.repository.complete(started("first").done(201, '{"b":2}'))
    assert store.items() == {REQUEST.record_key: item(started("first").done(201, '{"b":2}'))}
    store.repository.release(started("first"))
    assert store.items() == {}
    assert store.calls() in (None, ["UpdateItem", "DeleteItem"])


def test_records_keep_out_of_customer_and_template_lists(store: Store) -> None:
    if store.aws is None:
        store.repository.add(Customer("ann", "Ann"))  # moto's table is seeded with the sample
    store.repository.reserve(started(), EPOCH)

    listed = store.repository.page(Customer, 100, None).items
    every = list(store.repository.every([Customer, Template]))

    assert REQUEST.record_key in store.items()
    assert all(isinstance(record, Customer) for record in listed)
    assert all(isinstance(record, Customer | Template) for record in every)
