"""Generated documents in the S3 bucket named by ``S3_BUCKET_NAME``."""

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

from chalicelib.aws import make_client, required_env, unavailable_on_aws_faults

DEFAULT_URL_TTL_SECONDS = 900


class DocumentStore(Protocol):
    bucket: str

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None: ...

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]: ...


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

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]:
        """A GET link signed locally (no AWS call), and when it stops working."""
        ttl = int(os.environ.get("DOCUMENT_URL_TTL_SECONDS", DEFAULT_URL_TTL_SECONDS))
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

    def put(
        self, key: str, body: bytes, content_type: str, metadata: Mapping[str, str]
    ) -> str | None:
        self.objects[key] = (body, content_type, dict(metadata))
        return None

    def presign(self, key: str, now: datetime) -> tuple[str, datetime]:
        expires_at = now + timedelta(seconds=DEFAULT_URL_TTL_SECONDS)
        return f"memory://{self.bucket}/{key}", expires_at
