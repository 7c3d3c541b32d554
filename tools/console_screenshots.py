"""``python -m tools.console_screenshots [DIR]``: the console's pictures for the README.

Starts the local stack as the end-to-end tests do (free ports, a copy of the project, seeded
like ``make run``), opens the console in Debian's Chromium at a laptop's and a phone's width,
and writes ``console-<view>-<width>.png`` to DIR (``docs/images``). The end-to-end tests take
the same pictures into a temporary folder, so this keeps working.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tools.browser import DESKTOP, PHONE, chromium
from tools.local_stack import Servers, isolated, serving
from tools.stack import PROJECT_DIR

OUT_DIR = PROJECT_DIR / "docs" / "images"
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
BATCH_MS = 90_000


def _editor(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/console#/templates/Renewal")
    expect(page.locator("#version")).to_contain_text("Version")
    page.select_option("#preview-customer", "ZoeLukasz")
    expect(page.locator("#preview")).to_contain_text("gold plan")


def _error(page: Page, servers: Servers) -> None:
    _editor(page, servers)
    page.fill("#template-text", "Your {{ attributes.plan }} plan\n{% if attributes.vip %}\nrenews.")
    expect(page.locator("#gutter .wrong")).to_have_text("▶ 2")


def _batch(page: Page, servers: Servers) -> None:
    _editor(page, servers)
    page.select_option("#batch-format", "pdf")
    page.click("#start-batch")
    expect(page.locator("#batch-outputs a")).to_have_count(2, timeout=BATCH_MS)


VIEWS = {"editor": _editor, "error": _error, "batch": _batch}


def take(browser: Browser, servers: Servers, out_dir: Path) -> list[Path]:
    """Each view at each width, as ``out_dir/console-<view>-<width>.png``."""
    written = []
    for width_name, viewport in WIDTHS.items():
        for view_name, show in VIEWS.items():
            context = browser.new_context(viewport=viewport)
            try:
                page = context.new_page()
                show(page, servers)
                page.wait_for_load_state("networkidle")
                path = out_dir / f"console-{view_name}-{width_name}.png"
                page.screenshot(path=str(path))
                written.append(path)
            finally:
                context.close()
    return written


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as workdir,
        serving(isolated(Path(workdir))) as servers,
        chromium() as browser,
    ):
        for path in take(browser, servers, out_dir):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
