"""The Markets and Market pages in a real Chromium against the real stack (worker, an API that owns the
embedded archive, a live synthetic market): a viewer opens the markets list, goes to one market with
the keyboard, and sees its book and depth chart (bid below ask), recent trades arriving, and candles
drawn from the archive's trades — the same candles the API answers; at phone width nothing overflows.
Under the API's content security policy, with no error in the page.

Bounded for CI: one stack, one browser, each wait at most 60 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.conftest import running_api
from tests.integration.live_stack import US, SignIn, live_stack, wait_for

pytestmark = pytest.mark.integration

VENUE, PAIR = "synthetic", "BTC-USD"
BACKLOG = 12_000  # messages published at once: some ten minutes of event time, so a few 1m candles
START_AGO_S = 20 * 60  # the market's event time starts this long ago, so its candles fall in the last hour
ALLOWED = ("status of 401",)  # the 401 of GET /auth/me before signing in


@dataclass
class Site(SignIn):
    namespace: str


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # the market goes on, slowly, while the browser looks at it; --archive: this API owns the embedded
    # store, and its sink records the market's trades
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-markets"), seed=11, steps=40_000,
                    backlog=BACKLOG, batch=10, pause_s=0.1, start_ts=(int(time.time()) - START_AGO_S) * US,
                    archive=True) as stack:
        user, password = stack.user("mkt", Role.VIEWER, ())
        yield Site(stack.base, user, password, stack.namespace)


def archived_candles(base: str) -> list[dict[str, Any]]:
    end = time.time() + 60
    got = http.get(f"{base}/markets/{VENUE}/{PAIR}/candles", params={
        "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end - 3600)),
        "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end)), "freq": "1m"}, timeout=60)
    return got.json() if got.status_code == 200 else []


def test_a_market_shows_its_book_depth_trades_and_candles(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    # the archive's sink has recorded enough trades for a few candles before the browser looks
    wait_for("candles in the archive", lambda: len(archived_candles(site.base)) >= 3)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/markets", 1280, 720, site.user, site.password,
                                timeout_ms=60_000)
        row = page.get_by_test_id("markets-table").locator(f"[data-market='{VENUE}/{PAIR}']")
        expect(row.get_by_test_id("book-status")).to_have_text("fresh")
        expect(row.locator("td").nth(5)).not_to_have_text("—")  # last update, as a relative time
        link = row.get_by_role("link", name=f"{PAIR} on {VENUE}")
        link.focus()
        with page.expect_response(lambda r: "/candles?" in r.url) as answered:
            page.keyboard.press("Enter")  # keyboard reachable
        expect(page).to_have_url(f"{site.base}/ui/markets/{VENUE}/{PAIR}")
        expect(page.get_by_role("heading", name=f"{PAIR} on {VENUE}")).to_be_visible()
        expect(page.get_by_test_id("book-status")).to_have_text("fresh")

        # the book: levels each side, best first, bid below ask, the same in the header
        bids, asks = page.get_by_test_id("book-bids"), page.get_by_test_id("book-asks")
        expect(bids.locator("tbody tr")).to_have_count(20)
        expect(asks.locator("tbody tr")).to_have_count(20)
        bid = Decimal(bids.locator("tbody tr").first.locator("td").first.inner_text())
        ask = Decimal(asks.locator("tbody tr").first.locator("td").first.inner_text())
        assert 0 < bid < ask, (bid, ask)
        bid_prices = [Decimal(t) for t in bids.locator("tbody tr td.book-price").all_inner_texts()]
        assert bid_prices == sorted(bid_prices, reverse=True), bid_prices
        header_bid = Decimal(page.get_by_test_id("bid").inner_text())
        header_ask = Decimal(page.get_by_test_id("ask").inner_text())
        assert header_bid < header_ask
        expect(page.get_by_test_id("spread")).to_contain_text("bp")
        depth = page.get_by_test_id("depth-chart")
        expect(depth).to_have_attribute("data-levels", "40")
        expect(depth.locator("canvas")).to_be_visible()

        # recent trades arrive without a reload (the page reads them every second)
        trades = page.get_by_test_id("trades")
        expect(trades.locator("tbody tr").first).to_be_visible()
        first = trades.locator("tbody tr").first.get_attribute("data-trade")
        newest = trades.locator("tbody tr").first
        expect(newest).not_to_have_attribute("data-trade", first or "", timeout=30_000)
        side = trades.locator("tbody tr").first.locator("td").nth(1).inner_text()
        assert side in ("buy", "sell"), side

        # candles: as many as the API answered the page, drawn on the canvas
        read = answered.value.json()
        assert len(read) >= 3 and all(Decimal(c["low"]) <= Decimal(c["high"]) for c in read)
        candles = page.get_by_test_id("candles")
        expect(candles).to_have_attribute("data-candles", str(len(read)))
        expect(candles.locator(".uplot")).to_have_attribute("data-candles-drawn", str(len(read)))
        shot(page, "market")

        # a wider candle, chosen from the keyboard, is read again and drawn
        with page.expect_response(lambda r: "/candles?" in r.url and "freq=5m" in r.url) as wider:
            page.get_by_label("Candle width").focus()
            page.get_by_label("Candle width").select_option("5m")
        five = wider.value.json()
        assert 1 <= len(five) < len(read), (len(five), len(read))
        expect(candles).to_have_attribute("data-candles", str(len(five)))
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()

        context, page = sign_in(b, f"{site.base}/ui/markets/{VENUE}/{PAIR}", 390, 844, site.user,
                                site.password, timeout_ms=60_000)
        expect(page.get_by_test_id("book-bids").locator("tbody tr")).to_have_count(20)
        expect(page.get_by_test_id("candles").locator("canvas")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        shot(page, "market-phone")
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()


def test_candles_an_api_cannot_read_say_so_and_the_rest_of_the_market_shows(site: Site, kafka_bootstrap: str
                                                                              ) -> None:
    """A second API of the namespace whose archive is a ClickHouse server that is down: its candle read
    is a 503, which the page turns into what to do; the book and trades (the replica's) still show."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    down = "http://127.0.0.1:9/"  # the discard port: nothing answers there
    with running_api(kafka_bootstrap, site.namespace, CLICKHOUSE_DSN=down) as base, browser() as b:
        context, page = sign_in(b, f"{base}/ui/markets/{VENUE}/{PAIR}", 1280, 720, site.user, site.password,
                                timeout_ms=60_000)
        alert = page.get_by_role("alert").filter(has_text="Candles could not be read")
        expect(alert).to_contain_text("this API cannot read it")
        expect(alert).to_contain_text("Start the API with --archive")
        expect(page.get_by_test_id("candles")).to_have_count(0)
        expect(page.get_by_test_id("book-bids").locator("tbody tr")).to_have_count(20)
        expect(page.get_by_test_id("trades").locator("tbody tr").first).to_be_visible()
        # the 503 is the answer the page put into words; anything else is a problem
        assert real_problems(page, (*ALLOWED, "status of 503")) == [], page.problems
        context.close()
