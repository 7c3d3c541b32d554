"""``make run``: docgen on 127.0.0.1:8000 against moto's server, seeded with sample data.

The seed is the original AWS sample's two items, then every row of
``samples/customers-and-templates.jsonl`` (through the importer), whose
``Membership`` template makes a letter of several paragraphs to try as a PDF.

The emulator runs in this process; ``chalice local`` runs as a child. Both
listen on 127.0.0.1 only, because the emulator accepts any credentials and
must never be reachable from another machine. Ctrl-C (or SIGTERM) stops both.
"""

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from moto.server import ThreadedMotoServer

from tools.importer import import_file
from tools.stack import (
    PROJECT_DIR,
    create_stack,
    emulator_clients,
    emulator_environment,
    stage_environment,
)

STAGE = "local"
SAMPLES = PROJECT_DIR / "samples" / "customers-and-templates.jsonl"
HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0


class StartupError(Exception):
    """Something the developer has to fix first; the message says what."""


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
    """Fail now with a clear message rather than later with a confusing one.

    Without this, a taken emulator port makes ``ThreadedMotoServer.start()``
    wait forever, and a taken API port only shows as a traceback from
    ``chalice local``'s worker.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves do, so a port in TIME_WAIT does not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise StartupError(
                f"{HOST}:{port} ({what}) is already in use ({error.strerror}). {hint}"
            ) from None


def start_emulator(port: int) -> ThreadedMotoServer:
    """moto's server in a thread of this process, on 127.0.0.1 only.

    ``start()`` waits for a server that never comes if the bind fails (a port
    taken since ``require_free``), so it is given a bounded time.
    """
    # Its per-request log lines look just like chalice local's and would be mistaken for them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(READY_TIMEOUT_SECONDS)
    if starter.is_alive():
        raise StartupError(f"the emulator could not start on {HOST}:{port}")
    return server


def start_api(port: int, env: dict[str, str]) -> subprocess.Popen:
    """``chalice local`` from this venv, in a process group of its own.

    With a group of its own, Ctrl-C reaches it only through ``stop_api``, and
    one signal reaches it and anything it starts.
    """
    chalice = Path(sys.executable).parent / "chalice"
    # No auto-reload: without watchdog, chalice's poller walks every file under
    # the project (.venv included) each second, and a reload drops requests.
    command = [
        *(str(chalice), "local", "--stage", STAGE, "--host", HOST, "--port", str(port)),
        "--no-autoreload",
    ]
    return subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )


def wait_until_serving(api: subprocess.Popen, base_url: str) -> None:
    """Poll ``/health`` until it answers 200, so the banner is only shown once it is true."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        if api.poll() is not None:
            raise StartupError(f"chalice local exited (code {api.returncode}) before serving")
        try:
            with no_proxy.open(f"{base_url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise StartupError(f"chalice local did not answer {base_url}/health in time")
        time.sleep(0.2)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_api(api: subprocess.Popen) -> None:
    """SIGINT the whole group, as Ctrl-C would; then SIGTERM, then SIGKILL.

    The reloader's parent and its worker must both go, or the worker keeps
    holding the port.
    """
    pgid = api.pid  # start_new_session: the group's id is the leader's pid
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            api.poll()  # reap the leader, or it lingers as a zombie in the group
            if not _group_alive(pgid):
                return
            time.sleep(0.05)
    api.poll()


def banner(api_url: str, endpoint_url: str, table: str, bucket: str) -> str:
    return (
        f"\ndocgen is serving {api_url} (stage {STAGE}), against moto's server at "
        f"{endpoint_url}\nwith table {table} and bucket {bucket}, seeded with the sample and "
        f"{SAMPLES.relative_to(PROJECT_DIR)}.\n\n"
        f"  curl -X POST {api_url}/customers/TestCustomer/documents/Welcome\n"
        f"  curl -X POST '{api_url}/customers/ZoeLukasz/documents/Membership?format=pdf'\n\n"
        "Open the url in the answer to read the document. Press Ctrl-C to stop both.\n"
    )


def main() -> int:
    """Run until Ctrl-C, SIGTERM or SIGHUP (exit 0); exit 1 if anything fails to start or dies."""
    # SIGTERM and SIGHUP take Ctrl-C's clean way out, so chalice local (in a session of
    # its own) never outlives this process. SIGINT is set too: a shell starts background
    # jobs with it ignored, and chalice local would inherit that and ignore our Ctrl-C.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    try:
        stage_env = stage_environment(STAGE)
        endpoint_url = stage_env["AWS_ENDPOINT_URL"].rstrip("/")
        moto_port, port = emulator_port(endpoint_url), api_port()
        if port == moto_port:
            raise StartupError(f"PORT {port} is the emulator's port; choose another")
        require_free(moto_port, "the emulator", "Is another `make run` still going?")
        require_free(port, "the API", "Stop what holds it, or choose another with PORT=8001.")
    except StartupError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 1

    region = stage_env.get("AWS_DEFAULT_REGION", "us-east-1")
    env = emulator_environment(os.environ, region)
    api_url = f"http://{HOST}:{port}"
    emulator: ThreadedMotoServer | None = None
    api: subprocess.Popen | None = None
    try:
        emulator = start_emulator(moto_port)
        dynamodb, s3 = emulator_clients(endpoint_url, region)
        table, bucket = create_stack(dynamodb, s3, STAGE)
        import_file(SAMPLES, dynamodb, table, log=io.StringIO())
        api = start_api(port, env)
        wait_until_serving(api, api_url)
        print(banner(api_url, endpoint_url, table, bucket), flush=True)
        code = api.wait()
        print(f"make run: chalice local stopped unexpectedly (code {code})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping docgen and the emulator...", flush=True)
        return 0
    except StartupError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not cut the clean-up short and leave a server behind.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if api is not None:
            stop_api(api)
        if emulator is not None:
            emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
