"""A fresh ``chalice local`` answers first requests that arrive together (its server gives
each a thread): none may meet boto3 half imported by another."""

from concurrent.futures import ThreadPoolExecutor

import requests

from tools.local_stack import Servers

FIRST = ["/customers", "/templates", "/letterheads", "/batches", "/customers/TestCustomer"]


def test_first_requests_at_once_all_answer(servers: Servers) -> None:
    with ThreadPoolExecutor(len(FIRST)) as pool:
        statuses = list(
            pool.map(lambda path: requests.get(servers.api + path, timeout=30).status_code, FIRST)
        )

    assert statuses == [200] * len(FIRST)
