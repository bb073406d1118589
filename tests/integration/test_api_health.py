"""``/health`` tells the truth about each component: a namespace with work waiting and no worker, and a
stale book, are 'degraded' with the reason; once a worker has caught up, the workers are 'ok'."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cryptick.flows import WorkerProcess
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.events import BookStatusChanged, DepositFunds
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, venue_key
from tests.integration import http

pytestmark = pytest.mark.integration


def component(base: str, name: str) -> dict[str, Any]:
    health = http.get(f"{base}/health", timeout=20).json()
    return next(c for c in health["components"] if c["name"] == name) | {"overall": health["status"]}


def test_health_says_what_is_wrong(kafka_bootstrap: str, namespace: str, api_server: str,
                                   tmp_path: Path) -> None:
    feed = SyntheticFeed(SyntheticConfig(bases=("BTC",)))
    msgs = [Message(VENUE_JOURNAL, venue_key(lst.venue, lst.pair), lst) for lst in feed.listings()]
    msgs += [Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[union-attr]
             for e in feed.events(20)]
    msgs.append(Message(LEDGER_JOURNAL, "dave", DepositFunds("dep-h", "dave", "synthetic", "USD", 10**8, 1)))
    msgs.append(Message(VENUE_JOURNAL, venue_key("synthetic", "BTC-USD"),
                        BookStatusChanged("gap-1", "synthetic", "BTC-USD", True, "sequence_gap", 2)))
    publish(kafka_bootstrap, msgs, namespace)
    deadline = time.monotonic() + 15  # until the replica has folded them
    while "stale" not in (component(api_server, "feeds").get("detail") or "") and time.monotonic() < deadline:
        time.sleep(0.2)

    workers = component(api_server, "workers")
    assert workers["status"] == "degraded" and "no worker is running" in workers["detail"]
    feeds = component(api_server, "feeds")
    assert feeds["status"] == "degraded" and "stale: synthetic:BTC-USD" in feeds["detail"]
    assert feeds["overall"] == "degraded"

    worker = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "worker.log").start()
    try:
        worker.wait_caught_up()
        deadline = time.monotonic() + 30
        while (workers := component(api_server, "workers"))["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert workers["status"] == "ok", workers
    finally:
        worker.stop()
