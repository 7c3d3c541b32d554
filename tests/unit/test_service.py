"""The service layer over its in-memory twins: no boto3, no moto, no HTTP."""

import pytest

from chalicelib.adapters.memory import InMemoryDocumentStore, InMemoryRepository
from chalicelib.domain.documents import FORMATS, parse_format
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.letters import render_letter
from chalicelib.domain.model import to_json
from chalicelib.domain.records import Customer, Template
from chalicelib.services.letters import LetterService
from tests.support import NOW


@pytest.fixture
def repository() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add(
        Customer("TestCustomer", "Testing Customer"),
        Template("Welcome", "\nHello and Welcome!\n", version=3),
    )
    return repository


@pytest.fixture
def store() -> InMemoryDocumentStore:
    return InMemoryDocumentStore()


@pytest.fixture
def service(repository: InMemoryRepository, store: InMemoryDocumentStore) -> LetterService:
    return LetterService(repository, store, clock=lambda: NOW)


def test_generate_stores_the_letter_and_describes_it(
    service: LetterService, store: InMemoryDocumentStore
) -> None:
    document = to_json(service.generate("TestCustomer", "Welcome", FORMATS["txt"]))

    body = b"Dear Testing Customer;\n\nHello and Welcome!\n"
    assert store.objects == {
        "TestCustomer/Welcome.txt": (
            body,
            "text/plain; charset=utf-8",
            {"template-version": "3", "generated-at": "2026-11-23T21:00:00Z"},
        )
    }
    assert document == {
        "customerId": "TestCustomer",
        "docType": "Welcome",
        "format": "txt",
        "bucket": "in-memory-documents",
        "key": "TestCustomer/Welcome.txt",
        "contentType": "text/plain; charset=utf-8",
        "size": len(body),
        "versionId": None,
        "templateVersion": 3,
        "generatedAt": "2026-11-23T21:00:00Z",
        "url": "memory://in-memory-documents/TestCustomer/Welcome.txt",
        "urlExpiresAt": "2026-11-23T21:15:00Z",
    }


def test_missing_customer(service: LetterService, store: InMemoryDocumentStore) -> None:
    with pytest.raises(NotFound, match=r"^customer Nobody does not exist$"):
        service.generate("Nobody", "Welcome", FORMATS["txt"])
    assert store.objects == {}


def test_missing_template(service: LetterService, store: InMemoryDocumentStore) -> None:
    with pytest.raises(NotFound, match=r"^template Invoice does not exist$"):
        service.generate("TestCustomer", "Invoice", FORMATS["txt"])
    assert store.objects == {}


@pytest.mark.parametrize(
    ("customer_id", "doc_type", "fmt", "field"),
    [
        ("../x", "Welcome", None, "customerId"),
        ("TestCustomer", "a/b", None, "docType"),
        ("TestCustomer", "Welcome", "docx", "format"),
    ],
)
def test_bad_input_is_refused_before_reading(
    repository: InMemoryRepository,
    store: InMemoryDocumentStore,
    customer_id: str,
    doc_type: str,
    fmt: str | None,
    field: str,
) -> None:
    class Untouchable(InMemoryRepository):
        def get_customer_and_template(self, *_):
            raise AssertionError("the repository must not be asked")

    with pytest.raises(InvalidInput, match=f"^{field} "):
        LetterService(Untouchable(), store).generate(customer_id, doc_type, parse_format(fmt))
    assert store.objects == {}


@pytest.mark.parametrize(
    ("greeting", "text", "letter"),
    [
        (None, "\nHello and Welcome!\n", "Dear Ann;\n\nHello and Welcome!\n"),
        (None, "Unit Test Doc Corpi", "Dear Ann;\nUnit Test Doc Corpi"),
        ("", "Just the text.\n", "Just the text.\n"),
        ("To whom it may concern,", "Body", "To whom it may concern,\nBody"),
        (None, "", "Dear Ann;\n"),
    ],
)
def test_render_letter(greeting: str | None, text: str, letter: str) -> None:
    assert (
        render_letter(Customer("c1", "Ann"), Template("t1", text, greeting), NOW.date()) == letter
    )
