"""Batch webhooks: which URLs docgen may call, how a call is signed, and when it is retried.

A URL must be ``https`` on port 443 and reach a public address: docgen runs inside AWS, and
a webhook must not become a way to reach the metadata service, the VPC or the function's own
loopback (server-side request forgery). :func:`check_url` checks what can be checked from
the text; the adapter resolves the host at delivery and checks every address it gets with
:func:`refused_address`. Signatures follow Standard Webhooks (standardwebhooks.com).
"""

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain import jsontext
from chalicelib.domain.errors import InvalidInput

IPAddress = IPv4Address | IPv6Address

FIELD = "webhook.url"
MAX_URL_CHARS = 2048
URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
"""What RFC 3986 lets a URL hold: anything else (spaces, controls, backslashes, non-ASCII
text) must be percent-encoded, and a host name must be in its ``xn--`` form."""
HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
MAX_HOST_CHARS = 253
NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
"""A last label that makes a host a number to a URL parser or to ``inet_aton``:
``2130706433``, ``0x7f.1`` and ``017700000001`` all mean 127.0.0.1 to some of them."""
IPV4_RULE = f"{FIELD} must write an IPv4 address as four decimal numbers, like 192.0.2.1"
IPV6_RULE = f"{FIELD} must write an IPv6 address plainly, without a zone, like [2001:db8::1]"
LOOPBACK_HTTP_HOST = "127.0.0.1"
HTTPS_RULE = f"{FIELD} must use https on port 443"
LOCAL_STAGE_HINT = "; the local stage also takes http://127.0.0.1 on any port"

LOOPBACK = "a loopback address"
PRIVATE = "a private address"
LINK_LOCAL = "a link-local address"
SHARED = "a shared (carrier-grade NAT) address"
MULTICAST = "a multicast address"
RESERVED = "a reserved address"
UNSPECIFIED = "an unspecified address"
METADATA = "a cloud metadata address"

METADATA_ADDRESSES = frozenset(
    map(ip_address, ("169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192"))
) | {IPv6Address("fd00:ec2::254")}
"""Instance and task metadata (AWS EC2 and ECS, Alibaba, Oracle): named apart, as the worst
of the addresses a webhook must not reach."""
IPV4_REFUSED = tuple(
    (IPv4Network(network), reason)
    for network, reason in (
        ("0.0.0.0/8", UNSPECIFIED),  # Linux connects 0.0.0.0 to the host itself
        ("10.0.0.0/8", PRIVATE),
        ("100.64.0.0/10", SHARED),
        ("127.0.0.0/8", LOOPBACK),
        ("169.254.0.0/16", LINK_LOCAL),
        ("172.16.0.0/12", PRIVATE),
        ("192.0.0.0/24", RESERVED),
        ("192.0.2.0/24", RESERVED),
        ("192.88.99.0/24", RESERVED),
        ("192.168.0.0/16", PRIVATE),
        ("198.18.0.0/15", RESERVED),
        ("198.51.100.0/24", RESERVED),
        ("203.0.113.0/24", RESERVED),
        ("224.0.0.0/4", MULTICAST),
        ("240.0.0.0/4", RESERVED),  # and the broadcast address
    )
)
"""IANA's special-purpose IPv4 registry: every block that is not globally reachable (and the
few anycast addresses in ``192.0.0.0/24`` that are: no webhook needs them)."""
IPV6_REFUSED = tuple(
    (IPv6Network(network), reason)
    for network, reason in (
        ("::/128", UNSPECIFIED),
        ("::1/128", LOOPBACK),
        ("64:ff9b:1::/48", PRIVATE),  # local-use NAT64: where the IPv4 part sits is local too
        ("2001::/23", RESERVED),  # IETF protocol assignments, Teredo among them
        ("2001:db8::/32", RESERVED),
        ("3fff::/20", RESERVED),
        ("fc00::/7", PRIVATE),
        ("fe80::/10", LINK_LOCAL),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", MULTICAST),
    )
)
"""IANA's special-purpose IPv6 blocks that are not globally reachable. Outside ``2000::/3``
(global unicast) every other address is reserved too, except the forms that stand for IPv4."""
GLOBAL_UNICAST = IPv6Network("2000::/3")
IPV4_MAPPED = IPv6Network("::ffff:0:0/96")
NAT64 = IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = IPv6Network("::/96")
STANDS_FOR_IPV4 = ("IPv4-mapped", "NAT64")
"""Forms that reach the IPv4 address they embed, so they are judged by it alone."""

