"""Logos as PDF images without Pillow: each kind of PNG and JPEG embedded as its readers
expect, its pixels as Pillow decodes them, and the same PDF with Pillow swapped for the
Lambda package's stub."""

import base64
import hashlib
import io
import json
import struct
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.layout import frame, images
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.letters import Letter
from chalicelib.domain.logos import PNG_SIGNATURE, decode_logo
from chalicelib.domain.rules import LOGO_MAX_DECODED_PIXELS
from tests.pdf_reading import render
from tests.unit.test_logos import chunk, png

ROOT = Path(__file__).resolve().parents[2]
DATED = datetime(2026, 12, 1, 9, tzinfo=UTC)


def encoded(picture: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, kind, **options)
    return buffer.getvalue()


def gradient(mode: str, size: tuple[int, int] = (60, 20)) -> Image.Image:
    """A picture whose every pixel differs from its neighbours: every PNG filter is used."""
    picture = Image.new("RGBA", size)
    picture.putdata(
        [
            ((x * 9) % 256, (y * 13) % 256, (x * y) % 256, (x * 4 + y) % 256)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return picture.convert(mode)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def embedded(raw: bytes, kind: str = "image/png") -> images.PdfImage:
    images._image.cache_clear()
    return images._image(kind, b64(raw))


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_an_alpha_png_is_split_into_colour_and_soft_mask_as_pillow_decodes_it(mode: str) -> None:
    picture = gradient(mode)
    image = embedded(encoded(picture))
    colour = picture.convert("RGB" if mode == "RGBA" else "L")

    assert zlib.decompress(image.data) == colour.tobytes()
    assert image.soft_mask is not None
    assert zlib.decompress(image.soft_mask.data) == picture.getchannel("A").tobytes()
    assert dict(image.soft_mask.entries)["ColorSpace"] == "/DeviceGray"


@pytest.mark.parametrize("bits", [8, 4, 2, 1])
def test_a_palette_png_with_alpha_keeps_its_indices_and_masks_them(bits: int) -> None:
    picture = gradient("RGB", (37, 9)).quantize(2**bits)
    alphas = bytes(range(0, 256, 256 // 2**bits))[: 2**bits]
    image = embedded(encoded(picture, bits=bits, transparency=alphas))

    assert zlib.decompress(image.data) == picture.tobytes()
    expected = bytes(alphas[index] for index in picture.tobytes())
    assert zlib.decompress(image.soft_mask.data) == expected
    assert dict(image.entries)["ColorSpace"].startswith(f"[/Indexed /DeviceRGB {2**bits - 1} <")


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "I;16"])
def test_an_opaque_png_is_embedded_undecoded(mode: str) -> None:
    raw = encoded(gradient("RGB").convert(mode) if mode != "I;16" else gradient("I;16"))
    image = embedded(raw)
    entries = dict(image.entries)

    assert image.soft_mask is None
    assert entries["Filter"] == "/FlateDecode"
    assert "/Predictor 15" in entries["DecodeParms"]
    assert image.data in raw  # the IDAT stream itself


def test_a_jpeg_is_embedded_as_it_is() -> None:
    raw = encoded(gradient("RGB"), "JPEG", quality=80)
    image = embedded(raw, "image/jpeg")

    assert (image.width, image.height, image.data) == (60, 20, raw)
    assert dict(image.entries) == {
        "ColorSpace": "/DeviceRGB",
        "BitsPerComponent": "8",
        "Filter": "/DCTDecode",
    }


def test_interlaced_and_large_translucent_pngs_are_refused_when_stored() -> None:
    header = struct.pack(">IIBBBBB", 60, 20, 8, 2, 0, 0, 1)  # Pillow writes no Adam7
    interlaced = PNG_SIGNATURE + chunk(b"IHDR", header) + png()[33:]
    with pytest.raises(InvalidInput, match="logo PNG is interlaced: save it without"):
        decode_logo("image/png", b64(interlaced))
    side = int(LOGO_MAX_DECODED_PIXELS**0.5) + 1
    big = encoded(Image.new("RGBA", (side, side)))
    with pytest.raises(InvalidInput, match=f"at most {LOGO_MAX_DECODED_PIXELS} pixels"):
        decode_logo("image/png", b64(big))
    assert decode_logo("image/png", b64(encoded(Image.new("RGB", (side, side))))) == (side, side)


def test_the_largest_translucent_logo_decodes_within_a_second() -> None:
    side = int(LOGO_MAX_DECODED_PIXELS**0.5)
    raw = encoded(gradient("RGBA", (side, side)))
    start = time.perf_counter()
    embedded(raw)

    assert time.perf_counter() - start < 1.5  # 0.4 s measured; docs/letters.md


def letterhead(logo: dict[str, str]) -> Letterhead:
    return Letterhead("acme", {"name": "Acme"}, logo)


def test_a_transparent_logo_shows_the_page_through_it() -> None:
    picture = Image.new("RGBA", (40, 40), (0, 0, 255, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 40, 20))  # the top half transparent
    logo = {"contentType": "image/png", "data": b64(encoded(picture))}
    letter = Letter("c", "W", "Hi", DATED, letterhead=letterhead(logo))
    document = letter_pdf(letter)
    page = PdfReader(io.BytesIO(document)).pages[0]
    (logo,) = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    drawn, scale = render(document, dpi=72), 1.0
    box = frame.A4.logo

    assert logo["/SMask"]["/Width"] == 40
    side = min(box.width, box.height)
    x = round((box.left + side / 2) * scale)
    assert drawn.getpixel((x, round((box.top + side / 4) * scale))) == (255, 255, 255)
    assert drawn.getpixel((x, round((box.top + 3 * side / 4) * scale))) == (0, 0, 255)


STUB_PROBE = """
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])  # the Lambda package's PIL stub, before the venv's Pillow
from datetime import UTC, datetime
from chalicelib.domain.layout.pdf import letter_pdf
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.letters import Letter
import PIL
letters = [
    Letter("c", "W", "Hi", datetime(2026, 12, 1, 9, tzinfo=UTC), recipient="Ann",
           letterhead=Letterhead("acme", {"name": "Acme"}, logo))
    for logo in json.loads(sys.argv[2])
]
print(json.dumps({
    "pdfs": [hashlib.sha256(letter_pdf(letter)).hexdigest() for letter in letters],
    "PIL": PIL.__file__,
    "Pillow": hasattr(sys.modules["PIL.Image"], "Image"),
}))
"""


def test_logos_draw_the_same_with_the_lambda_packages_pil_stub() -> None:
    """Drawing a logo never asks PIL for anything: with the stub, which refuses every
    image, each kind of logo makes the same file as with Pillow."""
    logos = [
        {"contentType": "image/png", "data": b64(encoded(gradient("RGB")))},
        {"contentType": "image/png", "data": b64(encoded(gradient("RGBA")))},
        {"contentType": "image/png", "data": b64(encoded(gradient("LA")))},
        {
            "contentType": "image/png",
            "data": b64(encoded(gradient("RGB").quantize(16), transparency=bytes(range(16)))),
        },
        {"contentType": "image/jpeg", "data": b64(encoded(gradient("RGB"), "JPEG"))},
    ]
    stub = ROOT / "tools" / "pil_stub"
    run = subprocess.run(
        [sys.executable, "-c", STUB_PROBE, str(stub), json.dumps(logos)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(run.stdout)

    assert (found["PIL"], found["Pillow"]) == (str(stub / "PIL" / "__init__.py"), False)
    assert found["pdfs"] == [
        hashlib.sha256(
            letter_pdf(Letter("c", "W", "Hi", DATED, recipient="Ann", letterhead=letterhead(logo)))
        ).hexdigest()
        for logo in logos
    ]
