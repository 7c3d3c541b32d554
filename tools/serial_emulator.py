"""moto's server on 127.0.0.1, answering one request at a time.

DynamoDB applies each conditional write atomically. moto's own server is
threaded and its DynamoDB backend takes no lock, so two racing conditional
writes can both pass their check there: an emulator artefact that would
make a race test flaky. Served one request at a time, each call is atomic
as it is in DynamoDB, while the API in front (``chalice local``, threaded)
still interleaves requests, so races in docgen's own code still show.
"""

import argparse
import logging

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

HOST = "127.0.0.1"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.serial_emulator")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Its per-request lines look just like chalice local's, beside them in make run's terminal;
    # warnings and errors (a traceback, a port taken) still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(HOST, args.port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
