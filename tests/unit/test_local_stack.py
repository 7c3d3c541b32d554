"""The one way servers are started: ``make run``, the end-to-end tests and ``make load``.

The servers themselves are exercised over HTTP in tests/e2e; here, what
differs between the callers (ports, project, output), the messages a
developer reads, and that stopping a server leaves nothing behind.
"""

import json
import os
import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_socket import socket_allow_hosts

from tools import local_stack, run_local
from tools.local_stack import HOST, Layout, Process, StartupError, free_ports
from tools.local_workers import ACCOUNT
from tools.queues import declared_queues
from tools.stack import PROJECT_DIR, stage_environment

pytestmark = pytest.mark.enable_socket


@pytest.fixture(autouse=True)
def _loopback_only() -> None:
    """These tests bind ports and start processes, but never connect beyond 127.0.0.1."""
    socket_allow_hosts([HOST])


@pytest.fixture
def make_run_ports(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Free ports for make run's emulator (as the local stage names it) and API (as PORT)."""
    emulator, api = free_ports(2)
    local = {
        **run_local.stage_environment("local"),
        "AWS_ENDPOINT_URL": f"http://{HOST}:{emulator}",
    }
    monkeypatch.setattr(run_local, "stage_environment", lambda stage: local)
    monkeypatch.setenv("PORT", str(api))
    return emulator, api


@pytest.fixture
def held() -> Iterator[socket.socket]:
    """A port something else is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield sock


def started_by(layout: Layout, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What ``serving(layout)`` starts: (name, command, cwd, log) each, with nothing started."""
    started: list[tuple[Any, ...]] = []

    class Recorded:
        def __init__(
            self, name: str, command: list[str], cwd: Path, env: dict[str, str], log: Path | None
        ) -> None:
            started.append((name, command, cwd, log))

        def wait_until_answering(self, http: Any, url: str) -> None:
            pass

        def stop(self) -> None:
            pass

    monkeypatch.setattr(local_stack, "Process", Recorded)
    monkeypatch.setattr(local_stack, "create_stack", lambda dynamodb, s3, stage: ("t", "b"))
    monkeypatch.setattr(local_stack, "import_file", lambda *args, **kwargs: None)
    monkeypatch.setattr(local_stack, "seed_frames", lambda repository: [])
    monkeypatch.setattr(local_stack, "create_queues", lambda sqs: {})
    with local_stack.serving(layout):
        pass
    return started


def test_make_run_starts_the_servers_the_tests_start(
    make_run_ports: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_run = run_local.layout()
    isolated = local_stack.isolated(tmp_path)

    assert (make_run.emulator_port, make_run.api_port) == make_run_ports
    assert (make_run.project, make_run.logs) == (PROJECT_DIR, None)
    assert (isolated.project.parent, isolated.logs) == (tmp_path, tmp_path)
    config = json.loads((isolated.project / ".chalice" / "config.json").read_text())
    env = config["stages"]["local"]["environment_variables"]
    assert env["AWS_ENDPOINT_URL"] == isolated.emulator_url
    queue_urls = {name: url for name, url in env.items() if name.endswith("_QUEUE_URL")}
    served = stage_environment("local")  # the project's own, on 5001
    assert queue_urls == {
        name: url.replace(served["AWS_ENDPOINT_URL"], isolated.emulator_url)
        for name, url in served.items()
        if name.endswith("_QUEUE_URL")
    }
    assert len(queue_urls) == 4

    ran, tested = started_by(make_run, monkeypatch), started_by(isolated, monkeypatch)

    def with_ports(layout: Layout, started: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        names = {str(layout.emulator_port): "EMULATOR", str(layout.api_port): "API"}
        names |= {layout.emulator_url: "EMULATOR_URL", str(layout.project): "PROJECT"}
        return [(name, [names.get(arg, arg) for arg in command]) for name, command, *_ in started]

    assert with_ports(make_run, ran) == with_ports(isolated, tested)
    assert ran[0][1] == [
        *(sys.executable, "-m", "tools.serial_emulator", "--port", str(make_run.emulator_port))
    ]
    # The workers import the served project's app, from the project folder, which has tools/.
    assert ran[2][1] == [
        *(sys.executable, "-m", "tools.local_workers", "--project", str(PROJECT_DIR)),
        *("--endpoint", make_run.emulator_url),
    ]
    assert [name for name, *_ in ran] == ["moto's server", "chalice local", "local workers"]
    assert [cwd for *_, cwd, _ in ran] == [PROJECT_DIR, PROJECT_DIR, PROJECT_DIR]
    assert [cwd for *_, cwd, _ in tested] == [PROJECT_DIR, isolated.project, PROJECT_DIR]
    assert [log for *_, log in ran] == [None, None, None]  # make run's terminal
    assert [log for *_, log in tested] == [
        tmp_path / "moto.log",
        tmp_path / "chalice.log",
        tmp_path / "workers.log",
    ]


def test_the_local_stage_sends_to_the_queues_the_local_stack_creates() -> None:
    env = stage_environment("local")
    assert {
        queue.url_variable: f"{env['AWS_ENDPOINT_URL']}/{ACCOUNT}/{queue.name}"
        for queue in declared_queues().values()
        if queue.url_variable
    } == {name: url for name, url in env.items() if name.endswith("_QUEUE_URL")}


def test_a_busy_api_port_is_named_with_a_way_out(
    make_run_ports: tuple[int, int], held: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = held.getsockname()[1]
    monkeypatch.setenv("PORT", str(port))

    with pytest.raises(StartupError) as refused:
        run_local.layout()

    assert str(refused.value) == (
        f"{HOST}:{port} (the API) is already in use (Address already in use). "
        "Stop what holds it, or choose another with PORT=8001."
    )


def test_a_busy_emulator_port_points_at_another_make_run(
    held: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = held.getsockname()[1]
    local = {"AWS_ENDPOINT_URL": f"http://{HOST}:{port}/"}
    monkeypatch.setattr(run_local, "stage_environment", lambda stage: local)
    monkeypatch.setenv("PORT", str(free_ports(1)[0]))

    with pytest.raises(StartupError, match=r"\(the emulator\) is already in use .* `make run`"):
        run_local.layout()


@pytest.mark.parametrize(
    "endpoint", ["http://localhost:5001", "https://127.0.0.1:5001", "http://0.0.0.0:5001"]
)
def test_the_emulator_must_listen_on_loopback_only(endpoint: str) -> None:
    with pytest.raises(StartupError, match=re.escape("must be http://127.0.0.1:<port>")):
        run_local.emulator_port(endpoint)


def test_a_server_that_dies_at_start_shows_its_output(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; sys.exit('port taken')"]
    process = Process("the server", command, tmp_path, dict(os.environ), tmp_path / "log")

    with pytest.raises(StartupError) as failed, requests.Session() as http:
        process.wait_until_answering(http, f"http://{HOST}:1/")

    assert str(failed.value) == (
        f"the server exited with code 1 before answering http://{HOST}:1/; "
        "its output:\nport taken\n"
    )


def test_stopping_a_server_ends_what_it_started(tmp_path: Path) -> None:
    """The group goes, not just its leader: a worker left behind would hold the port."""
    child = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time; "
        "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(child)!r}, 'w').write(str(worker.pid)); time.sleep(60)"
    )
    process = Process("a server", [sys.executable, "-c", script], tmp_path, dict(os.environ), None)
    deadline = time.monotonic() + 10
    while not child.exists() or not child.read_text():
        assert time.monotonic() < deadline, "the server did not start its worker"
        time.sleep(0.05)
    worker = int(child.read_text())

    started = time.monotonic()
    process.stop()

    assert time.monotonic() - started < local_stack.STOP_TIMEOUT_SECONDS  # SIGTERM sufficed
    assert process.popen.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(process.popen.pid, 0)  # no process is left in the group, the worker included
    assert not Path(f"/proc/{worker}").exists()


def test_make_run_prints_the_console_url() -> None:
    servers = local_stack.Servers(
        api="http://127.0.0.1:8000",
        emulator="http://127.0.0.1:5001",
        table="docgen-local",
        bucket="docgen-local-documents",
        s3=None,
        dynamodb=None,
        http=None,  # type: ignore[arg-type]
        processes=(),
    )

    shown = run_local.banner(servers)

    assert (
        "  Console (write a template, preview it, send it; no key needed): "
        "http://127.0.0.1:8000/console\n"
    ) in shown.splitlines(keepends=True)
