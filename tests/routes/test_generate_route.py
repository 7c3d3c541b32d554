"""POST /customers/{customerId}/documents/{docType}: every status code, exact bodies."""

import base64
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from chalicelib.services.letters import LetterService
from tests.support import (
    AWS,
    BUCKET,
    GENERIC_500,
    IDENTIFIER_RULE,
    WELCOME,
    body,
    sent_headers,
)
from tools.stack import SAMPLE_LETTER


def expected_document(key: str, size: int, **overrides) -> dict:
    customer_id, rest = key.split("/")
    doc_type = rest.rsplit(".", 1)[0]
    return {
        "customerId": customer_id,
        "docType": doc_type,
        "format": "txt",
        "bucket": BUCKET,
        "key": key,
        "contentType": "text/plain; charset=utf-8",
        "size": size,
        "versionId": None,
        "templateVersion": 0,
        "generatedAt": "2026-11-23T21:00:00Z",
        "urlExpiresAt": "2026-11-23T21:15:00Z",
        **overrides,
    }


def without_url(document: dict) -> dict:
    return {name: value for name, value in document.items() if name != "url"}


def test_sample_letter_is_written_byte_for_byte(client: Client, aws: AWS) -> None:
    response = client.http.post(WELCOME)

    assert response.status_code == 201
    document = body(response)
    letter = SAMPLE_LETTER.encode()
    assert without_url(document) == expected_document("TestCustomer/Welcome.txt", len(letter))
    assert response.headers["Location"] == f"{WELCOME}?format=txt"
    assert response.headers["Content-Type"] == "application/json"
    assert aws.objects() == {"TestCustomer/Welcome.txt": letter}
    assert aws.calls == ["BatchGetItem", "PutObject"]


def test_object_is_encrypted_typed_and_labelled(client: Client, aws: AWS) -> None:
    client.http.post(WELCOME)

    head = aws.s3.head_object(Bucket=BUCKET, Key="TestCustomer/Welcome.txt")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "text/plain; charset=utf-8"
    assert head["Metadata"] == {"template-version": "0", "generated-at": "2026-11-23T21:00:00Z"}


def test_the_write_carries_the_letters_crc32_which_s3_keeps(
    client: Client, aws: AWS, service: LetterService
) -> None:
    sent = sent_headers(service.store.client, "before-send.s3.PutObject")

    client.http.post(WELCOME)

    letter_crc32 = base64.b64encode(zlib.crc32(SAMPLE_LETTER.encode()).to_bytes(4, "big"))
    [headers] = sent
    assert (headers["x-amz-checksum-crc32"], headers["x-amz-sdk-checksum-algorithm"]) == (
        letter_crc32,
        b"CRC32",
    )
    assert "Content-Encoding" not in headers  # the body as it is, not aws-chunked
    head = aws.s3.head_object(Bucket=BUCKET, Key="TestCustomer/Welcome.txt", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == letter_crc32.decode()


def test_url_is_a_presigned_get_for_the_object(client: Client, aws: AWS) -> None:
    url = urlsplit(body(client.http.post(WELCOME))["url"])

    assert (url.scheme, url.netloc, url.path) == (
        "https",
        f"{BUCKET}.s3.amazonaws.com",
        "/TestCustomer/Welcome.txt",
    )
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-Signature"]


def test_the_contract_example_letter(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "C#UnitTestCustomer"}, data={"S": "Unit Test Customer"})
    aws.put_item(PK={"S": "D#UnitTestDoc"}, data={"S": "Unit Test Doc Corpi"})

    response = client.http.post("/customers/UnitTestCustomer/documents/UnitTestDoc")

    assert response.status_code == 201
    assert aws.objects()["UnitTestCustomer/UnitTestDoc.txt"] == (
        b"Dear Unit Test Customer;\nUnit Test Doc Corpi"
    )


