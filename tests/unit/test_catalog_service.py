"""The catalog service over the in-memory repository: versions, conflicts, pages; and a
template's immutable versions (``VersionService``)."""

from typing import Any

import pytest

from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.domain.errors import InUse, InvalidInput, NotFound, VersionMismatch
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.model import summary_json, to_json
from chalicelib.domain.paging import PageRequest
from chalicelib.domain.records import Customer, Template
from chalicelib.services.catalog import CatalogService
from chalicelib.services.versions import VersionService
from tests.support import NOW, STAMP


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
    assert (second, replaced) == (
        Customer("ann", "Ann B", version=2, updated_at="2026-11-23T21:00:00Z"),
        False,
    )
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


# Template versions


@pytest.fixture
def versions(repository: InMemoryRepository) -> VersionService:
    return VersionService(repository)


def test_versions_list_newest_first_a_page_at_a_time_and_outlive_the_template(
    templates: CatalogService[Template], versions: VersionService
) -> None:
    templates.put("Welcome", {"text": "One\n", "description": "first"}, 0)
    templates.put("Welcome", {"text": "Two\n"}, 1)

    first = versions.list("Welcome", PageRequest(2))
    rest = versions.list("Welcome", PageRequest(2, first.cursor))
    templates.delete("Welcome", 2)
    after_delete = versions.list("Welcome", PageRequest(20))

    assert [to_json(v) for v in first.items] == [
        {"version": 2, "updatedAt": STAMP, "description": None},
        {"version": 1, "updatedAt": STAMP, "description": "first"},
    ]
    assert [v.version for v in rest.items] == [0]  # the seeded item, kept as version 0
    assert rest.cursor is None
    assert [v.version for v in after_delete.items] == [2, 1, 0]
    assert versions.get("Welcome", "0") == Template("Welcome", "Hi\n")
    assert versions.get("Welcome", "1") == Template(
        "Welcome", "One\n", description="first", version=1, updated_at=STAMP
    )
    assert templates.put("Welcome", {"text": "Three\n"}, None)[0].version == 3


def test_a_template_older_than_versions_lists_and_reads_as_its_own_version(
    versions: VersionService,
) -> None:
    assert [to_json(v) for v in versions.list("Welcome", PageRequest(20)).items] == [
        {"version": 0, "updatedAt": None, "description": None}
    ]
    assert versions.get("Welcome", "0") == Template("Welcome", "Hi\n")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda v: v.get("Welcome", "7"), NotFound, "template Welcome has no version 7"),
        (lambda v: v.list("Nope", PageRequest(20)), NotFound, "template Nope does not exist"),
        (lambda v: v.get("Nope", "0"), NotFound, "template Nope has no version 0"),
        *(
            (
                lambda v, number=number: v.get("Welcome", number),
                InvalidInput,
                "version must be a whole number from 0 to 999999999999999, without leading zeros",
            )
            for number in ("01", "-1", "1.0", "x", "", "1000000000000000", "\uff11", "\u00b9")
        ),
        (lambda v: v.get("a/b", "1"), InvalidInput, "docType must be 1 to 64 characters"),
        *(
            (
                lambda v, cursor=cursor: v.list("Welcome", PageRequest(2, cursor)),
                InvalidInput,
                "next must be a token from this list's previous page",
            )
            for cursor in ("V#Other#1", "V#Welcome#x", "V#Welcome#01", "D#Welcome", "V#Welcome")
        ),
    ],
)
def test_version_requests_that_cannot_be_answered(
    versions: VersionService, call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        call(versions)
    assert str(raised.value).startswith(message)


def test_the_in_memory_twin_counts_the_templates_naming_a_letterhead(
    repository: InMemoryRepository, templates: CatalogService[Template]
) -> None:
    letterheads = CatalogService(Letterhead, repository, clock=lambda: NOW)
    letterheads.put("acme", {"sender": {"name": "Acme"}}, None)

    with pytest.raises(NotFound, match="letterhead other does not exist"):
        templates.put("A", {"text": "x", "letterhead": "other"}, None)
    templates.put("A", {"text": "x", "letterhead": "acme"}, None)
    templates.put("A", {"text": "y", "letterhead": "acme"}, None)
    letterheads.put("acme", {"sender": {"name": "Acme 2"}}, None)
    with pytest.raises(InUse, match="named by 1 template"):
        letterheads.delete("acme", None)
    templates.delete("A", None)
    letterheads.delete("acme", None)

    assert repository.get(Letterhead, "acme") is None
