"""One cold start in a fresh interpreter: ``python -m bench.cold <target> <phase> <arm>``.

The clock covers only what a Lambda cold start adds: importing the handler's
module and, for ``letter`` (txt) or ``pdf`` (docgen only), answering the
first request. What is ready before it depends on the arm:

- ``mock``: moto (and so boto3 and botocore) imported, the mocked table and
  bucket seeded in this process, the simulated delay on every send;
- ``loopback``: boto3 imported, as moto would have it, and AWS reached over
  HTTP at ``AWS_ENDPOINT_URL`` (moto's server), so only the transport differs;
- ``bare``: nothing at all (no boto3, no botocore), AWS reached over HTTP at
  ``AWS_ENDPOINT_URL`` (the bench's canned server): what a Lambda pays.

Prints JSON on stdout, with the heavy libraries the run loaded.
"""

import importlib
import json
import os
import sys
import time
from contextlib import redirect_stdout

from bench import fakeaws
from bench.handlers import TARGETS, lambda_context, load, proxy_event

PHASES = ("import", "letter", "pdf")
ARMS = ("mock", "loopback", "bare")
HEAVY_MODULES = ("jinja2", "babel", "reportlab", "markdown_it", "aws_lambda_powertools")
AWS_LIBRARIES = ("moto", "boto3", "botocore")


def prepare(arm: str) -> None:
    """Make ready what the arm has before the clock starts, and nothing more."""
    if arm == "mock":
        fakeaws.install()
        fakeaws.start_mock()
    elif arm == "loopback":
        importlib.import_module("boto3")
    elif preloaded := [name for name in AWS_LIBRARIES if name in sys.modules]:
        raise RuntimeError(f"{', '.join(preloaded)} imported before the clock of a bare run")


def run(target: str, phase: str, arm: str) -> dict:
    """Time one cold import (and first letter)."""
    prepare(arm)
    module_name = TARGETS[target][0]
    if module_name in sys.modules:
        raise RuntimeError(f"{module_name} was imported before the clock started")
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
        "loaded": [name for name in HEAVY_MODULES if name in sys.modules],
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in TARGETS or argv[1] not in PHASES or argv[2] not in ARMS:
        print(
            f"usage: python -m bench.cold {{{','.join(TARGETS)}}} {{{','.join(PHASES)}}} "
            f"{{{','.join(ARMS)}}}"
        )
        return 2
    print(json.dumps(run(*argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
