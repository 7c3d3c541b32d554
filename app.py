"""docgen's HTTP routes. Each reads the request, calls a service, and answers.

Requests pass through ``chalicelib.api.app.DocgenApp``: one middleware (request id,
time budget, log line) and, around every view, exact JSON and the one translation of
domain errors into HTTP errors. Every route but /health, /openapi.json and the console's
needs an API key on API Gateway; chalice local and the test client do not check keys.
"""

# First, before any other import: no garbage collection until the app is built (the end of
# this file). chalicelib/adapters/collector.py says why.
import chalicelib.api.pause_collection  # noqa: F401

# isort: split
import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from chalice import Rate, Response

from chalicelib.adapters import collector
from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.observability import count_letter
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.adapters.settings import default_locale
from chalicelib.api.app import DocgenApp
from chalicelib.api.requests import (
    body_version,
    document_format,
    encode_token,
    etag,
    idempotency_key,
    if_match,
    page_request,
    query,
    read_json,
    template_version,
)
from chalicelib.domain.idempotency import REPLAYED_HEADER
from chalicelib.domain.model import from_body, summary_json, to_json
from chalicelib.domain.paging import Page
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.schemas import (
    BATCH_BODY,
    CUSTOMER_BODY,
    PREVIEW_BODY,
    TEMPLATE_BODY,
    letterhead_body,
)
from chalicelib.services.catalog import CatalogService
from chalicelib.services.letters import LetterService
from chalicelib.services.versions import VersionService

if TYPE_CHECKING:
    from chalicelib.adapters.batches import DynamoDBBatches
    from chalicelib.adapters.sqs import SQSQueues
    from chalicelib.domain.letterheads import Letterhead
    from chalicelib.services.batches import BatchService
    from chalicelib.services.finisher import Finisher
    from chalicelib.services.letter_worker import LetterWorker
    from chalicelib.services.planner import Planner
    from chalicelib.services.sweep import Sweeper
    from chalicelib.services.webhook_sender import WebhookSender

app = DocgenApp(app_name="docgen")

# Cheap to build: the boto3 resources inside are made on first use and kept
# for as long as the Lambda container stays warm.
repository = DynamoDBRepository()
letters = LetterService(
    repository, S3DocumentStore(), on_letter=count_letter, default_locale=default_locale
)
customers = CatalogService(Customer, repository)
templates = CatalogService(Template, repository)
versions = VersionService(repository)
JSON = ["application/json"]
LETTER_WORKERS = 10
"""The letter worker's SQS ``maximum_concurrency``: how many of it one batch may keep
busy (README, Batches, on sizing it)."""


# Letterheads and the batch pipeline are built by their first use: a cold start for a
# letter never loads them.
@cache
def letterheads() -> "CatalogService[Letterhead]":
    from chalicelib.domain.letterheads import Letterhead

    return CatalogService(Letterhead, repository)


@cache
def queues() -> "SQSQueues":
    from chalicelib.adapters.sqs import SQSQueues

    return SQSQueues()


@cache
def batch_records() -> "DynamoDBBatches":
    from chalicelib.adapters.batches import DynamoDBBatches

    return DynamoDBBatches(repository.table, repository.patience)


@cache
def batches() -> "BatchService":
    from chalicelib.adapters.webhooks import checked_webhook_url
    from chalicelib.services.batches import BatchService

    return BatchService(
        repository, batch_records, queues(), letters.store, webhook_check=checked_webhook_url
    )


@cache
def planner() -> "Planner":
    from chalicelib.adapters.settings import plan_ahead_letters
    from chalicelib.services.planner import Planner

    return Planner(batch_records, repository, queues(), ahead=plan_ahead_letters)


@cache
def letter_worker() -> "LetterWorker":
    from chalicelib.api.errors import error_body
    from chalicelib.services.letter_worker import LetterWorker

    return LetterWorker(batch_records, letters, queues(), error_body)


@cache
def finisher() -> "Finisher":
    from chalicelib.services.finisher import Finisher

    return Finisher(batch_records, lambda: letters.store, lambda: letters.store, queues())


@cache
def webhook_sender() -> "WebhookSender":
    from chalicelib.adapters.settings import webhooks_may_use_loopback_http
    from chalicelib.adapters.webhooks import deliver
    from chalicelib.services.webhook_sender import WebhookSender

    return WebhookSender(
        batch_records, queues(), batches().shown, deliver, webhooks_may_use_loopback_http
    )


@cache
def sweeper() -> "Sweeper":
    from chalicelib.services.sweep import Sweeper

    return Sweeper(batch_records, queues())


