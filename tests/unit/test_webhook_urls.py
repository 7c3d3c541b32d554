"""Which webhook URLs and addresses docgen calls: the text's rules, each refused address
block (IPv4, IPv6 and the IPv6 forms that carry an IPv4 address), and a name that resolves
to a private address."""

import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

import pytest

from chalicelib.adapters.webhooks import resolved_addresses
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.webhooks import WebhookUrl, check_url, refused_address
from tests.resolvers import resolving_to

HTTPS_RULE = "webhook.url must use https on port 443"
LOCAL_HINT = "; the local stage also takes http://127.0.0.1 on any port"
CHARACTERS = (
    "webhook.url may hold only the characters RFC 3986 allows: percent-encode the others "
    "and write an international host name in its xn-- form"
)
NOT_A_URL = "webhook.url is not a valid URL (check the brackets and the port)"
IPV4_FORM = "webhook.url must write an IPv4 address as four decimal numbers, like 192.0.2.1"
IPV6_FORM = "webhook.url must write an IPv6 address plainly, without a zone, like [2001:db8::1]"
PUBLIC_HOST = "webhook.url must name a public host, like hooks.example.com"
NOT = "webhook.url must reach a public address, not"

ACCEPTED = [
    ("https://hooks.example.com/docgen?x=1", "hooks.example.com", "/docgen?x=1", None),
    ("HTTPS://Hooks.Example.COM:443", "hooks.example.com", "/", None),
    ("https://xn--bcher-kva.example/", "xn--bcher-kva.example", "/", None),
    ("https://hooks.example.com/" + "a" * 2022, "hooks.example.com", "/" + "a" * 2022, None),
    ("https://8.8.8.8/in", "8.8.8.8", "/in", "8.8.8.8"),
    ("https://[2606:4700::1111]/", "2606:4700::1111", "/", "2606:4700::1111"),
    ("https://[::ffff:8.8.8.8]/", "::ffff:8.8.8.8", "/", "::ffff:808:808"),
    ("https://[64:ff9b::8.8.8.8]/", "64:ff9b::8.8.8.8", "/", "64:ff9b::808:808"),
    ("https://[2002:808:808::1]/", "2002:808:808::1", "/", "2002:808:808::1"),
]
"""URL, host, target and (for an IP-literal host) the address: the longest URL is 2048."""

REFUSED = [
    ("http://hooks.example.com/", f"{HTTPS_RULE}, not http"),
    ("http://127.0.0.1:8000/", f"{HTTPS_RULE}, not http"),
    ("ftp://hooks.example.com/", f"{HTTPS_RULE}, not ftp"),
    ("https://hooks.example.com:8443/", f"{HTTPS_RULE}, not port 8443"),
    ("hooks.example.com/docgen", "webhook.url must be an absolute URL, like https://hooks.example.com/"),
    ("https:///docgen", "webhook.url must be an absolute URL, like https://hooks.example.com/"),
    ("https://user:pw@hooks.example.com/", "webhook.url must not hold a user name or password"),
    ("https://hooks.example.com@127.0.0.1/", "webhook.url must not hold a user name or password"),
    ("https://hooks.example.com/#top", "webhook.url must not have a fragment (#...)"),
    ("https://hooks.example.com/" + "a" * 2023, "webhook.url must be at most 2048 characters long"),
    ("https://bücher.example/", CHARACTERS),
    ("https://hooks.example.com/a b", CHARACTERS),
    ("https://hooks.example.com\\@127.0.0.1/", CHARACTERS),
    ("https://hooks.example.com/\r\nX-Injected: 1", CHARACTERS),
    ("https://hooks.example.com:99999/", NOT_A_URL),
    ("https://hooks.example.com:44x/", NOT_A_URL),
    ("https://[::1/", NOT_A_URL),
    ("https://[127.0.0.1]/", NOT_A_URL),
    ("https://[fe80::1%25eth0]/", IPV6_FORM),
    ("https://[v1.anything]/", IPV6_FORM),
    ("https://intranet/", PUBLIC_HOST),
    ("https://:443/", PUBLIC_HOST),
    ("https://hooks_1.example.com/", PUBLIC_HOST),
    ("https://-hooks.example.com/", PUBLIC_HOST),
    ("https://%31%32%37.0.0.1.example/", PUBLIC_HOST),
    ("https://" + "a" * 64 + ".example.com/", PUBLIC_HOST),
    ("https://" + "a." * 126 + "com/", PUBLIC_HOST),  # 255 characters
    # Numbers that some parser or inet_aton reads as 127.0.0.1: never handed to the OS.
    ("https://2130706433/", IPV4_FORM),
    ("https://0x7f.1/", IPV4_FORM),
    ("https://0x7f000001/", IPV4_FORM),
    ("https://017700000001/", IPV4_FORM),
    ("https://0177.0.0.1/", IPV4_FORM),
    ("https://127.1/", IPV4_FORM),
    ("https://127.0.0.1./", IPV4_FORM),
    ("https://hooks.example.123/", IPV4_FORM),
    ("https://localhost/", PUBLIC_HOST),
    ("https://hooks.localhost/", f"{NOT} a loopback address"),
    ("https://127.0.0.1/", f"{NOT} a loopback address"),
    ("https://10.1.2.3/", f"{NOT} a private address"),
    ("https://169.254.169.254/latest/meta-data/", f"{NOT} a cloud metadata address"),
    ("https://[::1]/", f"{NOT} a loopback address"),
    ("https://[::ffff:127.0.0.1]/", f"{NOT} a loopback address inside an IPv6 IPv4-mapped address"),
    ("https://[::ffff:7f00:1]/", f"{NOT} a loopback address inside an IPv6 IPv4-mapped address"),
    ("https://[fd00:ec2::254]/", f"{NOT} a cloud metadata address"),
]  # fmt: skip

