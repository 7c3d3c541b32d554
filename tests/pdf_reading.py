"""Reading PDFs as their readers do, for the layout tests: poppler's tools (``pdftotext``,
``pdffonts``, ``pdftoppm``, which ``make test`` installs), pypdf's text positions, and the
logos the letterheads carry, made here byte by byte."""

import io
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Callable
from typing import NamedTuple

import pytest
from bidi import get_display
from PIL import Image
from pypdf import PdfReader

from chalicelib.domain.logos import PNG_SIGNATURE

_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e"))
"""The embedding marks pdftotext puts around right-to-left runs: its own, not the letter's."""


def layout_seconds(lay_out: Callable[[], object], tries: int = 3) -> float:
    """The fastest of ``tries`` layouts, in seconds: what the linear-time tests compare (four
    times the text in about four times the time; a quadratic pass would take sixteen)."""
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        lay_out()
        best = min(best, time.perf_counter() - start)
    return best


def poppler(tool: str, *args: str, data: bytes) -> bytes:
    """``tool``'s output for the PDF ``data``; a failure, never a skip, when it is missing."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (make system-packages does)")
    return subprocess.run([tool, *args], input=data, capture_output=True, check=True).stdout


def pdftotext_pages(data: bytes) -> list[list[str]]:
    """Each page's non-empty lines as ``pdftotext`` reads them, in reading order."""
    text = poppler("pdftotext", "-", "-", data=data).decode()
    return [[line for line in page.splitlines() if line.strip()] for page in text.split("\f")[:-1]]


def shown(line: str, read: bool = False) -> str:
    """A line as it is displayed (bidi's visual order), without direction marks: pdftotext
    and the letter put neutral characters at the edge of a right-to-left run on different
    sides of it, which display the same. pdftotext's lines (``read``) are for a
    left-to-right context, their right-to-left runs marked as embeddings."""
    return get_display(line, base_dir="L" if read else None).translate(_DIRECTION_MARKS)


def pdffonts(data: bytes) -> list[dict[str, str]]:
    """``pdffonts``'s table: each font's name, and its ``emb`` and ``sub`` columns."""
    lines = poppler("pdffonts", "-", data=data).decode().splitlines()[2:]
    fonts = []
    for line in lines:
        name, *_, emb, sub, _uni, _object, _generation = line.split()
        fonts.append({"name": name, "emb": emb, "sub": sub})
    return fonts


def render(data: bytes, page: int = 1, dpi: int = 50) -> Image.Image:
    """Page ``page`` as ``pdftoppm -r <dpi> -png`` draws it."""
    png = poppler("pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), data=data)
    return Image.open(io.BytesIO(png)).convert("RGB")


class Chunk(NamedTuple):
    """One piece of text as drawn: where its baseline starts, from the page's top left."""

    text: str
    x: float
    top: float
    size: float
    font: str


def chunks(data: bytes, page: int = 0) -> list[Chunk]:
    """The page's text pieces in the order drawn, with their positions (pypdf)."""
    sheet = PdfReader(io.BytesIO(data)).pages[page]
    height = float(sheet.mediabox.height)
    found: list[Chunk] = []

    def visit(text: str, cm: list, tm: list, font: dict | None, size: float) -> None:
        if text.strip() and font is not None:
            matrix = _times(tm, cm)
            name = str(font["/BaseFont"]).partition("+")[2]
            found.append(Chunk(text, matrix[4], height - matrix[5], size * matrix[0], name))

    sheet.extract_text(visitor_text=visit)
    return found


def _times(a: list, b: list) -> list[float]:
    """PDF matrices ``[a b c d e f]`` multiplied: ``a`` then ``b``."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def chunk(row: bytes) -> bytes:
    return struct.pack(">I", len(row) - 4) + row + struct.pack(">I", zlib.crc32(row))


def rgb_png(width: int, height: int, colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """An opaque RGB PNG of one colour, its rows Sub-filtered (as encoders do)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x01" + bytes(colour) + b"\x00\x00\x00" * (width - 1)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR" + header)
        + chunk(b"IDAT" + zlib.compress(row * height))
        + chunk(b"IEND")
    )
