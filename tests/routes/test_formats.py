"""Letters as txt, HTML and PDF: what is stored, what a reader sees, what it costs."""

import io
from html.parser import HTMLParser

import pytest
from chalice.test import Client
from pypdf import PdfReader

from chalicelib.domain.documents import FORMATS
from chalicelib.services.letters import LetterService
from tests.support import AWS, BUCKET, WELCOME, body, fresh_python

NAME = "Zoë Łukasz Ωμέγα Дмитрий"
A4_POINTS = (595.2756, 841.8898)


def stored(aws: AWS, key: str) -> bytes:
    return aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def pdf_lines(document: bytes) -> list[list[str]]:
    """Each page's text, line by line, as pypdf extracts it."""
    return [page.extract_text().splitlines() for page in PdfReader(io.BytesIO(document)).pages]


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("txt", "text/plain; charset=utf-8", b"Dear Testing Customer;\n"),
        ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>\n"),
        ("pdf", "application/pdf", b"%PDF-1."),
    ],
)
def test_each_format_is_stored_typed_in_two_calls_and_read_back_in_one(
    client: Client, aws: AWS, fmt: str, content_type: str, start: bytes
) -> None:
    response = client.http.post(f"{WELCOME}?format={fmt}")

    assert response.status_code == 201
    assert aws.calls == ["BatchGetItem", "PutObject"]
    generated = body(response)
    key = f"TestCustomer/Welcome.{fmt}"
    assert (generated["format"], generated["key"], generated["contentType"]) == (
        fmt,
        key,
        content_type,
    )
    assert response.headers["Location"] == f"{WELCOME}?format={fmt}"
    assert list(aws.objects()) == [key]
    document = stored(aws, key)
    assert document.startswith(start)
    assert generated["size"] == len(document)
    head = aws.s3.head_object(Bucket=BUCKET, Key=key)
    assert (head["ContentType"], head["ServerSideEncryption"]) == (content_type, "AES256")
    assert head["Metadata"] == {"template-version": "0", "generated-at": "2026-11-23T21:00:00Z"}

    aws.calls.clear()
    described = body(client.http.get(f"{WELCOME}?format={fmt}"))

    assert aws.calls == ["HeadObject"]
    assert {k: v for k, v in described.items() if k != "url"} == {
        k: v for k, v in generated.items() if k != "url"
    }


