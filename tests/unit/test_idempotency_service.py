"""Idempotency keys in the domain and the service, over the in-memory twins: the header's rule,
fingerprints and scopes, and what ``IdempotencyService.run`` does with each record it finds."""

from datetime import timedelta

import pytest

from chalicelib.adapters.memory import InMemoryDocumentStore, InMemoryRepository
from chalicelib.domain.documents import FORMATS
from chalicelib.domain.errors import InProgress, InvalidInput, KeyReused, NotFound, Unavailable
from chalicelib.domain.idempotency import (
    ABANDONED_AFTER_SECONDS,
    REMEMBERED_SECONDS,
    IdempotencyRecord,
    check_key,
    idempotent_request,
)
from chalicelib.domain.model import to_json
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rules import TIME_BUDGET_SECONDS
from chalicelib.services.idempotency import IdempotencyService
from chalicelib.services.letters import LetterService
from tests.support import NOW

PATH = "/customers/TestCustomer/documents/Welcome"
EPOCH = int(NOW.timestamp())


def request(key: str = "k", scope: str = "local", path: str = PATH, query=None, body=b""):
    return idempotent_request(scope, key, "POST", path, query or {}, body)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


class Counting:
    """Work that counts its runs, and may fail."""

    def __init__(self, error: Exception | None = None) -> None:
        self.runs = 0
        self.error = error

    def __call__(self) -> dict:
        self.runs += 1
        if self.error is not None:
            raise self.error
        return {"run": self.runs}


class AsIs:
    def remember(self, value: dict) -> dict:
        return value

    def recall(self, answer: dict) -> dict:
        return answer | {"recalled": True}


@pytest.fixture
def repository() -> InMemoryRepository:
    return InMemoryRepository()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(repository: InMemoryRepository, clock: Clock) -> IdempotencyService:
    return IdempotencyService(repository, clock)


# --- the domain ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "~" * 255, "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}"])
def test_visible_ascii_keys_are_keys(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 256, " lead", "a b", "\t", "\x7f", "é", "\u2028"])
def test_anything_else_is_invalid_input(key: str) -> None:
    with pytest.raises(InvalidInput, match="Idempotency-Key"):
        check_key(key)


def test_a_record_key_is_a_hash_of_the_scope_and_the_key() -> None:
    keys = {
        request("k").record_key,
        request("k", scope="apiKeyId:a").record_key,
        request("k", scope="apiKeyId:b").record_key,
        request("k2").record_key,
    }
    assert len(keys) == 4
    assert all(key.startswith("I#") and len(key) == 2 + 64 for key in keys)
    assert request("k", path="/other").record_key == request("k").record_key


def test_no_two_scope_and_key_pairs_hash_alike() -> None:
    assert request("b:c", scope="a").record_key != request("c", scope="a:b").record_key


def test_the_fingerprint_is_method_path_query_and_body() -> None:
    base = request()
    assert request(query={}).fingerprint == base.fingerprint
    assert request(scope="other").fingerprint == base.fingerprint  # the scope is in the key
    assert request(path="/x").fingerprint != base.fingerprint
    assert request(query={"format": "txt"}).fingerprint != base.fingerprint
    assert request(body=b"{}").fingerprint != base.fingerprint
    both = {"format": "pdf", "templateVersion": "2"}
    assert (
        request(query=both).fingerprint == request(query=dict(reversed(both.items()))).fingerprint
    )
    put = idempotent_request("local", "k", "PUT", PATH, {})
    assert put.fingerprint != base.fingerprint


def test_a_record_is_remembered_a_day_and_abandoned_after_the_time_budget() -> None:
    record = IdempotencyRecord.started(request(), "me", EPOCH)

    assert record.expires_at == EPOCH + REMEMBERED_SECONDS == EPOCH + 86400
    assert ABANDONED_AFTER_SECONDS > TIME_BUDGET_SECONDS
    assert not record.counts_as_absent(EPOCH + int(ABANDONED_AFTER_SECONDS) - 1)
    assert record.counts_as_absent(EPOCH + int(ABANDONED_AFTER_SECONDS))
    done = record.done(201, "{}")
    assert not done.counts_as_absent(EPOCH + REMEMBERED_SECONDS - 1)
    assert done.counts_as_absent(EPOCH + REMEMBERED_SECONDS)


# --- the service ---------------------------------------------------------------------------


def test_without_a_key_the_work_just_runs(
    service: IdempotencyService, repository: InMemoryRepository
) -> None:
    work = Counting()

    answers = [service.run(None, 201, work, AsIs()) for _ in range(2)]

    assert [(a.value, a.status, a.replayed) for a in answers] == [
        ({"run": 1}, 201, False),
        ({"run": 2}, 201, False),
    ]
    assert repository.items == {}


def test_a_retry_is_answered_from_the_record(
    service: IdempotencyService, repository: InMemoryRepository
) -> None:
    work = Counting()

    first = service.run(request(), 202, work, AsIs())
    again = service.run(request(), 201, work, AsIs())

    assert (first.value, first.status, first.replayed) == ({"run": 1}, 202, False)
    assert (again.value, again.status, again.replayed) == ({"run": 1, "recalled": True}, 202, True)
    assert work.runs == 1
    [item] = repository.items.values()
    assert item["state"] == "done"
    assert item["answer"] == '{"run":1}'


