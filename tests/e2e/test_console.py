"""The console in a real browser, doing what a person does: Playwright drives Debian's
Chromium against ``chalice local``, moto's server and the batch workers (``servers``), on
127.0.0.1 only.

Type and see the letter change, see a mistake at its line, save, meet someone else's save (a
412), generate a PDF, run a batch to its end, browse, compare versions. Accessibility, the
key, the CSP and the screenshots: ``test_console_access.py``.
"""

import re

import requests
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.console_pages import api, browser, eventually, open_editor, page
from tests.support import HTTP_TIMEOUT_SECONDS
from tools.local_stack import Servers

BATCH_SECONDS = 90
__all__ = ["browser", "page"]  # the fixtures, used by name


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
    expect(page.locator("#unsaved")).to_be_visible()
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
    expect(page.locator("#unsaved")).to_be_visible()
    page.click("#save")
    expect(page.locator("#version")).to_contain_text("Version 2")
    expect(page.locator("#unsaved")).to_be_hidden()
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