def test_empty_greeting_means_no_greeting_line(client: Client, aws: AWS) -> None:
    aws.put_item(
        PK={"S": "D#Notice"},
        data={"S": "No greeting here.\n"},
        greeting={"S": ""},
        version={"N": "4"},
    )

    response = client.http.post("/customers/TestCustomer/documents/Notice")

    assert body(response)["templateVersion"] == 4
    assert aws.objects()["TestCustomer/Notice.txt"] == b"No greeting here.\n"


def test_unicode_name_is_stored_as_utf8(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "C#zoe"}, data={"S": "Zoë Łukasz Ωμέγα Дмитрий"})

    response = client.http.post("/customers/zoe/documents/Welcome")

    letter = "Dear Zoë Łukasz Ωμέγα Дмитрий;\n\nHello and Welcome!\n".encode()
    assert body(response)["size"] == len(letter)
    assert aws.objects()["zoe/Welcome.txt"] == letter


def test_regenerating_replaces_the_document(client: Client, aws: AWS) -> None:
    client.http.post(WELCOME)
    aws.put_item(PK={"S": "C#TestCustomer"}, data={"S": "Renamed Customer"})

    client.http.post(WELCOME)

    assert aws.objects() == {
        "TestCustomer/Welcome.txt": b"Dear Renamed Customer;\n\nHello and Welcome!\n"
    }


def test_versioned_bucket_reports_the_version_id(client: Client, aws: AWS) -> None:
    aws.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})

    document = body(client.http.post(WELCOME))

    head = aws.s3.head_object(Bucket=BUCKET, Key="TestCustomer/Welcome.txt")
    assert document["versionId"] == head["VersionId"]


def test_on_a_versioned_bucket_each_link_downloads_its_own_version(
    client: Client, aws: AWS
) -> None:
    """The contract: ``url`` downloads exactly ``versionId``, even after the letter is
    generated again; describing it later links the version now current."""
    import requests

    aws.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = body(client.http.post(WELCOME))
    aws.put_item(PK={"S": "C#TestCustomer"}, data={"S": "Renamed Customer"})
    second = body(client.http.post(WELCOME))
    described = body(client.http.get("/customers/TestCustomer/documents/Welcome"))

    assert first["versionId"] != second["versionId"] == described["versionId"]
    assert f"versionId={first['versionId']}" in first["url"]
    assert requests.get(first["url"], timeout=5).content == (
        b"Dear Testing Customer;\n\nHello and Welcome!\n"
    )
    assert requests.get(described["url"], timeout=5).content == (
        b"Dear Renamed Customer;\n\nHello and Welcome!\n"
    )


def test_explicit_txt_format(client: Client, aws: AWS) -> None:
    response = client.http.post(f"{WELCOME}?format=txt")

    assert response.status_code == 201
    assert body(response)["format"] == "txt"


def test_missing_customer_is_404_and_writes_nothing(client: Client, aws: AWS) -> None:
    response = client.http.post("/customers/Nobody/documents/Welcome")

    assert response.status_code == 404
    assert body(response) == {"Code": "NotFoundError", "Message": "customer Nobody does not exist"}
    assert aws.objects() == {}
    assert aws.calls == ["BatchGetItem"]


def test_missing_template_is_404_and_writes_nothing(client: Client, aws: AWS) -> None:
    response = client.http.post("/customers/TestCustomer/documents/Invoice")

    assert response.status_code == 404
    assert body(response) == {"Code": "NotFoundError", "Message": "template Invoice does not exist"}
    assert aws.objects() == {}
    assert aws.calls == ["BatchGetItem"]


def test_both_missing_names_the_customer_first(client: Client, aws: AWS) -> None:
    response = client.http.post("/customers/Nobody/documents/Invoice")

    assert body(response)["Message"] == "customer Nobody does not exist"


