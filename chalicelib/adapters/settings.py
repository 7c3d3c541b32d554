"""Stage settings that are not AWS's own, each read from the environment when first needed
(never at import), checked there, so a bad setting fails loudly at its first use."""

import os

from chalicelib.domain.errors import CannotRender


def default_locale() -> str:
    """The stage's ``DEFAULT_LOCALE`` in Babel's form (``en_US``); ``DEFAULT_LOCALE``
    (en_US) where the stage sets none.

    The formatting filters use it for a template without a ``locale`` of its own. Checking it
    loads Babel, so call it only when a filter needs a locale (pass the function, not its
    value, to ``resolve_locale``): a letter that formats nothing must not import Babel.
    """
    # The formatting module only when a filter formats: not on every cold start.
    from chalicelib.domain.rendering.formatting import DEFAULT_LOCALE, normalize_locale, shown

    raw = os.environ.get("DEFAULT_LOCALE", DEFAULT_LOCALE)
    try:
        return normalize_locale(raw)
    except CannotRender:
        raise RuntimeError(
            f"DEFAULT_LOCALE must be a locale docgen knows, a BCP 47 tag such as de-DE or "
            f"de_DE; {shown(raw)} is not"
        ) from None


def plan_ahead_letters() -> int | None:
    """``PLAN_AHEAD_LETTERS``: queue no more letters while the letter queue holds this many
    (the local stage's emulator slows with every message it holds); unset: no limit."""
    raw = os.environ.get("PLAN_AHEAD_LETTERS")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise RuntimeError(f"PLAN_AHEAD_LETTERS must be a whole number above 0, not {raw!r}")
    return int(raw)


def webhooks_may_use_loopback_http() -> bool:
    """``WEBHOOKS_ALLOW_LOOPBACK_HTTP=true``: the local stage alone sets it, so a webhook
    may be ``http://127.0.0.1`` there and nowhere else."""
    return os.environ.get("WEBHOOKS_ALLOW_LOOPBACK_HTTP", "") == "true"
