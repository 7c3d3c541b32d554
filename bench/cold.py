"""One cold start in a fresh interpreter: ``python -m bench.cold <target> <import|letter|pdf>``.

What both handlers share (the interpreter, moto and boto3 imported, the
mocked table and bucket) is ready before the clock starts, so the clock
covers only what a Lambda cold start adds: importing the handler's module
and, for ``letter`` (txt) or ``pdf`` (docgen only), answering the first
request. Prints JSON on stdout, with the heavy libraries the run loaded.
"""

import json
import os
import sys
import time
from contextlib import redirect_stdout

from bench import fakeaws
from bench.handlers import TARGETS, lambda_context, load, proxy_event

PHASES = ("import", "letter", "pdf")
HEAVY_MODULES = ("jinja2", "reportlab", "aws_lambda_powertools")


def run(target: str, phase: str) -> dict:
    """Time one cold import (and first letter); report the calls it made."""
    fakeaws.install()
    fakeaws.start_mock()
    module_name = TARGETS[target][0]
    if module_name in sys.modules:
        raise RuntimeError(f"{module_name} was imported before the clock started")
    calls_before = len(fakeaws.TRAFFIC.calls)
    status = None
    # docgen's log lines go where Lambda's would, but not into this run's JSON answer.
    with open(os.devnull, "w") as logs, redirect_stdout(logs):
        start = time.perf_counter()
        handler = load(target)
        if phase != "import":
            event = proxy_event(fmt="pdf" if phase == "pdf" else None)
            status = handler(event, lambda_context())["statusCode"]
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "status": status,
        "calls": fakeaws.TRAFFIC.calls[calls_before:],
        "loaded": [name for name in HEAVY_MODULES if name in sys.modules],
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in TARGETS or argv[1] not in PHASES:
        print(f"usage: python -m bench.cold {{{','.join(TARGETS)}}} {{{','.join(PHASES)}}}")
        return 2
    print(json.dumps(run(*argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
