"""A letterhead's logo as a PDF image, without Pillow.

The Lambda package has a stub in place of Pillow (``tools/pil_stub``), so ReportLab's own
image reading is not there: docgen writes the image XObject itself, from the file's bytes,
after ``logos.decode_logo`` has checked them (every chunk or segment, the pixel bounds).

- A JPEG is embedded as it is (``DCTDecode``): PDF readers decode JPEG themselves.
- An opaque PNG (grey, RGB or palette, any bit depth) is embedded undecoded too: its IDAT
  stream is a zlib stream of filtered rows, which is what ``FlateDecode`` with PNG
  predictors (``/Predictor 15``) reads. A grey or RGB PNG's ``tRNS`` colour key becomes the
  image's ``/Mask``.
- A PNG with alpha (grey or RGB with alpha, or a palette with ``tRNS``) needs its alpha
  apart, as a soft mask (``/SMask``): its rows are inflated (to exactly the size the header
  declares, never more) and unfiltered here, in Python, which is why such a logo may have
  at most ``rules.LOGO_MAX_DECODED_PIXELS`` pixels.
"""

import base64
import hashlib
import struct
import zlib
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFDocument, PDFObject, PDFStream
from reportlab.pdfgen.canvas import Canvas

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.logos import decode_logo, is_translucent, jpeg_frame, png_chunks, png_header

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel of each PNG colour type."""
_SPACES = {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}


class PdfImage(NamedTuple):
    """An image XObject's dictionary entries (PDF syntax) and its stream."""

    width: int
    height: int
    entries: tuple[tuple[str, str], ...]
    """``/ColorSpace``, ``/BitsPerComponent``, ``/Filter`` and the like, as PDF text."""
    data: bytes
    soft_mask: "PdfImage | None" = None


def logo_image(logo: Mapping[str, str]) -> PdfImage:
    """The letterhead's ``logo`` (``contentType`` and base64 ``data``) as a PDF image."""
    return _image(logo["contentType"], logo["data"])


@lru_cache(maxsize=8)
def _image(content_type: str, data: str) -> PdfImage:
    """Once per container for each logo: a batch draws the same one on every letter."""
    decode_logo(content_type, data)  # checked again: the item may have been written around us
    raw = base64.b64decode(data)
    if content_type == "image/jpeg":
        return _jpeg(raw)
    return _png(raw)


def _jpeg(raw: bytes) -> PdfImage:
    width, height, components = jpeg_frame(raw)
    if components not in _SPACES:
        raise InvalidInput(f"logo JPEG has {components} colour components; 1, 3 or 4 are drawn")
    entries = [("ColorSpace", _SPACES[components]), ("BitsPerComponent", "8")]
    if components == 4:  # Adobe's CMYK JPEGs are stored inverted
        entries.append(("Decode", "[1 0 1 0 1 0 1 0]"))
    return PdfImage(width, height, (*entries, ("Filter", "/DCTDecode")), raw)


def _png(raw: bytes) -> PdfImage:
    chunks = png_chunks(raw)
    width, height, depth, colour = png_header(chunks)
    stream = b"".join(data for kind, data in chunks if kind == "IDAT")
    palette = b"".join(data for kind, data in chunks if kind == "PLTE")
    transparency = b"".join(data for kind, data in chunks if kind == "tRNS")
    if colour == 3 and not palette:
        raise InvalidInput("logo PNG has a palette colour type but no PLTE palette")
    if not is_translucent(chunks, colour):
        space = _palette_space(palette) if colour == 3 else _SPACES[_CHANNELS[colour]]
        entries = _flate(width, _CHANNELS[colour], depth, space)
        if transparency:
            keys = struct.unpack(f">{len(transparency) // 2}H", transparency)
            entries += (("Mask", "[" + " ".join(f"{key} {key}" for key in keys) + "]"),)
        return PdfImage(width, height, entries, stream)
    pixels = _unfiltered(stream, width, height, _CHANNELS[colour] * depth)
    if colour == 3:  # the indices stay as they are; their alphas are the soft mask
        alpha = bytes(transparency[:256].ljust(256, b"\xff"))
        indices = _samples(pixels, width, height, depth)
        mask = PdfImage(
            width, height, _plain("/DeviceGray"), zlib.compress(indices.translate(alpha))
        )
        entries = _plain(_palette_space(palette))
        return PdfImage(width, height, entries, zlib.compress(indices), mask)
    channels, step = _CHANNELS[colour], depth // 8  # 8 or 16 bits: the high byte is kept
    samples = [pixels[index * step :: channels * step] for index in range(channels)]
    colours = bytearray(width * height * (channels - 1))
    for index in range(channels - 1):
        colours[index :: channels - 1] = samples[index]
    space = _SPACES[channels - 1]
    mask = PdfImage(width, height, _plain("/DeviceGray"), zlib.compress(samples[-1]))
    return PdfImage(width, height, _plain(space), zlib.compress(bytes(colours)), mask)


