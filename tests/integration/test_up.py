"""`cryptick up`: one command brings the stack up (worker, API archiving to the embedded store, the
synthetic feed); a run trades, candles and datasets are read from the archive while it archives; Ctrl-C
stops everything."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration import http
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration


def poll(url: str, ok: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = http.get(url, timeout=10)
            if got.status_code == 200 and ok(got.json()):
                return got.json()
            seen = (got.status_code, got.text[:300])
        except httpx.HTTPError as exc:
            seen = (0, str(exc))
        assert time.monotonic() < deadline, (url, seen)
        time.sleep(0.5)


@pytest.mark.timeout(300)
def test_up_runs_the_stack_reads_the_archive_while_it_archives_and_stops_on_ctrl_c(
    kafka_bootstrap: str, namespace: str, tmp_path: Path
) -> None:
    port = free_port()
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, CRYPTICK_CACHE=str(tmp_path),
               CLICKHOUSE_DSN=f"chdb://{tmp_path / 'chdb'}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cryptick.cli", "up", "--namespace", namespace, "--port", str(port),
         "--runtime", "direct"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for x in proc.stdout or ():
            lines.put(x)

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []

    def read_until(text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in x for x in output):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(output)
            with contextlib.suppress(queue.Empty):
                output.append(lines.get(timeout=1))

    base = f"http://127.0.0.1:{port}"
    try:
        read_until("ready: ", 120)
        assert base in "".join(output)
        poll(f"{base}/markets", lambda ms: any(
            m["venue"] == "synthetic" and m["book"] and not m["book"]["stale"] for m in ms))
        body = {"strategy": "hodl", "account": "upper", "params": {"bases": "BTC"},
                "balances": [{"venue": "synthetic", "currency": "USD", "amount": "1000"}]}
        r = http.post(f"{base}/runs", json=body, timeout=30)
        assert r.status_code == 202, r.text
        run_id = r.json()["run_id"]
        poll(f"{base}/runs/{run_id}", lambda d: d["state"] == "running")
        orders = poll(f"{base}/accounts/upper/orders?state=all&run_id={run_id}",
                      lambda os_: any(o["state"] == "done" and o["filled"] != "0" for o in os_))
        assert orders[0]["run_id"] == run_id

        # the archive, read while the same process writes it
        now = datetime.now(UTC)
        params = {"start": (now - timedelta(minutes=10)).isoformat(),
                  "end": (now + timedelta(minutes=1)).isoformat(), "freq": "1m"}
        candles = poll(f"{base}/markets/synthetic/BTC-USD/candles?" + str(httpx.QueryParams(params)),
                       lambda cs: len(cs) >= 1)
        assert all(float(c["volume"]) > 0 for c in candles)
        datasets = poll(f"{base}/markets/datasets", lambda ds: any(d["pair"] == "BTC-USD" for d in ds))
        assert any(namespace in d["origin"] or namespace in d["dataset"] for d in datasets), datasets
        # the account's holdings over time, valued from the archived candles
        span = {"start": (now - timedelta(minutes=3)).isoformat(),
                "end": (now + timedelta(minutes=2)).isoformat(), "step": "1m"}
        history = poll(f"{base}/accounts/upper/history?" + str(httpx.QueryParams(span)),
                       lambda h: any(a["currency"] == "BTC" for a in h["points"][-1]["holdings"]))
        last = history["points"][-1]
        assert len(history["points"]) == 6 and history["wallet_set"] is None
        assert last["usd"] is not None and 900 < float(last["usd"]) < 1100, last  # 1,000 USD, some in BTC
        assert history["points"][0]["holdings"] == [] or history["points"][0]["usd"] is not None
        # the run's messages, in time order, paged
        poll(f"{base}/runs/{run_id}/messages?limit=1000",
             lambda p: any(m["type"] == "StartRun" and m["direction"] == "inbox" for m in p["messages"]))
        page: dict[str, Any] = {"next": None}
        paged: list[tuple[str, int, int]] = []
        for i in range(5):
            query: dict[str, Any] = {"limit": 3, **({"after": page["next"]} if i else {})}
            page = http.get(f"{base}/runs/{run_id}/messages", params=query, timeout=20).json()
            paged += [(m["topic"], m["partition"], m["offset"]) for m in page["messages"]]
            if not page["next"]:
                break
        whole = http.get(f"{base}/runs/{run_id}/messages?limit=1000", timeout=20).json()["messages"]
        assert paged == [(m["topic"], m["partition"], m["offset"]) for m in whole][:len(paged)]
        assert len(paged) == len(set(paged)) >= 3
        assert [m["time"] for m in whole] == sorted(m["time"] for m in whole)
        messages = f"{base}/runs/{run_id}/messages"
        outputs = http.get(messages, params={"direction": "outputs", "types": "RunStateChanged"},
                            timeout=20).json()["messages"]
        assert outputs
        assert all(m["type"] == "RunStateChanged" and m["direction"] == "outputs" for m in outputs)
        assert http.get(messages, params={"after": "nope"}, timeout=20).status_code == 422
        # the paper run's report, from its archived inbox, while it runs
        report = poll(f"{base}/runs/{run_id}/report", lambda r: len(r["report"]["equity"]) >= 1)
        assert report["mode"] == "paper" and report["report"]["fills"] >= 1
        assert report["report"]["run_id"] == run_id
        health = http.get(f"{base}/health", timeout=20).json()
        parts = {c["name"]: c for c in health["components"]}
        assert parts["archive"]["status"] == "ok" and "archived" in parts["archive"]["detail"]
        read_until("health:", 30)

        # other processes use the archive while `up` owns it: reads through it, a backtest run by it
        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "cryptick.cli", *args], env=env, capture_output=True,
                                  text=True, timeout=180)

        listed = cli("market", "datasets")
        assert listed.returncode == 0 and "BTC-USD" in listed.stdout, listed.stdout + listed.stderr
        tested = cli("backtest", "hodl", "--balance", "synthetic:USD=1000", "--param", "bases=BTC",
                     "--start", "2018-01-01", "--end", "2018-01-01T02:00", "--no-progress")
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert f"owned by the API at {base}" in tested.stderr and "stored run hodl-" in tested.stdout
        backtest_id = tested.stdout.split("stored run ", 1)[1].split(";", 1)[0]
        runs = cli("runs")
        assert runs.returncode == 0 and backtest_id[:12] in runs.stdout, runs.stdout + runs.stderr
        assert poll(f"{base}/backtests/{backtest_id}", lambda b: b["state"] == "done")["detail"] == "stored"
        refused = cli("market", "import", str(tmp_path / "missing.csv"), "--venue", "coinbase", "--pair",
                      "BTC-USD")
        assert refused.returncode != 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            output.append(lines.get(timeout=0.5))
        except queue.Empty:
            break
    text = "".join(output)
    assert code == 0, text
    assert "stopping: feed, API, worker" in text and "stopped" in text
    assert not (tmp_path / "chdb" / "cryptick-owner.json").exists()  # nobody serves it any more
    with pytest.raises(httpx.HTTPError):
        http.get(f"{base}/health", timeout=2)
