"""A write-only, non-seekable binary stream into one S3 object, by multipart upload.

What is written is kept until it makes a part of at least ``PART_SIZE`` (S3's least, but
for the last part), which is then uploaded: however large the object, only about one part
is in memory. The upload is created with the first part, completed when the stream is
closed, and aborted if the ``with`` block around it fails, so a half-written object is never
stored. ``zipfile`` writes to it as to any stream it cannot seek (data descriptors after
each entry); ReportLab writes a finished PDF to it in one call.

Not an ``io.IOBase``: its finalizer closes the stream, which here would store whatever had
been written when it was dropped. An upload neither completed nor aborted (the process
died) is removed by the bucket's lifecycle rule (``AbortIncompleteMultipartUpload``).

The upload declares docgen's checksum (``checksums.ALGORITHM``) when it is created: S3 then
checks each part, and the completion names every part's checksum.
"""

from types import TracebackType
from typing import Any

from chalicelib.adapters.aws import unavailable_on_aws_faults
from chalicelib.adapters.checksums import ALGORITHM as CHECKSUM

PART_SIZE = 5 * 1024 * 1024
"""S3's smallest part but the last; a part holds this, or a little more (one write's worth)."""


class MultipartUpload:
    """``key`` in ``bucket`` (a boto3 ``Bucket``), written as a stream; SSE ``AES256``."""

    def __init__(self, bucket: Any, key: str, content_type: str) -> None:
        self.key = key
        self.content_type = content_type
        self.size = 0
        """Bytes written so far: the object's size once stored."""
        self.version_id: str | None = None
        """The stored object's version, on a versioned bucket; set when closed."""
        self.closed = False
        self._client = bucket.meta.client
        self._bucket_name: str = bucket.name
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.size

    def write(self, data: bytes) -> int:
        """Keep ``data``; upload what is kept once it makes a part."""
        if self.closed:
            raise ValueError(f"the upload of {self.key} is closed")
        self._buffer += data
        self.size += len(data)
        if len(self._buffer) >= PART_SIZE:
            self._upload_part()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: a part goes when it is full, as S3 wants every part but the last."""

    def close(self) -> None:
        """Upload the last part (an empty one if nothing was written) and store the object."""
        if self.closed:
            return
        if self._buffer or not self._parts:
            self._upload_part()
        with unavailable_on_aws_faults("S3"):
            done = self._client.complete_multipart_upload(
                Bucket=self._bucket_name,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self.version_id = done.get("VersionId")
        self.closed = True

    def abort(self) -> None:
        """Drop the parts uploaded so far: nothing is stored."""
        self.closed = True
        self._buffer = bytearray()
        if self._upload_id is not None:
            with unavailable_on_aws_faults("S3"):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket_name, Key=self.key, UploadId=self._upload_id
                )

    def __enter__(self) -> "MultipartUpload":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Store the object, unless the block (or storing it) failed: then abort the upload."""
        try:
            if kind is None:
                self.close()
        finally:
            if not self.closed:
                self.abort()

    def _upload_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._create()
        number = len(self._parts) + 1
        with unavailable_on_aws_faults("S3"):
            response = self._client.upload_part(
                Bucket=self._bucket_name,
                Key=self.key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=self._buffer,
                ChecksumAlgorithm=CHECKSUM,
            )
        self._parts.append(
            {
                "PartNumber": number,
                "ETag": response["ETag"],
                f"Checksum{CHECKSUM}": response[f"Checksum{CHECKSUM}"],
            }
        )
        self._buffer = bytearray()

    def _create(self) -> str:
        with unavailable_on_aws_faults("S3"):
            created = self._client.create_multipart_upload(
                Bucket=self._bucket_name,
                Key=self.key,
                ContentType=self.content_type,
                ServerSideEncryption="AES256",
                ChecksumAlgorithm=CHECKSUM,
            )
        return created["UploadId"]