def _flate(width: int, colours: int, depth: int, space: str) -> tuple[tuple[str, str], ...]:
    """The entries of PNG rows kept as they are stored: inflated and unfiltered by the reader."""
    parms = f"<< /Predictor 15 /Colors {colours} /BitsPerComponent {depth} /Columns {width} >>"
    return (
        ("ColorSpace", space),
        ("BitsPerComponent", str(depth)),
        ("Filter", "/FlateDecode"),
        ("DecodeParms", parms),
    )


def _plain(space: str) -> tuple[tuple[str, str], ...]:
    """The entries of 8-bit samples docgen decoded and compressed again."""
    return (("ColorSpace", space), ("BitsPerComponent", "8"), ("Filter", "/FlateDecode"))


def _palette_space(palette: bytes) -> str:
    return f"[/Indexed /DeviceRGB {len(palette) // 3 - 1} <{palette.hex()}>]"


def _unfiltered(stream: bytes, width: int, height: int, bits: int) -> bytes:
    """The PNG's rows inflated, to the size its header declares at most, and unfiltered."""
    stride, step = (width * bits + 7) // 8, max(1, bits // 8)
    size = height * (stride + 1)
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(stream, size + 1)
    except zlib.error:
        raise InvalidInput("logo PNG is damaged: its image data does not inflate") from None
    if len(data) != size:
        raise InvalidInput("logo PNG is damaged: its image data is not the size it declares")
    rows, previous = bytearray(), bytes(stride)
    for start in range(0, size, stride + 1):
        row = _unfilter(
            data[start], bytearray(data[start + 1 : start + 1 + stride]), previous, step
        )
        rows += row
        previous = row
    return bytes(rows)


def _unfilter(kind: int, row: bytearray, above: bytes, step: int) -> bytearray:
    """One row back from its PNG filter (None, Sub, Up, Average, Paeth); ``step`` is the
    bytes per pixel. Each filter has its own loop: this is the logo decoder's hot path."""
    size = len(row)
    if kind == 0:
        return row
    if kind == 2:  # Up: bytewise sums of two rows in one big-integer step, no carries across
        high = int.from_bytes(b"\x80" * size, "big")
        a, b = int.from_bytes(row, "big"), int.from_bytes(above, "big")
        return bytearray((((a & ~high) + (b & ~high)) ^ ((a ^ b) & high)).to_bytes(size, "big"))
    if kind == 1:
        for i in range(step, size):
            row[i] = (row[i] + row[i - step]) & 0xFF
    elif kind == 3:
        for i in range(min(step, size)):
            row[i] = (row[i] + (above[i] >> 1)) & 0xFF
        for i in range(step, size):
            row[i] = (row[i] + ((row[i - step] + above[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(min(step, size)):  # no pixel to the left: Paeth picks the one above
            row[i] = (row[i] + above[i]) & 0xFF
        for i in range(step, size):
            a, b, c = row[i - step], above[i], above[i - step]
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - c - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    else:
        raise InvalidInput(f"logo PNG is damaged: a row has filter type {kind}")
    return row


def _samples(rows: bytes, width: int, height: int, depth: int) -> bytes:
    """Palette indices one byte each, from rows of ``depth``-bit indices."""
    if depth == 8:
        return rows
    per_byte, stride = 8 // depth, (width * depth + 7) // 8
    table = [
        bytes((value >> (8 - depth * (n + 1))) & ((1 << depth) - 1) for n in range(per_byte))
        for value in range(256)
    ]
    unpacked = bytearray()
    for start in range(0, len(rows), stride):
        unpacked += b"".join(table[value] for value in rows[start : start + stride])[:width]
    return bytes(unpacked)


class _XObject(PDFObject):
    """The image as ReportLab writes its own images: a stream object with its dictionary."""

    def __init__(self, image: PdfImage, soft_mask: PDFObject | None = None) -> None:
        self.image = image
        self.soft_mask = soft_mask

    def format(self, document: PDFDocument) -> bytes:
        entries: dict[str, object] = {"Type": "/XObject", "Subtype": "/Image"}
        entries |= {"Width": self.image.width, "Height": self.image.height}
        entries |= dict(self.image.entries)
        if self.soft_mask is not None:
            entries["SMask"] = document.Reference(self.soft_mask)
        return PDFStream(PDFDictionary(entries), self.image.data).format(document)


def draw_image(canvas: Canvas, image: PdfImage, x: float, y: float, w: float, h: float) -> None:
    """``image`` stretched to ``w`` by ``h`` with its lower left corner at (``x``, ``y``);
    written into the file once however often it is drawn, as ``Canvas.drawImage`` does."""
    name = hashlib.sha256(repr(image.entries).encode() + image.data).hexdigest()[:32]
    document = canvas._doc
    registered = document.getXObjectName(name)
    if registered not in document.idToObject:
        mask = None if image.soft_mask is None else _XObject(image.soft_mask)
        document.Reference(_XObject(image, mask), registered)
        document.addForm(name, document.idToObject[registered])
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(w, h)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)
