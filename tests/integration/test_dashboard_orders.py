"""The orders page in a real Chromium against the real stack (worker, API, a live synthetic market): a
trader places a limit order far from the market and sees it rest, cancels it and sees it cancelled,
takes the book with an IOC order and reads its fill, and sends an order the wallet set cannot pay for
and reads the ledger's refusal where it acted — under the API's content security policy, with no error
in the page; and the page fits a phone-width screen.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import RunSite, live_stack

pytestmark = pytest.mark.integration

ACCOUNT = "acct-orders"
VENUE, PAIR = "synthetic", "BTC-USD"
# the 401 of GET /auth/me before signing in and the 422 of the order the test sends to be refused
ALLOWED = ("401", "422")


@dataclass
class Site(RunSite):
    wallet_set_id: str


def _ok(answer: Any) -> None:
    assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.text


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # the market goes on while the browser trades on it
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-orders"), seed=11) as stack:
        ns, base = stack.namespace, stack.base
        user, password = stack.user("orders", Role.TRADER, {ACCOUNT})
        run_id, wallet_set_id = f"manual-{ns}", f"ws-{ns}"
        _ok(http.post(f"{base}/accounts/{ACCOUNT}/deposits", timeout=30,
                      json={"venue": VENUE, "currency": "USD", "amount": "100000"}))
        _ok(http.post(f"{base}/accounts/{ACCOUNT}/wallet-sets", timeout=30, json={
            "wallet_set_id": wallet_set_id, "run_id": run_id,
            "allocations": [{"venue": VENUE, "currency": "USD", "amount": "50000"}]}))
        yield Site(base, user, password, run_id, wallet_set_id)


def book(site: Site) -> dict[str, Decimal]:
    """The market's rules and best prices as the API has them now."""
    deadline = time.monotonic() + 30
    while True:
        listed = http.get(f"{site.base}/markets", timeout=10).json()
        m = next((m for m in listed if m["venue"] == VENUE and m["pair"] == PAIR), None)
        if m and m["book"] and m["book"]["bid"] and m["book"]["ask"] and not m["book"]["stale"]:
            return {"bid": Decimal(m["book"]["bid"]), "ask": Decimal(m["book"]["ask"]),
                    "tick": Decimal(m["price_increment"]), "step": Decimal(m["size_increment"]),
                    "min": Decimal(m["min_size"])}
        assert time.monotonic() < deadline, f"no fresh {PAIR} book: {m}"
        time.sleep(0.5)


def on_tick(value: Decimal, tick: Decimal, rounding: str) -> str:
    return str((value / tick).to_integral_value(rounding) * tick)


def place(page: Any, kind: str, size: str, price: str) -> Any:
    """Fill the form and press Buy; the form."""
    form = page.get_by_role("form", name="Place an order")
    form.get_by_label("Market", exact=True).select_option(f"{VENUE}/{PAIR}")
    form.get_by_label("Type", exact=True).select_option(kind)
    form.get_by_label("Size (BTC)", exact=True).fill(size)
    form.get_by_label("Limit price (USD)", exact=True).fill(price)
    form.get_by_role("button", name="Buy").click()
    return form


