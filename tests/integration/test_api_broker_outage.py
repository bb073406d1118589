"""With the broker down, the API answers what is true: 503 with the command's id and the rule (retry with
the same id), never a 500, and never a ghost: a command that the producer delivers once the broker is back
is applied once, however the client retries it. On a broker of its own (the shared one stays up)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptick.flows import ApiProcess, WorkerProcess
from floor.kafka import create_topics
from infra.kafka.local import LocalKafka
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.topics import all_topics
from tests.integration import http

from .conftest import free_port

pytestmark = pytest.mark.integration


@pytest.fixture()
def broker() -> Iterator[LocalKafka]:
    shared = LocalKafka.from_env()
    port, controller = free_port(), free_port()
    kafka = LocalKafka(cache=shared.cache, port=port, controller_port=controller)
    kafka.start(fresh=True)
    try:
        yield kafka
    finally:
        kafka.stop(wait=10)
        shutil.rmtree(kafka.home, ignore_errors=True)


@pytest.fixture()
def api(broker: LocalKafka, namespace: str, tmp_path: Path) -> Iterator[str]:
    create_topics(broker.bootstrap, all_topics(namespace))
    listings, _events = synthetic_messages(steps=10, seed=3)
    publish(broker.bootstrap, listings, namespace)
    worker = WorkerProcess(broker.bootstrap, namespace, log_path=tmp_path / "worker.log",
                           runtime="direct").start()
    try:
        api = ApiProcess(broker.bootstrap, namespace).start()
        try:
            yield api.base
        finally:
            api.stop()
    finally:
        worker.stop()


def deposit(base: str, amount: str, command_id: str | None) -> httpx.Response:
    body: dict[str, Any] = {"venue": "synthetic", "currency": "USD", "amount": amount}
    if command_id:
        body["command_id"] = command_id
    return http.post(f"{base}/accounts/carol/deposits", json=body, timeout=30)


def pool(base: str) -> str | None:
    rows = http.get(f"{base}/accounts/carol/unallocated", timeout=5).json()
    return next((r["amount"] for r in rows if r["currency"] == "USD"), None)


@pytest.mark.timeout(240)
def test_a_broker_outage_answers_503_and_a_retry_applies_once(api: str, broker: LocalKafka) -> None:
    assert deposit(api, "1", "before").status_code == 200
    broker.stop(wait=10)
    try:
        started = time.monotonic()
        named = deposit(api, "10", "ghost-1")
        unnamed = deposit(api, "100", None)
        took = time.monotonic() - started
        health = http.get(f"{api}/health", timeout=20).json()
    finally:
        broker.start()
    assert named.status_code == 503, named.text
    assert named.json()["command_id"] == "ghost-1" and "same command_id" in named.json()["detail"]
    assert named.headers["Retry-After"].isdigit()
    assert unnamed.status_code == 503 and unnamed.json()["command_id"].startswith("api:")
    assert took < 20  # two bounded waits, not a hang
    assert health["status"] == "degraded"
    assert next(c for c in health["components"] if c["name"] == "kafka")["status"] == "degraded"

    # the producer may deliver the originals once the broker is back; the retries must not double them
    deadline = time.monotonic() + 60
    while True:
        retry = deposit(api, "10", "ghost-1")
        if retry.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert retry.status_code == 200 and retry.json()["status"] in ("accepted", "duplicate"), retry.text
    again = deposit(api, "100", unnamed.json()["command_id"])
    assert again.status_code == 200, again.text
    time.sleep(2)  # anything still queued in the API's producer has landed by now
    assert deposit(api, "10", "ghost-1").json()["status"] == "duplicate"
    assert pool(api) == "111"  # 1 + 10 + 100: each once
