"""The run configuration page in a real Chromium on the real stack (worker, API, a live synthetic market):
a trader opens /runs/new, picks the efficient frontier, types a parameter the API refuses and sees why
under it, allocates part of the account's pool with an input (capped to what is available) and a slider
(from the keyboard), starts the run, lands on its page and sees it running; the pool gave exactly what
was typed. A trader cannot deposit paper money; the page fits a phone's width.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in, watched_page
from tests.integration.live_stack import SignIn, live_stack

pytestmark = pytest.mark.integration

ACCOUNT = "acct-start"
POOL = {"USD": "20000", "BTC": "1"}  # what the admin deposits into the account's pool first
# the 401 of a signed-out visitor and the 422 of the parameter check the test provokes on purpose
# (Chromium logs every failed request as a console error)
ALLOWED = ("401", "status of 422")


@dataclass
class Site(SignIn):
    admin: str


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-start"), seed=13, steps=20_000,
                    backlog=30, speed=4.0) as stack:
        base = stack.base
        user, password = stack.user("start", Role.TRADER, {ACCOUNT})
        admin, _ = stack.user("boss", Role.ADMIN, None)  # every account; the same password
        for currency, amount in POOL.items():  # the admin funds the account's pool
            r = http.post(f"{base}/accounts/{ACCOUNT}/deposits", json={
                "venue": "synthetic", "currency": currency, "amount": amount}, timeout=30)
            assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
        yield Site(base, user, password, admin)


def pool(site: Site, account: str = ACCOUNT) -> dict[str, Decimal]:
    got = http.get(f"{site.base}/accounts/{account}/unallocated", timeout=10)
    assert got.status_code == 200, got.text
    return {a["currency"]: Decimal(a["amount"]) for a in got.json() if a["venue"] == "synthetic"}


def watched(context: Any) -> Any:
    """A watched page that also keeps the failed answers (status and URL): a console error names neither."""
    page = watched_page(context)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 400 else None)
    page.failed_answers = failed
    return page


def test_a_trader_configures_and_starts_an_efficient_frontier_run(site: Site) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/", 1280, 720, site.user, site.password,
                                watch=watched)
        page.get_by_role("link", name="Start a run").click()
        expect(page).to_have_url(re.compile(r"/ui/runs/new$"))

        form = page.get_by_role("form", name="Start a run")
        form.get_by_label("Strategy").select_option("efficient_frontier")
        expect(page.get_by_test_id("strategy-description")).to_contain_text("frontier")
        expect(form.get_by_label("Account")).to_have_value(ACCOUNT)
        # Defaults are placeholders; a refused value says why under its own field, as it is typed.
        bases = form.get_by_role("textbox", name="bases", exact=True)
        expect(bases).to_have_attribute("placeholder", "BTC,ETH,LTC,BCH,ZEC,XMR")
        bases.fill("BTC")
        check = page.get_by_test_id("params-check")
        expect(check).to_have_attribute("data-state", "invalid")
        bases_field = form.locator("[data-param='bases']")
        expect(bases_field).to_contain_text("bases must name at least two different currencies")
        expect(bases).to_have_attribute("aria-invalid", "true")
        form.get_by_role("textbox", name="points", exact=True).fill("many")
        expect(form.locator("[data-param='points']")).to_contain_text("expected a whole number")
        form.get_by_role("textbox", name="points", exact=True).fill("")
        bases.fill("BTC,ETH")
        for name, value in {"quote": "USD", "candle_interval_s": "1", "min_candles": "3", "lookback": "30",
                            "cloud_size": "50"}.items():
            form.get_by_role("textbox", name=name, exact=True).fill(value)
        expect(check).to_have_attribute("data-state", "ok")
        expect(bases_field).not_to_contain_text("bases must name")

        # A trader allocates from the pool: no paper money of their own.
        expect(form.get_by_label("Deposit the allocation as paper money first")).to_be_disabled()
        expect(page.get_by_role("complementary", name="Add funds")).to_contain_text("Only an admin")
        allocation = form.get_by_role("table", name="Allocation")
        usd = allocation.get_by_role("textbox", name="Amount of USD on synthetic")
        usd.fill("30000")  # over the pool: capped to what is available
        expect(usd).to_have_value("20000")
        usd.fill("15000.5")
        btc = allocation.get_by_role("slider", name="Share of BTC on synthetic")
        btc.focus()
        for _ in range(25):
            page.keyboard.press("ArrowRight")  # keyboard reachable: 25 % of 1 BTC
        expect(allocation.get_by_role("textbox", name="Amount of BTC on synthetic")).to_have_value("0.25")
        shot(page, "start-run")

        form.get_by_role("button", name="Start run").click()
        expect(page).to_have_url(re.compile(r"/ui/runs/(?!new)[^/]+$"))
        expect(page.get_by_test_id("run-state")).to_have_text("running")
        run_id = page.url.rsplit("/", 1)[-1]
        detail = http.get(f"{site.base}/runs/{run_id}", timeout=10).json()
        assert (detail["strategy"], detail["account"]) == ("efficient_frontier", ACCOUNT)
        assert detail["params"]["bases"] == "BTC,ETH" and detail["params"]["lookback"] == "30"
        assert "points" not in detail["params"]  # left empty: its default
        left = pool(site)
        assert left["USD"] == Decimal("4999.5") and left["BTC"] == Decimal("0.75"), left

        # The runs list links to the new run; at a phone's width the form still fits.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
        expect(page.get_by_role("table", name="Runs").locator(f"[data-run-id='{run_id}']")).to_be_visible()
        page.set_viewport_size({"width": 390, "height": 844})
        page.get_by_role("link", name="Start a run").click()
        expect(page.get_by_role("table", name="Allocation")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a phone"
        assert real_problems(page, ALLOWED) == [], (page.problems, page.failed_answers)
        context.close()


def test_a_start_the_api_refuses_is_explained_under_the_form(site: Site) -> None:
    """The parameters are the API's to judge: a start with a refused one comes back from POST /runs with
    its reason, shown under the form, and nothing starts; an empty allocation is not even sent."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/new", 1280, 720, site.user, site.password,
                                watch=watched)
        form = page.get_by_role("form", name="Start a run")
        form.get_by_label("Strategy").select_option("demo")
        before = http.get(f"{site.base}/runs", params={"account": ACCOUNT}, timeout=10).json()

        form.get_by_role("button", name="Start run").click()
        expect(page.get_by_test_id("start-problems")).to_have_text(
            "Allocate an amount of at least one currency to the run.")

        form.get_by_role("table", name="Allocation").get_by_role("textbox", name="Amount of USD on synthetic"
                                                                 ).fill("100")
        form.get_by_role("textbox", name="interval_s", exact=True).fill("0")
        form.get_by_role("button", name="Start run").click()
        refused = form.get_by_test_id("error")
        expect(refused).to_contain_text("The run was not started")
        expect(refused).to_contain_text("interval_s and size_fx must be positive")
        expect(page.get_by_test_id("start-problems")).to_be_hidden()
        after = http.get(f"{site.base}/runs", params={"account": ACCOUNT}, timeout=10).json()
        assert len(after) == len(before)

        # The answer to a start is lost on the way back (the API started the run): the retry sends the
        # same command_id, so it is the same run, started once.
        sent: list[dict[str, Any]] = []
        answered: list[dict[str, Any]] = []

        def lose_the_answer(route: Any) -> None:
            sent.append(route.request.post_data_json)
            answered.append(route.fetch().json())  # the API gets it and answers...
            route.abort()  # ...but the browser never sees the answer

        page.route("**/runs", lose_the_answer, times=1)
        form.get_by_role("textbox", name="interval_s", exact=True).fill("")
        form.get_by_role("button", name="Start run").click()
        expect(refused).to_contain_text("The start was not confirmed")
        expect(refused).to_contain_text("cannot reach the API")
        page.route("**/runs", lambda route: (sent.append(route.request.post_data_json), route.continue_()))
        form.get_by_role("button", name="Try the start again").click()
        expect(page.get_by_test_id("run-state")).to_have_text("running")
        assert len(sent) == 2 and sent[0]["command_id"] == sent[1]["command_id"], sent
        assert page.url.endswith(f"/runs/{answered[0]['run_id']}")
        again = http.get(f"{site.base}/runs", params={"account": ACCOUNT}, timeout=10).json()
        assert len(again) == len(before) + 1
        lost = [p for p in real_problems(page, ALLOWED) if "net::ERR_FAILED" in p]
        assert len(lost) == 1  # the answer the test threw away
        assert [p for p in real_problems(page, ALLOWED) if p not in lost] == [], \
            (page.problems, page.failed_answers)
        context.close()