def _resource(record: "Customer | Template | Letterhead", status_code: int = 200) -> Response:
    """A customer, template or letterhead, with its version as a strong ``ETag``."""
    headers = {"ETag": etag(record.version)}
    return Response(to_json(record), status_code=status_code, headers=headers)


def _page(page: Page, show: Callable[[Any], dict] = summary_json) -> dict:
    return {
        "items": [show(item) for item in page.items],
        "next": None if page.cursor is None else encode_token(page.cursor),
    }


def _no_content() -> Response:
    return Response(body="", status_code=204)


@app.route("/health")
def health() -> dict:
    """Liveness; makes no AWS call.

    Public: no API key needed.
    """
    return {"status": "ok"}


@app.route("/openapi.json")
def openapi() -> dict:
    """This document: the OpenAPI 3.1 description of every route.

    Built from the app's own route table, these docstrings and the models.
    """
    from chalicelib.api.openapi import document  # built when first asked for, not on a cold start

    return document(app)


@app.route("/console")
def console() -> Response:
    """The browser console: edit templates with a live preview, generate, run batches.

    Public, like /health: the page holds no data until its user gives an API key, which it
    keeps in the tab's sessionStorage and sends as `x-api-key`. Served with a strict
    Content-Security-Policy; `/console#/templates/{docType}` opens that template's editor.
    """
    from chalicelib.api import console as files  # read when first asked for

    return files.served(files.PAGE, app.current_request.headers.get("if-none-match"))


@app.route("/console/{asset}")
def console_asset(asset: str) -> Response:
    """One of the console's scripts or style sheets, by name.

    Only the console's own files are served; any other name is a 404. Public, with the
    page's security headers and an `ETag` to revalidate against.
    """
    from chalicelib.api import console as files

    return files.asset(asset, app.current_request.headers.get("if-none-match"))


@app.route("/customers/{customerId}/documents/{docType}", methods=["POST"], api_key_required=True)
def generate_document(customerId: str, docType: str) -> Response:
    """Render the customer's letter from the template and store it in S3.

    Reads the customer and the template (the current one, or the version `templateVersion`
    pins) in one consistent BatchGetItem, renders `<greeting>\n<text>` (Jinja2, sandboxed),
    lays it out in the asked format and writes it with one PutObject (SSE) at
    `<customerId>/<docType>.<format>`, replacing any earlier one. The `url` is a presigned
    GET, signed locally, valid for the stage's `DOCUMENT_URL_TTL_SECONDS`.

    With an `Idempotency-Key`, a retry of the same request within 24 hours gets the first
    answer again (a fresh `url`, `Idempotent-Replayed: true`) and writes nothing.
    """
    request = app.current_request
    fmt, pinned = document_format(request), template_version(request)
    once = idempotency_key(request)
    answer = letters.generate_once(once, customerId, docType, fmt, pinned)
    headers = {"Location": f"{request.context['path']}?format={answer.value.format}"}
    if answer.replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(body=to_json(answer.value), status_code=answer.status, headers=headers)


@app.route("/customers/{customerId}/documents/{docType}", methods=["GET"], api_key_required=True)
def get_document(customerId: str, docType: str) -> dict:
    """A stored document's description, with a fresh presigned download link.

    One HeadObject; the link is signed locally. Download with the link: documents are not
    streamed through API Gateway.
    """
    document_fmt = document_format(app.current_request)
    return to_json(letters.describe(customerId, docType, document_fmt))


@app.route("/customers/{customerId}/documents/{docType}", methods=["DELETE"], api_key_required=True)
def delete_document(customerId: str, docType: str) -> Response:
    """Delete a stored document; on a versioned bucket its history stays.

    A HeadObject (for the 404), then a DeleteObject.
    """
    letters.delete_document(customerId, docType, document_format(app.current_request))
    return _no_content()


@app.route("/customers/{customerId}/documents", methods=["GET"], api_key_required=True)
def list_documents(customerId: str) -> dict:
    """The customer's stored documents, a page at a time, by key.

    One ListObjectsV2 under `<customerId>/`.
    """
    return _page(letters.list_documents(customerId, page_request(app.current_request)), to_json)


@app.route("/customers", methods=["GET"], api_key_required=True)
def list_customers() -> dict:
    """List customers, a page at a time, in no particular order.

    A page may be short, even empty, with a `next` token: follow it to the end.
    """
    return _page(customers.list(page_request(app.current_request)))


@app.route("/customers/{customerId}", methods=["PUT"], content_types=JSON, api_key_required=True)
def put_customer(customerId: str) -> Response:
    """Create or replace a customer.

    The version goes up by one on every write; with `If-Match`, only if the stored
    version is the one given.
    """
    request = app.current_request
    body = read_json(request, CUSTOMER_BODY)
    customer, created = customers.put(customerId, body, if_match(request))
    return _resource(customer, 201 if created else 200)


