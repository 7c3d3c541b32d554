"""Hostile input, route by route: the documented 4xx, nothing written, one clean log line.

Every case is a raw API Gateway proxy event, so the app sees a value the way API Gateway
hands it over (path and query parameters percent-decoded once); Chalice's test client
would refuse or pass through some of them on its own. Each refusal must carry the
documented status and ``Code`` with a message that says what to fix, leave the table and
the bucket as they were, make no AWS call where the contract checks the input first, and
leave exactly one JSON log line (and at most one metric line) with no raw control or
format character and no personal data.

Templates aimed at the sandbox must also end quickly: sizes are capped, so time must be
too. A watchdog interrupts a request that runs past its limit, and the request may only
use about the memory the dev Lambda function has, so a runaway case fails fast here
instead of hanging the suite or filling the machine's memory.
"""

import base64
import contextlib
import json
import re
import resource
import signal
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from chalice.local import LambdaContext
from moto import mock_aws

import app as app_module
from chalicelib.adapters.observability import MAX_LOGGED_CHARS
from chalicelib.api.requests import encode_token
from chalicelib.domain.documents import DEFAULT_FORMAT
from chalicelib.services.letters import LetterService
from tests.support import (
    AWS,
    BUCKET,
    CUSTOMER,
    DOCUMENT,
    DOCUMENTS,
    EVENTS,
    IDENTIFIER_RULE,
    NOW,
    PREVIEW,
    TABLE,
    TEMPLATE,
    app_repository,
    app_store,
    dev_stage,
    fake_aws_environment,
    mocked_account,
    use_services,
)

pytestmark = pytest.mark.usefixtures("dev_environment")

VALID = {"customerId": "ann", "docType": "Welcome"}
"""Both exist, so only the hostile part of a request can be what is wrong with it."""

PERSONAL_NAME = "Ann Privatename"
PERSONAL_IBAN = "DE89370400440532013000"
LETTER_MARKER = "Letterbodymarker"
PERSONAL = (PERSONAL_NAME, "Privatename", PERSONAL_IBAN, LETTER_MARKER)
"""What must never reach the logs: a customer's name and attributes, and letter text."""

REQUEST_SECONDS = 2.0
"""A generous bound for one request: refusals take milliseconds, runaways much longer."""
PDF_SECONDS = 5.0
"""A 1 MiB letter as a PDF is documented at about 1.5 s."""
LAMBDA_MEMORY_BYTES = 512 * 1024 * 1024
"""The dev stage's ``lambda_memory_size``."""
MAX_BODY_BYTES = 256 * 1024

FORMAT_RULE = "format must be one of: txt, html, pdf"
LIMIT_RULE = "limit must be a whole number from 1 to 100"
NEXT_RULE = "next must be a token from this list's previous page"
NOT_JSON = "the body is not valid JSON"
SURROGATE = (
    "the body contains an unpaired surrogate (\\ud800 to \\udfff): text must be valid Unicode"
)
UNSAFE_IN_LOGS = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Unicode categories that break a line or hide or reorder text: escaped, never raw."""

BASE_EVENT = json.loads((EVENTS / "generate_welcome.json").read_text())


# The mocked account, shared by the whole matrix ------------------------------------


Snapshot = tuple[list[Any], list[Any]]


@dataclass
class Account:
    aws: AWS
    letters: LetterService
    baseline: Snapshot | None = None
    """What the table and the bucket held after the last request; None after one that wrote."""

    def snapshot(self) -> Snapshot:
        if self.baseline is None:
            self.baseline = stored(self.aws)
        return self.baseline


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    """One mocked account for every case: there are hundreds, and a refusal writes nothing.

    Each case compares the table and the bucket before and after its own request, so
    sharing them hides nothing; cases that must write (templates to attack the sandbox
    with) use keys of their own.
    """
    with pytest.MonkeyPatch.context() as env, mock_aws():
        # conftest's per-test fixtures are not set up yet: the same setup, for the module.
        fake_aws_environment(env)
        dev_stage(env)
        aws = mocked_account()
        aws.put_item(
            PK={"S": "C#ann"},
            data={"S": PERSONAL_NAME},
            attributes={"M": {"iban": {"S": PERSONAL_IBAN}}},
            version={"N": "3"},
        )
        aws.s3.put_object(Bucket=BUCKET, Key="ann/Welcome.txt", Body=LETTER_MARKER.encode())
        yield Account(aws, LetterService(app_repository(aws), app_store(aws), clock=lambda: NOW))


@pytest.fixture
def hostile(account: Account, monkeypatch: pytest.MonkeyPatch) -> Account:
    """The app's routes served by the shared account's services."""
    use_services(monkeypatch, account.letters)
    return account


def stored(aws: AWS) -> Snapshot:
    """Everything in the table and the bucket, to compare before and after a request."""
    items = aws.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    listing = aws.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return (
        sorted(items, key=lambda item: item["PK"]["S"]),
        [(o["Key"], o["ETag"], o["Size"], o["LastModified"]) for o in listing],
    )


# Raw events, and running one under a watchdog --------------------------------------


def event(
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | bytes | None = None,
    content_type: str | None = "application/json",
) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the Lambda function receives it.

    Parameters arrive decoded; the path shows them encoded, as a client sent them. A
    ``bytes`` body arrives base64-encoded, the only way it can hold invalid UTF-8.
    """
    path = resource
    for name, value in (params or {}).items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    headers = dict(BASE_EVENT["headers"])
    if content_type is not None:
        headers["Content-Type"] = content_type
    return {
        **BASE_EVENT,
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in query.items()} if query else None
        ),
        "pathParameters": params,
        "requestContext": {
            **BASE_EVENT["requestContext"],
            "resourcePath": resource,
            "httpMethod": method,
            "path": "/api" + path,
        },
        "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
        "isBase64Encoded": isinstance(body, bytes),
    }


