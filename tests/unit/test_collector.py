"""The garbage collector at a cold start: no collection while the app is imported, and what
the container keeps (the app, each service's models, Powertools) frozen once, right after it
is built, so no later collection walks it. What that saves is measured in ``make bench``.
"""

import json
import textwrap

import pytest

from chalicelib.adapters import collector
from tests.support import MOCKED_DEV_STAGE, fresh_python

# Collections counted from app.py's first statement on (before it, Python is reading the file).
IMPORT_PROBE = """
import gc, json, sys
collections = []
def seen(phase, info):
    if phase == "start" and "chalicelib" in sys.modules:
        collections.append(info)
gc.callbacks.append(seen)
import app
gc.callbacks.clear()
print(json.dumps({"collections": len(collections), "enabled": gc.isenabled(),
                  "frozen": gc.get_freeze_count()}))
"""


def test_the_app_imports_without_a_collection_then_collects_again_with_its_objects_frozen() -> None:
    run = json.loads(fresh_python(IMPORT_PROBE))
    assert run["collections"] == 0
    assert run["enabled"] is True
    assert run["frozen"] > 10_000  # the modules, classes and routes the import made


def test_an_interpreter_with_collection_off_keeps_it_off() -> None:
    probe = "import gc; gc.disable(); import app; print(gc.isenabled())"
    assert fresh_python(probe) == "False"


# Two letters in a fresh interpreter on moto, counting every gc.freeze() after the import.
LETTERS_PROBE = MOCKED_DEV_STAGE + textwrap.dedent(
    """
    import contextlib, gc, io, json, threading
    create_stack(boto3.client("dynamodb"), boto3.client("s3"), "dev")

    import app
    from bench.handlers import lambda_context, proxy_event

    freezes, freeze = [], gc.freeze
    def counted():
        freezes.append(threading.current_thread().name)
        freeze()
    gc.freeze = counted
    after = []
    with contextlib.redirect_stdout(io.StringIO()):
        for number in range(2):
            app.app(proxy_event(f"r{number}"), lambda_context())
            after.append(len(freezes))
    print(json.dumps({"after": after, "on": sorted(set(freezes))}))
    """
)


def test_the_first_letter_freezes_its_resources_and_logger_once_and_the_second_nothing() -> None:
    run = json.loads(fresh_python(LETTERS_PROBE))
    # DynamoDB's resource, S3's and the logger: built by the first letter, never again.
    assert run["after"] == [3, 3]
    assert run["on"] == ["MainThread", "docgen-prebuild"]


@pytest.fixture
def nothing_kept(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``collector`` as in a new container, with ``gc.freeze`` counted, not called: freezing
    this test process would keep its garbage."""
    freezes: list[str] = []
    monkeypatch.setattr(collector, "_kept", set())
    monkeypatch.setattr(collector.gc, "freeze", lambda: freezes.append("freeze"))
    return freezes


def test_each_thing_is_kept_once(nothing_kept: list[str]) -> None:
    for name in ("dynamodb", "dynamodb", "s3", "logger", "s3"):
        collector.keep(name)
    assert nothing_kept == ["freeze"] * 3
