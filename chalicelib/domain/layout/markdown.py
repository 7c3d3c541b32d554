"""Markdown letters (a template's ``markup: markdown``): CommonMark, read by markdown-it-py.

Imported only when a Markdown letter is laid out as HTML or PDF: ``txt`` is the text as
written, and a text letter never loads the parser.

- Raw HTML is off: ``<script>`` is text, escaped in HTML and drawn as written in the PDF.
- A single newline is a line break, as in a text letter (CommonMark lets a renderer make
  soft breaks hard): a greeting and the lines of an address stay on lines of their own.
- Links keep only ``http``, ``https`` and ``mailto`` targets; any other stays the text
  written. Images are never fetched: their alt text shows in their place.
- Bounded before parsing: markdown-it's time grows with the lines and the marks it has to
  weigh, not with plain prose, so a letter's weight (:data:`WEIGHTS`) may be at most
  ``rules.MARKDOWN_MAX_WEIGHT``. Nesting deeper than ``rules.MARKDOWN_MAX_NESTING`` is
  refused rather than cut short, as markdown-it would (it drops what lies deeper).

The HTML is markdown-it's own rendering; the PDF reads the tokens as blocks of styled
spans (:func:`blocks`), which ``styled`` lays out.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from chalicelib.domain import rules
from chalicelib.domain.errors import CannotRender

_LINKS = ("http://", "https://", "mailto:")
WEIGHTS = {"\n": 3, "<": 4, **dict.fromkeys("*_[]&\\`!|", 1)}
"""What markdown-it spends time on: each line, and each character that may open inline
syntax, in about 10 µs (measured for 100,000 of each on this project's machine: a list
item's line took 66 µs, an autolink's ``<`` 79, a ``[`` 25, an ``_`` 20, a ``|`` 20)."""
_CONTAINERS = ("blockquote_open", "list_item_open")
"""Tokens whose content markdown-it parses one level deeper: past the limit, it drops it."""

HTML_STYLE = """
.markdown p { white-space: normal; }
.markdown h1, .markdown h2, .markdown h3, .markdown h4, .markdown h5, .markdown h6 {
  margin: 1.2em 0 .5em; line-height: 1.25; break-after: avoid; }
.markdown h1 { font-size: 1.6em; } .markdown h2 { font-size: 1.35em; }
.markdown h3 { font-size: 1.2em; } .markdown h4 { font-size: 1.1em; }
.markdown h5, .markdown h6 { font-size: 1em; }
.markdown ul, .markdown ol { margin: 0 0 1em; padding-left: 1.6em; }
.markdown li > p { margin: 0 0 .5em; }
.markdown blockquote { margin: 0 0 1em; padding: 0 0 0 1em; border-left: 3px solid #999; }
.markdown code, .markdown pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9em; }
.markdown pre { margin: 0 0 1em; padding: .5em; background: #f2f2f2; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.markdown table { border-collapse: collapse; margin: 0 0 1em; break-inside: auto; }
.markdown tr { break-inside: avoid; }
.markdown th, .markdown td { border: 1px solid #777; padding: .2em .5em; text-align: left;
  vertical-align: top; }
.markdown hr { border: 0; border-top: 1px solid #777; margin: 1em 0; }
.markdown a { color: inherit; }"""
"""Print-friendly rules for what Markdown adds, appended to the page's stylesheet."""


class Span(NamedTuple):
    """Text in one style, and the link it belongs to (``""``: none)."""

    text: str
    style: str
    href: str = ""


Line = list[Span]


class Block(NamedTuple):
    """One paragraph, heading, code block, rule or table of the letter, in the blocks
    (``quote`` or ``list``) that hold it, outermost first."""

    kind: str
    """``text``, ``heading``, ``code``, ``rule`` or ``table``."""
    lines: list[Line]
    """Its lines: a line break starts one."""
    nest: tuple[str, ...] = ()
    marker: str = ""
    """The list item's bullet or number, on the item's first block."""
    level: int = 0
    """A heading's level, 1 to 6."""
    tight: bool = False
    """A paragraph of a tight list: no gap before it."""
    rows: tuple[list[Line], ...] = ()
    """A table's rows (the header first), each a list of its cells."""
    aligns: tuple[str, ...] = ()
    """A table's columns: ``left``, ``right``, ``center`` or ``""`` (as written: left)."""


def _allowed(url: str) -> bool:
    return url.lower().startswith(_LINKS)


def _image_alt(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return escapeHtml(renderer.renderInlineAsText(tokens[idx].children or [], options, env))


def _link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer")
    return renderer.renderToken(tokens, idx, options, env)


@cache
def _parser() -> MarkdownIt:
    options = {
        "html": False,
        "breaks": True,
        "xhtmlOut": False,
        "maxNesting": rules.MARKDOWN_MAX_NESTING,
    }
    parser = MarkdownIt("commonmark", options).enable("table")
    parser.validateLink = _allowed  # type: ignore[method-assign]
    parser.add_render_rule("image", _image_alt)
    parser.add_render_rule("link_open", _link_open)
    return parser


def tokens(text: str) -> list[Token]:
    """The letter's tokens, or ``CannotRender`` for one too costly or too deep to read."""
    weight = sum(text.count(char) * cost for char, cost in WEIGHTS.items())
    if weight > rules.MARKDOWN_MAX_WEIGHT:
        raise CannotRender(
            f"the Markdown has too many lines and marks to read: they weigh {weight} (a "
            "line 3, a < 4, each * _ [ ] & \\ ` ! | 1) where the most is "
            f"{rules.MARKDOWN_MAX_WEIGHT}; format=txt holds it as written"
        )
    found = _parser().parse(text)
    if any(t.type in _CONTAINERS and t.level + 1 >= rules.MARKDOWN_MAX_NESTING for t in found):
        raise CannotRender(
            "the Markdown nests block quotes and lists too deep (markdown-it's limit is "
            f"{rules.MARKDOWN_MAX_NESTING} levels, a list counting two); format=txt holds it "
            "as written"
        )
    return found


def to_html(text: str) -> str:
    """The letter as HTML elements, every text escaped."""
    parser = _parser()
    return parser.renderer.render(tokens(text), parser.options, {})


def blocks(text: str) -> list[Block]:
    """The letter as the PDF lays it out: blocks of styled spans, in order."""
    return _Blocks().read(tokens(text))


class _Blocks:
    """The token stream read in one pass, keeping the blocks open around each token."""

    def __init__(self) -> None:
        self.found: list[Block] = []
        self.nest: list[str] = []
        self.markers: list[str] = []
        """Each open list item's marker, until its first block takes it."""
        self.numbers: list[int] = []
        self.rows: list[list[Line]] = []
        self.aligns: list[str] = []
        self.opened = Block("text", [])
        """The heading, paragraph or cell being read."""

    def read(self, stream: list[Token]) -> list[Block]:
        for token in stream:
            self.step(token)
        return self.found

    def add(self, block: Block, nest: tuple[str, ...] | None = None) -> None:
        marker = self.markers[-1] if self.markers else ""
        if marker:
            self.markers[-1] = ""  # the item's later blocks hang under its first
        held = tuple(self.nest) if nest is None else nest
        self.found.append(block._replace(nest=held, marker=marker))

    def step(self, token: Token) -> None:
        match token.type:
            case "blockquote_open":
                self.nest.append("quote")
            case "bullet_list_open" | "ordered_list_open":
                self.nest.append("list")
                self.numbers.append(int(token.attrGet("start") or 1))
            case "blockquote_close" | "bullet_list_close" | "ordered_list_close":
                if self.nest.pop() == "list":
                    self.numbers.pop()
            case "list_item_open":
                if self.markers and self.markers[-1]:  # an item whose first block is a list
                    self.add(Block("text", [[]]), tuple(self.nest[:-1]))
                ordered = token.markup in (".", ")")
                number = self.numbers[-1]
                self.markers.append(f"{number}{token.markup}" if ordered else _bullet(self.nest))
                self.numbers[-1] += 1
            case "list_item_close":
                if self.markers[-1]:  # an empty item: its marker alone
                    self.add(Block("text", [[]]))
                self.markers.pop()
            case "heading_open":
                self.opened = Block("heading", [], level=int(token.tag[1]))
            case "paragraph_open":
                self.opened = Block("text", [], tight=token.hidden)
            case "th_open" | "td_open":
                self.opened = Block("cell", [], level=int(token.type == "th_open"))
                if token.type == "th_open":
                    self.aligns.append(str(token.attrGet("style") or "").partition(":")[2])
            case "inline" if self.opened.kind == "cell":
                cell = _lines(token.children or [], bold=bool(self.opened.level))
                self.rows[-1].append([span for line in cell for span in line])
            case "inline":
                bold = self.opened.kind == "heading"
                self.add(self.opened._replace(lines=_lines(token.children or [], bold)))
            case "fence" | "code_block":
                lines = token.content.splitlines() or [""]
                self.add(Block("code", [[Span(line, "mono")] for line in lines]))
            case "hr":
                self.add(Block("rule", []))
            case "table_open":
                self.rows, self.aligns = [], []
            case "tr_open":
                self.rows.append([])
            case "table_close":
                self.add(Block("table", [], rows=tuple(self.rows), aligns=tuple(self.aligns)))


def _bullet(nest: list[str]) -> str:
    """A disc, then a circle, then a square, by how deep in lists the item is."""
    return "•◦▪"[(nest.count("list") - 1) % 3]


def _lines(children: list[Token], bold: bool = False) -> list[Line]:
    """Inline tokens as lines of styled spans: a break (with ``breaks``, every newline)
    starts a line; an image is its alt text."""
    lines: list[Line] = [[]]
    strong, emphasis, href = int(bold), 0, ""
    for token in children:
        match token.type:
            case "text" | "image":
                text = token.content
                if token.children:  # an image: its alt text, as HTML shows it
                    text = "".join(child.content for child in token.children)
                if text:  # markdown-it leaves empty texts beside emphasis
                    lines[-1].append(Span(text, _STYLE[(strong > 0, emphasis > 0)], href))
            case "code_inline" if token.content:
                lines[-1].append(Span(token.content, "mono", href))
            case "softbreak" | "hardbreak":
                lines.append([])
            case "strong_open" | "strong_close":
                strong += token.nesting
            case "em_open" | "em_close":
                emphasis += token.nesting
            case "link_open":
                href = str(token.attrGet("href") or "")
            case "link_close":
                href = ""
    return lines


_STYLE = {
    (False, False): "regular",
    (True, False): "bold",
    (False, True): "italic",
    (True, True): "bolditalic",
}