class Overran(BaseException):
    """Raised by the watchdog; a BaseException, so no ``except Exception`` in the app hides it."""


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds``, then re-arm pytest-timeout's own alarm."""

    def interrupt(*_: Any) -> None:
        raise Overran

    previous = signal.signal(signal.SIGALRM, interrupt)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.01))


@contextlib.contextmanager
def lambda_memory() -> Iterator[None]:
    """Let the block allocate about as much as the dev function has (Linux only).

    On Lambda a request that builds gigabytes is killed for memory and API Gateway
    answers 502 without a log line; here it gets a ``MemoryError`` instead of filling
    the test machine.
    """
    try:
        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = in_use + LAMBDA_MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    calls: list[str]
    log: str


def send(
    account: Account,
    capsys: pytest.CaptureFixture,
    request: dict[str, Any],
    seconds: float = REQUEST_SECONDS,
) -> Outcome:
    """Run one request through the Lambda entry point, within ``seconds`` and Lambda's memory."""
    account.aws.calls.clear()
    capsys.readouterr()
    started = time.monotonic()
    try:
        with watchdog(seconds), lambda_memory():
            response = app_module.app(request, LambdaContext("docgen-dev", 512))
    except Overran:
        pytest.fail(
            f"{request['httpMethod']} {request['path'][:100]} ran for "
            f"{time.monotonic() - started:.1f} s; the limit is {seconds} s"
        )
    if response["statusCode"] < 400:
        account.baseline = None  # it may have written
    return Outcome(
        status=response["statusCode"],
        body=json.loads(response["body"]) if response["body"] else None,
        calls=list(account.aws.calls),
        log=capsys.readouterr().out,
    )


def cut(value: str) -> str:
    return value if len(value) <= MAX_LOGGED_CHARS else value[:MAX_LOGGED_CHARS] + "..."


def assert_one_clean_log_line(log: str, request: dict[str, Any], status: int) -> None:
    """One JSON ``request`` line with at most its one count, nothing raw, nothing personal."""
    unsafe = sorted(
        {char for char in set(log) - {"\n"} if unicodedata.category(char) in UNSAFE_IN_LOGS}
    )
    assert not unsafe, f"raw control or format characters in the log: {unsafe!r}"
    for private in PERSONAL:
        assert private not in log
    # Lambda makes one CloudWatch event of each "\n"-terminated line.
    assert log.endswith("\n")
    lines = []
    for line in log.split("\n")[:-1]:
        try:
            lines.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not one JSON log line: {line[:300]!r}")
    [logged] = [line for line in lines if line.get("message") == "request"]
    assert lines == [logged]  # the request's count, if any, is on its line
    assert len(logged.get("_aws", {"CloudWatchMetrics": []})["CloudWatchMetrics"]) <= 1
    assert (logged["method"], logged["route"], logged["status"]) == (
        request["httpMethod"],
        request["resource"],
        status,
    )
    for name, value in (request["pathParameters"] or {}).items():
        assert logged[name] == cut(value)  # the app really saw the hostile value
    query = request["queryStringParameters"] or {}
    if "LettersGenerated" in logged:  # a letter was made: its format, as made
        assert logged["format"] == query.get("format", DEFAULT_FORMAT)
    elif "format" in query:
        assert logged["format"] == cut(query["format"])


def assert_refused(
    account: Account,
    capsys: pytest.CaptureFixture,
    request: dict[str, Any],
    status: int,
    code: str,
    message: str | re.Pattern[str],
    calls: tuple[str, ...] = (),
    seconds: float = REQUEST_SECONDS,
) -> Outcome:
    """The request is refused as documented, quickly, and changes nothing."""
    before = account.snapshot()
    outcome = send(account, capsys, request, seconds)
    after = account.baseline = stored(account.aws)
    assert outcome.status == status, outcome.body
    assert outcome.body["Code"] == code
    if isinstance(message, str):
        assert outcome.body["Message"] == message
    else:
        assert message.fullmatch(outcome.body["Message"]), outcome.body["Message"]
    assert after == before, "a refused request changed the table or the bucket"
    assert outcome.calls == list(calls)
    assert_one_clean_log_line(outcome.log, request, status)
    return outcome


def put_template(
    account: Account,
    capsys: pytest.CaptureFixture,
    doc_type: str,
    text: str,
    greeting: str | None = None,
    markup: str | None = None,
) -> None:
    """Store a template through the API (syntax-checked), as an attacker would."""
    body = {"text": text} | ({} if greeting is None else {"greeting": greeting})
    body |= {} if markup is None else {"markup": markup}
    outcome = send(
        account, capsys, event("PUT", TEMPLATE, {"docType": doc_type}, None, json.dumps(body))
    )
    assert outcome.status in (200, 201), outcome.body


# Identifiers ------------------------------------------------------------------------

HOSTILE_IDENTIFIERS = {
    "dotdot": "..",
    "dot": ".",
    "traversal": "../x",
    "traversal-deep": "../../etc/passwd",
    "backslash-traversal": "..\\..\\x",
    "percent-encoded-seen-once-decoded": "%2e%2e%2f",
    "double-encoded": "%252e%252e%252f",
    "encoded-slash": "a%2Fb",
    "nul": "Test\x00Customer",
    "crlf-forged-log-line": 'x\r\n{"level":"INFO","message":"request","status":200}',
    "trailing-newline": "ann\n",
    "del": "ann\x7f",
    "c1-csi": "ann\x9b2J",
    "nel": "ann\x85x",
    "rtl-override": "ann\u202etxt.exe",
    "zero-width-space": "an\u200bn",
    "bom": "\ufeffann",
    "line-separator": "ann\u2028x",
    "cyrillic-look-alike": "\u0430nn",
    "fullwidth": "\uff41\uff4e\uff4e",
    "arabic-indic-digits": "\u0661\u0662\u0663",
    "superscript-two": "\u00b2",
    "combining-accent": "a\u0301nn",
    "65-chars": "a" * 65,
    "10k-chars": "a" * 10_000,
    "empty": "",
    "space": " ",
    "tab": "\t",
    "leading-dot": ".hidden",
    "leading-dash": "-rf",
    "leading-underscore": "_x",
    "space-inside": "an n",
    "glob": "*",
}