RETRY_DELAYS_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
"""Standard Webhooks' suggested waits between attempts (the first attempt is immediate)."""
DELIVERY_WINDOW_SECONDS = 24 * 3600
"""No attempt is made later than this after the first: the last wait is cut to fit."""


@dataclass(frozen=True)
class WebhookUrl:
    """A URL :func:`check_url` accepted, in the parts a request needs."""

    text: str
    scheme: str
    host: str
    """A lowercase host name, or an IP address's text (without brackets)."""
    port: int
    target: str
    """The path and query: what the request line asks for."""
    address: IPAddress | None
    """The address an IP-literal host names; ``None`` for a name, resolved at delivery."""

    @property
    def authority(self) -> str:
        """The ``Host`` header: the host, and the port unless it is the scheme's own."""
        host = f"[{self.host}]" if isinstance(self.address, IPv6Address) else self.host
        default_port = 443 if self.scheme == "https" else 80
        return host if self.port == default_port else f"{host}:{self.port}"


def check_url(url: str, allow_loopback_http: bool) -> WebhookUrl:
    """``url`` as a :class:`WebhookUrl`, else ``InvalidInput`` saying what to change.

    ``allow_loopback_http`` is for the local stage alone: it also lets ``http://127.0.0.1``
    on any port through. The URL is not echoed back: it may hold anything.
    """
    if not isinstance(url, str):
        raise InvalidInput(f"{FIELD} must be a string")
    if len(url) > MAX_URL_CHARS:
        raise InvalidInput(f"{FIELD} must be at most {MAX_URL_CHARS} characters long")
    if not URL_CHARACTERS.fullmatch(url):
        raise InvalidInput(
            f"{FIELD} may hold only the characters RFC 3986 allows: percent-encode the others "
            "and write an international host name in its xn-- form"
        )
    if "#" in url:
        raise InvalidInput(f"{FIELD} must not have a fragment (#...)")
    try:
        parts = urlsplit(url)
        given_port = parts.port
    except ValueError:
        raise InvalidInput(
            f"{FIELD} is not a valid URL (check the brackets and the port)"
        ) from None
    if not parts.scheme or not parts.netloc:
        raise InvalidInput(f"{FIELD} must be an absolute URL, like https://hooks.example.com/")
    if "@" in parts.netloc:
        raise InvalidInput(f"{FIELD} must not hold a user name or password")
    host = parts.hostname or ""
    port = _checked_port(parts.scheme, host, given_port, allow_loopback_http)
    address = _host_address(host, bracketed=parts.netloc.startswith("["))
    if parts.scheme == "https":
        _require_public(host, address)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookUrl(url, parts.scheme, host, port, target, address)


def _checked_port(scheme: str, host: str, port: int | None, allow_loopback_http: bool) -> int:
    """The port to call, if ``scheme`` and ``port`` are ones docgen calls."""
    hint = LOCAL_STAGE_HINT if allow_loopback_http else ""
    if scheme == "http" and allow_loopback_http and host == LOOPBACK_HTTP_HOST:
        return 80 if port is None else port
    if scheme != "https":
        shown = scheme if re.fullmatch(r"[a-z][a-z0-9+.-]{0,19}", scheme) else "another scheme"
        raise InvalidInput(f"{HTTPS_RULE}, not {shown}{hint}")
    if port not in (None, 443):
        raise InvalidInput(f"{HTTPS_RULE}, not port {port}{hint}")
    return 443


