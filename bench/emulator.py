"""moto's server as a subprocess on a free 127.0.0.1 port, for the arms that need real HTTP."""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from tools.stack import PROJECT_DIR

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bench: moto's server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench: moto's server did not answer in {READY_TIMEOUT_SECONDS} s")


@contextmanager
def moto_server(env: dict[str, str] | None = None) -> Iterator[str]:
    """moto's server for the block; yields its endpoint URL. ``env``: the server's environment."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://{HOST}:{port}"
        _wait_until_answering(f"{endpoint}/moto-api/", server)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
