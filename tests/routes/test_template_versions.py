"""Template versions over HTTP: every PUT a version, listed and read by number, pinned in
generate and preview, readable after a delete; exact bodies, items and AWS calls."""

import json

import pytest
from chalice.test import Client

from chalicelib.services.letters import LetterService
from tests.faults import THROTTLED, inject, not_carried_out
from tests.support import AWS, BUCKET, JSON, STAMP, TABLE, body, error, unavailable
from tools.stack import SAMPLE_LETTER

RENEWAL = "/templates/Renewal"
VERSIONS = "/templates/Renewal/versions"
TEXTS = ("One {{ name }}.\n", "Two {{ name }}.\n", "Three {{ name }}.\n")


def put(client: Client, path: str, payload: object, **headers: str):
    return client.http.put(path, headers=JSON | headers, body=json.dumps(payload))


def preview(client: Client, path: str, payload: object):
    return client.http.post(f"{path}/preview", headers=JSON, body=json.dumps(payload))


def stored(aws: AWS, key: str) -> dict | None:
    return aws.dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": key}}).get("Item")


def keys(aws: AWS) -> list[str]:
    return sorted(item["PK"]["S"] for item in aws.dynamodb.scan(TableName=TABLE)["Items"])


def template(version: int, text: str, description: str | None = None) -> dict:
    """A template resource, as GET /templates/Renewal answers it."""
    return {
        "docType": "Renewal",
        "text": text,
        "greeting": None,
        "description": description,
        "locale": None,
        "markup": None,
        "pageSize": None,
        "letterhead": None,
        "version": version,
        "updatedAt": STAMP,
        "variables": ["name"],  # the default greeting's, and every text here reads it too
    }


@pytest.fixture
def three(client: Client, aws: AWS) -> list[dict]:
    """Renewal created, then replaced twice (versions 1, 2, 3); the calls forgotten."""
    answers = [
        put(client, RENEWAL, {"text": TEXTS[0], "description": "first"}),
        put(client, RENEWAL, {"text": TEXTS[1]}, **{"If-Match": '"1"'}),
        put(client, RENEWAL, {"text": TEXTS[2]}),
    ]
    assert [a.status_code for a in answers] == [201, 200, 200]
    aws.calls.clear()
    return [body(a) for a in answers]


def test_each_put_is_a_version_and_the_template_item_stays_as_it_was(
    client: Client, aws: AWS
) -> None:
    created = put(client, RENEWAL, {"text": TEXTS[0], "description": "first"})
    replaced = put(client, RENEWAL, {"text": TEXTS[1]}, **{"If-Match": '"1"'})

    assert (created.status_code, created.headers["ETag"]) == (201, '"1"')
    assert (replaced.status_code, replaced.headers["ETag"]) == (200, '"2"')
    assert body(replaced) == template(2, TEXTS[1])
    assert aws.calls == ["BatchGetItem", "TransactWriteItems"] * 2
    version = {"version": {"N": "2"}, "updatedAt": {"S": STAMP}}
    assert stored(aws, "D#Renewal") == {
        "PK": {"S": "D#Renewal"},
        "data": {"S": TEXTS[1]},
        **version,
    }
    assert stored(aws, "V#Renewal#2") == {
        "PK": {"S": "V#Renewal#2"},
        "data": {"S": TEXTS[1]},
        **version,
    }
    assert stored(aws, "V#Renewal#1") == {
        "PK": {"S": "V#Renewal#1"},
        "data": {"S": TEXTS[0]},
        "description": {"S": "first"},
        "version": {"N": "1"},
        "updatedAt": {"S": STAMP},
    }
    assert stored(aws, "V#Renewal") == {"PK": {"S": "V#Renewal"}, "latest": {"N": "2"}}


