"""The checksum docgen sends with every object it writes to S3, so S3 checks what it stores.

Computed here, from the bytes in hand, and sent as a header: left to botocore, a
``PutObject`` over HTTPS streams its body ``aws-chunked`` with the checksum in a trailer,
which costs more on both ends of the call for the same check.
"""

import base64
import zlib

ALGORITHM = "CRC32"
"""S3's default, as boto3's own transfers declare it since botocore 1.36."""


def declared(body: bytes) -> dict[str, str]:
    """The ``PutObject`` parameters that name the algorithm and give ``body``'s checksum."""
    return {"ChecksumAlgorithm": ALGORITHM, f"Checksum{ALGORITHM}": crc32(body)}


def crc32(body: bytes) -> str:
    """``body``'s CRC32 as S3 writes it: four big-endian bytes, base64."""
    return base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
