"""The real stack the browser and audit tests read: a namespace of its own, a live synthetic market, a
worker and ``cryptick api`` on an embedded archive, and users in the session's auth store.

The market is published as listings and a backlog at once, then goes on while the test looks at it:
paced batches (``batch`` messages every ``pause_s`` seconds) or, given ``speed``, in event time at
``speed`` times wall time.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from api.security.policy import Role
from api.security.store import AuthStore
from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import create_topics
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.topics import all_topics
from schemas.units import US
from tests.conftest import drop_namespaces
from tests.integration import http
from tests.integration.conftest import running_api

T = TypeVar("T")


@dataclass(frozen=True)
class LiveStack:
    """A running stack: the API's base URL, the namespace it serves and the folder of its files."""

    base: str  # the API's base URL
    namespace: str
    tmp: Path

    def user(self, prefix: str, role: Role, accounts: Iterable[str] | None) -> tuple[str, str]:
        """A new user named ``prefix`` and the namespace's end, with the namespace's password: both."""
        name, password = f"{prefix}-{self.namespace[-6:]}", f"a long password {self.namespace}"
        add_user(name, role, accounts, password)
        return name, password


@dataclass
class SignIn:
    """The API's base URL and a user who signs in to it."""

    base: str
    user: str
    password: str


@dataclass
class RunSite(SignIn):
    """A browser test's site with a run the user may see."""

    run_id: str


def start_demo_run(base: str, account: str) -> str:
    """A demo run of ``account`` quoting every second on paper money (100,000 USD and 2 BTC); its id."""
    started = http.post(f"{base}/runs", json={
        "strategy": "demo", "account": account, "params": {"interval_s": "1"},
        "balances": [{"venue": "synthetic", "currency": "USD", "amount": "100000"},
                     {"venue": "synthetic", "currency": "BTC", "amount": "2"}]}, timeout=30)
    assert started.status_code == 202, started.text
    return str(started.json()["run_id"])


@contextmanager
def live_stack(bootstrap: str, tmp: Path, *, seed: int, steps: int = 3000, backlog: int = 50,
               batch: int = 20, pause_s: float = 0.05, speed: float | None = None,
               start_ts: int | None = None, archive: bool = False) -> Iterator[LiveStack]:
    """The stack on a new namespace, its market starting at ``start_ts`` (µs; now by default); with
    ``archive`` the API writes the namespace to its embedded archive. Everything is stopped and the
    namespace dropped after."""
    ns = f"t{uuid.uuid4().hex[:10]}"
    create_topics(bootstrap, all_topics(ns))
    listings, events = synthetic_messages(steps=steps, seed=seed,
                                          start_ts=int(time.time()) * US if start_ts is None else start_ts)
    publish(bootstrap, [*listings, *(next(events) for _ in range(backlog))], ns)
    stop = threading.Event()

    def until_stopped() -> Iterator[Any]:
        for m in events:
            if stop.is_set():
                return
            yield m

    def paced() -> None:
        for chunk in iter(lambda: [m for _, m in zip(range(batch), events, strict=False)], []):
            if stop.wait(pause_s):
                return
            publish(bootstrap, chunk, ns)

    feeder = threading.Thread(target=paced if speed is None else
                              lambda: publish(bootstrap, until_stopped(), ns, speed=speed), daemon=True)
    worker = WorkerProcess(bootstrap, ns, ROLES, log_path=tmp / "worker.log", runtime="direct").start()
    try:
        feeder.start()
        args = ("--archive",) if archive else ()
        with running_api(bootstrap, ns, *args, CLICKHOUSE_DSN=f"chdb://{tmp / 'chdb'}") as base:
            yield LiveStack(base, ns, tmp)
    finally:
        stop.set()
        feeder.join(15)
        worker.stop()
        drop_namespaces(ns)


def _auth_store() -> AuthStore:
    return AuthStore(Path(os.environ["CRYPTICK_AUTH_DB"]))


def add_user(name: str, role: Role, accounts: Iterable[str] | None, password: str) -> None:
    """A user of the APIs this session starts; ``accounts`` None: every account."""
    store = _auth_store()
    try:
        store.add_user(name, role, None if accounts is None else frozenset(accounts), int(time.time()),
                       password)
    finally:
        store.close()


def add_key(name: str) -> str:
    """A new API key of user ``name``; the secret."""
    store = _auth_store()
    try:
        return str(store.create_key(name, int(time.time()))[1])
    finally:
        store.close()


def fresh_ask(base: str, venue: str, pair: str) -> Decimal:
    """The market's best ask as the API has it, once its book is fresh (waits up to a minute)."""

    def ask() -> Decimal | None:
        m = next((m for m in http.get(f"{base}/markets", timeout=10).json()
                  if m["venue"] == venue and m["pair"] == pair), None)
        book = m and m["book"]
        return Decimal(book["ask"]) if book and book["ask"] and not book["stale"] else None

    return wait_for("a fresh book", ask)


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 60) -> T:
    """What ``check`` returns once it is truthy, asked every half second; fails after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.5)