REFUSED_ADDRESSES = [
    ("0.0.0.0", "an unspecified address"),  # noqa: S104 (an address to refuse, not to bind)
    ("0.1.2.3", "an unspecified address"),
    ("10.0.0.1", "a private address"),
    ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("100.127.255.254", "a shared (carrier-grade NAT) address"),
    ("127.0.0.1", "a loopback address"),
    ("127.255.255.254", "a loopback address"),
    ("169.254.1.1", "a link-local address"),
    ("169.254.169.254", "a cloud metadata address"),
    ("169.254.170.2", "a cloud metadata address"),
    ("100.100.100.200", "a cloud metadata address"),
    ("192.0.0.192", "a cloud metadata address"),
    ("172.16.0.1", "a private address"),
    ("172.31.255.255", "a private address"),
    ("192.0.0.8", "a reserved address"),
    ("192.0.2.1", "a reserved address"),
    ("192.88.99.1", "a reserved address"),
    ("192.168.1.1", "a private address"),
    ("198.18.0.1", "a reserved address"),
    ("198.51.100.1", "a reserved address"),
    ("203.0.113.1", "a reserved address"),
    ("224.0.0.1", "a multicast address"),
    ("239.255.255.250", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "a reserved address"),
    ("::", "an unspecified address"),
    ("::1", "a loopback address"),
    ("fc00::1", "a private address"),
    ("fd12:3456::1", "a private address"),
    ("fd00:ec2::254", "a cloud metadata address"),
    ("fe80::1", "a link-local address"),
    ("febf:ffff::1", "a link-local address"),
    ("fec0::1", "a site-local address"),
    ("ff02::1", "a multicast address"),
    ("2001:db8::1", "a reserved address"),
    ("3fff::1", "a reserved address"),
    ("2001:2::1", "a reserved address"),
    ("100::1", "a reserved address"),
    ("64:ff9b:1::808:808", "a private address"),
    ("4000::1", "a reserved address"),
    # IPv6 forms that carry an IPv4 address, refused for what that address is:
    ("::ffff:127.0.0.1", "a loopback address inside an IPv6 IPv4-mapped address"),
    ("::ffff:10.0.0.1", "a private address inside an IPv6 IPv4-mapped address"),
    ("::ffff:169.254.169.254", "a cloud metadata address inside an IPv6 IPv4-mapped address"),
    ("::127.0.0.1", "a loopback address inside an IPv6 IPv4-compatible address"),
    ("::10.0.0.1", "a private address inside an IPv6 IPv4-compatible address"),
    ("::8.8.8.8", "a reserved address"),  # the deprecated form itself
    ("64:ff9b::127.0.0.1", "a loopback address inside an IPv6 NAT64 address"),
    ("64:ff9b::a9fe:a9fe", "a cloud metadata address inside an IPv6 NAT64 address"),
    ("2002:7f00:1::", "a loopback address inside an IPv6 6to4 address"),
    ("2002:a00:1:1::1", "a private address inside an IPv6 6to4 address"),
    ("2002:a9fe:a9fe::", "a cloud metadata address inside an IPv6 6to4 address"),
    # Teredo: server 65.54.227.120, client 127.0.0.1 (stored with its bits flipped)
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "a loopback address inside an IPv6 Teredo address"),
    ("2001:0:a00:1:8000:63bf:f7f7:f7f7", "a private address inside an IPv6 Teredo address"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "a reserved address"),  # both public: 2001::/23
]

