"""Fixtures for every layer: the fake AWS environment, moto's mock account, and the app's
services and routes served from it. Plain helpers are in ``tests/support.py``."""

from collections.abc import Iterator

import pytest
from chalice.test import Client
from moto import mock_aws

import app as app_module
from chalicelib.adapters.observability import count_letter
from chalicelib.services.letters import LetterService

# tests/unit/test_importer.py imports these four from here; every other test imports tests.support.
from tests.support import (
    AWS,
    NOW,
    TABLE,  # noqa: F401
    app_repository,
    app_store,
    dev_stage,
    fake_aws_environment,
    mocked_account,
    record_calls,  # noqa: F401
    use_services,
)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws_environment(monkeypatch)


@pytest.fixture
def dev_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    dev_stage(monkeypatch)


@pytest.fixture
def aws() -> Iterator[AWS]:
    with mock_aws():
        yield mocked_account()


@pytest.fixture
def service(aws: AWS, monkeypatch: pytest.MonkeyPatch) -> LetterService:
    """The app's service with fresh clients inside the mock, counting their calls."""
    fresh = LetterService(
        app_repository(aws), app_store(aws), clock=lambda: NOW, on_letter=count_letter
    )
    use_services(monkeypatch, fresh)
    return fresh


@pytest.fixture
def client(service: LetterService) -> Client:
    """Chalice's test client on the dev stage, as `chalice local` would serve it."""
    return Client(app_module.app, stage_name="dev")
