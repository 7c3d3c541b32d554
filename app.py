"""docgen's HTTP routes. Each reads the request, calls a service, and answers."""

import itertools
import time
import uuid
from collections.abc import Callable

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib.catalog import CUSTOMERS, TEMPLATES, CatalogService
from chalicelib.errors import RETRY_AFTER_SECONDS
from chalicelib.http import etag, read_json
from chalicelib.observability import RequestRecord, logger, record
from chalicelib.repository import DynamoDBRepository
from chalicelib.schemas import CUSTOMER_BODY, PREVIEW_BODY, TEMPLATE_BODY
from chalicelib.service import LetterService
from chalicelib.storage import S3DocumentStore

# Chalice's own log handler is left out: Powertools' JSON handler takes its logger
# (named after the app) on the first request, so every line there is JSON.
app = Chalice(app_name="docgen", configure_logs=False)
# Every route but /health and /openapi.json needs an API key on API Gateway (the packaged
# template's usage plan issues one); chalice local and the test client do not check keys.

# Cheap to build: the boto3 clients inside are made on first use and kept
# for as long as the Lambda container stays warm.
repository = DynamoDBRepository()
letters = LetterService(repository, S3DocumentStore())
catalog = CatalogService(repository)
JSON = ["application/json"]
GENERATE = "/customers/{customerId}/documents/{docType}"


_request_numbers = itertools.count()
"""Per container: the first request is the cold start."""


@app.middleware("http")
def log_and_count(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """One JSON log line and the metrics of every request (``chalicelib/observability.py``)."""
    cold_start = next(_request_numbers) == 0
    logger()
    started = time.perf_counter()
    response = get_response(request)
    context = request.context
    generated = response.status_code == 201 and context.get("resourcePath") == GENERATE
    record(
        RequestRecord(
            request_id=response.headers["X-Request-Id"],
            method=request.method,
            route=context.get("resourcePath", ""),
            status=response.status_code,
            latency_ms=(time.perf_counter() - started) * 1000,
            path_parameters=request.uri_params or {},
            format=(request.query_params or {}).get("format"),
            cold_start=cold_start,
        ),
        generated_format=response.body["format"] if generated else None,
    )
    return response


@app.middleware("http")
def add_standard_headers(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Every response is labelled JSON and carries ``X-Request-Id``; a 503, ``Retry-After``.

    Chalice leaves ``Content-Type`` to API Gateway's default; we say it.
    """
    response = get_response(request)
    if response.status_code != 204:
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
    from chalicelib.openapi import SPEC  # built when first asked for, not on every cold start

    return SPEC


@app.route(GENERATE, methods=["POST"], api_key_required=True)
def generate_document(customerId: str, docType: str) -> Response:
    request = app.current_request
    document = letters.generate(customerId, docType, (request.query_params or {}).get("format"))
    location = f"{request.context['path']}?format={document['format']}"
    return Response(body=document, status_code=201, headers={"Location": location})


@app.route("/customers/{customerId}/documents/{docType}", methods=["GET"], api_key_required=True)
def get_document(customerId: str, docType: str) -> dict:
    query = app.current_request.query_params or {}
    return letters.describe(customerId, docType, query.get("format"))


@app.route("/customers/{customerId}/documents/{docType}", methods=["DELETE"], api_key_required=True)
def delete_document(customerId: str, docType: str) -> Response:
    query = app.current_request.query_params or {}
    letters.delete_document(customerId, docType, query.get("format"))
    return _no_content()


@app.route("/customers/{customerId}/documents", methods=["GET"], api_key_required=True)
def list_documents(customerId: str) -> dict:
    return letters.list_documents(customerId, app.current_request.query_params or {})


def _resource(resource: dict, status_code: int = 200) -> Response:
    """A customer or template, with its version as a strong ``ETag``."""
    return Response(resource, status_code=status_code, headers={"ETag": etag(resource["version"])})


def _no_content() -> Response:
    return Response(body="", status_code=204)


@app.route("/customers", methods=["GET"], api_key_required=True)
def list_customers() -> dict:
    return catalog.list(CUSTOMERS, app.current_request.query_params or {})


@app.route("/customers/{customerId}", methods=["PUT"], content_types=JSON, api_key_required=True)
def put_customer(customerId: str) -> Response:
    request = app.current_request
    body = read_json(request.raw_body, CUSTOMER_BODY)
    customer, created = catalog.put(CUSTOMERS, customerId, body, request.headers.get("if-match"))
    return _resource(customer, 201 if created else 200)


@app.route("/customers/{customerId}", methods=["GET"], api_key_required=True)
def get_customer(customerId: str) -> Response:
    return _resource(catalog.get(CUSTOMERS, customerId))


@app.route("/customers/{customerId}", methods=["DELETE"], api_key_required=True)
def delete_customer(customerId: str) -> Response:
    catalog.delete(CUSTOMERS, customerId, app.current_request.headers.get("if-match"))
    return _no_content()


@app.route("/templates", methods=["GET"], api_key_required=True)
def list_templates() -> dict:
    return catalog.list(TEMPLATES, app.current_request.query_params or {})


@app.route("/templates/{docType}", methods=["PUT"], content_types=JSON, api_key_required=True)
def put_template(docType: str) -> Response:
    request = app.current_request
    body = read_json(request.raw_body, TEMPLATE_BODY)
    template, created = catalog.put(TEMPLATES, docType, body, request.headers.get("if-match"))
    return _resource(template, 201 if created else 200)


@app.route("/templates/{docType}", methods=["GET"], api_key_required=True)
def get_template(docType: str) -> Response:
    return _resource(catalog.get(TEMPLATES, docType))


@app.route("/templates/{docType}", methods=["DELETE"], api_key_required=True)
def delete_template(docType: str) -> Response:
    catalog.delete(TEMPLATES, docType, app.current_request.headers.get("if-match"))
    return _no_content()


@app.route(
    "/templates/{docType}/preview", methods=["POST"], content_types=JSON, api_key_required=True
)
def preview_template(docType: str) -> dict:
    return letters.preview(docType, read_json(app.current_request.raw_body, PREVIEW_BODY))
