"""Letterheads over HTTP: every status, the logo checks, and the 409 while a template
names one, on moto's table."""

import base64
import json
from typing import Any

import pytest
from chalice.test import Client

from tests.support import AWS, JSON, STAMP, TABLE, body, error
from tests.unit.test_logos import BOMB, b64, jpeg, png

SENDER = {"name": "Acme GmbH", "addressLines": ["Musterstraße 1", "10115 Berlin"]}
LOGO = {"contentType": "image/png", "data": b64(png(120, 40))}


def put(client: Client, path: str, payload: object, **headers: str) -> Any:
    return client.http.put(path, headers=JSON | headers, body=json.dumps(payload))


def stored(aws: AWS, key: str) -> dict | None:
    return aws.dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": key}}).get("Item")


def test_create_read_replace_and_delete(client: Client, aws: AWS) -> None:
    created = put(client, "/letterheads/acme", {"sender": SENDER, "logo": LOGO, "footer": "HRB 1"})

    assert (created.status_code, created.headers["ETag"]) == (201, '"1"')
    assert body(created) == {
        "name": "acme",
        "sender": SENDER,
        "logo": LOGO,
        "footer": "HRB 1",
        "description": None,
        "version": 1,
        "updatedAt": STAMP,
    }
    read = client.http.get("/letterheads/acme")
    assert (read.status_code, body(read), read.headers["ETag"]) == (200, body(created), '"1"')
    assert stored(aws, "H#acme")["sender"]["M"]["name"] == {"S": "Acme GmbH"}

    replaced = put(client, "/letterheads/acme", {"sender": {"name": "Acme"}}, **{"If-Match": '"1"'})
    assert (replaced.status_code, replaced.headers["ETag"]) == (200, '"2"')
    assert body(replaced)["logo"] is None  # a PUT replaces the whole letterhead

    deleted = client.http.delete("/letterheads/acme", headers={"If-Match": '"2"'})
    assert (deleted.status_code, deleted.body) == (204, b"")
    assert stored(aws, "H#acme") is None
    missing = client.http.get("/letterheads/acme")
    assert (missing.status_code, body(missing)) == (
        404,
        error("NotFoundError", "letterhead acme does not exist"),
    )
    assert client.http.delete("/letterheads/acme").status_code == 404


def test_stale_if_match_is_412(client: Client, aws: AWS) -> None:
    put(client, "/letterheads/acme", {"sender": SENDER})

    stale = put(client, "/letterheads/acme", {"sender": SENDER}, **{"If-Match": '"7"'})
    refused = client.http.delete("/letterheads/acme", headers={"If-Match": '"7"'})

    assert stale.status_code == refused.status_code == 412
    assert body(refused)["Message"] == (
        "letterhead acme is at version 1, not 7: read it again and retry with its ETag"
    )
    assert stored(aws, "H#acme")["version"] == {"N": "1"}


def test_letterheads_list_in_pages_as_summaries(client: Client, aws: AWS) -> None:
    for index in range(3):
        put(client, f"/letterheads/h{index}", {"sender": SENDER, "description": f"H {index}"})

    first = body(client.http.get("/letterheads?limit=2"))
    rest = body(client.http.get(f"/letterheads?limit=2&next={first['next']}"))

    assert first["items"][0] == {
        "name": "h0",
        "description": "H 0",
        "version": 1,
        "updatedAt": STAMP,
    }
    assert [i["name"] for i in first["items"] + rest["items"]] == ["h0", "h1", "h2"]
    assert rest["next"] is None


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        ("/letterheads/bad%20name", {"sender": SENDER}, "name must be 1 to 64 characters"),
        ("/letterheads/acme", {}, "must contain ['sender'] properties"),
        ("/letterheads/acme", {"sender": {"name": ""}}, "sender.name must be longer than"),
        ("/letterheads/acme", {"sender": SENDER, "colour": "red"}, "must not contain"),
        (
            "/letterheads/acme",
            {"sender": {"name": "A", "addressLines": ["x"] * 7}},
            "sender.addressLines must contain less than or equal to 6 items",
        ),
        (
            "/letterheads/acme",
            {"sender": SENDER, "logo": {"contentType": "image/gif", "data": ""}},
            "logo.contentType must be one of",
        ),
    ],
)
def test_a_bad_name_or_body_is_400(
    client: Client, aws: AWS, path: str, payload: dict, message: str
) -> None:
    response = put(client, path, payload)

    assert response.status_code == 400
    assert message in body(response)["Message"]
    assert stored(aws, "H#acme") is None