Slot = Callable[[str], tuple[dict[str, Any], str]]
"""Where a hostile identifier goes: the request that carries it, and the expected message."""


def in_path(method: str, resource: str, field: str, body: Any = None) -> Slot:
    """``value`` as the path parameter ``field``, everything else valid."""

    def build(value: str) -> tuple[dict[str, Any], str]:
        params = {name: VALID[name] for name in re.findall(r"{(\w+)}", resource)}
        params[field] = value
        raw = None if body is None else json.dumps(body)
        return event(method, resource, params, body=raw), f"{field} {IDENTIFIER_RULE}"

    return build


def in_preview_body(value: str) -> tuple[dict[str, Any], str]:
    """``value`` as the body's ``customerId``: its schema checks it before the service does."""
    request = event("POST", PREVIEW, {"docType": "Welcome"}, body=json.dumps({"customerId": value}))
    return request, "customerId must match pattern ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


IDENTIFIER_SLOTS: dict[str, Slot] = {
    "generate.customerId": in_path("POST", DOCUMENT, "customerId"),
    "generate.docType": in_path("POST", DOCUMENT, "docType"),
    "describe.customerId": in_path("GET", DOCUMENT, "customerId"),
    "describe.docType": in_path("GET", DOCUMENT, "docType"),
    "delete-document.customerId": in_path("DELETE", DOCUMENT, "customerId"),
    "delete-document.docType": in_path("DELETE", DOCUMENT, "docType"),
    "list-documents.customerId": in_path("GET", DOCUMENTS, "customerId"),
    "put-customer": in_path("PUT", CUSTOMER, "customerId", {"name": PERSONAL_NAME}),
    "get-customer": in_path("GET", CUSTOMER, "customerId"),
    "delete-customer": in_path("DELETE", CUSTOMER, "customerId"),
    "put-template": in_path("PUT", TEMPLATE, "docType", {"text": LETTER_MARKER}),
    "get-template": in_path("GET", TEMPLATE, "docType"),
    "delete-template": in_path("DELETE", TEMPLATE, "docType"),
    "preview.docType": in_path("POST", PREVIEW, "docType", {"customer": {"name": PERSONAL_NAME}}),
    "preview.body.customerId": in_preview_body,
}


@pytest.mark.parametrize("value", HOSTILE_IDENTIFIERS.values(), ids=HOSTILE_IDENTIFIERS.keys())
@pytest.mark.parametrize("slot", IDENTIFIER_SLOTS)
def test_hostile_identifier_is_400_before_any_aws_call(
    hostile: Account, capsys: pytest.CaptureFixture, slot: str, value: str
) -> None:
    """Traversal, encodings, controls, look-alikes and lengths never reach a key."""
    request, message = IDENTIFIER_SLOTS[slot](value)
    assert_refused(hostile, capsys, request, 400, "BadRequestError", message)


# Query parameters -------------------------------------------------------------------

HOSTILE_FORMATS = {
    "unknown": "docx",
    "upper-case": "TXT",
    "mixed-case": "Pdf",
    "leading-space": " txt",
    "trailing-space": "txt ",
    "nul": "txt\x00",
    "crlf": "txt\r\n",
    "empty": "",
    "list": "txt,pdf",
    "traversal": "../txt",
    "dot-extension": ".txt",
    "cyrillic-look-alike": "t\u0445t",
    "rtl-override": "\u202etxt",
    "10k-chars": "x" * 10_000,
}
FORMAT_ROUTES = {"generate": "POST", "describe": "GET", "delete-document": "DELETE"}


@pytest.mark.parametrize("value", HOSTILE_FORMATS.values(), ids=HOSTILE_FORMATS.keys())
@pytest.mark.parametrize("method", FORMAT_ROUTES.values(), ids=FORMAT_ROUTES.keys())
def test_hostile_format_is_400_before_any_aws_call(
    hostile: Account, capsys: pytest.CaptureFixture, method: str, value: str
) -> None:
    request = event(method, DOCUMENT, dict(VALID), {"format": value})
    assert_refused(hostile, capsys, request, 400, "BadRequestError", FORMAT_RULE)


LISTS = {
    "customers": ("/customers", None, "C#"),
    "templates": ("/templates", None, "D#"),
    "documents": (DOCUMENTS, {"customerId": "ann"}, "ann/"),
}
HOSTILE_LIMITS = {
    "zero": "0",
    "negative": "-1",
    "over-max": "101",
    "exponent": "1e3",
    "decimal": "1.5",
    "leading-space": " 10",
    "plus": "+10",
    "hex": "0x10",
    "empty": "",
    "nul": "10\x00",
    "30-digits": "9" * 30,
    "5000-digits": "1" * 5000,
    "superscript-digit": "\u00b2",
    "fullwidth-digits": "\uff11\uff10",
}


@pytest.mark.parametrize("value", HOSTILE_LIMITS.values(), ids=HOSTILE_LIMITS.keys())
@pytest.mark.parametrize("listing", LISTS)
def test_hostile_limit_is_400_before_any_aws_call(
    hostile: Account, capsys: pytest.CaptureFixture, listing: str, value: str
) -> None:
    resource, params, _ = LISTS[listing]
    request = event("GET", resource, params, {"limit": value})
    assert_refused(hostile, capsys, request, 400, "BadRequestError", LIMIT_RULE)


