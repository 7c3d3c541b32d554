"""The sample letterhead, customers with addresses and templates naming the letterhead
(``samples/framed-letters.json``), written through the catalog service as the API writes
them: ``make run`` and the end-to-end tests seed them after the importer's sample rows.
A letterhead's logo is not a thing a row file holds, so they have a file of their own.

The letterhead's logo is drawn here, pixel by pixel, so the sample is a few lines of code
rather than a binary file: the same PNG every time.
"""

import base64
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.logos import PNG_SIGNATURE
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.storage import Repository
from chalicelib.services.catalog import CatalogService

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "framed-letters.json"
LOGO_SIZE = (180, 54)
_INK, _ACCENT, _PAPER = (22, 62, 92), (224, 122, 36), (255, 255, 255)


def logo_png() -> bytes:
    """A 180x54 RGB PNG: a dark bar with an orange square, the sample's "logo"."""
    width, height = LOGO_SIZE
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type None
        for x in range(width):
            if 6 <= x < 48 and 6 <= y < 48:
                pixel = _ACCENT
            elif (56 <= x < 174 and 18 <= y < 36) or (56 <= x < 120 and 40 <= y < 46):
                pixel = _INK
            else:
                pixel = _PAPER
            rows += bytes(pixel)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + (_chunk(b"IEND", b""))
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def seed_frames(repository: Repository, sample: Path = SAMPLE) -> list[str]:
    """Write the sample's letterheads, customers and templates (in that order: a template
    must name a letterhead that exists); the keys written."""
    rows: dict[str, dict[str, Any]] = json.loads(sample.read_text(encoding="utf-8"))
    logo = {"contentType": "image/png", "data": base64.b64encode(logo_png()).decode()}
    written = []
    for model, bodies in (
        (Letterhead, rows["letterheads"]),
        (Customer, rows["customers"]),
        (Template, rows["templates"]),
    ):
        catalog = CatalogService(model, repository)
        for identifier, body in bodies.items():
            if model is Letterhead:
                body = {**body, "logo": logo}
            catalog.put(identifier, body, None)
            written.append(f"{model.KEY_PREFIX}{identifier}")
    return written
