"""POST /templates/{docType}/preview with an unsaved ``template``: what the console's editor
shows as its user types, checked as storing it would be, and never written anywhere."""

import json

import pytest
from chalice.test import Client

from tests.support import AWS, JSON, body, error

DRAFT = {"greeting": "Hi {{ name }},", "text": "Your plan: {{ attributes.plan | default('none') }}"}


def preview(client: Client, doc_type: str, payload: dict):
    return client.http.post(
        f"/templates/{doc_type}/preview", headers=JSON, body=json.dumps(payload)
    )


def test_a_draft_renders_for_a_stored_customer_with_its_variables(client: Client, aws: AWS) -> None:
    response = preview(client, "Welcome", {"customerId": "TestCustomer", "template": DRAFT})

    assert response.status_code == 200
    assert body(response) == {
        "text": "Hi Testing Customer,\nYour plan: none",
        "variables": ["attributes.plan", "name"],
    }
    assert aws.objects() == {}
    assert not {"PutItem", "PutObject"} & set(aws.calls)


def test_a_draft_needs_no_stored_template(client: Client, aws: AWS) -> None:
    response = preview(
        client, "NotYet", {"customer": {"name": "Zoë"}, "template": {"text": "{{ docType }}"}}
    )

    assert response.status_code == 200
    assert body(response) == {"text": "Dear Zoë;\nNotYet", "variables": ["docType", "name"]}


@pytest.mark.parametrize(
    ("draft", "status", "expected"),
    [
        (
            {"text": "one\n{% if name %}\nthree"},
            400,
            error(
                "BadRequestError",
                "text, line 2: syntax error: Unexpected end of template. Jinja was looking "
                "for the following tags: 'elif' or 'else' or 'endif'. The innermost block "
                "that needs to be closed is 'if'.",
            ),
        ),
        (
            {"text": "one\n{{ attributes.plan }}"},
            422,
            error(
                "UnprocessableEntityError",
                "template Welcome cannot be rendered: line 2: attributes.plan is undefined",
            ),
        ),
        (
            {"greeting": "{{ name() }}", "text": ""},
            400,
            error(
                "BadRequestError",
                "greeting, line 1: the only function a template may call is range()",
            ),
        ),
    ],
)
def test_a_draft_is_refused_as_storing_it_would_be(
    client: Client, aws: AWS, draft: dict, status: int, expected: dict
) -> None:
    response = preview(client, "Welcome", {"customerId": "TestCustomer", "template": draft})

    assert response.status_code == status
    assert body(response) == expected


def test_a_draft_and_a_pinned_version_together_are_400(client: Client, aws: AWS) -> None:
    payload = {"customerId": "TestCustomer", "template": {"text": "x"}, "templateVersion": 1}

    response = preview(client, "Welcome", payload)

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError", "body must not have both template and templateVersion"
    )


def test_a_draft_for_a_missing_customer_is_404(client: Client, aws: AWS) -> None:
    response = preview(client, "Welcome", {"customerId": "nobody", "template": {"text": "x"}})

    assert response.status_code == 404
    assert body(response) == error("NotFoundError", "customer nobody does not exist")