def test_a_trader_places_cancels_and_sees_fills_and_refusals(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/orders", 1280, 720, site.user, site.password)
        form = page.get_by_role("form", name="Place an order")
        expect(form.get_by_label("Wallet set", exact=True)).to_have_value(site.wallet_set_id)
        form.get_by_label("Market", exact=True).select_option(f"{VENUE}/{PAIR}")
        expect(form.locator("[data-currency='USD'] [data-testid='available']")).to_have_text("50000")
        # the form says why it cannot send yet
        form.get_by_label("Size (BTC)", exact=True).fill("")
        expect(form.get_by_role("button", name="Buy")).to_be_disabled()
        expect(form.get_by_test_id("place-why")).to_have_text("Enter a size.")

        # a limit order far below the market rests: it is listed as open
        b0 = book(site)
        size = str(b0["min"])
        place(page, "limit", size, on_tick(b0["bid"] / 2, b0["tick"], ROUND_FLOOR))
        expect(form.get_by_test_id("order-outcome")).to_contain_text("accepted")
        order_id = form.get_by_test_id("order-outcome").locator(".mono").inner_text()
        open_orders = page.get_by_role("table", name="Open orders")
        resting = open_orders.locator(f"[data-order-id='{order_id}']")
        expect(resting.get_by_test_id("order-state")).to_have_text("open")
        expect(resting.get_by_test_id("order-filled")).to_have_text(f"0 / {size}")

        # cancelled after a confirmation: it leaves the open orders and is listed as cancelled
        resting.get_by_role("button", name=f"Cancel order {order_id}").click()
        dialog = page.get_by_role("dialog", name="Cancel this order?")
        dialog.get_by_role("button", name="Cancel order").click()
        expect(page.get_by_test_id("cancel-outcome")).to_have_text(f"Order {order_id} is cancelled.")
        expect(resting).to_have_count(0)
        recent = page.get_by_role("table", name="Recent orders")
        expect(recent.locator(f"[data-order-id='{order_id}']")).to_have_attribute("data-state", "cancelled")

        # an IOC order above the ask takes the book: filled, and its fill is listed under it
        b1 = book(site)
        place(page, "ioc", size, on_tick(b1["ask"] * Decimal("1.02"), b1["tick"], ROUND_CEILING))
        expect(form.get_by_test_id("order-outcome")).to_contain_text("accepted")
        taker_id = form.get_by_test_id("order-outcome").locator(".mono").inner_text()
        assert taker_id != order_id  # a new order, a new idempotency key
        taker = recent.locator(f"[data-order-id='{taker_id}']")
        expect(taker).to_have_attribute("data-state", "filled")
        expect(taker.get_by_test_id("order-filled")).to_have_text(f"{size} / {size}")
        taker.get_by_role("button", name=f"Show fills of {taker_id}").click()
        fills = recent.get_by_role("table", name=f"Fills of {taker_id}")
        expect(fills.locator("tbody tr").first).to_contain_text("taker")
        shot(page, "orders")

        # an order the wallet set cannot pay for: warned before, refused by the ledger after, in words
        b2 = book(site)
        price = on_tick(b2["bid"] / 2, b2["tick"], ROUND_FLOOR)
        too_big = str(((Decimal(100_000) / Decimal(price)) / b2["step"]).to_integral_value(ROUND_CEILING)
                      * b2["step"])
        form.get_by_label("Type", exact=True).select_option("limit")
        form.get_by_label("Size (BTC)", exact=True).fill(too_big)
        form.get_by_label("Limit price (USD)", exact=True).fill(price)
        expect(form.get_by_test_id("order-warning")).to_contain_text("the ledger will refuse it")
        form.get_by_role("button", name="Buy").click()
        refusal = form.get_by_role("alert")
        expect(refusal).to_contain_text("The order was refused")
        expect(refusal).to_contain_text("insufficient funds")
        expect(refusal).to_contain_text("available")
        expect(recent.locator("[data-state='rejected']").first).to_be_visible()

        # live: an order placed elsewhere (here by the API's admin) shows up without a reload
        elsewhere = f"api-{uuid.uuid4().hex[:12]}"
        answer = http.post(f"{site.base}/accounts/{ACCOUNT}/orders", timeout=30, json={
            "run_id": site.run_id, "wallet_set_id": site.wallet_set_id, "venue": VENUE, "pair": PAIR,
            "side": "buy", "type": "limit", "size": size, "price": price, "order_id": elsewhere})
        assert answer.status_code == 200, answer.text
        expect(open_orders.locator(f"[data-order-id='{elsewhere}']")).to_have_attribute("data-state", "open")

        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()

        # a phone-width screen: the page fits, the form and the tables are there
        context, page = sign_in(b, f"{site.base}/ui/orders", 390, 844, site.user, site.password)
        expect(page.get_by_role("table", name="Recent orders")).to_be_visible()
        expect(page.get_by_role("form", name="Place an order")).to_be_visible()
        shot(page, "orders-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()
