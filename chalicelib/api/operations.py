"""What each view reads and answers, beyond what Chalice's route table says: the one
``Operation`` per view that ``chalicelib.api.openapi`` builds the document from."""

from dataclasses import dataclass, field
from typing import Any

from chalicelib.api.parameters import FORMAT_QUERY, PAGING, TEMPLATE_VERSION_QUERY
from chalicelib.domain import idempotency, rules

# Responses -------------------------------------------------------------------------

REQUEST_ID = {
    "description": "API Gateway's request id, or one made up for this request.",
    "schema": {"type": "string"},
}
_ETAG = {"description": 'The version, as a strong ETag: `"3"`.', "schema": {"type": "string"}}
_LOCATION = {"description": "The stored document, with its format.", "schema": {"type": "string"}}
REPLAYED = {
    "description": f"`true` on the answer to a retry with the same `{idempotency.HEADER}`: "
    "the first request's answer, given again (with a fresh `url`); absent otherwise.",
    "schema": {"type": "string", "enum": ["true"]},
}
ERROR_RESPONSES: dict[str, tuple[str, str]] = {
    "400": ("BadRequest", "A bad identifier, query parameter or body; nothing was written."),
    "403": ("Forbidden", "API Gateway: no API key, or not a key of this API."),
    "404": ("NotFound", "What the path names does not exist; the message says which."),
    "409": (
        "Conflict",
        f"The first request with this `{idempotency.HEADER}` is still being processed (retry "
        "in a few seconds), or a letterhead to delete is named by a template. Nothing was written.",
    ),
    "412": ("PreconditionFailed", "`If-Match` does not hold; the message gives the version."),
    "413": ("PayloadTooLarge", f"The body is over {rules.MAX_BODY_BYTES} bytes."),
    "415": (
        "UnsupportedMediaType",
        "The body is not `application/json` in UTF-8 (another charset, or a Content-Encoding).",
    ),
    "422": (
        "UnprocessableEntity",
        "The template cannot be rendered for this customer (undefined variable printed, "
        "forbidden access, output over 1 MiB, too slow), or an `Idempotency-Key` already used "
        "for a different request; the message says what. Nothing was written.",
    ),
    "429": ("TooManyRequests", "API Gateway: the usage plan's throttle or quota."),
    "500": ("InternalServerError", "Something unexpected; the message is generic."),
    "503": ("ServiceUnavailable", "DynamoDB or S3 was throttled or unreachable after retries."),
}


def answer(description: str, schema: dict[str, Any] | None, **headers: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "headers": {"X-Request-Id": REQUEST_ID, **headers},
    }
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema}}
    return answer


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def page_of(schema_name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": ref("schemas", schema_name)},
            "next": {"type": ["string", "null"], "description": "Null on the last page."},
        },
    }


def link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation_id, "description": description, "parameters": parameters}


def _resource_links(resource: str, id_name: str) -> dict[str, Any]:
    """From a stored customer or template to reading, replacing and deleting it."""
    found = f"$response.body#/{id_name}"
    etag = "$response.header.ETag"
    return {
        f"get{resource}": link(f"get{resource}", "Read it back.", **{id_name: found}),
        f"put{resource}": link(
            f"put{resource}",
            "Replace it only if nobody changed it since.",
            **{id_name: found, "header.If-Match": etag},
        ),
        f"delete{resource}": link(
            f"delete{resource}",
            "Delete this version.",
            **{id_name: found, "header.If-Match": etag},
        ),
    }


_DOCUMENT_LINKS = {
    "getDocument": link(
        "getDocument",
        "Describe it again, with a fresh link.",
        customerId="$response.body#/customerId",
        docType="$response.body#/docType",
        format="$response.body#/format",
    ),
    "deleteDocument": link(
        "deleteDocument",
        "Delete it.",
        customerId="$response.body#/customerId",
        docType="$response.body#/docType",
        format="$response.body#/format",
    ),
}


@dataclass(frozen=True)
class Operation:
    """What one view reads and answers, beyond what the route table and docstring say."""

    tag: str
    answers: dict[str, dict[str, Any]]
    """Its success answers by status."""
    body: str | None = None
    """The request body: a schema in ``chalicelib.domain.schemas.bodies()``."""
    query: tuple[dict[str, Any], ...] = ()
    conditional: bool = False
    """Honours ``If-Match``, so may answer 412."""
    renders: bool = False
    """Renders a letter, so may answer 422."""
    idempotent: bool = False
    """Takes ``Idempotency-Key``, so may answer 409 and 422, and replay its answer."""
    in_use: bool = False
    """Deletes what others may name, so may answer 409."""
    refers: bool = False
    """Its body names what must exist (a batch's template), so may answer 404 though its
    path names nothing."""
    aws: bool = True
    """Calls DynamoDB or S3, so may answer 503."""
    links: dict[str, Any] = field(default_factory=dict)
    """Where a client goes next from its success answers."""


