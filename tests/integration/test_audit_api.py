"""Audit reports over HTTP on a live namespace the API archives itself (``cryptick api --archive``): a
trader's order bought on a live synthetic market, read back as its trail (with the trader as its
principal and its fill at the market's time), in who did what, in fees and in the ledger's proof; CSV and
Parquet downloads; a viewer of another account refused the order's trail."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pyarrow.parquet as pq
import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.live_stack import US, add_key, add_user, fresh_ask, live_stack, wait_for

pytestmark = pytest.mark.integration

ACCOUNT, OTHER = "acct-audit", "acct-elsewhere"
VENUE, PAIR = "synthetic", "BTC-USD"


@dataclass
class Stack:
    base: str
    trader: str  # the trader's name
    trader_key: str
    stranger_key: str  # a viewer of another account
    order_id: str
    started: int  # µs, wall clock before the market started


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = int(time.time()) * US
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("audit-api"), seed=13, start_ts=started,
                    archive=True) as live:
        ns, base = live.namespace, live.base
        trader, stranger = f"auditor-{ns[-6:]}", f"stranger-{ns[-6:]}"
        add_user(trader, Role.TRADER, {ACCOUNT}, "a long password for the trader")
        add_user(stranger, Role.VIEWER, {OTHER}, "another long password")
        trader_key, stranger_key = add_key(trader), add_key(stranger)
        ok = http.post(f"{base}/accounts/{ACCOUNT}/deposits", timeout=30,
                       json={"venue": VENUE, "currency": "USD", "amount": "100000"})
        assert ok.status_code == 200, ok.text
        ok = http.post(f"{base}/accounts/{ACCOUNT}/wallet-sets", timeout=30, json={
            "wallet_set_id": f"ws-{ns}", "run_id": f"manual-{ns}",
            "allocations": [{"venue": VENUE, "currency": "USD", "amount": "50000"}]})
        assert ok.status_code == 200, ok.text

        best = fresh_ask(base, VENUE, PAIR)
        order_id = f"audit-{ns}"
        placed = httpx.post(f"{base}/accounts/{ACCOUNT}/orders", timeout=30,
                            headers={"Authorization": f"Bearer {trader_key}"},
                            json={"run_id": f"manual-{ns}", "wallet_set_id": f"ws-{ns}", "venue": VENUE,
                                  "pair": PAIR, "side": "buy", "type": "ioc", "size": "0.01",
                                  "order_id": order_id,  # the price: 1 % over the ask, in whole cents
                                  "price": str((best * Decimal("1.01")).quantize(Decimal("0.01")))})
        assert placed.status_code == 200, placed.text
        yield Stack(base, trader, trader_key, stranger_key, order_id, started)


def _trail(stack: Stack) -> dict:
    last: list[str] = []

    def filled() -> dict | None:
        r = http.get(f"{stack.base}/audit/orders/{stack.order_id}", timeout=30)
        last[:] = [f"{r.status_code} {r.text[:2000]}"]
        body = r.json() if r.status_code == 200 else None
        return body if body and any(row[1] == "OrderDone" for row in body["rows"]) else None

    try:
        return wait_for("the order's trail in the archive", filled)
    except AssertionError:
        raise AssertionError(f"no whole trail of {stack.order_id}; the last answer: {last}") from None


def test_an_orders_trail_names_its_trader_and_fills_at_the_markets_time(stack: Stack) -> None:
    trail = _trail(stack)
    rows = {row[1]: row for row in trail["rows"]}
    assert trail["columns"] == ["time", "event", "who", "what", "event_id", "at", "logged"]
    assert rows["OrderRequested"][2] == stack.trader
    assert "OrderFilled" in rows and "book level" in rows["OrderFilled"][3]
    assert rows["OrderFilled"][0] >= time.strftime("%Y-%m-%d", time.gmtime(stack.started / US))  # not 1970
    # sent over HTTP, the order has no market time: its request, hold and acceptance show none (not 1970),
    # and every row shows when the broker logged it, the day it was sent
    for sent in ("OrderRequested", "FundsHeld", "OrderAccepted"):
        assert rows[sent][0] == "", rows[sent]
    days = {time.strftime("%Y-%m-%d", time.gmtime(t)) for t in (time.time(), time.time() - 3600)}
    assert all(row[6][:10] in days for row in trail["rows"]), trail["rows"]
    logged = [row[6] for row in trail["rows"] if row[1] in ("OrderRequested", "OrderAccepted", "OrderFilled")]
    assert logged == sorted(logged)  # the request, its acceptance, then the fill, as the broker saw them
    assert any(row[1] == "WalletMovement" and row[4].endswith(":settle") for row in trail["rows"])
    assert trail["summary"]["account"] == ACCOUNT and trail["summary"]["fills"] >= 1
    mine = httpx.get(f"{stack.base}/audit/orders/{stack.order_id}", timeout=30,
                     headers={"Authorization": f"Bearer {stack.trader_key}"})
    assert mine.status_code == 200
    theirs = httpx.get(f"{stack.base}/audit/orders/{stack.order_id}", timeout=30,
                       headers={"Authorization": f"Bearer {stack.stranger_key}"})
    assert theirs.status_code == 403 and ACCOUNT in theirs.json()["detail"]
    missing = http.get(f"{stack.base}/audit/orders/no-such-order", timeout=30)
    assert missing.status_code == 404 and "no order no-such-order" in missing.json()["detail"]


def test_who_did_what_fees_and_the_ledger_over_http(stack: Stack) -> None:
    _trail(stack)
    who = http.get(f"{stack.base}/audit/commands", params={"account": ACCOUNT}, timeout=30).json()
    actions = {(row[1], row[2]) for row in who["rows"]}
    assert (stack.trader, "order") in actions
    deposits = [row for row in who["rows"] if row[2] == "deposit"]
    assert deposits and all(row[1] not in ("", "(not recorded)", stack.trader) for row in deposits)
    refused = httpx.get(f"{stack.base}/audit/commands", params={"account": ACCOUNT}, timeout=30,
                        headers={"Authorization": f"Bearer {stack.trader_key}"})
    assert refused.status_code == 403  # who did what is an admin's
    fees = http.get(f"{stack.base}/audit/fees", params={"account": ACCOUNT, "format": "csv"}, timeout=30)
    assert fees.status_code == 200 and fees.headers["content-type"].startswith("text/csv")
    assert fees.text.splitlines()[0].startswith("day,account,run,venue,fills")
    parquet = http.get(f"{stack.base}/audit/ledger", params={"account": ACCOUNT, "format": "parquet"},
                       timeout=30)
    assert parquet.status_code == 200 and pq.read_table(io.BytesIO(parquet.content)).num_rows == 0
    proof = http.get(f"{stack.base}/audit/ledger", params={"account": ACCOUNT}, timeout=30).json()
    assert proof["summary"]["verdict"] == "conserved" and proof["summary"]["postings checked"] >= 3


def test_no_double_fill_over_http_on_the_paper_runs_archive(stack: Stack) -> None:
    _trail(stack)
    proof = http.get(f"{stack.base}/audit/fills", params={"venue": VENUE, "pair": PAIR}, timeout=60)
    assert proof.status_code == 200, proof.text
    body = proof.json()
    assert body["columns"][:3] == ["time", "venue", "pair"] and body["rows"] == []
    assert body["summary"]["verdict"] == "no double fill"
    assert body["summary"]["fills checked"] >= 1 and body["summary"]["consuming fills"] >= 1  # the IOC took
    scoped = httpx.get(f"{stack.base}/audit/fills", timeout=30,
                       headers={"Authorization": f"Bearer {stack.stranger_key}"})
    assert scoped.status_code == 403  # the books are every account's: the proof is an admin's of all


def test_what_was_refused_and_why_over_http_and_the_cli(stack: Stack) -> None:
    too_much = http.post(f"{stack.base}/accounts/{ACCOUNT}/withdrawals", timeout=30,
                         json={"venue": VENUE, "currency": "USD", "amount": "999999999"})
    assert too_much.status_code == 422, too_much.text
    off_tick = httpx.post(f"{stack.base}/accounts/{ACCOUNT}/orders", timeout=30,
                          headers={"Authorization": f"Bearer {stack.trader_key}"},
                          json={"run_id": "manual", "wallet_set_id": "ws-none", "venue": VENUE, "pair": PAIR,
                                "side": "buy", "type": "limit", "size": "0.01", "price": "1.001"})
    assert off_tick.status_code == 422, off_tick.text
    refusals = {off_tick.json()["command_id"]: "order refused",
                too_much.json()["command_id"]: "command refused"}

    def both() -> dict | None:
        r = http.get(f"{stack.base}/audit/refused", params={"account": ACCOUNT}, timeout=30)
        body = r.json() if r.status_code == 200 else None
        subjects = {row[3]: row for row in (body or {}).get("rows", [])}
        return body if all(s in subjects for s in refusals) else None

    body = wait_for("both refusals in the archive", both)
    rows = {row[3]: row for row in body["rows"]}
    for subject, what in refusals.items():
        assert rows[subject][1] == what and rows[subject][4]  # with its machine reason
    assert "insufficient" in rows[too_much.json()["command_id"]][4]
    assert body["summary"]["refusals"] >= 2
    theirs = httpx.get(f"{stack.base}/audit/refused", params={"account": ACCOUNT}, timeout=30,
                       headers={"Authorization": f"Bearer {stack.stranger_key}"})
    assert theirs.status_code == 403
