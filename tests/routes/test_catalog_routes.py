"""Customers and templates over HTTP: every status code, exact bodies, ETags, pages."""

import json

import pytest
from chalice.test import Client

from tests.support import AWS, JSON, STAMP, TABLE, body, error


def put(client: Client, path: str, body: object, **headers: str):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.http.put(path, headers=JSON | headers, body=raw)


def stored(aws: AWS, key: str) -> dict | None:
    return aws.dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": key}}).get("Item")


# Customers ----------------------------------------------------------------------


def test_create_then_replace_a_customer(client: Client, aws: AWS) -> None:
    created = put(client, "/customers/ann", {"name": "Ann", "attributes": {"plan": "Gold", "n": 3}})

    assert created.status_code == 201
    assert created.headers["ETag"] == '"1"'
    assert body(created) == {
        "customerId": "ann",
        "name": "Ann",
        "attributes": {"plan": "Gold", "n": 3},
        "address": None,
        "version": 1,
        "updatedAt": STAMP,
    }
    assert stored(aws, "C#ann") == {
        "PK": {"S": "C#ann"},
        "data": {"S": "Ann"},
        "attributes": {"M": {"plan": {"S": "Gold"}, "n": {"N": "3"}}},
        "version": {"N": "1"},
        "updatedAt": {"S": STAMP},
    }

    replaced = put(client, "/customers/ann", {"name": "Ann B"}, **{"If-Match": '"1"'})

    assert replaced.status_code == 200
    assert replaced.headers["ETag"] == '"2"'
    assert body(replaced)["attributes"] == {}
    assert "attributes" not in stored(aws, "C#ann")  # a PUT replaces the whole customer


def test_get_customer(client: Client, aws: AWS) -> None:
    response = client.http.get("/customers/TestCustomer")

    assert response.status_code == 200
    assert response.headers["ETag"] == '"0"'  # written the sample's way: version 0
    assert body(response) == {
        "customerId": "TestCustomer",
        "name": "Testing Customer",
        "attributes": {},
        "address": None,
        "version": 0,
        "updatedAt": None,
    }


def test_sample_item_accepts_if_match_zero(client: Client, aws: AWS) -> None:
    response = put(client, "/customers/TestCustomer", {"name": "T"}, **{"If-Match": '"0"'})

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'


def test_stale_if_match_is_412_and_changes_nothing(client: Client, aws: AWS) -> None:
    put(client, "/customers/ann", {"name": "Ann"})
    put(client, "/customers/ann", {"name": "Ann B"})
    before = stored(aws, "C#ann")

    response = put(client, "/customers/ann", {"name": "Ann C"}, **{"If-Match": '"1"'})

    assert response.status_code == 412
    assert body(response) == error(
        "PreconditionFailedError",
        "customer ann is at version 2, not 1: read it again and retry with its ETag",
    )
    assert stored(aws, "C#ann") == before


def test_if_match_on_a_missing_customer_is_412(client: Client, aws: AWS) -> None:
    response = put(client, "/customers/nobody", {"name": "N"}, **{"If-Match": "*"})

    assert response.status_code == 412
    assert body(response) == error(
        "PreconditionFailedError", "customer nobody does not exist, so If-Match cannot hold"
    )
    assert stored(aws, "C#nobody") is None


@pytest.mark.parametrize("if_match", ["1", 'W/"1"', '"1", "2"', '"abc"', ""])
def test_malformed_if_match_is_400(client: Client, aws: AWS, if_match: str) -> None:
    response = put(client, "/customers/ann", {"name": "Ann"}, **{"If-Match": if_match})

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError", 'If-Match must be one ETag as given by this API, such as "3", or *'
    )
    assert stored(aws, "C#ann") is None


def test_missing_customer_is_404(client: Client, aws: AWS) -> None:
    response = client.http.get("/customers/nobody")

    assert response.status_code == 404
    assert body(response) == error("NotFoundError", "customer nobody does not exist")


def test_delete_customer(client: Client, aws: AWS) -> None:
    response = client.http.delete("/customers/TestCustomer", headers={"If-Match": '"0"'})

    assert response.status_code == 204
    assert response.body == b""
    assert stored(aws, "C#TestCustomer") is None
    again = client.http.delete("/customers/TestCustomer")
    assert again.status_code == 404
    assert body(again) == error("NotFoundError", "customer TestCustomer does not exist")


def test_delete_with_stale_if_match_is_412(client: Client, aws: AWS) -> None:
    response = client.http.delete("/customers/TestCustomer", headers={"If-Match": '"4"'})

    assert response.status_code == 412
    assert body(response) == error(
        "PreconditionFailedError",
        "customer TestCustomer is at version 0, not 4: read it again and retry with its ETag",
    )
    assert stored(aws, "C#TestCustomer") is not None


