"""A person runs a strategy over HTTP: lists the strategies, starts a paper run, watches its dashboard
components and logs on the SSE stream, moves one of its controls, stops it — real API, broker, agents."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.units import US
from tests.integration import http

pytestmark = pytest.mark.integration


@pytest.fixture()
def live(kafka_bootstrap: str, namespace: str, api_server: str, tmp_path: Path) -> Iterator[str]:
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log").start()
    now = int(time.time()) * US
    listings, events = synthetic_messages(steps=2000, seed=3, start_ts=now)
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(50))], namespace)
    stop = threading.Event()

    def market() -> None:  # the market goes on at 10x while the test talks to the API
        for batch in iter(lambda: [m for _, m in zip(range(20), events, strict=False)], []):
            if stop.is_set():
                return
            publish(kafka_bootstrap, batch, namespace)
            time.sleep(0.05)

    feeder = threading.Thread(target=market, daemon=True)
    feeder.start()
    try:
        yield api_server
    finally:
        stop.set()
        feeder.join(10)
        worker.stop()


def sse(base: str, kinds: str, until: Any, timeout: float = 60) -> list[tuple[str, dict[str, Any]]]:
    """Events of ``kinds`` from now on, until ``until(received)`` is true."""
    received: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    with http.stream("GET", f"{base}/streams/events", params={"kinds": kinds}, timeout=timeout) as response:
        name = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name and name != "ready":
                received.append((name, json.loads(line.split(":", 1)[1])))
                if until(received) or time.monotonic() > deadline:
                    return received
    return received


def test_a_paper_run_over_http(live: str) -> None:
    listed = http.get(f"{live}/strategies", timeout=10).json()
    demo = next(s for s in listed if s["name"] == "demo")
    assert "offset_bps" in [p["name"] for p in demo["params"]] and demo["description"]

    bad = http.post(f"{live}/runs", json={"strategy": "nope", "balances": [
        {"venue": "synthetic", "currency": "USD", "amount": "100"}]}, timeout=10)
    assert bad.status_code == 422 and "unknown strategy 'nope'" in bad.text
    bad = http.post(f"{live}/runs", json={"strategy": "demo", "params": {"interval_s": "-1"}, "balances": [
        {"venue": "synthetic", "currency": "USD", "amount": "100"}]}, timeout=10)
    assert bad.status_code == 422 and "interval_s" in bad.text

    started: dict[str, Any] = {}

    def start() -> None:
        time.sleep(1)  # the stream is open by then
        r = http.post(f"{live}/runs", json={"strategy": "demo", "params": {"interval_s": "1"}, "balances": [
            {"venue": "synthetic", "currency": "USD", "amount": "10000"}]}, timeout=10)
        started.update(r.json(), status=r.status_code)

    threading.Thread(target=start).start()
    events = sse(live, "runs", lambda got: any(n == "UiComponentUpdated" for n, _ in got))
    assert started["status"] == 202
    run_id = started["run_id"]
    mine = [(n, b) for n, b in events if b["run_id"] == run_id]
    states = [b["state"] for n, b in mine if n == "RunStateChanged"]
    assert states[:2] == ["waiting", "running"]
    declared = {b["component_id"]: json.loads(b["spec_json"]) for n, b in mine if n == "UiComponentDeclared"}
    assert set(declared) == {"quotes", "settings"} and declared["settings"]["field"] == "offset_bps"

    def move_slider() -> None:
        time.sleep(1)
        r = http.post(f"{live}/runs/{run_id}/components/settings", json={"offset_bps": 7}, timeout=10)
        assert r.status_code == 202

    threading.Thread(target=move_slider).start()
    logs = sse(live, "runs", lambda got: any(n == "StrategyLogged" and "offset now 7 bps" in b["message"]
                                             for n, b in got))
    assert any(n == "StrategyLogged" and b["run_id"] == run_id and "offset now 7 bps" in b["message"]
               for n, b in logs)

    def stop() -> None:
        time.sleep(1)
        r = http.post(f"{live}/runs/{run_id}/stop", json={"reason": "enough"}, timeout=10)
        assert r.status_code == 202

    threading.Thread(target=stop).start()
    ended = sse(live, "runs", lambda got: any(n == "RunStateChanged" and b["state"] == "stopped"
                                              for n, b in got))
    assert ("stopped", "enough") in [(b["state"], b["detail"]) for n, b in ended if n == "RunStateChanged"]


def test_the_strategies_are_listed_with_typed_parameters(api_server: str) -> None:
    listed = {s["name"]: s for s in http.get(f"{api_server}/strategies", timeout=10).json()}
    demo = {p["name"]: p for p in listed["demo"]["params"]}
    assert list(demo) == ["pair", "venue", "interval_s", "offset_bps", "size_fx", "fee_reserve_bps"]
    assert demo["size_fx"] == {"name": "size_fx", "type": "amount", "default": "0.01",
                               "help": "0.01 of the base"}
    assert (demo["interval_s"]["type"], demo["interval_s"]["default"]) == ("int", "10")
    frontier = {p["name"]: p for p in listed["efficient_frontier"]["params"]}
    assert (frontier["bases"]["type"], frontier["bases"]["default"]) == ("list", "BTC,ETH,LTC,BCH,ZEC,XMR")
    assert (frontier["auto_confirm"]["type"], frontier["auto_confirm"]["default"]) == ("bool", "false")
    assert (frontier["risk_free_rate"]["type"], frontier["risk_free_rate"]["default"]) == ("float", "0.03")
    assert "frontier point index" in frontier["target"]["help"]  # from the dataclass's docstring


def test_parameters_are_checked_without_starting_anything(api_server: str) -> None:
    url = f"{api_server}/strategies/efficient_frontier/check"
    ok = http.post(url, json={"params": {"bases": "BTC, ETH", "auto_confirm": "yes"}}, timeout=10)
    assert ok.status_code == 200, ok.text
    assert ok.json()["params"]["bases"] == "BTC,ETH" and ok.json()["params"]["auto_confirm"] == "true"
    assert ok.json()["params"]["points"] == "20"  # defaults included

    bad = http.post(url, json={"params": {"bases": "BTC"}}, timeout=10)
    assert bad.status_code == 422
    assert bad.json()["detail"] == ("bad parameters for efficient_frontier: bases must name at least two "
                                    "different currencies")
    assert [e["field"] for e in bad.json()["errors"]] == ["params.bases"]

    bad = http.post(url, json={"params": {"bases": "BTC,ETH", "points": "many"}}, timeout=10)
    assert bad.status_code == 422 and "points: expected a whole number" in bad.json()["detail"]
    assert [e["field"] for e in bad.json()["errors"]] == ["params.points"]

    bad = http.post(f"{api_server}/strategies/demo/check", json={"params": {"size_fx": "a lot"}}, timeout=10)
    assert bad.status_code == 422 and "expected a decimal amount such as 0.01" in bad.json()["detail"]
    bad = http.post(f"{api_server}/strategies/demo/check", json={"params": {"sizes": "1"}}, timeout=10)
    assert bad.status_code == 422 and "demo takes no parameter sizes" in bad.json()["detail"]
    missing = http.post(f"{api_server}/strategies/nope/check", json={"params": {}}, timeout=10)
    assert missing.status_code == 404 and "unknown strategy 'nope'" in missing.json()["detail"]


def poll(url: str, ok: Any, timeout: float = 60) -> Any:
    """GET ``url`` until ``ok(json)``; the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        got = http.get(url, timeout=10)
        if got.status_code == 200 and ok(got.json()):
            return got.json()
        assert time.monotonic() < deadline, (url, got.status_code, got.text[:500])
        time.sleep(0.2)


