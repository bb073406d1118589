"""A person manages funds and trades over HTTP: deposits, wallet sets, orders, balances,
valuation — through the real API, broker and agents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptick.flows import WorkerProcess
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, venue_key
from tests.integration import http

pytestmark = pytest.mark.integration


@pytest.fixture()
def market(kafka_bootstrap: str, namespace: str, api_server: str, tmp_path: Path) -> Iterator[str]:
    """Listings and a live synthetic BTC-USD book, with the agents running."""
    feed = SyntheticFeed(SyntheticConfig(bases=("BTC",)))
    msgs = [Message(VENUE_JOURNAL, venue_key(lst.venue, lst.pair), lst) for lst in feed.listings()]
    msgs += [Message(LEDGER_JOURNAL, "alice", lst) for lst in feed.listings()]
    msgs += [Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[union-attr]
             for e in feed.events(50)]
    publish(kafka_bootstrap, msgs, namespace)
    worker = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "worker.log").start()
    try:
        yield api_server
    finally:
        worker.stop()


def post(base: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return http.post(f"{base}/accounts/alice{path}", json=body or {}, timeout=20)


def until(fn: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_funds_wallet_sets_and_orders_over_http(market: str) -> None:
    base = market
    r = post(base, "/deposits", {"venue": "synthetic", "currency": "USD", "amount": "10000",
                                 "command_id": "dep-1"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    again = post(base, "/deposits", {"venue": "synthetic", "currency": "USD", "amount": "10000",
                                     "command_id": "dep-1"})
    assert again.json()["status"] == "duplicate"  # applied once

    too_much = post(base, "/wallet-sets", {"wallet_set_id": "ws1", "run_id": "run1",
                                           "allocations": [{"venue": "synthetic", "currency": "USD",
                                                            "amount": "20000"}]})
    assert too_much.status_code == 422 and too_much.json()["reason"] == "insufficient_funds"
    unknown = post(base, "/wallet-sets", {"wallet_set_id": "ws1", "run_id": "run1",
                                          "allocations": [{"venue": "nowhere", "currency": "USD",
                                                           "amount": "1"}]})
    assert unknown.status_code == 422 and "unknown venue 'nowhere'" in unknown.json()["detail"]
    made = post(base, "/wallet-sets", {"wallet_set_id": "ws1", "run_id": "run1",
                                       "allocations": [{"venue": "synthetic", "currency": "USD",
                                                        "amount": "6000"}]})
    assert made.status_code == 200, made.text

    pool = http.get(f"{base}/accounts/alice/unallocated", timeout=5).json()
    assert pool == [{"venue": "synthetic", "currency": "USD", "amount": "4000"}]
    allocated = http.get(f"{base}/accounts/alice/allocated", params={"aggregate": True}, timeout=5).json()
    assert allocated == [{"venue": "*", "currency": "USD", "amount": "6000"}]

    bad = post(base, "/orders", {"run_id": "run1", "wallet_set_id": "ws1", "venue": "synthetic",
                                 "pair": "BTC-USD", "side": "buy", "type": "limit", "size": "0",
                                 "price": "100"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "size"

    book = until(lambda: http.get(f"{base}/markets/synthetic/BTC-USD/book", timeout=5))
    assert book.status_code == 200
    best_ask = float(book.json()["asks"][0][0])
    buy = post(base, "/orders", {"run_id": "run1", "wallet_set_id": "ws1", "venue": "synthetic",
                                 "pair": "BTC-USD", "side": "buy", "type": "market", "size": "0.1",
                                 "price": f"{best_ask * 1.05:.2f}", "order_id": "buy-1"})
    assert buy.status_code == 200, buy.text
    assert [e["type"] for e in buy.json()["events"]] == ["FundsHeld", "OrderAccepted"]
    rest = post(base, "/orders", {"run_id": "run1", "wallet_set_id": "ws1", "venue": "synthetic",
                                  "pair": "BTC-USD", "side": "buy", "type": "limit", "size": "0.1",
                                  "price": "1000", "order_id": "rest-1"})
    assert rest.status_code == 200, rest.text

    def settled() -> dict[str, Any] | None:
        ws = http.get(f"{base}/accounts/alice/wallet-sets/ws1", timeout=5).json()
        btc = [b for b in ws["balances"] if b["currency"] == "BTC"]
        return ws if btc and btc[0]["balance"] == "0.1" else None

    ws = until(settled)
    assert ws is not None, "the market buy was not filled and settled"
    usd = next(b for b in ws["balances"] if b["currency"] == "USD")
    assert float(usd["hold"]) == pytest.approx(100.2, abs=0.01)  # 0.1 x 1000 + max fee, for rest-1
    assert float(usd["balance"]) == pytest.approx(6000 - 0.1 * best_ask, rel=0.01)
    assert ws["open_orders"] == 1

    refused = post(base, "/wallet-sets/ws1/deactivate")
    assert refused.status_code == 422 and refused.json()["reason"] == "open_orders"
    cancelled = post(base, "/orders/rest-1/cancel", {"run_id": "run1", "venue": "synthetic",
                                                    "pair": "BTC-USD"})
    assert cancelled.status_code == 200, cancelled.text
    until(lambda: http.get(f"{base}/accounts/alice/wallet-sets/ws1", timeout=5).json()["open_orders"] == 0)
    assert post(base, "/wallet-sets/ws1/deactivate").status_code == 200

    # the orders read back: states, fills, average price, fees, reasons, one order's whole trail
    def both_done() -> list[dict[str, Any]] | None:
        got = http.get(f"{base}/accounts/alice/orders", timeout=5).json()
        states = {o["order_id"]: o["state"] for o in got}
        return got if states == {"rest-1": "done", "buy-1": "done"} else None

    listed = until(both_done)
    assert listed is not None and [o["order_id"] for o in listed] == ["rest-1", "buy-1"]  # newest first
    bought = listed[1]
    assert (bought["filled"], bought["reason"], bought["type"]) == ("0.1", "filled", "market")
    assert float(bought["avg_price"]) == pytest.approx(best_ask, rel=0.01)
    assert float(bought["fees"]["USD"]) > 0
    assert (listed[0]["filled"], listed[0]["reason"], listed[0]["avg_price"]) == ("0", "cancelled", None)
    assert http.get(f"{base}/accounts/alice/orders", params={"state": "open"}, timeout=5).json() == []
    assert http.get(f"{base}/accounts/alice/orders", params={"run_id": "other"}, timeout=5).json() == []
    trail = http.get(f"{base}/accounts/alice/orders/buy-1", timeout=5).json()["trail"]
    steps = [t["type"] for t in trail]
    assert steps[:2] == ["OrderRequested", "OrderAccepted"] and steps[-1] == "OrderDone"
    assert "OrderFilled" in steps
    assert http.get(f"{base}/accounts/alice/orders/nope", timeout=5).status_code == 404

    values = {v["currency"]: v for v in http.get(f"{base}/accounts/alice/value", timeout=5).json()}
    assert float(values["BTC"]["usd"]) == pytest.approx(0.1 * best_ask, rel=0.01)
    assert values["USD"]["usd"] == values["USD"]["amount"]
    assert "BTC-USD" in http.get(f"{base}/prices", timeout=5).json()
