"""A real Chromium for the dashboard's tests (Debian's ``chromium``, driven by Playwright for Python).

``make setup`` installs it; a machine without it fails these tests rather than skipping them, so a CI
that lost the browser does not pass unseen. ``CRYPTICK_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def chromium_path() -> str:
    path = os.environ.get("CRYPTICK_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not path:
        pytest.fail("no Chromium: `make setup` installs Debian's chromium (apt-get install -y chromium), "
                    "or set CRYPTICK_CHROMIUM to a Chromium binary")
    return path


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium; pages record console errors and failed requests in ``page.problems``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def watched_page(context: Any) -> Any:
    """A page of ``context`` that keeps what went wrong in it: console errors (a CSP refusal is one)
    and uncaught exceptions."""
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    return page
