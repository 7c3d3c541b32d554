"""The logo check against a hostile corpus: each crafted file is refused, by its header,
with a message a person can act on; sound files give their size."""

import base64
import struct
import zlib

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.logos import PNG_SIGNATURE, decode_logo


def chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    body = kind + data
    return (
        struct.pack(">I", len(data))
        + body
        + struct.pack(">I", zlib.crc32(body) if crc is None else crc)
    )


def png(
    width: int = 2, height: int = 1, depth: int = 8, colour: int = 0, interlace: int = 0
) -> bytes:
    """A sound grey PNG: IHDR, one IDAT, IEND."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    rows = zlib.compress(b"\x00" * (1 + width) * min(height, 4))
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def segment(marker: int, data: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def jpeg(width: int = 3, height: int = 2, frame: int = 0xC0) -> bytes:
    """A baseline JPEG's structure: APP0, a frame header, a scan, the end marker."""
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(frame, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x12\x34\xff\x00\x56"
        + b"\xff\xd9"
    )


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_sound_files_give_their_size() -> None:
    assert decode_logo("image/png", b64(png(2, 1))) == (2, 1)
    assert decode_logo("image/png", b64(png(4000, 3, colour=2))) == (4000, 3)
    assert decode_logo("image/jpeg", b64(jpeg(3, 2))) == (3, 2)
    assert decode_logo("image/jpeg", b64(jpeg(640, 480, frame=0xC2))) == (640, 480)


BOMB = png(100_000, 100_000)
HOSTILE = [
    ("image/png", BOMB, "logo is 100000x100000 pixels; each side must be 1 to 4000"),
    ("image/png", png(4001, 1), "logo is 4001x1 pixels; each side must be 1 to 4000"),
    ("image/png", png(0, 1), "logo is 0x1 pixels; each side must be 1 to 4000"),
    ("image/jpeg", jpeg(0, 5), "logo is 0x5 pixels; each side must be 1 to 4000"),
    ("image/jpeg", jpeg(65535, 65535), "logo is 65535x65535 pixels; each side must be 1 to 4000"),
    ("image/png", png()[:-12], "logo PNG is truncated: it lacks its image data or its IEND end"),
    ("image/png", png()[:48], "logo PNG is truncated: its IDAT chunk is cut off"),
    ("image/png", png()[:20], "logo PNG is truncated: its IHDR chunk is cut off"),
    (
        "image/png",
        PNG_SIGNATURE + b"\x00\x00",
        "logo PNG is truncated: a chunk's header is cut off",
    ),
    (
        "image/png",
        PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0), crc=1),
        "logo PNG is damaged: its IHDR chunk fails its CRC",
    ),
    (
        "image/png",
        PNG_SIGNATURE + chunk(b"IDAT", b"") + chunk(b"IEND", b""),
        "logo PNG does not start with its IHDR header",
    ),
    ("image/png", png(depth=3), "logo PNG has colour type 0 at 3 bits, which PNG lacks"),
    ("image/png", PNG_SIGNATURE, "logo PNG does not start with its IHDR header"),
    (
        "image/jpeg",
        jpeg()[:-2],
        "logo JPEG is truncated: it does not end with the end-of-image marker",
    ),
    (
        "image/jpeg",
        b"\xff\xd8JFIF garbage, not a segment\xff\xd9",
        "logo JPEG is damaged: a segment does not start with a marker",
    ),
    (
        "image/jpeg",
        b"\xff\xd8" + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\xff\xd9",
        "logo JPEG has no frame header (SOF) before its image data",
    ),
    (
        "image/jpeg",
        b"\xff\xd8\xff\xe0\xff\xf0" + b"\x00" * 8 + b"\xff\xd9",
        "logo JPEG is truncated: a segment is cut off",
    ),
    (
        "image/jpeg",
        b"\xff\xd8" + segment(0xC0, b"\x08\x00") + b"\xff\xd9",
        "logo JPEG is damaged: its frame header is too short",
    ),
    ("image/jpeg", png(), "logo.data is image/png, but logo.contentType says image/jpeg"),
    ("image/png", jpeg(), "logo.data is image/jpeg, but logo.contentType says image/png"),
    ("image/png", b"GIF89a\x01\x00\x01\x00", "logo.data is neither a PNG nor a JPEG file"),
    ("image/png", b"", "logo.data is neither a PNG nor a JPEG file"),
]


@pytest.mark.parametrize(("content_type", "raw", "message"), HOSTILE)
def test_a_crafted_file_is_refused_by_its_header(
    content_type: str, raw: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_logo(content_type, b64(raw))

    assert str(refused.value) == message


def test_too_many_bytes_or_not_base64_is_refused_before_looking_inside() -> None:
    big = png() + b"\x00" * (128 * 1024)
    with pytest.raises(InvalidInput, match="at most 131072 are accepted"):
        decode_logo("image/png", b64(big))
    with pytest.raises(InvalidInput, match=r"logo\.data must be base64"):
        decode_logo("image/png", "not base64!")
