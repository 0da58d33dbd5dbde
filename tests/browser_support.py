"""Debian's Chromium, headless, driven by Playwright for the browser tests.

Playwright drives the browser ``scripts/install-chromium`` put on the machine
(``/usr/bin/chromium``, or ``COMPLAINTS_CHROMIUM``); it never downloads one of
its own. The flags keep a headless Chromium off the network it would otherwise
try at every start (this machine's network is closed, and each refused
connection costs time), and ``--no-sandbox`` lets it run as root in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path(os.environ.get("COMPLAINTS_CHROMIUM", "/usr/bin/chromium"))

FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    """A headless Chromium for one test module or test; closed afterwards."""
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/install-chromium (scripts/test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(FLAGS))
        try:
            yield browser
        finally:
            browser.close()
