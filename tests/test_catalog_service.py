"""The catalog service over the in-memory repository: versions, conflicts, pages."""

from datetime import UTC, datetime

import pytest
from chalice import NotFoundError

from chalicelib.catalog import CUSTOMERS, TEMPLATES, CatalogService
from chalicelib.errors import PreconditionFailedError
from chalicelib.letters import Customer, Template
from chalicelib.repository import InMemoryRepository

NOW = datetime(2026, 11, 23, 21, 0, 0, tzinfo=UTC)


@pytest.fixture
def catalog() -> CatalogService:
    repository = InMemoryRepository()
    repository.add(Customer("TestCustomer", "Testing Customer"), Template("Welcome", "Hi\n"))
    return CatalogService(repository, clock=lambda: NOW)


def test_versions_count_every_write(catalog: CatalogService) -> None:
    first, created = catalog.put(CUSTOMERS, "ann", {"name": "Ann"}, None)
    second, replaced = catalog.put(CUSTOMERS, "ann", {"name": "Ann B"}, '"1"')

    assert (first["version"], created) == (1, True)
    assert (second["version"], replaced) == (2, False)
    assert catalog.get(CUSTOMERS, "ann") == second


def test_sample_items_are_version_zero(catalog: CatalogService) -> None:
    assert catalog.get(TEMPLATES, "Welcome")["version"] == 0
    updated, _ = catalog.put(TEMPLATES, "Welcome", {"text": "Hello\n"}, '"0"')
    assert updated["version"] == 1


def test_stale_version_and_missing_item(catalog: CatalogService) -> None:
    with pytest.raises(PreconditionFailedError, match="is at version 0, not 3"):
        catalog.delete(CUSTOMERS, "TestCustomer", '"3"')
    with pytest.raises(NotFoundError, match="customer nobody does not exist"):
        catalog.delete(CUSTOMERS, "nobody", None)
    with pytest.raises(PreconditionFailedError, match="does not exist, so If-Match cannot hold"):
        catalog.put(CUSTOMERS, "nobody", {"name": "N"}, "*")


def test_pages_cover_every_customer_once(catalog: CatalogService) -> None:
    for index in range(7):
        catalog.put(CUSTOMERS, f"c{index}", {"name": f"C{index}"}, None)

    seen, query = [], {"limit": "3"}
    while True:
        page = catalog.list(CUSTOMERS, query)
        seen += [item["customerId"] for item in page["items"]]
        if page["next"] is None:
            break
        query = {"limit": "3", "next": page["next"]}

    assert sorted(seen) == sorted(["TestCustomer", *(f"c{index}" for index in range(7))])
    assert catalog.list(TEMPLATES, {})["items"] == [
        {"docType": "Welcome", "description": None, "version": 0, "updatedAt": None}
    ]