def stored(resource: str, id_name: str, body: str, also: dict[str, Any]) -> Operation:
    links = _resource_links(resource, id_name) | also
    schema = ref("schemas", resource)
    return Operation(
        tag=f"{resource}s",
        answers={
            "200": answer("Replaced.", schema, ETag=_ETAG) | {"links": links},
            "201": answer("Created.", schema, ETag=_ETAG) | {"links": links},
        },
        body=body,
        conditional=True,
    )


def read(resource: str) -> Operation:
    return Operation(
        f"{resource}s", {"200": answer(f"The {resource.lower()}.", ref("schemas", resource))}
    )


def deleted(tag: str, **options: Any) -> Operation:
    return Operation(
        tag,
        {"204": {"description": "Deleted.", "headers": {"X-Request-Id": REQUEST_ID}}},
        **options,
    )


def listed(tag: str, summary: str) -> Operation:
    return Operation(
        tag,
        {"200": answer("A page; `next` is null on the last page.", page_of(summary))},
        query=PAGING,
    )


_GENERATE_FROM = {
    "generateDocument": link(
        "generateDocument", "Generate a letter with it.", customerId="$response.body#/customerId"
    )
}
OPERATIONS: dict[str, Operation] = {
    "health": Operation(
        "Service",
        {
            "200": answer(
                "The function is up.",
                {
                    "type": "object",
                    "required": ["status"],
                    "properties": {"status": {"const": "ok"}},
                },
            )
        },
        aws=False,
    ),
    "openapi": Operation(
        "Service", {"200": answer("The OpenAPI 3 document.", {"type": "object"})}, aws=False
    ),
    "generate_document": Operation(
        "Documents",
        {
            "201": answer(
                "Stored (or, for a retry with the same `Idempotency-Key`, stored before).",
                ref("schemas", "Document"),
                Location=_LOCATION,
                **{idempotency.REPLAYED_HEADER: REPLAYED},
            )
            | {"links": _DOCUMENT_LINKS}
        },
        query=(FORMAT_QUERY, TEMPLATE_VERSION_QUERY),
        renders=True,
        idempotent=True,
    ),
    "get_document": Operation(
        "Documents",
        {"200": answer("The document.", ref("schemas", "Document"))},
        query=(FORMAT_QUERY,),
    ),
    "delete_document": deleted("Documents", query=(FORMAT_QUERY,)),
    "list_documents": listed("Documents", "StoredObject"),
    "list_customers": listed("Customers", "CustomerSummary"),
    "put_customer": stored("Customer", "customerId", "CustomerBody", _GENERATE_FROM),
    "get_customer": read("Customer"),
    "delete_customer": deleted("Customers", conditional=True),
    "list_templates": listed("Templates", "TemplateSummary"),
    "put_template": stored(
        "Template",
        "docType",
        "TemplateBody",
        {
            "generateDocument": link(
                "generateDocument", "Generate a letter from it.", docType="$response.body#/docType"
            ),
            "previewTemplate": link(
                "previewTemplate",
                "See a letter before generating it.",
                docType="$response.body#/docType",
            ),
            "getTemplateVersion": link(
                "getTemplateVersion",
                "Read this version again: it never changes, and outlives the template.",
                docType="$response.body#/docType",
                version="$response.body#/version",
            ),
            "listTemplateVersions": link(
                "listTemplateVersions",
                "Every version it has had, newest first.",
                docType="$response.body#/docType",
            ),
        },
    ),
    "get_template": read("Template"),
    "delete_template": deleted("Templates", conditional=True),
    "list_template_versions": listed("Templates", "TemplateVersionSummary"),
    "get_template_version": Operation(
        "Templates",
        {"200": answer("That version of the template.", ref("schemas", "Template"), ETag=_ETAG)},
    ),
    "preview_template": Operation(
        "Templates",
        {
            "200": answer(
                "The letter.",
                {
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {"type": "string"},
                        "variables": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "What the unsaved `template` reads; only with one.",
                        },
                    },
                },
            )
        },
        body="PreviewBody",
        renders=True,
    ),
}

BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "CustomerBody": {"name": "Ann Smith", "attributes": {"plan": "Gold", "seats": 3, "vip": True}},
    "TemplateBody": {
        "text": "Your {{ attributes.plan }} plan renews soon.\n",
        "greeting": "Hello {{ name }},",
        "description": "Plan renewal",
    },
    "PreviewBody": {"customer": {"name": "Zoë", "attributes": {"plan": "Free"}}},
    "BatchBody": {"docType": "Welcome", "allCustomers": True, "output": {"zip": True}},
}
