"""A letter as one complete, printable HTML page with no external assets.

Every character of the letter is escaped, template text included, so
neither a customer named ``<script>`` nor a template can add markup: a Markdown
letter's elements are CommonMark's, with raw HTML shown as text. The
Content-Security-Policy forbids scripts and remote content all the same.
"""

from html import escape

from chalicelib.domain.letters import Letter

_STYLE = """\
@page { size: A4; margin: 25mm 22mm; }
body { margin: 0; background: #f4f4f1; color: #1b1b1b;
  font: 11pt/1.55 "DejaVu Serif", Georgia, "Times New Roman", serif; }
main { box-sizing: border-box; max-width: 210mm; min-height: 297mm; margin: 2rem auto;
  padding: 25mm 22mm; background: #fff; box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
.date { text-align: right; margin: 0 0 2.5em; }
.letter p { margin: 0 0 1em; white-space: pre-wrap; overflow-wrap: anywhere; }
@media print {
  body { background: none; }
  main { max-width: none; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}"""


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
    paragraphs, kind, style = _letter_body(letter)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(letter.subject)}">
<title>{escape(letter.title)}</title>
<style>
{_STYLE}{style}
</style>
</head>
<body>
<main>
<p class="date"><time datetime="{letter.dated:%Y-%m-%d}">{letter.date_line}</time></p>
<div class="{kind}">
{paragraphs}
</div>
</main>
</body>
</html>
"""
    return page.encode("utf-8")
