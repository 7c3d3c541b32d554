"""The API over real HTTP, as a client sees it: ``chalice local`` in front of moto's server.

Every test here is marked ``e2e`` and ``enable_socket`` by ``conftest.py``,
and may still connect to 127.0.0.1 only.
"""

from datetime import datetime, timedelta

import pytest
import requests

from tests.support import HTTP_TIMEOUT_SECONDS
from tools.local_stack import Servers
from tools.stack import SAMPLE_LETTER, stage_environment

LETTER = SAMPLE_LETTER.encode("utf-8")
BUCKET = stage_environment("local")["S3_BUCKET_NAME"]
GENERATE = "/customers/{}/documents/{}"
BAD_CUSTOMER_ID = {
    "Code": "BadRequestError",
    "Message": "customerId must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
    "starting with a letter or a digit",
}


def post(servers: Servers, path: str) -> requests.Response:
    return servers.http.post(servers.api + path, timeout=HTTP_TIMEOUT_SECONDS)


def get(servers: Servers, path: str) -> requests.Response:
    return servers.http.get(servers.api + path, timeout=HTTP_TIMEOUT_SECONDS)


def assert_json_with_request_id(response: requests.Response) -> None:
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-Id"]


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")


def test_generate_answers_201_with_the_document_description(servers: Servers) -> None:
    response = post(servers, GENERATE.format("TestCustomer", "Welcome"))

    assert response.status_code == 201, response.text
    assert_json_with_request_id(response)
    assert response.headers["Location"] == "/customers/TestCustomer/documents/Welcome?format=txt"
    body = response.json()
    url = body.pop("url")
    lifetime = parse_time(body.pop("urlExpiresAt")) - parse_time(body.pop("generatedAt"))
    assert body == {
        "customerId": "TestCustomer",
        "docType": "Welcome",
        "format": "txt",
        "bucket": BUCKET,
        "key": "TestCustomer/Welcome.txt",
        "contentType": "text/plain; charset=utf-8",
        "size": len(LETTER),
        "versionId": None,
        "templateVersion": 0,
    }
    assert url.startswith(f"{servers.emulator}/{BUCKET}/TestCustomer/Welcome.txt?")
    assert "X-Amz-Signature=" in url
    assert timedelta(seconds=899) <= lifetime <= timedelta(seconds=901)


def test_presigned_url_downloads_exactly_the_letter(servers: Servers) -> None:
    response = post(servers, GENERATE.format("TestCustomer", "Welcome"))
    assert response.status_code == 201, response.text

    download = servers.http.get(response.json()["url"], timeout=HTTP_TIMEOUT_SECONDS)

    assert download.status_code == 200, download.text
    assert download.content == b"Dear Testing Customer;\n\nHello and Welcome!\n" == LETTER
    stored = servers.s3.head_object(Bucket=BUCKET, Key="TestCustomer/Welcome.txt")
    assert stored["ContentType"] == "text/plain; charset=utf-8"
    assert stored["ServerSideEncryption"] == "AES256"
    assert stored["Metadata"]["template-version"] == "0"


def test_health(servers: Servers) -> None:
    response = get(servers, "/health")

    assert response.status_code == 200
    assert_json_with_request_id(response)
    assert response.json() == {"status": "ok"}


def test_openapi_describes_the_generate_route(servers: Servers) -> None:
    response = get(servers, "/openapi.json")

    assert response.status_code == 200
    assert_json_with_request_id(response)
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/customers/{customerId}/documents/{docType}"]


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [
        pytest.param(
            GENERATE.format("Nobody", "Welcome"),
            404,
            {"Code": "NotFoundError", "Message": "customer Nobody does not exist"},
            id="missing-customer",
        ),
        pytest.param(
            GENERATE.format("TestCustomer", "Missing"),
            404,
            {"Code": "NotFoundError", "Message": "template Missing does not exist"},
            id="missing-template",
        ),
        pytest.param(
            GENERATE.format("Nobody", "Missing"),
            404,
            {"Code": "NotFoundError", "Message": "customer Nobody does not exist"},
            id="both-missing-names-the-customer",
        ),
        pytest.param(
            "/customers/..%2F..%2Fetc/documents/Welcome",
            400,
            BAD_CUSTOMER_ID,
            id="encoded-traversal",
        ),
        pytest.param(
            GENERATE.format("TestCustomer", "Welcome") + "?format=docx",
            400,
            {"Code": "BadRequestError", "Message": "format must be one of: txt, html, pdf"},
            id="unknown-format",
        ),
    ],
)
def test_errors_have_exact_bodies_and_write_nothing(
    servers: Servers, path: str, status: int, expected: dict
) -> None:
    before = servers.objects()

    response = post(servers, path)

    assert response.request.path_url == path  # sent as written: no decoding, no dot-segments
    assert response.status_code == status, response.text
    assert_json_with_request_id(response)
    assert "Location" not in response.headers
    assert response.json() == expected
    after = servers.objects()
    assert after == before
    assert set(after) <= {"TestCustomer/Welcome.txt"}  # the only object any test here makes
