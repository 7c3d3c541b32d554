"""The catalog service over the in-memory repository: versions, conflicts, pages."""

import pytest

from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.domain.errors import NotFound, VersionMismatch
from chalicelib.domain.model import summary_json
from chalicelib.domain.paging import PageRequest
from chalicelib.domain.records import Customer, Template
from chalicelib.services.catalog import CatalogService
from tests.support import NOW


@pytest.fixture
def repository() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add(Customer("TestCustomer", "Testing Customer"), Template("Welcome", "Hi\n"))
    return repository


@pytest.fixture
def customers(repository: InMemoryRepository) -> CatalogService[Customer]:
    return CatalogService(Customer, repository, clock=lambda: NOW)


@pytest.fixture
def templates(repository: InMemoryRepository) -> CatalogService[Template]:
    return CatalogService(Template, repository, clock=lambda: NOW)


def test_versions_count_every_write(customers: CatalogService[Customer]) -> None:
    first, created = customers.put("ann", {"name": "Ann"}, None)
    second, replaced = customers.put("ann", {"name": "Ann B"}, 1)

    assert (first.version, created) == (1, True)
    assert (second, replaced) == (Customer("ann", "Ann B", {}, 2, "2026-11-23T21:00:00Z"), False)
    assert customers.get("ann") == second


def test_sample_items_are_version_zero(templates: CatalogService[Template]) -> None:
    assert templates.get("Welcome").version == 0
    updated, _ = templates.put("Welcome", {"text": "Hello\n"}, 0)
    assert updated.version == 1


def test_stale_version_and_missing_item(customers: CatalogService[Customer]) -> None:
    with pytest.raises(VersionMismatch, match="is at version 0, not 3"):
        customers.delete("TestCustomer", 3)
    with pytest.raises(NotFound, match="customer nobody does not exist"):
        customers.delete("nobody", None)
    with pytest.raises(VersionMismatch, match="does not exist, so If-Match cannot hold"):
        customers.put("nobody", {"name": "N"}, "*")


def test_pages_cover_every_customer_once(
    customers: CatalogService[Customer], templates: CatalogService[Template]
) -> None:
    for index in range(7):
        customers.put(f"c{index}", {"name": f"C{index}"}, None)

    seen, cursor = [], None
    while True:
        page = customers.list(PageRequest(3, cursor))
        seen += [customer.customer_id for customer in page.items]
        if page.cursor is None:
            break
        cursor = page.cursor

    assert sorted(seen) == sorted(["TestCustomer", *(f"c{index}" for index in range(7))])
    assert [summary_json(t) for t in templates.list(PageRequest(20)).items] == [
        {"docType": "Welcome", "description": None, "version": 0, "updatedAt": None}
    ]
