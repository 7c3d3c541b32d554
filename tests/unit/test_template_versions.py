"""Template versions in the repository, on DynamoDB (moto) and in memory alike: the items
each write leaves, numbers that never repeat, snapshots of items older than versions,
pages by number, and, on DynamoDB alone, writers racing for a number."""

from typing import Any

import boto3
import pytest

from chalicelib.adapters.aws import dynamodb_table
from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.adapters.versions import ATTEMPTS
from chalicelib.domain.errors import Unavailable
from chalicelib.domain.outcomes import Conflict, Written
from chalicelib.domain.records import RECORDS, Customer, Template
from chalicelib.domain.storage import Repository
from chalicelib.domain.versions import TemplateVersion
from chalicelib.domain.writes import WriteConflict
from tests.faults import cancel_next_transaction
from tests.support import AWS, STAMP, TABLE, repository_on_moto, sample_in_memory

WELCOME = "\nHello and Welcome!\n"
SAMPLE = {"PK": "D#Welcome", "data": WELCOME}


@pytest.fixture(params=["dynamodb", "memory"])
def repository(request: pytest.FixtureRequest, aws: AWS) -> Repository:
    """Either repository, holding the sample's two items as it seeds them: version 0."""
    return repository_on_moto(aws) if request.param == "dynamodb" else sample_in_memory()


def items(repository: Repository) -> dict[str, dict[str, Any]]:
    """Every item, by key, as plain values (numbers compare equal to ``int``)."""
    if isinstance(repository, InMemoryRepository):
        return repository.items
    found = boto3.resource("dynamodb").Table(TABLE).scan(ConsistentRead=True)["Items"]
    return {item["PK"]: item for item in found}


def renewal(text: str, version: int = 0) -> Template:
    return Template("Renewal", text, description=f"says {text}", version=version, updated_at=STAMP)


def versions(repository: Repository, doc_type: str = "Renewal") -> list[int]:
    page = repository.template_versions(doc_type, 100, None)
    assert page is not None and page.cursor is None
    return [version.version for version in page.items]


def test_each_write_is_a_version_and_the_template_item_keeps_the_samples_layout(
    repository: Repository,
) -> None:
    assert repository.put(renewal("one"), None) == (renewal("one", 1), True)
    assert repository.put(renewal("two"), 1) == (renewal("two", 2), False)

    def attributes(text: str, version: int) -> dict[str, Any]:
        return {"data": text, "description": f"says {text}", "version": version, "updatedAt": STAMP}

    assert {key: item for key, item in items(repository).items() if "Renewal" in key} == {
        "D#Renewal": {"PK": "D#Renewal", **attributes("two", 2)},
        "V#Renewal#1": {"PK": "V#Renewal#1", **attributes("one", 1)},
        "V#Renewal#2": {"PK": "V#Renewal#2", **attributes("two", 2)},
        "V#Renewal": {"PK": "V#Renewal", "latest": 2},
    }
    assert repository.get(Template, "Renewal") == renewal("two", 2)
    assert repository.get_version("Renewal", 1) == renewal("one", 1)
    assert repository.get_version("Renewal", 2) == renewal("two", 2)
    assert repository.get_version("Renewal", 3) is None
    assert repository.get_version("Renewal", 0) is None


def test_the_samples_item_is_version_0_and_is_kept_as_one_when_first_replaced(
    repository: Repository,
) -> None:
    sample = Template("Welcome", WELCOME)
    assert repository.get_version("Welcome", 0) == sample  # no version item yet: the item
    assert versions(repository, "Welcome") == [0]

    assert repository.put(Template("Welcome", "Hi\n"), 0) == (
        Template("Welcome", "Hi\n", version=1),
        False,
    )

    assert items(repository)["V#Welcome#0"] == SAMPLE | {"PK": "V#Welcome#0", "version": 0}
    assert items(repository)["V#Welcome"] == {"PK": "V#Welcome", "latest": 1}
    assert repository.get_version("Welcome", 0) == sample
    assert versions(repository, "Welcome") == [1, 0]


def test_an_item_older_than_versions_is_kept_at_its_version_with_what_it_held(
    repository: Repository,
) -> None:
    old = {"PK": "D#Note", "data": "x", "version": 7, "createdAt": "2020"}
    items(repository)["D#Note"] = old  # memory
    if isinstance(repository, DynamoDBRepository):
        boto3.resource("dynamodb").Table(TABLE).put_item(Item=old)

    stored, created = repository.put(Template("Note", "y"), None)

    assert (stored.version, created) == (8, False)
    assert items(repository)["V#Note#7"] == old | {"PK": "V#Note#7"}
    assert versions(repository, "Note") == [8, 7]


def test_delete_removes_only_the_current_item_and_numbers_never_repeat(
    repository: Repository,
) -> None:
    repository.put(renewal("one"), None)
    repository.put(renewal("two"), None)

    repository.delete(Template, "Renewal", 2)

    assert repository.get(Template, "Renewal") is None
    assert "D#Renewal" not in items(repository)
    assert repository.get_version("Renewal", 1) == renewal("one", 1)
    assert repository.get_version("Renewal", 2) == renewal("two", 2)
    assert versions(repository) == [2, 1]
    assert repository.put(renewal("three"), None) == (renewal("three", 3), True)
    assert versions(repository) == [3, 2, 1]
    assert repository.get_version("Renewal", 2) == renewal("two", 2)  # a pin still means it


