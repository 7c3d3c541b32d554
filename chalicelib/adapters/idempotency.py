"""Idempotency records (``chalicelib.domain.idempotency``) in the table, through its boto3
``Table``: one conditional ``PutItem`` to take a key, one ``UpdateItem`` to finish, one
``DeleteItem`` to let go, each on condition that the record is as this request left it."""

from contextlib import suppress
from typing import Any

from chalicelib.adapters.aws import unavailable_on_aws_faults
from chalicelib.domain.idempotency import (
    ABANDONED_AFTER_SECONDS,
    DONE,
    EXPIRES_AT,
    IN_PROGRESS,
    IdempotencyRecord,
    from_record_item,
    to_record_item,
)


def _free_at(now: int) -> Any:
    """The condition that no record holds the key at ``now``: none, an expired one (DynamoDB
    deletes those only some time later), or one in progress that was abandoned. The same
    rule as ``IdempotencyRecord.counts_as_absent``."""
    from boto3.dynamodb.conditions import Attr

    abandoned = Attr("state").eq(IN_PROGRESS) & Attr("startedAt").lte(
        int(now - ABANDONED_AFTER_SECONDS)
    )
    return Attr("PK").not_exists() | Attr(EXPIRES_AT).lte(now) | abandoned


def _owned_by(record: IdempotencyRecord) -> Any:
    from boto3.dynamodb.conditions import Attr

    return Attr("owner").eq(record.owner)


class DynamoDBIdempotencyRecords:
    def __init__(self, table: Any) -> None:
        self.table = table

    def reserve(self, record: IdempotencyRecord, now: int) -> IdempotencyRecord | None:
        """One ``PutItem`` unless the key is held; the holder comes back with the failed
        condition, so taking a key, or finding who holds it, is one call either way."""
        from boto3.dynamodb.types import TypeDeserializer

        client = self.table.meta.client
        with unavailable_on_aws_faults("DynamoDB"):
            try:
                self.table.put_item(
                    Item=to_record_item(record),
                    ConditionExpression=_free_at(now),
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except client.exceptions.ConditionalCheckFailedException as error:
                # Typed: the resource layer leaves errors be.
                held = TypeDeserializer().deserialize({"M": error.response["Item"]})
                return from_record_item(held)
        return None

    def complete(self, record: IdempotencyRecord) -> None:
        """One ``UpdateItem``: the record done, with its status and answer."""
        self._if_owned(
            self.table.update_item,
            record,
            UpdateExpression="SET #state = :done, #status = :status, #answer = :answer",
            ExpressionAttributeNames={"#state": "state", "#status": "status", "#answer": "answer"},
            ExpressionAttributeValues={
                ":done": DONE,
                ":status": record.status,
                ":answer": record.answer,
            },
        )

    def release(self, record: IdempotencyRecord) -> None:
        """One ``DeleteItem``."""
        self._if_owned(self.table.delete_item, record)

    def _if_owned(self, operation: Any, record: IdempotencyRecord, **request: Any) -> None:
        """``operation`` on the record, if this request still holds it; else nothing (a
        later request took it over, after this one was taken for abandoned)."""
        client = self.table.meta.client
        failed = client.exceptions.ConditionalCheckFailedException
        with unavailable_on_aws_faults("DynamoDB"), suppress(failed):
            operation(Key={"PK": record.key}, ConditionExpression=_owned_by(record), **request)
