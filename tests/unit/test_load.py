"""make load's verdicts: the checks that fail a run must see lost updates and wrong documents."""

from types import SimpleNamespace
from typing import Any

from tests.support import AWS, BUCKET
from tools.load import (
    SHARED_CUSTOMER,
    TEMPLATE,
    Results,
    check_documents,
    check_updates,
    name_of,
    percentile,
)


def servers_answering(counter: int, aws: AWS | None = None) -> Any:
    """Just enough of ``Servers``: the shared customer's counter, and the bucket."""
    customer = {"attributes": {"counter": counter}}
    http = SimpleNamespace(get=lambda url: SimpleNamespace(json=lambda: customer))
    return SimpleNamespace(api="http://api", http=http, s3=aws and aws.s3, bucket=BUCKET)


def test_percentiles() -> None:
    samples = [n / 1000 for n in range(1, 101)]
    assert [percentile(samples, q) for q in (0.5, 0.95, 0.99)] == [0.051, 0.095, 0.099]


def test_a_lost_update_fails_the_run() -> None:
    results = Results()
    results.updates[SHARED_CUSTOMER] = 5

    assert check_updates(servers_answering(5), results) == []
    assert check_updates(servers_answering(4), results) == [
        "5 updates acknowledged, but the counter is 4: lost updates"
    ]


def test_a_document_that_is_not_the_letter_fails_the_run(aws: AWS) -> None:
    results = Results()
    results.generated.add(("c1", "txt"))
    letter = (
        f"Dear {name_of('c1')};\n\nThank you for your order c1.\n\nKind regards,\nThe docgen team\n"
    )
    key = f"c1/{TEMPLATE}.txt"
    aws.s3.put_object(Bucket=BUCKET, Key=key, Body=letter.encode())
    assert check_documents(servers_answering(0, aws), results) == []

    aws.s3.put_object(Bucket=BUCKET, Key=key, Body=letter.encode()[:-1])

    assert check_documents(servers_answering(0, aws), results) == [
        f"{key} does not hold the letter asked for"
    ]
