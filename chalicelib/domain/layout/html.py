"""A letter as one complete, printable HTML page with no external assets.

Every character of the letter is escaped, template text included, so
neither a customer named ``<script>`` nor a template can add markup: a Markdown
letter's elements are CommonMark's, with raw HTML shown as text. The
Content-Security-Policy forbids scripts and remote content all the same; a letterhead's
logo is a ``data:`` URI, the one kind of image it allows.

A letter with a window (a letterhead or an address) mirrors the PDF's frame with print
CSS, at the places ``frame`` gives: the first page has no top margin, and the letterhead,
return line and recipient sit at their distances from the page's top and the text's
left edge; the letterhead's footer is fixed, so print repeats it on every page.
"""

from html import escape

from chalicelib.domain.layout import frame
from chalicelib.domain.layout.frame import PAPERS, Paper
from chalicelib.domain.letters import Letter

_STYLE = """\
@page {{ size: {size}; margin: 25mm 22mm; }}
body {{ margin: 0; background: #f4f4f1; color: #1b1b1b;
  font: 11pt/1.55 "DejaVu Serif", Georgia, "Times New Roman", serif; }}
main {{ box-sizing: border-box; max-width: {width}; min-height: {height}; margin: 2rem auto;
  padding: 25mm 22mm; background: #fff; box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }}
.date {{ text-align: right; margin: 0 0 2.5em; }}
.letter p {{ margin: 0 0 1em; white-space: pre-wrap; overflow-wrap: anywhere; }}
@media print {{
  body {{ background: none; }}
  main {{ max-width: none; min-height: 0; margin: 0; padding: 0; box-shadow: none; }}
}}"""
_FRAME_STYLE = """
@page :first {{ margin-top: 0; }}
main.framed {{ position: relative; padding-top: 0; }}
.top {{ position: relative; height: {date_top}; }}
.logo {{ position: absolute; top: {logo_top}; left: 0; max-width: {logo_width};
  max-height: {logo_height}; }}
.sender {{ position: absolute; top: {sender_top}; right: 0; text-align: right; margin: 0;
  font-size: 8pt; line-height: 10pt; }}
.sender strong {{ font-size: 12pt; font-weight: normal; line-height: 15pt; }}
.window {{ position: absolute; top: {window_top}; left: 0; width: {window_width};
  height: {window_height}; overflow: hidden; font-style: normal; }}
.return {{ margin: {return_gap} 0 0; font-size: {return_size}; color: #555;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.recipient {{ margin: {recipient_gap} 0 0; font-size: {recipient_size};
  line-height: {recipient_leading}; }}
.framed .date {{ margin-top: -1.55em; }}
.footer {{ margin: 2em 0 0; font-size: 7.5pt; line-height: 9pt; color: #666;
  text-align: center; white-space: pre-line; }}
@page {{ @bottom-center {{ content: {footer}"Page " counter(page) " of " counter(pages);
  white-space: pre-wrap; font: 7.5pt/9pt "DejaVu Serif", Georgia, serif; color: #666;
  vertical-align: top; padding-top: 6mm; }} }}
@media print {{
  .footer {{ display: none; }}
}}"""


def _letter_body(letter: Letter) -> tuple[str, str, str]:
    """The letter's elements, the class of their ``div`` and any style they need besides.

    A text letter is its paragraphs, escaped; a Markdown one is CommonMark's elements, its
    text escaped by markdown-it (raw HTML off: shown as text).
    """
    if letter.markup == "markdown":
        from chalicelib.domain.layout import markdown  # markdown-it: only for such a letter

        return markdown.to_html(letter.text).rstrip("\n"), "letter markdown", markdown.HTML_STYLE
    paragraphs = "\n".join(f"<p>{escape(chr(10).join(lines))}</p>" for lines in letter.paragraphs())
    return paragraphs, "letter", ""


