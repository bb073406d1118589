"""The Backtests and Overview pages in a real Chromium against the real stack (worker, an API that owns
the embedded archive, a live synthetic market): a trader compares two stored backtests side by side
(figures and equity against HODL), sees a running one's progress and cancels it, is told why a bad
start is refused, and reads an account's funds allocated to runs against its pool, with a paper run's
performance — under the API's content security policy, with no error in the page.

Bounded for CI: one stack, one browser, each wait at most 60 s; the backtests are six synthetic hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import RunSite, live_stack, start_demo_run, wait_for
from tests.integration.test_api_backtests import HODL, follow

pytestmark = pytest.mark.integration

ACCOUNT = "acct-reports"
POOL_USD = "2500"
# the answers the page is meant to turn into words: the 401 of GET /auth/me before signing in, the 404
# of a paper run's report before the archive holds enough of it, and the 422 of the refused start
ALLOWED = ("status of 401", "status of 404", "status of 422")


@dataclass
class Site(RunSite):
    backtests: list[dict[str, Any]] = field(default_factory=list)  # done, with their reports


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # the market goes on while the browser looks at it; --archive: this API owns the embedded store, so
    # it stores backtests and reports on paper runs
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-reports"), seed=5,
                    archive=True) as stack:
        base = stack.base
        user, password = stack.user("rep", Role.TRADER, {ACCOUNT})
        deposit = http.post(f"{base}/accounts/{ACCOUNT}/deposits", json={
            "venue": "synthetic", "currency": "USD", "amount": POOL_USD}, timeout=30)
        assert deposit.status_code == 200 and deposit.json()["status"] == "accepted", deposit.text
        site = Site(base, user, password, start_demo_run(base, ACCOUNT))
        for bases in ("BTC,ETH", "BTC"):
            bt = http.post(f"{base}/backtests", json={**HODL, "params": {"bases": bases}}, timeout=30)
            assert bt.status_code == 202, bt.text
            ended = follow(base, bt.json()["backtest_id"])
            assert ended[-1][0] == "done", ended[-1]
            site.backtests.append(ended[-1][1])
        yield site


def shown_return(fraction: float) -> str:
    """A return as the page writes it (components/reports/model.ts formatReturn)."""
    text = f"{abs(fraction * 100):.2f} %"
    if float(text[:-2]) == 0:
        return "0.00 %"
    return f"+{text}" if fraction > 0 else f"\N{MINUS SIGN}{text}"


def test_backtests_compare_side_by_side_and_a_running_one_is_cancelled(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    first, second = site.backtests
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/backtests", 1280, 720, site.user, site.password,
                                timeout_ms=60_000)
        table = page.get_by_role("table", name="Backtests")
        for bt in (first, second):
            row = table.locator(f"[data-backtest-id='{bt['backtest_id']}']")
            expect(row).to_have_attribute("data-state", "done")
            # the list's figures come from each report
            expect(row.locator("td").nth(4)).to_have_text(shown_return(bt["report"]["result"]["total_return"]))
        page.get_by_role("checkbox", name=f"Compare hodl {first['backtest_id']}").check()
        box = page.get_by_role("checkbox", name=f"Compare hodl {second['backtest_id']}")
        box.focus()
        page.keyboard.press("Space")  # keyboard reachable
        expect(box).to_be_checked()

        compared = page.get_by_role("table", name="Backtests compared")
        heads = compared.locator("thead th[data-backtest-id]")
        expect(heads).to_have_count(2)
        assert heads.evaluate_all("hs => hs.map(h => h.dataset.backtestId)") == [first["backtest_id"],
                                                                                 second["backtest_id"]]
        for metric, figure in (("return", lambda r: shown_return(r["result"]["total_return"])),
                               ("hodl", lambda r: shown_return(r["hodl"]["total_return"])),
                               ("trades", lambda r: f"{r['orders']} / {r['fills']}")):
            cells = compared.locator(f"tr[data-metric='{metric}'] td")
            expect(cells).to_have_text([figure(first["report"]), figure(second["report"])])
        for metric in ("sharpe", "sortino", "drawdown", "fees", "turnover"):
            expect(compared.locator(f"tr[data-metric='{metric}'] td")).to_have_count(2)
        chart = page.get_by_test_id("comparison").get_by_test_id("equity-chart")
        expect(chart).to_have_attribute("data-series", "4")  # two equity curves, two HODL curves
        expect(chart.locator("canvas")).to_be_visible()
        shot(page, "backtests")

        # the comparison is in the address: a reload shows it again
        assert f"compare={first['backtest_id']}%2C{second['backtest_id']}" in page.url or \
            f"compare={first['backtest_id']},{second['backtest_id']}" in page.url, page.url
        page.reload()
        expect(page.get_by_role("table", name="Backtests compared").locator("thead th[data-backtest-id]")
               ).to_have_count(2)

        # a start the API refuses says why, in the form
        page.get_by_role("button", name="Start a backtest…").click()
        page.get_by_label("Parameters").fill("colour=red")
        page.get_by_role("button", name="Start", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("takes no parameter colour")

        # a long one, started from the form, shows its progress and is cancelled from its row
        page.get_by_label("Parameters").fill("bases=BTC")
        page.get_by_label("End (UTC)").fill("2018-03-01T00:00")
        page.get_by_role("button", name="Start", exact=True).click()
        expect(page.get_by_role("status").filter(has_text="Started")).to_be_visible()
        row = table.locator("tr[data-state='running']")
        expect(row).to_have_count(1)  # the page follows it without a reload
        expect(row.get_by_test_id("backtest-progress")).to_contain_text("%")
        row.get_by_role("button", name="Cancel").click()
        cancelled = table.locator("tr[data-state='cancelled']")
        expect(cancelled).to_have_count(1)
        expect(cancelled).to_contain_text("nothing of it was stored")
        expect(row).to_have_count(0)
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()

        context, page = sign_in(b, f"{site.base}/ui/backtests?compare={first['backtest_id']},"
                                   f"{second['backtest_id']}", 390, 844, site.user, site.password,
                                timeout_ms=60_000)
        expect(page.get_by_role("table", name="Backtests compared")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        context.close()


def test_overview_shows_allocated_against_unallocated_and_the_runs_performance(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)

    def pool() -> str | None:
        amounts = http.get(f"{site.base}/accounts/{ACCOUNT}/unallocated", timeout=30).json()
        return next((a["amount"] for a in amounts if a["currency"] == "USD"), None)

    def run_set() -> dict[str, Any] | None:
        sets = http.get(f"{site.base}/accounts/{ACCOUNT}/wallet-sets", timeout=30).json()
        return next((s for s in sets if s["run_id"] == site.run_id and s["active"]), None)

    wait_for("the deposit in the pool", lambda: pool() == POOL_USD)
    wallet_set = wait_for("the run's wallet set", run_set)
    # a paper run's report is computed from its archived inbox: there once the archive holds its start
    wait_for("the paper run's report",
             lambda: http.get(f"{site.base}/runs/{site.run_id}/report", timeout=60).status_code == 200)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/overview", 1280, 720, site.user, site.password,
                                timeout_ms=60_000)
        account = page.locator(f"[data-account='{ACCOUNT}']")
        funds = account.get_by_role("table", name=f"Funds of {ACCOUNT}: allocated and unallocated")
        usd = funds.locator("tr[data-currency='USD']")
        expect(usd.get_by_test_id("unallocated")).to_have_text(POOL_USD)
        # the run's wallet set is a column of its own, its balance beside the pool's
        expect(funds.locator("thead")).to_contain_text(site.run_id)
        share = float(usd.get_by_test_id("allocated-share").get_attribute("data-share") or "nan")
        run_usd = next(float(x["balance"]) for x in wallet_set["balances"] if x["currency"] == "USD")
        assert share == pytest.approx(run_usd / (run_usd + float(POOL_USD)), abs=1e-3)
        btc = funds.locator("tr[data-currency='BTC']")
        expect(btc.get_by_test_id("unallocated")).to_have_text("0")
        expect(account.get_by_test_id("allocated-usd")).to_contain_text("$")
        expect(account.get_by_test_id("unallocated-usd")).to_have_text(f"${float(POOL_USD):,.2f}")

        card = page.locator(f"[data-testid='run-performance'][data-run-id='{site.run_id}']")
        expect(card).to_be_visible()
        expect(card.get_by_test_id("run-return")).to_contain_text("%")
        expect(card.get_by_test_id("equity-chart").locator("canvas")).to_be_visible()
        shot(page, "overview")
        assert real_problems(page, ALLOWED) == [], page.problems
        context.close()

        context, page = sign_in(b, f"{site.base}/ui/overview", 390, 844, site.user, site.password,
                                timeout_ms=60_000)
        expect(page.locator(f"[data-account='{ACCOUNT}']").get_by_test_id("distribution")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        context.close()
