"""Read-side latency over a large archive (issue #14): the API's reads against the same work without HTTP.

Setup, in a fresh namespace and a fresh embedded store: 100 runs (a start, 4 dashboard components
declared and updated, a state) on ``strategy.journal``/``strategy.events``; one of them, the big run,
receives ``--messages`` forwarded market events in its inbox (default 900,000); ``venue.journal`` gets a
day of BTC-USD trades, one a second (86,400), so the archive builds a day of 1-minute candles. The archive
sink writes everything to the store (about a million messages).

The API runs in this process (uvicorn on a thread, on the same chDB), so every read is measured two ways,
interleaved in rounds:
  api      over HTTP with a keep-alive client: GET /runs?limit=100, /runs/{big}/components,
           /runs/{big}/messages?limit=1000, /markets/synthetic/BTC-USD/candles for the day at 1m;
  direct   the same work without HTTP: the archive's query through the same function on its own
           connection (messages, candles), the replica's read model under its lock (runs, components).
Each prints p50 and p99 over its requests, min and median over the rounds, and api/direct per round
(the HTTP and JSON share). The issue's aim: each read's p99 at most 50 ms with a million archived events.
Then the API is restarted: its replica starts from the snapshot it wrote (every 2 s here), and the time
to ready is printed beside the first start's (which folded every journal from offset 0).
Every request carries an admin key of the run's own auth store, with the rate limit lifted
(bench/admin_key.py); bench/auth.py measures what that costs a request.

Usage: .venv/bin/python bench/reads.py [--messages N] [--rounds R] [--requests K] [--quick]
(needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import math
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from admin_key import admin_key  # this folder's, imported before the folder leaves the path

# run as ``python bench/reads.py``, this folder comes first on the path, and its api.py would shadow the
# project's ``api`` package
if sys.path and sys.path[0] == str(Path(__file__).resolve().parent):
    sys.path.pop(0)

T0 = 1_514_764_800_000_000  # 2018-01-01T00:00:00Z
S = 1_000_000
BIG = "big-run"


def arg(argv: Sequence[str], name: str, default: int) -> int:
    return int(argv[argv.index(name) + 1]) if name in argv else default


def pct(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)] if s else math.nan


def populate(bootstrap: str, ns: str, messages: int) -> int:
    """The runs, the big run's inbox and a day of trades on the topics; the count produced."""
    from floor.kafka import produce_all, producer
    from schemas.codec import encode
    from schemas.events import PublicTrade, RunStateChanged, StartRun, UiComponentDeclared, UiComponentUpdated
    from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL, VENUE_JOURNAL, partition_of, qualified

    prod = producer(bootstrap)

    def send(topic: str, items: Any) -> int:
        encoded = ((k, encode(e), partition_of(topic, k)) for k, e in items)
        return produce_all(prod, qualified(topic, ns), encoded)

    def runs() -> Any:
        for i in range(100):
            run = BIG if i == 0 else f"run-{i:03d}"
            yield run.encode(), StartRun(f"{run}:start", run, "echo", "{}", "main", f"ws-{run}", "paper",
                                         T0, None, [], T0)

    def outputs() -> Any:
        for i in range(100):
            run = BIG if i == 0 else f"run-{i:03d}"
            yield run.encode(), RunStateChanged(f"{run}:running", run, "echo", "running", "", T0)
            for c in range(4):
                key, cid = run.encode(), f"c{c}"
                yield key, UiComponentDeclared(f"{run}:{cid}", run, cid, "table", '{"columns": []}', T0)
                yield key, UiComponentUpdated(f"{run}:{cid}:1", run, cid, '{"rows": [[1, 2]]}', T0)

    def inbox() -> Any:
        for i in range(messages):
            yield BIG.encode(), PublicTrade(f"f{i}", "synthetic", "BTC-USD", T0 + i * 10_000, T0 + i * 10_000,
                                            str(i), 1_500_000_000_000 + i, 1_000_000, "buy")

    def trades() -> Any:
        for i in range(86_400):
            ts = T0 + i * S
            yield b"synthetic:BTC-USD", PublicTrade(f"t{i}", "synthetic", "BTC-USD", ts, ts, str(i),
                                                    1_400_000_000_000 + (i % 977) * 100_000_000, 2_000_000,
                                                    "sell" if i % 2 else "buy")

    n = send(STRATEGY_JOURNAL, runs()) + send(STRATEGY_EVENTS, outputs())
    n += send(STRATEGY_JOURNAL, inbox()) + send(VENUE_JOURNAL, trades())
    prod.flush(120)
    return n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv: Sequence[str]) -> None:
    import os

    quick = "--quick" in argv
    messages = arg(argv, "--messages", 100_000 if quick else 900_000)
    rounds = arg(argv, "--rounds", 2 if quick else 5)
    requests = arg(argv, "--requests", 10 if quick else 20)
    store = tempfile.mkdtemp(prefix="bench-reads-")
    os.environ["CLICKHOUSE_DSN"] = f"chdb://{store}"

    import uvicorn

    from api.app import create_app
    from api.services.run_messages import run_messages
    from floor.kafka import create_topics, delete_topics
    from floor.settings import get_settings
    from schemas.topics import all_topics
    from streams.archive.clickhouse import get_client, thread_client
    from streams.archive.sink import ArchiveSink
    from streams.market.store import candles

    settings = get_settings()
    ns = f"benchreads{uuid.uuid4().hex[:8]}"
    create_topics(settings.bootstrap, all_topics(ns))
    try:
        t = time.monotonic()
        produced = populate(settings.bootstrap, ns, messages)
        sink = ArchiveSink.for_namespace(get_client(settings.dsn), settings.bootstrap, ns)
        try:
            archived = sink.drain(idle=3.0, limit=900)
        finally:
            sink.close()
        print(f"archived {archived:,} of {produced:,} messages in {time.monotonic() - t:.1f} s "
              f"({messages:,} in the big run's inbox, 86,400 trades); {os.cpu_count()} cores")

        snapshots = Path(store) / "cache"
        key = admin_key(Path(store))  # the API's own auth store and admin key, the rate limit lifted
        key.register()
        settings = settings.model_copy(update={"cryptick_cache": snapshots, "replica_snapshot_s": 2.0,
                                               **key.settings})

        def serve() -> tuple[Any, uvicorn.Server, threading.Thread, httpx.Client, float]:
            """The API in this process; it, its server, thread and client once its replica has folded the
            runs, and the seconds that took."""
            app = create_app(settings, ns)
            port = free_port()
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, headers=key.headers)
            t = time.monotonic()
            while True:  # the replica folds the journals before the runs are there
                try:
                    runs = client.get("/runs", params={"limit": 100, "mode": "paper"}).json()
                    parts = client.get("/health").json()["components"]
                    replica = next(c for c in parts if c["name"] == "replica")
                    ready = replica["detail"].startswith("0 messages")
                    if isinstance(runs, list) and len(runs) == 100 and ready:
                        comps = client.get(f"/runs/{BIG}/components").json()
                        if len(comps) == 4:
                            return app, server, thread, client, time.monotonic() - t
                except httpx.HTTPError:
                    pass
                if time.monotonic() - t > 600:
                    raise TimeoutError("the API's replica did not fold the runs in 10 minutes")
                time.sleep(0.2)

        app, server, thread, client, first = serve()
        print(f"API ready with the runs folded in {first:.1f} s (its replica folds every journal from 0)")

        views = app.state.views
        day = {"start": "2018-01-01T00:00:00Z", "end": "2018-01-02T00:00:00Z", "freq": "1m"}

        def direct_runs() -> object:
            folded, lock = views.run_views()
            with lock:
                return sorted(folded.runs.values(), key=lambda r: r.run_id)[:100]

        def direct_components() -> object:
            folded, lock = views.run_views()
            with lock:
                return list(folded.runs[BIG].components.values())

        reads: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
            "runs list (100)": (lambda: client.get("/runs", params={"limit": 100}).raise_for_status(),
                                direct_runs),
            "a run's components": (lambda: client.get(f"/runs/{BIG}/components").raise_for_status(),
                                   direct_components),
            "1,000 messages of a run": (
                lambda: client.get(f"/runs/{BIG}/messages", params={"limit": 1000}).raise_for_status(),
                lambda: run_messages(thread_client(settings.dsn), ns, BIG, "all", [], None, 1000)),
            "a day of 1m candles": (
                lambda: client.get("/markets/synthetic/BTC-USD/candles", params=day).raise_for_status(),
                lambda: candles(thread_client(settings.dsn), "synthetic", "BTC-USD", T0, T0 + 86_400 * S,
                                "1m")),
        }
        got = client.get("/markets/synthetic/BTC-USD/candles", params=day).json()
        assert len(got) == 1440, len(got)
        assert len(client.get(f"/runs/{BIG}/messages", params={"limit": 1000}).json()["messages"]) == 1000
        results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in reads}
        for r in range(rounds):
            for name, (api, direct) in reads.items():
                pair = [("api", api), ("direct", direct)]
                lat = {}
                for side, fn in pair if r % 2 == 0 else pair[::-1]:
                    fn()  # warm
                    lat[side] = timed(fn, requests)
                results[name].append((pct(lat["api"], .5), pct(lat["api"], .99),
                                      pct(lat["direct"], .5), pct(lat["direct"], .99)))
        print(f"\n{rounds} rounds of {requests} requests each; min and median over rounds (ms)")
        print(f"{'read':<26} {'api p50':>16} {'api p99':>16} {'direct p50':>16} {'direct p99':>16} "
              f"{'api/direct p50':>16}")

        def mm(xs: list[float]) -> str:
            return f"{min(xs) * 1e3:7.1f} {statistics.median(xs) * 1e3:7.1f}"

        for name, rows in results.items():
            ratio = [a / d if d else math.inf for a, _, d, _ in rows]
            print(f"{name:<26} {mm([x[0] for x in rows]):>16} {mm([x[1] for x in rows]):>16} "
                  f"{mm([x[2] for x in rows]):>16} {mm([x[3] for x in rows]):>16} "
                  f"{min(ratio):7.1f} {statistics.median(ratio):7.1f}")
        print("aim: each api p99 at most 50 ms")
        deadline = time.monotonic() + 120
        while not any(snapshots.glob("replica/*.pickle")) and time.monotonic() < deadline:
            time.sleep(0.5)  # the replica's snapshot, written every 2 s here (60 s by default)
        time.sleep(3)
        client.close()
        server.should_exit = True
        thread.join(30)
        app, server, thread, client, again = serve()
        parts = client.get("/health").json()["components"]
        detail = next(c["detail"] for c in parts if c["name"] == "replica").split("; ", 1)[-1]
        print(f"API restarted: ready in {again:.1f} s ({detail}); from the start it took {first:.1f} s "
              f"({first / again:.0f}x)")
        client.close()
        server.should_exit = True
        thread.join(30)
    finally:
        delete_topics(settings.bootstrap, [t.name for t in all_topics(ns)])
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
