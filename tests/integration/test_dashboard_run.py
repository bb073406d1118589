"""The run page in a real Chromium, steering an efficient-frontier paper run on the real stack (worker,
API, a live synthetic market paced at a few times real time): a trader picks a frontier point, confirms
in the dialog, sees orders and fills arrive, sets custom weights (always 100 %) and confirms again,
pauses and resumes, stops with release and finds the funds back in the account's pool.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import RunSite, live_stack

pytestmark = pytest.mark.integration

ACCOUNT = "acct-run-page"
SPEED = 6.0  # event time runs at 6x wall time: two-second candles fill the lookback in seconds
# Fast enough to compute within seconds; a recompute interval longer than the test so that the frontier
# (and so the proposal) changes only when the trader asks.
PARAMS = {"bases": "BTC,ETH,LTC", "candle_interval_s": "2", "min_candles": "10", "lookback": "60",
          "recompute_interval_s": "900", "points": "20", "cloud_size": "50", "slice_interval_s": "1",
          "slice_fraction": "1", "path_interval_s": "2"}


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunSite]:
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-run"), seed=11, steps=20_000,
                    backlog=30, speed=SPEED) as stack:
        base = stack.base
        user, password = stack.user("steer", Role.TRADER, {ACCOUNT})
        started = http.post(f"{base}/runs", json={
            "strategy": "efficient_frontier", "account": ACCOUNT, "params": PARAMS,
            "balances": [{"venue": "synthetic", "currency": "USD", "amount": "20000"}]}, timeout=30)
        assert started.status_code == 202, started.text
        yield RunSite(base, user, password, started.json()["run_id"])


def pool(site: RunSite) -> dict[str, Decimal]:
    """The account's unallocated funds on the synthetic venue, by currency (the admin's read)."""
    got = http.get(f"{site.base}/accounts/{ACCOUNT}/unallocated", timeout=10)
    assert got.status_code == 200, got.text
    return {a["currency"]: Decimal(a["amount"]) for a in got.json() if a["venue"] == "synthetic"}


def test_a_trader_steers_an_efficient_frontier_run_and_releases_it(site: RunSite) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/{site.run_id}", 1280, 720, site.user, site.password)

        # The frontier arrives: its points can be picked from the list (keyboard) as well as on the chart;
        # the single assets and the named portfolios are marked.
        frontier = page.get_by_test_id("component-frontier")
        points = frontier.get_by_label("Point to pick")
        expect(points.locator("option")).to_have_count(21)  # "Choose a point" and the 20 points
        marked = frontier.get_by_test_id("scatter-marked")
        expect(marked.locator("[data-series='single_assets']")).to_contain_text("BTC, ETH, LTC")
        expect(marked.locator("[data-series='min_variance']")).to_be_visible()

        # Pick a point: the run proposes it and the page asks before anything trades.
        points.select_option("12")
        frontier.get_by_role("button", name="Pick point").click()
        dialog = page.get_by_role("dialog", name="Trade towards the new target?")
        expect(dialog).to_contain_text("proposed")
        expect(dialog).to_contain_text("frontier point 12")
        expect(page.get_by_test_id("awaiting-badge")).to_have_text("awaiting confirmation")
        dialog.get_by_role("button", name="Confirm").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_test_id("awaiting-badge")).to_be_hidden()

        # Orders and fills of the run arrive in its tables, read again as the events come in.
        orders = page.get_by_role("table", name="Run orders")
        expect(orders.locator("tbody tr").first).to_be_visible()
        expect(orders.locator("tbody tr[data-state='done']").first).to_be_visible()
        expect(page.get_by_role("table", name="Run fills").locator("tbody tr").first).to_be_visible()
        wallet = page.get_by_role("table", name="Run wallet")
        expect(wallet.locator("tbody tr").nth(1)).to_be_visible()  # cash and a currency it bought
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the full-page shot
        shot(page, "run")

        # Custom weights: moving one slider moves the others, the total stays 100 %.
        sliders = page.get_by_test_id("component-custom_weights")
        expect(sliders.get_by_test_id("sliders-total")).to_have_text("Total 100.0 % of 100.0 %")
        sliders.get_by_role("slider", name="BTC weights").focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        expect(sliders.get_by_test_id("weight-BTC")).to_have_text("44.0 %")
        expect(sliders.get_by_test_id("weight-ETH")).to_have_text("28.0 %")
        expect(sliders.get_by_test_id("weight-LTC")).to_have_text("28.0 %")
        expect(sliders.get_by_test_id("sliders-total")).to_have_text("Total 100.0 % of 100.0 %")
        sliders.get_by_role("button", name="Apply Custom weights").click()
        expect(dialog).to_contain_text("custom weights BTC 44.0%, ETH 28.0%, LTC 28.0%")
        dialog.get_by_role("button", name="Confirm").click()
        expect(dialog).to_be_hidden()
        weights = page.get_by_test_id("component-weights")
        expect(weights).to_contain_text(re.compile(r"awaiting confirmation:?\s*no"))
        log = page.get_by_test_id("run-log")
        expect(log).to_contain_text("target confirmed: trading towards it")

        # Pause and resume (the confirm button asks through the same dialog: nothing waits now).
        controls = page.get_by_test_id("component-controls")
        controls.get_by_role("button", name="Pause").click()
        expect(weights).to_contain_text(re.compile(r"paused:?\s*yes"))
        expect(log).to_contain_text("paused: no new orders until resume")
        controls.get_by_role("button", name="Resume").click()
        expect(weights).to_contain_text(re.compile(r"paused:?\s*no"))
        expect(log).to_contain_text("resumed")
        expect(wallet.locator("tr[data-currency='BTC']")).to_be_visible()  # 44 % of it in BTC
        controls.get_by_role("button", name="Confirm").click()
        expect(dialog).to_contain_text("Nothing is waiting")
        expect(dialog.get_by_role("button", name="Confirm")).to_be_disabled()
        dialog.get_by_role("button", name="Not now").click()
        expect(dialog).to_be_hidden()

        # Stop with release: the wallet set is deactivated and its funds are back in the pool.
        assert pool(site).get("USD", Decimal(0)) == 0  # everything was in the run's wallet set
        page.get_by_role("button", name="Stop run").click()
        stop_dialog = page.get_by_role("dialog", name="Stop this run?")
        expect(stop_dialog.get_by_label("Give its wallet set back to the pool (release)")).to_be_checked()
        stop_dialog.get_by_role("button", name="Stop run").click()
        expect(page.get_by_test_id("run-state")).to_have_text("stopped")
        expect(page.get_by_test_id("wallet-released")).to_be_visible()
        expect(page.get_by_test_id("wallet-set-state")).to_have_text("released")
        back = pool(site)
        assert back["USD"] > 0 and back.get("BTC", Decimal(0)) > 0, back  # cash and what it bought
        page.get_by_role("link", name="See the pool").click()
        unallocated = page.get_by_role("table", name=f"Unallocated funds of {ACCOUNT}")
        usd = unallocated.locator("tr", has=page.get_by_role("cell", name="USD", exact=True))
        expect(usd).to_contain_text(re.compile(re.escape(str(back["USD"]))))
        assert real_problems(page) == [], page.problems
        context.close()


def test_the_run_page_fits_a_phone(site: RunSite) -> None:
    from playwright.sync_api import expect

    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/{site.run_id}", 390, 844, site.user, site.password)
        expect(page.get_by_test_id("component-custom_weights")).to_be_visible()
        expect(page.get_by_role("table", name="Run orders")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the run page is {width}px wide on a 390px screen"
        context.close()