def test_another_request_with_the_key_is_refused(service: IdempotencyService) -> None:
    work = Counting()
    service.run(request(), 201, work, AsIs())

    with pytest.raises(KeyReused):
        service.run(request(query={"format": "pdf"}), 201, work, AsIs())
    assert work.runs == 1


def test_a_key_in_progress_is_refused_until_abandoned(
    service: IdempotencyService, repository: InMemoryRepository, clock: Clock
) -> None:
    repository.reserve(IdempotencyRecord.started(request(), "other", EPOCH), EPOCH)
    work = Counting()

    with pytest.raises(InProgress):
        service.run(request(), 201, work, AsIs())
    clock.now += timedelta(seconds=ABANDONED_AFTER_SECONDS)
    taken = service.run(request(), 201, work, AsIs())

    assert (taken.value, taken.replayed, work.runs) == ({"run": 1}, False, 1)


def test_an_expired_record_counts_as_absent(
    service: IdempotencyService, clock: Clock, repository: InMemoryRepository
) -> None:
    work = Counting()
    service.run(request(), 201, work, AsIs())
    clock.now += timedelta(seconds=REMEMBERED_SECONDS)

    answer = service.run(request(query={"format": "pdf"}), 201, work, AsIs())

    assert (answer.value, answer.replayed) == ({"run": 2}, False)
    [item] = repository.items.values()
    assert item["expiresAt"] == EPOCH + 2 * REMEMBERED_SECONDS


@pytest.mark.parametrize(
    "error", [NotFound("customer x does not exist"), Unavailable("S3"), KeyError("bug")]
)
def test_a_failure_releases_the_key(
    service: IdempotencyService, repository: InMemoryRepository, error: Exception
) -> None:
    with pytest.raises(type(error)):
        service.run(request(), 201, Counting(error), AsIs())

    assert repository.items == {}
    assert service.run(request(), 201, Counting(), AsIs()).value == {"run": 1}


class Failing(InMemoryRepository):
    """A table that fails the writes named."""

    def __init__(self, *failing: str) -> None:
        super().__init__()
        self.failing = failing

    def complete(self, record: IdempotencyRecord) -> None:
        if "complete" in self.failing:
            raise Unavailable("DynamoDB")
        super().complete(record)

    def release(self, record: IdempotencyRecord) -> None:
        if "release" in self.failing:
            raise Unavailable("DynamoDB")
        super().release(record)


def test_a_release_that_fails_raises_the_work_s_own_error() -> None:
    repository = Failing("release")
    service = IdempotencyService(repository, Clock())

    with pytest.raises(NotFound):
        service.run(request(), 201, Counting(NotFound("gone")), AsIs())
    [item] = repository.items.values()
    assert item["state"] == "in_progress"  # abandoned in time


def test_an_answer_that_cannot_be_stored_is_still_given() -> None:
    repository = Failing("complete")
    service = IdempotencyService(repository, Clock())

    answer = service.run(request(), 201, Counting(), AsIs())

    assert (answer.value, answer.replayed) == ({"run": 1}, False)
    with pytest.raises(InProgress):
        service.run(request(), 201, Counting(), AsIs())


def test_a_record_taken_over_is_not_finished_by_its_first_owner(
    repository: InMemoryRepository,
) -> None:
    first = IdempotencyRecord.started(request(), "first", EPOCH)
    repository.reserve(first, EPOCH)
    later = EPOCH + int(ABANDONED_AFTER_SECONDS)
    second = IdempotencyRecord.started(request(), "second", later)
    assert repository.reserve(second, later) is None

    repository.complete(first.done(201, "{}"))
    repository.release(first)

    [item] = repository.items.values()
    assert (item["owner"], item["state"]) == ("second", "in_progress")


# --- letters -------------------------------------------------------------------------------


def test_a_letter_is_generated_once_per_key_and_replayed_with_a_fresh_link() -> None:
    repository, store, clock = InMemoryRepository(), InMemoryDocumentStore(), Clock()
    repository.add(Customer("TestCustomer", "Testing Customer"), Template("Welcome", "Hi\n"))
    letters = LetterService(repository, store, clock=clock)
    puts = []
    store.put = lambda *args, put=store.put: puts.append(args[0]) or put(*args)

    first = letters.generate_once(request(), "TestCustomer", "Welcome", FORMATS["txt"])
    clock.now += timedelta(minutes=5)
    again = letters.generate_once(request(), "TestCustomer", "Welcome", FORMATS["txt"])

    assert (first.status, first.replayed, again.status, again.replayed) == (201, False, 201, True)
    assert to_json(again.value) == to_json(first.value) | {"urlExpiresAt": "2026-11-23T21:20:00Z"}
    assert puts == ["TestCustomer/Welcome.txt"]


def test_bad_identifiers_are_refused_before_the_key_is_taken() -> None:
    repository = InMemoryRepository()
    letters = LetterService(repository, InMemoryDocumentStore(), clock=Clock())

    with pytest.raises(InvalidInput):
        letters.generate_once(request(), "../x", "Welcome", FORMATS["txt"])
    assert repository.items == {}
