"""A letterhead's logo, checked from its bytes before anything decodes it.

No image library sees a logo that has not passed here: the PNG's chunks (every CRC, IHDR
first, IEND last) or the JPEG's segments (a frame header before the scan, the end marker
last) are walked by hand, and the pixel size they declare is bounded, so that a crafted
file (a decompression bomb, a truncated file, a header that lies) is a 400 when stored,
never a PDF renderer's problem later.
"""

import base64
import binascii
import struct
import zlib

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.rules import LOGO_MAX_BYTES, LOGO_MAX_DECODED_PIXELS, LOGO_MAX_PIXELS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8"
_JPEG_END = b"\xff\xd9"
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
"""The bit depths PNG allows for each colour type."""
ALPHA_COLOURS = frozenset({4, 6})
"""PNG colour types with an alpha channel, which a PDF needs apart: decoded to draw."""
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""JPEG frame headers (baseline, progressive, ...); C4, C8 and CC are other segments."""
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
"""JPEG markers without a length: TEM and the restart markers."""


def decode_logo(content_type: str, data: str) -> tuple[int, int]:
    """The logo's (width, height), if ``data`` is base64 of a sound PNG or JPEG as
    ``content_type`` says; else ``InvalidInput`` saying what to fix."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("logo.data must be base64 (A-Z, a-z, 0-9, '+', '/', '=')") from None
    if len(raw) > LOGO_MAX_BYTES:
        raise InvalidInput(
            f"logo is {len(raw)} bytes; at most {LOGO_MAX_BYTES} are accepted: make it smaller"
        )
    found = sniff(raw)
    if found is None:
        raise InvalidInput("logo.data is neither a PNG nor a JPEG file")
    if found != content_type:
        raise InvalidInput(f"logo.data is {found}, but logo.contentType says {content_type}")
    width, height = png_size(raw) if found == "image/png" else jpeg_size(raw)
    if not (0 < width <= LOGO_MAX_PIXELS and 0 < height <= LOGO_MAX_PIXELS):
        raise InvalidInput(
            f"logo is {width}x{height} pixels; each side must be 1 to {LOGO_MAX_PIXELS}"
        )
    return width, height


def sniff(raw: bytes) -> str | None:
    """The media type the file's first bytes claim, if PNG or JPEG."""
    if raw.startswith(PNG_SIGNATURE):
        return "image/png"
    if raw.startswith(JPEG_START):
        return "image/jpeg"
    return None


def png_size(raw: bytes) -> tuple[int, int]:
    """The IHDR's width and height, once every chunk is whole and IEND ends the file."""
    width, height, _, _ = png_header(png_chunks(raw))
    return width, height


def png_header(chunks: list[tuple[str, bytes]]) -> tuple[int, int, int, int]:
    """The IHDR's width, height, bit depth and colour type; an interlaced PNG is refused
    (the PDF embeds the rows as they are stored: see ``layout.images``)."""
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if interlace:
        raise InvalidInput("logo PNG is interlaced: save it without interlacing (Adam7)")
    if is_translucent(chunks, colour) and width * height > LOGO_MAX_DECODED_PIXELS:
        raise InvalidInput(
            f"logo PNG has transparency and {width}x{height} pixels; one with transparency may "
            f"have at most {LOGO_MAX_DECODED_PIXELS} pixels: make it smaller or opaque"
        )
    return width, height, depth, colour


def is_translucent(chunks: list[tuple[str, bytes]], colour: int) -> bool:
    """Whether the PNG has an alpha channel, or a palette with alpha (``tRNS``): what a PDF
    keeps apart, as a soft mask, so docgen decodes the pixels to draw it."""
    return colour in ALPHA_COLOURS or (colour == 3 and any(k == "tRNS" for k, _ in chunks))


def png_chunks(raw: bytes) -> list[tuple[str, bytes]]:
    """The PNG's chunks (kind, data), once each is whole, IHDR first and IEND last."""
    at, chunks = len(PNG_SIGNATURE), []
    while at < len(raw):
        if at + 12 > len(raw):
            raise InvalidInput("logo PNG is truncated: a chunk's header is cut off")
        (length,) = struct.unpack(">I", raw[at : at + 4])
        kind = raw[at + 4 : at + 8].decode("latin-1")
        end = at + 12 + length
        if end > len(raw):
            raise InvalidInput(f"logo PNG is truncated: its {kind} chunk is cut off")
        (crc,) = struct.unpack(">I", raw[end - 4 : end])
        if zlib.crc32(raw[at + 4 : end - 4]) != crc:
            raise InvalidInput(f"logo PNG is damaged: its {kind} chunk fails its CRC")
        chunks.append((kind, raw[at + 8 : end - 4]))
        at = end
    kinds = [kind for kind, _ in chunks]
    if not kinds or kinds[0] != "IHDR" or len(chunks[0][1]) != 13:
        raise InvalidInput("logo PNG does not start with its IHDR header")
    if kinds[-1] != "IEND" or "IDAT" not in kinds:
        raise InvalidInput("logo PNG is truncated: it lacks its image data or its IEND end")
    depth, colour = chunks[0][1][8:10]
    if depth not in _PNG_DEPTHS.get(colour, ()):
        raise InvalidInput(f"logo PNG has colour type {colour} at {depth} bits, which PNG lacks")
    return chunks


def jpeg_size(raw: bytes) -> tuple[int, int]:
    """The frame header's width and height (see :func:`jpeg_frame`)."""
    width, height, _ = jpeg_frame(raw)
    return width, height


def jpeg_frame(raw: bytes) -> tuple[int, int, int]:
    """The frame header's width, height and number of colour components, once the
    segments up to the scan are whole and the file ends with the end-of-image marker."""
    if not raw.endswith(_JPEG_END):
        raise InvalidInput("logo JPEG is truncated: it does not end with the end-of-image marker")
    at, size = len(JPEG_START), None
    while True:
        if at + 4 > len(raw) or raw[at] != 0xFF:
            raise InvalidInput("logo JPEG is damaged: a segment does not start with a marker")
        marker = raw[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        (length,) = struct.unpack(">H", raw[at + 2 : at + 4])
        if length < 2 or at + 2 + length > len(raw):
            raise InvalidInput("logo JPEG is truncated: a segment is cut off")
        if marker in _SOF_MARKERS:
            if length < 8:
                raise InvalidInput("logo JPEG is damaged: its frame header is too short")
            height, width, components = struct.unpack(">HHB", raw[at + 5 : at + 10])
            size = (width, height, components)
        if marker == 0xDA:  # start of scan: the image data follows
            if size is None:
                raise InvalidInput("logo JPEG has no frame header (SOF) before its image data")
            return size
        at += 2 + length
