"""The multipart stream and the batch ZIP written through it, on moto: every letter back as it
went in, parts of at least 5 MiB but the last, encrypted, nothing stored (nor left pending)
when anything fails, and about one part in memory however large the archive."""

import gc
import io
import os
import tracemalloc
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.multipart import PART_SIZE, MultipartUpload
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.domain.errors import Unavailable
from chalicelib.services.outputs import write_zip
from tests.faults import VirtualClock, inject, s3_error
from tests.support import AWS, BUCKET, NOW, app_store

MiB = 1024 * 1024
KEY = "_batches/b-1/letters.zip"


@pytest.fixture
def store(aws: AWS) -> S3DocumentStore:
    return app_store(aws)


def letters(count: int, size: int) -> Iterator[tuple[str, bytes]]:
    """``count`` incompressible letters of ``size`` bytes, made one at a time."""
    for n in range(count):
        yield f"customer-{n}/Welcome.{'pdf' if n % 2 else 'txt'}", os.urandom(size)


def part_sizes(aws: AWS, key: str) -> list[int]:
    """The stored object's parts, as S3 reports them (``HeadObject`` of each part)."""
    count = aws.s3.head_object(Bucket=BUCKET, Key=key, PartNumber=1)["PartsCount"]
    return [
        aws.s3.head_object(Bucket=BUCKET, Key=key, PartNumber=n)["ContentLength"]
        for n in range(1, count + 1)
    ]


def pending_uploads(aws: AWS) -> list[Any]:
    return aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])


def test_a_zip_of_letters_goes_up_in_parts_of_at_least_5_mib(
    store: S3DocumentStore, aws: AWS
) -> None:
    written = list(letters(12, MiB))
    output = write_zip(store, "b-1", iter(written), NOW)

    stored = aws.s3.get_object(Bucket=BUCKET, Key=KEY)
    body = stored["Body"].read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == [name for name, _ in written]
    assert all(archive.read(name) == data for name, data in written)
    assert archive.testzip() is None
    sizes = part_sizes(aws, KEY)
    assert len(sizes) == 3
    assert all(size >= PART_SIZE for size in sizes[:-1])
    assert sum(sizes) == len(body) == output.size
    assert aws.calls.count("UploadPart") == 3
    assert (output.key, stored["ServerSideEncryption"]) == (KEY, "AES256")
    assert stored["ContentType"] == "application/zip"
    assert pending_uploads(aws) == []


def test_the_zip_is_written_as_a_stream_with_each_entry_dated_by_the_batch(
    store: S3DocumentStore, aws: AWS
) -> None:
    write_zip(store, "b-1", [("a/Welcome.txt", b"Dear A;\n" * 50), ("b/Welcome.pdf", b"%PDF")], NOW)

    archive = zipfile.ZipFile(io.BytesIO(aws.objects()[KEY]))
    text, pdf = archive.infolist()
    assert all(entry.flag_bits & 0x08 for entry in (text, pdf))  # sizes after the data
    assert (text.compress_type, pdf.compress_type) == (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)
    assert text.date_time == pdf.date_time == (2026, 11, 23, 21, 0, 0)
    assert text.external_attr >> 16 == 0o644
    assert archive.read("a/Welcome.txt") == b"Dear A;\n" * 50


def test_a_failure_while_reading_the_letters_stores_nothing(
    store: S3DocumentStore, aws: AWS
) -> None:
    def failing() -> Iterator[tuple[str, bytes]]:
        yield from letters(11, MiB)
        raise RuntimeError("the 12th letter could not be read")

    with pytest.raises(RuntimeError, match="12th"):
        write_zip(store, "b-1", failing(), NOW)

    assert aws.calls.count("UploadPart") == 2  # parts had gone up
    assert aws.calls[-1] == "AbortMultipartUpload"
    assert aws.objects() == {}
    assert pending_uploads(aws) == []


def test_s3_failing_for_good_is_unavailable_and_aborts_the_upload(
    store: S3DocumentStore, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    VirtualClock().install(monkeypatch)  # botocore's backoffs, without the wait
    inject(store.client, "UploadPart", [s3_error("SlowDown", 503)] * 3)

    with pytest.raises(Unavailable):
        write_zip(store, "b-1", letters(6, MiB), NOW)

    assert aws.calls[-2:] == ["UploadPart", "AbortMultipartUpload"]
    assert aws.objects() == {}
    assert pending_uploads(aws) == []


def test_a_failed_completion_aborts_the_upload(store: S3DocumentStore, aws: AWS) -> None:
    inject(store.client, "CompleteMultipartUpload", [s3_error("AccessDenied", 403)])

    with pytest.raises(store.client.exceptions.ClientError), store.upload(KEY, "text/plain") as up:
        up.write(b"Dear")

    assert aws.calls[-2:] == ["CompleteMultipartUpload", "AbortMultipartUpload"]
    assert pending_uploads(aws) == []


class ClientSidePeak:
    """The most memory traced on the client's side of S3, request after request.

    moto serves each request in this process: its copies of a part's body (several), its
    stored parts and the reference cycles its request objects leave would all count, where
    in production they are S3's. So the peak is read as each request goes out (after
    botocore built it, before moto's stubber: the specific event runs before the generic
    one moto sits on), and reset once moto answered, its garbage collected.
    """

    def __init__(self, client: Any) -> None:
        self.peak = 0
        client.meta.events.register_first("before-send.s3", self._sending)
        client.meta.events.register("needs-retry.s3", self._answered)

    def _sending(self, **_: Any) -> None:
        self.peak = max(self.peak, tracemalloc.get_traced_memory()[1])

    def _answered(self, **_: Any) -> None:
        gc.collect()
        tracemalloc.reset_peak()


def test_about_one_part_is_in_memory_however_large_the_archive(
    store: S3DocumentStore, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", str(MiB))  # moto's parts on disk
    measured = ClientSidePeak(store.client)
    tracemalloc.start()
    try:
        output = write_zip(store, "b-1", letters(30, MiB), NOW)
    finally:
        tracemalloc.stop()

    assert output.size > 30 * MiB
    assert len(part_sizes(aws, KEY)) == 7
    # The part being sent, botocore's copy of it for the request, and the next letter.
    assert PART_SIZE < measured.peak < 3 * PART_SIZE


def test_a_stream_with_nothing_written_stores_an_empty_object(
    store: S3DocumentStore, aws: AWS
) -> None:
    with store.upload("_batches/b-1/empty", "text/plain") as up:
        assert (up.writable(), up.seekable(), up.tell()) == (True, False, 0)

    assert aws.objects() == {"_batches/b-1/empty": b""}
    assert up.size == 0


def test_a_versioned_bucket_gives_the_stored_version(store: S3DocumentStore, aws: AWS) -> None:
    aws.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})

    with MultipartUpload(store.bucket, KEY, "application/zip") as up:
        assert up.write(b"PK") == 2

    head = aws.s3.head_object(Bucket=BUCKET, Key=KEY)
    assert up.version_id == head["VersionId"]
    assert (up.size, head["ContentLength"]) == (2, 2)
    with pytest.raises(ValueError, match="closed"):
        up.write(b"more")
