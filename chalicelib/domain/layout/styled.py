"""A Markdown letter's blocks as the PDF body's paragraphs of styled rows.

Headings are larger and bold; strong text is DejaVu Serif Bold, emphasis its Italic, code
DejaVu Sans Mono. Lists hang under their bullets or numbers, block quotes are indented
beside a bar, tables are ruled columns as wide as their text (shared out when the page is
narrower, aligned as written), each table row kept on one page. A link is its text,
underlined, with the URL as the PDF's link area over it (the first ``rules.PDF_MAX_LINKS``).

Each style's font is parsed only when the letter uses that style, and what a style's font
lacks is drawn by the regular one and then the fallbacks (``scripts``), so a CJK name in
bold is drawn in the CJK font. A line with right-to-left letters is drawn as in a text
letter, in its first span's style (its links are text only).
"""

import re
from collections.abc import Callable
from functools import cache

from reportlab.pdfbase.ttfonts import TTFont

from chalicelib.domain import rules
from chalicelib.domain.errors import CannotRender
from chalicelib.domain.layout import body, markdown, scripts
from chalicelib.domain.layout.body import FONT_SIZE, LEADING, PARAGRAPH_GAP, Mark, Paragraph, Row
from chalicelib.domain.layout.markdown import Block, Line, Span

FONTS = {
    "regular": scripts.PRIMARY,
    "bold": "DejaVuSerif-Bold",
    "italic": "DejaVuSerif-Italic",
    "bolditalic": "DejaVuSerif-BoldItalic",
    "mono": "DejaVuSansMono",
}
HEADING_SIZES = (17.5, 15.0, 13.0, 12.0, FONT_SIZE, FONT_SIZE)
"""Levels 1 to 6."""
CODE_SIZE, CODE_LEADING, CODE_INSET = 9.5, 13.0, 6.0
INDENTS = {"quote": 14.0, "list": 22.0}
"""What each block around a block indents it by."""
MARKER_GAP, CELL_PADDING, MIN_COLUMN = 4.0, 4.0, 36.0

_ATOMS = re.compile(r"\s*\S+|\s+")
"""A word with the spaces before it, or the spaces that end a text."""

Parts = list[tuple[Span, str, float]]
"""A row's text: each span's part of it and how wide it is drawn, in order."""


def paragraphs(text: str, width: float, max_rows: int) -> list[Paragraph]:
    """The Markdown ``text`` as paragraphs of rows at most ``width`` wide; ``body.Overflow``
    once they pass ``max_rows``."""
    blocks = markdown.blocks(text)
    if len(blocks) > max_rows:
        raise body.Overflow  # each block is a row at least: known before laying any out
    fonts = _Fonts(blocks)
    laid: list[Paragraph] = []
    rows, previous = 0, None
    for block in blocks:
        for paragraph in _paragraphs(block, previous, width, fonts):
            rows += len(paragraph.rows)
            if rows > max_rows:
                raise body.Overflow
            laid.append(paragraph)
        previous = block
    return laid


class _Fonts:
    """The fonts of each style the letter uses, the table that makes its text drawable,
    how wide a text is drawn in a style at a size, and how many link areas may follow."""

    def __init__(self, blocks: list[Block]) -> None:
        used: dict[str, set[str]] = {"regular": {"•", "◦", "▪", *"0123456789.)"}}
        for block in blocks:
            for line in [cell for row in block.rows for cell in row] or block.lines:
                for span in line:
                    used.setdefault(span.style, set()).update(span.text)
        self.fonts: dict[str, list[TTFont]] = {}
        self.table: dict[int, str | None] = {}
        for style, chars in used.items():
            self.fonts[style], table = body.printable(chars, FONTS[style])
            self.table |= table
        self.links_left = rules.PDF_MAX_LINKS
        self.measure: Callable[[str, float], Callable[[str], float]] = cache(
            lambda style, size: scripts.measurer(self.fonts[style], size)
        )

    def width(self, line: Line, size: float) -> float:
        return sum(self.measure(span.style, size)(span.text) for span in line)