@pytest.mark.parametrize(
    "customer_id",
    [
        "..",
        "..%2F..%2Fetc",
        "%2e%2e",
        "a%252Fb",
        ".hidden",
        "-dash",
        "_under",
        "with%20space",
        "caf%C3%A9",
        "nul%00byte",
        "cr%0Dlf%0A",
        "x" * 65,
    ],
)
def test_bad_customer_id_is_400_before_any_aws_call(
    client: Client, aws: AWS, customer_id: str
) -> None:
    response = client.http.post(f"/customers/{customer_id}/documents/Welcome")

    assert response.status_code == 400
    assert body(response) == {"Code": "BadRequestError", "Message": f"customerId {IDENTIFIER_RULE}"}
    assert aws.calls == []
    assert aws.objects() == {}


def test_bad_doc_type_is_400_before_any_aws_call(client: Client, aws: AWS) -> None:
    response = client.http.post("/customers/TestCustomer/documents/..")

    assert response.status_code == 400
    assert body(response) == {"Code": "BadRequestError", "Message": f"docType {IDENTIFIER_RULE}"}
    assert aws.calls == []


def test_longest_identifier_is_accepted(client: Client, aws: AWS) -> None:
    customer_id = "C" + "x" * 63
    aws.put_item(PK={"S": f"C#{customer_id}"}, data={"S": "Long Id"})

    response = client.http.post(f"/customers/{customer_id}/documents/Welcome")

    assert response.status_code == 201


@pytest.mark.parametrize("fmt", ["docx", "PDF", "", "txt%00", "pdf.", "../pdf"])
def test_unknown_format_is_400_before_any_aws_call(client: Client, aws: AWS, fmt: str) -> None:
    response = client.http.post(f"{WELCOME}?format={fmt}")

    assert response.status_code == 400
    assert body(response) == {
        "Code": "BadRequestError",
        "Message": "format must be one of: txt, html, pdf",
    }
    assert aws.calls == []
    assert aws.objects() == {}


def test_missing_table_is_a_generic_500(client: Client, aws: AWS) -> None:
    aws.dynamodb.delete_table(TableName="docgen-dev")

    response = client.http.post(WELCOME)

    assert response.status_code == 500
    assert body(response) == GENERIC_500
    assert aws.objects() == {}


def test_missing_bucket_is_a_generic_500(client: Client, aws: AWS) -> None:
    aws.s3.delete_bucket(Bucket=BUCKET)

    response = client.http.post(WELCOME)

    assert response.status_code == 500
    assert body(response) == GENERIC_500


def test_every_response_has_a_request_id(client: Client, aws: AWS) -> None:
    responses = [
        client.http.post(WELCOME),
        client.http.post("/customers/Nobody/documents/Welcome"),
        client.http.post("/customers/../documents/Welcome"),
        client.http.get("/health"),
    ]

    ids = [response.headers["X-Request-Id"] for response in responses]
    assert all(len(request_id) == 32 for request_id in ids)
    assert len(set(ids)) == len(ids)


def test_attributes_and_jinja_reach_the_letter(client: Client, aws: AWS) -> None:
    aws.put_item(
        PK={"S": "C#ann"},
        data={"S": "Ann"},
        attributes={"M": {"plan": {"S": "Gold"}, "seats": {"N": "3"}, "vip": {"BOOL": True}}},
    )
    aws.put_item(
        PK={"S": "D#Renewal"},
        data={"S": "Your {{ attributes.plan }} plan, {{ attributes.seats }} seats.\n"},
        greeting={"S": "Hello {{ name }},"},
    )

    response = client.http.post("/customers/ann/documents/Renewal")

    assert response.status_code == 201
    assert aws.objects() == {"ann/Renewal.txt": b"Hello Ann,\nYour Gold plan, 3 seats.\n"}


def test_unrenderable_template_is_422_and_writes_nothing(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "D#Broken"}, data={"S": "Hi {{ name.__class__ }}"})

    response = client.http.post("/customers/TestCustomer/documents/Broken")

    assert response.status_code == 422
    assert body(response) == {
        "Code": "UnprocessableEntityError",
        "Message": "template Broken cannot be rendered: "
        "line 1: names starting with _ are not allowed",
    }
    assert aws.objects() == {}
    assert aws.calls == ["BatchGetItem"]
