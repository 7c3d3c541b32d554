"""Batches: one letter per customer, made asynchronously through queues.

A batch is one item ``B#<batchId>`` holding what the API shows (its progress and outputs)
and what the pipeline keeps for itself (the customers asked for, how far planning got, the
webhook's secret). Each letter leaves one record ``L#<batchId>#<customerId>``, written with
a condition, so a redelivered message finds it and writes nothing twice. The customers a
batch covers are kept in plan pages (``chalicelib.domain.batch_plans``), which is how its
letters are listed and gathered without scanning the table.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, NamedTuple

from chalicelib.domain import rules
from chalicelib.domain.model import Spec, derived, spec

KEPT_DAYS = 30
"""A batch's records expire (DynamoDB's TTL) this long after it was created; its letters
and outputs stay in S3."""

ACCEPTED, RUNNING = "accepted", "running"
SUCCEEDED, PARTIAL, FAILED, CANCELLED = "succeeded", "partial", "failed", "cancelled"
STATUSES = (ACCEPTED, RUNNING, SUCCEEDED, PARTIAL, FAILED, CANCELLED)
OPEN = (ACCEPTED, RUNNING)
"""Letters are still being made: a batch in these can be cancelled."""

WRITING, LETTER_SUCCEEDED, LETTER_FAILED = "writing", "succeeded", "failed"
LETTER_STATUSES = (LETTER_SUCCEEDED, LETTER_FAILED)
"""What ``GET /batches/{batchId}/items?status=`` takes."""

WEBHOOK_PENDING, WEBHOOK_DELIVERED, WEBHOOK_FAILED = "pending", "delivered", "failed"

_ID = {"type": "string", "pattern": rules.IDENTIFIER_PATTERN}
_COUNT = {"type": "integer", "minimum": 0}
_TIME = {"type": "string", "format": "date-time"}
_FILE = {
    "url": {"type": "string", "description": "A presigned GET, signed when answered."},
    "urlExpiresAt": _TIME,
    "size": _COUNT,
}
_OUTPUT = {
    "type": ["object", "null"],
    "required": ["url", "urlExpiresAt", "size"],
    "properties": {
        **_FILE,
        "parts": {
            "type": "array",
            "items": {"type": "object", "required": list(_FILE), "properties": _FILE},
            "description": "A merged PDF of more than 5,000 pages comes in files of at most "
            "that many (`url` is the first's): each letter whole in one of them.",
        },
    },
}
_OUTPUTS = {
    "type": "object",
    "required": ["zip", "pdf"],
    "properties": {"zip": _OUTPUT, "pdf": _OUTPUT},
    "description": "Null until the batch is finished, and for an output not asked for.",
}
_WEBHOOK = {
    "type": ["object", "null"],
    "required": ["url", "status"],
    "properties": {
        "url": {"type": "string"},
        "status": {"enum": [WEBHOOK_PENDING, WEBHOOK_DELIVERED, WEBHOOK_FAILED]},
        "secret": {
            "type": "string",
            "description": "`whsec_...`: only in the `202` that created the batch.",
        },
    },
}


def batch_id_for(now: datetime, random_hex: str) -> str:
    """``20261201T160500Z-1a2b3c4d``: sorts by creation time, so lists run newest first."""
    return f"{now:%Y%m%dT%H%M%S}Z-{random_hex}"


def day_of(batch_id: str) -> str:
    """``2026-12-01``: the UTC day a batch was created, from its id."""
    return f"{batch_id[0:4]}-{batch_id[4:6]}-{batch_id[6:8]}"


def days_back(now: datetime) -> list[str]:
    """The days a batch still kept may have been created on, newest first."""
    return [f"{now - timedelta(days=n):%Y-%m-%d}" for n in range(KEPT_DAYS + 1)]


@dataclass(frozen=True)
class Batch:
    """Item ``B#<batchId>``."""

    LABEL: ClassVar[str] = "batch"
    KEY_PREFIX: ClassVar[str] = "B#"
    DERIVED: ClassVar[tuple[tuple[str, Spec], ...]] = ()

    batch_id: str = field(metadata=spec("batchId", _ID, summary=True))
    status: str = field(metadata=spec("status", {"enum": list(STATUSES)}, item="status"))
    doc_type: str = field(metadata=spec("docType", _ID, item="docType", summary=True))
    format: str = field(metadata=spec("format", {"type": "string"}, item="format", summary=True))
    template_version: int = field(
        metadata=spec(
            "templateVersion",
            {**_COUNT, "description": "The version every letter of the batch is made from."},
            item="templateVersion",
            summary=True,
        )
    )
    created_at: str = field(metadata=spec("createdAt", _TIME, item="createdAt", summary=True))
    updated_at: str = field(metadata=spec("updatedAt", _TIME, item="updatedAt", summary=True))
    total: int | None = field(
        default=None,
        metadata=spec(
            "total",
            {"type": ["integer", "null"], "description": "Null until the batch is planned."},
            item="total",
            summary=True,
        ),
    )
    succeeded: int = field(
        default=0, metadata=spec("succeeded", _COUNT, item="succeeded", summary=True)
    )
    failed: int = field(default=0, metadata=spec("failed", _COUNT, item="failed", summary=True))
    outputs: Mapping[str, Any] = field(
        default_factory=lambda: {"zip": None, "pdf": None},
        metadata=spec("outputs", _OUTPUTS, item="outputs"),
    )
    webhook: Mapping[str, Any] | None = field(
        default=None, metadata=spec("webhook", _WEBHOOK, item="webhook")
    )
    wanted: Mapping[str, bool] = field(
        default_factory=dict, metadata=spec("wanted", {}, item="wanted", hidden=True)
    )
    """The outputs asked for: ``{"zip": true, "pdf": false}``."""
    customer_ids: list[str] | None = field(
        default=None, metadata=spec("customerIds", {}, item="customerIds", hidden=True)
    )
    """The customers asked for; ``None``: every customer."""
    letterhead: str | None = field(
        default=None, metadata=spec("letterhead", {}, item="letterhead", hidden=True)
    )
    """The letterhead the template version names: its letters' messages carry it, so the
    letter worker reads it with everything else."""
    webhook_secret: str | None = field(
        default=None, metadata=spec("webhookSecret", {}, item="webhookSecret", hidden=True)
    )
    plan: Mapping[str, Any] = field(
        default_factory=dict, metadata=spec("plan", {}, item="plan", hidden=True)
    )
    """How far planning got: ``pages`` written, ``planned`` letters, the scan's ``cursor``."""
    finishing_since: str | None = field(
        default=None, metadata=spec("finishingSince", {}, item="finishingSince", hidden=True)
    )
    """Set once, by whoever saw the last letter counted: the finisher's message was sent."""
    ended_at: str | None = field(
        default=None, metadata=spec("endedAt", {}, item="endedAt", hidden=True)
    )
    """Set once, by the finisher, with the outcome: a replayed finisher does nothing."""
    expires_at: int = field(
        default=0, metadata=spec("expiresAt", {}, item="expiresAt", hidden=True)
    )

    @property
    def identifier(self) -> str:
        return self.batch_id

    def check(self) -> None:
        """A batch is built by the service from a checked body: nothing more to check."""

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def outcome_status(succeeded: int, failed: int) -> str:
    """What a batch whose letters are all made ended as."""
    if failed == 0:
        return SUCCEEDED
    return FAILED if succeeded == 0 else PARTIAL