def test_a_run_is_read_back_mid_way_without_the_stream(live: str) -> None:
    body = {"strategy": "demo", "account": "reader", "params": {"interval_s": "1"},
            "balances": [{"venue": "synthetic", "currency": "USD", "amount": "10000"}]}
    r = http.post(f"{live}/runs", json=body, timeout=10)
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]

    # a page opened after the start renders at once: state, and each component with its latest data
    detail = poll(f"{live}/runs/{run_id}", lambda d: d["state"] == "running"
                  and any(c["data"] is not None for c in d["components"]))
    assert (detail["strategy"], detail["mode"], detail["account"]) == ("demo", "paper", "reader")
    assert detail["params"]["interval_s"] == "1"
    assert detail["allocations"] == [{"venue": "synthetic", "currency": "USD", "amount": "10000"}]
    kinds = {c["component_id"]: c["kind"] for c in detail["components"]}
    assert kinds == {"quotes": "table", "settings": "slider"}
    assert detail["inbox"]["StartRun"] == 1 and detail["outputs"]["UiComponentDeclared"] == 2
    components = http.get(f"{live}/runs/{run_id}/components", timeout=10).json()
    assert [c["component_id"] for c in components] == ["quotes", "settings"]

    listed = http.get(f"{live}/runs", params={"account": "reader", "state": "running"}, timeout=10).json()
    assert [x["run_id"] for x in listed] == [run_id] and listed[0]["component_count"] == 2
    # its figures from the replica: its wallet set against the 10,000 USD it was given
    valued = poll(f"{live}/runs?account=reader", lambda rs: rs and rs[0]["performance"])[0]["performance"]
    assert valued["basis"] == "replica" and valued["start_usd"] == "10000" and valued["max_drawdown"] is None
    assert valued["total_return"] == pytest.approx(float(Decimal(valued["equity_usd"])) / 10000 - 1, abs=1e-9)
    other = http.get(f"{live}/runs", params={"strategy": "hodl", "account": "reader"}, timeout=10)
    assert other.json() == []
    # and on /metrics: the running run's orders, fills and equity (its id a label only while it runs)
    metrics = http.get(f"{live}/metrics", timeout=10).text.splitlines()
    mine = {line.split("{")[0]: line for line in metrics if f'run_id="{run_id}"' in line}
    assert set(mine) == {"cryptick_run_orders_total", "cryptick_run_fills_total", "cryptick_run_equity_usd"}
    assert float(mine["cryptick_run_equity_usd"].split()[-1]) > 0
    assert any(line.startswith('cryptick_runs{state="running"}') for line in metrics)

    moved = http.post(f"{live}/runs/{run_id}/components/settings", json={"offset_bps": 7}, timeout=10)
    assert moved.status_code == 202
    logs = poll(f"{live}/runs/{run_id}/logs", lambda lines: any("offset now 7 bps" in x["message"]
                                                               for x in lines))
    assert all(set(x) == {"ts", "level", "message"} for x in logs)
    stopped = http.post(f"{live}/runs/{run_id}/stop", json={"reason": "read enough"}, timeout=10)
    assert stopped.status_code == 202
    done = poll(f"{live}/runs/{run_id}", lambda d: d["state"] == "stopped")
    assert done["detail"] == "read enough" and done["stop_requested"] == "read enough"
    assert f'run_id="{run_id}"' not in http.get(f"{live}/metrics", timeout=10).text  # stopped: no series
    assert done["inbox"]["ControlMessage"] == 1

    assert http.get(f"{live}/runs/no-such-run", timeout=10).status_code == 404
    assert http.get(f"{live}/runs/no-such-run/components", timeout=10).status_code == 404


