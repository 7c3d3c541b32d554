"""Render time: docgen's renderer against naive Jinja2 and against the sandbox it replaced.

The naive baseline is what a first version would write: ``jinja2.Template(text)``
compiled on every letter, no sandbox, no limits. The previous renderer is Jinja2's
sandbox with docgen's run-time checks (commit ``PREVIOUS``), taken from git into a
scratch folder and timed in a child process on the same templates. The hostile rows
run the worst cases of the template corpus and report their CPU time and memory.
"""

import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.measure import PROJECT_DIR, timings
from chalicelib.domain import rendering
from chalicelib.domain.errors import CannotRender
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template

PREVIOUS = "e0edf6f"
"""The last commit whose templates ran in Jinja2's sandbox (chalicelib/domain/rendering)."""
TODAY = date(2026, 12, 1)
CUSTOMER = Customer(
    "TestCustomer",
    "Testing Customer",
    {f"field{n}": f"value {n}" for n in range(10)} | {"plan": "Gold", "seats": 3},
)
TYPICAL = Template(
    "Renewal",
    "Your {{ attributes.plan }} plan for {{ attributes.seats }} seats renews soon.\n"
    "{% for key, value in attributes|dictsort %}- {{ key }}: {{ value }}\n{% endfor %}"
    "Regards,\nThe docgen team\n",
)
LARGE = Template(
    "Terms",
    (
        "Clause for {{ name }} ({{ customerId }}) on the {{ attributes.plan }} plan: "
        + "lorem ipsum dolor sit amet " * 6
        + "\n"
    )
    * 420,
)
HOSTILE = {
    "a loop of 'in' over a 1 MB text": "{% set big = 'a' * 1000000 %}"
    "{% for w in range(100000) %}{% if 'aaaab' in big %}{% endif %}{% endfor %}",
    "a loop of sorts of 100,000 items": "{% set l = range(100000)|list %}"
    "{% for w in range(100000) %}{% set x = l|sort %}{% endfor %}",
    "1 kB built 100,000 times": "{% for i in range(100000) %}{% set c = 'x' * 1000 %}{% endfor %}",
    "a shared list printed 100 times": "{% set a = [0] * 100000 %}{{ [a] * 100 }}",
}
RUNS = 50
_CHILD = """
import json, sys, time
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering import _compile
given = json.load(sys.stdin)
customer = Customer(**given["customer"])
render_letter(customer, Template("Warmup", "{{ name }}"))  # builds the sandbox once, as warm
results = {}
for label, (doc_type, text) in given["templates"].items():
    template = Template(doc_type, text)
    _compile.cache_clear()
    started = time.perf_counter()
    letter = render_letter(customer, template)
    first = time.perf_counter() - started
    warm = []
    for _ in range(given["runs"]):
        started = time.perf_counter()
        render_letter(customer, template)
        warm.append(time.perf_counter() - started)
    results[label] = {"letter": letter, "first": first, "warm": warm}
json.dump(results, sys.stdout)
"""


def _naive(template: Template) -> Callable[[], str]:
    import jinja2

    variables = {
        "name": CUSTOMER.name,
        "customerId": CUSTOMER.customer_id,
        "docType": template.doc_type,
        "attributes": dict(CUSTOMER.attributes),
    }

    def render() -> str:
        text = jinja2.Template(template.text, keep_trailing_newline=True).render(**variables)
        return f"Dear {CUSTOMER.name};\n{text}"

    return render


def _previous(templates: dict[str, Template]) -> dict[str, dict]:
    """Each template rendered by the previous renderer, from git, in a child process."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = subprocess.run(
            ["git", "archive", PREVIOUS, "chalicelib"],
            cwd=PROJECT_DIR,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", scratch], input=archive.stdout, check=True)
        given = {
            "customer": {
                "customer_id": CUSTOMER.customer_id,
                "name": CUSTOMER.name,
                "attributes": dict(CUSTOMER.attributes),
            },
            "templates": {label: (t.doc_type, t.text) for label, t in templates.items()},
            "runs": RUNS,
        }
        child = subprocess.run(
            [sys.executable, "-c", _CHILD],
            cwd=Path(scratch),
            input=json.dumps(given),
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
    return json.loads(child.stdout)


def render_times() -> dict[str, tuple[list[float], list[float]]]:
    """``metric -> (docgen seconds, baseline seconds)``: naive Jinja2, then the previous
    renderer; every renderer must give the same letter."""
    templates = {"typical": TYPICAL, "large": LARGE}
    previous = _previous(templates)
    results = {}
    for label, template in templates.items():
        ours, naive = (lambda t=template: render_letter(CUSTOMER, t, TODAY)), _naive(template)
        if not ours() == naive() == previous[label]["letter"]:
            raise SystemExit(f"bench: the renderers disagree on the {label} template")
        rendering._programs.clear()
        first = timings(ours, 1)
        size = f"{len(template.text) // 1024 or 1} KiB"
        warm = timings(ours, RUNS)
        results[f"render {label} template ({size}), warm (baseline: naive Jinja2)"] = (
            warm,
            timings(naive, RUNS),
        )
        results[f"render {label} template, warm (baseline: previous sandbox)"] = (
            warm,
            previous[label]["warm"],
        )
        results[f"render {label} template, first (compiles) (baseline: naive Jinja2)"] = (
            first,
            timings(naive, 5),
        )
        results[f"render {label} template, first (baseline: previous sandbox)"] = (
            first,
            [previous[label]["first"]],
        )
    return results


def hostile_worst() -> list[tuple[str, float, float]]:
    """``(case, CPU seconds, peak MiB)`` of each hostile case; each must end in a 422."""
    outcomes = []
    for case, text in HOSTILE.items():
        started = time.thread_time()
        _refused(text, case)
        cpu = time.thread_time() - started
        tracemalloc.start()  # a second run: tracemalloc slows every allocation
        try:
            _refused(text, case)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
        outcomes.append((case, cpu, peak))
    return outcomes


def _refused(text: str, case: str) -> None:
    try:
        render_letter(CUSTOMER, Template("Hostile", text), TODAY)
    except CannotRender:
        return
    raise SystemExit(f"bench: the hostile case {case!r} rendered")
