"""The repository's batch methods, ``put_many`` and ``every``, on DynamoDB (moto) and in memory.

Both keep one contract (``chalicelib.domain.storage``), so each test runs on both;
what only DynamoDB does (transactions, their limits, its faults) is tested on it alone.
"""

from typing import Any

import boto3
import pytest

from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.outcomes import Conflict, Unreadable, Written
from chalicelib.domain.records import RECORDS, Customer, Template
from chalicelib.domain.storage import Repository
from tests.faults import cancel_next_transaction, dynamodb_error
from tests.support import AWS, TABLE, repository_on_moto, sample_in_memory

STAMP = "2026-11-23T21:00:00Z"
WELCOME = "\nHello and Welcome!\n"


@pytest.fixture(params=["dynamodb", "memory"])
def repository(request: pytest.FixtureRequest, aws: AWS) -> Repository:
    """Either repository, holding the sample's two items as it seeds them: version 0."""
    return repository_on_moto(aws) if request.param == "dynamodb" else sample_in_memory()


def put_raw(repository: Repository, item: dict[str, Any]) -> None:
    """Store ``item`` (plain values) as it is, behind the repository's back."""
    if isinstance(repository, InMemoryRepository):
        repository.items[item["PK"]] = item
    else:
        boto3.resource("dynamodb").Table(TABLE).put_item(Item=item)


def raw(repository: Repository, key: str) -> dict[str, Any]:
    if isinstance(repository, InMemoryRepository):
        return repository.items[key]
    return boto3.resource("dynamodb").Table(TABLE).get_item(Key={"PK": key})["Item"]


def test_each_write_holds_only_at_the_version_it_was_read_at(repository: Repository) -> None:
    repository.put(Customer("ann", "Ann", updated_at=STAMP), None)  # version 1
    repository.put(Customer("bob", "Bob"), None)
    repository.put(Customer("bob", "Bob"), None)  # version 2

    outcomes = repository.put_many(
        [
            (Customer("new", "New", {"plan": "gold"}, updated_at=STAMP), None),
            (Customer("TestCustomer", "Tested", updated_at=STAMP), 0),  # the sample's: version 0
            (Customer("ann", "Ann 2", updated_at=STAMP), 1),
            (Customer("bob", "Bob 2"), 1),  # bob moved on since version 1 was read
            (Customer("ann2", "Ann"), 3),  # read at version 3, since deleted
            (Customer("Welcome", "Not new"), None),  # read as absent, but a template shares no key
        ]
    )

    assert outcomes == [
        Written(Customer("new", "New", {"plan": "gold"}, version=1, updated_at=STAMP)),
        Written(Customer("TestCustomer", "Tested", version=1, updated_at=STAMP)),
        Written(Customer("ann", "Ann 2", version=2, updated_at=STAMP)),
        Conflict(2),
        Conflict(None),
        Written(Customer("Welcome", "Not new", version=1)),
    ]
    assert repository.get(Customer, "bob") == Customer("bob", "Bob", version=2)
    assert repository.get(Customer, "ann") == Customer("ann", "Ann 2", version=2, updated_at=STAMP)
    assert repository.get(Customer, "ann2") is None
    assert repository.put_many([(Customer("new", "Again"), None)]) == [Conflict(1)]
    assert repository.put_many([]) == []


def test_every_yields_each_record_of_the_models_and_what_no_record_can_be_built_from(
    repository: Repository,
) -> None:
    repository.put(Customer("ann", "Ann", {"n": 1}), None)
    put_raw(repository, {"PK": "C#broken"})
    put_raw(repository, {"PK": "X#other", "data": "not ours"})

    found = list(repository.every(RECORDS))
    customers = list(repository.every([Customer]))

    records = sorted((r for r in found if not isinstance(r, Unreadable)), key=repr)
    assert records == [
        Customer("TestCustomer", "Testing Customer"),
        Customer("ann", "Ann", {"n": 1}, version=1),
        Template("Welcome", WELCOME),
    ]
    broken = [r for r in found if isinstance(r, Unreadable)]
    assert [(r.key, type(r.error)) for r in broken] == [("C#broken", TypeError)]
    assert sorted(r.key if isinstance(r, Unreadable) else r.identifier for r in customers) == [
        "C#broken",
        "TestCustomer",
        "ann",
    ]


def test_a_write_replaces_what_the_record_owns_and_keeps_the_rest(
    repository: Repository,
) -> None:
    put_raw(
        repository,
        {"PK": "C#ann", "data": "Ann", "attributes": {"n": 1}, "version": 1, "createdAt": "2020"},
    )

    outcomes = repository.put_many([(Customer("ann", "Ann 2", updated_at=STAMP), 1)])

    assert outcomes == [Written(Customer("ann", "Ann 2", version=2, updated_at=STAMP))]
    assert raw(repository, "C#ann") == {
        "PK": "C#ann",
        "data": "Ann 2",
        "version": 2,
        "updatedAt": STAMP,
        "createdAt": "2020",
    }


# DynamoDB alone


def test_one_transaction_holds_at_most_100_writes(aws: AWS) -> None:
    repository = repository_on_moto(aws)

    outcomes = repository.put_many([(Customer(f"c{n:03}", "C"), None) for n in range(250)])

    assert {type(outcome) for outcome in outcomes} == {Written}
    assert aws.calls == ["TransactWriteItems"] * 3


def test_one_transaction_holds_at_most_4_mb(aws: AWS) -> None:
    repository = repository_on_moto(aws)
    text = "€" * 102_400  # the longest text a template may have, 307,200 bytes of UTF-8

    outcomes = repository.put_many([(Template(f"T{n:02}", text), None) for n in range(14)])

    assert {type(outcome) for outcome in outcomes} == {Written}
    # The templates' heads first; then 6 templates fit in 4,000,000 bytes, each written
    # twice (its item and its version's).
    assert aws.calls == ["BatchGetItem"] + ["TransactWriteItems"] * 3


def test_a_template_takes_three_of_a_transactions_100_writes(aws: AWS) -> None:
    repository = repository_on_moto(aws)

    outcomes = repository.put_many([(Template(f"T{n:02}", "t"), None) for n in range(40)])

    assert {type(outcome) for outcome in outcomes} == {Written}
    assert aws.calls == ["BatchGetItem"] + ["TransactWriteItems"] * 2  # 33 templates, then 7
    assert repository.get_version("T39", 1) == Template("T39", "t", version=1)


def test_writes_cancelled_by_another_transaction_are_sent_again_after_a_wait(aws: AWS) -> None:
    slept: list[float] = []
    repository = repository_on_moto(aws, slept.append)
    cancel_next_transaction(repository.client)

    outcomes = repository.put_many([(Customer("a", "A"), None), (Customer("b", "B"), None)])

    assert outcomes == [
        Written(Customer("a", "A", version=1)),
        Written(Customer("b", "B", version=1)),
    ]
    assert slept == [0.05]


def test_throttling_after_botocores_retries_is_unavailable(
    aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
    repository = repository_on_moto(aws)

    def throttled(request: Any, **_: Any) -> Any:
        request.body = b'{"TransactItems": []}'  # so that moto, which still sees it, does nothing
        return dynamodb_error("ThrottlingException")(request)

    repository.client.meta.events.register("before-send.dynamodb.TransactWriteItems", throttled)

    with pytest.raises(Unavailable):
        repository.put_many([(Customer("a", "A"), None)])
    assert repository.get(Customer, "a") is None
    assert aws.sends == ["TransactWriteItems"] * 3 + ["GetItem"]
