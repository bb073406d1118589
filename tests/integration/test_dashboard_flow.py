"""The dashboard's whole story in one sitting, in a real Chromium on the real stack (worker, an API that
archives the namespace, a live synthetic market at a few times real time), as issue #16 tells it: a
trader signs in; starts a paper efficient-frontier run from the configuration page with part of the
account's pool; lands on its page; picks a frontier point and confirms it in the dialog; sees orders and
fills arrive; moves the custom-weight sliders and sees the target follow; stops the run with release and
finds its wallet back in the pool; places an order by hand and cancels it; reads the run's messages,
its control messages among them. The runs list shows the run's return on the way.

Each page's own details (refusals, phones, retries) are in the other test_dashboard_* files; this is the
path between them. One stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, sign_in
from tests.integration.live_stack import SignIn, live_stack, wait_for

pytestmark = pytest.mark.integration

ACCOUNT = "acct-flow"
VENUE, PAIR = "synthetic", "BTC-USD"
# Fast to compute on 2 s candles at 6x; a recompute interval longer than the test, so the frontier
# (and so the proposal) changes only when the trader asks.
PARAMS = {"bases": "BTC,ETH,LTC", "candle_interval_s": "2", "min_candles": "10", "lookback": "60",
          "recompute_interval_s": "900", "points": "20", "cloud_size": "50", "slice_interval_s": "1",
          "slice_fraction": "1", "path_interval_s": "2"}


@dataclass
class Site(SignIn):
    hand_set: str  # a wallet set of the account for orders placed by hand


def _accepted(answer: Any) -> None:
    assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.text


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-flow"), seed=11, steps=20_000,
                    backlog=30, speed=6.0, archive=True) as stack:
        base, ns = stack.base, stack.namespace
        user, password = stack.user("flow", Role.TRADER, {ACCOUNT})
        _accepted(http.post(f"{base}/accounts/{ACCOUNT}/deposits", timeout=30,
                            json={"venue": VENUE, "currency": "USD", "amount": "30000"}))
        hand_set = f"hand-{ns}"
        _accepted(http.post(f"{base}/accounts/{ACCOUNT}/wallet-sets", timeout=30, json={
            "wallet_set_id": hand_set, "run_id": f"manual-{ns}",
            "allocations": [{"venue": VENUE, "currency": "USD", "amount": "10000"}]}))
        yield Site(base, user, password, hand_set)


def _pool_usd(site: Site) -> Decimal:
    got = http.get(f"{site.base}/accounts/{ACCOUNT}/unallocated", timeout=10)
    assert got.status_code == 200, got.text
    return sum((Decimal(a["amount"]) for a in got.json() if (a["venue"], a["currency"]) == (VENUE, "USD")),
               Decimal(0))


def _far_below_the_bid(site: Site) -> tuple[str, str]:
    """(size, price) of a buy that rests: the market's smallest size at half its bid."""
    def market() -> dict[str, Any] | None:
        listed = http.get(f"{site.base}/markets", timeout=10).json()
        m = next((m for m in listed if (m["venue"], m["pair"]) == (VENUE, PAIR)), None)
        return m if m and m["book"] and m["book"]["bid"] and not m["book"]["stale"] else None

    m = wait_for(f"a fresh {PAIR} book", market)
    tick = Decimal(m["price_increment"])
    price = (Decimal(m["book"]["bid"]) / 2 / tick).to_integral_value(ROUND_FLOOR) * tick
    return str(Decimal(m["min_size"])), str(price)