def letter_html(letter: Letter) -> bytes:
    paragraphs, kind, body_style = _letter_body(letter)
    paper = PAPERS[letter.page_size]
    style = _STYLE.format(
        size=paper.css, width=paper.css_length(paper.width), height=paper.css_length(paper.height)
    )
    style += body_style
    policy = "default-src 'none'; style-src 'unsafe-inline'"
    logo = letter.letterhead.logo if letter.letterhead is not None else None
    if logo:
        policy += "; img-src data:"
    top, footer, framed = "", "", ""
    if letter.windowed:
        style += _frame_style(paper, letter)
        top, footer, framed = _top(letter), _footer(letter), ' class="framed"'
    language = "" if letter.locale is None else f' lang="{escape(letter.locale)}"'
    date = f'<time datetime="{letter.dated:%Y-%m-%d}">{escape(letter.date_line)}</time>'
    page = f"""<!DOCTYPE html>
<html{language}>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(letter.subject)}">
<title>{escape(letter.title)}</title>
<style>
{style}
</style>
</head>
<body>
<main{framed}>
{top}<p class="date">{date}</p>
<div class="{kind}">
{paragraphs}
</div>
{footer}</main>
</body>
</html>
"""
    return page.encode("utf-8")


def _frame_style(paper: Paper, letter: Letter) -> str:
    """The frame's places in print CSS: from the page's top, and from the text's left edge;
    the footer and "Page X of Y" in the page's bottom margin, as the PDF has them."""
    length = paper.css_length
    window = paper.window
    footer = letter.letterhead.footer if letter.letterhead is not None else None
    return _FRAME_STYLE.format(
        footer=f'{_css_string(footer)} "\\A" ' if footer else "",
        date_top=length(paper.date_baseline),
        logo_top=length(paper.logo.top),
        logo_width=length(paper.logo.width),
        logo_height=length(paper.logo.height),
        sender_top=length(paper.sender_baseline - frame.SENDER_SIZE),
        window_top=length(window.top),
        window_width=length(window.right - frame.MARGIN_LEFT),
        window_height=length(window.height),
        return_gap=length(paper.return_baseline - paper.return_size),
        return_size=f"{paper.return_size}pt",
        recipient_gap=length(
            paper.recipient_baseline - paper.return_baseline - paper.recipient_size
        ),
        recipient_size=f"{paper.recipient_size}pt",
        recipient_leading=f"{paper.recipient_leading}pt",
    )


def _css_string(text: str) -> str:
    """``text`` as a CSS string that no character of it can end: every character but
    letters and digits as a hexadecimal escape (a line break as ``\\a``), each ended by the
    one space CSS takes as its end."""
    escaped = "".join(char if char.isalnum() else f"\\{ord(char):x} " for char in text)
    return f'"{escaped}"'


def _top(letter: Letter) -> str:
    """The letterhead and the window, above the date."""
    parts = []
    letterhead = letter.letterhead
    if letterhead is not None:
        sender = letterhead.sender
        lines = list(sender.get("addressLines") or ())
        if letterhead.logo:
            source = f"data:{letterhead.logo['contentType']};base64,{letterhead.logo['data']}"
            parts.append(
                f'<img class="logo" src="{escape(source)}" alt="{escape(sender["name"])}">'
            )
        shown = "".join(f"<br>{escape(line)}" for line in lines)
        parts.append(f'<p class="sender"><strong>{escape(sender["name"])}</strong>{shown}</p>')
        returned = frame.RETURN_SEPARATOR.join([sender["name"], *lines])
        window = f'<p class="return">{escape(returned)}</p>'
    else:
        window = ""
    recipient = "<br>".join(escape(line) for line in [letter.recipient, *letter.address])
    window += f'<p class="recipient">{recipient}</p>'
    parts.append(f'<address class="window">{window}</address>')
    return '<div class="top">\n' + "\n".join(parts) + "\n</div>\n"


def _footer(letter: Letter) -> str:
    footer = letter.letterhead.footer if letter.letterhead is not None else None
    return f'<footer class="footer">{escape(footer)}</footer>\n' if footer else ""
