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


# Template versions: pinned letters


@pytest.fixture
def replaced(repository: InMemoryRepository) -> InMemoryRepository:
    """The fixture's Welcome (version 3, older than versions) replaced: version 4."""
    repository.put(Template("Welcome", "Version four.\n"), 3)
    return repository


def test_a_pinned_letter_is_that_versions_and_says_so(
    service: LetterService, store: InMemoryDocumentStore, replaced: InMemoryRepository
) -> None:
    pinned = service.generate("TestCustomer", "Welcome", FORMATS["txt"], 3)

    body, _, metadata = store.objects["TestCustomer/Welcome.txt"]
    assert body == b"Dear Testing Customer;\n\nHello and Welcome!\n"
    assert metadata["template-version"] == "3"
    assert pinned.template_version == 3

    current = service.generate("TestCustomer", "Welcome", FORMATS["txt"])

    assert (
        store.objects["TestCustomer/Welcome.txt"][0] == b"Dear Testing Customer;\nVersion four.\n"
    )
    assert current.template_version == 4


def test_a_pinned_preview_renders_that_version_for_stored_and_inline_customers(
    service: LetterService, store: InMemoryDocumentStore, replaced: InMemoryRepository
) -> None:
    replaced.delete(Template, "Welcome", None)  # versions outlive the template

    assert service.preview("Welcome", "TestCustomer", 3) == (
        "Dear Testing Customer;\n\nHello and Welcome!\n"
    )
    assert service.preview("Welcome", Customer("", "Zoë"), 4) == "Dear Zoë;\nVersion four.\n"
    with pytest.raises(NotFound, match=r"^template Welcome does not exist$"):
        service.preview("Welcome", Customer("", "Zoë"))
    assert store.objects == {}


@pytest.mark.parametrize("preview", [False, True])
def test_a_pin_to_an_unknown_version_is_not_found_and_writes_nothing(
    service: LetterService,
    store: InMemoryDocumentStore,
    replaced: InMemoryRepository,
    preview: bool,
) -> None:
    with pytest.raises(NotFound, match=r"^template Welcome has no version 7$"):
        if preview:
            service.preview("Welcome", Customer("", "Zoë"), 7)
        else:
            service.generate("TestCustomer", "Welcome", FORMATS["txt"], 7)
    with pytest.raises(NotFound, match=r"^customer Nobody does not exist$"):
        service.generate("Nobody", "Welcome", FORMATS["txt"], 7)  # the customer named first
    assert store.objects == {}
