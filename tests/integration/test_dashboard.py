"""The dashboard in a real Chromium against the real stack (worker, API, a live synthetic market): a
trader signs in, finds the run, steers it with its slider and sees the run answer, reads the markets
and the wallets, and signs out — under the API's content security policy, with no error in the page.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.security.policy import Role
from api.security.store import AuthStore
from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.topics import all_topics
from streams.runtime.kafka import create_topics
from tests.conftest import drop_namespaces
from tests.integration import http
from tests.integration.browser import browser, watched_page
from tests.integration.conftest import running_api

pytestmark = pytest.mark.integration

ACCOUNT = "acct-web"
US = 1_000_000
SHOTS = os.environ.get("CRYPTICK_SCREENSHOTS")  # a folder: each page's screenshot is saved there


@dataclass
class Site:
    base: str
    user: str
    password: str
    run_id: str


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ns = f"t{uuid.uuid4().hex[:10]}"
    tmp = tmp_path_factory.mktemp("dashboard")
    create_topics(kafka_bootstrap, all_topics(ns))
    listings, events = synthetic_messages(steps=3000, seed=5, start_ts=int(time.time()) * US)
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(50))], ns)
    stop = threading.Event()

    def market() -> None:  # the market goes on while the browser looks at it
        for batch in iter(lambda: [m for _, m in zip(range(20), events, strict=False)], []):
            if stop.wait(0.05):
                return
            publish(kafka_bootstrap, batch, ns)

    feeder = threading.Thread(target=market, daemon=True)
    worker = WorkerProcess(kafka_bootstrap, ns, ROLES, log_path=tmp / "worker.log", runtime="direct").start()
    try:
        feeder.start()
        with running_api(kafka_bootstrap, ns, CLICKHOUSE_DSN=f"chdb://{tmp / 'chdb'}") as base:
            user, password = f"web-{ns[-6:]}", f"a long password {ns}"
            store = AuthStore(Path(os.environ["CRYPTICK_AUTH_DB"]))
            store.add_user(user, Role.TRADER, frozenset({ACCOUNT}), int(time.time()), password)
            store.close()
            started = http.post(f"{base}/runs", json={
                "strategy": "demo", "account": ACCOUNT, "params": {"interval_s": "1"},
                "balances": [{"venue": "synthetic", "currency": "USD", "amount": "100000"},
                             {"venue": "synthetic", "currency": "BTC", "amount": "2"}]}, timeout=30)
            assert started.status_code == 202, started.text
            yield Site(base, user, password, started.json()["run_id"])
    finally:
        stop.set()
        feeder.join(10)
        worker.stop()
        drop_namespaces(ns)


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def visit(b: Any, url: str, width: int, height: int, user: str, password: str) -> tuple[Any, Any]:
    """A new visitor (context and page) at ``url``, which sends it to sign in; it signs in as ``user``."""
    context = b.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    page = watched_page(context)
    page.goto(url)
    page.get_by_label("User").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def real_problems(page: Any) -> list[str]:
    """What went wrong in the page, but the 401 of GET /auth/me that sends a signed-out visitor to the
    sign-in page."""
    return [p for p in page.problems if "401" not in p]


def test_a_trader_signs_in_steers_a_run_and_reads_markets_and_wallets(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = visit(b, f"{site.base}/", 1280, 720, site.user, "not the password")
        expect(page.get_by_role("alert")).to_contain_text("wrong user or password")
        page.get_by_label("Password").fill(site.password)
        page.get_by_role("button", name="Sign in").click()

        runs = page.get_by_role("table", name="Runs")
        row = runs.locator(f"[data-run-id='{site.run_id}']")
        expect(row).to_be_visible()
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "live")
        shot(page, "runs")

        row.get_by_role("link", name=site.run_id).click()
        quotes = page.get_by_test_id("component-quotes")
        expect(quotes).to_have_attribute("data-kind", "table")
        expect(quotes.locator("tbody tr").first).to_be_visible()  # rows arrive live from the run
        settings = page.get_by_test_id("component-settings")
        value = settings.get_by_test_id("slider-value")
        wanted = int(value.inner_text()) + 3
        settings.get_by_role("slider").focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")  # keyboard reachable
        expect(value).to_have_text(str(wanted))
        settings.get_by_role("button", name="Apply offset_bps").click()
        expect(settings.get_by_role("status")).to_contain_text("Sent to the run")
        expect(page.get_by_test_id("run-log")).to_contain_text(f"offset now {wanted} bps")
        shot(page, "run-demo")

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Markets").click()
        market = page.get_by_role("table", name="Markets").locator("[data-market*='BTC-USD']")
        expect(market.get_by_test_id("book-status")).to_contain_text("fresh")
        shot(page, "markets")

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Wallets").click()
        expect(page.get_by_test_id("wallet-set").first).to_be_visible()
        shot(page, "wallets")

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert real_problems(page) == [], page.problems
        # signed out, the session is over for the API too
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert httpx.get(f"{site.base}/auth/me", cookies=cookies, timeout=10).status_code == 401
        context.close()


def test_a_phone_width_page_shows_the_run(site: Site) -> None:
    from playwright.sync_api import expect

    with browser() as b:
        context, page = visit(b, f"{site.base}/ui/runs/{site.run_id}", 390, 844, site.user, site.password)
        expect(page.get_by_test_id("component-settings")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert real_problems(page) == [], page.problems
        context.close()
