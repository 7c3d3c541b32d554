"""Racing writers over real HTTP: conditional writes give one winner, no lost updates, and
no two template writers share a version number."""

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support import HTTP_TIMEOUT_SECONDS
from tools.local_stack import Servers

WRITERS = 8


def put_customer(servers: Servers, name: str, if_match: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if if_match is not None:
        headers["If-Match"] = if_match
    return servers.http.put(
        f"{servers.api}/customers/racer",
        headers=headers,
        data=json.dumps({"name": name}),
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def race(servers: Servers, if_match: str | None) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(
            pool.map(lambda n: put_customer(servers, f"Writer {n}", if_match), range(WRITERS))
        )


def test_same_if_match_gives_exactly_one_winner(servers: Servers) -> None:
    first = put_customer(servers, "Original")
    etag = first.headers["ETag"]

    responses = race(servers, etag)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * (WRITERS - 1)
    winner = next(response.json() for response in responses if response.status_code == 200)
    stored = servers.http.get(f"{servers.api}/customers/racer", timeout=HTTP_TIMEOUT_SECONDS)
    assert stored.json() == winner
    assert stored.headers["ETag"] == f'"{int(etag.strip(chr(34))) + 1}"'


def test_unconditional_writers_lose_no_update(servers: Servers) -> None:
    before = int(put_customer(servers, "Start").headers["ETag"].strip('"'))

    responses = race(servers, None)

    assert [response.status_code for response in responses] == [200] * WRITERS
    versions = sorted(int(response.headers["ETag"].strip('"')) for response in responses)
    assert versions == list(range(before + 1, before + 1 + WRITERS))  # each write counted once


def put_template(servers: Servers, text: str, if_match: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if if_match is not None:
        headers["If-Match"] = if_match
    return servers.http.put(
        f"{servers.api}/templates/Racer",
        headers=headers,
        data=json.dumps({"text": text}),
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def race_templates(servers: Servers, if_match: str | None) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(
            pool.map(lambda n: put_template(servers, f"Writer {n}\n", if_match), range(WRITERS))
        )


def versions(servers: Servers) -> list[int]:
    listed = servers.http.get(
        f"{servers.api}/templates/Racer/versions?limit=100", timeout=HTTP_TIMEOUT_SECONDS
    ).json()
    assert listed["next"] is None
    return [item["version"] for item in listed["items"]]


def test_racing_template_writers_each_get_a_version_of_their_own(servers: Servers) -> None:
    before = int(put_template(servers, "Start\n").headers["ETag"].strip('"'))

    responses = race_templates(servers, None)

    assert [response.status_code for response in responses] == [200] * WRITERS
    numbers = sorted(int(response.headers["ETag"].strip('"')) for response in responses)
    assert numbers == list(range(before + 1, before + 1 + WRITERS))
    for response in responses:  # each number holds the text of the writer it was given to
        number = response.json()["version"]
        read = servers.http.get(
            f"{servers.api}/templates/Racer/versions/{number}", timeout=HTTP_TIMEOUT_SECONDS
        )
        assert read.json() == response.json()
    assert versions(servers) == list(range(before + WRITERS, 0, -1))


def test_template_writers_with_the_same_if_match_make_one_version(servers: Servers) -> None:
    etag = put_template(servers, "Original\n").headers["ETag"]
    before = versions(servers)

    responses = race_templates(servers, etag)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * (WRITERS - 1)
    winner = next(response.json() for response in responses if response.status_code == 200)
    assert versions(servers) == [winner["version"], *before]
    assert winner["version"] == int(etag.strip('"')) + 1
