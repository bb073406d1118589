"""A real Chromium for the dashboard's tests (Debian's ``chromium``, driven by Playwright for Python).

``make setup`` installs it; a machine without it fails these tests rather than skipping them, so a CI
that lost the browser does not pass unseen. ``CRYPTICK_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SHOTS = os.environ.get("CRYPTICK_SCREENSHOTS")  # a folder: each page's screenshot is saved there


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


def shot(page: Any, name: str) -> None:
    """The whole page as ``name``.png in the CRYPTICK_SCREENSHOTS folder, when one is named."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(b: Any, url: str, width: int, height: int, user: str, password: str, *,
            timeout_ms: float = 30_000, watch: Callable[[Any], Any] = watched_page,
            prepare: Callable[[Any], None] | None = None) -> tuple[Any, Any]:
    """A new visitor (context and page, the page made by ``watch``) at ``url``, which sends it to sign
    in; it signs in as ``user``. ``prepare`` sees the context before the page opens (to route requests)."""
    context = b.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(timeout_ms)
    if prepare is not None:
        prepare(context)
    page = watch(context)
    page.goto(url)
    page.get_by_label("User").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def real_problems(page: Any, allowed: tuple[str, ...] = ("401",)) -> list[str]:
    """What went wrong in the page, but the problems that name one of ``allowed``: by default the 401 of
    GET /auth/me that sends a signed-out visitor to the sign-in page."""
    return [p for p in page.problems if not any(a in p for a in allowed)]
