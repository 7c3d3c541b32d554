"""Real HTTP: moto's server and ``chalice local`` as subprocesses on free 127.0.0.1 ports.

``tools/local_stack.py`` starts them, as for ``make run`` and ``make load``; this file
marks the tests and turns a failed start into a clear test failure.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_socket import socket_allow_hosts

from tools.local_stack import HOST, Servers, StartupError, isolated, serving

E2E_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e ``e2e`` and ``enable_socket``.

    Here rather than in each module, so a new module cannot forget; first, so
    ``-m "not e2e"`` sees the marker.
    """
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.enable_socket)


def loopback_only() -> None:
    """Put back the 127.0.0.1-only rule that ``enable_socket`` lifts along with the ban."""
    socket_allow_hosts([HOST])


@pytest.fixture(autouse=True)
def _loopback_only() -> None:
    loopback_only()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The emulator, seeded as ``make run`` seeds it, and the API in front of it."""
    loopback_only()  # set up before the first test's autouse fixture runs
    try:
        with serving(isolated(tmp_path_factory.mktemp("e2e"))) as started:
            yield started
    except StartupError as error:
        pytest.fail(str(error), pytrace=False)