def test_a_trader_runs_the_whole_story_of_a_paper_run(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        # sign in; the configuration page
        context, page = sign_in(b, f"{site.base}/ui/", 1280, 720, site.user, site.password)
        page.get_by_role("link", name="Start a run").click()
        form = page.get_by_role("form", name="Start a run")
        form.get_by_label("Strategy").select_option("efficient_frontier")
        expect(form.get_by_label("Account")).to_have_value(ACCOUNT)
        for name, value in PARAMS.items():
            form.get_by_role("textbox", name=name, exact=True).fill(value)
        expect(page.get_by_test_id("params-check")).to_have_attribute("data-state", "ok")
        form.get_by_role("table", name="Allocation").get_by_role(
            "textbox", name="Amount of USD on synthetic").fill("20000")  # all the pool holds
        form.get_by_role("button", name="Start run").click()

        # its page
        expect(page).to_have_url(re.compile(r"/ui/runs/(?!new)[^/]+$"))
        run_id = page.url.rsplit("/", 1)[-1]
        expect(page.get_by_test_id("run-state")).to_have_text("running")
        assert _pool_usd(site) == 0

        # pick a frontier point; the page asks before anything trades
        frontier = page.get_by_test_id("component-frontier")
        points = frontier.get_by_label("Point to pick")
        expect(points.locator("option")).to_have_count(21)  # "Choose a point" and the 20 points
        points.select_option("12")
        frontier.get_by_role("button", name="Pick point").click()
        dialog = page.get_by_role("dialog", name="Trade towards the new target?")
        expect(dialog).to_contain_text("frontier point 12")
        dialog.get_by_role("button", name="Confirm").click()
        expect(dialog).to_be_hidden()

        # the risk slider stands where the run is (point 12's volatility), not at its lowest
        risk = page.get_by_test_id("component-risk").get_by_role("slider")
        expect(risk).to_have_attribute("aria-valuenow", re.compile(r"[1-9]"))
        expect(risk).not_to_have_attribute("aria-valuenow", risk.get_attribute("aria-valuemin") or "")

        # orders and fills arrive
        orders = page.get_by_role("table", name="Run orders")
        expect(orders.locator("tbody tr[data-state='done']").first).to_be_visible()
        expect(page.get_by_role("table", name="Run fills").locator("tbody tr").first).to_be_visible()

        # custom weights: moving one slider moves the others; applied and confirmed, the target follows
        sliders = page.get_by_test_id("component-custom_weights")
        sliders.get_by_role("slider", name="BTC weights").focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        expect(sliders.get_by_test_id("weight-BTC")).to_have_text("44.0 %")
        expect(sliders.get_by_test_id("sliders-total")).to_have_text("Total 100.0 % of 100.0 %")
        sliders.get_by_role("button", name="Apply Custom weights").click()
        expect(dialog).to_contain_text("custom weights BTC 44.0%, ETH 28.0%, LTC 28.0%")
        dialog.get_by_role("button", name="Confirm").click()
        weights = page.get_by_test_id("component-weights")
        expect(weights).to_contain_text(re.compile(r"awaiting confirmation:?\s*no"))
        expect(weights).to_contain_text("44.0 %")  # the target's BTC
        expect(page.get_by_test_id("run-log")).to_contain_text("target confirmed: trading towards it")

        # the runs list shows it with its return (the replica's figures in the tooltip)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
        row = page.get_by_role("table", name="Runs").locator(f"[data-run-id='{run_id}']")
        ret = row.get_by_test_id("run-return")
        expect(ret).to_have_text(re.compile(r"^[+-]?\d+\.\d\d %$"))
        expect(ret).to_have_attribute("aria-label", re.compile("started with 20000 USD"))
        row.get_by_role("link", name=run_id).click()

        # stop with release: the wallet goes back to the pool
        page.get_by_role("button", name="Stop run").click()
        stop_dialog = page.get_by_role("dialog", name="Stop this run?")
        expect(stop_dialog.get_by_label("Give its wallet set back to the pool (release)")).to_be_checked()
        stop_dialog.get_by_role("button", name="Stop run").click()
        expect(page.get_by_test_id("run-state")).to_have_text("stopped")
        expect(page.get_by_test_id("wallet-set-state")).to_have_text("released")
        back = wait_for("the run's cash back in the pool", lambda: _pool_usd(site) or None)
        page.get_by_role("link", name="See the pool").click()
        unallocated = page.get_by_role("table", name=f"Unallocated funds of {ACCOUNT}")
        usd = unallocated.locator("tr", has=page.get_by_role("cell", name="USD", exact=True))
        expect(usd).to_contain_text(str(back))

        # an order by hand, from the hand set (the only active one now): it rests, then is cancelled
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
        order_form = page.get_by_role("form", name="Place an order")
        expect(order_form.get_by_label("Wallet set", exact=True)).to_have_value(site.hand_set)
        size, price = _far_below_the_bid(site)
        order_form.get_by_label("Market", exact=True).select_option(f"{VENUE}/{PAIR}")
        order_form.get_by_label("Type", exact=True).select_option("limit")
        order_form.get_by_label("Size (BTC)", exact=True).fill(size)
        order_form.get_by_label("Limit price (USD)", exact=True).fill(price)
        order_form.get_by_role("button", name="Buy").click()
        expect(order_form.get_by_test_id("order-outcome")).to_contain_text("accepted")
        order_id = order_form.get_by_test_id("order-outcome").locator(".mono").inner_text()
        resting = page.get_by_role("table", name="Open orders").locator(f"[data-order-id='{order_id}']")
        expect(resting.get_by_test_id("order-state")).to_have_text("open")
        resting.get_by_role("button", name=f"Cancel order {order_id}").click()
        cancel = page.get_by_role("dialog", name="Cancel this order?")
        cancel.get_by_role("button", name="Cancel order").click()
        expect(page.get_by_test_id("cancel-outcome")).to_have_text(f"Order {order_id} is cancelled.")
        expect(resting).to_have_count(0)

        # the run's messages: what it received, our control messages among them
        page.goto(f"{site.base}/ui/runs/{run_id}/messages?types=ControlMessage")
        rows = page.get_by_test_id("message-row")
        expect(rows).to_have_count(4)  # the point, its confirm, the weights, their confirm
        expect(rows.first).to_have_attribute("data-direction", "inbox")
        rows.last.get_by_role("button", name=re.compile("^Body of")).click()
        expect(page.get_by_test_id("message-body")).to_contain_text('"component_id": "frontier"')
        assert real_problems(page) == [], page.problems
        context.close()
