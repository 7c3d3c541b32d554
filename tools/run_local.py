"""``make run``: docgen on 127.0.0.1:8000 against moto's server, seeded with sample data,
with the batch workers reading moto's queues.

The servers are started as the end-to-end tests start them (``tools.local_stack``),
on fixed ports instead of free ones and serving the project itself rather than a
copy: the emulator on the local stage's ``AWS_ENDPOINT_URL`` port (5001), the API
on 8000 or ``PORT``, and the workers (``tools.local_workers``). All three print to this
terminal. Ctrl-C, SIGTERM or SIGHUP stops them all.
"""

import os
import signal
import socket
import sys
from types import FrameType
from urllib.parse import urlsplit

from tools.local_stack import HOST, SAMPLES, STAGE, Layout, Servers, StartupError, serving
from tools.stack import PROJECT_DIR, stage_environment

DEFAULT_API_PORT = 8000
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def emulator_port(endpoint_url: str) -> int:
    """The port of the local stage's ``AWS_ENDPOINT_URL``, which must be http://127.0.0.1:<port>.

    Any other host would put an emulator that takes any credentials on a
    network, or send the app's calls somewhere this script does not control.
    """
    parts = urlsplit(endpoint_url)
    try:
        port = parts.port
    except ValueError:
        port = None
    exact = parts.netloc == f"{HOST}:{port}" and not (parts.path.strip("/") or parts.query)
    if parts.scheme != "http" or port is None or not exact:
        raise StartupError(
            f"the local stage's AWS_ENDPOINT_URL in .chalice/config.json must be "
            f"http://{HOST}:<port>, not {endpoint_url!r}"
        )
    return port


def api_port() -> int:
    """``PORT`` from the environment, else 8000, so a busy 8000 has a way out."""
    raw = os.environ.get("PORT", str(DEFAULT_API_PORT))
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 65536:
        raise StartupError(f"PORT must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


def require_free(port: int, what: str, hint: str) -> None:
    """Fail now with a clear message rather than later with a server's traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves do, so a port in TIME_WAIT does not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise StartupError(
                f"{HOST}:{port} ({what}) is already in use ({error.strerror}). {hint}"
            ) from None


def layout() -> Layout:
    """make run's fixed, free ports, and the project itself (its edits served after a restart).

    The emulator's port is the one the project's local stage calls, so the
    project needs no copy with another endpoint.
    """
    endpoint = emulator_port(stage_environment(STAGE)["AWS_ENDPOINT_URL"].rstrip("/"))
    port = api_port()
    if port == endpoint:
        raise StartupError(f"PORT {port} is the emulator's port; choose another")
    require_free(endpoint, "the emulator", "Is another `make run` still going?")
    require_free(port, "the API", "Stop what holds it, or choose another with PORT=8001.")
    return Layout(endpoint, port, PROJECT_DIR, logs=None)


def banner(servers: Servers) -> str:
    api_url = servers.api
    return (
        f"\ndocgen is serving {api_url} (stage {STAGE}), against moto's server at "
        f"{servers.emulator}\nwith table {servers.table} and bucket {servers.bucket}, seeded "
        f"with the sample and {SAMPLES.relative_to(PROJECT_DIR)}; the batch workers read its "
        "queues.\n\n"
        f"  Console (write a template, preview it, send it; no key needed): {api_url}/console\n\n"
        f"  curl -X POST {api_url}/customers/TestCustomer/documents/Welcome\n"
        f"  curl -X POST '{api_url}/customers/ZoeLukasz/documents/Membership?format=pdf'\n\n"
        "Open the url in the answer to read the document. Press Ctrl-C to stop everything.\n"
    )


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    """Stop as Ctrl-C does; ignore any further signal, so it cannot cut the clean-up short."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> int:
    """Run until Ctrl-C, SIGTERM or SIGHUP (exit 0); exit 1 if anything fails to start or dies."""
    # SIGTERM and SIGHUP take Ctrl-C's way out, so the servers (in sessions of their own)
    # never outlive this process. SIGINT is set too: a shell starts background jobs with
    # it ignored.
    for sig in STOP_SIGNALS:
        signal.signal(sig, _stop_on_signal)
    try:
        with serving(layout()) as servers:
            print(banner(servers), flush=True)
            stopped = servers.first_to_exit()
            code = stopped.popen.returncode
            print(f"make run: {stopped.name} stopped unexpectedly (code {code})", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped docgen, the workers and the emulator.", flush=True)
        return 0
    except StartupError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
