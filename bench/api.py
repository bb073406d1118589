"""API command throughput and latency, against a raw produce→consume round trip (issue #12).

In one run, on one broker, in a fresh namespace with the worker and ``cryptick api`` running on a
synthetic BTC-USD book:
  api      commands over HTTP (keep-alive, one ``httpx.Client`` per client thread), alternating a
           deposit with a fresh command id and a limit buy far below the market (it rests), at 1 and
           16 concurrent clients; a command's latency is its POST until the answer (the API answers once
           its replica has folded the command: produce, broker ack, consume, decide);
  raw      the peer at its best: the same encoded commands produced by one reused confluent-kafka
           producer (the API's settings) to ``ledger.journal`` of a sibling namespace nobody else reads
           (so no worker reacts to them), each read back by one consumer assigned at the partitions'
           ends before sending; latency is produce until the consumer holds it, at 1 and 16 senders;
  fill     with an SSE client on ``/streams/events?kinds=fills``, marketable IOC buys posted one at
           a time on the idle system, a random 20 to 300 ms apart (so that the order does not keep in step
           with a poll period on its path), each timed from its POST until its OrderFilled arrives on
           SSE; its per-second figure leaves the gaps out.
Rounds interleave (api, raw), (raw, api), ...; each figure prints as min and median over the rounds, and
the ratios are taken within a round (the machine is shared and noisy: compare ratios across machines).
Every request carries an admin key of the run's own auth store, with the rate limit lifted
(bench/admin_key.py); bench/auth.py measures what that costs a request.

Usage: .venv/bin/python bench/api.py [--quick] [--runtime direct|faust] [--rounds N]
(needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from admin_key import AdminKey, admin_key
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from cryptick.flows import ApiProcess, WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import create_topics, producer
from floor.settings import get_settings
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.codec import encode
from schemas.events import SCALE, DepositFunds, Event, OrderRequested
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, all_topics, partition_of, qualified, venue_key

VENUE, PAIR = "synthetic", "BTC-USD"
CLIENTS = (1, 16)
REST_PRICE = "100.00"  # a buy this far below a ~9,000 USD market rests
SIZE = "0.001"  # the listing's minimum size
FILL_WAIT_S = 5.0


@dataclass(frozen=True, slots=True)
class Plan:
    rounds: int
    per_client: dict[int, int]  # clients -> commands each
    fills: int  # IOC orders per round
    phase_cap_s: float  # no command phase issues new work after this long
    fill_cap_s: float  # nor a fill phase


FULL = Plan(rounds=3, per_client={1: 300, 16: 100}, fills=50, phase_cap_s=12.0, fill_cap_s=40.0)
QUICK = Plan(rounds=3, per_client={1: 60, 16: 20}, fills=20, phase_cap_s=5.0, fill_cap_s=15.0)


@dataclass(slots=True)
class Sample:
    """One phase's latencies (seconds), wall time, and answers by HTTP status (or 'lost')."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    answers: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # process -> CPU seconds per wall second

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else math.nan


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children (Linux ``/proc``; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by each named process over a phase, per wall second (2.0 is both cores of this machine)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.t0 = time.monotonic()
        self.start = {name: cpu_seconds(pid) for name, pid in pids.items()}

    def read(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        return {name: (cpu_seconds(pid) - self.start[name]) / wall for name, pid in self.pids.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listing_messages_for(feed: SyntheticFeed, accounts: Sequence[str]) -> list[Message]:
    """The listings, to the book's ``venue.journal`` and to every ledger partition (as the feed does)."""
    try:
        from producers.scenario import listing_messages
    except ImportError:  # older tree: the listing under each account's key
        return [m for lst in feed.listings() for m in
                [Message(VENUE_JOURNAL, venue_key(lst.venue, lst.pair), lst),
                 *(Message(LEDGER_JOURNAL, a, lst) for a in accounts)]]
    return [m for lst in feed.listings() for m in listing_messages(lst)]


# --- the system under test --------------------------------------------------------------------


def start_api(bootstrap: str, ns: str, log: Path, key: AdminKey) -> tuple[subprocess.Popen[bytes], str]:
    api = ApiProcess(bootstrap, ns, env=key.env, log_path=log).start()
    assert api.proc is not None
    return api.proc, api.base


def until(fn: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout:.0f} s")
        time.sleep(0.1)


def fund(client: httpx.Client, account: str) -> None:
    """A large deposit and a wallet set holding most of it (``ws``, run ``run``)."""
    r = client.post(f"/accounts/{account}/deposits", json={
        "venue": VENUE, "currency": "USD", "amount": "10000000", "command_id": f"{account}:dep"})
    r2 = client.post(f"/accounts/{account}/wallet-sets", json={
        "wallet_set_id": "ws", "run_id": "run", "command_id": f"{account}:ws",
        "allocations": [{"venue": VENUE, "currency": "USD", "amount": "9000000"}]})
    for x in (r, r2):
        if x.status_code != 200:
            raise RuntimeError(f"funding {account} failed: {x.status_code} {x.text[:300]}")


def command_body(kind: str, i: int) -> tuple[str, dict[str, object]]:
    cid = f"b{uuid.uuid4().hex[:24]}"
    if kind == "deposit":
        return "/deposits", {"venue": VENUE, "currency": "USD", "amount": "1", "command_id": cid}
    return "/orders", {"run_id": "run", "wallet_set_id": "ws", "venue": VENUE, "pair": PAIR, "side": "buy",
                       "type": "limit", "size": SIZE, "price": REST_PRICE, "order_id": cid}


def api_phase(base: str, headers: dict[str, str], clients: int, each: int, cap_s: float) -> Sample:
    """``clients`` threads, each with its own keep-alive client, posting ``each`` commands back to back."""
    sample, lock = Sample(), threading.Lock()
    ready = threading.Barrier(clients + 1)
    spans: list[tuple[float, float]] = []

    def client(c: int) -> None:
        account = f"bench-{c}"
        with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
            http.get("/health")  # the connection is open before the clock starts
            ready.wait()
            t_first = time.perf_counter()
            deadline, mine, answers = t_first + cap_s, [], Counter[str]()
            kinds: dict[str, list[float]] = {}
            for i in range(each):
                if time.perf_counter() > deadline:
                    break
                path, body = command_body("deposit" if i % 2 == 0 else "order", i)
                t0 = time.perf_counter()
                try:
                    code = str(http.post(f"/accounts/{account}{path}", json=body).status_code)
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                if code == "200":
                    mine.append(time.perf_counter() - t0)
                    kinds.setdefault(path.strip("/"), []).append(mine[-1])
                answers[code] += 1
            with lock:
                sample.latencies += mine
                for k, xs in kinds.items():
                    sample.by_kind.setdefault(k, []).extend(xs)
                sample.answers.update(answers)
                spans.append((t_first, time.perf_counter()))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    sample.seconds = max(e for _s, e in spans) - min(s for s, _e in spans)
    return sample


# --- the raw peer -------------------------------------------------------------------------------


class RawPeer:
    """One producer (the API's settings) and one consumer positioned at the end of ``topic``; a round
    trip per message, from ``produce`` until the consumer holds the value."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.producer = producer(bootstrap, **{"linger.ms": 0})
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-raw-{uuid.uuid4().hex}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
        parts = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self.consumer.assign([TopicPartition(topic, p, self.consumer.get_watermark_offsets(
            TopicPartition(topic, p), timeout=10)[1]) for p in parts])
        self.waiting: dict[bytes, threading.Event] = {}
        self.arrived: dict[bytes, float] = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._poll, daemon=True)]
        for t in self._threads:
            t.start()
        for p in parts:  # warm every partition's fetch before anything is timed
            self.round_trip(b"warm", encode(deposit_event("warm", f"warm-{uuid.uuid4().hex}")), p)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.producer.poll(0.05)

    def _read(self) -> None:
        while not self._stop.is_set():
            first = self.consumer.poll(0.05)
            if first is None:
                continue
            msgs = [first, *self.consumer.consume(num_messages=1000, timeout=0)]
            now = time.perf_counter()
            for m in msgs:
                if m.error() is None and (ev := self.waiting.pop(m.value() or b"", None)) is not None:
                    self.arrived[m.value() or b""] = now
                    ev.set()

    def round_trip(self, key: bytes, value: bytes, partition: int) -> float | None:
        ev = threading.Event()
        self.waiting[value] = ev
        t0 = time.perf_counter()
        self.producer.produce(self.topic, value=value, key=key, partition=partition)
        if not ev.wait(10):
            self.waiting.pop(value, None)
            return None
        return self.arrived.pop(value) - t0

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(2)
        self.consumer.close()
        self.producer.flush(5)


def deposit_event(account: str, cid: str) -> Event:
    return DepositFunds(cid, account, VENUE, "USD", SCALE, 0)


def raw_command(account: str, i: int) -> Event:
    """The command the API would build for the same request (``command_body``)."""
    cid = f"b{uuid.uuid4().hex[:24]}"
    if i % 2 == 0:
        return deposit_event(account, cid)
    return OrderRequested(event_id=cid, order_id=cid, account=account, run_id="run", wallet_set_id="ws",
                          venue=VENUE, pair=PAIR, side="buy", order_type="limit", size=SCALE // 1000,
                          price=100 * SCALE, post_only=False, cancel_after_s=None, ts=0)


def raw_phase(peer: RawPeer, clients: int, each: int, cap_s: float) -> Sample:
    sample, lock = Sample(), threading.Lock()
    ready = threading.Barrier(clients + 1)
    spans: list[tuple[float, float]] = []

    def sender(c: int) -> None:
        account = f"bench-{c}"
        key = account.encode()
        partition = partition_of(LEDGER_JOURNAL, key)
        values = [encode(raw_command(account, i)) for i in range(each)]  # no per-message setup when timed
        ready.wait()
        t_first = time.perf_counter()
        mine, lost = [], 0
        for value in values:
            if time.perf_counter() > t_first + cap_s:
                break
            rt = peer.round_trip(key, value, partition)
            if rt is None:
                lost += 1
            else:
                mine.append(rt)
        with lock:
            sample.latencies += mine
            sample.answers.update({"ok": len(mine), "lost": lost} if lost else {"ok": len(mine)})
            spans.append((t_first, time.perf_counter()))

    threads = [threading.Thread(target=sender, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    sample.seconds = max(e for _s, e in spans) - min(s for s, _e in spans)
    return sample


# --- order POST → fill on SSE ------------------------------------------------------------------


class FillWatch:
    """An SSE client on ``/streams/events?kinds=fills``: when each order's first fill arrived."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base = base
        self.ready = threading.Event()
        self.fills: dict[str, float] = {}
        self.signal = threading.Condition()
        self.error: str | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=60), headers=headers)
        threading.Thread(target=self._run, daemon=True).start()
        if not self.ready.wait(15):
            raise RuntimeError(f"SSE not ready within 15 s ({self.error})")

    def _run(self) -> None:
        try:
            with self._client.stream("GET", f"{self.base}/streams/events", params={"kinds": "fills"}) as r:
                event = None
                for line in r.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "ready":
                        self.ready.set()
                    elif line.startswith("data:") and event == "OrderFilled":
                        now = time.perf_counter()
                        oid = json.loads(line[5:])["order_id"]
                        with self.signal:
                            self.fills.setdefault(oid, now)
                            self.signal.notify_all()
        except Exception as exc:  # closed at the end, or broken: reported by the waits
            self.error = repr(exc)

    def wait(self, order_id: str, timeout: float) -> float | None:
        with self.signal:
            self.signal.wait_for(lambda: order_id in self.fills, timeout)
            return self.fills.get(order_id)

    def close(self) -> None:
        self._client.close()


def fill_phase(base: str, headers: dict[str, str], account: str, orders: int, cap_s: float
               ) -> tuple[Sample, Sample]:
    """(POST → fill on SSE, the POST alone) for ``orders`` IOC buys through the best ask, one at a time."""
    to_fill, posts = Sample(), Sample()
    watch = FillWatch(base, headers)
    try:
        with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
            book = http.get(f"/markets/{VENUE}/{PAIR}/book").json()
            price = f"{float(book['asks'][0][0]) * 1.02:.2f}"
            start, misses = time.perf_counter(), 0
            rng, gap = random.Random(len(watch.fills)), list[float]()
            for _ in range(orders):
                if time.perf_counter() - start > cap_s or misses >= 3:
                    break
                oid = f"f{uuid.uuid4().hex[:24]}"
                body = {"run_id": "run", "wallet_set_id": "ws", "venue": VENUE, "pair": PAIR, "side": "buy",
                        "type": "ioc", "size": SIZE, "price": price, "order_id": oid}
                t0 = time.perf_counter()
                code = str(http.post(f"/accounts/{account}/orders", json=body).status_code)
                posts.latencies.append(time.perf_counter() - t0)
                posts.answers[code] += 1
                seen = watch.wait(oid, FILL_WAIT_S)
                if seen is None:
                    misses += 1
                    to_fill.answers["no fill on SSE"] += 1
                else:
                    to_fill.latencies.append(seen - t0)
                    to_fill.answers["filled"] += 1
                # one at a time, on an idle system; a random gap so no poll period of the path (the SSE
                # follower waits 250 ms per batch) stays in step with the orders and hides or doubles
                gap.append(rng.uniform(0.02, 0.3))
                time.sleep(gap[-1])
            to_fill.seconds = posts.seconds = time.perf_counter() - start - sum(gap)
    finally:
        watch.close()
    return to_fill, posts


# --- the run ------------------------------------------------------------------------------------


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def label_of(side: str, clients: int) -> str:
    return f"{side} {clients} client{'s' if clients > 1 else ''}"


def ms(x: float) -> str:
    return f"{x * 1000:8.1f}"


def line(label: str, s: Sample) -> str:
    odd = {k: v for k, v in s.answers.items() if k not in ("200", "ok", "filled")}
    kinds = "".join(f"  {k} p50 {statistics.median(xs) * 1e3:.1f}" for k, xs in sorted(s.by_kind.items()))
    cpu = ("  cpu " + " ".join(f"{k} {v:.2f}" for k, v in s.cpu.items())) if s.cpu else ""
    return (f"  {label:<22} {len(s.latencies):5d} in {s.seconds:5.2f} s {s.per_s:8.1f}/s"
            f"  p50 {ms(s.pct(.5))} ms  p99 {ms(s.pct(.99))} ms{kinds}{cpu}"
            + (f"  other answers {dict(odd)}" if odd else ""))


def min_med(xs: Sequence[float]) -> str:
    return f"{min(xs):9.2f} {statistics.median(xs):9.2f}"


def main(argv: Sequence[str]) -> None:
    plan = QUICK if "--quick" in argv else FULL
    runtime = argv[argv.index("--runtime") + 1] if "--runtime" in argv else "direct"
    if "--rounds" in argv:
        plan = dataclasses.replace(plan, rounds=int(argv[argv.index("--rounds") + 1]))
    bootstrap = get_settings().bootstrap
    ns = f"benchapi{uuid.uuid4().hex[:8]}"
    raw_ns = f"{ns}raw"
    logs = Path(tempfile.mkdtemp(prefix="bench-api-"))
    key = admin_key(logs)  # the API's own auth store and admin key, in the run's folder
    print(f"bench/api.py  {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC  namespace {ns}  "
          f"runtime {runtime}  cpus {os.cpu_count()}  load {loadavg()}")
    print(f"plan: {plan.rounds} rounds; commands per client {plan.per_client}; {plan.fills} fills per round; "
          f"logs {logs}")
    t_run = time.monotonic()
    create_topics(bootstrap, all_topics(ns))
    create_topics(bootstrap, [t for t in all_topics(raw_ns) if t.name == qualified(LEDGER_JOURNAL, raw_ns)])
    accounts = [f"bench-{c}" for c in range(max(CLIENTS))] + ["bench-fill"]
    feed = SyntheticFeed(SyntheticConfig(bases=("BTC",)))
    msgs = listing_messages_for(feed, accounts)
    msgs += [Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[union-attr]
             for e in feed.events(50)]
    publish(bootstrap, msgs, ns)
    api: subprocess.Popen[bytes] | None = None
    worker = WorkerProcess(bootstrap, ns, ROLES, log_path=logs / "worker.log", runtime=runtime)
    peer: RawPeer | None = None
    results: dict[str, list[Sample]] = {}
    try:
        api, base = start_api(bootstrap, ns, logs / "api.log", key)
        worker.start()
        until(lambda: httpx.get(f"{base}/markets/{VENUE}/{PAIR}/book", timeout=5,
                                headers=key.headers).status_code == 200, 30, "no book on the API")
        with httpx.Client(base_url=base, timeout=30, headers=key.headers) as http:
            for a in accounts:
                fund(http, a)
        peer = RawPeer(bootstrap, qualified(LEDGER_JOURNAL, raw_ns))
        assert worker.proc is not None
        pids = {"api": api.pid, "worker": worker.proc.pid, "bench": os.getpid()}
        print(f"set up in {time.monotonic() - t_run:.1f} s")
        for r in range(plan.rounds):
            print(f"round {r + 1}")
            for side in (("api", "raw") if r % 2 == 0 else ("raw", "api")):
                for c in CLIENTS:
                    n = plan.per_client[c]
                    meter = CpuMeter(pids)
                    s = (api_phase(base, key.headers, c, n, plan.phase_cap_s) if side == "api"
                         else raw_phase(peer, c, n, plan.phase_cap_s))
                    s.cpu = meter.read()
                    label = label_of(side, c)
                    results.setdefault(label, []).append(s)
                    print(line(label, s))
            try:
                waited = worker.wait_caught_up(idle=0.5, timeout=30)
            except (TimeoutError, RuntimeError) as exc:
                waited = math.nan
                print(f"  worker not caught up: {exc}")
            fill, post = fill_phase(base, key.headers, "bench-fill", plan.fills, plan.fill_cap_s)
            results.setdefault("fill (POST→SSE)", []).append(fill)
            results.setdefault("IOC POST alone", []).append(post)
            print(f"  (worker caught up after {waited:.1f} s)")
            print(line("fill (POST→SSE)", fill))
            print(line("IOC POST alone", post))
        report(results, plan)
        health = httpx.get(f"{base}/health", timeout=5).json()
        print(f"/health after: {json.dumps(health)[:600]}")
    finally:
        if peer is not None:
            peer.close()
        worker.stop()
        if api is not None:
            api.terminate()
            try:
                api.wait(10)
            except subprocess.TimeoutExpired:
                api.kill()
        errors = [ln for ln in (logs / "api.log").read_text(errors="replace").splitlines()
                  if "Error" in ln or "Traceback" in ln] if (logs / "api.log").exists() else []
        if errors:
            print(f"api.log: {len(errors)} error lines, first: {errors[0][:200]}")
        drop_topics(bootstrap, [t.name for t in all_topics(ns)] + [qualified(LEDGER_JOURNAL, raw_ns)])
        print(f"whole run {time.monotonic() - t_run:.1f} s; load {loadavg()}")


def drop_topics(bootstrap: str, names: list[str]) -> None:
    """Delete the run's topics (best effort: a leftover namespace is only clutter)."""
    client = AdminClient({"bootstrap.servers": bootstrap})  # held until the futures resolve
    for name, fut in client.delete_topics(names, operation_timeout=30).items():
        try:
            fut.result()
        except Exception as exc:
            print(f"could not delete {name}: {exc}")


def report(results: dict[str, list[Sample]], plan: Plan) -> None:
    print(f"\nsummary over {plan.rounds} rounds: min and median of each figure")
    print(f"  {'':<22} {'per s (min, med)':>19}  {'p50 ms (min, med)':>19}  {'p99 ms (min, med)':>19}")
    for label, ss in results.items():
        print(f"  {label:<22} {min_med([s.per_s for s in ss])}  {min_med([s.pct(.5) * 1e3 for s in ss])}  "
              f"{min_med([s.pct(.99) * 1e3 for s in ss])}")
    fills = Sample(latencies=[x for s in results["fill (POST→SSE)"] for x in s.latencies])
    print(f"  fill pooled over rounds: {len(fills.latencies)} orders, p50 {ms(fills.pct(.5))} ms, "
          f"p99 {ms(fills.pct(.99))} ms")
    print("ratios within each round (min, median):")
    for c in CLIENTS:
        a, w = results[label_of("api", c)], results[label_of("raw", c)]
        p99 = [x.pct(.99) / y.pct(.99) for x, y in zip(a, w, strict=True)]
        p50 = [x.pct(.5) / y.pct(.5) for x, y in zip(a, w, strict=True)]
        rate = [x.per_s / y.per_s for x, y in zip(a, w, strict=True)]
        print(f"  {c:2d} client(s): api p99 / raw p99 {min_med(p99)}   api p50 / raw p50 {min_med(p50)}   "
              f"api cmd/s / raw cmd/s {min_med(rate)}")
    a16, w16 = results["api 16 clients"], results["raw 16 clients"]
    ratio = statistics.median(x.pct(.99) / y.pct(.99) for x, y in zip(a16, w16, strict=True))
    print("targets (median over rounds):")
    print(f"  16 clients >= 500 commands/s: {statistics.median(s.per_s for s in a16):.0f}/s")
    print(f"  p99 <= 5x raw p99 (16 clients): {ratio:.1f}x")
    print(f"  fill p99 <= 100 ms: pooled {fills.pct(.99) * 1e3:.0f} ms")
    odd = Counter[str]()
    for ss in results.values():
        for s in ss:
            odd.update({k: v for k, v in s.answers.items() if k not in ("200", "ok", "filled")})
    print(f"answers other than 200 / ok / filled over the run: {dict(odd) or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
