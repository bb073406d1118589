"""The API's edges hold against an unfriendly client: ids are idempotency keys (a reuse with other content
is a 409, never a silent 'duplicate'), amounts are exact or refused, names are known, bodies are bounded,
a run starts once per key, and a message the replica cannot fold is reported, not fatal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import producer
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, partition_of, qualified, venue_key
from tests.integration import http

pytestmark = pytest.mark.integration


@pytest.fixture()
def api(kafka_bootstrap: str, namespace: str, api_server: str, tmp_path: Path) -> Iterator[str]:
    feed = SyntheticFeed(SyntheticConfig(bases=("BTC",)))
    msgs = [Message(VENUE_JOURNAL, venue_key(lst.venue, lst.pair), lst) for lst in feed.listings()]
    msgs += [Message(LEDGER_JOURNAL, "bob", lst) for lst in feed.listings()]
    msgs += [Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[union-attr]
             for e in feed.events(20)]
    publish(kafka_bootstrap, msgs, namespace)
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log").start()
    try:
        yield api_server
    finally:
        worker.stop()


def post(base: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
    return http.post(f"{base}{path}", json=body if body is not None else {}, timeout=20, **kw)


def deposit(base: str, amount: str, command_id: str, currency: str = "USD") -> httpx.Response:
    return post(base, "/accounts/bob/deposits", {"venue": "synthetic", "currency": currency,
                                                 "amount": amount, "command_id": command_id})


def pool(base: str) -> dict[str, str]:
    rows = http.get(f"{base}/accounts/bob/unallocated", timeout=5).json()
    return {r["currency"]: r["amount"] for r in rows}


def test_a_command_id_is_an_idempotency_key(api: str) -> None:
    first = deposit(api, "100", "dep-a")
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    again = deposit(api, "100", "dep-a")  # a retry: the original's outcome, applied once
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert [e["type"] for e in again.json()["events"]] == [e["type"] for e in first.json()["events"]]
    other = deposit(api, "999", "dep-a")  # the same id, other content: refused, nothing applied
    assert other.status_code == 409, other.text
    assert other.json()["status"] == "conflict" and other.json()["original"]["status"] == "accepted"
    across = post(api, "/accounts/bob/withdrawals", {"venue": "synthetic", "currency": "USD", "amount": "1",
                                                     "command_id": "dep-a"})  # another command type
    assert across.status_code == 409
    assert pool(api) == {"USD": "100"}

    looked_up = http.get(f"{api}/accounts/bob/commands/dep-a", timeout=5)
    assert looked_up.status_code == 200 and looked_up.json()["status"] == "accepted"
    assert http.get(f"{api}/accounts/bob/commands/never-sent", timeout=5).status_code == 404

    from tests.integration.test_metrics import parse, total  # the time to each outcome, by how it ended

    s = parse(http.get(f"{api}/metrics", timeout=5).text)
    seconds = "cryptick_api_command_seconds_count"
    assert total(s, seconds, command="DepositFunds", status="accepted") >= 1
    assert total(s, seconds, command="DepositFunds", status="duplicate") >= 1
    assert total(s, seconds, command="DepositFunds", status="conflict") >= 1
    assert total(s, seconds, command="WithdrawFunds", status="conflict") >= 1
    assert total(s, "cryptick_api_command_seconds_sum", command="DepositFunds", status="accepted") > 0


def test_another_accounts_command_id_is_refused_without_its_outcome(api: str) -> None:
    assert deposit(api, "7", "dep-shared").status_code == 200
    theirs = post(api, "/accounts/eve/deposits", {"venue": "synthetic", "currency": "USD", "amount": "7",
                                                  "command_id": "dep-shared"})
    assert theirs.status_code == 409, theirs.text
    assert theirs.json()["original"] is None and "another account" in theirs.json()["detail"]
    assert http.get(f"{api}/accounts/eve/commands/dep-shared", timeout=5).status_code == 404
    assert http.get(f"{api}/accounts/eve/unallocated", timeout=5).json() == []
    assert pool(api) == {"USD": "7"}


def test_concurrent_copies_of_a_command_apply_once(api: str) -> None:
    with ThreadPoolExecutor(8) as pool_:
        answers = list(pool_.map(lambda _: deposit(api, "3", "dep-race"), range(8)))
    statuses = sorted(a.json()["status"] for a in answers)
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert statuses == ["accepted"] + ["duplicate"] * 7
    assert pool(api) == {"USD": "3"}


def test_amounts_are_exact_or_refused(api: str) -> None:
    r = deposit(api, "1.000000000000000000000000000001", "dep-b")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    r = post(api, "/accounts/bob/deposits", {"venue": "synthetic", "currency": "USD", "amount": 5})
    assert r.status_code == 422 and "decimal strings" in r.json()["detail"]
    r = deposit(api, "92233720368.54775808", "dep-c")  # one unit past the wire
    assert r.status_code == 422 and "largest amount" in r.json()["detail"]
    assert deposit(api, "92233720368.54775807", "dep-d").status_code == 200  # the largest
    assert pool(api) == {"USD": "92233720368.54775807"}


def test_names_ids_and_bodies_are_bounded(api: str) -> None:
    r = post(api, "/accounts/bob/deposits", {"venue": "nowhere", "currency": "USD", "amount": "1"})
    assert r.status_code == 422 and "unknown venue 'nowhere'" in r.json()["detail"]
    r = deposit(api, "1", "dep-e", currency="DOGE")  # synthetic lists BTC-USD only
    assert r.status_code == 422 and "DOGE" in r.json()["detail"]
    assert deposit(api, "1", "x" * 1000).status_code == 422
    assert deposit(api, "1", "x" * 100_000).status_code == 413
    assert deposit(api, "1", "nul\x00id").status_code == 422
    assert http.post(f"{api}/accounts/bob%00/deposits", json={}, timeout=5).status_code == 422
    huge = http.post(f"{api}/accounts/bob/deposits", content=b"{" + b" " * 10_000_000 + b"}",
                      headers={"content-type": "application/json"}, timeout=20)
    assert huge.status_code == 413 and huge.json()["status"] == "too_large"
    r = post(api, "/runs/some-run/stop", {"release": 0})
    assert r.status_code == 422  # 0 is not a boolean
    r = post(api, "/accounts/bob/wallet-sets/ws/deactivate", None, content=b"command_id=x",
             headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422  # a cross-site form cannot deactivate a wallet set

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
        yield b'{"venue": "synthetic", "currency": "USD", "amount": "1", "command_id": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    chunked = http.post(f"{api}/accounts/bob/deposits", content=chunks(),
                         headers={"content-type": "application/json"}, timeout=20)
    assert chunked.status_code == 413 and chunked.json()["status"] == "too_large"
    assert pool(api) == {}


def test_a_run_starts_once_per_key_and_validates_first(api: str) -> None:
    bad = post(api, "/runs", {"strategy": "hodl", "account": "bob", "command_id": "start-1",
                              "balances": [{"venue": "nowhere", "currency": "USD", "amount": "100"}]})
    assert bad.status_code == 422
    bad = post(api, "/runs", {"strategy": "hodl", "account": "bob", "params": {"nope": "1"},
                              "balances": [{"venue": "synthetic", "currency": "USD", "amount": "100"}]})
    assert bad.status_code == 422
    assert deposit(api, "1", "dep-marker").status_code == 200  # answered once the ledger has folded it:
    assert pool(api) == {"USD": "1"}  # nothing was deposited by the refused starts before it
    body = {"strategy": "hodl", "account": "bob", "command_id": "start-1", "params": {"bases": "BTC"},
            "balances": [{"venue": "synthetic", "currency": "USD", "amount": "100"}]}
    first = post(api, "/runs", body)
    second = post(api, "/runs", body)
    assert first.status_code == second.status_code == 202, first.text
    assert first.json()["run_id"] == second.json()["run_id"]
    assert first.json()["command_id"] == "start-1"
    five = [{"venue": "synthetic", "currency": "USD", "amount": "5"}]
    other = post(api, "/runs", body | {"balances": five})
    assert other.status_code == 409 and "other balances" in other.json()["detail"], other.text
    unkeyed = post(api, "/runs", {k: v for k, v in body.items() if k != "command_id"}
                   | {"balances": [{"venue": "synthetic", "currency": "USD", "amount": "0.5"}]})
    assert unkeyed.status_code == 202 and unkeyed.json()["command_id"].startswith("run-")
    assert unkeyed.json()["run_id"] != first.json()["run_id"]

    def funded() -> list[dict[str, Any]]:
        return [ws for ws in http.get(f"{api}/accounts/bob/wallet-sets", timeout=5).json()]

    deadline = time.monotonic() + 30
    while not funded() and time.monotonic() < deadline:
        time.sleep(0.2)
    while len(funded()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    sets = funded()
    runs = sorted(f"{r.json()['run_id']}:ws" for r in (first, unkeyed))
    assert sorted(s["wallet_set_id"] for s in sets) == runs
    worth = sum(float(v["usd"]) for v in http.get(f"{api}/accounts/bob/value", timeout=5).json())
    assert worth == pytest.approx(101.5, rel=0.02)  # 100 deposited once though started twice, 0.5, 1


def test_the_replica_reports_a_message_it_cannot_fold_and_goes_on(
        api: str, kafka_bootstrap: str, namespace: str) -> None:
    prod = producer(kafka_bootstrap)
    prod.produce(qualified(LEDGER_JOURNAL, namespace), key=b"bob", value=b"\x00poison",
                 partition=partition_of(LEDGER_JOURNAL, b"bob"))
    assert prod.flush(10) == 0
    after = deposit(api, "5", "dep-after")
    assert after.status_code == 200, after.text  # the replica went on past the poison
    health = http.get(f"{api}/health", timeout=10).json()
    replica = next(c for c in health["components"] if c["name"] == "replica")
    assert health["status"] == "degraded" and replica["status"] == "degraded"
    assert "could not fold 1 message" in replica["detail"] and "marker" in replica["detail"]
