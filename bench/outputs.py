"""A batch's merged outputs for 1,000 letters, against the naive way to make each:
``python -m bench.outputs``.

- ZIP: docgen streams the archive into a multipart upload (``services.outputs.write_zip``);
  the baseline builds it in a ``BytesIO`` and stores it with one ``PutObject``.
- PDF: docgen draws every letter onto one canvas (``write_merged_pdf``); the baseline
  appends the letters' own PDFs with pypdf, as a merge of stored files would.

Each arm runs in a fresh interpreter, twice: once timed (its peak RSS read too), once under
tracemalloc, which slows it; both after the libraries and the font are loaded, as a warm
container has them. The letters' own PDFs are made once, into a temporary folder, and read
one at a time as the finisher reads them from S3; the letters' text is made beforehand.
S3 is a stand-in that keeps each part's size and drops its bytes: moto would keep and join
every part in this process, and count as the code's memory (``tests/unit/test_multipart``
measures the stream on moto, botocore's copy of the part being sent included).
"""

import io
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench import children
from bench.report import Row, ratio_row, text_table
from chalicelib.adapters.s3 import S3DocumentStore
from chalicelib.domain.letters import Letter

LETTERS = 1_000
NOW = datetime(2026, 11, 23, 21, tzinfo=UTC)
PARAGRAPH = (
    "We are writing about your account and the changes that come into force next month, "
    "what they mean for customers like you, and what you can do if you wish to change plan."
)
MiB = 1024 * 1024
ARMS = ("zip docgen", "zip baseline", "pdf docgen", "pdf baseline")


class DroppingS3:
    """The S3 calls the store makes, answered in memory: sizes kept, bytes dropped."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def create_multipart_upload(self, **_: Any) -> dict:
        return {"UploadId": "bench"}

    def upload_part(self, Body: bytes, PartNumber: int, **_: Any) -> dict:
        self.sizes.append(len(Body))
        return {"ETag": f'"{PartNumber}"', "ChecksumCRC32": "AAAAAA=="}

    def complete_multipart_upload(self, **_: Any) -> dict:
        return {}

    def abort_multipart_upload(self, **_: Any) -> dict:
        return {}

    def put_object(self, Body: bytes, **_: Any) -> dict:
        self.sizes.append(len(Body))
        return {}


def letters() -> list[Letter]:
    """A page each, every one its own customer's."""
    return [
        Letter(
            f"customer-{n}",
            "Welcome",
            f"Dear Customer {n};\n" + "\n\n".join([PARAGRAPH] * 10),
            NOW,
        )
        for n in range(LETTERS)
    ]


def render_letters(folder: Path) -> None:
    """Each letter's own PDF, as the batch stored it, into ``folder``: made once per bench."""
    from chalicelib.domain.layout.pdf import letter_pdf

    for letter in letters():
        (folder / f"{letter.customer_id}.pdf").write_bytes(letter_pdf(letter))


def stored_letters(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Each letter's PDF read when it is wanted, as the finisher reads it from S3."""
    for n in range(LETTERS):
        yield f"customer-{n}/Welcome.pdf", (folder / f"customer-{n}.pdf").read_bytes()


def prepared(arm: str, store: S3DocumentStore, folder: Path) -> Callable[[], object]:
    """The arm's work; the letters' text made beforehand, their PDFs read as it goes."""
    from chalicelib.services.outputs import write_merged_pdf, write_zip

    if arm == "pdf docgen":
        batch = letters()
        return lambda: write_merged_pdf(store, "bench", "Welcome", iter(batch), NOW)
    if arm == "zip docgen":
        return lambda: write_zip(store, "bench", stored_letters(folder), NOW)
    if arm == "zip baseline":
        return lambda: naive_zip(store, stored_letters(folder))
    return lambda: naive_pdf(store, stored_letters(folder))


def naive_zip(store: S3DocumentStore, files: Iterable[tuple[str, bytes]]) -> None:
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, data in files:
            archive.writestr(name, data)
    store.put("_batches/bench/letters.zip", output.getvalue(), "application/zip", {})


def naive_pdf(store: S3DocumentStore, files: Iterable[tuple[str, bytes]]) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for _, data in files:
        writer.append(PdfReader(io.BytesIO(data)))
    output = io.BytesIO()
    writer.write(output)
    store.put("_batches/bench/letters.pdf", output.getvalue(), "application/pdf", {})


def child(arm: str, folder: Path, traced: bool) -> dict[str, Any]:
    """One run of ``arm`` in this fresh interpreter: what the parent tabulates."""
    s3 = DroppingS3()
    bucket = SimpleNamespace(name="bench", meta=SimpleNamespace(client=s3))
    work = prepared(arm, S3DocumentStore(bucket), folder)
    warm()
    rss_before = _rss_bytes()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "seconds": seconds,
        "traced_peak": peak,
        "rss_growth": max(0, max_rss - rss_before),
        "size": sum(s3.sizes),
        "parts": len(s3.sizes),
    }


def warm() -> None:
    """What a container loads once, loaded before the measures: both arms' libraries, the font."""
    import pypdf  # noqa: F401

    from chalicelib.domain.layout.scripts import PRIMARY, load  # ReportLab with it

    load(PRIMARY)


def _rss_bytes() -> int:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def run(arm: str, folder: Path, traced: bool) -> dict[str, Any]:
    args = ["-m", "bench.outputs", "--child", arm, str(folder)]
    return children.figures([*args, "--traced"] if traced else args)


def rows() -> list[Row]:
    """Each output's time, memory, size and parts: docgen's arm against the baseline's."""
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as name:
        folder = Path(name)
        render_letters(folder)
        timed = {arm: run(arm, folder, traced=False) for arm in ARMS}
        traced = {arm: run(arm, folder, traced=True) for arm in ARMS}
    table = []
    for output in ("zip", "pdf"):
        ours, theirs = timed[f"{output} docgen"], timed[f"{output} baseline"]
        what = f"{LETTERS:,}-letter {output.upper()}"
        traced_ours, traced_theirs = traced[f"{output} docgen"], traced[f"{output} baseline"]
        table += [
            ratio_row(f"{what}: time", ours["seconds"], theirs["seconds"], None),
            _mib_row(f"{what}: peak traced memory", traced_ours, traced_theirs, "traced_peak"),
            _mib_row(f"{what}: peak RSS growth", ours, theirs, "rss_growth"),
            _mib_row(f"{what}: file size", ours, theirs, "size"),
            Row(
                f"{what}: parts uploaded", str(ours["parts"]), str(theirs["parts"]), None, "-", None
            ),
        ]
    return table


def _mib_row(metric: str, ours: dict[str, Any], theirs: dict[str, Any], measure: str) -> Row:
    mine, other = ours[measure], theirs[measure]
    return Row(metric, f"{mine / MiB:.1f} MiB", f"{other / MiB:.1f} MiB", mine / other, "-", None)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), "--traced" in sys.argv)))
        return
    print(text_table(rows()))
    print(
        "Baselines: the ZIP built in a BytesIO and stored by one PutObject; the PDF made by "
        "appending each letter's own PDF with pypdf. S3: an in-memory stand-in that drops "
        "the bytes. One run per arm in a fresh interpreter; memory measured in a second, "
        "traced run."
    )


if __name__ == "__main__":
    main()