class _Markup(HTMLParser):
    """The elements a page holds, and the text inside the letter's paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.open: list[str] = []
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "title":
            self.title += data


def test_html_escapes_every_value_and_the_template_too(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "C#mallory"}, data={"S": '<script>alert("x")</script> & Co'})
    aws.put_item(
        PK={"S": "D#Offer"},
        data={"S": "<b>{{ attributes.plan }}</b>\n\nSecond paragraph, line 1\n  line 2\n"},
    )
    aws.dynamodb.update_item(
        TableName="docgen-dev",
        Key={"PK": {"S": "C#mallory"}},
        UpdateExpression="SET attributes = :a",
        ExpressionAttributeValues={":a": {"M": {"plan": {"S": "<img src=x onerror=alert(1)>"}}}},
    )

    response = client.http.post("/customers/mallory/documents/Offer?format=html")

    assert response.status_code == 201
    page = stored(aws, "mallory/Offer.html").decode("utf-8")
    assert (
        '<div class="letter">\n'
        "<p>Dear &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co;\n"
        "&lt;b&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/b&gt;</p>\n"
        "<p>Second paragraph, line 1\n  line 2</p>\n"
        "</div>"
    ) in page
    markup = _Markup()
    markup.feed(page)
    assert markup.tags == {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "p",
        "time",
        "div",
    }
    assert markup.title == "Offer letter"
    assert '<time datetime="2026-11-23">23 November 2026</time>' in page
    assert "default-src 'none'" in page  # and no script could run even if one got in


def test_pdf_shows_every_character_of_a_non_latin_name(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "C#zoe"}, data={"S": NAME})

    response = client.http.post("/customers/zoe/documents/Welcome?format=pdf")

    assert response.status_code == 201
    document = stored(aws, "zoe/Welcome.pdf")
    assert pdf_lines(document) == [
        ["23 November 2026", f"Dear {NAME};", "Hello and Welcome!", "Page 1 of 1"]
    ]
    reader = PdfReader(io.BytesIO(document))
    page = reader.pages[0]
    assert tuple(round(float(side), 4) for side in page.mediabox[2:]) == A4_POINTS
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    embedded = [font for font in fonts if "DejaVuSerif" in font["/BaseFont"]]
    assert embedded
    assert all("/FontFile2" in font["/FontDescriptor"] for font in embedded)  # TrueType, embedded
    assert reader.metadata.title == "Welcome letter"
    assert reader.metadata.subject == "Welcome for customer zoe"
    assert reader.metadata["/CreationDate"] == "D:20261123210000+00'00'"


def test_a_400_line_letter_flows_over_numbered_pages(client: Client, aws: AWS) -> None:
    lines = [f"Line {n} of a long letter, which has to flow onto later pages." for n in range(400)]
    aws.put_item(PK={"S": "D#Long"}, data={"S": "\n".join(lines)}, description={"S": "Not a title"})

    client.http.post("/customers/TestCustomer/documents/Long?format=pdf")

    pages = pdf_lines(stored(aws, "TestCustomer/Long.pdf"))
    total = len(pages)
    assert total == 10
    assert [page[-1] for page in pages] == [f"Page {n} of {total}" for n in range(1, total + 1)]
    text = [line for page in pages for line in page[:-1]]
    assert text == ["23 November 2026", "Dear Testing Customer;", *lines]
    assert text[-1] == "Line 399 of a long letter, which has to flow onto later pages."
    assert PdfReader(io.BytesIO(stored(aws, "TestCustomer/Long.pdf"))).metadata.title == (
        "Long letter"  # the template's description is a maintainer's note, not a title
    )


def test_pdf_wraps_long_lines_and_keeps_paragraphs(client: Client, aws: AWS) -> None:
    word = "x" * 1000
    words = " ".join(f"word{n}" for n in range(200))
    aws.put_item(PK={"S": "D#Wide"}, data={"S": f"{words}\n\n{word}\n\tTabbed\x00\x07 end"})

    client.http.post("/customers/TestCustomer/documents/Wide?format=pdf")

    [page] = pdf_lines(stored(aws, "TestCustomer/Wide.pdf"))
    body_lines = page[2:-1]
    assert " ".join(body_lines).startswith(words)
    assert "".join(line.strip() for line in body_lines).endswith(word + "Tabbed end")
    assert max(len(line) for line in body_lines) < 120  # wrapped to the page, not cut off


def test_a_name_the_pdf_fonts_cannot_show_is_422_and_writes_nothing(
    client: Client, aws: AWS
) -> None:
    aws.put_item(PK={"S": "C#priya"}, data={"S": "नमस्ते"})  # Devanagari: no font, no shaping

    response = client.http.post("/customers/priya/documents/Welcome?format=pdf")

    assert response.status_code == 422
    assert body(response) == {
        "Code": "UnprocessableEntityError",
        "Message": "a PDF cannot show U+0924 and 5 other characters of this letter: its fonts "
        "cover Latin, Greek, Cyrillic, Hebrew, Arabic, Chinese, Japanese and Korean; "
        "format=html or txt can show them",
    }
    assert aws.objects() == {}
    assert client.http.post("/customers/priya/documents/Welcome?format=html").status_code == 201


def test_invisible_format_characters_are_left_out_of_the_pdf(client: Client, aws: AWS) -> None:
    aws.put_item(PK={"S": "C#ann"}, data={"S": "\ufeffAnn\u202e Lee\u200b"})

    response = client.http.post("/customers/ann/documents/Welcome?format=pdf")

    assert response.status_code == 201
    assert pdf_lines(stored(aws, "ann/Welcome.pdf"))[0][1] == "Dear Ann Lee;"


def test_the_same_letter_is_the_same_pdf(client: Client, aws: AWS) -> None:
    client.http.post(f"{WELCOME}?format=pdf")
    first = stored(aws, "TestCustomer/Welcome.pdf")

    client.http.post(f"{WELCOME}?format=pdf")

    assert stored(aws, "TestCustomer/Welcome.pdf") == first


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_a_render_error_writes_no_document_in_any_format(
    client: Client, aws: AWS, fmt: str
) -> None:
    aws.put_item(PK={"S": "D#Broken"}, data={"S": "{{ attributes.missing }}"})

    response = client.http.post(f"/customers/TestCustomer/documents/Broken?format={fmt}")

    assert response.status_code == 422
    assert aws.objects() == {}
    assert aws.calls == ["BatchGetItem"]


def test_formats_are_listed_side_by_side(client: Client, aws: AWS) -> None:
    for fmt in ("pdf", "txt", "html"):
        client.http.post(f"{WELCOME}?format={fmt}")

    listed = body(client.http.get("/customers/TestCustomer/documents"))

    assert [(item["docType"], item["format"]) for item in listed["items"]] == [
        ("Welcome", "html"),
        ("Welcome", "pdf"),
        ("Welcome", "txt"),
    ]


def test_deleting_one_format_keeps_the_others(client: Client, aws: AWS) -> None:
    for fmt in ("txt", "pdf"):
        client.http.post(f"{WELCOME}?format={fmt}")

    response = client.http.delete(f"{WELCOME}?format=pdf")

    assert response.status_code == 204
    assert list(aws.objects()) == ["TestCustomer/Welcome.txt"]


# Chalice's test client sets the stage's environment on every request, so the
# setting's own tests call the service directly.
@pytest.mark.usefixtures("dev_environment")
def test_link_lifetime_is_the_stages_setting(
    service: LetterService, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCUMENT_URL_TTL_SECONDS", "60")

    document = service.generate("TestCustomer", "Welcome", FORMATS["pdf"])

    assert document.url_expires_at == "2026-11-23T21:01:00Z"
    assert "X-Amz-Expires=60&" in document.url


@pytest.mark.usefixtures("dev_environment")
@pytest.mark.parametrize("setting", ["0", "-5", "15m", "604801", "²", "\uff19\uff10\uff10"])
def test_a_bad_link_lifetime_fails_before_anything_is_written(
    service: LetterService, aws: AWS, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("DOCUMENT_URL_TTL_SECONDS", setting)

    with pytest.raises(RuntimeError, match=r"^DOCUMENT_URL_TTL_SECONDS must be whole seconds"):
        service.generate("TestCustomer", "Welcome", FORMATS["txt"])
    assert aws.objects() == {}
    assert aws.calls == ["BatchGetItem"]


def test_only_pdfs_import_reportlab() -> None:
    probe = (
        "import sys\n"
        "from datetime import datetime, UTC\n"
        "from chalicelib.domain.documents import FORMATS\n"
        "from chalicelib.domain.letters import Letter\n"
        "letter = Letter('c', 'd', 'Dear Ann;\\nHello', datetime.now(UTC))\n"
        "FORMATS['txt'].lay_out(letter), FORMATS['html'].lay_out(letter)\n"
        "print('reportlab' in sys.modules)\n"
        "FORMATS['pdf'].lay_out(letter)\n"
        "print('reportlab' in sys.modules)\n"
    )
    assert fresh_python(probe).split() == ["False", "True"]


MARKDOWN = (
    "# Your {{ attributes.plan }} plan\n\n"
    "It renews **soon**, see [the terms](https://example.com/terms).\n\n"
    "| Plan | Price |\n|---|---|\n| {{ attributes.plan }} | 12.50 |\n\n"
    "<script>alert(1)</script>"
)


def markdown_template(aws: AWS, markup: str = "markdown") -> None:
    aws.put_item(PK={"S": "D#Renewal"}, data={"S": MARKDOWN}, markup={"S": markup})
    aws.put_item(
        PK={"S": "C#ann"},
        data={"S": "Ann <Lee>"},
        attributes={"M": {"plan": {"S": "Gold"}}},
    )


class _Letter(HTMLParser):
    """The tags inside the page's letter, in order, and their text."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.inside or ("class", "letter markdown") in attrs:
            self.inside += tag not in ("br", "hr")
            self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.inside -= bool(self.inside)

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data