def test_an_admin_adds_paper_funds_and_starts_a_run_with_a_deposit(site: Site) -> None:
    """An admin may use any account (typed; "paper" by default), deposit paper money into its pool, and
    start a run whose allocation is deposited first: then the amounts are not capped by the pool."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    account = "acct-start-admin"
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/new", 390, 844, site.admin, site.password,
                                watch=watched)  # a phone
        form = page.get_by_role("form", name="Start a run")
        expect(form.get_by_label("Account")).to_have_value("paper")
        form.get_by_label("Account").fill(account)
        form.get_by_label("Account").press("Enter")
        expect(form.get_by_role("group", name=f"Allocation from the pool of {account}")).to_be_visible()
        expect(page.get_by_test_id("pool-empty")).to_contain_text("add funds first")

        funds = page.get_by_role("form", name="Add funds")
        funds.get_by_role("combobox", name="Venue").fill("synthetic")
        funds.get_by_role("combobox", name="Currency").fill("ETH")
        page.keyboard.press("Escape")
        funds.get_by_label("Amount").fill("3")
        funds.get_by_role("button", name="Deposit").click()
        expect(funds.get_by_role("status")).to_contain_text(f"Deposited 3 ETH on synthetic into {account}")
        allocation = form.get_by_role("table", name="Allocation")
        eth = allocation.get_by_role("textbox", name="Amount of ETH on synthetic")
        eth.fill("10")
        expect(eth).to_have_value("3")  # the pool holds 3

        form.get_by_label("Deposit the allocation as paper money first").check()
        form.get_by_role("combobox", name="New currency").fill("USD")
        form.get_by_role("combobox", name="New venue").fill("synthetic")
        page.keyboard.press("Escape")  # close the suggestions
        form.get_by_role("button", name="Add a currency").click()
        allocation.get_by_role("textbox", name="Amount of USD on synthetic").fill("500")
        eth.fill("10")
        expect(eth).to_have_value("10")  # deposited first: not capped
        form.get_by_label("Strategy").select_option("demo")
        form.get_by_role("textbox", name="pair", exact=True).fill("ETH-USD")
        expect(page.get_by_test_id("params-check")).to_have_attribute("data-state", "ok")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a phone"
        shot(page, "start-run-phone")
        form.get_by_role("button", name="Start run").click()
        expect(page.get_by_test_id("run-state")).to_have_text("running")
        left = {c: a for c, a in pool(site, account).items() if a}
        assert left == {"ETH": Decimal(3)}, left  # the run: 10 ETH, 500 USD deposited, allocated
        assert real_problems(page, ALLOWED) == [], (page.problems, page.failed_answers)
        context.close()