@app.route("/customers/{customerId}", methods=["GET"], api_key_required=True)
def get_customer(customerId: str) -> Response:
    """Read a customer.

    Its version is the `ETag`; give it back as `If-Match` to replace or delete safely.
    """
    return _resource(customers.get(customerId))


@app.route("/customers/{customerId}", methods=["DELETE"], api_key_required=True)
def delete_customer(customerId: str) -> Response:
    """Delete a customer; their documents stay.

    With `If-Match`, only if the stored version is the one given.
    """
    customers.delete(customerId, if_match(app.current_request))
    return _no_content()


@app.route("/letterheads", methods=["GET"], api_key_required=True)
def list_letterheads() -> dict:
    """List letterheads, a page at a time, in no particular order.

    A page may be short, even empty, with a `next` token: follow it to the end.
    """
    return _page(letterheads().list(page_request(app.current_request)))


@app.route("/letterheads/{name}", methods=["PUT"], content_types=JSON, api_key_required=True)
def put_letterhead(name: str) -> Response:
    """Create or replace a letterhead.

    A logo must be a PNG or JPEG of the type it claims, at most 128 KiB and 4000 pixels a
    side, checked from its header: anything else is a 400 that says what is wrong.
    """
    request = app.current_request
    body = read_json(request, letterhead_body())
    letterhead, created = letterheads().put(name, body, if_match(request))
    return _resource(letterhead, 201 if created else 200)


@app.route("/letterheads/{name}", methods=["GET"], api_key_required=True)
def get_letterhead(name: str) -> Response:
    """Read a letterhead.

    Its version is the `ETag`; give it back as `If-Match` to replace or delete safely.
    """
    return _resource(letterheads().get(name))


@app.route("/letterheads/{name}", methods=["DELETE"], api_key_required=True)
def delete_letterhead(name: str) -> Response:
    """Delete a letterhead no template names.

    While a template names it, a 409: point the templates elsewhere first. With `If-Match`,
    only if the stored version is the one given.
    """
    letterheads().delete(name, if_match(app.current_request))
    return _no_content()


@app.route("/templates", methods=["GET"], api_key_required=True)
def list_templates() -> dict:
    """List templates, a page at a time, in no particular order.

    A page may be short, even empty, with a `next` token: follow it to the end.
    """
    return _page(templates.list(page_request(app.current_request)))


@app.route("/templates/{docType}", methods=["PUT"], content_types=JSON, api_key_required=True)
def put_template(docType: str) -> Response:
    """Create or replace a template.

    The text and the greeting are checked for syntax when stored: an error is a 400 that
    gives the line. Every write is kept as a new immutable version, numbered above every
    version the template has had (deleted or not).
    """
    request = app.current_request
    body = read_json(request, TEMPLATE_BODY)
    template, created = templates.put(docType, body, if_match(request))
    return _resource(template, 201 if created else 200)


@app.route("/templates/{docType}", methods=["GET"], api_key_required=True)
def get_template(docType: str) -> Response:
    """Read a template.

    Its version is the `ETag`; give it back as `If-Match` to replace or delete safely.
    """
    return _resource(templates.get(docType))


@app.route("/templates/{docType}", methods=["DELETE"], api_key_required=True)
def delete_template(docType: str) -> Response:
    """Delete a template; documents made from it and its versions stay.

    With `If-Match`, only if the stored version is the one given. Generating without a
    `templateVersion` is then a 404.
    """
    templates.delete(docType, if_match(app.current_request))
    return _no_content()


@app.route("/templates/{docType}/versions", methods=["GET"], api_key_required=True)
def list_template_versions(docType: str) -> dict:
    """List a template's versions, newest first, a page at a time.

    Each write of the template made one, and they stay after it is deleted. Read by number,
    one BatchGetItem a page.
    """
    return _page(versions.list(docType, page_request(app.current_request)), to_json)


@app.route("/templates/{docType}/versions/{version}", methods=["GET"], api_key_required=True)
def get_template_version(docType: str, version: str) -> Response:
    """Read one version of a template.

    A version never changes and stays readable after the template is deleted. Its `ETag` is
    its number.
    """
    return _resource(versions.get(docType, version))