def test_markets_are_listed_with_their_rules_and_book_status(live: str) -> None:
    markets = poll(f"{live}/markets", lambda ms: ms and all(m["book"] and not m["book"]["stale"] for m in ms))
    btc = next(m for m in markets if m["pair"] == "BTC-USD")
    assert (btc["venue"], btc["base"], btc["quote"]) == ("synthetic", "BTC", "USD")
    assert float(btc["price_increment"]) > 0 and float(btc["min_size"]) > 0
    book = btc["book"]
    assert float(book["bid"]) < float(book["ask"]) and 0 <= book["last_update_age_s"] < 30


def test_a_runs_fills_and_a_markets_trades_are_read_back(live: str) -> None:
    body = {"strategy": "hodl", "account": "filler", "params": {"bases": "BTC"},
            "balances": [{"venue": "synthetic", "currency": "USD", "amount": "1000"}]}
    run_id = http.post(f"{live}/runs", json=body, timeout=10).json()["run_id"]
    orders = poll(f"{live}/accounts/filler/orders?run_id={run_id}",
                  lambda os_: os_ and all(o["state"] == "done" for o in os_) and any(o["filled"] != "0"
                                                                                       for o in os_))
    fills = http.get(f"{live}/accounts/filler/fills", params={"run_id": run_id}, timeout=10).json()
    assert fills and all(f["run_id"] == run_id and f["pair"] == "BTC-USD" for f in fills)
    for o in orders:  # each order's fills add up to what it filled, at its average price
        mine = [f for f in fills if f["order_id"] == o["order_id"]]
        assert sum(Decimal(f["size"]) for f in mine) == Decimal(o["filled"])
        assert all(f["fill_id"].startswith(o["order_id"] + ":") and f["side"] == o["side"] for f in mine)
    assert [f["time"] for f in fills] == sorted((f["time"] for f in fills), reverse=True)
    assert http.get(f"{live}/accounts/filler/fills", params={"run_id": "other"}, timeout=10).json() == []
    assert len(http.get(f"{live}/accounts/filler/fills", params={"limit": 1}, timeout=10).json()) == 1

    trades = poll(f"{live}/markets/synthetic/BTC-USD/trades?limit=5", lambda ts: len(ts) == 5)
    assert all(Decimal(t["price"]) > 0 and Decimal(t["size"]) > 0 and t["trade_id"] for t in trades)
    assert [t["time"] for t in trades] == sorted((t["time"] for t in trades), reverse=True)
    assert http.get(f"{live}/markets/synthetic/DOGE-USD/trades", timeout=10).status_code == 404
