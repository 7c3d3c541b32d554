"""Project-level promises: stages, the policy files, and what import time costs."""

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.s3 import MAX_URL_TTL_SECONDS
from chalicelib.adapters.settings import default_locale
from tests.support import CONFIG, fresh_python, mocked_account
from tools.stack import PROJECT_DIR, function_timeout, stage_environment


def test_stages() -> None:
    assert set(CONFIG["stages"]) == {"dev", "prod", "local"}
    for stage in CONFIG["stages"]:
        assert function_timeout(stage, "api_handler") < 29  # API Gateway's own limit


def test_queue_workers_get_longer_timeouts_than_the_api_in_every_stage() -> None:
    """Set once for the project. A stage's own ``lambda_timeout`` would shadow them (Chalice
    looks it up before the project's per-function settings), and the queues' visibility
    timeouts are sized for these."""
    for stage in CONFIG["stages"]:
        timeouts = {name: function_timeout(stage, name) for name in CONFIG["lambda_functions"]}
        assert timeouts == {
            "plan_batches": 60,
            "write_letters": 60,
            "fail_dead_letters": 60,
            "finish_batches": 300,
            "deliver_webhooks": 60,
            "sweep_batches": 60,
        }


def test_local_stage_points_at_loopback_and_cannot_be_deployed() -> None:
    local = CONFIG["stages"]["local"]
    assert local["environment_variables"]["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    # No managed role, and a role ARN in an account that cannot exist: a
    # `chalice deploy --stage local` fails before it creates anything.
    assert local["manage_iam_role"] is False
    assert local["iam_role_arn"].startswith("arn:aws:iam::000000000000:role/")


def test_deployed_stages_use_their_checked_in_policy() -> None:
    """What the policies grant is checked against the calls the app makes: test_policy.py."""
    assert CONFIG["autogen_policy"] is False
    for name in ("dev", "prod"):
        assert (PROJECT_DIR / ".chalice" / CONFIG["stages"][name]["iam_policy_file"]).is_file()


def test_importing_the_app_builds_no_client_and_imports_no_boto3() -> None:
    probe = (
        "import sys, app; print(sorted(m for m in "
        "('boto3', 'botocore', 'aws_lambda_powertools', 'markdown_it') if m in sys.modules))"
    )
    assert fresh_python(probe) == "[]"


def test_importing_the_app_loads_neither_letterheads_nor_the_batch_pipeline() -> None:
    """A letter's cold start pays for neither: each is loaded by its first request."""
    probe = (
        "import sys, app; print(sorted(m for m in sys.modules if m.startswith('chalicelib') "
        "and ('letterhead' in m or 'batch' in m or m.endswith(('.sqs', '.multipart')))))"
    )
    assert fresh_python(probe) == "[]"


def test_table_is_built_on_first_use_and_kept(dev_environment: None) -> None:
    repository = DynamoDBRepository()
    assert "table" not in vars(repository)
    with mock_aws():
        mocked_account()
        repository.get_customer_and_template("TestCustomer", "Welcome")
        first = vars(repository)["table"]
        repository.get_customer_and_template("TestCustomer", "Welcome")
    assert first.name == "docgen-dev"
    assert repository.table is first


def test_each_stage_sets_how_long_download_links_work() -> None:
    lifetimes = {
        name: stage_environment(name)["DOCUMENT_URL_TTL_SECONDS"] for name in CONFIG["stages"]
    }
    assert lifetimes == {"dev": "900", "local": "900", "prod": "300"}
    assert all(1 <= int(seconds) <= MAX_URL_TTL_SECONDS for seconds in lifetimes.values())


def test_each_stage_sets_a_default_locale_babel_knows(monkeypatch: pytest.MonkeyPatch) -> None:
    locales = {name: stage_environment(name)["DEFAULT_LOCALE"] for name in CONFIG["stages"]}
    assert locales == {"dev": "en_US", "local": "en_US", "prod": "en_US"}
    for setting in locales.values():
        monkeypatch.setenv("DEFAULT_LOCALE", setting)
        assert default_locale() == setting


def test_every_route_but_health_the_spec_and_the_console_needs_an_api_key() -> None:
    from app import app

    keyed = {
        (path, method): entry.api_key_required
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    }
    public = {
        ("/health", "GET"),
        ("/openapi.json", "GET"),
        ("/console", "GET"),
        ("/console/{asset}", "GET"),
    }
    assert {route for route, required in keyed.items() if not required} == public