def test_deleting_a_customer_keeps_their_documents(client: Client, aws: AWS) -> None:
    client.http.post("/customers/TestCustomer/documents/Welcome")

    client.http.delete("/customers/TestCustomer")

    assert list(aws.objects()) == ["TestCustomer/Welcome.txt"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "body must contain ['name'] properties"),
        ([], "body must be object"),
        ({"name": ""}, "name must be longer than or equal to 1 characters"),
        ({"name": "x" * 201}, "name must be shorter than or equal to 200 characters"),
        ({"name": "a\nb"}, "name must not contain control characters"),
        ({"name": 5}, "name must be string"),
        ({"name": "A", "extra": 1}, "body must not contain {'extra'} properties"),
        (
            {"name": "A", "attributes": {"1st": "x"}},
            "attributes must have names of letters, digits and '_' (not starting with a "
            "digit), at most 64 characters",
        ),
        (
            {"name": "A", "attributes": {"k": {"nested": 1}}},
            "attributes.k must be string or number or boolean or null",
        ),
        (
            {"name": "A", "attributes": {"k": "x" * 2001}},
            "attributes.k must be shorter than or equal to 2000 characters",
        ),
        (
            {"name": "A", "attributes": {f"k{i}": i for i in range(51)}},
            "attributes must contain less than or equal to 50 properties",
        ),
    ],
)
def test_bad_customer_body_is_400(client: Client, aws: AWS, payload: object, message: str) -> None:
    response = put(client, "/customers/ann", payload)

    assert response.status_code == 400
    assert body(response) == error("BadRequestError", message)
    assert stored(aws, "C#ann") is None


@pytest.mark.parametrize("raw", ["{bad", "", "NaN", '{"name": Infinity}', "[" * 100_000])
def test_malformed_json_is_400(client: Client, aws: AWS, raw: str) -> None:
    response = put(client, "/customers/ann", raw)

    assert response.status_code == 400
    assert body(response) == error("BadRequestError", "the body is not valid JSON")


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "a\\ud800b"}',
        '{"name": "A", "attributes": {"\\udfff": 1}}',
        b'{"name": "\xed\xa0\x80"}',
    ],
)
def test_unpaired_surrogates_are_400(client: Client, aws: AWS, raw: str | bytes) -> None:
    response = put(client, "/customers/ann", raw)

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError",
        "the body contains an unpaired surrogate (\\ud800 to \\udfff): text must be valid Unicode",
    )
    assert stored(aws, "C#ann") is None


def test_body_over_256_kib_is_413(client: Client, aws: AWS) -> None:
    response = put(client, "/customers/ann", {"name": "A", "pad": "x" * 262_144})

    assert response.status_code == 413
    assert body(response) == error(
        "PayloadTooLargeError", "the body is 262168 bytes; at most 262144 are accepted"
    )


def test_non_json_content_type_is_415(client: Client, aws: AWS) -> None:
    response = client.http.put(
        "/customers/ann", headers={"Content-Type": "text/plain"}, body='{"name": "A"}'
    )

    assert response.status_code == 415
    assert body(response) == error("UnsupportedMediaType", "Unsupported media type: text/plain")
    assert stored(aws, "C#ann") is None


def test_bad_customer_id_is_400_before_any_aws_call(client: Client, aws: AWS) -> None:
    responses = [
        put(client, "/customers/..", {"name": "A"}),
        client.http.get("/customers/a%20b"),
        client.http.delete("/customers/.x"),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert aws.calls == []


# Lists --------------------------------------------------------------------------


def test_customers_list_in_pages_without_templates(client: Client, aws: AWS) -> None:
    for index in range(5):
        put(client, f"/customers/c{index}", {"name": f"C {index}"})

    seen, token, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&next={token}" if token else "")
        page = body(client.http.get(f"/customers{query}"))
        seen += [item["customerId"] for item in page["items"]]
        pages += 1
        token = page["next"]
        if token is None:
            break

    assert sorted(seen) == ["TestCustomer", "c0", "c1", "c2", "c3", "c4"]
    assert pages in (3, 4)  # a page may come back full with nothing after it


def test_list_items_are_summaries(client: Client, aws: AWS) -> None:
    put(client, "/customers/ann", {"name": "Ann", "attributes": {"plan": "Gold"}})

    listed = body(client.http.get("/customers?limit=100"))["items"]

    assert {"customerId": "ann", "name": "Ann", "version": 1, "updatedAt": STAMP} in listed


def test_templates_list_without_customers(client: Client, aws: AWS) -> None:
    page = body(client.http.get("/templates"))

    assert page == {
        "items": [{"docType": "Welcome", "description": None, "version": 0, "updatedAt": None}],
        "next": None,
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit must be a whole number from 1 to 100"),
        ("limit=101", "limit must be a whole number from 1 to 100"),
        ("limit=x", "limit must be a whole number from 1 to 100"),
        ("next=garbage", "next must be a token from this list's previous page"),
        # a customers token does not work on templates
        (
            "next=eyJhZnRlciI6ICJDI1Rlc3RDdXN0b21lciJ9",
            "next must be a token from this list's previous page",
        ),
    ],
)
def test_bad_paging_is_400(client: Client, aws: AWS, query: str, message: str) -> None:
    response = client.http.get(f"/templates?{query}")

    assert response.status_code == 400
    assert body(response) == error("BadRequestError", message)
    assert aws.calls == []