def test_deleting_an_item_with_no_version_item_keeps_it_as_one_first(
    repository: Repository,
) -> None:
    repository.delete(Template, "Welcome", None)

    assert repository.get(Template, "Welcome") is None
    assert repository.get_version("Welcome", 0) == Template("Welcome", WELCOME)
    assert items(repository)["V#Welcome"] == {"PK": "V#Welcome", "latest": 0}
    assert repository.put(Template("Welcome", "Hi\n"), None)[0].version == 1
    assert versions(repository, "Welcome") == [1, 0]


def test_a_write_whose_expectation_fails_changes_nothing(repository: Repository) -> None:
    repository.put(renewal("one"), None)
    before = dict(items(repository))

    for attempt in (
        lambda: repository.put(renewal("two"), 5),
        lambda: repository.delete(Template, "Renewal", 0),
    ):
        with pytest.raises(WriteConflict) as conflict:
            attempt()
        assert conflict.value.current_version == 1
    for attempt in (
        lambda: repository.put(Template("Nope", "x"), "*"),
        lambda: repository.delete(Template, "Nope", None),
    ):
        with pytest.raises(WriteConflict) as conflict:
            attempt()
        assert conflict.value.current_version is None

    assert items(repository) == before


def test_versions_come_newest_first_a_page_at_a_time_by_number(repository: Repository) -> None:
    for text in ("one", "two", "three", "four", "five"):
        repository.put(renewal(text), None)

    first = repository.template_versions("Renewal", 2, None)
    second = repository.template_versions("Renewal", 2, 3)
    last = repository.template_versions("Renewal", 2, 1)

    assert first is not None and second is not None and last is not None
    assert first.items == [
        TemplateVersion(5, STAMP, "says five"),
        TemplateVersion(4, STAMP, "says four"),
    ]
    assert first.cursor == "V#Renewal#4"
    assert [v.version for v in second.items] == [3, 2]
    assert second.cursor == "V#Renewal#2"
    assert (last.items, last.cursor) == ([TemplateVersion(1, STAMP, "says one")], None)
    assert repository.template_versions("Nope", 2, None) is None  # never existed
    empty = repository.template_versions("Renewal", 2, -1)
    assert empty is not None and (empty.items, empty.cursor) == ([], None)


def test_the_page_that_reaches_the_first_version_ends_the_list(repository: Repository) -> None:
    for number in range(1, 102):
        repository.put(renewal(f"v{number}"), None)

    two = repository.template_versions("Renewal", 2, 2)
    hundred = repository.template_versions("Renewal", 100, None)
    rest = repository.template_versions("Renewal", 100, 1)

    assert two is not None and hundred is not None and rest is not None
    assert ([v.version for v in two.items], two.cursor) == ([2, 1], None)  # no empty page next
    # A full page of 100 leaves no key of its read for the one below: it says "go on".
    assert [v.version for v in hundred.items] == list(range(101, 1, -1))
    assert hundred.cursor == "V#Renewal#2"
    assert ([v.version for v in rest.items], rest.cursor) == ([1], None)


def test_version_items_are_neither_customers_nor_templates(repository: Repository) -> None:
    repository.put(renewal("one"), None)
    repository.put(renewal("two"), None)
    repository.delete(Template, "Welcome", None)

    listed = repository.page(Template, 100, None)
    every = list(repository.every(RECORDS))

    assert [t.identifier for t in listed.items] == ["Renewal"]
    assert listed.cursor is None
    assert repository.page(Customer, 100, None).items == [
        Customer("TestCustomer", "Testing Customer")
    ]
    assert sorted(r.identifier for r in every) == ["Renewal", "TestCustomer"]  # type: ignore[union-attr]


def test_a_pinned_read_gives_that_version_with_the_customer(repository: Repository) -> None:
    repository.put(renewal("one"), None)
    repository.put(renewal("two"), None)
    repository.delete(Template, "Renewal", None)

    customer, pinned = repository.get_customer_and_template("TestCustomer", "Renewal", 1)
    _, unpinned = repository.get_customer_and_template("TestCustomer", "Renewal")
    _, unknown = repository.get_customer_and_template("TestCustomer", "Renewal", 3)
    _, sample = repository.get_customer_and_template("TestCustomer", "Welcome", 0)

    assert customer == Customer("TestCustomer", "Testing Customer")
    assert pinned == renewal("one", 1)
    assert unpinned is None  # deleted: only a pin reaches it
    assert unknown is None
    assert sample == Template("Welcome", WELCOME)


