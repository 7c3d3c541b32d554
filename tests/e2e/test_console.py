"""The console in a real browser: Playwright drives Debian's Chromium against ``chalice local``,
moto's server and the batch workers (``servers``), on 127.0.0.1 only.

What a person does: type and see the letter change, see a mistake at its line, save, meet
someone else's save (a 412), generate a PDF, run a batch to its end; and axe-core finds no
serious or critical accessibility violation in the main views, at laptop and phone widths.
"""

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.support import HTTP_TIMEOUT_SECONDS
from tools import console_screenshots
from tools.browser import DESKTOP, PHONE, chromium
from tools.local_stack import Servers

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BATCH_SECONDS = 90


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


def test_typing_changes_the_preview_after_a_pause(page: Page, servers: Servers) -> None:
    api(servers, "PUT", "/templates/ConsoleTyping", json={"text": "Hello"})
    open_editor(page, servers, "ConsoleTyping")
    expect(page.locator("#preview")).to_have_text("Dear Testing Customer;\nHello")
    previews: list[Request] = []
    page.on("request", lambda r: previews.append(r) if r.url.endswith("/preview") else None)

    page.locator("#template-text").press("End")
    page.keyboard.type(" {{ name }}, your id is {{ customerId }}.", delay=15)

    expected = "Dear Testing Customer;\nHello Testing Customer, your id is TestCustomer."
    expect(page.locator("#preview")).to_have_text(expected)
    expect(page.locator("#variables li")).to_have_text(["customerId", "name"])
    assert 1 <= len(previews) <= 3  # 43 keystrokes, one render per pause
    assert previews[-1].post_data_json == {
        "customerId": "TestCustomer",
        "template": {"text": "Hello {{ name }}, your id is {{ customerId }}."},
    }


def test_a_newer_edit_aborts_the_preview_still_in_flight(page: Page, servers: Servers) -> None:
    api(servers, "PUT", "/templates/ConsoleAbort", json={"text": "first"})
    open_editor(page, servers, "ConsoleAbort")
    expect(page.locator("#preview")).to_have_text("Dear Testing Customer;\nfirst")
    held: list[Route] = []
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.failure or ""))

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # never answered: the page must give up on it

    page.route("**/preview", hold_the_first)
    page.fill("#template-text", "slow")
    eventually(page, lambda: len(held) == 1)
    page.fill("#template-text", "fast")

    expect(page.locator("#preview")).to_have_text("Dear Testing Customer;\nfast")
    eventually(page, lambda: failed == ["net::ERR_ABORTED"])


def test_a_syntax_error_is_marked_at_its_line(page: Page, servers: Servers) -> None:
    open_editor(page, servers, "Renewal")

    page.fill("#template-text", "line one\n{% if name %}\nthree")

    error = page.locator("#text-error")
    expect(error).to_contain_text("text, line 2: syntax error")
    expect(page.locator("#gutter .wrong")).to_have_text("▶ 2")
    expect(page.locator("#preview")).to_have_class(re.compile(r"\bstale\b"))
    error.get_by_role("button", name="Go to line 2").click()
    selected = page.eval_on_selector(
        "#template-text", "area => area.value.slice(area.selectionStart, area.selectionEnd)"
    )
    assert selected == "{% if name %}"


def test_an_undefined_variable_is_marked_at_its_line(page: Page, servers: Servers) -> None:
    open_editor(page, servers, "Renewal")

    page.fill("#template-text", "one\ntwo\n{{ attributes.nothing }}")

    expect(page.locator("#text-error")).to_contain_text(
        "cannot be rendered: line 3: attributes.nothing is undefined"
    )
    expect(page.locator("#gutter .wrong")).to_have_text("▶ 3")
    page.fill("#template-text", "one")
    expect(page.locator("#text-error")).to_be_hidden()
    expect(page.locator("#gutter .wrong")).to_have_count(0)