def b64(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


HOSTILE_CURSORS: dict[str, Callable[[str], str]] = {
    "garbage": lambda _: "garbage",
    "empty": lambda _: "",
    "not-base64": lambda _: "%%%",
    "padding-only": lambda _: "====",
    "10k-chars": lambda _: "A" * 10_000,
    "json-array": lambda _: b64("[1]"),
    "json-null": lambda _: b64("null"),
    "json-string": lambda _: b64('"x"'),
    "json-infinity": lambda _: b64("1e999"),
    "after-not-a-string": lambda _: b64('{"after": 5}'),
    "invalid-utf8": lambda _: b64(b"\xff\xfe{"),
    "deeply-nested": lambda _: b64("[" * 3000),
    "traversal-key": lambda prefix: encode_token(prefix + "../x"),
    "deep-traversal-key": lambda prefix: encode_token(prefix + "x/../../C#TestCustomer"),
    "prefix-only": lambda prefix: encode_token(prefix),
    "nul-in-key": lambda prefix: encode_token(prefix + "ann\x00"),
    "other-list": lambda prefix: encode_token("D#Welcome" if prefix == "C#" else "C#ann"),
    "another-customers-document": lambda _: encode_token("TestCustomer/Welcome.txt"),
}


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS.values(), ids=HOSTILE_CURSORS.keys())
@pytest.mark.parametrize("listing", LISTS)
def test_hostile_next_is_400_before_any_aws_call(
    hostile: Account, capsys: pytest.CaptureFixture, listing: str, cursor: Callable[[str], str]
) -> None:
    """Only a token this very list gave out continues it: no other key, no other customer."""
    resource, params, prefix = LISTS[listing]
    request = event("GET", resource, params, {"next": cursor(prefix)})
    assert_refused(hostile, capsys, request, 400, "BadRequestError", NEXT_RULE)


# Bodies -----------------------------------------------------------------------------

BODY_ROUTES = {
    "put-customer": ("PUT", CUSTOMER, {"customerId": "ann"}),
    "put-template": ("PUT", TEMPLATE, {"docType": "Welcome"}),
    "preview": ("POST", PREVIEW, {"docType": "Welcome"}),
}
OVER_LIMIT = json.dumps({"name": PERSONAL_NAME, "pad": "x" * MAX_BODY_BYTES})
HOSTILE_BODIES: dict[str, tuple[str | bytes | None, int, str, str]] = {
    "over-256-kib": (
        OVER_LIMIT,
        413,
        "PayloadTooLargeError",
        f"the body is {len(OVER_LIMIT)} bytes; at most {MAX_BODY_BYTES} are accepted",
    ),
    "over-256-kib-not-json": (
        b"\xff" * (MAX_BODY_BYTES + 1),
        413,
        "PayloadTooLargeError",
        f"the body is {MAX_BODY_BYTES + 1} bytes; at most {MAX_BODY_BYTES} are accepted",
    ),
    "absent": (None, 400, "BadRequestError", NOT_JSON),
    "empty": ("", 400, "BadRequestError", NOT_JSON),
    "whitespace": (" \r\n\t", 400, "BadRequestError", NOT_JSON),
    "not-json": ("{bad", 400, "BadRequestError", NOT_JSON),
    "trailing-garbage": ('{"name": "A"} x', 400, "BadRequestError", NOT_JSON),
    "two-documents": ("{} {}", 400, "BadRequestError", NOT_JSON),
    "single-quotes": ("{'name': 'A'}", 400, "BadRequestError", NOT_JSON),
    "nan": ('{"name": NaN}', 400, "BadRequestError", NOT_JSON),
    "infinity": ('{"name": Infinity}', 400, "BadRequestError", NOT_JSON),
    "minus-infinity": ('{"name": -Infinity}', 400, "BadRequestError", NOT_JSON),
    "deeply-nested-arrays": ("[" * 100_000 + "]" * 100_000, 400, "BadRequestError", NOT_JSON),
    "deeply-nested-objects": ('{"a": ' * 40_000, 400, "BadRequestError", NOT_JSON),
    "invalid-utf8": (b'{"name": "\xff"}', 400, "BadRequestError", NOT_JSON),
    "truncated-utf8": (b'{"name": "A\xc3"}', 400, "BadRequestError", NOT_JSON),
    "overlong-utf8-slash": (b'{"name": "\xc0\xaf"}', 400, "BadRequestError", NOT_JSON),
    "surrogate-bytes": (b'{"name": "\xed\xa0\x80"}', 400, "BadRequestError", SURROGATE),
    "escaped-high-surrogate": ('{"name": "a\\ud800b"}', 400, "BadRequestError", SURROGATE),
    "escaped-low-surrogate": ('{"name": "\\udfff"}', 400, "BadRequestError", SURROGATE),
    "surrogate-in-a-key": ('{"\\ud800": 1}', 400, "BadRequestError", SURROGATE),
    "array": ("[]", 400, "BadRequestError", "body must be object"),
    "string": ('"x"', 400, "BadRequestError", "body must be object"),
    "null": ("null", 400, "BadRequestError", "body must be object"),
    "number": ("1", 400, "BadRequestError", "body must be object"),
    "boolean": ("true", 400, "BadRequestError", "body must be object"),
}
UNSTORABLE_NUMBERS = {
    "overflow": "1e400",
    "negative-overflow": "-1e400",
    "underflow": "1e-200",
    "just-too-large": "1e126",
    "39-digits": "123456789012345678901234567890123456789",
    "negative-39-digits": "-123456789012345678901234567890123456789",
    "5000-digits": "1" * 5000,
}
WRONG_CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "text/json",
    "application/json-patch+json",
]


@pytest.mark.parametrize("case", HOSTILE_BODIES)
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_hostile_body_is_refused_before_any_aws_call(
    hostile: Account, capsys: pytest.CaptureFixture, route: str, case: str
) -> None:
    method, resource, params = BODY_ROUTES[route]
    body, status, code, message = HOSTILE_BODIES[case]
    request = event(method, resource, params, body=body)
    assert_refused(hostile, capsys, request, status, code, message)