def test_an_import_writes_versions_and_continues_after_a_delete(repository: Repository) -> None:
    repository.put(renewal("one"), None)
    repository.delete(Template, "Renewal", None)

    outcomes = repository.put_many([(renewal("two"), None), (Template("Welcome", "Hi\n"), 0)])

    assert outcomes == [
        Written(renewal("two", 2)),
        Written(Template("Welcome", "Hi\n", version=1)),
    ]
    assert versions(repository) == [2, 1]
    assert versions(repository, "Welcome") == [1, 0]  # the sample's item kept as version 0
    assert repository.get_version("Welcome", 0) == Template("Welcome", WELCOME)
    assert repository.put_many([(renewal("three"), 1)]) == [Conflict(2)]


# DynamoDB alone


def test_reads_and_writes_take_these_calls(aws: AWS) -> None:
    repository = repository_on_moto(aws)

    repository.put(renewal("one"), None)
    repository.put(renewal("two"), None)
    writes, aws.calls[:] = list(aws.calls), []
    repository.template_versions("Renewal", 1, None)
    first_page, aws.calls[:] = list(aws.calls), []
    repository.template_versions("Renewal", 1, 1)
    next_page, aws.calls[:] = list(aws.calls), []
    repository.get_customer_and_template("TestCustomer", "Renewal", 1)
    pinned, aws.calls[:] = list(aws.calls), []
    repository.delete(Template, "Renewal", None)
    delete_versioned, aws.calls[:] = list(aws.calls), []
    repository.delete(Template, "Welcome", None)

    assert writes == ["BatchGetItem", "TransactWriteItems"] * 2
    assert first_page == ["BatchGetItem", "BatchGetItem"]  # the item and head, then the page
    assert next_page == ["BatchGetItem"]
    assert pinned == ["BatchGetItem"]
    assert delete_versioned == ["BatchGetItem", "DeleteItem"]
    assert aws.calls == ["BatchGetItem", "TransactWriteItems"]  # the sample's kept as version 0


def _competitor(repository: DynamoDBRepository, times: int, *writes: Any) -> None:
    """Before each of the next ``times`` transactions, another writer's ``writes`` land."""
    left = [times]
    busy = [False]

    def compete(**_: Any) -> None:
        if left[0] and not busy[0]:
            left[0] -= 1
            busy[0] = True
            try:
                for write in writes:
                    write()
            finally:
                busy[0] = False

    repository.client.meta.events.register("before-call.dynamodb.TransactWriteItems", compete)


def test_two_writers_never_take_one_number(aws: AWS) -> None:
    repository = repository_on_moto(aws)
    other = DynamoDBRepository(dynamodb_table(TABLE))
    repository.put(renewal("one"), None)
    _competitor(repository, 1, lambda: other.put(renewal("theirs"), None))

    stored, _ = repository.put(renewal("mine"), None)

    assert stored == renewal("mine", 3)  # it lost number 2, read again and took 3
    assert repository.get_version("Renewal", 2) == renewal("theirs", 2)
    assert repository.get_version("Renewal", 3) == renewal("mine", 3)
    assert versions(repository) == [3, 2, 1]


def test_a_writer_whose_if_match_no_longer_holds_after_a_race_is_refused(aws: AWS) -> None:
    repository = repository_on_moto(aws)
    other = DynamoDBRepository(dynamodb_table(TABLE))
    repository.put(renewal("one"), None)
    _competitor(repository, 1, lambda: other.put(renewal("theirs"), 1))

    with pytest.raises(WriteConflict) as conflict:
        repository.put(renewal("mine"), 1)

    assert conflict.value.current_version == 2
    assert versions(repository) == [2, 1]


def test_a_writer_that_loses_every_race_gives_up_as_unavailable(aws: AWS) -> None:
    repository = repository_on_moto(aws)
    other = DynamoDBRepository(dynamodb_table(TABLE))
    _competitor(repository, ATTEMPTS, lambda: other.put(renewal("theirs"), None))

    with pytest.raises(Unavailable):
        repository.put(renewal("mine"), None)

    assert aws.calls == ["BatchGetItem", "TransactWriteItems"] * ATTEMPTS
    assert versions(repository) == list(range(ATTEMPTS, 0, -1))  # every one the other's


def test_a_number_taken_between_an_imports_read_and_write_is_a_conflict(aws: AWS) -> None:
    repository = repository_on_moto(aws)
    other = DynamoDBRepository(dynamodb_table(TABLE))
    # Another writer creates the template and deletes it again: its item is absent, as the
    # import read it, but number 1 is taken.
    _competitor(
        repository,
        1,
        lambda: other.put(renewal("theirs"), None),
        lambda: other.delete(Template, "Renewal", None),
    )

    assert repository.put_many([(renewal("mine"), None)]) == [Conflict(None)]
    assert repository.put_many([(renewal("mine"), None)]) == [Written(renewal("mine", 2))]
    assert repository.get_version("Renewal", 1) == renewal("theirs", 1)


def test_a_transaction_another_one_held_is_sent_again_after_a_wait(aws: AWS) -> None:
    slept: list[float] = []
    repository = repository_on_moto(aws, slept.append)
    cancel_next_transaction(repository.client)

    assert repository.put(renewal("one"), None) == (renewal("one", 1), True)
    assert slept == [0.05]
