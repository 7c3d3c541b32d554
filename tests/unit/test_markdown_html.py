"""Markdown letters as HTML: each construct's elements, every text escaped, nothing fetched."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from chalicelib.domain import rules
from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout.html import letter_html
from chalicelib.domain.layout.markdown import blocks, to_html
from chalicelib.domain.letters import Letter
from tests.support import fresh_python

DATED = datetime(2026, 11, 23, 21, tzinfo=UTC)


class Elements(HTMLParser):
    """Each element of a fragment as ``(path of tags, attributes, its own text)``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None], str]] = []
        self.open: list[int] = []
        self.path: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.path.append(tag)
        self.found.append(("/".join(self.path), dict(attrs), ""))
        if tag in ("br", "hr", "img", "meta"):
            self.path.pop()
        else:
            self.open.append(len(self.found) - 1)

    def handle_endtag(self, tag: str) -> None:
        assert self.path[-1] == tag, f"</{tag}> closes <{self.path[-1]}>"
        self.path.pop()
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and data.strip():
            path, attrs, text = self.found[self.open[-1]]
            self.found[self.open[-1]] = (path, attrs, text + data)


def elements(markdown: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = Elements()
    parser.feed(to_html(markdown))
    parser.close()
    assert parser.path == []
    return parser.found


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# One\n\n###### Six", [("h1", {}, "One"), ("h6", {}, "Six")]),
        (
            "**strong** *em* `code`",
            [("p", {}, ""), ("p/strong", {}, "strong"), ("p/em", {}, "em"), ("p/code", {}, "code")],
        ),
        (
            "- a\n- b\n  1. c\n  2. d",
            [
                ("ul", {}, ""),
                ("ul/li", {}, "a"),
                ("ul/li", {}, "b\n"),
                ("ul/li/ol", {}, ""),
                ("ul/li/ol/li", {}, "c"),
                ("ul/li/ol/li", {}, "d"),
            ],
        ),
        ("3. c\n4. d", [("ol", {"start": "3"}, ""), ("ol/li", {}, "c"), ("ol/li", {}, "d")]),
        (
            "| a | b |\n|---|--:|\n| 1 | 2 |",
            [
                ("table", {}, ""),
                ("table/thead", {}, ""),
                ("table/thead/tr", {}, ""),
                ("table/thead/tr/th", {}, "a"),
                ("table/thead/tr/th", {"style": "text-align:right"}, "b"),
                ("table/tbody", {}, ""),
                ("table/tbody/tr", {}, ""),
                ("table/tbody/tr/td", {}, "1"),
                ("table/tbody/tr/td", {"style": "text-align:right"}, "2"),
            ],
        ),
        ("> quoted\n> > deeper", [("blockquote", {}, ""), ("blockquote/p", {}, "quoted"),
                                  ("blockquote/blockquote", {}, ""),
                                  ("blockquote/blockquote/p", {}, "deeper")]),
        (
            "[site](https://example.com/a?b=1&c=2) [mail](mailto:ann@example.com)",
            [
                ("p", {}, ""),
                ("p/a", {"href": "https://example.com/a?b=1&c=2",
                         "rel": "noopener noreferrer"}, "site"),
                ("p/a", {"href": "mailto:ann@example.com", "rel": "noopener noreferrer"}, "mail"),
            ],
        ),
        ("a\n\n---\n\nb", [("p", {}, "a"), ("hr", {}, ""), ("p", {}, "b")]),
        ("```\nx < y\n```", [("pre", {}, ""), ("pre/code", {}, "x < y\n")]),
        ("    indented", [("pre", {}, ""), ("pre/code", {}, "indented\n")]),
        ("Dear Ann;\nYours,", [("p", {}, "Dear Ann;\nYours,"), ("p/br", {}, "")]),
    ],
    ids=["headings", "inline", "nested-lists", "ordered-start", "table", "block-quotes", "links",
         "thematic-break", "fenced-code", "indented-code", "line-breaks"],
)  # fmt: skip
def test_each_construct_is_its_element(
    markdown: str, expected: list[tuple[str, dict[str, str | None], str]]
) -> None:
    assert elements(markdown) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
        "<div>\n\n*x*\n\n</div>",
    ],
)
def test_raw_html_is_text(raw: str) -> None:
    found = elements(raw)

    assert {path.split("/")[-1] for path, _, _ in found} <= {"p", "em"}
    assert "".join(text for _, _, text in found).replace("\n", "").startswith(raw[:5])
    assert "<" + raw[1:4] not in to_html(raw)


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html,<b>)",
        "[x](vbscript:msgbox)",
        "[x](file:///etc/passwd)",
        "[x](/relative)",
        "[x](#anchor)",
        "<javascript:alert(1)>",
    ],
)
def test_only_web_and_mail_links_are_links(link: str) -> None:
    assert [path for path, _, _ in elements(link)] == ["p"]


