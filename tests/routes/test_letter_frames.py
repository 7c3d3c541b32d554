"""Letters with their frame over HTTP, on moto: a template naming a letterhead, a customer
with an address, the PDF and HTML that come out, and the AWS calls they cost."""

import io
import json

import pytest
from chalice.test import Client
from pypdf import PdfReader

from tests.batches import drain, start
from tests.pdf_reading import chunks, rgb_png
from tests.support import AWS, BUCKET, JSON, body, error
from tests.unit.test_logos import b64

SENDER = {"name": "Acme GmbH", "addressLines": ["Musterstraße 1", "10115 Berlin"]}
LOGO = {"contentType": "image/png", "data": b64(rgb_png(120, 40))}
ADDRESS = ["Musterweg 5", "12345 Köln"]
FRAMED = "/customers/zoe/documents/Framed"


def put(client: Client, path: str, payload: object, **headers: str) -> None:
    response = client.http.put(path, headers=JSON | headers, body=json.dumps(payload))
    assert response.status_code in (200, 201), response.body


@pytest.fixture
def framed(client: Client, aws: AWS) -> None:
    """A letterhead, a customer with an address, and a German US Letter template naming it."""
    put(client, "/letterheads/acme", {"sender": SENDER, "logo": LOGO, "footer": "HRB 12345"})
    put(client, "/customers/zoe", {"name": "Zoë Łukasz", "address": ADDRESS})
    template = {"text": "Danke.", "letterhead": "acme", "pageSize": "Letter", "locale": "de-DE"}
    put(client, "/templates/Framed", template)
    aws.calls.clear()


def stored(aws: AWS, key: str) -> bytes:
    return aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


@pytest.mark.usefixtures("framed")
def test_a_pdf_with_a_letterhead_reads_it_with_one_getitem_more(client: Client, aws: AWS) -> None:
    response = client.http.post(f"{FRAMED}?format=pdf")

    assert response.status_code == 201
    assert aws.calls == ["BatchGetItem", "GetItem", "PutObject"]
    document = stored(aws, "zoe/Framed.pdf")
    page = PdfReader(io.BytesIO(document)).pages[0]
    assert page.extract_text().splitlines() == [
        "Acme GmbH, Musterstraße 1, 10115 Berlin",
        "Acme GmbH",
        "Musterstraße 1",
        "10115 Berlin",
        "Zoë Łukasz",
        *ADDRESS,
        "23. November 2026",
        "Dear Zoë Łukasz;",
        "Danke.",
        "HRB 12345",
        "Page 1 of 1",
    ]
    assert [float(side) for side in page.mediabox.upper_right] == [612, 792]  # US Letter
    recipient = next(c for c in chunks(document) if c.text == "Zoë Łukasz")
    assert (recipient.x, recipient.top) == (72.0, 2 * 72 + 18)  # 1 in from the left, in the window
    assert "/XObject" in page["/Resources"]


@pytest.mark.usefixtures("framed")
def test_an_html_letter_has_the_frame_and_the_logo_as_data(client: Client, aws: AWS) -> None:
    assert client.http.post(f"{FRAMED}?format=html").status_code == 201

    assert aws.calls == ["BatchGetItem", "GetItem", "PutObject"]
    page = stored(aws, "zoe/Framed.html").decode()
    assert '<p class="recipient">Zoë Łukasz<br>Musterweg 5<br>12345 Köln</p>' in page
    assert f'src="data:image/png;base64,{LOGO["data"]}"' in page
    assert "@page { size: letter;" in page
    assert '<time datetime="2026-11-23">23. November 2026</time>' in page


@pytest.mark.usefixtures("framed")
def test_txt_reads_no_letterhead_and_is_the_letter_exactly(client: Client, aws: AWS) -> None:
    assert client.http.post(FRAMED).status_code == 201

    assert aws.calls == ["BatchGetItem", "PutObject"]
    assert stored(aws, "zoe/Framed.txt") == "Dear Zoë Łukasz;\nDanke.".encode()


@pytest.mark.usefixtures("framed")
def test_a_version_naming_a_deleted_letterhead_is_a_404_that_names_it(
    client: Client, aws: AWS
) -> None:
    put(client, "/templates/Framed", {"text": "Danke."})  # names none now: acme can go
    assert client.http.delete("/letterheads/acme").status_code == 204
    aws.calls.clear()

    response = client.http.post(f"{FRAMED}?format=pdf&templateVersion=1")

    assert (response.status_code, body(response)) == (
        404,
        error("NotFoundError", "letterhead acme does not exist: PUT /letterheads/acme first"),
    )
    assert aws.calls == ["BatchGetItem", "GetItem"]
    assert aws.objects() == {}


@pytest.mark.usefixtures("framed")
def test_a_batch_reads_the_letterhead_with_everything_else_and_merges_framed_letters(
    client: Client, aws: AWS, queues: dict
) -> None:
    put(client, "/customers/ann", {"name": "Ann Smith", "address": ["1 Main St"]})
    batch = body(
        start(
            client, docType="Framed", format="pdf", customerIds=["zoe", "ann"], output={"pdf": True}
        )
    )
    list(drain(client, queues["plans"], "plan_batches", 1))
    aws.calls.clear()
    list(drain(client, queues["letters"], "write_letters", 10))

    table = [c for c in aws.calls if c in ("BatchGetItem", "GetItem", "TransactWriteItems")]
    # batch, template, version, customers, records and H#acme in one read, then the writes
    assert table == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems", "GetItem"]
    list(drain(client, queues["finishes"], "finish_batches", 1))
    merged = PdfReader(io.BytesIO(stored(aws, f"_batches/{batch['batchId']}/letters.pdf")))
    for page, customer_id in zip(merged.pages, ["zoe", "ann"], strict=True):
        single = PdfReader(io.BytesIO(stored(aws, f"{customer_id}/Framed.pdf"))).pages[0]
        assert page.extract_text() == single.extract_text()
        assert "Acme GmbH, Musterstraße 1, 10115 Berlin" in page.extract_text()
        assert [float(side) for side in page.mediabox.upper_right] == [612, 792]
