"""docgen's HTTP routes. Each reads the request, calls a service, and answers."""

import uuid
from collections.abc import Callable

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib.errors import RETRY_AFTER_SECONDS
from chalicelib.openapi import SPEC
from chalicelib.repository import DynamoDBRepository
from chalicelib.service import LetterService
from chalicelib.storage import S3DocumentStore

app = Chalice(app_name="docgen")

# Cheap to build: the boto3 clients inside are made on first use and kept
# for as long as the Lambda container stays warm.
letters = LetterService(DynamoDBRepository(), S3DocumentStore())


@app.middleware("http")
def add_standard_headers(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Every response is labelled JSON and carries ``X-Request-Id``; a 503, ``Retry-After``.

    Chalice leaves ``Content-Type`` to API Gateway's default; we say it.
    """
    response = get_response(request)
    response.headers.setdefault("Content-Type", "application/json")
    context = request.context if request is not None else {}
    response.headers["X-Request-Id"] = context.get("requestId") or uuid.uuid4().hex
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


@app.route("/health")
def health() -> dict:
    return {"status": "ok"}


@app.route("/openapi.json")
def openapi() -> dict:
    return SPEC


@app.route("/customers/{customerId}/documents/{docType}", methods=["POST"])
def generate_document(customerId: str, docType: str) -> Response:
    request = app.current_request
    document = letters.generate(customerId, docType, (request.query_params or {}).get("format"))
    location = f"{request.context['path']}?format={document['format']}"
    return Response(body=document, status_code=201, headers={"Location": location})
