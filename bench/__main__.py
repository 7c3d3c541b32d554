"""``python -m bench``: docgen against the sample's naive handler, one table, one run.

Exits 1 when a goal is missed, so ``make bench`` fails with it.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from contextlib import redirect_stdout
from importlib.metadata import version

from bench import fakeaws, measure, pdf, render
from bench.handlers import TARGETS, load
from bench.report import Row, markdown_table, ratio_row, text_table

WARM_RUNS = 60
WARMUP_RUNS = 5
COLD_RUNS = 15
DOCGEN_CALLS = 2
"""One BatchGetItem for both items, one PutObject."""
BASELINE_CALLS = 3
"""The sample's two GetItem and one PutObject; anything else means the baseline is wrong."""
FORMATS = ("txt", "html", "pdf")
"""docgen's ``?format=`` values: its public contract, so named here rather than imported."""


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout is only the report (pasteable as is)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def notes(args: argparse.Namespace, calls: dict[str, list[str]]) -> list[str]:
    """What was measured, on what: the lines a reader needs to trust the table."""
    bytecode = "compiled on every import" if sys.dont_write_bytecode else "cached"
    versions = ", ".join(f"{name} {version(name)}" for name in ("chalice", "boto3", "moto"))
    return [
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; simulated delay "
        f"{fakeaws.TRAFFIC.delay * 1000:.0f} ms per HTTP send.",
        f"AWS: moto's in-process mock_aws behind a botocore before-send sleep; {versions}.",
        f"Calls: docgen {', '.join(calls['docgen'])}; baseline {', '.join(calls['baseline'])}.",
        f"Warm: {args.warm} letters each after {WARMUP_RUNS} warm-up, interleaved. Cold: median "
        f"of {args.cold} fresh interpreters each (1 more discarded), moto already imported, "
        f"bytecode {bytecode}.",
        "docgen's figures include its logging and metrics (one Powertools JSON line and one EMF "
        "line per letter, written to /dev/null as Lambda would write them to CloudWatch).",
        "moto imports boto3 before the clock starts, so the cold figures leave out the ~15 ms "
        "import of boto3 that the baseline pays on Lambda and docgen (botocore only) does not.",
    ]


def build_rows(
    calls: dict[str, list[str]],
    warm: dict[str, list[float]],
    cold_import: dict[str, float],
    cold_letter: dict[str, float],
) -> list[Row]:
    docgen_calls, baseline_calls = len(calls["docgen"]), len(calls["baseline"])
    median = {name: statistics.median(samples) for name, samples in warm.items()}
    p95 = {name: measure.p95(samples) for name, samples in warm.items()}
    return [
        Row(
            "AWS calls per letter",
            str(docgen_calls),
            str(baseline_calls),
            docgen_calls / baseline_calls,
            f"docgen = {DOCGEN_CALLS}",
            docgen_calls == DOCGEN_CALLS,
        ),
        ratio_row("warm letter, median", median["docgen"], median["baseline"], 0.70),
        ratio_row("warm letter, p95", p95["docgen"], p95["baseline"], None),
        ratio_row("cold import", cold_import["docgen"], cold_import["baseline"], 0.20),
        ratio_row("cold first letter", cold_letter["docgen"], cold_letter["baseline"], 0.70),
    ]


def format_rows(by_format: dict[str, list[float]], cold_pdf: float, cold_txt: float) -> list[Row]:
    """HTML and PDF against docgen's own txt, warm and cold."""
    txt = statistics.median(by_format["txt"])
    rows = [
        ratio_row(
            f"warm letter as {fmt}, median (baseline: docgen txt)",
            statistics.median(by_format[fmt]),
            txt,
            None,
        )
        for fmt in FORMATS
        if fmt != "txt"
    ]
    rows.append(
        ratio_row("cold first letter as pdf (baseline: docgen txt)", cold_pdf, cold_txt, None)
    )
    return rows


