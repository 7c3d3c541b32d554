"""API Gateway proxy events from tests/events fed straight into the Lambda entry point."""

import json

import pytest
from chalice.local import LambdaContext

import app as app_module
from tests.support import AWS, EVENTS, log_lines


def invoke(name: str) -> tuple[dict, dict]:
    event = json.loads((EVENTS / name).read_text())
    response = app_module.app(event, LambdaContext("docgen-dev", 512))
    return event, response


pytestmark = pytest.mark.usefixtures("dev_environment")


def test_generate_event(service, aws: AWS) -> None:
    event, response = invoke("generate_welcome.json")

    assert response["statusCode"] == 201
    assert response["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]
    # The Location keeps API Gateway's stage prefix, so the link works as given.
    assert (
        response["headers"]["Location"]
        == "/api/customers/TestCustomer/documents/Welcome?format=txt"
    )
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"])["key"] == "TestCustomer/Welcome.txt"
    assert aws.objects() == {
        "TestCustomer/Welcome.txt": b"Dear Testing Customer;\n\nHello and Welcome!\n"
    }


def test_missing_customer_event(service, aws: AWS) -> None:
    event, response = invoke("generate_missing_customer.json")

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {
        "Code": "NotFoundError",
        "Message": "customer Nobody does not exist",
    }
    assert response["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]
    assert aws.objects() == {}


def test_traversal_event_never_reaches_aws(service, aws: AWS) -> None:
    _, response = invoke("generate_traversal.json")

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["Code"] == "BadRequestError"
    assert aws.calls == []


def test_unknown_format_event(service, aws: AWS) -> None:
    _, response = invoke("generate_unknown_format.json")

    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {
        "Code": "BadRequestError",
        "Message": "format must be one of: txt, html, pdf",
    }
    assert aws.calls == []


def test_health_event_makes_no_aws_call(service, aws: AWS) -> None:
    event, response = invoke("health.json")

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}
    assert response["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]
    assert aws.calls == []


def test_crlf_in_a_path_cannot_forge_a_log_line(
    service, aws: AWS, capsys: pytest.CaptureFixture
) -> None:
    forged = 'x\r\n{"level": "INFO", "message": "request", "status": 200}'
    event = json.loads((EVENTS / "generate_welcome.json").read_text())
    event["pathParameters"]["customerId"] = forged
    capsys.readouterr()

    response = app_module.app(event, LambdaContext("docgen-dev", 512))

    assert response["statusCode"] == 400
    output = log_lines(capsys)
    assert len(output) == 1  # the request's line, its error count on it, nothing more
    assert output[0]["customerId"] == forged  # kept whole, inside one JSON string
