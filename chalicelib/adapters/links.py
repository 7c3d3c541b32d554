"""Presigned GET links to one bucket's objects, signed here in microseconds.

botocore's ``generate_presigned_url`` spends about 0.4 ms of a warm letter (endpoint rules,
serialising, event hooks) to build what differs between two links only in the key, the
version and the clock. SigV4 query signing itself is a few hashes.

What to sign is learnt from botocore, not assumed: the first link is botocore's, and this
signer takes over only if it then makes that very URL for the same key and instant.
Otherwise (another signature version, an addressing style or credential source it does not
foresee, a botocore that no longer exposes the signer's credentials) every link stays
botocore's: the cost of a surprise is speed, never a wrong link.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, urlsplit

_ALGORITHM = "AWS4-HMAC-SHA256"
_STAMP = "%Y%m%dT%H%M%SZ"
_QUERY = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
)
"""The query parameters botocore signs a link with, in its order (then the session's token,
if any, and the signature)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _encoded(value: str) -> str:
    """SigV4's URI encoding of a query name or value."""
    return quote(value, safe="-_.~")


def _parsed_stamp(stamp: str) -> datetime:
    """``20261201T184046Z`` as a moment (not ``strptime``: its module costs a cold start)."""
    if len(stamp) != 16 or stamp[8] != "T" or stamp[15] != "Z":
        raise ValueError(stamp)
    year, month, day = int(stamp[0:4]), int(stamp[4:6]), int(stamp[6:8])
    hour, minute, second = int(stamp[9:11]), int(stamp[11:13]), int(stamp[13:15])
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _digest(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


@lru_cache(maxsize=8)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    """SigV4's derived key: the same for every link of a day."""
    key = _digest(f"AWS4{secret}".encode(), day)
    for part in (region, service, "aws4_request"):
        key = _digest(key, part)
    return key


class _Scheme(NamedTuple):
    """What every link of the bucket shares, as botocore's first link showed it."""

    origin: str
    """``https://bucket.s3.amazonaws.com``: scheme and host."""
    prefix: str
    """The path before the key: ``/`` for virtual-hosted buckets, ``/bucket/`` for path style."""
    region: str
    service: str
    credentials: Any
    """botocore's ``Credentials``, asked for a frozen copy at every link (they may refresh)."""

    def sign(self, key: str, expires_in: int, version_id: str | None, moment: datetime) -> str:
        stamp = moment.strftime(_STAMP)
        day = stamp[:8]
        frozen = self.credentials.get_frozen_credentials()
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        values = [_ALGORITHM, f"{frozen.access_key}/{scope}", stamp, str(expires_in), "host"]
        query = [("versionId", version_id)] if version_id is not None else []
        query += zip(_QUERY, values, strict=True)
        if frozen.token:
            query.append(("X-Amz-Security-Token", frozen.token))
        pairs = [f"{_encoded(name)}={_encoded(value)}" for name, value in query]
        path = self.prefix + quote(key, safe="/~")
        host = urlsplit(self.origin).netloc
        canonical = "\n".join(
            ("GET", path, "&".join(sorted(pairs)), f"host:{host}", "", "host", "UNSIGNED-PAYLOAD")
        )
        text = "\n".join(
            (_ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest())
        )
        key_of_day = _signing_key(frozen.secret_key, day, self.region, self.service)
        signature = hmac.new(key_of_day, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{self.origin}{path}?{'&'.join(pairs)}&X-Amz-Signature={signature}"


def _learnt(client: Any, key: str, expires_in: int, version_id: str | None, url: str) -> Any:
    """The scheme botocore's ``url`` for ``key`` follows, if signing it here gives that very
    URL back; else ``None``."""
    parts = urlsplit(url)
    quoted_key = quote(key, safe="/~")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    credentials = getattr(getattr(client, "_request_signer", None), "_credentials", None)
    scope = query.get("X-Amz-Credential", "").split("/")
    if (
        not parts.path.endswith(quoted_key)
        or query.get("X-Amz-Algorithm") != _ALGORITHM
        or len(scope) != 5
        or credentials is None
    ):
        return None
    scheme = _Scheme(
        f"{parts.scheme}://{parts.netloc}",
        parts.path[: -len(quoted_key)],
        scope[2],
        scope[3],
        credentials,
    )
    try:
        moment = _parsed_stamp(query["X-Amz-Date"])
        again = scheme.sign(key, expires_in, version_id, moment)
    except (KeyError, ValueError, AttributeError):
        return None
    return scheme if again == url else None


class LinkSigner:
    """Presigned ``GetObject`` links for one bucket through one S3 client."""

    def __init__(
        self, client: Any, bucket_name: str, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._client = client
        self._bucket_name = bucket_name
        self._clock = clock
        """The signing instant, as botocore's own (the wall clock): a link works from then."""
        self._scheme: _Scheme | None = None
        self._learning = True

    @property
    def signs_here(self) -> bool:
        """Whether links are signed here (else by botocore)."""
        return self._scheme is not None

    def url(self, key: str, expires_in: int, version_id: str | None = None) -> str:
        if self._scheme is not None:
            return self._scheme.sign(key, expires_in, version_id, self._clock())
        params = {"Bucket": self._bucket_name, "Key": key}
        if version_id is not None:
            params["VersionId"] = version_id
        url = self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        if self._learning:  # only the first link is compared: a failed check is final
            self._learning = False
            self._scheme = _learnt(self._client, key, expires_in, version_id, url)
        return url
