"""The fault matrix: each way DynamoDB and S3 fail, through the real generate route.

Faults are injected below botocore's retry loop (``tests/faults.py``), and every case runs
with the production settings (3 attempts, 1 s connect and 3 s read timeouts, the 10 s
budget) on a virtual clock: timeouts and backoffs cost milliseconds, yet the budget decides
as it would on Lambda. One real-clock case checks that model against time itself.

Each case holds docgen to one rule: a 201 after retries, or a quick 503 with
``Retry-After``; and the bucket holds exactly the letter, byte for byte, or nothing.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.adapters.aws import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS
from chalicelib.adapters.budget import TIME_BUDGET_SECONDS
from chalicelib.api import app as api_app
from chalicelib.domain.documents import parse_format
from chalicelib.domain.letters import Letter
from chalicelib.services.letters import LetterService
from tests.faults import (
    THROTTLED,
    Fault,
    VirtualClock,
    answer_lost,
    bare_status,
    connect_timeout,
    connection_reset,
    count_attempts,
    dynamodb_error,
    inject,
    read_timeout,
    s3_error,
)
from tests.support import (
    AWS,
    BUCKET,
    GENERIC_500,
    NOW,
    TABLE,
    WELCOME,
    app_repository,
    app_store,
    log_lines,
    unavailable,
    use_services,
)
from tools.stack import SAMPLE_LETTER

KEY = "TestCustomer/Welcome.txt"
LETTER = SAMPLE_LETTER.encode()
LAMBDA_TIMEOUT_SECONDS = 15.0
"""The dev and prod functions' timeout (``.chalice/config.json``)."""
REAL_TIME_SLACK_SECONDS = 1.0
"""What moto and the app may add, in real time, to the waits a case plays out."""

DYNAMODB_500 = dynamodb_error("InternalServerError", 500)
SLOW_DOWN = s3_error("SlowDown", 503)
S3_500 = s3_error("InternalError", 500)
S3_REQUEST_TIMEOUT = s3_error("RequestTimeout", 400)
BAD_GATEWAY = bare_status(502)
RESET = connection_reset
READ_TIMEOUT = read_timeout(READ_TIMEOUT_SECONDS)
CONNECT_TIMEOUT = connect_timeout(CONNECT_TIMEOUT_SECONDS)
FOR_GOOD = 9
"""More faults in a row than any retry loop makes attempts."""


@dataclass(frozen=True)
class Case:
    """Faults for the read (``BatchGetItem``) and the write (``PutObject``), and the outcome."""

    read: tuple[Fault, ...] = ()
    write: tuple[Fault, ...] = ()
    status: int = 201
    attempts: tuple[int, int] = (1, 1)
    """HTTP attempts of BatchGetItem and of PutObject, retries included."""
    stored: bool = True
    """Whether the bucket ends up holding the letter (a 503 after a ghost write can)."""
    hangs: float = 0.0
    """Seconds the faults themselves waited (timeouts), in all."""


def _bound(attempts: int) -> float:
    """The longest botocore's jittered backoffs can add before ``attempts`` attempts."""
    return float(sum(2**retry for retry in range(attempts - 1)))


