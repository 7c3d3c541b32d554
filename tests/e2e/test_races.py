"""Racing writers over real HTTP: conditional writes give one winner, no lost updates."""

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
