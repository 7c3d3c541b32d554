"""Property-based: whatever a client sends, the answer is never a 5xx.

Hypothesis generates identifiers, bodies and templates; every answer must
be a documented 2xx or 4xx, and a 4xx never writes.
"""

import json
import string

from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import AWS, JSON
from tests.template_grammar import statements

FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples every run, so a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
path_segments = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), min_size=1, max_size=70
) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", fullmatch=True)
template_texts = st.text(
    alphabet=string.ascii_letters + string.digits + " {}%#|.()[]'\"_*\n-+~", max_size=80
)


def quoted(segment: str) -> str:
    from urllib.parse import quote

    return quote(segment, safe="")


@FAST
@given(customer_id=path_segments, doc_type=path_segments)
def test_generate_never_5xx(client: Client, aws: AWS, customer_id: str, doc_type: str) -> None:
    response = client.http.post(f"/customers/{quoted(customer_id)}/documents/{quoted(doc_type)}")

    assert response.status_code in (201, 400, 404, 422), response.body


@FAST
@given(payload=json_values)
def test_customer_put_never_5xx(client: Client, aws: AWS, payload: object) -> None:
    before = aws.dynamodb.scan(TableName="docgen-dev")["Count"]

    response = client.http.put("/customers/prop", headers=JSON, body=json.dumps(payload))

    assert response.status_code in (200, 201, 400), response.body
    if response.status_code == 400:
        assert aws.dynamodb.scan(TableName="docgen-dev")["Count"] == before


@FAST
@given(
    name=st.text(min_size=1, max_size=200),
    attributes=st.dictionaries(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
        st.none() | st.booleans() | st.integers(-(10**15), 10**15) | st.text(max_size=50),
        max_size=5,
    ),
)
def test_valid_customers_round_trip(client: Client, aws: AWS, name: str, attributes: dict) -> None:
    payload = {"name": name, "attributes": attributes}

    response = client.http.put("/customers/prop", headers=JSON, body=json.dumps(payload))

    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name):
        assert response.status_code == 400
        return
    assert response.status_code in (200, 201), response.body
    read = json.loads(client.http.get("/customers/prop").body)
    assert (read["name"], read["attributes"]) == (name, attributes)


@FAST
@given(text=template_texts, greeting=st.none() | template_texts)
def test_templates_never_5xx(client: Client, aws: AWS, text: str, greeting: str | None) -> None:
    payload = {"text": text} | ({} if greeting is None else {"greeting": greeting})

    stored = client.http.put("/templates/Prop", headers=JSON, body=json.dumps(payload))
    generated = client.http.post("/customers/TestCustomer/documents/Prop")
    preview = client.http.post(
        "/templates/Prop/preview",
        headers=JSON,
        body=json.dumps({"customerId": "TestCustomer"}),
    )

    assert stored.status_code in (200, 201, 400), stored.body
    assert generated.status_code in (201, 404, 422), generated.body
    assert preview.status_code in (200, 404, 422), preview.body
    if generated.status_code == 201:
        letter = aws.s3.get_object(Bucket="docgen-dev-documents", Key="TestCustomer/Prop.txt")
        assert letter["Body"].read().decode() == json.loads(preview.body)["text"]


@FAST
@given(text=statements)
def test_templates_from_the_grammar_are_stored_and_never_5xx(
    client: Client, aws: AWS, text: str
) -> None:
    """Random characters are mostly syntax errors; the subset's grammar reaches the renderer."""
    stored = client.http.put("/templates/Grammar", headers=JSON, body=json.dumps({"text": text}))
    generated = client.http.post("/customers/TestCustomer/documents/Grammar")

    assert stored.status_code in (200, 201), stored.body
    assert generated.status_code in (201, 422), generated.body
    if generated.status_code == 422:
        assert json.loads(generated.body)["Message"].startswith(
            "template Grammar cannot be rendered: line "
        )
