"""GET /openapi.json: a valid OpenAPI 3 document that describes every route the app has."""

import json

import pytest
from chalice.test import Client
from openapi_spec_validator import validate

import app as app_module


def spec(client: Client) -> dict:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    return json.loads(response.body)


def test_is_a_valid_openapi_document(client: Client) -> None:
    validate(spec(client))


def test_describes_exactly_the_app_routes(client: Client) -> None:
    documented = {
        (path, method.upper())
        for path, item in spec(client)["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = {
        (path, method) for path, methods in app_module.app.routes.items() for method in methods
    }
    assert documented == served


def test_generate_route_documents_every_status_it_returns(client: Client) -> None:
    operation = spec(client)["paths"]["/customers/{customerId}/documents/{docType}"]["post"]

    assert set(operation["responses"]) == {
        "201", "400", "403", "404", "409", "422", "429", "500", "503"
    }  # fmt: skip


def test_the_operations_needing_a_key_are_the_routes_that_need_one(client: Client) -> None:
    document = spec(client)
    assert document["security"] == [{"ApiKey": []}]
    public = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and operation.get("security") == []
    }
    assert public == {
        (path, method)
        for path, methods in app_module.app.routes.items()
        for method, entry in methods.items()
        if not entry.api_key_required
    }


def test_health(client: Client) -> None:
    response = client.http.get("/health")

    assert response.status_code == 200
    assert json.loads(response.body) == {"status": "ok"}


def operations(document: dict) -> dict[str, dict]:
    return {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
    }


def test_every_operation_is_tagged_and_described_from_its_docstring(client: Client) -> None:
    document = spec(client)
    tags = {tag["name"] for tag in document["tags"]}
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            operation = document["paths"][path][method.lower()]
            first_line = entry.view_function.__doc__.strip().splitlines()[0]
            assert operation["summary"] == first_line
            assert operation["description"]
            assert set(operation["tags"]) <= tags
    assert len(operations(document)) == sum(len(m) for m in app_module.app.routes.values())


def test_servers_are_the_local_url_and_the_deployed_stage(client: Client) -> None:
    urls = [server["url"] for server in spec(client)["servers"]]
    assert urls == [
        "http://127.0.0.1:8000",
        "https://{restApiId}.execute-api.{region}.amazonaws.com/api",
    ]


def test_schemas_are_the_models_own(client: Client) -> None:
    from chalicelib.domain.documents import StoredDocument
    from chalicelib.domain.model import resource_schema
    from chalicelib.domain.records import Customer
    from chalicelib.domain.schemas import CUSTOMER_BODY

    schemas = spec(client)["components"]["schemas"]
    assert schemas["Customer"] == json.loads(json.dumps(resource_schema(Customer)))
    assert schemas["CustomerBody"] == json.loads(json.dumps(CUSTOMER_BODY))
    assert schemas["Document"] == json.loads(json.dumps(resource_schema(StoredDocument)))


def test_a_template_carries_its_locale(client: Client) -> None:
    schemas = spec(client)["components"]["schemas"]
    assert schemas["Template"]["properties"]["locale"] == {"type": ["string", "null"]}
    assert "locale" in schemas["Template"]["required"]  # null when the template has none
    body = schemas["TemplateBody"]["properties"]["locale"]
    assert (body["type"], body["maxLength"]) == ("string", 35)
    assert "BCP 47" in body["description"]
    assert "locale" not in schemas["TemplateBody"]["required"]


def test_links_lead_from_a_customer_and_a_template_to_a_document(client: Client) -> None:
    by_id = operations(spec(client))

    def links(operation_id: str, status: str) -> dict:
        return by_id[operation_id]["responses"][status]["links"]

    customer = links("putCustomer", "201")
    assert customer["getCustomer"]["parameters"] == {"customerId": "$response.body#/customerId"}
    assert customer["putCustomer"]["parameters"]["header.If-Match"] == "$response.header.ETag"
    assert customer["generateDocument"]["parameters"] == {
        "customerId": "$response.body#/customerId"
    }
    template = links("putTemplate", "200")
    assert set(template) == {
        "getTemplate",
        "putTemplate",
        "deleteTemplate",
        "generateDocument",
        "previewTemplate",
        "getTemplateVersion",
        "listTemplateVersions",
    }
    assert template["getTemplateVersion"]["parameters"] == {
        "docType": "$response.body#/docType",
        "version": "$response.body#/version",
    }
    assert set(links("generateDocument", "201")) == {"getDocument", "deleteDocument"}
    for operation in by_id.values():
        for answer in operation["responses"].values():
            for link in answer.get("links", {}).values():
                assert link["operationId"] in by_id


def test_shared_error_answers_are_components(client: Client) -> None:
    document = spec(client)
    responses = document["components"]["responses"]
    for operation in operations(document).values():
        for status, answer in operation["responses"].items():
            if status >= "400":
                name = answer["$ref"].rsplit("/", 1)[-1]
                assert responses[name]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }


def test_versions_are_documented_with_their_pins(client: Client) -> None:
    document = spec(client)
    paths = document["paths"]
    version_path = paths["/templates/{docType}/versions/{version}"]
    number = {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999}

    assert [p["name"] for p in version_path["parameters"]] == ["docType", "version"]
    assert version_path["parameters"][1]["schema"] == number
    assert version_path["parameters"][1]["example"] == 0  # the sample's template
    assert set(version_path["get"]["responses"]["200"]["headers"]) == {"X-Request-Id", "ETag"}
    listed = paths["/templates/{docType}/versions"]["get"]["responses"]["200"]
    items = listed["content"]["application/json"]["schema"]["properties"]["items"]
    assert items["items"] == {"$ref": "#/components/schemas/TemplateVersionSummary"}
    assert document["components"]["schemas"]["TemplateVersionSummary"]["required"] == [
        "version",
        "updatedAt",
        "description",
    ]
    generate = paths["/customers/{customerId}/documents/{docType}"]["post"]
    pin = next(p for p in generate["parameters"] if p["name"] == "templateVersion")
    assert (pin["in"], pin["schema"]) == ("query", number)
    preview = document["components"]["schemas"]["PreviewBody"]["properties"]
    assert preview["templateVersion"] == number | {
        "description": "Render this version of the template rather than the current one."
    }


@pytest.mark.parametrize(
    ("path", "status"),
    [("/customers/{customerId}/documents/{docType}", "201"), ("/batches", "202")],
)
def test_the_routes_that_make_something_document_their_idempotency_key(
    client: Client, path: str, status: str
) -> None:
    document = spec(client)
    operation = document["paths"][path]["post"]
    [key] = [p for p in operation["parameters"] if p["in"] == "header"]

    assert (key["name"], key["required"]) == ("Idempotency-Key", False)
    assert key["schema"] == {
        "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"
    }  # fmt: skip
    replayed = operation["responses"][status]["headers"]["Idempotent-Replayed"]
    assert replayed["schema"] == {"type": "string", "enum": ["true"]}
    assert operation["responses"]["409"] == {"$ref": "#/components/responses/Conflict"}
    assert "Idempotency-Key" in document["components"]["responses"]["Conflict"]["description"]
    others = [
        parameter["name"]
        for path, item in document["paths"].items()
        for method, other in item.items()
        if method != "parameters" and other["operationId"] not in ("generateDocument", "startBatch")
        for parameter in other.get("parameters", [])
    ]
    assert "Idempotency-Key" not in others