def test_an_image_is_its_alt_text_and_nothing_is_fetched() -> None:
    assert elements("![Our *logo*](https://example.com/logo.png) Acme") == [
        ("p", {}, "Our logo Acme")
    ]


def test_the_page_keeps_its_policy_and_adds_the_markdown_rules() -> None:
    letter = Letter("c", "Offer", "Dear Ann;\n# Offer", DATED, markup="markdown")

    page = letter_html(letter).decode()

    assert "default-src 'none'; style-src 'unsafe-inline'" in page
    assert ".markdown th, .markdown td { border: 1px solid #777;" in page
    assert '<div class="letter markdown">\n<p>Dear Ann;</p>\n<h1>Offer</h1>\n</div>' in page


def test_a_text_letter_page_is_as_before() -> None:
    page = letter_html(Letter("c", "Offer", "Dear Ann;\n# Offer", DATED)).decode()

    assert '<div class="letter">\n<p>Dear Ann;\n# Offer</p>\n</div>' in page
    assert ".markdown" not in page


def test_too_much_markup_is_refused_before_parsing() -> None:
    lines = rules.MARKDOWN_MAX_WEIGHT // 4  # items' lines weigh 3, their "*" 1
    text = "* x\n" * lines + "`"

    with pytest.raises(CannotRender) as refused:
        to_html(text)

    assert str(refused.value) == (
        f"the Markdown has too many lines and marks to read: they weigh {4 * lines + 1} "
        "(a line 3, a < 4, each * _ [ ] & \\ ` ! | 1) where the most is "
        f"{rules.MARKDOWN_MAX_WEIGHT}; format=txt holds it as written"
    )
    assert len(blocks(text[:-2])) == lines  # one mark less: read


NESTED_LISTS = "".join("  " * n + "- x\n" for n in range(200))


@pytest.mark.parametrize("bomb", [">" * 5000 + " x", NESTED_LISTS])
def test_nesting_past_the_limit_is_refused_not_cut_short(bomb: str) -> None:
    with pytest.raises(CannotRender, match=r"^the Markdown nests block quotes and lists too deep"):
        blocks(bomb)


def test_nesting_within_the_limit_is_kept() -> None:
    deepest = (rules.MARKDOWN_MAX_NESTING - 2) * ">" + " deep"

    assert [path.count("/") for path, _, _ in elements(deepest)][-1] == (
        rules.MARKDOWN_MAX_NESTING - 2
    )


def test_a_text_letter_never_imports_markdown_it() -> None:
    probe = (
        "import sys\n"
        "from datetime import datetime, UTC\n"
        "from chalicelib.domain.documents import FORMATS\n"
        "from chalicelib.domain.letters import Letter\n"
        "text = Letter('c', 'd', 'Dear Ann;\\n# Hello', datetime.now(UTC))\n"
        "for fmt in ('txt', 'html', 'pdf'): FORMATS[fmt].lay_out(text)\n"
        "marked = text._replace(markup='markdown')\n"
        "FORMATS['txt'].lay_out(marked)\n"
        "print('markdown_it' in sys.modules)\n"
        "FORMATS['html'].lay_out(marked)\n"
        "print('markdown_it' in sys.modules)\n"
    )
    assert fresh_python(probe).split() == ["False", "True"]