@pytest.mark.parametrize("number", UNSTORABLE_NUMBERS.values(), ids=UNSTORABLE_NUMBERS.keys())
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_number_dynamodb_cannot_store_is_400(
    hostile: Account, capsys: pytest.CaptureFixture, route: str, number: str
) -> None:
    """Anywhere in any body: parsing refuses it before the schema looks."""
    method, resource, params = BODY_ROUTES[route]
    request = event(method, resource, params, body='{"name": "A", "n": [' + number + "]}")
    message = (
        f"the number {number[:50]} cannot be stored: numbers may have at most 38 significant "
        "digits and be 0 or between 1e-130 and 1e126 in size"
    )
    assert_refused(hostile, capsys, request, 400, "BadRequestError", message)


@pytest.mark.parametrize("content_type", WRONG_CONTENT_TYPES)
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_wrong_content_type_is_415(
    hostile: Account, capsys: pytest.CaptureFixture, route: str, content_type: str
) -> None:
    method, resource, params = BODY_ROUTES[route]
    body = json.dumps({"name": PERSONAL_NAME, "text": LETTER_MARKER})
    request = event(method, resource, params, body=body, content_type=content_type)
    message = f"Unsupported media type: {content_type}"
    assert_refused(hostile, capsys, request, 415, "UnsupportedMediaType", message)


CUSTOMER_FIELDS: dict[str, tuple[Any, str]] = {
    "name-number": ({"name": 5}, "name must be string"),
    "name-null": ({"name": None}, "name must be string"),
    "name-boolean": ({"name": True}, "name must be string"),
    "name-array": ({"name": [PERSONAL_NAME]}, "name must be string"),
    "name-object": ({"name": {"first": PERSONAL_NAME}}, "name must be string"),
    "name-empty": ({"name": ""}, "name must be longer than or equal to 1 characters"),
    "name-201-chars": (
        {"name": "x" * 201},
        "name must be shorter than or equal to 200 characters",
    ),
    "name-nul": ({"name": "Ann\x00"}, "name must not contain control characters"),
    "name-crlf": ({"name": "Ann\r\nX"}, "name must not contain control characters"),
    "name-c1-control": ({"name": "Ann\x9b"}, "name must not contain control characters"),
    "name-missing": ({"attributes": {}}, "body must contain ['name'] properties"),
    "attributes-array": ({"name": "A", "attributes": []}, "attributes must be object"),
    "attributes-string": ({"name": "A", "attributes": "x"}, "attributes must be object"),
    "attributes-null": ({"name": "A", "attributes": None}, "attributes must be object"),
    "attribute-object": (
        {"name": "A", "attributes": {"k": {"nested": 1}}},
        "attributes.k must be string or number or boolean or null",
    ),
    "attribute-array": (
        {"name": "A", "attributes": {"k": [1]}},
        "attributes.k must be string or number or boolean or null",
    ),
    "attribute-2001-chars": (
        {"name": "A", "attributes": {"k": "x" * 2001}},
        "attributes.k must be shorter than or equal to 2000 characters",
    ),
    "attribute-name-digit-first": (
        {"name": "A", "attributes": {"1st": 1}},
        "attributes must have names of letters, digits and '_' (not starting with a "
        "digit), at most 64 characters",
    ),
    "attribute-name-dunder-dot": (
        {"name": "A", "attributes": {"__class__.x": 1}},
        "attributes must have names of letters, digits and '_' (not starting with a "
        "digit), at most 64 characters",
    ),
    "51-attributes": (
        {"name": "A", "attributes": {f"k{i}": i for i in range(51)}},
        "attributes must contain less than or equal to 50 properties",
    ),
    "extra-field": ({"name": "A", "extra": 1}, "body must not contain {'extra'} properties"),
    "extra-version": ({"name": "A", "version": 9}, "body must not contain {'version'} properties"),
    "extra-customerId": (
        {"name": "A", "customerId": "bob"},
        "body must not contain {'customerId'} properties",
    ),
}
TEMPLATE_FIELDS: dict[str, tuple[Any, str]] = {
    "text-number": ({"text": 5}, "text must be string"),
    "text-null": ({"text": None}, "text must be string"),
    "text-array": ({"text": ["x"]}, "text must be string"),
    "text-object": ({"text": {}}, "text must be string"),
    "text-missing": ({"greeting": "Hi"}, "body must contain ['text'] properties"),
    "text-over-100-kib": (
        {"text": "x" * (100 * 1024 + 1)},
        "text must be shorter than or equal to 102400 characters",
    ),
    "greeting-number": ({"text": "x", "greeting": 5}, "greeting must be string"),
    "greeting-null": ({"text": "x", "greeting": None}, "greeting must be string"),
    "greeting-1001-chars": (
        {"text": "x", "greeting": "x" * 1001},
        "greeting must be shorter than or equal to 1000 characters",
    ),
    "description-array": ({"text": "x", "description": []}, "description must be string"),
    "extra-version": ({"text": "x", "version": 1}, "body must not contain {'version'} properties"),
    "extra-docType": (
        {"text": "x", "docType": "Other"},
        "body must not contain {'docType'} properties",
    ),
}
PREVIEW_FIELDS: dict[str, tuple[Any, str]] = {
    "customerId-number": ({"customerId": 5}, "customerId must be string"),
    "customerId-null": ({"customerId": None}, "customerId must be string"),
    "customerId-array": ({"customerId": ["ann"]}, "customerId must be string"),
    "customer-string": ({"customer": "ann"}, "customer must be object"),
    "customer-array": ({"customer": []}, "customer must be object"),
    "customer-null": ({"customer": None}, "customer must be object"),
    "customer-name-number": ({"customer": {"name": 5}}, "customer.name must be string"),
    "customer-name-control": (
        {"customer": {"name": "A\x1b[2J"}},
        "customer.name must not contain control characters",
    ),
    "customer-attributes-array": (
        {"customer": {"name": "A", "attributes": []}},
        "customer.attributes must be object",
    ),
    "customer-extra-field": (
        {"customer": {"name": "A", "extra": 1}},
        "customer must not contain {'extra'} properties",
    ),
    "neither": ({}, "body must have exactly one of customerId and customer"),
    "both": (
        {"customerId": "ann", "customer": {"name": "A"}},
        "body must have exactly one of customerId and customer",
    ),
    "extra-field": (
        {"customerId": "ann", "extra": 1},
        "body must not contain {'extra'} properties",
    ),
}
FIELD_CASES = [
    pytest.param("put-customer", payload, message, id=f"put-customer-{name}")
    for name, (payload, message) in CUSTOMER_FIELDS.items()
] + [
    pytest.param(route, payload, message, id=f"{route}-{name}")
    for route, cases in (("put-template", TEMPLATE_FIELDS), ("preview", PREVIEW_FIELDS))
    for name, (payload, message) in cases.items()
]