@pytest.mark.parametrize(
    ("content_type", "raw", "message"),
    [
        ("image/png", BOMB, "logo is 100000x100000 pixels; each side must be 1 to 4000"),
        (
            "image/png",
            png()[:-12],
            "logo PNG is truncated: it lacks its image data or its IEND end",
        ),
        ("image/jpeg", b"\xff\xd8not a segment\xff\xd9", "logo JPEG is damaged: a segment"),
        ("image/jpeg", png(), "logo.data is image/png, but logo.contentType says image/jpeg"),
        ("image/png", b"\x00" * 200, "logo.data is neither a PNG nor a JPEG file"),
        ("image/png", png(colour=4, interlace=1), "logo PNG is interlaced: save it without"),
        (
            "image/png",
            png(600, 600, colour=6),
            "logo PNG has transparency and 600x600 pixels; one with transparency may have at "
            "most 250000 pixels: make it smaller or opaque",
        ),
    ],
)
def test_a_crafted_logo_is_400(
    client: Client, aws: AWS, content_type: str, raw: bytes, message: str
) -> None:
    logo = {"contentType": content_type, "data": base64.b64encode(raw).decode()}

    response = put(client, "/letterheads/acme", {"sender": SENDER, "logo": logo})

    assert response.status_code == 400
    assert body(response)["Message"].startswith(message)
    assert stored(aws, "H#acme") is None


def test_a_jpeg_logo_is_kept(client: Client, aws: AWS) -> None:
    logo = {"contentType": "image/jpeg", "data": b64(jpeg(300, 100))}

    assert put(client, "/letterheads/acme", {"sender": SENDER, "logo": logo}).status_code == 201


def test_deleting_a_letterhead_a_template_names_is_409_until_none_does(
    client: Client, aws: AWS
) -> None:
    put(client, "/letterheads/acme", {"sender": SENDER})
    put(client, "/letterheads/other", {"sender": SENDER})
    assert put(client, "/templates/A", {"text": "x", "letterhead": "acme"}).status_code == 201
    assert put(client, "/templates/B", {"text": "x", "letterhead": "acme"}).status_code == 201
    put(client, "/letterheads/acme", {"sender": {"name": "Acme 2"}})  # keeps the count

    refused = client.http.delete("/letterheads/acme")

    assert (refused.status_code, body(refused)) == (
        409,
        error(
            "ConflictError",
            "letterhead acme is named by 2 template(s): point them at another letterhead "
            "(or none), or delete them, first",
        ),
    )
    assert stored(aws, "H#acme")["templates"] == {"N": "2"}
    put(client, "/templates/A", {"text": "y", "letterhead": "acme"})  # still named: same count
    put(client, "/templates/A", {"text": "y", "letterhead": "other"})
    assert client.http.delete("/letterheads/acme").status_code == 409
    assert client.http.delete("/templates/B").status_code == 204
    assert stored(aws, "H#acme")["templates"] == {"N": "0"}
    assert client.http.delete("/letterheads/acme").status_code == 204
    assert client.http.delete("/letterheads/other").status_code == 409
    assert body(client.http.get("/templates/A"))["letterhead"] == "other"


def test_a_template_naming_a_letterhead_that_does_not_exist_is_404(
    client: Client, aws: AWS
) -> None:
    response = put(client, "/templates/A", {"text": "x", "letterhead": "nowhere"})

    assert (response.status_code, body(response)) == (
        404,
        error("NotFoundError", "letterhead nowhere does not exist: PUT /letterheads/nowhere first"),
    )
    assert stored(aws, "D#A") is None
    assert stored(aws, "H#nowhere") is None  # the count made no item
    assert put(client, "/templates/A", {"text": "x", "letterhead": "bad name"}).status_code == 400


def test_a_letterhead_deleted_between_a_template_writes_read_and_write_is_never_named(
    client: Client, aws: AWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race a scan at delete time would lose: the delete lands after the template
    write read everything, and before it writes. The count's condition still refuses."""
    from chalicelib.adapters.versions import TemplateVersions

    put(client, "/letterheads/acme", {"sender": SENDER})
    read_state = TemplateVersions.state

    def state_then_delete(self: TemplateVersions, doc_type: str) -> Any:
        found = read_state(self, doc_type)
        client.http.delete("/letterheads/acme")  # unnamed yet: the delete succeeds
        return found

    monkeypatch.setattr(TemplateVersions, "state", state_then_delete)
    response = put(client, "/templates/A", {"text": "x", "letterhead": "acme"})

    assert response.status_code == 404
    assert body(response)["Message"].startswith("letterhead acme does not exist")
    assert (stored(aws, "D#A"), stored(aws, "H#acme")) == (None, None)


def test_a_template_naming_a_letterhead_gone_around_the_api_can_still_be_changed(
    client: Client, aws: AWS
) -> None:
    """A table written by other means may hold a template naming no letterhead that exists:
    its next write or delete counts nothing down, rather than retrying to a 503."""
    aws.put_item(PK={"S": "D#Old"}, data={"S": "x"}, letterhead={"S": "ghost"})
    aws.put_item(PK={"S": "D#Older"}, data={"S": "x"}, letterhead={"S": "ghost"})

    assert put(client, "/templates/Old", {"text": "y"}).status_code == 200
    assert client.http.delete("/templates/Older").status_code == 204
    assert (stored(aws, "H#ghost"), stored(aws, "D#Older")) == (None, None)