def test_save_then_a_412_shows_what_changed_and_can_be_overridden(
    page: Page, servers: Servers
) -> None:
    api(servers, "PUT", "/templates/ConsoleSave", json={"text": "one\ntwo"})
    open_editor(page, servers, "ConsoleSave")
    page.fill("#template-text", "one\ntwo\nthree")
    page.click("#save")
    expect(page.locator("#version")).to_contain_text("Version 2")
    assert api(servers, "GET", "/templates/ConsoleSave").json()["text"] == "one\ntwo\nthree"

    behind = api(servers, "PUT", "/templates/ConsoleSave", json={"text": "one\nTWO\nthree"})
    assert behind.status_code == 200
    page.fill("#template-text", "one\ntwo\nthree\nfour")
    page.click("#save")

    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(page.locator("#conflict-summary")).to_contain_text("Version 3 was saved")
    expect(page.locator("#conflict-summary")).to_contain_text("you opened version 2")
    expect(page.locator("#conflict-fields tr")).to_have_text(
        ["same one", "removed-two", "added+TWO", "same three", "removed-four"]
    )
    assert api(servers, "GET", "/templates/ConsoleSave").json()["version"] == 3
    page.click("#overwrite")
    expect(page.locator("#version")).to_contain_text("Version 4")
    expect(conflict).to_be_hidden()
    assert api(servers, "GET", "/templates/ConsoleSave").json()["text"] == "one\ntwo\nthree\nfour"


def test_generate_a_pdf_and_open_the_document(page: Page, servers: Servers) -> None:
    open_editor(page, servers, "Membership")
    page.select_option("#format", "pdf")

    page.click("#generate")

    link = page.locator("#document-link")
    expect(link).to_have_text("Open TestCustomer/Membership.pdf")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener"
    document = requests.get(str(link.get_attribute("href")), timeout=HTTP_TIMEOUT_SECONDS)
    assert document.headers["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF-")


def test_a_batch_runs_to_its_end_with_its_failures_shown(page: Page, servers: Servers) -> None:
    api(servers, "PUT", "/templates/ConsolePlan", json={"text": "Your plan: {{ attributes.plan }}"})
    total = len(api(servers, "GET", "/customers?limit=100").json()["items"])
    open_editor(page, servers, "ConsolePlan")
    page.select_option("#batch-format", "txt")

    page.click("#start-batch")

    expect(page).to_have_url(re.compile(r"#/batches/[^/]+$"))
    facts = page.locator("#batch-facts")
    expect(facts.locator("dd").first).to_have_text("partial", timeout=BATCH_SECONDS * 1000)
    expect(page.locator("#batch-outputs a")).to_have_text(
        "Download the ZIP", timeout=BATCH_SECONDS * 1000
    )
    expect(page.locator("#status")).to_have_text("Batch partial.")
    assert page.eval_on_selector("#batch-progress", "bar => [bar.value, bar.max]") == [total, total]
    failures = page.locator("#batch-failures th")
    assert sorted(failures.all_text_contents()) == ["TestCustomer", "Yamada_Taro"]  # no plan
    expect(page.locator("#batch-failures td").first).to_contain_text("attributes.plan is undefined")


def test_picked_customers_only_are_sent(page: Page, servers: Servers) -> None:
    open_editor(page, servers, "Welcome")
    page.check("input[name=batch-to][value=some]")
    page.check("input[name=batch-pick][value='jane.doe']")
    page.select_option("#batch-format", "txt")
    batches: list[Request] = []
    page.on("request", lambda r: batches.append(r) if r.url.endswith("/batches") else None)

    page.click("#start-batch")

    expect(page.locator("#batch-facts dd").first).to_have_text(
        "succeeded", timeout=BATCH_SECONDS * 1000
    )
    assert batches[0].post_data_json == {
        "docType": "Welcome",
        "format": "txt",
        "customerIds": ["jane.doe"],
        "output": {"zip": True, "pdf": False},
    }


