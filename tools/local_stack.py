"""moto's server, ``chalice local`` on 127.0.0.1 and the batch workers, started one way for
``make run``, the end-to-end tests and ``make load``.

Both listen on 127.0.0.1 only: the emulator accepts any credentials and must
never be reachable from another machine. The emulator serves one request at a
time (``tools.serial_emulator``): DynamoDB applies each call atomically, and
moto's threaded server does not. The stack is seeded as the original sample
had it, then with every row of ``samples/customers-and-templates.jsonl``, then with the
letterhead, customers and templates of ``samples/framed-letters.json``, and has the
batch queues of ``infra/merge-template.json``, each with its dead-letter queue. The app's
queue and schedule handlers run beside ``chalice local``, which serves HTTP only, in a
process of their own (``tools.local_workers``).

What differs between the callers is a ``Layout``, not code: ``make run`` has
fixed ports and serves the project itself, so a developer's edits are served
after a restart; the tests and ``make load`` take free ports and serve a copy
whose local stage points at their emulator (its endpoint and queue URLs), so nothing
clashes with a ``make run`` on 5001/8000.

Each server runs in a process group of its own: Ctrl-C at a terminal reaches
only the parent, which then stops each whole group, so no server outlives it.
"""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from chalicelib.adapters.dynamodb import DynamoDBRepository
from tools.importer import import_file
from tools.queues import create_queues
from tools.sample_frames import seed_frames
from tools.stack import (
    PROJECT_DIR,
    create_stack,
    emulator_clients,
    emulator_dynamodb,
    emulator_environment,
    emulator_sqs,
    stage_environment,
)

HOST = "127.0.0.1"
STAGE = "local"
SAMPLES = PROJECT_DIR / "samples" / "customers-and-templates.jsonl"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0
POLL_SECONDS = 0.1


class StartupError(Exception):
    """A server cannot or did not come up; the message says why, with its output."""


@dataclass(frozen=True)
class Layout:
    """Where the servers listen, which project ``chalice local`` serves, where output goes."""

    emulator_port: int
    api_port: int
    project: Path
    """Its local stage's ``AWS_ENDPOINT_URL`` must be this layout's emulator."""
    logs: Path | None
    """A folder for each server's output (shown if it fails to start), or None: this terminal."""

    @property
    def emulator_url(self) -> str:
        return f"http://{HOST}:{self.emulator_port}"

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"


class Process:
    """A server subprocess in a process group of its own."""

    def __init__(
        self, name: str, command: list[str], cwd: Path, env: dict[str, str], log: Path | None
    ) -> None:
        self.name = name
        self.log = log
        with log.open("wb") if log else nullcontext() as output:
            self.popen = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )

    def output(self) -> str:
        if self.log is None:
            return "its output is above"
        return f"its output:\n{self.log.read_text(errors='replace')}"

    def wait_until_answering(self, http: requests.Session, url: str) -> None:
        """Poll ``url`` until it answers with a status below 500, or raise with the output."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            if self.popen.poll() is not None:
                raise StartupError(
                    f"{self.name} exited with code {self.popen.returncode} before answering "
                    f"{url}; {self.output()}"
                )
            try:
                if http.get(url, timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise StartupError(
                    f"{self.name} did not answer {url} within {READY_TIMEOUT_SECONDS:.0f} s; "
                    f"{self.output()}"
                )
            time.sleep(POLL_SECONDS)

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        """SIGTERM the whole group, then SIGKILL what is left after a few seconds.

        The group, not the process, so nothing the server started outlives it.
        """
        pgid = self.popen.pid  # start_new_session: the group's id is the leader's pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            while time.monotonic() < deadline:
                self.popen.poll()  # reap the leader, or it lingers as a zombie in the group
                if not self._group_alive():
                    return
                time.sleep(0.05)
        self.popen.poll()


@dataclass(frozen=True)
class Servers:
    """What a client talks to, and a way to look inside the emulator's bucket."""

    api: str
    emulator: str
    table: str
    bucket: str
    s3: Any
    dynamodb: Any
    http: requests.Session
    processes: tuple[Process, ...]

    def objects(self) -> dict[str, tuple[str, str]]:
        """Every object in the bucket: key -> (ETag, LastModified), to spot any write."""
        listing = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {obj["Key"]: (obj["ETag"], obj["LastModified"].isoformat()) for obj in listing}

    def first_to_exit(self) -> Process:
        """Wait until one of the servers exits, and return it: ``make run`` serves until then."""
        while True:
            for process in self.processes:
                if process.popen.poll() is not None:
                    return process
            time.sleep(POLL_SECONDS)


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
    env = config["stages"][STAGE]["environment_variables"]
    served = env["AWS_ENDPOINT_URL"]
    for name, value in env.items():  # the endpoint itself, and the queue URLs on it
        if value.startswith(served):
            env[name] = endpoint_url + value.removeprefix(served)
    (destination / ".chalice" / "config.json").write_text(json.dumps(config, indent=2))
    return destination


