"""Markdown aimed at the parser and the layouts: made within seconds or a clean 422.

Each letter is 1 MiB at most (the render budget's cap), made by a template through the API
as an attacker would store it, and asked for as HTML and as PDF under the same watchdog as
``test_hostile_input``'s PDF cases.
"""

import pytest

from tests.routes.test_hostile_input import (
    DOCUMENT,
    PDF_SECONDS,
    Account,
    assert_one_clean_log_line,
    event,
    put_template,
    send,
    stored,
)
from tests.routes.test_hostile_input import (
    account as account,  # the shared mocked account, module-scoped here too
)
from tests.routes.test_hostile_input import (
    hostile as hostile,
)
from tests.support import BUCKET

pytestmark = pytest.mark.usefixtures("dev_environment")

MADE, REFUSED, EITHER = {201}, {422}, {201, 422}
TOO_HEAVY = "the Markdown has too many lines and marks to read"
TOO_DEEP = "the Markdown nests block quotes and lists too deep"
HOSTILE_MARKDOWN: dict[str, tuple[str, set[int], set[int], str]] = {
    # markdown-it drops what lies past its nesting limit: refused instead.
    "quotes-100000-deep": ("{{ '>' * 100000 }} x", REFUSED, REFUSED, TOO_DEEP),
    "lists-500-deep": (
        "{% for n in range(500) %}{{ '  ' * n }}- x\n{% endfor %}",
        REFUSED,
        REFUSED,
        TOO_DEEP,
    ),
    # What would take markdown-it many seconds is weighed first.
    "1-mib-of-emphasis": ("{{ '*' * 1048576 }}", REFUSED, REFUSED, TOO_HEAVY),
    "1-mib-of-list-items": ("{{ '- x\\n' * 262144 }}", REFUSED, REFUSED, TOO_HEAVY),
    "1-mib-of-brackets": ("{{ '[' * 1048576 }}", REFUSED, REFUSED, TOO_HEAVY),
    "1-mib-of-one-character-lines": ("{{ 'x\\n' * 524288 }}", REFUSED, REFUSED, TOO_HEAVY),
    # Just under the weight: read in seconds; a PDF of them drawn or too many pages.
    "autolinks-at-the-limit": ("{{ '<https://a.example> ' * 14999 }}", MADE, MADE, ""),
    "list-items-at-the-limit": ("{{ '- x\\n' * 19999 }}", MADE, EITHER, ""),
    "1-mib-of-bold-prose": (
        "{{ ('Words of a letter, a [link](https://a.example), **a bold phrase** and *an "
        "italic one*. ' + 'Prose of an ordinary letter runs on like this. ' * 16 + '\\n\\n')"
        " * 1150 }}",
        MADE,
        EITHER,
        "",
    ),
    "one-word-of-1-mib": ("{{ 'x' * 1048576 }}", MADE, EITHER, ""),
    # A table wider than the page is not squeezed into slivers.
    "5000-columns": ("{{ '|a' * 5000 }}|\n{{ '|-' * 5000 }}|", MADE, REFUSED, "a table of"),
    "raw-html": ("<script>alert(1)</script><img src=x onerror=alert(1)>", MADE, MADE, ""),
}


@pytest.mark.parametrize("fmt", ["html", "pdf"])
@pytest.mark.parametrize("case", HOSTILE_MARKDOWN)
def test_hostile_markdown_is_made_in_seconds_or_refused_cleanly(
    hostile: Account, capsys: pytest.CaptureFixture, case: str, fmt: str
) -> None:
    text, html, pdf, refusal = HOSTILE_MARKDOWN[case]
    doc_type = f"Md-{case}"
    put_template(hostile, capsys, doc_type, text, greeting="", markup="markdown")
    request = event("POST", DOCUMENT, {"customerId": "ann", "docType": doc_type}, {"format": fmt})
    before = stored(hostile.aws)

    outcome = send(hostile, capsys, request, PDF_SECONDS)

    assert outcome.status in (html if fmt == "html" else pdf), outcome.body
    assert_one_clean_log_line(outcome.log, request, outcome.status)
    if outcome.status == 422:
        assert outcome.body["Code"] == "UnprocessableEntityError"
        message = outcome.body["Message"]
        assert message.startswith(refusal) or "pages" in message, message
        assert "format=" in message  # what to do instead
        assert stored(hostile.aws) == before
        assert outcome.calls == ["BatchGetItem"]
        return
    assert outcome.calls == ["BatchGetItem", "PutObject"]
    key = f"ann/{doc_type}.{fmt}"
    document = hostile.aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert outcome.body["size"] == len(document)
    if case == "raw-html" and fmt == "html":
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in (
            document
        )
