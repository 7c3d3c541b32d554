"""Generated documents in the bucket named by ``S3_BUCKET_NAME``, through a lazily built
boto3 ``Bucket``. Every object is written encrypted.

Calls on one object go through the bucket's client: ``bucket.Object(key)`` has boto3's
resource factory build the ``Object`` class anew for every key, about a millisecond of a
warm letter, to make the same call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import checksums
from chalicelib.adapters.aws import (
    Lazy,
    build_while_waiting,
    error_code,
    required_env,
    s3_bucket,
    unavailable_on_aws_faults,
)
from chalicelib.domain.documents import ObjectHead, ObjectListing

if TYPE_CHECKING:
    from chalicelib.adapters.links import LinkSigner
    from chalicelib.adapters.multipart import MultipartUpload

DEFAULT_URL_TTL_SECONDS = 900
MAX_URL_TTL_SECONDS = 7 * 24 * 3600
"""The longest a SigV4 presigned URL can be valid."""


def url_ttl_seconds() -> int:
    """How long download links work: the stage's ``DOCUMENT_URL_TTL_SECONDS``, or 15 minutes."""
    raw = os.environ.get("DOCUMENT_URL_TTL_SECONDS", str(DEFAULT_URL_TTL_SECONDS))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_URL_TTL_SECONDS:
        raise RuntimeError(
            f"DOCUMENT_URL_TTL_SECONDS must be whole seconds from 1 to {MAX_URL_TTL_SECONDS}"
        )
    return int(raw)


class S3DocumentStore:
    def __init__(self, bucket: Any = None) -> None:
        self._bucket: Lazy[Any] = (
            Lazy(lambda: s3_bucket(required_env("S3_BUCKET_NAME")))
            if bucket is None
            else Lazy.ready(bucket)
        )

    @property
    def bucket(self) -> Any:
        """Built on first use (by :meth:`prepare`'s thread, if it got there first) and kept."""
        return self._bucket.get()

    def prepare(self) -> None:
        """Have the bucket built while the next AWS request (the letter's read) is in flight."""
        build_while_waiting(self._bucket)

    @property
    def bucket_name(self) -> str:
        return self.bucket.name

    @property
    def client(self) -> Any:
        """The bucket's own client: for signing, paged lists and calls on one object."""
        return self.bucket.meta.client

    @cached_property
    def _links(self) -> LinkSigner:
        from chalicelib.adapters.links import LinkSigner

        return LinkSigner(self.client, self.bucket_name)

    @cached_property
    def url_ttl_seconds(self) -> int:
        return url_ttl_seconds()

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        """One ``PutObject`` with SSE and a CRC32 that S3 checks; returns the version id on a
        versioned bucket."""
        with unavailable_on_aws_faults("S3"):
            response = self.client.put_object(
                Bucket=self.bucket_name,
                Key=key,
                Body=body,
                ContentType=content_type,
                ServerSideEncryption="AES256",
                Metadata=dict(metadata),
                **checksums.declared(body),
            )
        return response.get("VersionId")

    def upload(self, key: str, content_type: str) -> MultipartUpload:
        """A stream into ``key`` for a file too large to hold whole (a batch's merged
        outputs): stored by multipart upload, with SSE, when its ``with`` block ends."""
        from chalicelib.adapters.multipart import MultipartUpload  # only batches' outputs

        return MultipartUpload(self.bucket, key, content_type)

    def read(self, key: str) -> bytes | None:
        """One object's bytes (one ``GetObject``), or None if there is none: a batch's
        letters, gathered to merge."""
        with unavailable_on_aws_faults("S3"):
            try:
                return self.client.get_object(Bucket=self.bucket_name, Key=key)["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None

    def head(self, key: str) -> ObjectHead | None:
        """The object's metadata (one ``HeadObject``), or None if there is none."""
        with unavailable_on_aws_faults("S3"):
            try:
                obj = self.client.head_object(Bucket=self.bucket_name, Key=key)
            except self.client.exceptions.ClientError as error:
                if error_code(error) in ("404", "NoSuchKey"):
                    return None
                raise
        return ObjectHead(
            obj["ContentLength"], obj["LastModified"], obj.get("VersionId"), obj.get("Metadata", {})
        )

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[ObjectListing], bool]:
        """Up to ``limit`` objects under ``prefix`` after the key ``after``, and if more follow.

        The client's call, not the resource's collection: only it says whether the
        listing was cut short without reading one object more.
        """
        request = {"Bucket": self.bucket_name, "Prefix": prefix, "MaxKeys": limit}
        if after is not None:
            request["StartAfter"] = after
        with unavailable_on_aws_faults("S3"):
            response = self.client.list_objects_v2(**request)
        objects = [
            ObjectListing(obj["Key"], obj["Size"], obj["LastModified"])
            for obj in response.get("Contents", [])
        ]
        return objects, bool(response.get("IsTruncated"))

    def delete(self, key: str) -> None:
        """One ``DeleteObject``; on a versioned bucket the history stays recoverable."""
        with unavailable_on_aws_faults("S3"):
            self.client.delete_object(Bucket=self.bucket_name, Key=key)

    def presign(
        self, key: str, now: datetime, version_id: str | None = None
    ) -> tuple[str, datetime]:
        """A GET link signed locally (no AWS call), and when it stops working; with
        ``version_id``, a link to exactly that version (a versioned bucket's)."""
        ttl = self.url_ttl_seconds
        return self._links.url(key, ttl, version_id), now + timedelta(seconds=ttl)