def isolated(workdir: Path) -> Layout:
    """Free ports and a copy of the project in ``workdir``, with the servers' output there."""
    emulator_port, api_port = free_ports(2)
    endpoint_url = f"http://{HOST}:{emulator_port}"
    project = copy_project(workdir / "project", endpoint_url)
    return Layout(emulator_port, api_port, project, logs=workdir)


@contextmanager
def serving(layout: Layout) -> Iterator[Servers]:
    """The emulator, seeded, ``chalice local`` in front of it and the batch workers behind it;
    all stopped on the way out."""
    region = stage_environment(STAGE).get("AWS_DEFAULT_REGION", "us-east-1")
    env = emulator_environment(os.environ, region)

    def log(name: str) -> Path | None:
        return layout.logs / name if layout.logs else None

    with ExitStack() as stack:
        # Stopped in reverse order, each even if stopping another was interrupted.
        http = requests.Session()
        stack.callback(http.close)
        http.trust_env = False  # no proxy, no netrc: straight to 127.0.0.1
        emulator_command = [sys.executable, "-m", "tools.serial_emulator"]
        emulator_command += ["--port", str(layout.emulator_port)]
        moto = Process("moto's server", emulator_command, PROJECT_DIR, env, log("moto.log"))
        stack.callback(moto.stop)
        moto.wait_until_answering(http, f"{layout.emulator_url}/moto-api/")
        dynamodb, s3 = emulator_clients(layout.emulator_url, region)
        table, bucket = create_stack(dynamodb, s3, STAGE)
        create_queues(emulator_sqs(layout.emulator_url, region))
        resource = emulator_dynamodb(layout.emulator_url, region)
        repository = DynamoDBRepository(resource.Table(table))
        import_file(SAMPLES, repository, log=io.StringIO())
        seed_frames(repository)

        chalice = [sys.executable, str(PROJECT_DIR / "tools" / "chalice_local.py")]
        api_command = [*chalice, "local", "--stage", STAGE, "--host", HOST]
        # No reloader: without watchdog it walks every file under the project (.venv
        # included) each second, and a reload drops requests. Restart to serve an edit.
        api_command += ["--port", str(layout.api_port), "--no-autoreload"]
        api = Process("chalice local", api_command, layout.project, env, log("chalice.log"))
        stack.callback(api.stop)
        api.wait_until_answering(http, f"{layout.api_url}/health")

        # From the project folder (tools/ is not in the copy), importing the served app.
        workers_command = [sys.executable, "-m", "tools.local_workers"]
        workers_command += ["--project", str(layout.project), "--endpoint", layout.emulator_url]
        workers = Process("local workers", workers_command, PROJECT_DIR, env, log("workers.log"))
        stack.callback(workers.stop)

        yield Servers(
            api=layout.api_url,
            emulator=layout.emulator_url,
            table=table,
            bucket=bucket,
            s3=s3,
            dynamodb=dynamodb,
            http=http,
            processes=(moto, api, workers),
        )
