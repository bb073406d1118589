"""The Backtests and Overview pages in a real Chromium against the real stack (worker, an API that owns
the embedded archive, a live synthetic market): a trader compares two stored backtests side by side
(figures and equity against HODL), sees a running one's progress and cancels it, is told why a bad
start is refused, and reads an account's funds allocated to runs against its pool, with a paper run's
performance — under the API's content security policy, with no error in the page.

Bounded for CI: one stack, one browser, each wait at most 60 s; the backtests are six synthetic hours.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from tests.integration.test_api_backtests import HODL, follow

pytestmark = pytest.mark.integration

ACCOUNT = "acct-reports"
US = 1_000_000
SHOTS = os.environ.get("CRYPTICK_SCREENSHOTS")  # a folder: each page's screenshot is saved there
POOL_USD = "2500"


@dataclass
class Site:
    base: str
    user: str
    password: str
    run_id: str
    backtests: list[dict[str, Any]] = field(default_factory=list)  # done, with their reports


def wait_for(what: str, check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ns = f"t{uuid.uuid4().hex[:10]}"
    tmp = tmp_path_factory.mktemp("dashboard-reports")
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
        # --archive: this API owns the embedded store, so it stores backtests and reports on paper runs
        with running_api(kafka_bootstrap, ns, "--archive", CLICKHOUSE_DSN=f"chdb://{tmp / 'chdb'}") as base:
            user, password = f"rep-{ns[-6:]}", f"a long password {ns}"
            store = AuthStore(Path(os.environ["CRYPTICK_AUTH_DB"]))
            store.add_user(user, Role.TRADER, frozenset({ACCOUNT}), int(time.time()), password)
            store.close()
            deposit = http.post(f"{base}/accounts/{ACCOUNT}/deposits", json={
                "venue": "synthetic", "currency": "USD", "amount": POOL_USD}, timeout=30)
            assert deposit.status_code == 200 and deposit.json()["status"] == "accepted", deposit.text
            started = http.post(f"{base}/runs", json={
                "strategy": "demo", "account": ACCOUNT, "params": {"interval_s": "1"},
                "balances": [{"venue": "synthetic", "currency": "USD", "amount": "100000"},
                             {"venue": "synthetic", "currency": "BTC", "amount": "2"}]}, timeout=30)
            assert started.status_code == 202, started.text
            site = Site(base, user, password, started.json()["run_id"])
            for bases in ("BTC,ETH", "BTC"):
                bt = http.post(f"{base}/backtests", json={**HODL, "params": {"bases": bases}}, timeout=30)
                assert bt.status_code == 202, bt.text
                ended = follow(base, bt.json()["backtest_id"])
                assert ended[-1][0] == "done", ended[-1]
                site.backtests.append(ended[-1][1])
            yield site
    finally:
        stop.set()
        feeder.join(10)
        worker.stop()
        drop_namespaces(ns)


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def visit(b: Any, url: str, width: int, height: int, site: Site) -> tuple[Any, Any]:
    """A new visitor at ``url``, sent to sign in first; it signs in as the site's trader."""
    context = b.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(60_000)
    page = watched_page(context)
    page.goto(url)
    page.get_by_label("User").fill(site.user)
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def real_problems(page: Any) -> list[str]:
    """What went wrong in the page, but the answers the page is meant to turn into words: the 401 of
    GET /auth/me before signing in, the 404 of a paper run's report before the archive holds enough of
    it, and the 422 of the refused start."""
    return [p for p in page.problems if not any(f"status of {s}" in p for s in (401, 404, 422))]


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
        context, page = visit(b, f"{site.base}/ui/backtests", 1280, 720, site)
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
        assert real_problems(page) == [], page.problems
        context.close()

        context, page = visit(b, f"{site.base}/ui/backtests?compare={first['backtest_id']},"
                                 f"{second['backtest_id']}", 390, 844, site)
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
        context, page = visit(b, f"{site.base}/ui/overview", 1280, 720, site)
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
        assert real_problems(page) == [], page.problems
        context.close()

        context, page = visit(b, f"{site.base}/ui/overview", 390, 844, site)
        expect(page.locator(f"[data-account='{ACCOUNT}']").get_by_test_id("distribution")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        context.close()
