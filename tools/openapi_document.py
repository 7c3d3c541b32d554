"""Write the OpenAPI document the app serves to a file, for ``make openapi-lint``.

    python -m tools.openapi_document build/openapi.json

It is fetched through the app's own route (``GET /openapi.json``, with
Chalice's test client, no server and no AWS), so what is linted is what
clients get, whichever module builds it. Indented, so a problem's line
number points somewhere.
"""

import argparse
import json
import sys
from pathlib import Path

from chalice.test import Client

from app import app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi_document", description=__doc__)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    with Client(app) as client:
        response = client.http.get("/openapi.json")
    if response.status_code != 200:
        print(f"GET /openapi.json answered {response.status_code}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = json.loads(response.body)
    args.output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
