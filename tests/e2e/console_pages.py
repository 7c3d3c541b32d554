"""What the console's browser tests share: a browser per module, a page per test that fails
on any script error or 5xx answer, and the API called behind the page's back."""

import time
from collections.abc import Callable, Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.support import HTTP_TIMEOUT_SECONDS
from tools.browser import DESKTOP, chromium
from tools.local_stack import Servers


@pytest.fixture(scope="module")
def browser(servers: Servers) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
    yield opened
    context.close()
    assert errors == []  # no script failed and the API answered no 5xx while the test ran


def api(servers: Servers, method: str, path: str, **kwargs) -> requests.Response:
    """Call the API behind the page's back."""
    return servers.http.request(
        method, f"{servers.api}{path}", timeout=HTTP_TIMEOUT_SECONDS, **kwargs
    )


def eventually(page: Page, check: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for ``check``, letting the page's events arrive meanwhile."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        page.wait_for_timeout(50)


def open_editor(page: Page, servers: Servers, doc_type: str) -> None:
    page.goto(f"{servers.api}/console#/templates/{doc_type}")
    expect(page.locator("#version")).to_contain_text("Version")
    page.select_option("#preview-customer", "TestCustomer")