@pytest.mark.parametrize(("route", "payload", "message"), FIELD_CASES)
def test_wrong_field_is_400_naming_the_field(
    hostile: Account, capsys: pytest.CaptureFixture, route: str, payload: Any, message: str
) -> None:
    """Wrong types, sizes, controls and extra fields: the message names the field."""
    method, resource, params = BODY_ROUTES[route]
    request = event(method, resource, params, body=json.dumps(payload))
    assert_refused(hostile, capsys, request, 400, "BadRequestError", message)


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_no_nesting_depth_is_a_500(
    hostile: Account, capsys: pytest.CaptureFixture, route: str
) -> None:
    """Every depth up to past the recursion limit is a 400: parsed and refused, or too deep.

    Parsing and the Unicode check both recurse, from different stack depths, so one
    depth can pass the first and break the second.
    """
    method, resource, params = BODY_ROUTES[route]
    before = stored(hostile.aws)
    answers: dict[tuple[int, str], list[int]] = {}
    limit = sys.getrecursionlimit()
    for depth in range(limit // 2, limit + 10):
        request = event(method, resource, params, body="[" * depth + "]" * depth)
        outcome = send(hostile, capsys, request)
        answers.setdefault((outcome.status, outcome.body["Message"]), []).append(depth)
        assert outcome.calls == []
        if outcome.status < 500:  # a 500 is reported below, with the depths that give it
            assert_one_clean_log_line(outcome.log, request, outcome.status)
    assert stored(hostile.aws) == before
    depths_by_answer = {answer: (min(depths), max(depths)) for answer, depths in answers.items()}
    assert set(answers) <= {(400, "body must be object"), (400, NOT_JSON)}, depths_by_answer


# Templates aimed at the renderer --------------------------------------------------

NOT_ALLOWED = "line 1: {} is not allowed"
METHOD_CALL = "line 1: method calls are not allowed"
UNDERSCORE = "line 1: names starting with _ are not allowed"
ONLY_RANGE = "line 1: the only function a template may call is range()"
REFUSED_WHEN_STORED: dict[str, tuple[str, str]] = {
    # The probe that ended the whack-a-mole on full Jinja2 (issue 11), then the SSTI
    # payload lists: dunders, globals, frames, formatters, loaders.
    "urlize-quadratic": (
        '{{ ("." * 20000 ~ "a.")|urlize|length }}',
        "line 1: unknown filter 'urlize'",
    ),
    "select-in": (
        "{% set big='a'*1000000 %}{% set n=('aaaab '*3000).split() %}"
        "{{ n|select('in', big)|list|length }}",
        METHOD_CALL,
    ),
    "bytes-escape": ('{% set b = ("x" * 1000000).encode() * 600 %}{{ b|length }}', METHOD_CALL),
    "cycler": ("{{ cycler() }}", ONLY_RANGE),
    "xmlattr": ('{{ "x"|xmlattr }}', "line 1: unknown filter 'xmlattr'"),
    "dunder-class": ("{{ name.__class__ }}", UNDERSCORE),
    "subclasses": ("{{ name.__class__.__mro__[1].__subclasses__() }}", METHOD_CALL),
    "subclasses-without-a-call": ("{{ name.__class__.__mro__[1] }}", UNDERSCORE),
    "mro-of-a-type": ("{{ dict.mro() }}", METHOD_CALL),
    "cycler-globals": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", METHOD_CALL),
    "joiner-globals": ("{{ joiner.__init__.__globals__ }}", UNDERSCORE),
    "self-context": ("{{ self._TemplateReference__context }}", UNDERSCORE),
    "lipsum-globals": ("{{ lipsum.__globals__['os'] }}", UNDERSCORE),
    "request-application": (
        "{{ request.application.__globals__.__builtins__.__import__('os') }}",
        METHOD_CALL,
    ),
    "range-globals": ("{{ range.__globals__ }}", UNDERSCORE),
    "generator-frame": ("{{ range(1).gi_frame.f_globals.clear() }}", METHOD_CALL),
    "attr-filter": ("{{ name|attr('__class__') }}", "line 1: unknown filter 'attr'"),
    "subscript-dunder": ("{{ name['__class__'] }}", UNDERSCORE),
    "format-method": ("{{ '{0.__class__}'.format(name) }}", METHOD_CALL),
    "format-filter": ("{{ '%s'|format(name) }}", "line 1: unknown filter 'format'"),
    "config-items": ("{{ config.items() }}", METHOD_CALL),
    "power-tower": ("{{ 9**9**9 }}", "line 1: ** is not allowed"),
    "huge-literal": ("{{ " + "9" * 100 + " }}", "line 1: a number grew past 60 digits"),
    "include": ("{% include 'secrets.txt' %}", NOT_ALLOWED.format("{% include %}")),
    "import": ("{% import 'macros' as m %}", NOT_ALLOWED.format("{% import %}")),
    "from-import": ("{% from 'macros' import x %}", NOT_ALLOWED.format("{% from %}")),
    "extends": ("{% extends 'base' %}", NOT_ALLOWED.format("{% extends %}")),
    "macro": ("{% macro f() %}{{ f() }}{% endmacro %}", NOT_ALLOWED.format("{% macro %}")),
    "call-block": ("{% call range(1) %}x{% endcall %}", NOT_ALLOWED.format("{% call %}")),
    "filter-block": ("{% filter upper %}x{% endfilter %}", NOT_ALLOWED.format("{% filter %}")),
    "set-block": ("{% set x %}y{% endset %}", NOT_ALLOWED.format("{% set (as a block) %}")),
    "with": ("{% with x = 1 %}{% endwith %}", NOT_ALLOWED.format("{% with %}")),
    "autoescape": (
        "{% autoescape false %}x{% endautoescape %}",
        NOT_ALLOWED.format("{% autoescape %}"),
    ),
    "recursive-loop": (
        "{% for x in [1] recursive %}{{ loop(x) }}{% endfor %}",
        "line 1: recursive loops are not allowed",
    ),
    "namespace-attribute-set": (
        "{% set ns = {} %}{% set ns.x = 1 %}",
        "line 1: only names can be assigned to",
    ),
    "star-args": ("{{ name|truncate(*[5]) }}", "line 1: * and ** arguments are not allowed"),
    "filter-arguments": ("{{ name|upper(1) }}", "line 1: upper: too many positional arguments"),
    "deep-brackets": (
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        "brackets may be nested at most 30 deep",
    ),
    "deep-blocks": ("{% if 1 %}" * 100 + "{% endif %}" * 100, "line 1: nested more than 60 deep"),
    "too-many-tags": (
        "{{a}}" * 4_001,
        "a text may hold at most 4000 {{ }} and {% %} tags, not 4001",
    ),
    "too-much-code": (
        "{{ '" + "x" * 33_000 + "' }}",
        "the {{ }} and {% %} tags may hold at most 32768 characters in all, not 33004",
    ),
}


@pytest.mark.parametrize("case", REFUSED_WHEN_STORED)
def test_template_outside_the_subset_is_400_naming_it_and_not_stored(
    hostile: Account, capsys: pytest.CaptureFixture, case: str
) -> None:
    text, problem = REFUSED_WHEN_STORED[case]
    request = event("PUT", TEMPLATE, {"docType": "Welcome"}, body=json.dumps({"text": text}))
    assert_refused(hostile, capsys, request, 400, "BadRequestError", f"text, {problem}")


OVER_64_MIB = "the template would use more than 64 MiB of memory"
OVER_1_S = "the template ran for more than 1 s of CPU"
LONGER_THAN_1_MIB = "a text would be longer than 1 MiB"
RENDERED_422: dict[str, tuple[str, str]] = {
    # Each is stored (it is in the subset) and stopped by a bound while it runs.
    "string-times-10-to-the-9": ("{{ 'x' * 1000000000 }}", LONGER_THAN_1_MIB),
    "string-times-in-two-steps": ("{{ 'x' * 1000000 * 1000 }}", LONGER_THAN_1_MIB),
    "list-times-in-two-steps": (
        "{{ [0] * 100000 * 1000 }}",
        "a list or map would have more than 100000 items",
    ),
    "concat-doubling": (
        "{% set s = 'x' * 1000 %}" + "{% set s = s ~ s %}" * 11,
        LONGER_THAN_1_MIB,
    ),
    "allocation-in-a-loop": (
        "{% for i in range(100000) %}{% set c = 'x' * 1000 %}{% endfor %}",
        OVER_64_MIB,
    ),
    "replace-growth": (
        "{{ ('x' * 1000)|replace('x', 'y' * 1000000) }}",
        "replace: " + LONGER_THAN_1_MIB,
    ),
    "replace-between-every-character": (
        "{{ ('x' * 1000000)|replace('', 'y') }}",
        "replace: " + LONGER_THAN_1_MIB,
    ),
    "join-huge-separator": (
        "{{ ('x' * 1000)|list|join('y' * 1000000) }}",
        "join: " + LONGER_THAN_1_MIB,
    ),
    "range-10-to-the-9": (
        "{{ range(1000000000)|list }}",
        "range() may give at most 100000 numbers",
    ),
    "nested-loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "the template loops more than 100000 times",
    ),
    "in-over-a-big-text": (
        "{% set big = 'a' * 1000000 %}{% for w in range(100000) %}"
        "{% if 'aaaab' in big %}{% endif %}{% endfor %}",
        OVER_1_S,
    ),
    "sort-in-a-loop": (
        "{% set l = range(100000)|list %}{% for w in range(100000) %}{% set x = l|sort %}"
        "{% endfor %}",
        re.compile(f"(sort: )?({OVER_1_S}|{OVER_64_MIB})"),
    ),
    "print-a-shared-list": (
        "{% set a = [0] * 100000 %}{{ [a] * 100 }}",
        "the letter would be larger than 1 MiB",
    ),
    "whole-number-growth": (
        "{% set n = 99999999999999999999 %}{% set n = n * n %}{% set n = n * n %}{{ n }}",
        "a number grew past 60 digits",
    ),
    "undefined-printed": ("Dear {{ attributes.title }}", "attributes.title is undefined"),
    "division-by-zero": ("{{ 1 / 0 }}", "division by zero"),
    "truncate-negative": (
        "{{ ''|truncate(-5) }}",
        "truncate: length must be a whole number from 3 to 1048576",
    ),
    "text-arithmetic": ("{{ name - 1 }}", "- needs two numbers, not a text and a number"),
    "percent-format": ("{{ '%999999999d' % 1 }}", "% needs two numbers, not a text and a number"),
    "generator-frame": (
        "{{ range(1).gi_frame.f_globals }}",
        "range(...).gi_frame.f_globals is undefined",
    ),
}


