"""Feed and service notices: what a feed, a worker and the API say reaches ``GET /logs`` and the SSE
``notices``/``logs`` streams — real processes, broker and API."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from cryptick.flows import WorkerProcess
from floor.kafka import create_topics
from producers.publish import publish
from producers.scenario import listing_messages
from schemas.codec import default_codec
from schemas.events import MarketListed, ServiceNotice
from schemas.topics import NOTICES, all_topics, qualified
from streams.runtime.notices import BURST, NoticeHandler
from tests.integration import http
from tests.integration.test_api_runs import sse

pytestmark = pytest.mark.integration


def _logs(base: str, **params: Any) -> list[dict[str, Any]]:
    got = http.get(f"{base}/logs", params=params, timeout=30)
    assert got.status_code == 200, got.text
    out: list[dict[str, Any]] = got.json()
    return out


def _until(base: str, check: Any, timeout: float = 60, **params: Any) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        got = _logs(base, **params)
        if check(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_feed_a_worker_and_the_api_tell_what_happens(kafka_bootstrap: str, namespace: str,
                                                       api_server: str, tmp_path: Path) -> None:
    base = api_server
    started = _until(base, lambda got: any(n["message"].startswith("API started") for n in got))
    api = next(n for n in started if n["message"].startswith("API started"))
    assert api["service"] == "api" and api["level"] == "info" and re.fullmatch(r".+:\d+", api["process"])

    listing = MarketListed("listed", "coinbase", "BTC-USD", "BTC", "USD", 1_000_000, 1_000, 100_000,
                           None, None, 1)
    publish(kafka_bootstrap, listing_messages(listing), namespace)
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap)
    port = _closed_port()  # nothing listens: the feed cannot connect, and says so
    feed = subprocess.Popen([sys.executable, "-m", "cryptick.cli", "feed", "--namespace", namespace,
                             "--feeds", "coinbase:BTC-USD", "--url", f"ws://127.0.0.1:{port}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    worker = WorkerProcess(kafka_bootstrap, namespace, runtime="direct",
                           log_path=tmp_path / "worker.log").start()
    try:
        lost = _until(base, lambda got: len(got) >= 2, service="feed", level="warning")
        assert lost and all(n["venue"] == "coinbase" and n["level"] == "warning" for n in lost)
        assert lost[0]["message"].startswith("coinbase feed disconnected: "), lost
        markets = http.get(f"{base}/markets", timeout=30).json()  # the market says its feed is down
        down = next(m for m in markets if m["pair"] == "BTC-USD")["feed"]
        assert down["state"] == "disconnected" and down["detail"].startswith("coinbase feed disconnected")
        health = http.get(f"{base}/health", timeout=30).json()
        feeds = next(c for c in health["components"] if c["name"] == "feeds")
        assert feeds["status"] == "degraded" and "coinbase disconnected" in feeds["detail"]
        # the stream carries them live
        live = sse(base, "notices", lambda got: any(e["service"] == "feed" for _, e in got), timeout=60)
        assert live and all(name == "ServiceNotice" for name, _ in live)
        assert any(e["service"] == "feed" and e["venue"] == "coinbase" for _, e in live)
        workers = _until(base, lambda got: any("started (direct" in n["message"] for n in got),
                         service="worker")
        assert any(re.fullmatch(r"worker started \(direct; roles matching, ledger, routers\)", n["message"])
                   for n in workers), workers  # no instance name given: none shown (not "worker None")
    finally:
        try:
            os.killpg(feed.pid, signal.SIGINT)
            feed.wait(30)
        finally:  # the worker stops whatever happened to the feed
            worker.stop()
    said = _until(base, lambda got: any(n["message"] == "feed stopped" for n in got), service="feed")
    stopped = next(m for m in http.get(f"{base}/markets", timeout=30).json() if m["pair"] == "BTC-USD")
    assert stopped["feed"]["state"] == "stopped"
    assert said[0]["message"] == "feed started: coinbase:BTC-USD" and said[-1]["message"] == "feed stopped"
    assert {n["service"] for n in _logs(base, level="warning")} <= {"feed", "worker"}
    assert all(n["venue"] == "coinbase" for n in _logs(base, venue="coinbase"))
    assert _logs(base, limit=1) == _logs(base)[-1:]
    bad = http.get(f"{base}/logs", params={"level": "loud"}, timeout=30)
    assert bad.status_code == 422


def test_the_handler_never_blocks_the_code_that_logs(kafka_bootstrap: str, namespace: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    handler = NoticeHandler(kafka_bootstrap, namespace, "test")
    log = logging.getLogger("streams.test_notices")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    foreign = logging.getLogger("somebody.else")
    foreign.addHandler(handler)
    try:
        t0 = time.perf_counter()
        for i in range(BURST + 50):  # a burst over the rate: the excess is cut, and the next notice says so
            log.warning("burst %d", i)
        took = time.perf_counter() - t0
        foreign.warning("not ours")  # other libraries' records are not the services' notices
        time.sleep(1.0)  # 20 tokens back
        log.error("after the burst")
    finally:
        log.removeHandler(handler)
        foreign.removeHandler(handler)
        handler.close()
    assert took < 3.0  # 150 records, no waiting for the broker (a loaded machine included)
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"t-{namespace}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(qualified(NOTICES, namespace), 0, 0)])
    got: list[ServiceNotice] = []
    deadline = time.monotonic() + 30
    while not (got and got[-1].message.startswith("after")) and time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is not None and m.error() is None:
            got.append(default_codec().decode(m.value()))
    consumer.close()
    # a burst over the rate is cut; a notice that goes out after some were cut says how many: all 151
    # records are accounted for, sent or said cut, whatever the pace the machine allowed
    said_cut = sum(int(m.group(1)) for n in got if (m := re.search(r"\[(\d+) notices before this one were "
                                                                  r"cut: over 20/s\]$", n.message)))
    assert len(got) + said_cut == BURST + 51 and said_cut >= 1
    assert len(got) - 1 >= BURST and got[-1].message.startswith("after the burst")
    numbers = [int(n.message.split()[1]) for n in got[:-1]]
    assert numbers == sorted(numbers) and numbers[:BURST] == list(range(BURST))  # the first BURST at once
    assert got[-1].level == "error" and got[-1].service == "test" and got[-1].logger == "streams.test_notices"
    assert handler.lost == 0
