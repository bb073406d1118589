"""The Wallets page and the notification centre in a real Chromium against the real stack (worker, an API
that archives the namespace, a live synthetic market): a trader of an account with a funded pool creates
a wallet set from the pool and sees the pool shrink, tops it up, is refused deactivating a set with an
open order (in the dialog, in words), deactivates the new set and sees the pool whole again, sees the
account's value drawn over time, and sees a fill of an order placed by hand arrive as a notification.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import RunSite, live_stack

pytestmark = pytest.mark.integration

ACCOUNT = "acct-wallets"
VENUE = "synthetic"
# the 401 of GET /auth/me that sends a visitor to sign in, and the 422 of the refusal this test asks for
ALLOWED = ("401", "422")


@dataclass
class Site(RunSite):
    wallet_set_id: str  # a set the admin trades in by hand


def _ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # the market goes on while the browser looks at it; --archive: this API archives the namespace and
    # reads the wallet history from it
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-wallets"), seed=11, batch=10,
                    pause_s=0.1, archive=True) as stack:
        ns, base = stack.namespace, stack.base
        user, password = stack.user("wallets", Role.TRADER, {ACCOUNT})
        for currency, amount in (("USD", "100000"), ("BTC", "2")):
            _ok(http.post(f"{base}/accounts/{ACCOUNT}/deposits", timeout=30,
                          json={"venue": VENUE, "currency": currency, "amount": amount}))
        run_id, wallet_set_id = f"manual-{ns}", f"orders-{ns}"
        _ok(http.post(f"{base}/accounts/{ACCOUNT}/wallet-sets", timeout=30, json={
            "wallet_set_id": wallet_set_id, "run_id": run_id,
            "allocations": [{"venue": VENUE, "currency": "USD", "amount": "50000"}]}))
        yield Site(base, user, password, run_id, wallet_set_id)


def order(site: Site, **fields: Any) -> httpx.Response:
    return _ok(http.post(f"{site.base}/accounts/{ACCOUNT}/orders", timeout=30, json={
        "run_id": site.run_id, "wallet_set_id": site.wallet_set_id, "venue": VENUE, "pair": "BTC-USD",
        "order_id": f"hand-{uuid.uuid4().hex[:10]}", **fields}))


def test_a_trader_creates_adjusts_and_deactivates_a_set_and_sees_a_fill_notified(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/wallets", 1280, 720, site.user, site.password)
        pool_usd = page.get_by_test_id("pool").locator("tr[data-currency=USD]")
        expect(pool_usd).to_have_attribute("data-amount", "50000")
        expect(page.get_by_test_id("account-usd")).to_contain_text("$")

        # create a set from the pool: the pool shrinks by exactly what was allocated
        form = page.get_by_role("form", name="New wallet set")
        form.get_by_label("Wallet set id").fill("set-e2e")
        form.get_by_label("Run id").fill("run-e2e")
        amount = form.get_by_label(f"Allocate USD on {VENUE}")
        amount.fill("999999")
        expect(amount).to_have_value("50000")  # capped at what the pool holds
        amount.fill("1000")
        form.get_by_role("button", name="Create wallet set").click()
        expect(pool_usd).to_have_attribute("data-amount", "49000")
        card = page.locator("[data-wallet-set='set-e2e']")
        expect(card).to_have_attribute("data-active", "true")
        expect(card.locator("tr[data-currency=USD] td").nth(2)).to_have_text("1000")

        # top it up from the pool
        card.get_by_role("button", name="Adjust set-e2e").click()
        dialog = page.get_by_role("dialog", name="Adjust set-e2e")
        dialog.get_by_label(f"Change USD on {VENUE} by").fill("500")
        dialog.get_by_role("button", name="Apply adjustment").click()
        expect(dialog).to_be_hidden()
        expect(card.locator("tr[data-currency=USD] td").nth(2)).to_have_text("1500")
        expect(pool_usd).to_have_attribute("data-amount", "48500")

        # a set with an open order: the ledger refuses to deactivate it, said in the dialog
        order(site, side="buy", type="limit", size="0.01", price="1000")  # rests far below the market
        other = page.locator(f"[data-wallet-set='{site.wallet_set_id}']")
        expect(other).to_contain_text("1 open orders")
        other.get_by_role("button", name=f"Deactivate {site.wallet_set_id}").click()
        refuse = page.get_by_role("dialog", name=f"Deactivate {site.wallet_set_id}?")
        refuse.get_by_role("button", name="Deactivate").click()
        expect(refuse.get_by_test_id("error")).to_contain_text("The set was not deactivated")
        expect(refuse.get_by_test_id("error")).to_contain_text("open")
        refuse.get_by_role("button", name="Keep it").click()
        expect(other).to_have_attribute("data-active", "true")

        # deactivate the new set: the pool is whole again
        card.get_by_role("button", name="Deactivate set-e2e").click()
        dialog = page.get_by_role("dialog", name="Deactivate set-e2e?")
        dialog.get_by_role("button", name="Deactivate").click()
        expect(dialog).to_be_hidden()
        expect(card).to_have_attribute("data-active", "false")
        expect(pool_usd).to_have_attribute("data-amount", "50000")

        # the account's value over the last hour, from the archive
        chart = page.get_by_test_id("wallet-history")
        expect(chart).to_have_attribute("data-points", "61")
        expect(chart.locator("canvas")).to_be_visible()
        page.get_by_label("History of", exact=True).select_option("set-e2e")
        expect(chart).to_have_attribute("data-scope", "set-e2e")
        shot(page, "wallets")

        # an order placed by hand fills: a toast says so, and the bell counts it
        order(site, side="buy", type="market", size="0.01", price="1000000")
        expect(page.locator("[data-testid=toast][data-kind=fill]").first).to_contain_text("BTC-USD")
        bell = page.get_by_test_id("notify-bell")
        expect(bell).not_to_have_attribute("data-unread", "0")
        # the toasts never take the focus, nor a click: what lies under a toast's text is what a click reaches
        assert page.evaluate("document.activeElement?.closest('[data-testid=toasts]') == null")
        under = page.evaluate("""() => {
            const r = document.querySelector('[data-testid=toast] p').getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
            return hit?.closest('[data-testid=toasts]') == null;
        }""")
        assert under, "a toast's text takes the clicks meant for the page below it"
        bell.focus()
        page.keyboard.press("Enter")  # keyboard reachable
        panel = page.get_by_test_id("notify-panel")
        fills = panel.locator("[data-testid=notify-item][data-kind=fill]")
        expect(fills.first).to_contain_text("Filled: buy 0.01 BTC-USD")
        expect(bell).to_have_attribute("data-unread", "0")
        shot(page, "notifications")
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()


def test_the_wallets_page_fits_a_phone(site: Site) -> None:
    from playwright.sync_api import expect

    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/wallets", 390, 844, site.user, site.password)
        expect(page.get_by_test_id("wallet-set").first).to_be_visible()
        expect(page.get_by_role("button", name="Create wallet set")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()
