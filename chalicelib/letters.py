"""The letter itself: customers, templates and how they become text.

Pure domain code: no boto3, no HTTP.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    version: int = 0


@dataclass(frozen=True)
class Template:
    doc_type: str
    text: str
    greeting: str | None = None
    """``None`` means the default greeting; ``""`` means no greeting line."""
    version: int = 0


def render_letter(customer: Customer, template: Template) -> str:
    """The greeting line, a newline, then the template text, byte for byte.

    The sample's items give ``Dear <name>;\\n<text>``. A template whose
    greeting is the empty string has no greeting line at all.
    """
    greeting = f"Dear {customer.name};" if template.greeting is None else template.greeting
    if not greeting:
        return template.text
    return f"{greeting}\n{template.text}"
