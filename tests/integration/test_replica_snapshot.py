"""The API's read replica restarts from its snapshot: it folds only what came after, reads back the same
state (balances, orders, runs, a command's outcome for a retry), and ignores a snapshot the topics no
longer match — real API processes and broker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from floor.kafka import create_topics
from schemas.events import DepositFunds
from schemas.topics import LEDGER_JOURNAL, all_topics
from tests.conftest import drop_namespaces
from tests.integration import http
from tests.integration.conftest import running_api

pytestmark = pytest.mark.integration


def _deposit(base: str, n: int, amount: str = "1.5") -> httpx.Response:
    return http.post(f"{base}/accounts/snap/deposits", json={
        "venue": "coinbase", "currency": "USD", "amount": amount, "command_id": f"dep-{n}"}, timeout=30)


def _replica(base: str) -> str:
    health = http.get(f"{base}/health", timeout=30).json()
    return next(c["detail"] for c in health["components"] if c["name"] == "replica")


def _wait(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_a_restart_folds_from_the_snapshot_and_reads_the_same(kafka_bootstrap: str, namespace: str,
                                                              tmp_path: Path) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    env = {"CRYPTICK_CACHE": str(tmp_path), "REPLICA_SNAPSHOT_S": "0.5", "REPLICA_SNAPSHOT_MIN": "1"}
    snapshots = tmp_path / "replica"
    with running_api(kafka_bootstrap, namespace, **env) as base:
        for n in range(40):
            assert _deposit(base, n).json()["status"] == "accepted"
        made = http.post(f"{base}/accounts/snap/wallet-sets", json={
            "wallet_set_id": "ws1", "run_id": "r1",
            "allocations": [{"venue": "coinbase", "currency": "USD", "amount": "10"}]}, timeout=30)
        assert made.status_code == 200, made.text
        before = http.get(f"{base}/accounts/snap/wallet-sets", timeout=30).json()
        _wait(lambda: any(snapshots.glob("replica-*.pickle")) and "ready in" in _replica(base))
        time.sleep(1.5)  # a snapshot after the last command
        assert "from the start of the topics" in _replica(base)
        from tests.integration.test_metrics import parse, total

        m = parse(http.get(f"{base}/metrics", timeout=10).text)
        assert total(m, "cryptick_replica_snapshots_total") >= 1
        assert total(m, "cryptick_replica_from_snapshot") == 0
        assert total(m, "cryptick_replica_snapshot_write_seconds") > 0
    # while the API is down, the ledger's inbox goes on
    from producers.publish import publish
    from producers.scenario import Message

    late = DepositFunds("dep-late", "snap", "coinbase", "USD", 250_000_000, 0)
    publish(kafka_bootstrap, [Message(LEDGER_JOURNAL, "snap", late)], namespace)
    with running_api(kafka_bootstrap, namespace, **env) as base:
        _wait(lambda: "ready in" in _replica(base))
        assert "from a snapshot of " in _replica(base)
        from tests.integration.test_metrics import parse, total

        m = parse(http.get(f"{base}/metrics", timeout=10).text)  # the start, as the metrics say it
        assert total(m, "cryptick_replica_from_snapshot") == 1
        assert total(m, "cryptick_replica_start_seconds") > 0
        after = http.get(f"{base}/accounts/snap/wallet-sets", timeout=30).json()
        assert after == before
        pool = http.get(f"{base}/accounts/snap/unallocated", timeout=30).json()
        assert pool == [{"venue": "coinbase", "currency": "USD", "amount": "52.5"}]  # 40 x 1.5 - 10 + 2.5
        retried = _deposit(base, 7)  # a retry of a command folded before the snapshot: answered once
        assert retried.json()["status"] == "duplicate"
        assert _deposit(base, 7, amount="2").status_code == 409

    # the topics made again: the snapshot no longer matches and is ignored
    drop_namespaces(namespace)
    create_topics(kafka_bootstrap, all_topics(namespace))
    with running_api(kafka_bootstrap, namespace, **env) as base:
        _wait(lambda: "ready in" in _replica(base))
        assert "from the start of the topics" in _replica(base)
        assert http.get(f"{base}/accounts/snap/wallet-sets", timeout=30).json() == []
