"""Presigned links signed without botocore are botocore's links, byte for byte, or not used."""

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from chalicelib.adapters import links
from chalicelib.adapters.links import LinkSigner

BUCKET = "docgen-dev-documents"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # noqa: S105 (AWS's documented example)
MOMENT = datetime(2026, 12, 1, 18, 40, 46, tzinfo=UTC)
CLIENTS = {
    "regional, with a session token": {"region_name": "eu-central-1", "token": "t/o+k=="},
    "us-east-1, no token": {"region_name": "us-east-1", "token": None},
    "emulator, path style": {"region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:5000"},
    "virtual addressing": {"region_name": "eu-west-1", "addressing_style": "virtual"},
}
LINKS = [
    ("Ann/Welcome.txt", None),
    ("a-b_c/Dunning_2.pdf", None),
    ("Ann/Welcome.pdf", "3/L4kqtJl.cpXhx+Z_"),
    ("Ann/Welcome.html", "null"),
]


def s3_client(
    region_name: str,
    token: str | None = "session-token",  # noqa: S107 (a made-up one)
    endpoint_url: str | None = None,
    addressing_style: str | None = None,
    signature_version: Any = "s3v4",
) -> Any:
    s3 = {"addressing_style": addressing_style} if addressing_style else {}
    return boto3.client(
        "s3",
        region_name=region_name,
        endpoint_url=endpoint_url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        config=Config(signature_version=signature_version, s3=s3),
    )


def botocores(client: Any, key: str, version_id: str | None, expires_in: int = 900) -> str:
    params = {"Bucket": BUCKET, "Key": key}
    if version_id is not None:
        params["VersionId"] = version_id
    return client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore signs at ``MOMENT``, as the signers here do."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: MOMENT.replace(tzinfo=None))


@pytest.mark.parametrize("settings", CLIENTS.values(), ids=list(CLIENTS))
def test_after_the_first_link_every_link_is_signed_here_as_botocore_signs_it(
    settings: dict[str, Any], frozen: None
) -> None:
    client = s3_client(**settings)
    signer = LinkSigner(client, BUCKET, clock=lambda: MOMENT)

    first = signer.url("First/Welcome.txt", 900)

    assert first == botocores(client, "First/Welcome.txt", None)
    assert signer.signs_here
    for key, version_id in LINKS:
        for expires_in in (1, 900, 604800):
            assert signer.url(key, expires_in, version_id) == botocores(
                client, key, version_id, expires_in
            )


def test_a_link_signed_here_takes_the_credentials_as_they_are_now(frozen: None) -> None:
    """Credentials may be refreshed under a warm container: each link asks for them."""
    client = s3_client("eu-central-1")
    signer = LinkSigner(client, BUCKET, clock=lambda: MOMENT)
    signer.url("First/Welcome.txt", 900)
    credentials = client._request_signer._credentials
    credentials.access_key, credentials.token = "AKIDROTATED", "rotated"

    url = signer.url("Ann/Welcome.txt", 900)

    assert "AKIDROTATED" in url
    assert url == botocores(client, "Ann/Welcome.txt", None)


@pytest.mark.parametrize(
    "signature_version", ["s3", UNSIGNED], ids=["SigV2 query auth", "unsigned"]
)
def test_links_of_another_kind_stay_botocores(signature_version: Any, frozen: None) -> None:
    client = s3_client("us-east-1", signature_version=signature_version)
    signer = LinkSigner(client, BUCKET, clock=lambda: MOMENT)

    signer.url("First/Welcome.txt", 900)
    later = signer.url("Ann/Welcome.txt", 900)

    assert not signer.signs_here
    assert "X-Amz-Signature" not in later


def test_a_signer_that_would_sign_otherwise_is_never_used(
    monkeypatch: pytest.MonkeyPatch, frozen: None
) -> None:
    """The check compares whole URLs: any difference leaves every link to botocore."""
    sign = links._Scheme.sign
    monkeypatch.setattr(links._Scheme, "sign", lambda *args: sign(*args) + "&x=1")
    client = s3_client("eu-central-1")
    signer = LinkSigner(client, BUCKET, clock=lambda: MOMENT)

    signer.url("First/Welcome.txt", 900)

    assert not signer.signs_here
    assert signer.url("Ann/Welcome.txt", 900) == botocores(client, "Ann/Welcome.txt", None)


def test_a_failed_check_is_not_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    client = s3_client("us-east-1", signature_version="s3")
    signer = LinkSigner(client, BUCKET)
    learnt: list[str] = []
    learn = links._learnt
    monkeypatch.setattr(links, "_learnt", lambda *args: learnt.append(args[1]) or learn(*args))

    for key in ("A/Welcome.txt", "B/Welcome.txt", "C/Welcome.txt"):
        signer.url(key, 900)

    assert learnt == ["A/Welcome.txt"]