def _host_address(host: str, bracketed: bool) -> IPAddress | None:
    """The address an IP-literal ``host`` names, ``None`` for a host name; refuses the rest."""
    if bracketed:
        try:
            address = IPv6Address(host)
        except ValueError:
            raise InvalidInput(IPV6_RULE) from None
        if address.scope_id:  # a zone: no address with one is public
            raise InvalidInput(IPV6_RULE)
        return address
    labels = host.split(".")
    if NUMERIC_LABEL.fullmatch(host.removesuffix(".").rsplit(".", 1)[-1]):
        try:
            return IPv4Address(host)
        except ValueError:
            raise InvalidInput(IPV4_RULE) from None
    if (
        len(labels) < 2
        or len(host) > MAX_HOST_CHARS
        or not all(HOST_LABEL.fullmatch(label) for label in labels)
    ):
        raise InvalidInput(f"{FIELD} must name a public host, like hooks.example.com")
    return None


def _require_public(host: str, address: IPAddress | None) -> None:
    reason = LOOPBACK if host == "localhost" or host.endswith(".localhost") else None
    if address is not None:
        reason = refused_address(address)
    if reason:
        raise InvalidInput(refusal(reason))


def refusal(reason: str) -> str:
    """The message for a URL whose host is or resolves to an address :func:`refused_address`
    refuses for ``reason``."""
    return f"{FIELD} must reach a public address, not {reason}"


def refused_address(ip: IPAddress) -> str | None:
    """Why docgen must not call ``ip`` (``a private address``, ...), or ``None`` if public.

    An IPv6 address that embeds an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
    Teredo) is refused for what the IPv4 one is, too.
    """
    if ip in METADATA_ADDRESSES:
        return METADATA
    if isinstance(ip, IPv4Address):
        return next((reason for network, reason in IPV4_REFUSED if ip in network), None)
    form, embedded = _embedded_ipv4(ip)
    for inner in embedded:
        if reason := refused_address(inner):
            return f"{reason} inside an IPv6 {form} address"
    if embedded and form in STANDS_FOR_IPV4:
        return None
    return _refused_ipv6(ip)


def _refused_ipv6(ip: IPv6Address) -> str | None:
    reason = next((reason for network, reason in IPV6_REFUSED if ip in network), None)
    return reason or (None if ip in GLOBAL_UNICAST else RESERVED)


def _embedded_ipv4(ip: IPv6Address) -> tuple[str, tuple[IPv4Address, ...]]:
    """The form of ``ip`` and the IPv4 addresses it embeds (none for a plain IPv6 address)."""
    last_32_bits = IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in IPV4_MAPPED:
        return "IPv4-mapped", (last_32_bits,)
    if ip in NAT64:
        return "NAT64", (last_32_bits,)
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are IPv6's own
        return "IPv4-compatible", (last_32_bits,)
    if ip.sixtofour:
        return "6to4", (ip.sixtofour,)
    if ip.teredo:
        return "Teredo", ip.teredo
    return "plain", ()


def new_secret() -> str:
    """A signing secret as Standard Webhooks write it: ``whsec_`` and 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, sent at ``timestamp`` (epoch s).

    ``message_id`` stays the same for every attempt at one message, so a receiver can drop
    a repeat; ``timestamp`` is the attempt's own, as receivers refuse old ones.
    """
    if not secret.startswith("whsec_"):
        raise ValueError("a webhook secret starts with whsec_")
    key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    signed = b"%s.%d.%s" % (message_id.encode(), timestamp, body)
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
    }


def finished_body(batch: Mapping[str, Any]) -> bytes:
    """The ``batch.finished`` message for the batch resource ``batch``, as sent."""
    return jsontext.dumps({"type": "batch.finished", "data": batch}).encode()


def delay_before_attempt(attempt: int) -> int | None:
    """Seconds to wait after attempt ``attempt - 1`` failed before attempt ``attempt``
    (numbered from 1, which is immediate); ``None`` when there is no such attempt: give up.
    """
    if attempt < 1:
        raise ValueError("attempts are numbered from 1")
    if attempt == 1:
        return 0
    retry = attempt - 2
    if retry >= len(RETRY_DELAYS_SECONDS):
        return None
    waited = sum(RETRY_DELAYS_SECONDS[:retry])
    return min(RETRY_DELAYS_SECONDS[retry], DELIVERY_WINDOW_SECONDS - waited)