def _paragraphs(
    block: Block, previous: Block | None, width: float, fonts: _Fonts
) -> list[Paragraph]:
    """One block's paragraphs: one, or one per table row."""
    x = sum(INDENTS[held] for held in block.nest)
    bars = tuple(
        Mark("bar", sum(INDENTS[outer] for outer in block.nest[:depth]) + 2)
        for depth, held in enumerate(block.nest)
        if held == "quote"
    )
    match block.kind:
        case "table":
            return _table(block, x, width - x, fonts, bars)
        case "rule":
            return [Paragraph([Row([], marks=(*bars, Mark("rule", x, width)))])]
        case "heading":
            size = HEADING_SIZES[block.level - 1]
            rows = _text_rows(block.lines, x, width, size, size * 1.35, fonts, bars)
            return [Paragraph(rows, gap=0.75 * LEADING)]
        case "code":
            shade = Mark("shade", x, width)
            inset = x + CODE_INSET
            rows = _text_rows(block.lines, inset, width, CODE_SIZE, CODE_LEADING, fonts, bars)
            return [Paragraph([row._replace(marks=(shade, *row.marks)) for row in rows])]
    rows = _text_rows(block.lines, x, width, FONT_SIZE, LEADING, fonts, bars) or [Row([])]
    if block.marker:
        marker = scripts.runs(block.marker, fonts.fonts["regular"])
        left = x - MARKER_GAP - fonts.measure("regular", FONT_SIZE)(block.marker)
        rows[0] = rows[0]._replace(pieces=[(left, marker), *rows[0].pieces])
    in_list = previous is not None and "list" in previous.nest
    return [Paragraph(rows, gap=0 if block.tight and in_list else PARAGRAPH_GAP)]


def _text_rows(
    lines: list[Line],
    x: float,
    width: float,
    size: float,
    leading: float,
    fonts: _Fonts,
    marks: tuple[Mark, ...],
) -> list[Row]:
    rows = []
    for line in lines:
        for pieces, links in _wrapped(line, width - x, size, fonts):
            moved = [(x + left, runs) for left, runs in pieces if runs]
            shifted = tuple(link._replace(x0=link.x0 + x, x1=link.x1 + x) for link in links)
            rows.append(Row(moved, size, leading, marks + shifted))
    return rows


def _table(
    block: Block, x: float, width: float, fonts: _Fonts, bars: tuple[Mark, ...]
) -> list[Paragraph]:
    """A paragraph per table row, its cells side by side in ruled columns."""
    columns = len(block.rows[0])
    if columns * MIN_COLUMN > width:
        raise CannotRender(
            f"a table of {columns} columns is too wide for a PDF page (at most "
            f"{int(width // MIN_COLUMN)} here); format=html or txt can show it"
        )
    natural = [
        max(fonts.width(row[column], FONT_SIZE) for row in block.rows) + 2 * CELL_PADDING
        for column in range(columns)
    ]
    widths = _shared(natural, width)
    edges = [x]
    for column_width in widths:
        edges.append(edges[-1] + column_width)
    rules = tuple(Mark("vline", edge) for edge in edges)
    laid = []
    for number, cells in enumerate(block.rows):
        wrapped = [
            _wrapped(cell, widths[column] - 2 * CELL_PADDING, FONT_SIZE, fonts)
            for column, cell in enumerate(cells[:columns])
        ]
        height = max(len(rows) for rows in wrapped)
        rows = []
        for index in range(height):
            pieces: list[scripts.Piece] = []
            marks = [*bars, *rules]
            for column, cell_rows in enumerate(wrapped):
                if index < len(cell_rows):
                    cell_pieces, links = cell_rows[index]
                    left = edges[column] + CELL_PADDING
                    left += _aligned(block.aligns[column], widths[column], cell_pieces)
                    pieces += [(left + offset, runs) for offset, runs in cell_pieces if runs]
                    marks += [m._replace(x0=m.x0 + left, x1=m.x1 + left) for m in links]
            if index == 0:
                marks.append(Mark("top", edges[0], edges[-1]))
            if index == height - 1:
                marks.append(Mark("bottom", edges[0], edges[-1]))
            rows.append(Row(pieces, marks=tuple(marks)))
        laid.append(Paragraph(rows, gap=0 if number else PARAGRAPH_GAP, whole=True))
    return laid


def _aligned(align: str, width: float, pieces: list[scripts.Piece]) -> float:
    """How far right of its cell's left padding a row of a ``right`` or ``center`` column
    starts."""
    if align not in ("right", "center") or not any(runs for _, runs in pieces):
        return 0.0
    spare = width - 2 * CELL_PADDING - scripts.row_width(pieces, FONT_SIZE)
    return spare if align == "right" else spare / 2


