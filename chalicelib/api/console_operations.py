"""What the console's routes answer, beyond the route table: their ``Operation``s."""

from typing import Any

from chalicelib.api.operations import REQUEST_ID, Operation

_HEADERS = {
    "X-Request-Id": REQUEST_ID,
    "Content-Security-Policy": {
        "description": "`default-src 'self'` and no inline script or style: docs/console.md.",
        "schema": {"type": "string"},
    },
    "ETag": {"description": "The file's content hash.", "schema": {"type": "string"}},
    "Cache-Control": {
        "description": "`no-cache`: revalidate with the ETag.",
        "schema": {"type": "string"},
    },
}


def _file(description: str, *media_types: str) -> dict[str, dict[str, Any]]:
    return {
        "200": {
            "description": description,
            "headers": _HEADERS,
            "content": {media: {"schema": {"type": "string"}} for media in media_types},
        },
        "304": {
            "description": "`If-None-Match` named the current ETag: the browser has it already.",
            "headers": _HEADERS,
        },
    }


CONSOLE_OPERATIONS = {
    "console": Operation("Console", _file("The console's page.", "text/html"), aws=False),
    "console_asset": Operation(
        "Console", _file("A script or style sheet.", "text/javascript", "text/css"), aws=False
    ),
}