PUBLIC_ADDRESSES = [
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "2606:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize(("url", "host", "target", "address"), ACCEPTED)
def test_an_https_url_on_port_443_to_a_public_host_is_taken(
    url: str, host: str, target: str, address: str | None
) -> None:
    literal = None if address is None else ip_address(address)
    assert check_url(url, False) == WebhookUrl(url, "https", host, 443, target, literal)


@pytest.mark.parametrize(
    ("url", "authority"),
    [
        ("https://Hooks.Example.com:443/x", "hooks.example.com"),
        ("https://[2606:4700::1111]/", "[2606:4700::1111]"),
        ("http://127.0.0.1:8123/", "127.0.0.1:8123"),
        ("http://127.0.0.1:80/", "127.0.0.1"),
    ],
)
def test_the_host_header_names_the_port_only_when_it_is_not_the_schemes_own(
    url: str, authority: str
) -> None:
    assert check_url(url, allow_loopback_http=True).authority == authority


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_a_url_docgen_must_not_call_is_refused_saying_why(url: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_loopback_http=False)
    assert str(refused.value) == message


@pytest.mark.parametrize("value", [None, 42, b"https://hooks.example.com/"])
def test_a_url_that_is_not_text_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(value, allow_loopback_http=False)
    assert str(refused.value) == "webhook.url must be a string"


def test_the_local_stage_also_takes_plain_http_to_127_0_0_1_on_any_port() -> None:
    checked = check_url("http://127.0.0.1:8123/hook", allow_loopback_http=True)
    assert checked == WebhookUrl(
        "http://127.0.0.1:8123/hook", "http", "127.0.0.1", 8123, "/hook", IPv4Address("127.0.0.1")
    )
    assert check_url("http://127.0.0.1/", allow_loopback_http=True).port == 80


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost:8000/", f"{HTTPS_RULE}, not http{LOCAL_HINT}"),
        ("http://127.0.0.2:8000/", f"{HTTPS_RULE}, not http{LOCAL_HINT}"),
        ("http://[::1]:8000/", f"{HTTPS_RULE}, not http{LOCAL_HINT}"),
        ("http://2130706433:8000/", f"{HTTPS_RULE}, not http{LOCAL_HINT}"),
        ("https://hooks.example.com:8443/", f"{HTTPS_RULE}, not port 8443{LOCAL_HINT}"),
        ("https://127.0.0.1/", f"{NOT} a loopback address"),
        ("http://user@127.0.0.1:8000/", "webhook.url must not hold a user name or password"),
    ],
)
def test_the_local_stage_takes_no_other_loopback_or_plain_http(url: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_loopback_http=True)
    assert str(refused.value) == message


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_each_address_that_is_not_public_is_refused_saying_what_it_is(
    address: str, reason: str
) -> None:
    assert refused_address(ip_address(address)) == reason


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_a_public_address_is_not_refused(address: str) -> None:
    assert refused_address(ip_address(address)) is None


def test_a_scoped_ipv6_address_is_judged_like_its_unscoped_form() -> None:
    assert refused_address(IPv6Address("fe80::1%eth0")) == "a link-local address"


# --- a name's addresses, through a stand-in resolver ---------------------------------------

HOOKS = "https://hooks.example.com/docgen"


def test_a_name_is_resolved_for_its_port_and_its_public_addresses_kept_once_each() -> None:
    resolve = resolving_to(
        "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14"
    )
    addresses = resolved_addresses(check_url(HOOKS, False), resolve)
    assert addresses == (
        IPv4Address("93.184.215.14"),
        IPv6Address("2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    )
    assert resolve.asked == [("hooks.example.com", 443, {"type": socket.SOCK_STREAM})]


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        (["10.0.0.7"], "a private address"),
        (["127.0.0.1"], "a loopback address"),
        (["::ffff:169.254.169.254"], "a cloud metadata address inside an IPv6 IPv4-mapped address"),
        (["93.184.215.14", "192.168.0.10", "1.1.1.1"], "a private address"),
        (["2606:4700::1111", "fd00::1"], "a private address"),
    ],
)  # fmt: skip
def test_a_name_with_any_address_that_is_not_public_is_refused(
    addresses: list[str], reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        resolved_addresses(check_url(HOOKS, False), resolving_to(*addresses))
    assert str(refused.value) == f"{NOT} {reason}"


def test_an_ip_literal_is_not_resolved() -> None:
    resolve = resolving_to("10.0.0.7")
    assert resolved_addresses(check_url("https://8.8.8.8/", False), resolve) == (
        IPv4Address("8.8.8.8"),
    )
    assert resolve.asked == []


def test_a_name_without_addresses_does_not_resolve() -> None:
    with pytest.raises(socket.gaierror, match="the name has no address"):
        resolved_addresses(check_url(HOOKS, False), resolving_to())


def test_plain_http_reaches_127_0_0_1_alone_whatever_the_address_check_says() -> None:
    local = check_url("http://127.0.0.1:8123/", allow_loopback_http=True)
    assert resolved_addresses(local, address_check=lambda _: "refused") == (
        IPv4Address("127.0.0.1"),
    )
    forged = WebhookUrl("http://hooks.example.com/", "http", "hooks.example.com", 80, "/", None)
    with pytest.raises(InvalidInput) as refused:
        resolved_addresses(forged, resolving_to("10.0.0.7"), address_check=lambda _: None)
    assert str(refused.value) == f"{NOT} another address than 127.0.0.1 over http"