def test_versions_are_listed_newest_first_a_page_at_a_time(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    first = client.http.get(f"{VERSIONS}?limit=2")
    first_calls, aws.calls[:] = list(aws.calls), []
    rest = client.http.get(f"{VERSIONS}?limit=2&next={body(first)['next']}")

    assert first.status_code == 200
    assert body(first)["items"] == [
        {"version": 3, "updatedAt": STAMP, "description": None},
        {"version": 2, "updatedAt": STAMP, "description": None},
    ]
    assert body(first)["next"] is not None
    assert body(rest) == {
        "items": [{"version": 1, "updatedAt": STAMP, "description": "first"}],
        "next": None,
    }
    assert first_calls == ["BatchGetItem", "BatchGetItem"]  # the template and its head, a page
    assert aws.calls == ["BatchGetItem"]
    whole = body(client.http.get(VERSIONS))
    assert [item["version"] for item in whole["items"]] == [3, 2, 1]
    assert whole["next"] is None


def test_each_version_reads_back_as_the_template_it_was(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    for number, written in enumerate(three, start=1):
        response = client.http.get(f"{VERSIONS}/{number}")

        assert response.status_code == 200
        assert response.headers["ETag"] == f'"{number}"'
        assert body(response) == written
    assert body(client.http.get(f"{VERSIONS}/1")) == template(1, TEXTS[0], "first")
    assert aws.calls == ["BatchGetItem"] * 4


def test_a_pinned_letter_is_that_versions_bytes_and_says_which(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    response = client.http.post("/customers/TestCustomer/documents/Renewal?templateVersion=1")

    assert response.status_code == 201
    assert body(response)["templateVersion"] == 1
    assert response.headers["Location"] == "/customers/TestCustomer/documents/Renewal?format=txt"
    assert aws.objects() == {
        "TestCustomer/Renewal.txt": b"Dear Testing Customer;\nOne Testing Customer.\n"
    }
    head = aws.s3.head_object(Bucket=BUCKET, Key="TestCustomer/Renewal.txt")
    assert head["Metadata"]["template-version"] == "1"
    assert aws.calls == ["BatchGetItem", "PutObject"]  # one read for customer and version
    described = client.http.get("/customers/TestCustomer/documents/Renewal")
    assert body(described)["templateVersion"] == 1

    current = client.http.post("/customers/TestCustomer/documents/Renewal")

    assert body(current)["templateVersion"] == 3
    assert (
        aws.objects()["TestCustomer/Renewal.txt"]
        == b"Dear Testing Customer;\nThree Testing Customer.\n"
    )


def test_a_pinned_preview_renders_that_version(client: Client, aws: AWS, three: list[dict]) -> None:
    stored_customer = preview(client, RENEWAL, {"customerId": "TestCustomer", "templateVersion": 2})
    inline = preview(client, RENEWAL, {"customer": {"name": "Zoë"}, "templateVersion": 1})

    assert body(stored_customer) == {"text": "Dear Testing Customer;\nTwo Testing Customer.\n"}
    assert body(inline) == {"text": "Dear Zoë;\nOne Zoë.\n"}
    assert aws.calls == ["BatchGetItem", "BatchGetItem"]
    assert aws.objects() == {}


def test_a_pin_in_a_body_is_any_json_number_that_is_whole(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    for raw in ("2", "2.0", "2e0", "0.2e1"):
        payload = '{"customer": {"name": "Zoë"}, "templateVersion": ' + raw + "}"

        response = client.http.post(f"{RENEWAL}/preview", headers=JSON, body=payload)

        assert body(response) == {"text": "Dear Zoë;\nTwo Zoë.\n"}, raw


def test_an_unknown_version_is_a_404_that_names_it_and_writes_nothing(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    expected = error("NotFoundError", "template Renewal has no version 7")
    answers = [
        client.http.post("/customers/TestCustomer/documents/Renewal?templateVersion=7"),
        preview(client, RENEWAL, {"customerId": "TestCustomer", "templateVersion": 7}),
        preview(client, RENEWAL, {"customer": {"name": "Zoë"}, "templateVersion": 7}),
        client.http.get(f"{VERSIONS}/7"),
        client.http.get(f"{VERSIONS}/0"),  # created under versions: there is no version 0
    ]

    assert [a.status_code for a in answers] == [404] * 5
    assert [body(a) for a in answers[:4]] == [expected] * 4
    assert body(answers[4]) == error("NotFoundError", "template Renewal has no version 0")
    assert aws.calls == ["BatchGetItem"] * 5
    assert aws.objects() == {}
    missing_customer = client.http.post("/customers/nobody/documents/Renewal?templateVersion=7")
    assert body(missing_customer) == error("NotFoundError", "customer nobody does not exist")


def test_a_template_that_never_existed_has_no_versions(client: Client, aws: AWS) -> None:
    listed = client.http.get("/templates/Nope/versions")
    read = client.http.get("/templates/Nope/versions/1")

    assert (listed.status_code, body(listed)) == (
        404,
        error("NotFoundError", "template Nope does not exist"),
    )
    assert (read.status_code, body(read)) == (
        404,
        error("NotFoundError", "template Nope has no version 1"),
    )


@pytest.mark.parametrize(
    ("method", "path", "payload", "message"),
    [
        *(
            (
                "GET",
                f"{VERSIONS}/{number}",
                None,
                "version must be a whole number from 0 to 999999999999999, without leading zeros",
            )
            for number in ("01", "-1", "1.5", "x", "%C2%B9", "1000000000000000", "1e3")
        ),
        *(
            (
                "POST",
                f"/customers/TestCustomer/documents/Renewal?{query}",
                None,
                "templateVersion must be a whole number from 0 to 999999999999999, "
                "without leading zeros",
            )
            for query in ("templateVersion=x", "templateVersion=", "templateVersion=+1")
        ),
        (
            "POST",
            "/customers/TestCustomer/documents/Renewal?templateVersion=1&templateVersion=2",
            None,
            "the query parameter 'templateVersion' is given more than once",
        ),
        *(
            ("PREVIEW", RENEWAL, {"customerId": "TestCustomer", "templateVersion": value}, message)
            for value, message in (
                ("1", "templateVersion must be integer"),
                (1.5, "templateVersion must be integer"),
                (True, "templateVersion must be integer"),
                (-1, "templateVersion must be bigger than or equal to 0"),
                (10**15, "templateVersion must be smaller than or equal to 999999999999999"),
            )
        ),
        ("GET", "/templates/a%2Fb/versions/1", None, "docType must be 1 to 64 characters"),
        ("GET", f"{VERSIONS}?next=eyJhZnRlciI6ICJWI090aGVyIzMifQ", None, "next must be a token"),
        ("GET", f"{VERSIONS}?limit=0", None, "limit must be a whole number from 1 to 100"),
    ],
)
def test_a_bad_version_is_a_400_before_any_aws_call(
    client: Client, aws: AWS, method: str, path: str, payload: object, message: str
) -> None:
    if method == "PREVIEW":
        response = preview(client, path, payload)
    else:
        response = client.http.request(method, path)

    assert response.status_code == 400
    assert body(response)["Code"] == "BadRequestError"
    assert body(response)["Message"].startswith(message)
    assert aws.calls == []


def test_after_a_delete_the_versions_stay_and_only_a_pin_generates(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    deleted = client.http.delete(RENEWAL, headers={"If-Match": '"3"'})

    assert deleted.status_code == 204
    assert aws.calls == ["BatchGetItem", "DeleteItem"]  # every version already has its item
    assert stored(aws, "D#Renewal") is None
    assert client.http.get(RENEWAL).status_code == 404
    unpinned = client.http.post("/customers/TestCustomer/documents/Renewal")
    assert body(unpinned) == error("NotFoundError", "template Renewal does not exist")
    pinned = client.http.post("/customers/TestCustomer/documents/Renewal?templateVersion=3")
    assert (pinned.status_code, body(pinned)["templateVersion"]) == (201, 3)
    assert [v["version"] for v in body(client.http.get(VERSIONS))["items"]] == [3, 2, 1]
    assert body(client.http.get(f"{VERSIONS}/2")) == three[1]


def test_a_put_after_a_delete_continues_the_numbers(
    client: Client, aws: AWS, three: list[dict]
) -> None:
    client.http.delete(RENEWAL)

    again = put(client, RENEWAL, {"text": "Four.\n"})

    assert (again.status_code, again.headers["ETag"]) == (201, '"4"')
    assert body(again) == template(4, "Four.\n")
    assert [v["version"] for v in body(client.http.get(VERSIONS))["items"]] == [4, 3, 2, 1]
    assert body(client.http.get(f"{VERSIONS}/2")) == three[1]  # a pin to 2 still means it


def test_the_samples_template_is_version_0_and_stays_readable(client: Client, aws: AWS) -> None:
    sample = {
        "docType": "Welcome",
        "text": "\nHello and Welcome!\n",
        "greeting": None,
        "description": None,
        "locale": None,
        "markup": None,
        "pageSize": None,
        "letterhead": None,
        "version": 0,
        "updatedAt": None,
        "variables": ["name"],
    }
    listed = client.http.get("/templates/Welcome/versions")
    read = client.http.get("/templates/Welcome/versions/0")

    assert body(listed) == {
        "items": [{"version": 0, "updatedAt": None, "description": None}],
        "next": None,
    }
    assert (body(read), read.headers["ETag"]) == (sample, '"0"')
    assert stored(aws, "V#Welcome#0") is None  # read from the sample's own item

    replaced = put(client, "/templates/Welcome", {"text": "New.\n"}, **{"If-Match": '"0"'})

    assert replaced.status_code == 200
    assert stored(aws, "V#Welcome#0") == {
        "PK": {"S": "V#Welcome#0"},
        "data": {"S": "\nHello and Welcome!\n"},
        "version": {"N": "0"},
    }
    assert body(client.http.get("/templates/Welcome/versions/0")) == sample
    pinned = client.http.post("/customers/TestCustomer/documents/Welcome?templateVersion=0")
    assert body(pinned)["templateVersion"] == 0
    assert aws.objects() == {"TestCustomer/Welcome.txt": SAMPLE_LETTER.encode()}


def test_deleting_the_samples_template_keeps_it_as_version_0(client: Client, aws: AWS) -> None:
    response = client.http.delete("/templates/Welcome", headers={"If-Match": '"0"'})

    assert response.status_code == 204
    assert aws.calls == ["BatchGetItem", "TransactWriteItems"]
    assert keys(aws) == ["C#TestCustomer", "V#Welcome", "V#Welcome#0"]
    assert (
        body(client.http.get("/templates/Welcome/versions/0"))["text"] == "\nHello and Welcome!\n"
    )
    assert put(client, "/templates/Welcome", {"text": "Back.\n"}).headers["ETag"] == '"1"'


def test_if_match_still_guards_put_and_delete(client: Client, aws: AWS, three: list[dict]) -> None:
    before = {key: stored(aws, key) for key in keys(aws)}

    stale_put = put(client, RENEWAL, {"text": "Late.\n"}, **{"If-Match": '"2"'})
    stale_delete = client.http.delete(RENEWAL, headers={"If-Match": '"1"'})
    missing = put(client, "/templates/Nope", {"text": "x"}, **{"If-Match": "*"})

    message = "template Renewal is at version 3, not {}: read it again and retry with its ETag"
    assert (stale_put.status_code, body(stale_put)) == (
        412,
        error("PreconditionFailedError", message.format(2)),
    )
    assert body(stale_delete) == error("PreconditionFailedError", message.format(1))
    assert body(missing) == error(
        "PreconditionFailedError", "template Nope does not exist, so If-Match cannot hold"
    )
    assert aws.calls == ["BatchGetItem"] * 3  # refused on what was read: nothing written
    assert {key: stored(aws, key) for key in keys(aws)} == before


def test_versions_never_appear_in_lists(client: Client, aws: AWS, three: list[dict]) -> None:
    client.http.delete("/templates/Welcome")  # its version 0 kept

    templates = body(client.http.get("/templates?limit=100"))
    customers = body(client.http.get("/customers?limit=100"))

    assert templates == {
        "items": [{"docType": "Renewal", "description": None, "version": 3, "updatedAt": STAMP}],
        "next": None,
    }
    assert [c["customerId"] for c in customers["items"]] == ["TestCustomer"]
    assert len(keys(aws)) == 8  # the table holds the versions all the same


def test_a_put_dynamodb_throttles_for_good_is_a_503_that_wrote_nothing(
    client: Client, aws: AWS, service: LetterService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
    before = {key: stored(aws, key) for key in keys(aws)}
    throttled = not_carried_out(THROTTLED)
    attempts = inject(service.repository.client, "TransactWriteItems", [throttled] * 10)

    response = put(client, "/templates/Welcome", {"text": "New.\n"})

    assert response.status_code == 503
    assert body(response) == unavailable("DynamoDB")
    assert response.headers["Retry-After"] == "2"
    assert len(attempts) == 3  # botocore's standard mode, then no more
    assert {key: stored(aws, key) for key in keys(aws)} == before


def test_a_version_keeps_every_field_of_its_template_the_locale_too(
    client: Client, aws: AWS
) -> None:
    german = {"text": "Stand {{ today | date('long') }}\n", "greeting": "", "locale": "de-DE"}
    put(client, RENEWAL, german | {"description": "auf Deutsch"})
    put(client, RENEWAL, {"text": "Plain.\n"})

    first = body(client.http.get(f"{VERSIONS}/1"))

    assert {name: first[name] for name in ("text", "greeting", "description", "locale")} == (
        german | {"description": "auf Deutsch"}
    )
    assert stored(aws, "V#Renewal#1")["locale"] == {"S": "de-DE"}
    assert body(client.http.get(f"{VERSIONS}/2"))["locale"] is None
    letter = preview(client, RENEWAL, {"customer": {"name": "Zoë"}, "templateVersion": 1})
    assert body(letter) == {"text": "Stand 23. November 2026\n"}
