"""Render time: docgen's sandboxed, bounded, cached rendering against naive Jinja2.

The naive baseline is what a first version would write: ``jinja2.Template(text)``
compiled on every letter, no sandbox, no limits. docgen pays for its sandbox
and its output accounting, and saves the compile on a warm container.
"""

from collections.abc import Callable

from bench.measure import timings
from chalicelib.domain.letters import render_letter
from chalicelib.domain.records import Customer, Template
from chalicelib.domain.rendering import _compile

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
RUNS = 50


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


def render_times() -> dict[str, tuple[list[float], list[float]]]:
    """``metric -> (docgen seconds, naive seconds)`` per run; both must give the same letter."""
    results = {}
    for label, template in (("typical", TYPICAL), ("large", LARGE)):
        ours, naive = (lambda t=template: render_letter(CUSTOMER, t)), _naive(template)
        if ours() != naive():
            raise SystemExit(f"bench: docgen and naive Jinja2 disagree on the {label} template")
        _compile.cache_clear()
        first = timings(ours, 1)
        results[f"render {label} template ({len(template.text) // 1024 or 1} KiB), warm"] = (
            timings(ours, RUNS),
            timings(naive, RUNS),
        )
        results[f"render {label} template, first (compiles)"] = (first, timings(naive, 5))
    return results
