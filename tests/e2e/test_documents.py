"""Stored documents over real HTTP: each format generated, described, downloaded, deleted.

The presigned links are fetched from moto's server, as a browser would
fetch them from S3, and the bytes compared with what the bucket holds.
"""

import io

import pytest
import requests
from pypdf import PdfReader

from tests.support import HTTP_TIMEOUT_SECONDS
from tools.local_stack import Servers

NAME = "Zoë Łukasz Ωμέγα Дмитрий"
DOCUMENT = "/customers/zoe/documents/Welcome"
CONTENT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def call(servers: Servers, method: str, path: str, **kwargs) -> requests.Response:
    return servers.http.request(method, servers.api + path, timeout=HTTP_TIMEOUT_SECONDS, **kwargs)


def download(servers: Servers, url: str) -> requests.Response:
    return servers.http.get(url, timeout=HTTP_TIMEOUT_SECONDS)


@pytest.fixture(scope="module", autouse=True)
def customer(servers: Servers) -> None:
    response = call(servers, "PUT", "/customers/zoe", json={"name": NAME})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("fmt", ["txt", "html", "pdf"])
def test_each_format_downloads_through_its_fresh_link(servers: Servers, fmt: str) -> None:
    generated = call(servers, "POST", f"{DOCUMENT}?format={fmt}")
    assert generated.status_code == 201, generated.text

    described = call(servers, "GET", f"{DOCUMENT}?format={fmt}")

    assert described.status_code == 200, described.text
    description = described.json()
    assert description["contentType"] == CONTENT_TYPES[fmt]
    assert description["size"] == generated.json()["size"]
    got = download(servers, description["url"])
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"] == CONTENT_TYPES[fmt]
    stored = servers.s3.get_object(Bucket=servers.bucket, Key=f"zoe/Welcome.{fmt}")
    assert got.content == stored["Body"].read()
    assert len(got.content) == description["size"]
    assert download(servers, generated.json()["url"]).content == got.content


def test_the_downloaded_pdf_reads_as_the_letter(servers: Servers) -> None:
    url = call(servers, "POST", f"{DOCUMENT}?format=pdf").json()["url"]

    pdf = PdfReader(io.BytesIO(download(servers, url).content))

    lines = pdf.pages[0].extract_text().splitlines()
    assert lines[1:] == [f"Dear {NAME};", "Hello and Welcome!", "Page 1 of 1"]


def test_the_downloaded_page_escapes_the_name(servers: Servers) -> None:
    response = call(servers, "PUT", "/customers/mallory", json={"name": "<script>x</script>"})
    assert response.status_code == 201, response.text
    url = call(servers, "POST", "/customers/mallory/documents/Welcome?format=html").json()["url"]

    page = download(servers, url).text

    assert "<p>Dear &lt;script&gt;x&lt;/script&gt;;</p>" in page
    assert "<script>" not in page


def test_list_then_delete_one_format(servers: Servers) -> None:
    for fmt in ("txt", "pdf"):
        assert call(servers, "POST", f"{DOCUMENT}?format={fmt}").status_code == 201
    link = call(servers, "GET", f"{DOCUMENT}?format=pdf").json()["url"]

    deleted = call(servers, "DELETE", f"{DOCUMENT}?format=pdf")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert call(servers, "GET", f"{DOCUMENT}?format=pdf").status_code == 404
    assert download(servers, link).status_code == 404  # the old link finds nothing
    listed = call(servers, "GET", "/customers/zoe/documents").json()
    assert "zoe/Welcome.pdf" not in [item["key"] for item in listed["items"]]
    assert "zoe/Welcome.txt" in [item["key"] for item in listed["items"]]


def test_a_seeded_framed_letter_downloads_with_its_window(servers: Servers) -> None:
    """make run's sample letterhead and addresses (tools/sample_frames.py) over real HTTP."""
    path = "/customers/YamadaHanako/documents/Confirmation?format=pdf"
    generated = call(servers, "POST", path)
    assert generated.status_code == 201, generated.text

    pdf = PdfReader(io.BytesIO(download(servers, generated.json()["url"]).content))

    lines = pdf.pages[0].extract_text().splitlines()
    assert lines[0] == "docgen Letters GmbH, Friedrichstraße 68, 10117 Berlin, Germany"
    assert lines[5:9] == ["山田花子", "〒100-0001", "東京都千代田区千代田1-1", "日本"]