# Templates and preview ---------------------------------------------------------


def test_create_template(client: Client, aws: AWS) -> None:
    payload = {"text": "Plan {{ attributes.plan }}\n", "greeting": "", "description": "Renewal"}

    response = put(client, "/templates/Renewal", payload)

    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    assert body(response) == {
        "docType": "Renewal",
        **payload,
        "locale": None,
        "markup": None,
        "pageSize": None,
        "letterhead": None,
        "version": 1,
        "updatedAt": STAMP,
        "variables": ["attributes.plan"],
    }
    assert body(client.http.get("/templates/Renewal")) == body(response)


def test_a_templates_locale_is_kept_as_given(client: Client, aws: AWS) -> None:
    response = put(client, "/templates/Rechnung", {"text": "Hallo", "locale": "de-DE"})

    assert response.status_code == 201
    assert body(response) == {
        "docType": "Rechnung",
        "text": "Hallo",
        "greeting": None,
        "description": None,
        "locale": "de-DE",
        "markup": None,
        "pageSize": None,
        "letterhead": None,
        "version": 1,
        "updatedAt": STAMP,
        "variables": ["name"],  # the default greeting's
    }
    assert body(client.http.get("/templates/Rechnung")) == body(response)
    assert stored(aws, "D#Rechnung")["locale"] == {"S": "de-DE"}

    replaced = put(client, "/templates/Rechnung", {"text": "Hallo"})

    assert body(replaced)["locale"] is None  # a PUT replaces the whole template
    assert "locale" not in stored(aws, "D#Rechnung")


def test_an_address_is_kept_and_its_lines_are_checked(client: Client, aws: AWS) -> None:
    lines = ["Musterstraße 1", "10115 Berlin", "山田太郎様"]

    created = put(client, "/customers/ann", {"name": "Ann", "address": lines})

    assert body(created)["address"] == lines
    assert body(client.http.get("/customers/ann"))["address"] == lines
    assert stored(aws, "C#ann")["address"] == {"L": [{"S": line} for line in lines]}
    for bad in (["x"] * 7, ["x" * 61], [""], ["a\nb"], "one line"):
        refused = put(client, "/customers/ann", {"name": "Ann", "address": bad})
        assert refused.status_code == 400, bad


def test_markup_and_page_size_are_kept_and_only_known_values_taken(
    client: Client, aws: AWS
) -> None:
    created = put(
        client, "/templates/Memo", {"text": "# Hi", "markup": "markdown", "pageSize": "Letter"}
    )

    assert (body(created)["markup"], body(created)["pageSize"]) == ("markdown", "Letter")
    assert stored(aws, "D#Memo")["pageSize"] == {"S": "Letter"}
    for bad in ({"markup": "html"}, {"pageSize": "A5"}, {"markup": None}):
        assert put(client, "/templates/Memo", {"text": "x", **bad}).status_code == 400, bad


UNKNOWN_LOCALE = "is not one docgen knows; use a BCP 47 tag such as de-DE"


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("xx-YY", f"locale 'xx-YY' {UNKNOWN_LOCALE}"),
        ("de_DE.UTF-8", f"locale 'de_DE.UTF-8' {UNKNOWN_LOCALE}"),
        ("", f"locale '' {UNKNOWN_LOCALE}"),
        ("de\nDE", f"locale 'de\\nDE' {UNKNOWN_LOCALE}"),
        ("a" * 36, "locale must be shorter than or equal to 35 characters"),
        (5, "locale must be string"),
        (None, "locale must be string"),
    ],
)
def test_a_locale_babel_does_not_know_is_400(
    client: Client, aws: AWS, locale: object, message: str
) -> None:
    response = put(client, "/templates/Rechnung", {"text": "Hallo", "locale": locale})

    assert response.status_code == 400
    assert body(response) == error("BadRequestError", message)
    assert stored(aws, "D#Rechnung") is None


def test_template_syntax_error_is_400_that_names_the_line(client: Client, aws: AWS) -> None:
    response = put(client, "/templates/Broken", {"text": "fine\n{% for x in %}\n"})

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError",
        "text, line 2: syntax error: Expected an expression, got 'end of statement block'",
    )
    assert stored(aws, "D#Broken") is None


