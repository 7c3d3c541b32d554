"""Where a letter's formatting filters find their locale when they name none.

Apart from ``formatting.py`` so that a plain letter, which formats nothing, loads neither
it nor Babel.
"""

from collections.abc import Callable
from typing import NamedTuple


class Locales(NamedTuple):
    template: str | None
    """The template's ``locale`` field."""
    stage: Callable[[], str] | None = None
    """The stage's default, asked for only when needed (reading it loads Babel)."""

    def resolve(self, explicit: str | None) -> str:
        """A filter's own ``locale=``, else the template's, else the stage's, else en_US."""
        from chalicelib.domain.rendering.formatting import resolve_locale

        return resolve_locale(explicit, self.template, self.stage)
