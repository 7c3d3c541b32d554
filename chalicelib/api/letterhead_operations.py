"""What the letterhead routes read and answer, beyond the route table: their ``Operation``s."""

from typing import Any

from chalicelib.api.operations import deleted, listed, read, stored

# A 1x1 grey PNG: the smallest sound logo.
_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)
LETTERHEAD_OPERATIONS = {
    "list_letterheads": listed("Letterheads", "LetterheadSummary"),
    "put_letterhead": stored("Letterhead", "name", "LetterheadBody", {}),
    "get_letterhead": read("Letterhead"),
    "delete_letterhead": deleted("Letterheads", conditional=True, in_use=True),
}
LETTERHEAD_EXAMPLES: dict[str, dict[str, Any]] = {
    "LetterheadBody": {
        "sender": {"name": "Acme GmbH", "addressLines": ["Musterstraße 1", "10115 Berlin"]},
        "logo": {"contentType": "image/png", "data": _PNG},
        "footer": "Acme GmbH · Amtsgericht Berlin HRB 12345",
    }
}
