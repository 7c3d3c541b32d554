"""The simulated AWS both handlers run against: moto in-process, plus a network delay.

moto answers in microseconds, which hides what a round trip to AWS costs.
A sleep on botocore's ``before-send`` puts a fixed price on every HTTP
send, so a handler that makes fewer calls shows it. :func:`install` must
run before moto is imported and before any boto3 session exists: sessions
copy botocore's BUILTIN_HANDLERS when they are made, and moto appends its
own stub there on import, which answers the request and ends the chain.
"""

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

DELAY_SECONDS = 0.020
"""Simulated network time per HTTP send; about a same-region AWS round trip."""

# Settings that could send calls past moto or sign with someone's real credentials.
_REAL_AWS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@dataclass
class Traffic:
    """What every boto3 client in this process has asked of AWS so far."""

    delay: float = DELAY_SECONDS
    calls: list[str] = field(default_factory=list)
    """API operations, in order (botocore's ``before-call``)."""
    sends: int = 0
    """HTTP attempts, retries included (botocore's ``before-send``)."""


TRAFFIC = Traffic()


def _on_call(model: Any, **_: Any) -> None:
    TRAFFIC.calls.append(model.name)


def _on_send(**_: Any) -> None:
    TRAFFIC.sends += 1
    time.sleep(TRAFFIC.delay)
    # Returning None lets the next handler, moto's stub, answer the request.


def stage_env() -> dict[str, str]:
    """Fake credentials, no endpoint override, and the dev stage's table and bucket."""
    from tools.stack import stage_environment

    return {
        **stage_environment("dev"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def clean_env(base: dict[str, str]) -> dict[str, str]:
    """``base`` without endpoint overrides or real credentials, plus :func:`stage_env`."""
    kept = {
        name: value
        for name, value in base.items()
        if name not in _REAL_AWS and not name.startswith("AWS_ENDPOINT_URL")
    }
    return {**kept, **stage_env()}


def http_env(base: dict[str, str], endpoint_url: str) -> dict[str, str]:
    """:func:`clean_env` for a child whose AWS calls go over HTTP to ``endpoint_url`` alone."""
    from tools.stack import emulator_environment

    env = emulator_environment(clean_env(base), stage_env()["AWS_DEFAULT_REGION"])
    return {**env, "AWS_ENDPOINT_URL": endpoint_url}


def install(delay: float = DELAY_SECONDS) -> None:
    """Set the environment and hook the delay and the counters into every future client."""
    if "moto" in sys.modules:
        raise RuntimeError("fakeaws.install() must run before moto is imported")
    from botocore.handlers import BUILTIN_HANDLERS

    env = clean_env(dict(os.environ))
    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)
    TRAFFIC.delay = delay
    BUILTIN_HANDLERS.append(("before-call", _on_call))
    BUILTIN_HANDLERS.append(("before-send", _on_send))


def start_mock() -> Any:
    """Start moto for the rest of the process, create and seed the stack; return an S3 client.

    The setup clients come from a session of their own, so neither boto3's
    default session (the baseline's) nor docgen's is built or warmed here.
    """
    import boto3
    from moto import mock_aws

    from tools.stack import create_stack

    mock_aws().start()
    session = boto3.session.Session()
    dynamodb, s3 = session.client("dynamodb"), session.client("s3")
    create_stack(dynamodb, s3, "dev")
    if boto3.DEFAULT_SESSION is not None:
        raise RuntimeError("boto3's default session was built during setup")
    return s3
