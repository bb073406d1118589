"""The dashboard in a real Chromium against the real stack (worker, API, a live synthetic market): a
trader signs in, finds the run, steers it with its slider and sees the run answer, reads the markets
and the wallets, and signs out — under the API's content security policy, with no error in the page.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.security.policy import Role
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import RunSite, live_stack, start_demo_run

pytestmark = pytest.mark.integration

ACCOUNT = "acct-web"


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunSite]:
    # the market goes on while the browser looks at it
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard"), seed=5) as stack:
        base = stack.base
        user, password = stack.user("web", Role.TRADER, {ACCOUNT})
        yield RunSite(base, user, password, start_demo_run(base, ACCOUNT))


def test_a_trader_signs_in_steers_a_run_and_reads_markets_and_wallets(site: RunSite) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/", 1280, 720, site.user, "not the password")
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


def test_a_phone_width_page_shows_the_run(site: RunSite) -> None:
    from playwright.sync_api import expect

    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/{site.run_id}", 390, 844, site.user, site.password)
        expect(page.get_by_test_id("component-settings")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert real_problems(page) == [], page.problems
        context.close()
