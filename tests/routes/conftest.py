"""The app's routes served from moto's mock account, as ``chalice local`` would serve them."""

from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.adapters.batches import DynamoDBBatches
from chalicelib.adapters.observability import count_letter
from chalicelib.adapters.sqs import QUEUE_SETTINGS, SQSQueues
from chalicelib.api.errors import error_body
from chalicelib.services.batches import BatchService
from chalicelib.services.finisher import Finisher
from chalicelib.services.letter_worker import LetterWorker
from chalicelib.services.letters import LetterService
from chalicelib.services.planner import Planner
from chalicelib.services.sweep import Sweeper
from tests.support import AWS, NOW, app_repository, app_resource, app_store, use_services


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


@dataclass
class Pipeline:
    """The batch pipeline the app's handlers run on, in moto."""

    queues: dict[str, Any]
    """The four queues, as boto3 ``Queue`` resources to receive from."""
    sqs: SQSQueues
    records: DynamoDBBatches


@pytest.fixture
def queues(pipeline: Pipeline) -> dict[str, Any]:
    return pipeline.queues


@pytest.fixture
def pipeline(aws: AWS, service: LetterService, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """The four queues in moto, and the app's batch services on them and on ``service``."""
    sqs = app_resource("sqs", aws)
    made = {name: sqs.create_queue(QueueName=f"docgen-test-{name}") for name in QUEUE_SETTINGS}
    queues = SQSQueues(made)
    records = DynamoDBBatches(service.repository.table, service.repository.patience)
    batches = BatchService(
        service.repository,
        lambda: records,
        queues,
        service.store,
        clock=service.clock,
        webhook_check=lambda url: url,
    )
    monkeypatch.setattr(app_module, "batches", lambda: batches)
    monkeypatch.setattr(
        app_module, "planner", lambda: Planner(lambda: records, service.repository, queues)
    )
    monkeypatch.setattr(
        app_module,
        "letter_worker",
        lambda: LetterWorker(lambda: records, service, queues, error_body, clock=service.clock),
    )
    monkeypatch.setattr(
        app_module,
        "finisher",
        lambda: Finisher(
            lambda: records, lambda: service.store, lambda: service.store, queues, service.clock
        ),
    )
    monkeypatch.setattr(
        app_module, "sweeper", lambda: Sweeper(lambda: records, queues, clock=service.clock)
    )
    return Pipeline(made, queues, records)
