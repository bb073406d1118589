"""Audit reports over HTTP on a live namespace the API archives itself (``cryptick api --archive``): a
trader's order bought on a live synthetic market, read back as its trail (with the trader as its
principal and its fill at the market's time), in who did what, in fees and in the ledger's proof; CSV and
Parquet downloads; a viewer of another account refused the order's trail."""

from __future__ import annotations

import io
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pyarrow.parquet as pq
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
from tests.integration.conftest import running_api

pytestmark = pytest.mark.integration

ACCOUNT, OTHER = "acct-audit", "acct-elsewhere"
VENUE, PAIR = "synthetic", "BTC-USD"
US = 1_000_000


@dataclass
class Stack:
    base: str
    trader: str  # the trader's name
    trader_key: str
    stranger_key: str  # a viewer of another account
    order_id: str
    started: int  # µs, wall clock before the market started


def _wait(what: str, check: object, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while True:
        got = check()  # type: ignore[operator]
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ns = f"t{uuid.uuid4().hex[:10]}"
    tmp = tmp_path_factory.mktemp("audit-api")
    create_topics(kafka_bootstrap, all_topics(ns))
    started = int(time.time()) * US
    listings, events = synthetic_messages(steps=3000, seed=13, start_ts=started)
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(50))], ns)
    stop = threading.Event()

    def market() -> None:
        for batch in iter(lambda: [m for _, m in zip(range(20), events, strict=False)], []):
            if stop.wait(0.05):
                return
            publish(kafka_bootstrap, batch, ns)

    feeder = threading.Thread(target=market, daemon=True)
    worker = WorkerProcess(kafka_bootstrap, ns, ROLES, log_path=tmp / "worker.log", runtime="direct").start()
    try:
        feeder.start()
        with running_api(kafka_bootstrap, ns, "--archive", CLICKHOUSE_DSN=f"chdb://{tmp / 'chdb'}") as base:
            store = AuthStore(Path(os.environ["CRYPTICK_AUTH_DB"]))
            now = int(time.time())
            trader = f"auditor-{ns[-6:]}"
            store.add_user(trader, Role.TRADER, frozenset({ACCOUNT}), now, "a long password for the trader")
            store.add_user(f"stranger-{ns[-6:]}", Role.VIEWER, frozenset({OTHER}), now,
                           "another long password")
            trader_key = store.create_key(trader, now)[1]
            stranger_key = store.create_key(f"stranger-{ns[-6:]}", now)[1]
            store.close()
            ok = http.post(f"{base}/accounts/{ACCOUNT}/deposits", timeout=30,
                           json={"venue": VENUE, "currency": "USD", "amount": "100000"})
            assert ok.status_code == 200, ok.text
            ok = http.post(f"{base}/accounts/{ACCOUNT}/wallet-sets", timeout=30, json={
                "wallet_set_id": f"ws-{ns}", "run_id": f"manual-{ns}",
                "allocations": [{"venue": VENUE, "currency": "USD", "amount": "50000"}]})
            assert ok.status_code == 200, ok.text

            def ask() -> Decimal | None:
                m = next((m for m in http.get(f"{base}/markets", timeout=10).json()
                          if m["venue"] == VENUE and m["pair"] == PAIR), None)
                book = m and m["book"]
                return Decimal(book["ask"]) if book and book["ask"] and not book["stale"] else None

            best = _wait("a fresh book", ask)
            order_id = f"audit-{ns}"
            placed = httpx.post(f"{base}/accounts/{ACCOUNT}/orders", timeout=30,
                                headers={"Authorization": f"Bearer {trader_key}"},
                                json={"run_id": f"manual-{ns}", "wallet_set_id": f"ws-{ns}", "venue": VENUE,
                                      "pair": PAIR, "side": "buy", "type": "ioc", "size": "0.01",
                                      "order_id": order_id,  # the price: 1 % over the ask, in whole cents
                                      "price": str((best * Decimal("1.01")).quantize(Decimal("0.01")))})  # type: ignore[operator]
            assert placed.status_code == 200, placed.text
            yield Stack(base, trader, trader_key, stranger_key, order_id, started)
    finally:
        stop.set()
        feeder.join(10)
        worker.stop()
        drop_namespaces(ns)


def _trail(stack: Stack) -> dict:
    last: list[str] = []

    def filled() -> dict | None:
        r = http.get(f"{stack.base}/audit/orders/{stack.order_id}", timeout=30)
        last[:] = [f"{r.status_code} {r.text[:2000]}"]
        body = r.json() if r.status_code == 200 else None
        return body if body and any(row[1] == "OrderDone" for row in body["rows"]) else None

    try:
        return _wait("the order's trail in the archive", filled)  # type: ignore[return-value]
    except AssertionError:
        raise AssertionError(f"no whole trail of {stack.order_id}; the last answer: {last}") from None


def test_an_orders_trail_names_its_trader_and_fills_at_the_markets_time(stack: Stack) -> None:
    trail = _trail(stack)
    rows = {row[1]: row for row in trail["rows"]}
    assert trail["columns"] == ["time", "event", "who", "what", "event_id", "at"]
    assert rows["OrderRequested"][2] == stack.trader
    assert "OrderFilled" in rows and "book level" in rows["OrderFilled"][3]
    assert rows["OrderFilled"][0] >= time.strftime("%Y-%m-%d", time.gmtime(stack.started / US))  # not 1970
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
    assert scoped.status_code == 403  # the books are every account's: the proof is for a principal of all
