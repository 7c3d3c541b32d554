"""GET /openapi.json: a valid OpenAPI 3 document that describes every route the app has."""

import json

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
        "201", "400", "403", "404", "422", "429", "500", "503"
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
