"""The cold start's background builds: the S3 bucket and the Powertools logger are built on
a thread while the first letter's read is in flight, once each, and a failure there shows
where the value is used, never as a hang.
"""

import json
import textwrap
import threading
import time

import pytest

from chalicelib.adapters import aws
from chalicelib.adapters.aws import Lazy, build_while_waiting
from tests.support import MOCKED_DEV_STAGE, fresh_python

WAIT_SECONDS = 10


def test_importing_the_app_starts_no_thread() -> None:
    assert fresh_python("import threading, app; print(threading.active_count())") == "1"


def test_a_value_is_built_once_however_many_threads_ask() -> None:
    builds = []

    def build() -> object:
        builds.append(threading.current_thread().name)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return object()

    lazy = Lazy(build)
    got = []
    threads = [threading.Thread(target=lambda: got.append(lazy.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert len(builds) == 1
    assert len(got) == 8
    assert all(value is got[0] for value in got)
    assert lazy.get() is got[0]


def test_a_failed_build_keeps_nothing_and_is_tried_again_on_use() -> None:
    attempts = []

    def build() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("not yet")
        return "built"

    lazy = Lazy(build)
    with pytest.raises(RuntimeError, match="not yet"):
        lazy.get()
    assert not lazy.built
    assert lazy.get() == "built"
    assert len(attempts) == 2


def test_a_waiting_build_runs_on_a_thread_when_a_request_goes_out() -> None:
    built_on = []
    lazy = Lazy(lambda: built_on.append(threading.current_thread().name) or "bucket")
    build_while_waiting(lazy)
    assert built_on == []  # nothing until a request is sent
    aws._start_waiting_builds()
    assert lazy.get() == "bucket"
    assert built_on == ["docgen-prebuild"]
    aws._start_waiting_builds()  # nothing left waiting: no second build
    assert built_on == ["docgen-prebuild"]


def test_a_failure_on_the_thread_is_raised_where_the_value_is_used() -> None:
    thread_tried = threading.Event()

    def build() -> str:
        if threading.current_thread().name == "docgen-prebuild":
            thread_tried.set()
        raise RuntimeError("environment variable S3_BUCKET_NAME is not set")

    lazy = Lazy(build)
    build_while_waiting(lazy)
    aws._start_waiting_builds()
    assert thread_tried.wait(WAIT_SECONDS)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="S3_BUCKET_NAME"):
        lazy.get()
    assert time.monotonic() - started < WAIT_SECONDS


# A cold start in a fresh interpreter: moto, the dev stage's table and bucket, then the app.
COLD_START = MOCKED_DEV_STAGE + textwrap.dedent(
    """
    import contextlib, io, json, sys, threading
    import boto3
    create_stack(boto3.client("dynamodb"), boto3.client("s3"), "dev")
    os.environ.update(json.loads(sys.argv[1]))
    for name in json.loads(sys.argv[2]):
        del os.environ[name]

    import app
    from bench.handlers import lambda_context, proxy_event
    from chalicelib.adapters import aws, observability

    built = []
    resource, build_logger = aws.resource, observability.LOGGER._build
    def counted(service, **timeouts):
        built.append([service, threading.current_thread().name])
        return resource(service, **timeouts)
    def counted_logger():
        built.append(["logger", threading.current_thread().name])
        return build_logger()
    aws.resource, observability.LOGGER._build = counted, counted_logger
    bucket = app.letters.store._bucket
    build_bucket = bucket._build
    def counted_bucket():
        built.append(["bucket", threading.current_thread().name])
        return build_bucket()
    bucket._build = counted_bucket

    statuses, lines = [], io.StringIO()
    with contextlib.redirect_stdout(lines):
        for number in range(2):
            statuses.append(app.app(proxy_event(f"r{number}"), lambda_context())["statusCode"])
    print(json.dumps({"statuses": statuses, "built": built, "lines": lines.getvalue()}))
    """
)


def cold_start(env: dict[str, str] | None = None, unset: tuple[str, ...] = ()) -> dict:
    probe = f"import sys; sys.argv[1:] = {[json.dumps(env or {}), json.dumps(unset)]!r}\n"
    return json.loads(fresh_python(probe + COLD_START))


def test_the_first_letter_builds_the_bucket_and_logger_on_the_thread_once() -> None:
    run = cold_start()
    assert run["statuses"] == [201, 201]
    assert run["built"] == [
        ["dynamodb", "MainThread"],
        ["bucket", "docgen-prebuild"],
        ["s3", "docgen-prebuild"],
        ["logger", "docgen-prebuild"],
    ]
    lines = [json.loads(line) for line in run["lines"].splitlines()]
    assert [line["message"] for line in lines if "message" in line] == ["request", "request"]


def test_a_bucket_that_cannot_be_built_is_a_logged_500_not_a_hang() -> None:
    started = time.monotonic()
    run = cold_start(unset=("S3_BUCKET_NAME",))
    assert time.monotonic() - started < 60
    assert run["statuses"] == [500, 500]
    # For each request the thread tried, then the request where it needed the bucket.
    attempts = [thread for kind, thread in run["built"] if kind == "bucket"]
    assert attempts == ["docgen-prebuild", "MainThread"] * 2
    assert ["logger", "docgen-prebuild"] in run["built"]
    lines = [json.loads(line) for line in run["lines"].splitlines()]
    assert all(line["service"] == "docgen" for line in lines)
    assert any("S3_BUCKET_NAME" in line.get("exception", "") for line in lines)
