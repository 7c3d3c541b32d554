"""A letter's frame in its HTML page: the same parts as the PDF, placed by print CSS from
the same numbers, every value escaped, the logo the one image the page may show."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from chalicelib.domain.layout.frame import A4, LETTER
from chalicelib.domain.layout.html import letter_html
from chalicelib.domain.letterheads import Letterhead
from chalicelib.domain.letters import Letter

DATED = datetime(2026, 12, 1, 9, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script> & "quoted" </style>'
LOGO = {"contentType": "image/png", "data": "iVBORw0KGgo="}


class Elements(HTMLParser):
    """Each element's tag, attributes and text, and the stylesheet's text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.open: list[list[str]] = []
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        texts: list[str] = []
        self.found.append((tag, dict(attrs), texts))
        if tag not in ("br", "img", "meta"):
            self.open.append(texts)

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open:
            self.open[-1].append(data)
        if self.lasttag == "style":
            self.style += data

    def text_of(self, css_class: str) -> list[str]:
        return next(texts for _, attrs, texts in self.found if attrs.get("class") == css_class)


def parsed(letter: Letter) -> Elements:
    elements = Elements()
    elements.feed(letter_html(letter).decode())
    return elements


def framed(**fields: object) -> Letter:
    letterhead = Letterhead(
        "acme", {"name": f"Acme {HOSTILE}", "addressLines": ["Musterstraße 1"]}, LOGO, HOSTILE
    )
    kept = {"recipient": f"Ann {HOSTILE}", "address": ("Musterweg 5",), "letterhead": letterhead}
    return Letter("c", "Welcome", "Dear Ann;", DATED, **(kept | fields))  # type: ignore[arg-type]


def test_the_window_holds_the_return_line_then_the_recipient() -> None:
    page = parsed(framed(locale="de-DE"))

    assert page.text_of("return") == [f"Acme {HOSTILE}, Musterstraße 1"]
    assert page.text_of("recipient") == [f"Ann {HOSTILE}", "Musterweg 5"]
    assert page.text_of("sender")[-1] == "Musterstraße 1"
    assert page.text_of("footer") == [HOSTILE]
    assert next(texts for tag, _, texts in page.found if tag == "time") == ["1. Dezember 2026"]
    assert next(attrs for tag, attrs, _ in page.found if tag == "html") == {"lang": "de-DE"}
    assert [tag for tag, _, _ in page.found].count("script") == 0  # all of it escaped


def test_the_logo_is_a_data_uri_the_policy_allows_and_nothing_else() -> None:
    page = parsed(framed())
    (image,) = [attrs for tag, attrs, _ in page.found if tag == "img"]
    policy = next(a["content"] for t, a, _ in page.found if a.get("http-equiv"))

    assert image["src"] == f"data:image/png;base64,{LOGO['data']}"
    assert policy == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    plain = parsed(Letter("c", "Welcome", "Dear Ann;", DATED, address=("Musterweg 5",)))
    assert next(a["content"] for t, a, _ in plain.found if a.get("http-equiv")) == (
        "default-src 'none'; style-src 'unsafe-inline'"
    )


@pytest.mark.parametrize(
    ("paper", "size", "window"), [(A4, "A4", "45mm"), (LETTER, "letter", "2in")]
)
def test_print_css_places_the_window_as_the_pdf_does(paper, size: str, window: str) -> None:
    page = parsed(framed(page_size=paper.name))

    assert f"@page {{ size: {size}; margin: 25mm 22mm; }}" in page.style
    assert "@page :first { margin-top: 0; }" in page.style
    assert re.search(rf"\.window {{ position: absolute; top: {window};", page.style)


def test_the_footer_in_the_page_margin_is_a_css_string_nothing_can_end() -> None:
    style = parsed(framed()).style
    content = re.search(r"@bottom-center \{ content: (.*?);\n", style)[1]

    assert "</style>" not in style and "<" not in content and '\\"' not in content
    assert content.startswith('"\\3c script\\3e alert\\28 1\\29 ')
    assert content.endswith('"\\A" "Page " counter(page) " of " counter(pages)')