@app.route(
    "/templates/{docType}/preview", methods=["POST"], content_types=JSON, api_key_required=True
)
def preview_template(docType: str) -> dict:
    """Render the letter generation would write, without writing it.

    For a stored customer (`customerId`: the same read and render as generating) or an
    inline one (`customer`, whose `customerId` renders as the empty string), from the
    current template, the version `templateVersion` pins, or an unsaved `template` (checked
    as storing it would be: a 400 gives the line), whose `variables` the answer adds.
    """
    body = read_json(app.current_request, PREVIEW_BODY)
    pinned = body_version(body)
    draft = from_body(Template, docType, body["template"]) if "template" in body else None
    if "customerId" in body:
        customer: str | Customer = body["customerId"]
    else:
        customer = from_body(Customer, "", body["customer"])  # inline: it has no customerId
    answer: dict[str, Any] = {"text": letters.preview(docType, customer, pinned, draft)}
    if draft is not None:
        answer["variables"] = draft.variables
    return answer


@app.route("/batches", methods=["POST"], content_types=JSON, api_key_required=True)
def start_batch() -> Response:
    """Start a batch: one letter per customer, made asynchronously.

    Everything is checked first (ids, format, outputs, webhook URL: a 400; the template and
    its version: a 404); then the batch is stored and its planning queued. A customer that
    does not exist is not an error of the request: its letter fails. With a `webhook`, the
    answer carries its signing secret, this once. With an `Idempotency-Key`, a retry within
    24 hours gets the first answer again and starts nothing.
    """
    request = app.current_request
    body = read_json(request, BATCH_BODY)
    answer = batches().start(idempotency_key(request, request.raw_body), body)
    headers = {"Location": f"/batches/{answer.value['batchId']}"}
    if answer.replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(body=answer.value, status_code=answer.status, headers=headers)


@app.route("/batches", methods=["GET"], api_key_required=True)
def list_batches() -> dict:
    """List batches, newest first, a page at a time.

    Batches are kept 30 days; their letters and outputs stay in S3.
    """
    return _page(batches().list(page_request(app.current_request)), lambda shown: shown)


@app.route("/batches/{batchId}", methods=["GET"], api_key_required=True)
def get_batch(batchId: str) -> dict:
    """A batch's progress and, once it is finished, its outputs with fresh links."""
    return batches().get(batchId)


@app.route("/batches/{batchId}/items", methods=["GET"], api_key_required=True)
def list_batch_items(batchId: str) -> dict:
    """A batch's letters that are done, in the order they were queued, a page at a time.

    `status` keeps only the succeeded or the failed ones; a failed letter's `error` says why.
    """
    request = app.current_request
    status = query(request).get("status")
    return _page(batches().letters(batchId, status, page_request(request)), to_json)


@app.route("/batches/{batchId}/cancel", methods=["POST"], api_key_required=True)
def cancel_batch(batchId: str) -> Response:
    """Stop a batch: letters not yet written are not written.

    A batch that is over already is answered as it is.
    """
    return Response(body=batches().cancel(batchId), status_code=202)


@app.on_sqs_message(queue="docgen-batch-plans", batch_size=1)
def plan_batches(event: Any) -> None:
    """Queue a batch's letters (``chalicelib.services.planner``)."""
    for record in event:
        planner().plan(json.loads(record.body)["batchId"])


@app.on_sqs_message(queue="docgen-letters", batch_size=10, maximum_concurrency=LETTER_WORKERS)
def write_letters(event: Any) -> dict:
    """Make up to ten letters (``chalicelib.services.letter_worker``); those to retry are
    answered as SQS's partial batch failures."""
    retry = letter_worker().run(_queued(event))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in retry]}


def _queued(event: Any) -> list[Any]:
    from chalicelib.services.letter_worker import Queued

    return [Queued.of(r.to_dict()["messageId"], json.loads(r.body)) for r in event]


@app.on_sqs_message(queue="docgen-letters-dlq", batch_size=10)
def fail_dead_letters(event: Any) -> None:
    """Letters whose messages failed every attempt: each is marked failed, never lost."""
    letter_worker().give_up(_queued(event))


@app.on_sqs_message(queue="docgen-batch-finishes", batch_size=1)
def finish_batches(event: Any) -> None:
    """Build a finished batch's outputs and queue its webhook (``services.finisher``)."""
    for record in event:
        finisher().finish(json.loads(record.body)["batchId"])


@app.on_sqs_message(queue="docgen-webhooks", batch_size=1)
def deliver_webhooks(event: Any) -> None:
    """One attempt at a batch's webhook; a failed one is queued again, later."""
    for record in event:
        webhook_sender().send(json.loads(record.body))


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_batches(event: Any) -> None:
    """Queue again what a lost message left undone (``services.sweep``)."""
    sweeper().sweep()


collector.settled()  # the app is built: chalicelib/adapters/collector.py
