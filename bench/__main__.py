"""``python -m bench``: docgen against the sample's naive handler, one table, one run.

Exits 1 when a goal is missed, so ``make bench`` fails with it.
"""

import argparse
import os
import platform
import sys
import time
from contextlib import redirect_stdout
from importlib.metadata import version

from bench import batches, children, fakeaws, frames, measure, outputs, pdf, render
from bench.handlers import TARGETS, load
from bench.measure import ColdRuns
from bench.report import SPREAD, Row, exit_code, markdown_table, ratio_row, samples_row, text_table

WARM_RUNS = 60
WARMUP_RUNS = 5
COLD_RUNS = 15
DOCGEN_CALLS = 2
"""One BatchGetItem for both items, one PutObject."""
BASELINE_CALLS = 3
"""The sample's two GetItem and one PutObject; anything else means the baseline is wrong."""
FORMATS = ("txt", "html", "pdf")
"""docgen's ``?format=`` values: its public contract, so named here rather than imported."""


STARTED = time.monotonic()


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout is only the report (pasteable as is).

    Each line says how long the run has taken so far, to show where the minutes go.
    """
    print(f"bench: [{time.monotonic() - STARTED:4.0f} s] {message}", file=sys.stderr, flush=True)


def notes(args: argparse.Namespace, calls: dict[str, list[str]]) -> list[str]:
    """What was measured, on what: the lines a reader needs to trust the table."""
    versions = ", ".join(f"{name} {version(name)}" for name in ("chalice", "boto3", "moto"))
    delay = f"{fakeaws.TRAFFIC.delay * 1000:.0f} ms"
    return [
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; simulated delay {delay} per HTTP send.",
        f"AWS: moto's in-process mock_aws behind a botocore before-send sleep; {versions}.",
        f"Calls: docgen {', '.join(calls['docgen'])}; baseline {', '.join(calls['baseline'])}.",
        f"Times are medians; [a-b] beside one is its {SPREAD} over the letters or interpreters "
        "(none for a single run): a ratio whose ranges overlap is within noise.",
        f"Warm: {args.warm} letters each after {WARMUP_RUNS} warm-up, interleaved. Cold: "
        f"{args.cold} fresh interpreters each per row (1 more discarded), alternating; the "
        "clock runs from just before the handler's import to its answer. Both handlers' modules "
        "are compiled to bytecode first, as docgen's Lambda package ships them.",
        botocore_data_note(),
        "cold import, cold first letter: moto, boto3 and botocore imported before the clock, "
        "AWS in-process behind the simulated delay. This hides the import of boto3 and "
        "botocore, which both handlers pay on Lambda (the true cold rows include it).",
        "loopback: boto3 (not moto) imported before the clock, AWS_ENDPOINT_URL at moto's "
        "server (python -m moto.server on 127.0.0.1) with dummy credentials, so both handlers "
        "make real HTTP calls; no simulated delay (loopback plus moto's own time); each "
        "letter read back from the server's bucket.",
        "true cold: nothing imported before the clock (no moto, boto3 or botocore), AWS "
        "answered by the bench's canned HTTP server on 127.0.0.1 (bench/canned.py) after the "
        f"same {delay}; process wall time is the child from spawn to exit, timed by the "
        "parent; each run's calls and letter checked.",
        "docgen's figures include its logging and metrics (one Powertools JSON line per letter "
        "that carries its EMF count, written to /dev/null as Lambda would write it to "
        "CloudWatch).",
    ]


def botocore_data_note() -> str:
    """Which botocore data docgen's session reads here: its cut-down copy, or botocore's own."""
    from chalicelib.adapters.botocore_data import DATA_DIR, data_loader

    where = DATA_DIR.relative_to(measure.PROJECT_DIR)
    if data_loader() is not None:
        return (
            f"botocore data: docgen reads its cut-down copy ({where}, made by make from the "
            "installed botocore and boto3); the baseline reads botocore's own."
        )
    return (
        f"botocore data: no cut-down copy fits the installed botocore ({where}: run "
        "python -m tools.botocore_data), so docgen reads botocore's own, as the baseline does."
    )


def build_rows(
    calls: dict[str, list[str]],
    warm: dict[str, list[float]],
    cold: dict[str, dict[str, ColdRuns]],
) -> list[Row]:
    """The goal rows: AWS calls, warm letters and every cold arm, docgen against the baseline.

    ``cold`` maps an arm (``import``, ``letter``, ``loopback``, ``bare``) to its runs.
    """
    docgen_calls, baseline_calls = len(calls["docgen"]), len(calls["baseline"])

    def cold_row(metric: str, arm: str, max_ratio: float | None, wall: bool = False) -> Row:
        docgen, baseline = cold[arm]["docgen"], cold[arm]["baseline"]
        if wall:
            return samples_row(metric, docgen.wall, baseline.wall, max_ratio)
        return samples_row(metric, docgen.seconds, baseline.seconds, max_ratio)

    return [
        Row(
            "AWS calls per letter",
            str(docgen_calls),
            str(baseline_calls),
            docgen_calls / baseline_calls,
            f"docgen = {DOCGEN_CALLS}",
            docgen_calls == DOCGEN_CALLS,
        ),
        samples_row("warm letter, median", warm["docgen"], warm["baseline"], 0.70),
        ratio_row(
            "warm letter, p95", measure.p95(warm["docgen"]), measure.p95(warm["baseline"]), None
        ),
        cold_row("cold import", "import", 0.20),
        cold_row("cold first letter", "letter", 0.70),
        cold_row("cold first letter, loopback HTTP to moto's server", "loopback", 0.70),
        cold_row("true cold first letter, import to answer", "bare", None),
        cold_row("true cold first letter, process wall time", "bare", None, wall=True),
    ]


def format_rows(
    by_format: dict[str, list[float]], cold_pdf: ColdRuns, cold_txt: ColdRuns
) -> list[Row]:
    """HTML and PDF against docgen's own txt, warm and cold."""
    rows = [
        samples_row(
            f"warm letter as {fmt}, median (baseline: docgen txt)",
            by_format[fmt],
            by_format["txt"],
            None,
        )
        for fmt in FORMATS
        if fmt != "txt"
    ]
    rows.append(
        samples_row(
            "cold first letter as pdf (baseline: docgen txt)",
            cold_pdf.seconds,
            cold_txt.seconds,
            None,
        )
    )
    return rows