@dataclass(frozen=True)
class BatchLetter:
    """Item ``L#<batchId>#<customerId>``: what became of one letter of a batch."""

    LABEL: ClassVar[str] = "letter"
    KEY_PREFIX: ClassVar[str] = "L#"
    DERIVED: ClassVar[tuple[tuple[str, Spec], ...]] = (derived("customer_id", "customerId", _ID),)

    letter_id: str = field(metadata=spec("letterId", _ID, hidden=True))
    """``<batchId>#<customerId>``: neither can hold ``#``."""
    status: str = field(
        metadata=spec("status", {"enum": [WRITING, *LETTER_STATUSES]}, item="status")
    )
    key: str | None = field(
        default=None,
        metadata=spec(
            "key",
            {"type": ["string", "null"], "description": "The letter's S3 key, once written."},
            item="docKey",
        ),
    )
    error: Mapping[str, str] | None = field(
        default=None,
        metadata=spec(
            "error",
            {
                "type": ["object", "null"],
                "required": ["Code", "Message"],
                "properties": {"Code": {"type": "string"}, "Message": {"type": "string"}},
                "description": "Why the letter failed, in the error shape; null otherwise.",
            },
            item="error",
        ),
    )
    generated_at: str | None = field(
        default=None, metadata=spec("generatedAt", {}, item="generatedAt", hidden=True)
    )
    """When it was (or is being) written: what its object's ``generated-at`` says."""
    expires_at: int = field(
        default=0, metadata=spec("expiresAt", {}, item="expiresAt", hidden=True)
    )

    @property
    def identifier(self) -> str:
        return self.letter_id

    @property
    def batch_id(self) -> str:
        return self.letter_id.partition("#")[0]

    @property
    def customer_id(self) -> str:
        return self.letter_id.partition("#")[2]

    def check(self) -> None:
        """Made by the pipeline, never from a body."""


def letter_id(batch_id: str, customer_id: str) -> str:
    return f"{batch_id}#{customer_id}"


class PlanPage(NamedTuple):
    """Item ``P#<batchId>#<number>``: the customers of one page of a batch's plan, in the
    order their letters were queued, and where the scan for the next page starts."""

    batch_id: str
    number: int
    customer_ids: list[str]
    cursor: str | None
    """The last customer key the scan read (``allCustomers``); ``None`` for a list."""


PLAN_PAGE_SIZE = 100
"""Customers per plan page: one ``BatchGetItem`` of their letters' records."""


class LettersMoved(Exception):
    """Another worker settled some of these letters first (a duplicate delivery): nothing
    was written; the messages are delivered again and then find them settled."""