MATRIX = {
    # DynamoDB: throttling, 500s, resets and timeouts on the one BatchGetItem.
    "dynamodb-throttled-twice-then-ok": Case(read=(THROTTLED,) * 2, attempts=(3, 1)),
    "dynamodb-throttled-for-good": Case(
        read=(THROTTLED,) * FOR_GOOD, status=503, attempts=(3, 0), stored=False
    ),
    "dynamodb-500-then-ok": Case(read=(DYNAMODB_500,), attempts=(2, 1)),
    "dynamodb-500-for-good": Case(
        read=(DYNAMODB_500,) * FOR_GOOD, status=503, attempts=(3, 0), stored=False
    ),
    "dynamodb-reset-twice-then-ok": Case(read=(RESET,) * 2, attempts=(3, 1)),
    "dynamodb-reset-for-good": Case(
        read=(RESET,) * FOR_GOOD, status=503, attempts=(3, 0), stored=False
    ),
    "dynamodb-read-timeout-then-ok": Case(read=(READ_TIMEOUT,), attempts=(2, 1), hangs=3),
    # A third attempt would succeed, but after 2 x 3 s it could not end inside the budget.
    "dynamodb-read-timeout-twice-budget-stops": Case(
        read=(READ_TIMEOUT,) * 2, status=503, attempts=(2, 0), stored=False, hangs=6
    ),
    "dynamodb-connect-timeout-for-good": Case(
        read=(CONNECT_TIMEOUT,) * FOR_GOOD, status=503, attempts=(3, 0), stored=False, hangs=3
    ),
    # S3: SlowDown and InternalError answers (nothing stored), resets and timeouts.
    "s3-slowdown-then-ok": Case(write=(SLOW_DOWN,), attempts=(1, 2)),
    "s3-slowdown-for-good": Case(
        write=(SLOW_DOWN,) * FOR_GOOD, status=503, attempts=(1, 3), stored=False
    ),
    "s3-500-twice-then-ok": Case(write=(S3_500,) * 2, attempts=(1, 3)),
    "s3-500-for-good": Case(write=(S3_500,) * FOR_GOOD, status=503, attempts=(1, 3), stored=False),
    "s3-request-timeout-for-good": Case(
        write=(S3_REQUEST_TIMEOUT,) * FOR_GOOD, status=503, attempts=(1, 3), stored=False
    ),
    "s3-502-without-a-code-for-good": Case(
        write=(BAD_GATEWAY,) * FOR_GOOD, status=503, attempts=(1, 3), stored=False
    ),
    "s3-reset-then-ok": Case(write=(RESET,), attempts=(1, 2)),
    "s3-reset-for-good": Case(write=(RESET,) * FOR_GOOD, status=503, attempts=(1, 3), stored=False),
    "s3-read-timeout-then-ok": Case(write=(READ_TIMEOUT,), attempts=(1, 2), hangs=3),
    "s3-read-timeout-for-good": Case(
        write=(READ_TIMEOUT,) * FOR_GOOD, status=503, attempts=(1, 2), stored=False, hangs=6
    ),
    # Ghost writes: S3 stored the object, the answer was lost, botocore put it again.
    "ghost-reset-then-ok": Case(write=(answer_lost(RESET),), attempts=(1, 2)),
    "ghost-reset-for-good": Case(
        write=(answer_lost(RESET),) * FOR_GOOD, status=503, attempts=(1, 3)
    ),
    "ghost-read-timeout-then-ok": Case(
        write=(answer_lost(READ_TIMEOUT),), attempts=(1, 2), hangs=3
    ),
    "ghost-read-timeout-for-good": Case(
        write=(answer_lost(READ_TIMEOUT),) * FOR_GOOD, status=503, attempts=(1, 2), hangs=6
    ),
    "ghost-then-slowdown-for-good": Case(
        write=(answer_lost(RESET),) + (SLOW_DOWN,) * FOR_GOOD, status=503, attempts=(1, 3)
    ),
    # Both services, one budget.
    "both-throttled-then-ok": Case(read=(THROTTLED,), write=(SLOW_DOWN,) * 2, attempts=(2, 3)),
    "dynamodb-timeout-leaves-s3-one-attempt": Case(
        read=(READ_TIMEOUT,),
        write=(READ_TIMEOUT,) * FOR_GOOD,
        status=503,
        attempts=(2, 1),
        stored=False,
        hangs=6,
    ),
}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """Production timeouts and backoffs on a virtual clock the budget reads too."""
    virtual = VirtualClock()
    virtual.install(monkeypatch)
    return virtual


def timed_post(client: Client, monotonic: Callable[[], float]) -> Any:
    """Generate the sample letter; the response and how long it took on ``monotonic``."""
    started = monotonic()
    response = client.http.post(WELCOME)
    return response, monotonic() - started


def assert_outcome(response: Any, status: int, failing: str) -> None:
    """A 201 for the letter, or a 503 naming ``failing`` with ``Retry-After: 2``."""
    assert response.status_code == status
    if status == 201:
        body = json.loads(response.body)
        assert (body["key"], body["size"]) == (KEY, len(LETTER))
        assert "Retry-After" not in response.headers
    else:
        assert json.loads(response.body) == unavailable(failing)
        assert response.headers["Retry-After"] == "2"


@pytest.mark.parametrize("case", MATRIX.values(), ids=MATRIX.keys())
def test_fault_matrix(
    case: Case, client: Client, aws: AWS, service: LetterService, clock: VirtualClock
) -> None:
    """Retries must mend a passing fault, and give up quickly and cleanly on a lasting one."""
    dynamodb, s3 = service.repository.client, service.store.client
    reads, writes = count_attempts(dynamodb, "BatchGetItem"), count_attempts(s3, "PutObject")
    inject(dynamodb, "BatchGetItem", list(case.read))
    inject(s3, "PutObject", list(case.write))

    response, elapsed = timed_post(client, clock.monotonic)

    read_attempts, write_attempts = case.attempts
    assert_outcome(response, case.status, "S3" if write_attempts else "DynamoDB")
    assert (len(reads), len(writes)) == case.attempts
    assert aws.calls == ["BatchGetItem"] + (["PutObject"] if write_attempts else [])
    assert aws.objects() == ({KEY: LETTER} if case.stored else {})
    # Time: the faults' waits exactly, one jittered backoff per retry, all inside the budget.
    assert sum(clock.hangs) == case.hangs
    read_backoffs = clock.backoffs[: read_attempts - 1]
    write_backoffs = clock.backoffs[read_attempts - 1 :]
    assert len(write_backoffs) == max(write_attempts - 1, 0)
    for retry, backoff in [*enumerate(read_backoffs), *enumerate(write_backoffs)]:
        assert 0 <= backoff <= 2**retry
    most = case.hangs + _bound(read_attempts) + _bound(write_attempts) + REAL_TIME_SLACK_SECONDS
    assert elapsed <= most
    assert elapsed < TIME_BUDGET_SECONDS < LAMBDA_TIMEOUT_SECONDS


