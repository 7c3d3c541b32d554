"""Which templates name a letterhead, kept exact in DynamoDB (``chalicelib.domain.letterheads``).

A template write adds the writes here to its own transaction: one that starts naming a
letterhead counts one more on it, on condition that it exists; one that stops naming it
counts one less. A letterhead is deleted only on condition that its count is 0. DynamoDB
runs each transaction and each conditional delete atomically, so a template write and a
letterhead delete racing each other cannot both succeed: a scan of the templates at delete
time could miss one written just after it.
"""

from typing import Any

from chalicelib.adapters.aws import unavailable_on_aws_faults
from chalicelib.adapters.dynamodb_requests import condition, transaction_write
from chalicelib.domain.letterheads import REFERENCES, Letterhead, in_use
from chalicelib.domain.model import item_key
from chalicelib.domain.writes import ANY_VERSION, Expected, WriteConflict


def _exists() -> Any:
    from boto3.dynamodb.conditions import Attr

    return Attr("PK").exists()


def _count(table_name: str, name: str, step: int) -> dict[str, Any]:
    request = {
        "Key": {"PK": item_key(Letterhead, name)},
        "UpdateExpression": "SET #n = if_not_exists(#n, :zero) + :step",
        "ExpressionAttributeNames": {"#n": REFERENCES},
        "ExpressionAttributeValues": {":zero": 0, ":step": step},
    }
    return transaction_write("Update", table_name, request, _exists())


def reference_writes(table_name: str, old: str | None, new: str | None) -> list[dict[str, Any]]:
    """What a template write that names ``new`` instead of ``old`` adds to its transaction:
    ``new`` first (a failed condition there means it does not exist), then ``old``."""
    if new is not None and new == old:
        check = {"Key": {"PK": item_key(Letterhead, new)}}
        return [transaction_write("ConditionCheck", table_name, check, _exists())]
    writes = [] if new is None else [_count(table_name, new, 1)]
    return writes + ([] if old is None else [_count(table_name, old, -1)])


def delete_unreferenced(table: Any, name: str, expected: Expected) -> None:
    """Delete the letterhead if ``expected`` holds and no template names it: ``InUse`` if
    one does, ``WriteConflict`` if it is absent or at another version."""
    from boto3.dynamodb.conditions import Attr
    from boto3.dynamodb.types import TypeDeserializer

    unused = Attr(REFERENCES).not_exists() | Attr(REFERENCES).eq(0)
    held = condition(ANY_VERSION if expected is None else expected)
    client = table.meta.client
    with unavailable_on_aws_faults("DynamoDB"):
        try:
            table.delete_item(
                Key={"PK": item_key(Letterhead, name)},
                ConditionExpression=held & unused,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException as error:
            typed = error.response.get("Item")
            item = None if typed is None else TypeDeserializer().deserialize({"M": typed})
            count = 0 if item is None else int(item.get(REFERENCES, 0))
            version = None if item is None else int(item.get("version", 0))
            if item is not None and (expected in (None, ANY_VERSION, version)) and count > 0:
                raise in_use(name, count) from None
            raise WriteConflict(version) from None
