"""Fixtures for every layer: the fake AWS environment, the dev stage's settings and moto's
mock account. Plain helpers are in ``tests/support.py``; the routes' fixtures are in
``tests/routes/conftest.py``."""

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.support import AWS, dev_stage, fake_aws_environment, mocked_account


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