def test_ghost_writes_on_a_real_clock_end_inside_the_budget(
    client: Client, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The virtual clock is a model: check it once with real sleeps, scaled-down timeouts."""
    read_seconds, connect_seconds, budget_seconds = 0.3, 0.1, 2.5
    timeouts = {"connect_timeout": connect_seconds, "read_timeout": read_seconds}
    store = app_store(aws, **timeouts)
    service = LetterService(app_repository(aws, **timeouts), store, clock=lambda: NOW)
    use_services(monkeypatch, service)
    monkeypatch.setattr(api_app, "TIME_BUDGET_SECONDS", budget_seconds)
    s3 = store.client
    writes = count_attempts(s3, "PutObject")
    inject(s3, "PutObject", [answer_lost(read_timeout(read_seconds))] * FOR_GOOD)

    response, elapsed = timed_post(client, time.monotonic)

    assert_outcome(response, 503, "S3")
    # A retry fits (1 s worst backoff + 0.4 s attempt); after the second, none could.
    assert len(writes) == 2
    assert 2 * read_seconds <= elapsed < budget_seconds
    assert aws.objects() == {KEY: LETTER}


def test_a_ghost_write_on_a_versioned_bucket_leaves_two_identical_versions(
    client: Client, aws: AWS, service: LetterService, clock: VirtualClock
) -> None:
    """The packaged bucket keeps versions, and a PDF is big enough to be cut short."""
    aws.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    pdf = parse_format("pdf").lay_out(Letter("TestCustomer", "Welcome", SAMPLE_LETTER, NOW))
    inject(service.store.client, "PutObject", [answer_lost(RESET)])

    response = client.http.post(f"{WELCOME}?format=pdf")

    assert response.status_code == 201
    key = "TestCustomer/Welcome.pdf"
    versions = aws.s3.list_object_versions(Bucket=BUCKET)["Versions"]
    assert [v["Key"] for v in versions] == [key, key]
    for version in versions:
        stored = aws.s3.get_object(Bucket=BUCKET, Key=key, VersionId=version["VersionId"])
        assert stored["Body"].read() == pdf
    [latest] = [v["VersionId"] for v in versions if v["IsLatest"]]
    assert json.loads(response.body)["versionId"] == latest


def _delete_table(aws: AWS, service: LetterService) -> None:
    aws.dynamodb.delete_table(TableName=TABLE)


def _delete_bucket(aws: AWS, service: LetterService) -> None:
    aws.s3.delete_bucket(Bucket=BUCKET)


def _deny_dynamodb(aws: AWS, service: LetterService) -> None:
    inject(service.repository.client, "BatchGetItem", [dynamodb_error("AccessDeniedException")])


def _deny_s3(aws: AWS, service: LetterService) -> None:
    inject(service.store.client, "PutObject", [s3_error("AccessDenied", 403)])


MISCONFIGURED = {
    "missing-table": (_delete_table, "ResourceNotFoundException", (1, 0)),
    "missing-bucket": (_delete_bucket, "NoSuchBucket", (1, 1)),
    "dynamodb-access-denied": (_deny_dynamodb, "AccessDeniedException", (1, 0)),
    "s3-access-denied": (_deny_s3, "AccessDenied", (1, 1)),
}


@pytest.mark.parametrize(
    ("break_it", "cause", "attempts"), MISCONFIGURED.values(), ids=MISCONFIGURED.keys()
)
def test_misconfiguration_is_a_generic_500_with_the_cause_in_the_logs(
    break_it: Callable[[AWS, LetterService], None],
    cause: str,
    attempts: tuple[int, int],
    client: Client,
    aws: AWS,
    service: LetterService,
    capsys: pytest.CaptureFixture,
) -> None:
    """A deployment bug is not worth retrying, and AWS's words stay out of the answer."""
    reads = count_attempts(service.repository.client, "BatchGetItem")
    writes = count_attempts(service.store.client, "PutObject")
    break_it(aws, service)
    capsys.readouterr()

    response = client.http.post(WELCOME)

    assert response.status_code == 500
    assert json.loads(response.body) == GENERIC_500
    assert "Retry-After" not in response.headers
    assert (len(reads), len(writes)) == attempts  # not retried
    if any(b["Name"] == BUCKET for b in aws.s3.list_buckets()["Buckets"]):
        assert aws.objects() == {}
    output = log_lines(capsys)
    [error] = [line for line in output if line.get("level") == "ERROR"]
    assert cause in error["exception"]
    [request] = [line for line in output if line.get("message") == "request"]
    assert request["status"] == 500