def loaded_rows(
    at_import: set[str], at_first_letter: set[str], at_first_pdf: set[str]
) -> list[Row]:
    """What docgen's cold runs loaded: logging on for the first letter, nothing heavy before,
    and no Markdown parser for a text template's letter, as txt or as PDF."""
    checks = [
        ("cold import loads Powertools", "aws_lambda_powertools" in at_import, False),
        ("cold first letter logs via Powertools", "aws_lambda_powertools" in at_first_letter, True),
        ("cold txt letter imports ReportLab", "reportlab" in at_first_letter, False),
        ("cold txt letter imports Jinja2", "jinja2" in at_first_letter, False),
        ("cold txt letter imports Babel", "babel" in at_first_letter, False),
        ("cold txt letter imports markdown-it", "markdown_it" in at_first_letter, False),
        ("cold text-template pdf imports markdown-it", "markdown_it" in at_first_pdf, False),
    ]
    return [
        Row(metric, "yes" if seen else "no", "-", None, "yes" if goal else "no", seen == goal)
        for metric, seen, goal in checks
    ]


def import_row() -> Row:
    """Import time in a fresh interpreter (``bench.importing``), as rows per second."""
    figures = children.figures(["-m", "bench.importing"], timeout=300)
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
    progress("done")
    print(markdown_table(rows) if args.markdown else text_table(rows))
    print()
    bullet = "- " if args.markdown else ""
    print("\n".join(bullet + line for line in notes(args, calls)))
    return exit_code(rows)


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
    measure.compile_project()
    progress(f"cold import: {args.cold + 1} fresh interpreters each")
    cold = {"import": measure.cold_samples(list(TARGETS), "import", args.cold)}
    progress(f"cold first letter: {args.cold + 1} fresh interpreters each")
    cold["letter"] = measure.cold_samples(list(TARGETS), "letter", args.cold)
    progress(f"cold first PDF letter: {args.cold + 1} fresh interpreters")
    cold_pdf = measure.cold_samples(["docgen"], "pdf", args.cold)["docgen"]
    progress(f"cold first letter over loopback HTTP: {args.cold + 1} interpreters each")
    cold["loopback"] = measure.loopback_letters(args.cold)
    progress(f"true cold first letter, canned HTTP: {args.cold + 1} interpreters each")
    cold["bare"] = measure.bare_letters(args.cold, calls)
    progress(f"formats: {args.warm} docgen letters each as {', '.join(FORMATS)}")
    by_format = measure.format_latency(handlers["docgen"], list(FORMATS), args.warm, WARMUP_RUNS)

    progress("render time: typical and large templates, naive Jinja2 and the previous sandbox")
    rows = build_rows(calls, warm, cold)
    rows += loaded_rows(
        cold["import"]["docgen"].loaded, cold["letter"]["docgen"].loaded, cold_pdf.loaded
    )
    rows += format_rows(by_format, cold_pdf, cold["letter"]["docgen"])
    rows += [
        samples_row(metric, ours, baseline, None)
        for metric, (ours, baseline) in render.render_times().items()
    ]
    progress("hostile templates: CPU time and memory of the corpus's worst cases")
    rows += [
        Row(
            f"hostile template: {case}",
            f"{cpu * 1000:.0f} ms CPU, {peak:.1f} MiB",
            "-",
            None,
            "a 422 within 1 s of CPU and 64 MiB",
            None,
        )
        for case, cpu, peak in render.hostile_worst()
    ]
    progress("PDF layout: a long letter against naive platypus, Markdown against text")
    rows += [
        samples_row(metric, ours, naive, None) for metric, (ours, naive) in pdf.pdf_times().items()
    ]
    progress("letter frames: letterhead against plain, the first CJK PDF, sizes")
    rows += frames.rows()
    progress("import throughput: tools.importer and a PutItem loop against moto's server")
    rows.append(import_row())
    progress("batches: letter workers on the in-memory twins, against a client loop")
    rows += batches.rows()
    progress("merged outputs: a 1,000-letter ZIP and PDF, against the naive way to make each")
    rows += outputs.rows()
    return rows, calls


if __name__ == "__main__":
    sys.exit(main())
