"""Debian's Chromium, driven by Playwright (from PyPI), for the console's browser tests and
its screenshots.

Playwright's own browser download cannot be reached here, so it launches
``/usr/bin/chromium`` (``make system-packages`` installs it). The flags keep Chromium off
every network but the page's: no background requests, updates, sync or QUIC. ``--no-sandbox``
because tests and CI run as root, where Chromium's sandbox refuses to start.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on the way out."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
