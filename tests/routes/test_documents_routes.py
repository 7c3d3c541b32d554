"""Stored documents: describe with a fresh link, list by customer, delete."""

import pytest
from chalice.test import Client

from tests.support import AWS, BUCKET, WELCOME, body


def test_describe_a_generated_document_with_one_call(client: Client, aws: AWS) -> None:
    generated = body(client.http.post(WELCOME))
    aws.calls.clear()

    response = client.http.get(f"{WELCOME}?format=txt")

    assert response.status_code == 200
    described = body(response)
    assert {k: v for k, v in described.items() if k != "url"} == {
        k: v for k, v in generated.items() if k != "url"
    }
    assert described["url"].startswith(
        f"https://{BUCKET}.s3.amazonaws.com/TestCustomer/Welcome.txt?"
    )
    assert aws.calls == ["HeadObject"]


def test_never_generated_is_404(client: Client, aws: AWS) -> None:
    response = client.http.get(WELCOME)

    assert response.status_code == 404
    assert body(response) == {
        "Code": "NotFoundError",
        "Message": "document TestCustomer/Welcome.txt does not exist",
    }


def test_an_object_docgen_did_not_write_still_describes(client: Client, aws: AWS) -> None:
    aws.s3.put_object(Bucket=BUCKET, Key="TestCustomer/Legacy.txt", Body=b"old letter")

    described = body(client.http.get("/customers/TestCustomer/documents/Legacy"))

    assert described["templateVersion"] is None
    assert described["size"] == len(b"old letter")
    assert described["generatedAt"].endswith("Z")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (f"{WELCOME}?format=docx", "format must be one of: txt, html, pdf"),
        ("/customers/../documents/Welcome", "customerId must be 1 to 64 characters"),
        ("/customers/..", "customerId must be 1 to 64 characters"),
    ],
)
def test_bad_input_is_400_before_any_call(
    client: Client, aws: AWS, path: str, message: str
) -> None:
    for method in ("GET", "DELETE"):
        response = client.http.request(method, path)
        assert response.status_code == 400
        assert body(response)["Message"].startswith(message)
    assert aws.calls == []


def test_list_pages_through_one_customers_documents(client: Client, aws: AWS) -> None:
    for doc_type in ("A", "B", "C"):
        aws.put_item(PK={"S": f"D#{doc_type}"}, data={"S": doc_type})
        client.http.post(f"/customers/TestCustomer/documents/{doc_type}")
    aws.s3.put_object(Bucket=BUCKET, Key="TestCustomer2/A.txt", Body=b"someone else")

    first = body(client.http.get("/customers/TestCustomer/documents?limit=2"))
    second = body(
        client.http.get(f"/customers/TestCustomer/documents?limit=2&next={first['next']}")
    )

    assert [item["key"] for item in first["items"]] == ["TestCustomer/A.txt", "TestCustomer/B.txt"]
    assert second["next"] is None
    assert second["items"][0]["key"] == "TestCustomer/C.txt"
    assert {k: v for k, v in second["items"][0].items() if k != "lastModified"} == {
        "docType": "C",
        "format": "txt",
        "key": "TestCustomer/C.txt",
        "size": len(b"Dear Testing Customer;\nC"),
    }


def test_list_refuses_a_token_for_another_customer(client: Client, aws: AWS) -> None:
    for doc_type in ("Welcome", "Welcome2"):
        aws.put_item(PK={"S": f"D#{doc_type}"}, data={"S": "x"})
        client.http.post(f"/customers/TestCustomer/documents/{doc_type}")
    token = body(client.http.get("/customers/TestCustomer/documents?limit=1"))["next"]

    response = client.http.get(f"/customers/Other/documents?next={token}")

    assert response.status_code == 400
    assert body(response)["Message"] == "next must be a token from this list's previous page"


def test_delete_removes_the_object(client: Client, aws: AWS) -> None:
    client.http.post(WELCOME)
    aws.calls.clear()

    response = client.http.delete(f"{WELCOME}?format=txt")

    assert response.status_code == 204
    assert aws.objects() == {}
    assert aws.calls == ["HeadObject", "DeleteObject"]
    again = client.http.delete(WELCOME)
    assert again.status_code == 404
    assert body(again) == {
        "Code": "NotFoundError",
        "Message": "document TestCustomer/Welcome.txt does not exist",
    }


def test_delete_on_a_versioned_bucket_keeps_history(client: Client, aws: AWS) -> None:
    aws.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    client.http.post(WELCOME)

    client.http.delete(WELCOME)

    versions = aws.s3.list_object_versions(Bucket=BUCKET, Prefix="TestCustomer/")
    assert len(versions["Versions"]) == 1
    assert len(versions["DeleteMarkers"]) == 1
