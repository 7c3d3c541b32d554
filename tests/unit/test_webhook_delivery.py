"""One webhook call, end to end on 127.0.0.1: what is signed and sent, what each answer (or
silence) counts as, and that an https call goes to the checked address while TLS checks the
certificate for the host's name.

Signatures are checked with ``standardwebhooks``, the specification's own Python library,
so a receiver using any of its libraries accepts what docgen sends.
"""

import base64
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook, WebhookVerificationError

from chalicelib.adapters.webhooks import USER_AGENT, Delivery, deliver
from chalicelib.domain.webhooks import (
    IPAddress,
    WebhookUrl,
    check_url,
    delay_before_attempt,
    finished_body,
    new_secret,
    refused_address,
    signed_headers,
)
from tests.resolvers import resolving_to
from tests.webhook_receiver import Receiver, serving

BATCH = {"batchId": "b-1", "status": "succeeded", "total": 2, "succeeded": 2, "failed": 0}
BODY = finished_body(BATCH)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 (the specification's test one)
HOOKS_HOST = "hooks.example.test"
LOOPBACK = IPv4Address("127.0.0.1")
LOOPBACK_REASON = "a loopback address"
MAPPED = "IPv4-mapped address"


def now_headers(secret: str = SECRET, body: bytes = BODY) -> dict[str, str]:
    """Headers signed now: the verifier refuses a timestamp more than 5 minutes away."""
    return signed_headers(secret, "msg_b-1_finished", int(time.time()), body)


# --- signing, secrets and the retry schedule -------------------------------------------------


def test_the_signature_is_the_specifications_published_test_vector() -> None:
    headers = signed_headers(
        SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_the_reference_library_verifies_a_message_signed_with_a_new_secret() -> None:
    secret = new_secret()
    assert Webhook(secret).verify(BODY, now_headers(secret)) == {
        "type": "batch.finished",
        "data": BATCH,
    }


@pytest.mark.parametrize(
    ("name", "forged"),
    [
        ("webhook-id", lambda _: "msg_other"),
        ("webhook-timestamp", lambda sent: str(int(sent) - 1)),
        ("webhook-signature", lambda _: now_headers(new_secret())["webhook-signature"]),
    ],
)
def test_the_reference_library_refuses_a_changed_header(
    name: str, forged: Callable[[str], str]
) -> None:
    headers = now_headers()
    headers[name] = forged(headers[name])
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY, headers)


def test_the_reference_library_refuses_a_changed_body() -> None:
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY.replace(b'"total":2', b'"total":3'), now_headers())


def test_a_secret_is_24_random_bytes_in_the_specifications_form() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", secret)
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24


