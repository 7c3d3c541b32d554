"""Generated documents in the S3 bucket named by ``S3_BUCKET_NAME``."""

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

from chalicelib.aws import make_client, required_env, unavailable_on_aws_faults

DEFAULT_URL_TTL_SECONDS = 900
MAX_URL_TTL_SECONDS = 7 * 24 * 3600
"""The longest a SigV4 presigned URL can be valid."""


class DocumentStore(Protocol):
    bucket: str

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None: ...

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]: ...

    def head(self, key: str) -> dict | None: ...

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[dict], bool]: ...

    def delete(self, key: str) -> None: ...


class S3DocumentStore:
    """One bucket, through a lazily built client. Every object is written encrypted."""

    def __init__(self, bucket: str | None = None, client: Any = None) -> None:
        if bucket is not None:
            self.bucket = bucket
        if client is not None:
            self.client = client

    @cached_property
    def bucket(self) -> str:
        return required_env("S3_BUCKET_NAME")

    @cached_property
    def client(self) -> Any:
        return make_client("s3")

    @cached_property
    def url_ttl_seconds(self) -> int:
        """How long download links work: the stage's ``DOCUMENT_URL_TTL_SECONDS``, or 15 minutes."""
        raw = os.environ.get("DOCUMENT_URL_TTL_SECONDS", str(DEFAULT_URL_TTL_SECONDS))
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_URL_TTL_SECONDS:
            raise RuntimeError(
                f"DOCUMENT_URL_TTL_SECONDS must be whole seconds from 1 to {MAX_URL_TTL_SECONDS}"
            )
        return int(raw)

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        """One ``PutObject`` with SSE; returns the version id on a versioned bucket."""
        with unavailable_on_aws_faults("S3"):
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                ServerSideEncryption="AES256",
                Metadata=dict(metadata),
            )
        return response.get("VersionId")

    def head(self, key: str) -> dict | None:
        """The object's metadata (one ``HeadObject``), or None if there is none."""
        client = self.client
        with unavailable_on_aws_faults("S3"):
            try:
                response = client.head_object(Bucket=self.bucket, Key=key)
            except client.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    return None
                raise
        return {
            "size": response["ContentLength"],
            "lastModified": response["LastModified"],
            "versionId": response.get("VersionId"),
            "metadata": response.get("Metadata", {}),
        }

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[dict], bool]:
        """Up to ``limit`` objects under ``prefix`` after the key ``after``, and if more follow."""
        request = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": limit}
        if after is not None:
            request["StartAfter"] = after
        with unavailable_on_aws_faults("S3"):
            response = self.client.list_objects_v2(**request)
        objects = [
            {"key": obj["Key"], "size": obj["Size"], "lastModified": obj["LastModified"]}
            for obj in response.get("Contents", [])
        ]
        return objects, bool(response.get("IsTruncated"))

    def delete(self, key: str) -> None:
        """One ``DeleteObject``; on a versioned bucket the history stays recoverable."""
        with unavailable_on_aws_faults("S3"):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]:
        """A GET link signed locally (no AWS call), and when it stops working."""
        ttl = self.url_ttl_seconds
        expires_at = now + timedelta(seconds=ttl)
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=ttl
        )
        return url, expires_at


class InMemoryDocumentStore:
    """The same contract over a dict, for fast service-layer tests."""

    def __init__(self, bucket: str = "in-memory-documents") -> None:
        self.bucket = bucket
        self.objects: dict[str, tuple[bytes, str, dict[str, str]]] = {}
        self.written_at: dict[str, datetime] = {}

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        self.objects[key] = (body, content_type, dict(metadata))
        self.written_at[key] = datetime.now(UTC)
        return None

    def head(self, key: str) -> dict | None:
        if key not in self.objects:
            return None
        body, _, metadata = self.objects[key]
        return {
            "size": len(body),
            "lastModified": self.written_at[key],
            "versionId": None,
            "metadata": metadata,
        }

    def list(self, prefix: str, limit: int, after: str | None) -> tuple[list[dict], bool]:
        keys = sorted(
            k for k in self.objects if k.startswith(prefix) and (after is None or k > after)
        )
        return [
            {"key": k, "size": len(self.objects[k][0]), "lastModified": self.written_at[k]}
            for k in keys[:limit]
        ], len(keys) > limit

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self.written_at.pop(key, None)

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]:
        expires_at = now + timedelta(seconds=DEFAULT_URL_TTL_SECONDS)
        return f"memory://{self.bucket}/{key}", expires_at
