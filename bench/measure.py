"""The measurements: calls and bytes of one letter, warm latency, cold starts.

Warm runs happen in this process; every cold run gets a fresh interpreter
(``bench.cold``), as a new Lambda container would, against the in-process
mock or, over loopback HTTP, moto's server or the canned server.
"""

import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import canned, emulator, fakeaws
from bench.handlers import DOCUMENT_KEY, TARGETS, Handler, lambda_context, proxy_event
from tools.stack import SAMPLE_LETTER, create_stack, emulator_clients, emulator_environment

PROJECT_DIR = Path(__file__).resolve().parent.parent
COLD_TIMEOUT_SECONDS = 60


COMPILED = ("app.py", "chalicelib", "bench")
"""docgen's modules and the baseline's, compiled before the cold runs (see ``compile_project``)."""


def compile_project() -> None:
    """Write the bytecode of ``COMPILED``, as ``tools/package.py`` ships docgen's in the zip.

    Without it, a machine with PYTHONDONTWRITEBYTECODE set compiles docgen's modules in every
    cold run, which its Lambda does not. Timestamp pycs (the default): a source edited later
    is compiled again, never run stale. Libraries use the bytecode pip wrote when installing.
    """
    for name in COMPILED:
        path = PROJECT_DIR / name
        if path.is_dir():
            compileall.compile_dir(path, quiet=1)
        else:
            compileall.compile_file(path, quiet=1)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def check_letter(name: str, handler: Handler, s3: Any) -> list[str]:
    """Generate one letter and fail loudly unless the bucket holds exactly the sample's bytes.

    Returns the AWS operations the letter took.
    """
    bucket = os.environ["S3_BUCKET_NAME"]
    s3.delete_object(Bucket=bucket, Key=DOCUMENT_KEY)
    calls_before, sends_before = len(fakeaws.TRAFFIC.calls), fakeaws.TRAFFIC.sends
    start = time.perf_counter()
    response = handler(proxy_event(), lambda_context())
    elapsed = time.perf_counter() - start
    calls = fakeaws.TRAFFIC.calls[calls_before:]
    sends = fakeaws.TRAFFIC.sends - sends_before
    body = s3.get_object(Bucket=bucket, Key=DOCUMENT_KEY)["Body"].read()
    problems = []
    if response["statusCode"] != 201:
        problems.append(f"answered {response['statusCode']}: {response.get('body')}")
    if body != SAMPLE_LETTER.encode():
        problems.append(f"wrote {body!r}, expected {SAMPLE_LETTER.encode()!r}")
    if sends != len(calls):
        problems.append(f"{sends} HTTP sends for {len(calls)} calls: retries distort the timing")
    if elapsed < sends * fakeaws.TRAFFIC.delay:
        problems.append(f"{elapsed * 1000:.1f} ms for {sends} sends: the delay is not applied")
    if problems:
        raise SystemExit(f"bench: sanity check of {name} failed: " + "; ".join(problems))
    return calls


def _interleaved(
    requests: dict[str, Callable[[str], dict]], runs: int, warmup: int
) -> dict[str, list[float]]:
    """Seconds per request, taking turns (order alternating) so that drift hits all alike.

    Each request is called with a request id and must answer 201.
    """
    samples: dict[str, list[float]] = {name: [] for name in requests}
    names = list(requests)
    for i in range(warmup + runs):
        for name in names if i % 2 else reversed(names):
            start = time.perf_counter()
            response = requests[name](f"warm-{i}")
            elapsed = time.perf_counter() - start
            if response["statusCode"] != 201:
                raise SystemExit(f"bench: {name} answered {response['statusCode']} when warm")
            if i >= warmup:
                samples[name].append(elapsed)
    return samples


def warm_latency(handlers: dict[str, Handler], runs: int, warmup: int) -> dict[str, list[float]]:
    """Seconds per txt letter for each handler."""
    return _interleaved(
        {
            name: lambda request_id, handler=handler: handler(
                proxy_event(request_id), lambda_context()
            )
            for name, handler in handlers.items()
        },
        runs,
        warmup,
    )


def format_latency(
    handler: Handler, formats: list[str], runs: int, warmup: int
) -> dict[str, list[float]]:
    """docgen's seconds per letter in each format."""
    return _interleaved(
        {
            fmt: lambda request_id, fmt=fmt: handler(proxy_event(request_id, fmt), lambda_context())
            for fmt in formats
        },
        runs,
        warmup,
    )


