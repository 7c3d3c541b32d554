"""Idempotency keys: the header's rules, the record a first request leaves in the table, and
what a later request with the same key counts as.

A client sends ``Idempotency-Key`` on a request it may retry. The first request with a key
writes a record (``I#<sha256 of caller and key>``: an identifier cannot contain ``#``, so no
customer, template or version can take it), runs, and stores its answer there; a retry of
the same request gets that answer again, remembered for ``REMEMBERED_SECONDS``. The key of a
caller is never stored: only the hash of the caller's scope (its API key's id) and the key,
so two callers with the same key have two records.

Every value here is written once: the header's name and limits, the record's layout and
lifetime, and when a record in progress has been abandoned.
"""

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from chalicelib.domain.errors import InProgress, InvalidInput, KeyReused
from chalicelib.domain.rules import TIME_BUDGET_SECONDS

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
"""Set to ``true`` on an answer given again from a record."""
MAX_KEY_CHARS = 255
KEY_PATTERN = f"^[!-~]{{1,{MAX_KEY_CHARS}}}$"
"""1 to 255 visible ASCII characters, ``!`` (0x21) to ``~`` (0x7E): no space, control or
non-ASCII character."""
KEY_RULE = (
    f"{HEADER} must be 1 to {MAX_KEY_CHARS} visible ASCII characters (! to ~: no spaces, "
    "control or non-ASCII characters), such as a UUID"
)
REMEMBERED_SECONDS = 24 * 3600
"""How long a key's answer is remembered: the record's ``expiresAt``, DynamoDB's TTL."""
CLOCK_SKEW_SECONDS = 5.0
"""How far two Lambda containers' clocks may disagree."""
ABANDONED_AFTER_SECONDS = TIME_BUDGET_SECONDS + CLOCK_SKEW_SECONDS
"""A record still in progress this long after it was written has no request left to finish
it: every AWS call of a request ends within its time budget, the record's own last write
included (and Lambda stops the function at 15 s). Its key is free again."""

PREFIX = "I#"
IN_PROGRESS = "in_progress"
DONE = "done"
EXPIRES_AT = "expiresAt"
"""The record's TTL attribute, in epoch seconds (DynamoDB deletes the item some time after)."""
LOCAL_SCOPE = "local"
"""The scope of every key where no API key identifies the caller (chalice local, tests)."""


def check_key(value: str) -> str:
    """``value`` if it is a key, else ``InvalidInput`` that says why (never echoing it)."""
    if not value:
        raise InvalidInput(f"{HEADER} is empty: {KEY_RULE}")
    if len(value) > MAX_KEY_CHARS:
        raise InvalidInput(f"{HEADER} is {len(value)} characters long: {KEY_RULE}")
    if not all("!" <= char <= "~" for char in value):
        raise InvalidInput(f"{HEADER} holds a character that is not visible ASCII: {KEY_RULE}")
    return value


def _body_hash(body: bytes) -> str:
    from hashlib import sha256

    return sha256(body).hexdigest()


def _sha256(*parts: Any) -> str:
    """The hash of ``parts`` written as one JSON array: no two lists of parts write alike."""
    from hashlib import sha256  # OpenSSL's, only for a request that sends a key

    text = json.dumps(parts, ensure_ascii=True, separators=(",", ":"))
    return sha256(text.encode("ascii")).hexdigest()


class IdempotentRequest(NamedTuple):
    """A request that carries a key: its record's table key, and what it asks for."""

    record_key: str
    """``I#`` and the sha256 of the caller's scope and the key."""
    fingerprint: str
    """The sha256 of the method, path, query and body: a retry must have the same."""


def idempotent_request(
    scope: str,
    key: str,
    method: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
) -> IdempotentRequest:
    """The record key of ``key`` for the caller ``scope``, and the request's fingerprint.

    ``path`` is the route with its parameters filled in; ``query`` is each parameter given
    once (a repeated one is a 400 before this); ``body`` is as sent (none for generate).
    """
    check_key(key)
    fingerprint = _sha256(method.upper(), path, sorted(query.items()), _body_hash(body))
    return IdempotentRequest(PREFIX + _sha256(scope, key), fingerprint)


class IdempotencyRecord(NamedTuple):
    """A key's record: in progress while its first request runs, then done with its answer."""

    key: str
    """The table key, ``I#<sha256>``."""
    fingerprint: str
    owner: str
    """Random, per first request: only the request that wrote the record finishes it."""
    started_at: int
    """Epoch seconds."""
    expires_at: int
    """Epoch seconds: ``started_at`` and ``REMEMBERED_SECONDS``."""
    state: str = IN_PROGRESS
    status: int | None = None
    """The status the first request answered with, once done."""
    answer: str | None = None
    """What is needed to answer again, as JSON text, once done."""

    @classmethod
    def started(cls, request: IdempotentRequest, owner: str, now: int) -> "IdempotencyRecord":
        return cls(request.record_key, request.fingerprint, owner, now, now + REMEMBERED_SECONDS)

    def done(self, status: int, answer: str) -> "IdempotencyRecord":
        return self._replace(state=DONE, status=status, answer=answer)

    def counts_as_absent(self, now: int) -> bool:
        """Expired (DynamoDB deletes expired items only some time later), or in progress
        with no request left to finish it."""
        if self.expires_at <= now:
            return True
        return self.state == IN_PROGRESS and self.started_at <= now - ABANDONED_AFTER_SECONDS

    def answer_for(self, request: IdempotentRequest) -> tuple[int, str]:
        """The status and answer to give ``request`` again, or why not: a 422 for another
        request with this key, a 409 while the first one runs."""
        if self.fingerprint != request.fingerprint:
            raise KeyReused(
                f"this {HEADER} was used for a different request (method, path, query or "
                "body) in the last 24 hours; send a new key with a new request"
            )
        if self.state != DONE or self.status is None or self.answer is None:
            raise InProgress(
                f"the first request with this {HEADER} is still being processed; "
                "retry in a few seconds"
            )
        return self.status, self.answer


def to_record_item(record: IdempotencyRecord) -> dict[str, Any]:
    """The record as a table item (``None`` values left out)."""
    item: dict[str, Any] = {
        "PK": record.key,
        "state": record.state,
        "fingerprint": record.fingerprint,
        "owner": record.owner,
        "startedAt": record.started_at,
        EXPIRES_AT: record.expires_at,
    }
    if record.status is not None:
        item["status"] = record.status
    if record.answer is not None:
        item["answer"] = record.answer
    return item


def from_record_item(item: Mapping[str, Any]) -> IdempotencyRecord:
    """The record an item holds (its numbers may come back as ``Decimal``)."""
    status = item.get("status")
    return IdempotencyRecord(
        key=item["PK"],
        fingerprint=item["fingerprint"],
        owner=item["owner"],
        started_at=int(item["startedAt"]),
        expires_at=int(item[EXPIRES_AT]),
        state=item["state"],
        status=None if status is None else int(status),
        answer=item.get("answer"),
    )