def test_signing_with_something_that_is_not_a_secret_is_a_mistake_of_the_caller() -> None:
    with pytest.raises(ValueError) as mistake:
        signed_headers("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1614265330, BODY)
    assert str(mistake.value) == "a webhook secret starts with whsec_"


def test_the_message_is_the_batch_resource_under_its_type_in_compact_json() -> None:
    assert BODY == (
        b'{"type":"batch.finished","data":{"batchId":"b-1","status":"succeeded",'
        b'"total":2,"succeeded":2,"failed":0}}'
    )


def test_retries_follow_the_specifications_schedule_cut_to_24_hours() -> None:
    delays = [delay_before_attempt(attempt) for attempt in range(1, 10)]
    assert delays == [0, 5, 300, 1800, 7200, 18000, 36000, 23095, None]
    assert sum(delay for delay in delays if delay) == 24 * 3600


def test_attempts_are_numbered_from_one() -> None:
    with pytest.raises(ValueError) as mistake:
        delay_before_attempt(0)
    assert str(mistake.value) == "attempts are numbered from 1"


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    """A receiver answering ``request.param`` (an ``Answer``), or 204 with no body."""
    yield from serving(getattr(request, "param", (204, {}, b"")))


def local(receiver: Receiver, path: str = "/hooks/docgen?tenant=7") -> WebhookUrl:
    return check_url(f"http://127.0.0.1:{receiver.port}{path}", allow_loopback_http=True)


def test_the_message_arrives_exactly_as_signed(receiver: Receiver) -> None:
    headers = now_headers()
    delivery = deliver(local(receiver), BODY, headers)
    assert delivery == Delivery(
        delivered=True, retryable=False, reason="answered 204", status=204, answer=b""
    )
    [(method, path, received, body)] = receiver.requests
    assert (method, path, body) == ("POST", "/hooks/docgen?tenant=7", BODY)
    assert received == {
        "Host": f"127.0.0.1:{receiver.port}",
        "Accept-Encoding": "identity",
        "Content-Length": str(len(BODY)),
        **headers,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    assert Webhook(SECRET).verify(body, received) == {"type": "batch.finished", "data": BATCH}


@pytest.mark.parametrize(
    ("receiver", "delivery"),
    [
        ((200, {}, b"thanks"), Delivery(True, False, "answered 200", 200, b"thanks")),
        ((500, {}, b"oops"), Delivery(False, True, "answered 500", 500, b"oops")),
        ((410, {}, b""), Delivery(False, True, "answered 410", 410, b"")),
    ],
    indirect=["receiver"],
)
def test_a_2xx_answer_delivers_and_any_other_is_retried(
    receiver: Receiver, delivery: Delivery
) -> None:
    assert deliver(local(receiver), BODY, now_headers()) == delivery


@pytest.mark.parametrize(
    "receiver", [(302, {"Location": "/moved"}, b""), (308, {"Location": "/moved"}, b"")],
    indirect=True,
)  # fmt: skip
def test_a_redirect_is_an_answer_not_followed(receiver: Receiver) -> None:
    delivery = deliver(local(receiver, "/hook"), BODY, now_headers())
    status = receiver.answer[0]
    assert delivery == Delivery(
        False, True, f"answered {status}, a redirect, which docgen does not follow", status
    )
    assert [path for _, path, _, _ in receiver.requests] == ["/hook"]
    assert receiver.connections == 1


@pytest.mark.parametrize("receiver", [(200, {}, bytes(range(256)) * 1024)], indirect=True)
def test_an_answer_is_read_only_up_to_the_bound(receiver: Receiver) -> None:
    bounded = deliver(local(receiver), BODY, now_headers(), max_answer_bytes=1000)
    assert bounded == Delivery(True, False, "answered 200", 200, receiver.answer[2][:1000])
    by_default = deliver(local(receiver), BODY, now_headers())
    assert by_default.answer == receiver.answer[2][: 64 * 1024]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections (the kernel completes them) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_no_answer_in_time_is_retried(silent_port: int) -> None:
    url = check_url(f"http://127.0.0.1:{silent_port}/", allow_loopback_http=True)
    delivery = deliver(url, BODY, now_headers(), timeout_seconds=0.2)
    assert delivery == Delivery(False, True, "no answer within 0.2 s")


def test_a_refused_connection_is_retried() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = check_url(f"http://127.0.0.1:{port}/", allow_loopback_http=True)
    assert deliver(url, BODY, now_headers()) == Delivery(False, True, "the connection was refused")


def test_a_name_that_does_not_resolve_is_retried() -> None:
    def unknown(*_args: Any, **_options: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    url = check_url(f"https://{HOOKS_HOST}/", allow_loopback_http=False)
    assert deliver(url, BODY, now_headers(), resolve=unknown) == Delivery(
        False, True, "the host name did not resolve (Name or service not known)"
    )


# --- https to the checked address, verified for the host's name ------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for hooks.example.test alone, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOOKS_HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOOKS_HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def https_receiver(certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*certificate)
    yield from serving((204, {}, b""), tls)


@pytest.fixture
def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """A client context that trusts the test certificate, and checks names as the default."""
    return ssl.create_default_context(cafile=str(certificate[0]))


def loopback_allowed(address: IPAddress) -> str | None:
    """The address check, but for 127.0.0.1: where the test's receiver listens."""
    return None if address == LOOPBACK else refused_address(address)


def hooks(receiver: Receiver, host: str = HOOKS_HOST) -> WebhookUrl:
    """An https URL on the receiver's port: check_url takes only 443, so it is moved after."""
    return replace(check_url(f"https://{host}/docgen", False), port=receiver.port)


def test_https_connects_to_the_resolved_address_and_checks_the_hosts_name(
    https_receiver: Receiver, trusting: ssl.SSLContext
) -> None:
    resolve = resolving_to("127.0.0.1")
    headers = now_headers()
    delivery = deliver(
        hooks(https_receiver), BODY, headers,
        resolve=resolve, address_check=loopback_allowed, tls=trusting,
    )  # fmt: skip
    assert delivery == Delivery(True, False, "answered 204", 204)
    assert resolve.asked == [(HOOKS_HOST, https_receiver.port, {"type": socket.SOCK_STREAM})]
    assert https_receiver.server_names == [HOOKS_HOST]
    [(_, path, received, body)] = https_receiver.requests
    assert (path, body, received["Host"]) == (
        "/docgen",
        BODY,
        f"{HOOKS_HOST}:{https_receiver.port}",
    )
    assert Webhook(SECRET).verify(body, received) == {"type": "batch.finished", "data": BATCH}


def test_a_certificate_for_another_name_is_not_accepted(
    https_receiver: Receiver, trusting: ssl.SSLContext
) -> None:
    delivery = deliver(
        hooks(https_receiver, "other.example.test"), BODY, now_headers(),
        resolve=resolving_to("127.0.0.1"), address_check=loopback_allowed, tls=trusting,
    )  # fmt: skip
    assert delivery == Delivery(
        False, True,
        "the TLS certificate was not accepted (Hostname mismatch, certificate is not valid "
        "for 'other.example.test'.)",
    )  # fmt: skip
    assert https_receiver.server_names == ["other.example.test"]
    assert https_receiver.requests == []


def test_by_default_only_the_systems_trusted_certificates_are_accepted(
    https_receiver: Receiver,
) -> None:
    delivery = deliver(
        hooks(https_receiver), BODY, now_headers(),
        resolve=resolving_to("127.0.0.1"), address_check=loopback_allowed,
    )  # fmt: skip
    assert (delivery.delivered, delivery.retryable, delivery.status) == (False, True, None)
    assert re.fullmatch(
        r"the TLS certificate was not accepted \(self[- ]signed certificate\)", delivery.reason
    )
    assert https_receiver.requests == []


@pytest.mark.parametrize(
    ("addresses", "address_check", "reason"),
    [
        (["127.0.0.1"], refused_address, LOOPBACK_REASON),
        (["127.0.0.1", "10.0.0.7"], loopback_allowed, "a private address"),
        (["10.0.0.7", "127.0.0.1"], loopback_allowed, "a private address"),
        (["::ffff:7f00:1"], refused_address, f"{LOOPBACK_REASON} inside an IPv6 {MAPPED}"),
    ],
)  # fmt: skip
def test_a_name_with_an_address_that_is_not_public_is_not_called_at_all(
    https_receiver: Receiver,
    trusting: ssl.SSLContext,
    addresses: list[str],
    address_check: Callable[[IPAddress], str | None],
    reason: str,
) -> None:
    delivery = deliver(
        hooks(https_receiver), BODY, now_headers(),
        resolve=resolving_to(*addresses), address_check=address_check, tls=trusting,
    )  # fmt: skip
    assert delivery == Delivery(
        False, False, f"webhook.url must reach a public address, not {reason}"
    )
    assert https_receiver.connections == 0
