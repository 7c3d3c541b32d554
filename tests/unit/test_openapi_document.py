"""make openapi-lint's input: the document the app serves, written where Redocly reads it."""

import json
from pathlib import Path

from tools.openapi_document import main


def test_writes_the_served_document_indented(tmp_path: Path) -> None:
    output = tmp_path / "build" / "openapi.json"

    assert main([str(output)]) == 0

    text = output.read_text()
    document = json.loads(text)
    assert document["openapi"].startswith("3.")
    assert "/health" in document["paths"]
    assert text.startswith(
        '{\n  "openapi"'
    )  # one key a line: Redocly's line numbers mean something