@pytest.mark.parametrize("case", RENDERED_422)
def test_template_that_runs_into_a_bound_is_422_fast_and_writes_nothing(
    hostile: Account, capsys: pytest.CaptureFixture, case: str
) -> None:
    """Stored (it is in the subset), then generated and previewed: a quick 422 each time,
    within the dev function's memory (``send`` caps it)."""
    text, reason = RENDERED_422[case]
    doc_type = f"Bound-{case}"[:64]
    put_template(hostile, capsys, doc_type, text)
    why = reason.pattern if isinstance(reason, re.Pattern) else re.escape(reason)
    prefix = re.escape(f"template {doc_type} cannot be rendered: line 1: ")
    message = re.compile(prefix + f"(?:{why})")
    inline = {"customer": {"name": PERSONAL_NAME, "attributes": {"iban": PERSONAL_IBAN}}}

    generate = event("POST", DOCUMENT, {"customerId": "ann", "docType": doc_type})
    preview = event("POST", PREVIEW, {"docType": doc_type}, body=json.dumps(inline))
    code = "UnprocessableEntityError"
    assert_refused(hostile, capsys, generate, 422, code, message, ("BatchGetItem",))
    assert_refused(hostile, capsys, preview, 422, code, message, ("GetItem",))


SYNTAX_ERRORS: dict[str, tuple[dict[str, str], str]] = {
    "unclosed-expression": (
        {"text": "{{ name.__class__ "},
        "text, line 1: syntax error: unexpected end of template, expected 'end of print "
        "statement'.",
    ),
    "unclosed-block": (
        {"text": "{% for x in attributes %}"},
        "text, line 1: syntax error: Unexpected end of template. Jinja was looking for the "
        "following tags: 'endfor' or 'else'. The innermost block that needs to be closed is "
        "'for'.",
    ),
    "unknown-tag": (
        {"text": "ok\n{% exec 'import os' %}"},
        "text, line 2: syntax error: Encountered unknown tag 'exec'.",
    ),
    "greeting-unclosed": (
        {"text": "x", "greeting": "Dear {{ name"},
        "greeting, line 1: syntax error: unexpected end of template, expected 'end of print "
        "statement'.",
    ),
    "greeting-outside-the-subset": (
        {"text": "x", "greeting": "Dear {{ name.title() }}"},
        "greeting, line 1: method calls are not allowed",
    ),
}


