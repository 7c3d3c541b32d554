"""Webhook calls: one signed ``POST`` to the address the host resolved to and docgen checked.

The host is resolved here, every address it has is checked, and the connection goes to a
checked address by number: a name that resolves to a public address for the check and to a
private one for the connection (DNS rebinding) cannot move the call. TLS still verifies the
certificate for the host's name. A redirect is an answer like any other, never followed.
Nothing here raises for what the network does: a :class:`Delivery` says what happened.
"""

import http.client
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Address, ip_address
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.webhooks import IPAddress, WebhookUrl, check_url, refusal, refused_address

Resolver = Callable[..., Sequence[tuple[Any, ...]]]
"""``socket.getaddrinfo``, or a stand-in with its signature and answer."""
AddressCheck = Callable[[IPAddress], str | None]
"""Why an address must not be called, or ``None``: ``refused_address`` but in tests."""

TIMEOUT_SECONDS = 10.0
"""For the whole call: connecting, TLS, sending and reading the answer."""
MAX_ANSWER_BYTES = 64 * 1024
"""As much of an answer's body as is read; the rest is never received."""
USER_AGENT = "docgen-webhooks/1"
LOOPBACK_HTTP = IPv4Address("127.0.0.1")


@dataclass(frozen=True)
class Delivery:
    """What one attempt gave: ``delivered`` on a 2xx answer; ``retryable`` when a later
    attempt could give another result; ``reason`` for a person."""

    delivered: bool
    retryable: bool
    reason: str
    status: int | None = None
    """The answer's HTTP status, ``None`` when none came."""
    answer: bytes = b""
    """The start of the answer's body, at most ``max_answer_bytes`` of it."""


@cache
def default_tls() -> ssl.SSLContext:
    """The system's trusted certificates, hostname checks on; built once per container."""
    return ssl.create_default_context()


def resolved_addresses(
    url: WebhookUrl,
    resolve: Resolver = socket.getaddrinfo,
    address_check: AddressCheck = refused_address,
) -> tuple[IPAddress, ...]:
    """Every address ``url``'s host has, once all are checked: ``InvalidInput`` if any is
    refused, ``OSError`` (``socket.gaierror``) if the name does not resolve.

    A plain-HTTP URL (the local stage's) may reach 127.0.0.1 alone, whatever the check says.
    """
    check = address_check if url.scheme == "https" else _loopback_http_only
    if url.address is not None:
        addresses: tuple[IPAddress, ...] = (url.address,)
    else:
        found = resolve(url.host, url.port, type=socket.SOCK_STREAM)
        addresses = tuple(dict.fromkeys(ip_address(entry[4][0]) for entry in found))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "the name has no address")
    for address in addresses:
        if reason := check(address):
            raise InvalidInput(refusal(reason))
    return addresses


def _loopback_http_only(address: IPAddress) -> str | None:
    return None if address == LOOPBACK_HTTP else "another address than 127.0.0.1 over http"


def deliver(
    url: WebhookUrl,
    body: bytes,
    headers: Mapping[str, str],
    timeout_seconds: float = TIMEOUT_SECONDS,
    max_answer_bytes: int = MAX_ANSWER_BYTES,
    resolve: Resolver = socket.getaddrinfo,
    address_check: AddressCheck = refused_address,
    tls: ssl.SSLContext | None = None,
) -> Delivery:
    """``POST`` ``body`` with ``headers`` (the signed ones) to ``url``, within
    ``timeout_seconds``; ``tls`` replaces the system's trusted certificates (for tests)."""
    deadline = time.monotonic() + timeout_seconds
    try:
        addresses = resolved_addresses(url, resolve, address_check)
        sock = _connect(url, addresses, deadline, tls)
        return _post(url, sock, body, headers, deadline, max_answer_bytes)
    except InvalidInput as refused:
        return Delivery(delivered=False, retryable=False, reason=str(refused))
    except (OSError, http.client.HTTPException) as error:
        return Delivery(delivered=False, retryable=True, reason=_failure(error, timeout_seconds))


def _remaining(deadline: float) -> float:
    """Seconds left before ``deadline``; ``TimeoutError`` once there are none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("out of time")
    return left


def _connect(
    url: WebhookUrl, addresses: Sequence[IPAddress], deadline: float, tls: ssl.SSLContext | None
) -> socket.socket:
    """A connection to the first of ``addresses`` that takes one; TLS for https."""
    failures: list[OSError] = []
    for address in addresses:
        try:
            return _connect_to(url, address, deadline, tls)
        except TimeoutError:
            raise
        except OSError as failed:
            failures.append(failed)  # the next address may take it
    raise failures[-1]


def _connect_to(
    url: WebhookUrl, address: IPAddress, deadline: float, tls: ssl.SSLContext | None
) -> socket.socket:
    """A connection to ``address`` by number, so no second lookup can move it."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(_remaining(deadline))
        sock.connect((str(address), url.port))
        if url.scheme == "https":
            return (tls or default_tls()).wrap_socket(sock, server_hostname=url.host)
    except BaseException:
        sock.close()
        raise
    return sock


def _post(
    url: WebhookUrl,
    sock: socket.socket,
    body: bytes,
    headers: Mapping[str, str],
    deadline: float,
    max_answer_bytes: int,
) -> Delivery:
    connection = http.client.HTTPConnection(url.host, url.port)
    connection.sock = sock  # already connected, to the checked address
    try:
        sent = {
            **headers,
            "Host": url.authority,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        sock.settimeout(_remaining(deadline))
        connection.request("POST", url.target, body=body, headers=sent)
        sock.settimeout(_remaining(deadline))
        response = connection.getresponse()
        answer = _read_at_most(response, sock, max_answer_bytes, deadline)
    finally:
        connection.close()
    return _answered(response.status, answer)


def _read_at_most(
    response: http.client.HTTPResponse, sock: socket.socket, limit: int, deadline: float
) -> bytes:
    """Up to ``limit`` bytes of the answer's body, all by ``deadline``."""
    answer = bytearray()
    while len(answer) < limit:
        sock.settimeout(_remaining(deadline))
        chunk = response.read1(limit - len(answer))
        if not chunk:
            break
        answer += chunk
    return bytes(answer)


def _answered(status: int, answer: bytes) -> Delivery:
    delivered = 200 <= status < 300
    reason = f"answered {status}"
    if 300 <= status < 400:
        reason += ", a redirect, which docgen does not follow"
    return Delivery(delivered, not delivered, reason, status, answer)


def _failure(error: Exception, timeout_seconds: float) -> str:
    """What went wrong, for a person: never the exception's own stack or type name alone."""
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout_seconds:g} s"
    if isinstance(error, socket.gaierror):
        return f"the host name did not resolve ({error.strerror})"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the TLS certificate was not accepted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"the TLS handshake failed ({error.reason or error.strerror})"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the connection closed without an answer"
    if isinstance(error, http.client.HTTPException):
        return "the answer was not valid HTTP"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    return f"the connection failed ({error.strerror or 'no detail'})"


def checked_webhook_url(url: str) -> str:
    """``url`` as a batch stores it, once its syntax and every address its host resolves to
    pass; else the 400 that says why (a name that does not resolve included)."""
    from chalicelib.adapters.settings import webhooks_may_use_loopback_http

    checked = check_url(url, allow_loopback_http=webhooks_may_use_loopback_http())
    try:
        resolved_addresses(checked)
    except OSError:
        raise InvalidInput(f"webhook.url: {checked.host} does not resolve") from None
    return checked.text
