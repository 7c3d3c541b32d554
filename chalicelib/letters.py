"""The letter itself: customers, templates and how they become text.

Pure domain code: no boto3, no HTTP.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.rendering import RenderBudget, render


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0
    updated_at: str | None = None


@dataclass(frozen=True)
class Template:
    doc_type: str
    text: str
    greeting: str | None = None
    """``None`` means the default greeting; ``""`` means no greeting line."""
    description: str | None = None
    version: int = 0
    updated_at: str | None = None


def render_letter(customer: Customer, template: Template) -> str:
    """The rendered greeting, a newline, then the rendered text (Jinja2, sandboxed).

    The sample's items give ``Dear <name>;\\n<text>`` byte for byte. A
    template whose greeting is the empty string has no greeting line. The
    whole letter shares one output cap.
    """
    budget = RenderBudget()
    variables = {
        "name": customer.name,
        "customerId": customer.customer_id,
        "docType": template.doc_type,
        "attributes": dict(customer.attributes),
    }
    if template.greeting is None:
        # Exactly what the default greeting, Dear {{ name }};, renders to; no Jinja needed.
        greeting = f"Dear {customer.name};"
        budget.spend_bytes(greeting)
    else:
        greeting = render(
            template.greeting, variables, budget, f"the greeting of template {template.doc_type}"
        )
    text = render(template.text, variables, budget, f"template {template.doc_type}")
    if not greeting:
        return text
    budget.spend_bytes("\n")
    return f"{greeting}\n{text}"
