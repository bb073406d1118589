"""Backtests over HTTP: a person starts one, follows its progress on SSE, reads its report, cancels one;
it is the CLI's backtest (same outputs' digest) and it is stored as the CLI stores it — real API, broker
and embedded ClickHouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from floor.kafka import create_topics
from schemas.topics import all_topics
from tests.integration import http
from tests.integration.conftest import running_api

pytestmark = pytest.mark.integration

HODL = {"strategy": "hodl", "params": {"bases": "BTC,ETH"},
        "balances": [{"venue": "synthetic", "currency": "USD", "amount": "10000"}],
        "start": "2018-01-01T00:00:00Z", "end": "2018-01-01T06:00:00Z", "step_ms": 2000}


def follow(base: str, backtest_id: str, until: str | None = None, timeout: float = 240
           ) -> list[tuple[str, dict[str, Any]]]:
    """The backtest's SSE events until the stream ends (or one named ``until`` arrives)."""
    got: list[tuple[str, dict[str, Any]]] = []
    with http.stream("GET", f"{base}/backtests/{backtest_id}/events", timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        name = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name:
                got.append((name, json.loads(line.split(":", 1)[1])))
                if name == until:
                    return got
    return got


def test_a_backtest_over_http_is_the_clis_and_is_stored(kafka_bootstrap: str, namespace: str,
                                                        fresh_archive: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    with running_api(kafka_bootstrap, namespace, "--archive") as base:  # it owns the embedded store
        started = http.post(f"{base}/backtests", json={**HODL, "command_id": "bt-1"}, timeout=30)
        assert started.status_code == 202, started.text
        bt = started.json()
        assert bt["state"] in ("queued", "running") and bt["command_id"] == "bt-1"
        assert bt["balances"] == [{"venue": "synthetic", "currency": "USD", "amount": "10000"}]
        again = http.post(f"{base}/backtests", json={**HODL, "command_id": "bt-1"}, timeout=30)
        assert again.status_code == 202 and again.json()["backtest_id"] == bt["backtest_id"]  # one backtest
        other = http.post(f"{base}/backtests", json={**HODL, "latency_ms": 5, "command_id": "bt-1"},
                           timeout=30)
        assert other.status_code == 409 and "other options" in other.text

        events = follow(base, bt["backtest_id"])
        names = [n for n, _ in events]
        assert names[-1] == "done" and set(names[:-1]) <= {"progress"}, names
        running = [e for n, e in events if n == "progress" and e["state"] == "running"]
        fractions = [e["progress"]["fraction"] for e in running]
        assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)
        done = events[-1][1]
        assert done["state"] == "done" and done["detail"] == "stored" and done["progress"]["fraction"] == 1
        report = done["report"]
        assert report["run_id"] == bt["backtest_id"] and report["orders"] >= 2 and report["fills"] >= 2
        assert len(report["equity"]) >= 300  # a sample a minute over 6 hours
        assert done["digest"].startswith("outputs sha256 ")

        listed = http.get(f"{base}/backtests", timeout=30).json()
        assert [b["backtest_id"] for b in listed] == [bt["backtest_id"]] and listed[0]["report"] is None
        assert http.get(f"{base}/backtests/{bt['backtest_id']}", timeout=30).json()["report"] == report
        runs = http.get(f"{base}/runs", params={"mode": "backtest"}, timeout=30)
        assert [(r["run_id"], r["state"]) for r in runs.json()] == [(bt["backtest_id"], "done")]
        assert "x-cryptick-partial" not in runs.headers
        figures = {"total_return": report["result"]["total_return"], "basis": "report",
                   "max_drawdown": report["result"]["max_drawdown"],
                   "equity_usd": f"{report['result']['end_value']:.2f}",
                   "start_usd": f"{report['result']['start_value']:.2f}"}
        assert runs.json()[0]["performance"] == figures  # the list's figures are the report's
        assert http.get(f"{base}/runs", params={"mode": "paper"}, timeout=30).json() == []
        detail = http.get(f"{base}/runs/{bt['backtest_id']}", timeout=30).json()
        assert (detail["mode"], detail["state"], detail["performance"]) == ("backtest", "done", figures)
        assert detail["params"] == {"bases": "BTC,ETH"}
        assert detail["allocations"] == [{"venue": "synthetic", "currency": "USD", "amount": "10000"}]
        got = http.get(f"{base}/runs/{bt['backtest_id']}/report", timeout=30).json()
        assert got == {"run_id": bt["backtest_id"], "mode": "backtest", "report": report}
        assert http.get(f"{base}/runs/nope/report", timeout=60).status_code == 404
        # the run is in the same archive as a CLI backtest would be: a restarted API reads it back
    env = dict(os.environ, CLICKHOUSE_DSN=fresh_archive)
    shown = subprocess.run([sys.executable, "-m", "cryptick.cli", "runs"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0 and bt["backtest_id"][:12] in shown.stdout, shown.stdout + shown.stderr
    with running_api(kafka_bootstrap, namespace, "--archive") as base:
        stored = http.get(f"{base}/backtests/{bt['backtest_id']}", timeout=60).json()
        assert stored["state"] == "done" and stored["detail"] == "stored" and stored["report"] == report
        assert [n for n, _ in follow(base, bt["backtest_id"])] == ["done"]
        listed = http.get(f"{base}/runs", params={"strategy": "hodl"}, timeout=30).json()
        assert [(r["run_id"], r["mode"], r["detail"]) for r in listed] == [(bt["backtest_id"], "backtest",
                                                                             "stored")]
        assert listed[0]["performance"] == figures  # read from the stored report, not parsed whole
        assert http.get(f"{base}/backtests/nope", timeout=30).status_code == 404

    # the CLI, on the same options, makes the same outputs
    cli = subprocess.run([sys.executable, "-m", "cryptick.cli", "backtest", "hodl", "--balance",
                          "synthetic:USD=10000", "--param", "bases=BTC,ETH", "--start", "2018-01-01T00:00",
                          "--end", "2018-01-01T06:00", "--step-ms", "2000", "--no-progress", "--no-store"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert done["digest"] in cli.stdout


def test_cancel_refuse_and_fail_with_reasons(fresh_archive: str, api_server: str) -> None:
    base = api_server
    long = {**HODL, "end": "2018-03-01T00:00:00Z", "step_ms": 1000, "store": False}
    bad = http.post(f"{base}/backtests", json={**HODL, "strategy": "nope"}, timeout=30)
    assert bad.status_code == 422 and "unknown strategy 'nope'" in bad.text
    bad = http.post(f"{base}/backtests", json={**HODL, "end": "2017-12-31T00:00:00Z"}, timeout=30)
    assert bad.status_code == 422 and "empty time range" in bad.text
    bad = http.post(f"{base}/backtests", json={**HODL, "params": {"colour": "red"}}, timeout=30)
    assert bad.status_code == 422 and "takes no parameter colour" in bad.text
    bad = http.post(f"{base}/backtests", json={**HODL, "balances": []}, timeout=30)
    assert bad.status_code == 422
    # this API does not own the embedded archive: it neither stores there nor opens it (it would lock
    # the archive sink out)
    bad = http.post(f"{base}/backtests", json=HODL, timeout=30)
    assert bad.status_code == 422 and "does not own the embedded archive" in bad.text
    listed = http.get(f"{base}/backtests", timeout=30)
    assert listed.json() == [] and "does not own" in listed.headers["x-cryptick-partial"]

    first = http.post(f"{base}/backtests", json=long, timeout=30).json()
    queued = http.post(f"{base}/backtests", json={**long, "seed": 8}, timeout=30).json()
    running = follow(base, first["backtest_id"], until="progress")
    deadline = time.monotonic() + 60
    while running[-1][1]["state"] != "running" and time.monotonic() < deadline:
        running = follow(base, first["backtest_id"], until="progress")
    assert running[-1][1]["state"] == "running"
    assert http.get(f"{base}/backtests/{queued['backtest_id']}", timeout=30).json()["state"] == "queued"
    gone = http.post(f"{base}/backtests/{queued['backtest_id']}/cancel", timeout=30).json()
    assert gone["state"] == "cancelled" and "before it started" in gone["detail"]

    asked = time.monotonic()
    assert http.post(f"{base}/backtests/{first['backtest_id']}/cancel", timeout=30).status_code == 202
    ended = follow(base, first["backtest_id"])
    assert ended[-1][0] == "cancelled" and "nothing of it was stored" in ended[-1][1]["detail"]
    assert time.monotonic() - asked < 30
    assert 0 < ended[-1][1]["progress"]["fraction"] < 1
    assert http.post(f"{base}/backtests/nope/cancel", timeout=30).status_code == 404

    # missing market data fails the backtest with the reason, and the next one runs
    no_data = http.post(f"{base}/backtests", json={**HODL, "params": {"bases": "DOGE"}, "store": False},
                         timeout=30).json()
    failed = follow(base, no_data["backtest_id"])
    assert failed[-1][0] == "failed" and "no data for synthetic:DOGE-USD" in failed[-1][1]["detail"]
    states = {b["backtest_id"]: b["state"] for b in http.get(f"{base}/backtests", timeout=60).json()}
    assert states == {first["backtest_id"]: "cancelled", queued["backtest_id"]: "cancelled",
                      no_data["backtest_id"]: "failed"}
    listed = http.get(f"{base}/backtests", params={"state": "failed"}, timeout=60).json()
    assert [b["backtest_id"] for b in listed] == [no_data["backtest_id"]]