def _shared(natural: list[float], width: float) -> list[float]:
    """Column widths: each as its text needs when all fit; else the narrow ones keep theirs
    and the wide ones share the rest, each at least an equal share."""
    if sum(natural) <= width:
        return natural
    fair = width / len(natural)
    narrow = sum(need for need in natural if need <= fair)
    wide = [need for need in natural if need > fair]
    spare = width - narrow - fair * len(wide)
    excess = sum(need - fair for need in wide)
    return [need if need <= fair else fair + spare * (need - fair) / excess for need in natural]


def _wrapped(
    line: Line, width: float, size: float, fonts: _Fonts
) -> list[tuple[list[scripts.Piece], list[Mark]]]:
    """A line wrapped to ``width``: each row's pieces and link areas, from 0."""
    line = [span._replace(text=span.text.translate(fonts.table)) for span in line]
    text = "".join(span.text for span in line)
    if any(len(fonts.fonts[span.style]) > 1 for span in line) and scripts.is_rtl(text):
        drawn, _ = scripts.fonts_for(set(text), FONTS[line[0].style])  # all drawable: checked
        measure = scripts.measurer(drawn, size)
        shaped = body.wrapped(text, drawn, measure, width, size)
        return [(pieces, []) for pieces in shaped]
    return [_row(parts, fonts) for parts in _wrap(line, width, size, fonts)]


def _wrap(line: Line, width: float, size: float, fonts: _Fonts) -> list[Parts]:
    """``body.wrap`` for styled text: greedy, at spaces, keeping the line's own spacing; a
    word (which may change style midway) wider than a line is cut between characters.

    Each part is measured once, as ``body.wrap`` measures each word once.
    """
    words: list[Parts] = []
    for span in line:
        measure = fonts.measure(span.style, size)
        for atom in _ATOMS.findall(span.text):
            part = (span, atom, measure(atom))
            if atom[0].isspace() or not words:
                words.append([part])
            else:
                words[-1].append(part)
    rows: list[Parts] = [[]]
    used = 0.0
    for word in words:
        needed = sum(part[2] for part in word)
        if rows[-1] and used + needed > width:
            span, atom, _ = word[0]
            atom = atom.lstrip()
            if not atom and len(word) == 1:
                continue  # spaces at the end of a row
            word = [(span, atom, fonts.measure(span.style, size)(atom)), *word[1:]]
            needed = sum(part[2] for part in word)
            rows.append([])
            used = 0.0
        if needed <= width:
            rows[-1] += word
            used += needed
            continue
        for span, atom, _ in word:
            measure = fonts.measure(span.style, size)
            widths: dict[str, float] = {}
            start, drawn = 0, 0.0
            for index, char in enumerate(atom):
                char_width = widths.get(char)
                if char_width is None:
                    char_width = widths[char] = measure(char)
                if (rows[-1] or index > start) and used + char_width > width:
                    if index > start:
                        rows[-1].append((span, atom[start:index], drawn))
                    rows.append([])
                    used, start, drawn = 0.0, index, 0.0
                used += char_width
                drawn += char_width
            if len(atom) > start:
                rows[-1].append((span, atom[start:], drawn))
    return rows


def _row(parts: Parts, fonts: _Fonts) -> tuple[list[scripts.Piece], list[Mark]]:
    """One row's runs in one piece (a span at a time, in its style's fonts), and its links."""
    runs: list[scripts.Run] = []
    links: list[Mark] = []
    left = 0.0
    for span, text, drawn in _joined(parts):
        for name, run in scripts.runs(text, fonts.fonts[span.style]):
            if runs and runs[-1][0] == name:
                runs[-1] = (name, runs[-1][1] + run)
            elif run:
                runs.append((name, run))
        if span.href and fonts.links_left > 0:
            fonts.links_left -= 1
            links.append(Mark("link", left, left + drawn, span.href))
        left += drawn
    return [(0.0, runs)], links


def _joined(parts: Parts) -> Parts:
    """Consecutive parts of the same span as one."""
    joined: Parts = []
    for span, text, drawn in parts:
        if joined and joined[-1][0] is span:
            joined[-1] = (span, joined[-1][1] + text, joined[-1][2] + drawn)
        else:
            joined.append((span, text, drawn))
    return joined
