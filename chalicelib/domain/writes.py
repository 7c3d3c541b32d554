"""What a conditional write expects of the stored version, and what it meets instead: on
the path of every write, so kept apart from the rest of storage's vocabulary."""

from typing import Literal

ANY_VERSION: Literal["*"] = "*"
ABSENT: Literal["absent"] = "absent"
Expected = int | Literal["*", "absent"] | None
"""What a conditional write expects: a version, any existing item (``*``), no item yet
(``absent``: the importer creating what it read as missing), or nothing."""


class WriteConflict(Exception):
    """A conditional write or delete did not hold: the item is at another version, or absent."""

    def __init__(self, current_version: int | None) -> None:
        super().__init__(current_version)
        self.current_version = current_version
        """The stored version, or ``None`` when there is no item."""


Read = int | None
"""The version a record had when it was read; ``None``: there was none."""