def timings(work: Callable[[], object], runs: int) -> list[float]:
    """The wall time of each of ``runs`` calls of ``work``."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


@dataclass
class ColdRuns:
    """What the fresh interpreters of one target measured, run by run."""

    seconds: list[float] = field(default_factory=list)
    """From just before the handler's import to its answer (or the import's end), in the child."""
    wall: list[float] = field(default_factory=list)
    """The whole child process, from spawn to exit, timed by this process."""
    loaded: set[str] = field(default_factory=set)
    """The heavy libraries any run imported."""


def cold_run(target: str, phase: str, arm: str, env: dict[str, str]) -> tuple[dict, float]:
    """One ``bench.cold`` run in a fresh interpreter; its answer and its wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.cold", target, phase, arm],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=COLD_TIMEOUT_SECONDS,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: cold {phase} of {target} ({arm}) failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    if phase != "import" and result["status"] != 201:
        raise SystemExit(f"bench: cold letter of {target} ({arm}) answered {result['status']}")
    return result, wall


def cold_samples(
    targets: list[str],
    phase: str,
    runs: int,
    arm: str = "mock",
    env: dict[str, str] | None = None,
    check: Callable[[str], None] | None = None,
) -> dict[str, ColdRuns]:
    """``runs`` fresh interpreters per target, after one discarded run.

    The discarded run warms the file cache; the targets alternate so that anything
    else going on at the time falls on both.
    ``env`` defaults to this one's, cleaned for the in-process mock; ``check``
    is called with the target after every run, to verify what it did.
    """
    child_env = fakeaws.clean_env(dict(os.environ)) if env is None else env
    samples = {target: ColdRuns() for target in targets}
    for i in range(runs + 1):
        for target in targets if i % 2 else reversed(targets):
            result, wall = cold_run(target, phase, arm, child_env)
            if check is not None:
                check(target)
            samples[target].loaded.update(result["loaded"])
            if i:
                samples[target].seconds.append(result["seconds"])
                samples[target].wall.append(wall)
    return samples


def _check_written(arm: str, target: str, body: bytes | None) -> None:
    if body != SAMPLE_LETTER.encode():
        raise SystemExit(
            f"bench: cold letter of {target} ({arm}) wrote {body!r}, "
            f"expected {SAMPLE_LETTER.encode()!r}"
        )


def loopback_letters(runs: int) -> dict[str, ColdRuns]:
    """Cold first letters over loopback HTTP to moto's server, without the simulated delay.

    Each run's letter must be in the server's bucket, which is emptied after
    every check, so each run is shown to have written its own.
    """
    region = fakeaws.stage_env()["AWS_DEFAULT_REGION"]
    with emulator.moto_server(emulator_environment(os.environ, region)) as endpoint:
        dynamodb, s3 = emulator_clients(endpoint, region)
        _, bucket = create_stack(dynamodb, s3, "dev")

        def check(target: str) -> None:
            body = s3.get_object(Bucket=bucket, Key=DOCUMENT_KEY)["Body"].read()
            s3.delete_object(Bucket=bucket, Key=DOCUMENT_KEY)
            _check_written("loopback", target, body)

        env = fakeaws.http_env(dict(os.environ), endpoint)
        return cold_samples(list(TARGETS), "letter", runs, "loopback", env, check)


def bare_letters(runs: int, calls: dict[str, list[str]]) -> dict[str, ColdRuns]:
    """True cold first letters: nothing pre-imported, AWS canned at the HTTP layer.

    The canned server waits the simulated delay before each answer. Each run
    must make the calls its handler made in the in-process check (``calls``)
    and write the sample's letter.
    """
    with canned.serving(fakeaws.TRAFFIC.delay) as server:

        def check(target: str) -> None:
            made = server.take_operations()
            if made != calls[target]:
                raise SystemExit(f"bench: true cold {target} made {made}, not {calls[target]}")
            _check_written("bare", target, server.objects.pop(DOCUMENT_KEY, None))

        env = fakeaws.http_env(dict(os.environ), server.endpoint)
        return cold_samples(list(TARGETS), "letter", runs, "bare", env, check)
