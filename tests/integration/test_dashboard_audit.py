"""The Audit page in a real Chromium against the real stack, its API archiving the namespace itself: an
admin opens an order that filled on the live synthetic market from the Orders page's link and reads its
trail (request, hold, acceptance, fill), downloads it as CSV (the same rows), and runs the no-double-fill
and ledger proofs from their forms and reads "no double fill" and "conserved"; a viewer of the account,
on a phone-width screen, reads the trail, is told an unknown order is not in the archive, is refused the
admin's reports in words and reads the ledger proof of its own account. Under the API's content security
policy, with no error in the page, and no page wider than its screen.

Bounded for CI: one stack, one browser, two tests, each wait at most 60 s.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import US, fresh_ask, live_stack, wait_for

pytestmark = pytest.mark.integration

ACCOUNT = "acct-audit-ui"
VENUE, PAIR = "synthetic", "BTC-USD"
TRAIL = ["OrderRequested", "FundsHeld", "OrderAccepted", "OrderFilled"]


@dataclass
class Site:
    base: str
    admin: tuple[str, str]
    viewer: tuple[str, str]
    order_id: str


def _ok(answer: object) -> None:
    assert getattr(answer, "status_code", 0) == 200, getattr(answer, "text", answer)


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-audit"), seed=17,
                    start_ts=int(time.time()) * US, archive=True) as stack:
        ns, base = stack.namespace, stack.base
        admin = stack.user("auditor", Role.ADMIN, None)
        viewer = stack.user("looker", Role.VIEWER, {ACCOUNT})
        _ok(http.post(f"{base}/accounts/{ACCOUNT}/deposits", timeout=30,
                      json={"venue": VENUE, "currency": "USD", "amount": "100000"}))
        _ok(http.post(f"{base}/accounts/{ACCOUNT}/wallet-sets", timeout=30, json={
            "wallet_set_id": f"ws-{ns}", "run_id": f"manual-{ns}",
            "allocations": [{"venue": VENUE, "currency": "USD", "amount": "50000"}]}))

        best = fresh_ask(base, VENUE, PAIR)
        order_id = f"audit-ui-{ns}"  # an IOC 1 % over the ask, in whole cents: it takes the book
        _ok(http.post(f"{base}/accounts/{ACCOUNT}/orders", timeout=30, json={
            "run_id": f"manual-{ns}", "wallet_set_id": f"ws-{ns}", "venue": VENUE, "pair": PAIR,
            "side": "buy", "type": "ioc", "size": "0.01", "order_id": order_id,
            "price": str((best * Decimal("1.01")).quantize(Decimal("0.01")))}))

        def archived() -> bool:  # the page reads the archive, which the API writes a moment later
            r = http.get(f"{base}/audit/orders/{order_id}", timeout=30)
            return r.status_code == 200 and any(row[1] == "OrderDone" for row in r.json()["rows"])

        wait_for("the order's whole trail in the archive", archived)
        yield Site(base, admin, viewer, order_id)


def test_an_admin_reads_an_orders_trail_downloads_it_and_runs_both_proofs(site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/orders?account={ACCOUNT}", 1280, 720, *site.admin)
        # from the Orders page's row to the order's trail
        recent = page.get_by_role("table", name="Recent orders")
        recent.get_by_role("link", name=f"Audit trail of {site.order_id}").click()
        expect(page).to_have_url(f"{site.base}/ui/audit?report=order&order={site.order_id}")
        expect(page.get_by_role("tab", name="Order trail")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_label("Order id")).to_have_value(site.order_id)
        answer = page.get_by_test_id("audit-answer")
        expect(answer.get_by_role("heading", name=f"Order {site.order_id}")).to_be_visible()
        table = answer.get_by_role("table", name=f"Order {site.order_id}")
        events = table.locator("[data-testid='audit-row'] [data-column='event']")
        expect(events.first).to_be_visible()
        shown = events.all_inner_texts()
        assert [e for e in shown if e in TRAIL][:4] == TRAIL, shown  # request, hold, acceptance, fill
        count = int(table.get_attribute("data-count") or "0")
        assert count == len(shown) >= 4  # every row drawn: a short trail fits the view
        expect(answer.get_by_test_id("audit-summary")).to_contain_text(ACCOUNT)
        shot(page, "audit")
        width = page.evaluate("document.documentElement.scrollWidth")  # a wide table scrolls in its frame
        assert width <= 1280, f"the page is {width}px wide on a 1280px screen"

        # the same rows as CSV, a plain link that carries the session
        with page.expect_download() as download:
            answer.get_by_test_id("download-csv").click()
        saved = tmp_path / "trail.csv"
        download.value.save_as(saved)
        with saved.open(newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["time", "event", "who", "what", "event_id", "at", "logged"]
        assert len(rows) - 1 == count and [r[1] for r in rows[1:]] == shown

        # the no-double-fill proof for the market, from its form
        page.get_by_role("tab", name="No double fill").click()
        form = page.get_by_role("form", name="No double fill: parameters")
        form.get_by_label("Venue").fill(VENUE)
        form.get_by_label("Pair").fill(PAIR)
        form.get_by_role("button", name="Run report").click()
        expect(page).to_have_url(f"{site.base}/ui/audit?report=fills&venue={VENUE}&pair={PAIR}")
        verdict = page.get_by_test_id("verdict")
        expect(verdict.get_by_test_id("verdict-headline")).to_have_text("No double fill")
        expect(verdict).to_have_attribute("data-proven", "true")
        expect(verdict.get_by_test_id("verdict-checked")).to_contain_text("book versions")
        checked = verdict.get_by_test_id("verdict-checked").inner_text()
        assert int(checked.split(" fills")[0].replace(",", "")) >= 1, checked  # the IOC's fill among them

        # the ledger proof of the account
        page.get_by_role("tab", name="Ledger proof").click()
        form = page.get_by_role("form", name="Ledger proof: parameters")
        form.get_by_label("Account").fill(ACCOUNT)
        form.get_by_role("button", name="Run report").click()
        expect(verdict.get_by_test_id("verdict-headline")).to_have_text("Conserved")
        expect(verdict.get_by_test_id("verdict-checked")).to_contain_text("postings")
        expect(page.get_by_test_id("audit-summary")).to_contain_text(ACCOUNT)
        shot(page, "audit-ledger")

        # the market's book as it was a moment ago, by deep link: both sides, best first, and its version
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 2))
        page.goto(f"{site.base}/ui/audit?report=book&venue={VENUE}&pair={PAIR}&at={at}&depth=5")
        book = page.get_by_role("table", name=f"Book of {VENUE} {PAIR} at {at}.000000Z")
        expect(book.locator("[data-column='side']", has_text="bid")).to_have_count(5)
        expect(book.locator("[data-column='side']", has_text="ask")).to_have_count(5)
        expect(page.get_by_test_id("audit-summary")).to_contain_text("version event")
        shot(page, "audit-book")
        # and its top over the last hour, a point a minute, from the form
        page.get_by_role("tab", name="Book over time").click()
        form = page.get_by_role("form", name="Book over time: parameters")
        form.get_by_label("Period").select_option("1h")
        form.get_by_role("button", name="Run report").click()
        series = page.get_by_role("table", name=re.compile(f"{VENUE} {PAIR}"))
        expect(series.locator("[data-column='best bid']").first).to_be_visible()
        assert real_problems(page) == [], page.problems
        context.close()


def test_a_viewer_is_refused_the_admins_reports_in_words_on_a_phone(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    with browser() as b:
        url = f"{site.base}/ui/audit?report=order&order={site.order_id}"
        context, page = sign_in(b, url, 390, 844, *site.viewer)
        # its account's order: the trail's wide table scrolls inside its frame, the page does not
        table = page.get_by_role("table", name=f"Order {site.order_id}")
        expect(table.locator("[data-column='event']", has_text="OrderFilled")).to_have_count(1)
        shot(page, "audit-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        # an order the archive does not have: said where the id was typed
        page.get_by_label("Order id").fill("no-such-order")
        page.get_by_role("button", name="Run report").click()
        refusal = page.get_by_role("alert")
        expect(refusal).to_contain_text("No such order in the archive: check the id")
        expect(refusal).to_contain_text("no order no-such-order")
        # the admin's reports: refused, in the API's words
        page.get_by_role("tab", name="No double fill").click()
        expect(refusal).to_contain_text("Your role may not read this report")
        expect(refusal).to_contain_text("needs the admin role")
        page.get_by_role("tab", name="Who did what").click()
        expect(refusal).to_contain_text("needs the admin role")
        # its own account's proof it may read: the account is chosen for it
        page.get_by_role("tab", name="Ledger proof").click()
        expect(page.get_by_label("Account")).to_have_value(ACCOUNT)
        expect(page.get_by_test_id("verdict-headline")).to_have_text("Conserved")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        assert real_problems(page, ("401", "403", "404")) == [], page.problems
        context.close()
