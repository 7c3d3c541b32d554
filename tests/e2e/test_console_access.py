"""The console in a real browser, for everyone and safely: axe-core finds no serious or
critical violation in the main views at laptop and phone widths, the keyboard reaches what
the mouse does, the API key stays in the tab, and the Content-Security-Policy refuses inline
script. Also takes the README's screenshots (into a temporary folder).
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.console_pages import browser, eventually, page
from tools import console_screenshots
from tools.browser import DESKTOP, PHONE
from tools.local_stack import Servers

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
__all__ = ["browser", "page"]  # the fixtures, used by name


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