def test_a_markdown_template_is_formatted_in_html(client: Client, aws: AWS) -> None:
    markdown_template(aws)

    response = client.http.post("/customers/ann/documents/Renewal?format=html")

    assert response.status_code == 201
    page = stored(aws, "ann/Renewal.html").decode()
    letter = _Letter()
    letter.feed(page)
    assert letter.tags == [
        "div", "p", "h1", "p", "strong", "a", "table", "thead", "tr", "th", "th", "tbody", "tr",
        "td", "td", "p",
    ]  # fmt: skip
    assert " ".join(letter.text.split()) == (
        "Dear Ann <Lee>; Your Gold plan It renews soon, see the terms. Plan Price Gold 12.50 "
        "<script>alert(1)</script>"
    )
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in page
    assert '<a href="https://example.com/terms" rel="noopener noreferrer">' in page
    assert "default-src 'none'" in page


def test_a_markdown_template_is_formatted_in_the_pdf(client: Client, aws: AWS) -> None:
    markdown_template(aws)

    response = client.http.post("/customers/ann/documents/Renewal?format=pdf")

    assert response.status_code == 201
    document = stored(aws, "ann/Renewal.pdf")
    assert pdf_lines(document) == [
        [
            "23 November 2026",
            "Dear Ann <Lee>;",
            "Your Gold plan",
            "It renews soon, see the terms.",
            "Plan Price",
            "Gold 12.50",
            "<script>alert(1)</script>",
            "Page 1 of 1",
        ]
    ]
    fonts = PdfReader(io.BytesIO(document)).pages[0]["/Resources"]["/Font"].values()
    names = {font.get_object()["/BaseFont"].split("+")[-1] for font in fonts}
    assert names == {"DejaVuSerif", "DejaVuSerif-Bold"}


def test_a_markdown_template_is_stored_as_written_in_txt(client: Client, aws: AWS) -> None:
    markdown_template(aws)
    client.http.post("/customers/ann/documents/Renewal?format=txt")
    as_markdown = stored(aws, "ann/Renewal.txt")
    markdown_template(aws, "text")

    client.http.post("/customers/ann/documents/Renewal?format=txt")

    assert as_markdown == stored(aws, "ann/Renewal.txt")
    assert as_markdown == (
        b"Dear Ann <Lee>;\n# Your Gold plan\n\nIt renews **soon**, see [the terms]"
        b"(https://example.com/terms).\n\n| Plan | Price |\n|---|---|\n| Gold | 12.50 |\n\n"
        b"<script>alert(1)</script>"
    )
