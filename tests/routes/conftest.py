"""The app's routes served from moto's mock account, as ``chalice local`` would serve them."""

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.adapters.observability import count_letter
from chalicelib.services.letters import LetterService
from tests.support import AWS, NOW, app_repository, app_store, use_services


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
