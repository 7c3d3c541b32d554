"""What the batch routes read and answer, beyond the route table: their ``Operation``s."""

from chalicelib.api.operations import REPLAYED, Operation, answer, link, listed, page_of, ref
from chalicelib.api.parameters import PAGING
from chalicelib.domain import idempotency

_BATCH_STATUS_QUERY = {
    "name": "status",
    "in": "query",
    "required": False,
    "description": "Only the letters with this outcome.",
    "schema": {"enum": ["succeeded", "failed"]},
}
_BATCH_LINKS = {
    "getBatch": link("getBatch", "Watch its progress.", batchId="$response.body#/batchId"),
    "listBatchItems": link(
        "listBatchItems", "Its letters and why any failed.", batchId="$response.body#/batchId"
    ),
    "cancelBatch": link("cancelBatch", "Stop it.", batchId="$response.body#/batchId"),
}
_BATCH_LOCATION = {"description": "The batch: `/batches/{batchId}`.", "schema": {"type": "string"}}
BATCH_OPERATIONS = {
    "start_batch": Operation(
        "Batches",
        {
            "202": answer(
                "Accepted: its letters are being made (or, for a retry with the same "
                "`Idempotency-Key`, were accepted before).",
                ref("schemas", "Batch"),
                Location=_BATCH_LOCATION,
                **{idempotency.REPLAYED_HEADER: REPLAYED},
            )
            | {"links": _BATCH_LINKS}
        },
        body="BatchBody",
        idempotent=True,
        refers=True,
    ),
    "list_batches": listed("Batches", "Batch"),
    "get_batch": Operation("Batches", {"200": answer("The batch.", ref("schemas", "Batch"))}),
    "list_batch_items": Operation(
        "Batches",
        {"200": answer("A page; `next` is null on the last page.", page_of("BatchItem"))},
        query=(_BATCH_STATUS_QUERY, *PAGING),
    ),
    "cancel_batch": Operation(
        "Batches", {"202": answer("Cancelled, or over already.", ref("schemas", "Batch"))}
    ),
}