def loaded_rows(at_import: set[str], at_first_letter: set[str]) -> list[Row]:
    """What docgen's cold runs loaded: logging on for the first letter, nothing heavy before."""
    checks = [
        ("cold import loads Powertools", "aws_lambda_powertools" in at_import, False),
        ("cold first letter logs via Powertools", "aws_lambda_powertools" in at_first_letter, True),
        ("cold txt letter imports ReportLab", "reportlab" in at_first_letter, False),
    ]
    return [
        Row(metric, "yes" if seen else "no", "-", None, "yes" if goal else "no", seen == goal)
        for metric, seen, goal in checks
    ]


def import_row() -> Row:
    """Import time in a fresh interpreter (``bench.importing``), as rows per second."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.importing"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    figures = json.loads(result.stdout)
    rows, ours, naive = figures["rows"], figures["importer_seconds"], figures["naive_seconds"]
    metric = (
        f"import {rows} customers: {rows / ours:.0f} rows/s "
        f"(baseline: PutItem per row, {rows / naive:.0f} rows/s)"
    )
    return ratio_row(metric, ours, naive, None)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--warm", type=int, default=WARM_RUNS, help="warm letters per handler")
    parser.add_argument("--cold", type=int, default=COLD_RUNS, help="cold runs per handler")
    args = parser.parse_args()
    if args.warm < 2 or args.cold < 1:
        parser.error("--warm needs at least 2 letters (for a p95), --cold at least 1 run")

    # docgen logs a JSON line per request to stdout, as on Lambda; stdout is for the table.
    with open(os.devnull, "w") as logs, redirect_stdout(logs):
        rows, calls = measure_all(args)
    print(markdown_table(rows) if args.markdown else text_table(rows))
    print()
    bullet = "- " if args.markdown else ""
    print("\n".join(bullet + line for line in notes(args, calls)))
    return 0 if all(row.passed is not False for row in rows) else 1


def measure_all(args: argparse.Namespace) -> tuple[list[Row], dict[str, list[str]]]:
    """Every figure of the table, and the AWS calls each handler's letter made."""
    fakeaws.install()  # before anything imports moto or builds a boto3 session
    s3 = fakeaws.start_mock()
    handlers = {name: load(name) for name in TARGETS}

    progress("sanity check: one letter each, bytes compared with the sample's")
    calls = {name: measure.check_letter(name, handler, s3) for name, handler in handlers.items()}
    if len(calls["baseline"]) != BASELINE_CALLS:
        raise SystemExit(f"bench: the baseline made {calls['baseline']}, not the sample's calls")
    progress(f"warm latency: {args.warm} letters each")
    warm = measure.warm_latency(handlers, args.warm, WARMUP_RUNS)
    progress(f"cold import: {args.cold + 1} fresh interpreters each")
    at_import: dict[str, set[str]] = {}
    cold_import = measure.cold_medians(list(TARGETS), "import", args.cold, at_import)
    progress(f"cold first letter: {args.cold + 1} fresh interpreters each")
    at_letter: dict[str, set[str]] = {}
    cold_letter = measure.cold_medians(list(TARGETS), "letter", args.cold, at_letter)
    progress(f"cold first PDF letter: {args.cold + 1} fresh interpreters")
    cold_pdf = measure.cold_medians(["docgen"], "pdf", args.cold)["docgen"]
    progress(f"formats: {args.warm} docgen letters each as {', '.join(FORMATS)}")
    by_format = measure.format_latency(handlers["docgen"], list(FORMATS), args.warm, WARMUP_RUNS)

    progress("render time: typical and large templates against naive Jinja2")
    rows = build_rows(calls, warm, cold_import, cold_letter)
    rows += loaded_rows(at_import["docgen"], at_letter["docgen"])
    rows += format_rows(by_format, cold_pdf, cold_letter["docgen"])
    rows += [
        ratio_row(f"{metric} (baseline: naive Jinja2)", ours, naive, None)
        for metric, (ours, naive) in render.render_times().items()
    ]
    progress("PDF layout: a long letter against naive ReportLab platypus")
    rows += [
        ratio_row(metric, ours, naive, None) for metric, (ours, naive) in pdf.pdf_times().items()
    ]
    progress("import throughput: tools.importer and a PutItem loop against moto's server")
    rows.append(import_row())
    return rows, calls


if __name__ == "__main__":
    sys.exit(main())
