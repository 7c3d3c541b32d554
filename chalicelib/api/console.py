"""The browser console's files (``chalicelib/console/``), served as they are: no build step.

Every answer carries a strict Content-Security-Policy: the console has no inline script or
style, so nothing it shows (a template, a customer's name) can ever run as code. Only the
files in that folder are served, by name, so no path can reach anything else.
"""

import hashlib
from functools import cache
from pathlib import Path

from chalice import Response

from chalicelib.domain.errors import NotFound

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
PAGE = "index.html"
"""Served at ``/console`` itself, never as an asset, so the page has one address."""
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Names carry no hash (no build step), so a browser revalidates each time: the ETag
    # makes that a 304 without a body.
    "Cache-Control": "no-cache",
}


@cache
def _files() -> dict[str, tuple[bytes, str]]:
    """Each file's bytes and ETag, read once per container."""
    return {
        path.name: (content, f'"{hashlib.sha256(content).hexdigest()[:32]}"')
        for path in sorted(CONSOLE_DIR.iterdir())
        if path.suffix in CONTENT_TYPES
        for content in (path.read_bytes(),)
    }


def served(name: str, if_none_match: str | None) -> Response:
    """The file ``name`` (the page, or an asset), or a 304 when the browser has it already."""
    if name not in _files():
        raise NotFound(f"console file {name} does not exist")
    content, etag = _files()[name]
    headers = SECURITY_HEADERS | {
        "Content-Type": CONTENT_TYPES[Path(name).suffix],
        "ETag": etag,
    }
    if if_none_match == etag:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=content.decode(), headers=headers)


def asset(name: str, if_none_match: str | None) -> Response:
    """An asset by its allow-listed name; the page itself only at ``/console``."""
    if name == PAGE:
        raise NotFound(f"console file {name} does not exist")
    return served(name, if_none_match)
