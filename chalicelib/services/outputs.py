"""A finished batch's merged outputs, streamed into the bucket: a ZIP of every letter, and for
a PDF batch one PDF of them all (``_batches/<batchId>/letters.zip`` and ``letters.pdf``).

Neither is ever whole in memory: the ZIP goes out a part at a time as letters are added,
and the PDF one file of at most ``PAGES_PER_PART`` pages at a time. Both take their letters
one at a time from iterables the caller fills lazily, and the caller chooses which letters
go in and in what order: the finisher's succeeded items.
"""

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.letters import Letter
from chalicelib.domain.outputs import (
    PAGES_PER_PART,
    ZIP_NAME,
    OutputFile,
    Uploads,
    batch_file_key,
    pdf_part_name,
)

ZIP_TYPE = "application/zip"
PDF_TYPE = "application/pdf"
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


def write_merged_pdf(
    uploads: Uploads,
    batch_id: str,
    doc_type: str,
    letters: Iterable[Letter],
    dated: datetime,
    pages_per_part: int = PAGES_PER_PART,
) -> list[OutputFile]:
    """Every letter, in order, in one PDF (``letters.pdf``), or in parts ``letters-1.pdf``,
    ``letters-2.pdf``... of at most ``pages_per_part`` pages; none if there are no letters.

    A PDF is drawn from the letters' text, not from their stored PDFs: drawing them all on
    one canvas is what keeps the file and the memory small. Each ``Letter`` must be the one
    its own PDF was drawn from (text and ``dated``, its ``generated-at``): the worker that
    wrote the letter has it, and can keep its text beside the batch for the finisher to read
    back; rendering it again at the end is the same letter only if the customer did not
    change meanwhile. The files are written one after the other: a failure stores no more
    of them, and leaves those already stored to be written again by a retry.
    """
    from chalicelib.domain.layout.merged_pdf import pdf_parts  # ReportLab: only for PDFs

    title, subject = f"{doc_type} letters", f"the {doc_type} letters of batch {batch_id}"
    files = []
    for part in pdf_parts(letters, title, subject, dated, pages_per_part):
        key = batch_file_key(batch_id, pdf_part_name(part.number, part.number == 1 and part.last))
        with uploads.upload(key, PDF_TYPE) as stream:
            stream.write(part.data)
        files.append(OutputFile(key, stream.size, stream.version_id))
    return files
