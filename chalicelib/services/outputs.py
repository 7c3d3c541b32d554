"""A finished batch's merged outputs, streamed into the bucket: a ZIP of every letter
(``_batches/<batchId>/letters.zip``).

It is never whole in memory: it goes out a part at a time as letters are added, taken one
at a time from an iterable the caller fills lazily (a ``GetObject`` per stored letter), and
the caller chooses which letters go in and in what order: the finisher's succeeded items.
"""

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.outputs import (
    ZIP_NAME,
    OutputFile,
    Uploads,
    batch_file_key,
)

ZIP_TYPE = "application/zip"
ENTRY_MODE = 0o644
"""Each letter's permissions when unzipped: readable by all, as a downloaded file is."""


def write_zip(
    uploads: Uploads, batch_id: str, entries: Iterable[tuple[str, bytes]], dated: datetime
) -> OutputFile:
    """The ZIP of ``entries`` (name in the archive, bytes), in order, each dated ``dated``
    (the batch's end, UTC): the same entries make the same archive.

    A failure while reading the entries (or writing) stores nothing.
    """
    import zipfile  # the finisher's alone: no request path pays for it

    key = batch_file_key(batch_id, ZIP_NAME)
    with uploads.upload(key, ZIP_TYPE) as stream, zipfile.ZipFile(stream, "w") as archive:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, dated.timetuple()[:6])
            entry.external_attr = ENTRY_MODE << 16
            # ReportLab compresses a PDF's pages already: deflating one saves about 7% of
            # its size for about 1 ms. Text and HTML shrink to a fifth or less.
            pdf = name.endswith(".pdf")
            entry.compress_type = zipfile.ZIP_STORED if pdf else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return OutputFile(key, stream.size, stream.version_id)
