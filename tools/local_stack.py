"""moto's server and ``chalice local`` as subprocesses on free 127.0.0.1 ports.

Shared by the end-to-end tests and ``make load``. The emulator serves one
request at a time (``tools.serial_emulator``): DynamoDB applies each call
atomically, and moto's threaded server does not. ``chalice local`` serves a
copy of the project whose local stage points at this emulator, so nothing
clashes with a developer's ``make run`` on 5001/8000.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tools.stack import (
    PROJECT_DIR,
    create_stack,
    emulator_clients,
    emulator_environment,
    stage_environment,
)

HOST = "127.0.0.1"
STAGE = "local"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0


class StartupError(Exception):
    """A server did not come up; the message carries its output."""


@dataclass(frozen=True)
class Servers:
    """What a client talks to, and a way to look inside the emulator's bucket."""

    api: str
    emulator: str
    bucket: str
    s3: Any
    dynamodb: Any
    http: requests.Session

    def objects(self) -> dict[str, tuple[str, str]]:
        """Every object in the bucket: key -> (ETag, LastModified), to spot any write."""
        listing = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {obj["Key"]: (obj["ETag"], obj["LastModified"].isoformat()) for obj in listing}


def free_ports(count: int) -> list[int]:
    """Ports the kernel has free on 127.0.0.1, all held at once so they differ."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def copy_project(destination: Path, endpoint_url: str) -> Path:
    """What ``chalice local`` needs, with the local stage pointed at ``endpoint_url``."""
    destination.mkdir()
    shutil.copy2(PROJECT_DIR / "app.py", destination)
    shutil.copy2(PROJECT_DIR / "requirements.txt", destination)
    shutil.copytree(
        PROJECT_DIR / "chalicelib",
        destination / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (destination / ".chalice").mkdir()
    for policy in (PROJECT_DIR / ".chalice").glob("policy-*.json"):
        shutil.copy2(policy, destination / ".chalice")
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    config["stages"][STAGE]["environment_variables"]["AWS_ENDPOINT_URL"] = endpoint_url
    (destination / ".chalice" / "config.json").write_text(json.dumps(config, indent=2))
    return destination


class Process:
    """A server subprocess with its output in a file, for the failure message."""

    def __init__(
        self, name: str, command: list[str], cwd: Path, env: dict[str, str], log: Path
    ) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as output:
            self.popen = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_answering(self, http: requests.Session, url: str) -> None:
        """Poll ``url`` until it answers with a status below 500, or raise with the output."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            if self.popen.poll() is not None:
                raise StartupError(
                    f"{self.name} exited with code {self.popen.returncode} before answering "
                    f"{url}; its output:\n{self.output()}"
                )
            try:
                if http.get(url, timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise StartupError(
                    f"{self.name} did not answer {url} within {READY_TIMEOUT_SECONDS:.0f} s; "
                    f"its output:\n{self.output()}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Terminate, then kill if it has not gone within a few seconds.

        Neither server makes children (``chalice local`` runs with
        ``--no-autoreload``), so this process is all there is to stop.
        """
        self.popen.terminate()
        try:
            self.popen.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(STOP_TIMEOUT_SECONDS)


@contextmanager
def serving(workdir: Path) -> Iterator[Servers]:
    """The emulator, seeded as ``make run`` seeds it, and the API in front of it."""
    moto_port, api_port = free_ports(2)
    emulator, api = f"http://{HOST}:{moto_port}", f"http://{HOST}:{api_port}"
    region = stage_environment(STAGE).get("AWS_DEFAULT_REGION", "us-east-1")
    env = emulator_environment(os.environ, region)
    http = requests.Session()
    http.trust_env = False  # no proxy, no netrc: straight to 127.0.0.1
    started: list[Process] = []
    try:
        moto = Process(
            "moto's server",
            [sys.executable, "-m", "tools.serial_emulator", "--port", str(moto_port)],
            PROJECT_DIR,
            env,
            workdir / "moto.log",
        )
        started.append(moto)
        moto.wait_until_answering(http, f"{emulator}/moto-api/")
        dynamodb, s3 = emulator_clients(emulator, region)
        _, bucket = create_stack(dynamodb, s3, STAGE)

        project = copy_project(workdir / "project", emulator)
        chalice = Path(sys.executable).parent / "chalice"
        command = [str(chalice), "local", "--stage", STAGE, "--host", HOST]
        # No reloader: the copy never changes, and chalice local is then one process,
        # which stop() can end, rather than a parent and a worker that holds the port.
        command += ["--port", str(api_port), "--no-autoreload"]
        chalice_local = Process("chalice local", command, project, env, workdir / "chalice.log")
        started.append(chalice_local)
        chalice_local.wait_until_answering(http, f"{api}/health")

        yield Servers(
            api=api, emulator=emulator, bucket=bucket, s3=s3, dynamodb=dynamodb, http=http
        )
    finally:
        for process in reversed(started):
            process.stop()
        http.close()