def test_lists_filter_what_was_fetched(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/console#/customers")
    expect(page.locator("#list-rows tr")).not_to_have_count(0)

    page.fill("#list-search", "kraków")  # no column holds it: attributes are not listed
    expect(page.locator("#list-rows tr")).to_have_count(0)
    page.fill("#list-search", "JANE")
    expect(page.locator("#list-rows tr th")).to_have_text(["jane.doe"])
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Customers")


def test_versions_compare_line_by_line(page: Page, servers: Servers) -> None:
    api(servers, "PUT", "/templates/ConsoleVersions", json={"text": "a\nb"})
    api(servers, "PUT", "/templates/ConsoleVersions", json={"text": "a\nc"})
    open_editor(page, servers, "ConsoleVersions")
    expect(page.locator("#version-a option")).to_have_count(2)

    page.click("#compare")

    expect(page.locator("#version-diff tr")).to_have_text(["same a", "removed-b", "added+c"])


def test_the_key_is_kept_in_the_tab_and_sent_as_x_api_key(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/console")
    sent: list[str | None] = []
    page.on(
        "request",
        lambda r: sent.append(r.headers.get("x-api-key")) if "/templates?" in r.url else None,
    )

    page.fill("#api-key", "k-123")
    page.press("#api-key", "Enter")

    eventually(page, lambda: sent == ["k-123"])
    assert page.evaluate("sessionStorage.getItem('docgen.apiKey')") == "k-123"
    assert page.evaluate("localStorage.length") == 0
    page.click("#forget-key")
    assert page.evaluate("sessionStorage.getItem('docgen.apiKey')") is None


def test_the_keyboard_reaches_a_template_from_the_list(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/console")
    expect(page.locator("#list-rows a").first).to_be_visible()
    first = page.locator("#list-rows a").first.text_content()

    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == first:
            break
    page.keyboard.press("Enter")

    expect(page.locator("#editor-title")).to_have_text(f"Template {first}")


def test_the_policy_header_refuses_inline_script(page: Page, servers: Servers) -> None:
    response = page.goto(f"{servers.api}/console")
    assert response is not None
    assert response.headers["content-security-policy"].startswith(
        "default-src 'self'; script-src 'self';"
    )
    expect(page.locator("#list-rows tr").first).to_be_visible()  # its own modules ran

    refused = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation',
                event => resolve([event.violatedDirective, window.inlineRan ?? null]));
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.body.append(script);
        })"""
    )

    assert refused == ["script-src-elem", None]
    assert page.evaluate("window.inlineRan ?? null") is None


VIEWS = ["#/templates", "#/templates/Renewal", "#/customers", "#/batches"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violation_and_nothing_overflows(
    browser: Browser, servers: Servers, viewport: dict[str, int]
) -> None:
    """axe-core is injected past the CSP (this context only): the page itself allows no
    script but its own."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run npm ci (make test does)", pytrace=False)
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    try:
        for view in VIEWS:
            page.goto(f"{servers.api}/console{view}")
            expect(page.locator("#status")).to_be_attached()
            page.wait_for_load_state("networkidle")
            page.add_script_tag(path=str(AXE))
            found = page.evaluate(
                "async () => (await axe.run(document)).violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
            )
            assert (view, found) == (view, [])
            sideways = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert (view, sideways) == (view, False)
    finally:
        context.close()


def test_the_readme_screenshots_can_be_taken(
    browser: Browser, servers: Servers, tmp_path: Path
) -> None:
    """``python -m tools.console_screenshots`` writes docs/images/ the same way."""
    written = console_screenshots.take(browser, servers, tmp_path)

    sizes = {
        path.name: (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))
        for path in written
        for head in (path.read_bytes()[:24],)
    }
    assert sizes == {
        f"console-{view}-{width}.png": (viewport["width"], viewport["height"])
        for width, viewport in console_screenshots.WIDTHS.items()
        for view in console_screenshots.VIEWS
    }


def test_markup_in_a_template_is_shown_as_text(page: Page, servers: Servers) -> None:
    text = '<b id="bold">not bold</b> <img src=x onerror="window.hit = 1">'
    api(servers, "PUT", "/templates/ConsoleMarkup", json={"text": text, "greeting": ""})

    open_editor(page, servers, "ConsoleMarkup")

    expect(page.locator("#preview")).to_have_text(text)
    assert page.locator("#preview *").count() == 0
    assert page.evaluate("window.hit ?? null") is None


def test_a_new_template_is_written_previewed_and_saved(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/console")
    page.click("#new-template")
    expect(page.locator("#editor-title")).to_have_text("New template")
    expect(page.locator("#generate")).to_be_disabled()
    page.select_option("#preview-customer", "jane.doe")

    page.fill("#doc-type", "ConsoleNew")
    page.fill("#template-text", "Your plan is {{ attributes.plan }}.")
    expect(page.locator("#preview")).to_have_text("Dear Jane Doe;\nYour plan is free.")
    page.click("#save")

    expect(page).to_have_url(re.compile(r"#/templates/ConsoleNew$"))
    expect(page.locator("#editor-title")).to_have_text("Template ConsoleNew")
    expect(page.locator("#version")).to_contain_text("Version 1")
    expect(page.locator("#generate")).to_be_enabled()
    stored = api(servers, "GET", "/templates/ConsoleNew").json()
    assert (stored["text"], stored["greeting"]) == ("Your plan is {{ attributes.plan }}.", None)