@pytest.mark.parametrize("case", SYNTAX_ERRORS)
def test_template_that_does_not_compile_is_400_and_not_stored(
    hostile: Account, capsys: pytest.CaptureFixture, case: str
) -> None:
    payload, message = SYNTAX_ERRORS[case]
    request = event("PUT", TEMPLATE, {"docType": "Welcome"}, body=json.dumps(payload))
    assert_refused(hostile, capsys, request, 400, "BadRequestError", message)


# The PDF path -----------------------------------------------------------------------

MADE, REFUSED, EITHER = {201}, {422}, {201, 422}
HOSTILE_PDF_TEXT: dict[str, tuple[str, set[int]]] = {
    # Invisible characters are left out (README, Formats); drawable ones are drawn.
    "c0-controls": (LETTER_MARKER + " \x00\x01\x07\x08\x1b[31mred\x1b[0m\x7f end\n", MADE),
    "c1-controls": (LETTER_MARKER + " \x80\x85\x9b2J\x9f end\n", MADE),
    "bidi-overrides": (
        LETTER_MARKER + " \u202egpj.exe\u202c \u2066x\u2069 \u200f\u200e\u061c\n",
        MADE,
    ),
    "zero-width-and-bom": (LETTER_MARKER + " a\u200bb\u200c\u200d\ufeff\u2060c\n", MADE),
    "line-and-paragraph-separators": (LETTER_MARKER + "\u2028x\u2029y\x0b\x0c\x1c\x1d\x1e\n", MADE),
    "tag-characters": (LETTER_MARKER + " \U000e0001\U000e0041\U000e007f\n", MADE),
    "combining-pile-up": (LETTER_MARKER + " a" + "\u0301" * 20_000 + "\n", MADE),
    "1-mib-of-tabs": ("{{ '\\t' * 1048576 }}", MADE),
    # A character the font cannot draw is a 422, not an empty box.
    "noncharacter": (LETTER_MARKER + " \uffff\n", REFUSED),
    "private-use": (LETTER_MARKER + " \ue000\n", REFUSED),
    # 1 MiB letters: made within seconds, or refused as too long for a PDF.
    "one-word-of-1-mib": ("{{ 'x' * 1048576 }}", EITHER),
    "1-mib-of-one-character-lines": ("{{ 'x\\n' * 524288 }}", EITHER),
    "1-mib-of-paragraphs": ("{{ 'x\\n\\n' * 349525 }}", EITHER),
}


@pytest.mark.parametrize("case", HOSTILE_PDF_TEXT)
def test_pdf_of_hostile_text_is_made_in_seconds_or_refused_cleanly(
    hostile: Account, capsys: pytest.CaptureFixture, case: str
) -> None:
    """Invisible characters are dropped, undrawable ones are a 422; either way, quickly."""
    text, expected = HOSTILE_PDF_TEXT[case]
    doc_type = f"Pdf-{case}"
    put_template(hostile, capsys, doc_type, text, greeting="")
    request = event("POST", DOCUMENT, {"customerId": "ann", "docType": doc_type}, {"format": "pdf"})
    before = stored(hostile.aws)

    outcome = send(hostile, capsys, request, PDF_SECONDS)

    assert outcome.status in expected, outcome.body
    assert_one_clean_log_line(outcome.log, request, outcome.status)
    key = f"ann/{doc_type}.pdf"
    if outcome.status == 422:
        assert outcome.body["Code"] == "UnprocessableEntityError"
        message = outcome.body["Message"]
        assert "PDF" in message and "format=html or txt" in message  # what to do instead
        assert stored(hostile.aws) == before
        assert outcome.calls == ["BatchGetItem"]
        return
    assert outcome.calls == ["BatchGetItem", "PutObject"]
    pdf = hostile.aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert outcome.body["key"] == key
    assert outcome.body["size"] == len(pdf)