def test_template_text_over_100_kib_is_400(client: Client, aws: AWS) -> None:
    response = put(client, "/templates/Big", {"text": "x" * (100 * 1024 + 1)})

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError", "text must be shorter than or equal to 102400 characters"
    )


def test_delete_template_keeps_documents(client: Client, aws: AWS) -> None:
    client.http.post("/customers/TestCustomer/documents/Welcome")

    response = client.http.delete("/templates/Welcome")

    assert response.status_code == 204
    assert stored(aws, "D#Welcome") is None
    assert list(aws.objects()) == ["TestCustomer/Welcome.txt"]


def test_preview_equals_what_generate_writes(client: Client, aws: AWS) -> None:
    put(client, "/customers/ann", {"name": "Ann", "attributes": {"plan": "Gold"}})
    put(client, "/templates/Renewal", {"text": "{{ attributes.plan }} for {{ customerId }}\n"})

    preview = client.http.post(
        "/templates/Renewal/preview", headers=JSON, body=json.dumps({"customerId": "ann"})
    )
    client.http.post("/customers/ann/documents/Renewal")

    assert preview.status_code == 200
    assert body(preview) == {"text": "Dear Ann;\nGold for ann\n"}
    assert aws.objects()["ann/Renewal.txt"] == body(preview)["text"].encode()


def test_preview_with_an_inline_customer_writes_nothing(client: Client, aws: AWS) -> None:
    response = client.http.post(
        "/templates/Welcome/preview",
        headers=JSON,
        body=json.dumps({"customer": {"name": "Zoë", "attributes": {}}}),
    )

    assert response.status_code == 200
    assert body(response) == {"text": "Dear Zoë;\n\nHello and Welcome!\n"}
    assert aws.objects() == {}
    assert "PutObject" not in aws.calls


@pytest.mark.parametrize(
    ("path", "payload", "status", "expected"),
    [
        (
            "/templates/Welcome/preview",
            {"customerId": "nobody"},
            404,
            error("NotFoundError", "customer nobody does not exist"),
        ),
        (
            "/templates/Nope/preview",
            {"customer": {"name": "A"}},
            404,
            error("NotFoundError", "template Nope does not exist"),
        ),
        (
            "/templates/Welcome/preview",
            {"customerId": "ann", "customer": {"name": "A"}},
            400,
            error("BadRequestError", "body must have exactly one of customerId and customer"),
        ),
        (
            "/templates/Welcome/preview",
            {"customer": {"name": "a\u0000"}},
            400,
            error("BadRequestError", "customer.name must not contain control characters"),
        ),
    ],
)
def test_preview_errors(
    client: Client, aws: AWS, path: str, payload: dict, status: int, expected: dict
) -> None:
    response = client.http.post(path, headers=JSON, body=json.dumps(payload))

    assert response.status_code == status
    assert body(response) == expected


def test_preview_of_an_unrenderable_template_is_422(client: Client, aws: AWS) -> None:
    put(client, "/templates/Strict", {"text": "{{ attributes.plan }}"})

    response = client.http.post(
        "/templates/Strict/preview", headers=JSON, body=json.dumps({"customer": {"name": "A"}})
    )

    assert response.status_code == 422
    assert body(response) == error(
        "UnprocessableEntityError",
        "template Strict cannot be rendered: line 1: attributes.plan is undefined",
    )


@pytest.mark.parametrize(
    "raw_number", ["1e400", "-1e400", "1e-200", "123456789012345678901234567890123456789"]
)
def test_numbers_dynamodb_cannot_store_are_400(client: Client, aws: AWS, raw_number: str) -> None:
    raw = '{"name": "A", "attributes": {"n": ' + raw_number + "}}"

    response = put(client, "/customers/ann", raw)

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError",
        f"the number {raw_number} cannot be stored: numbers may have at most 38 significant "
        "digits and be 0 or between 1e-130 and 1e126 in size",
    )
    assert stored(aws, "C#ann") is None


def test_deeply_nested_template_is_400_not_500(client: Client, aws: AWS) -> None:
    text = "{{ " + "(" * 200 + "1" + ")" * 200 + " }}"

    response = put(client, "/templates/Deep", {"text": text})

    assert response.status_code == 400
    assert body(response) == error(
        "BadRequestError", "text, brackets may be nested at most 30 deep"
    )


def test_a_huge_whole_number_read_back_can_be_written_back(client: Client, aws: AWS) -> None:
    put(client, "/customers/ann", {"name": "Ann", "attributes": {"n": 1e40, "m": 12}})

    read = body(client.http.get("/customers/ann"))

    assert read["attributes"] == {"n": 1e40, "m": 12}  # 1E+40, not 41 digits the API refuses
    written = put(client, "/customers/ann", {k: read[k] for k in ("name", "attributes")})
    assert written.status_code == 200
