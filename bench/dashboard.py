"""The dashboard's speed in a real Chromium, against a floor page in the same run (issue #16, "Speed").

One stack, as a user has it: a worker (direct runtime) and ``cryptick api`` on the broker, in a fresh
namespace, serving the built dashboard (a copy of ``--dist``, default ``$DASHBOARD_DIR`` or
``dashboard/dist``: build it first) plus the floor page (bench/dashboard_floor/, copied into the
copy's ``assets/``, so same origin, same session cookie, same content security policy). A seeded
synthetic market; an efficient_frontier paper run of six assets with ``points=100`` on it, its lookback
from archived candles (imported as OHLCV, as ``cryptick market import`` does), its target confirmed so
it trades, and market events published until the run's topics (its inbox ``strategy.journal`` and its
outputs ``strategy.events``) hold 10,000 messages. Then the worker is stopped (the API and the browser
get the machine; the run's page shows the same) and a trader signs in once.

  paint   a fresh browser context (empty cache, the trader's cookie) opens the run page; the figure
          is the time from navigation to the first animation frame at which every component the run
          declared is in the page and the frontier scatter has its canvas (the next frame shows it).
          floor: ``floor.html?mode=paint`` makes the same reads (/auth/me, then /runs/{id} and its log)
          and shows each component's data as JSON text.
  stream  the page is open and live; the bench produces 1,000 events/s (bursts every 10 ms) to the
          run's ``strategy.events`` for N seconds, the events the run itself sends, shaped as it shapes
          them (a mix, per ten: 4 ``weights``, 2 ``weights_path`` points, 2 ``orders`` tables of 50
          rows, 1 ``risk``, 1 log line; once a second a whole 100-point ``frontier`` instead of a
          ``weights``), each stamped with its produce time. Meanwhile a key is pressed every 200 ms on
          the page's slider (the run's risk slider; the floor's range input). Measured in the page
          (bench/dashboard_floor/probe.js, injected before the page's scripts): frame intervals
          (requestAnimationFrame), long tasks (> 50 ms), input latency (keydown to the end of the next
          frame), and the lag of each event from its production to the page's EventSource listener.
          floor: ``floor.html?mode=stream`` opens the same stream (the same kinds as the dashboard) and
          prepends each event as it comes, as text, to a list of the newest 1,000.
Pages alternate which goes first in each round; the summary is min and median over rounds, and the
ratio dashboard / floor of the medians. Headless Chromium draws at 60 frames a second: 16.7 ms is the
best a frame interval can be.

Usage: .venv/bin/python bench/dashboard.py [--seconds 60] [--rate 1000] [--rounds 3] [--paints 5]
       [--messages 10000] [--dist DIR] [--quick] [--profile]
  --quick: 10 s, 1 round, 3 paints (about 2 minutes); --profile: first a round of each page under the
  CPU profiler, printing where the time went (build with `npx vite build --minify false` for names)
(needs a broker, KAFKA_BOOTSTRAP_SERVERS or `cryptick infra up`, and Chromium: `make setup`)
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from admin_key import admin_key

from cryptick.flows import ApiProcess, WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import create_topics, delete_topics, end_offsets, producer
from floor.settings import get_settings
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.codec import encode
from schemas.events import EVENT_TYPES, StrategyLogged, UiComponentUpdated
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL, all_topics, qualified

ROOT = Path(__file__).resolve().parents[1]
FLOOR = Path(__file__).with_name("dashboard_floor")
KINDS = "runs,notices,markets,orders,fills,wallets"  # the dashboard's stream (dashboard/src/api/stream.ts)
ACCOUNT = "acct-bench"
BASES = ("BTC", "ETH", "LTC", "BCH", "ZEC", "XMR")  # the synthetic market's
US = 1_000_000
BARS = 60  # archived one-minute candles per pair: the run's lookback
USER, PASSWORD = "bench-trader", "a long password of the dashboard bench"
VIEWPORT = {"width": 1280, "height": 720}
KEY_EVERY_S = 0.2
BURSTS_PER_S = 100
# per ten events, the components they update (the frontier replaces one "weights" once a second)
MIX = ("weights", "weights_path", "weights", "orders", "risk", "weights", "weights_path", "orders",
       "weights", "log")


def arg(argv: Sequence[str], name: str, default: float) -> float:
    return float(argv[argv.index(name) + 1]) if name in argv else default


def pct(xs: Sequence[float], q: float) -> float:
    """The q-quantile of sorted ``xs`` (nearest rank); nan if empty."""
    return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else math.nan


def component_at(n: int, rate: int) -> str:
    """Which component the n-th event of a stream updates: ``MIX`` in turn, the frontier once a second."""
    if n % rate == 0:
        return "frontier"
    return MIX[n % len(MIX)]


def bars_csv(index: int, end_s: int, count: int) -> str:
    """``count`` one-minute OHLCV bars ending before ``end_s``: a wavy walk, one phase per asset."""
    first = (end_s // 60 - count) * 60
    price = 100.0 * (index + 1)
    rows = ["timestamp,open,high,low,close,volume"]
    for k in range(count):
        nxt = price * (1 + 0.004 * math.sin(k * 1.7 + index) + 0.002 * math.cos(k * 0.9 + index * 0.5))
        rows.append(f"{first + k * 60},{price:.2f},{max(price, nxt) * 1.001:.2f},"
                    f"{min(price, nxt) * 0.999:.2f},{nxt:.2f},1.5")
        price = nxt
    return "\n".join(rows) + "\n"


# --- the stack ----------------------------------------------------------------------------------


@dataclass
class Stack:
    base: str
    run_id: str
    messages: int  # in the run's topics
    templates: dict[str, Any]  # component id -> the run's own latest data
    bootstrap: str
    topic: str  # the run's outputs (strategy.events)


def cli(args: Sequence[str], env: dict[str, str], stdin: str = "") -> None:
    done = subprocess.run([sys.executable, "-m", "cryptick.cli", *args], env={**os.environ, **env},
                          input=stdin, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"cryptick {' '.join(args[:2])} failed: {done.stderr or done.stdout}")


def run_messages(bootstrap: str, ns: str) -> int:
    """Messages in the run's topics (its inbox and its outputs: the namespace holds one run)."""
    topics = (STRATEGY_JOURNAL, STRATEGY_EVENTS)
    return sum(sum(end_offsets(bootstrap, qualified(t, ns)).values()) for t in topics)


def wait_for(what: str, check: Any, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return found


class Phases:
    """Prints how long each step of the set-up took."""

    def __init__(self) -> None:
        self.t = time.monotonic()

    def __call__(self, what: str) -> None:
        now = time.monotonic()
        print(f"  {what} ({now - self.t:.1f} s)", flush=True)
        self.t = now


@contextmanager
def stack(bootstrap: str, dist: Path, messages: int) -> Iterator[Stack]:
    ns = f"benchdash{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    site = folder / "dashboard"
    shutil.copytree(dist, site)
    for f in FLOOR.iterdir():
        shutil.copy(f, site / "assets" / f.name)
    key = admin_key(folder)
    env = {**key.env, "CLICKHOUSE_DSN": f"chdb://{folder / 'chdb'}", "DASHBOARD_DIR": str(site)}
    phase = Phases()
    now_s = int(time.time())
    csvs = []
    for i, base in enumerate(BASES):  # the run's lookback, from the archive
        csvs.append(folder / f"{base}-USD.csv")
        csvs[-1].write_text(bars_csv(i, now_s, BARS))
    worker = WorkerProcess(bootstrap, ns, ROLES, log_path=folder / "worker.log", runtime="direct")
    api = ApiProcess(bootstrap, ns, env=env, log_path=folder / "api.log")
    try:
        # in a child: the embedded archive belongs to the process that opens it, and the API's is next
        subprocess.run([sys.executable, __file__, "--import-candles", *map(str, csvs)],
                       env={**os.environ, **env}, check=True)
        phase(f"{len(csvs) * BARS} archived candles imported")
        cli(["users", "add", USER, "--role", "trader", "--accounts", ACCOUNT, "--password-stdin"], env,
            PASSWORD + "\n")
        create_topics(bootstrap, all_topics(ns))
        listings, market = synthetic_messages(steps=10 * messages, seed=5, start_ts=now_s * US)
        publish(bootstrap, [*listings, *(next(market) for _ in range(50))], ns)
        worker.start()
        api.start()
        http = httpx.Client(base_url=api.base, headers=key.headers, timeout=30)
        started = http.post("/runs", json={
            "strategy": "efficient_frontier", "account": ACCOUNT,
            "params": {"points": "100", "candle_interval_s": "60", "lookback": str(BARS - 10),
                       "min_candles": "10", "path_interval_s": "10"},
            "balances": [{"venue": "synthetic", "currency": "USD", "amount": "100000"}]})
        started.raise_for_status()
        run_id = started.json()["run_id"]
        phase("stack up, run started")

        def components() -> dict[str, Any]:
            found = http.get(f"/runs/{run_id}").json().get("components", [])
            return {c["component_id"]: c["data"] for c in found}

        def frontier_points() -> int:
            return len((components().get("frontier") or {}).get("points") or [])

        wait_for("the run's frontier", lambda: frontier_points() == 100)
        http.post(f"/runs/{run_id}/components/controls", json={"action": "confirm"},
                  headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"}).raise_for_status()
        phase("frontier computed, target confirmed")
        while (have := run_messages(bootstrap, ns)) < messages:
            batch = min(2000, messages - have + 100)
            publish(bootstrap, [m for _, m in zip(range(batch), market, strict=False)], ns)
            worker.wait_caught_up(idle=0.5)
        worker.wait_caught_up()
        worker.stop()
        phase(f"{messages:,} messages in the run's topics")
        templates = wait_for("the run's components", components)
        yield Stack(api.base, run_id, run_messages(bootstrap, ns), templates, bootstrap,
                    qualified(STRATEGY_EVENTS, ns))
    finally:
        worker.stop()
        api.stop()
        delete_topics(bootstrap, [t.name for t in all_topics(ns)])
        shutil.rmtree(folder, ignore_errors=True)


# --- the events ---------------------------------------------------------------------------------


def stream_event(run_id: str, templates: dict[str, Any], n: int, rate: int, ts: int, event_id: str
                 ) -> UiComponentUpdated | StrategyLogged:
    """The n-th event of the stream (``component_at``), as the strategy shapes it: its latest data of the
    component (``templates``, from the run's read), moved a little so that no two updates are equal."""
    which = component_at(n, rate)
    if which == "log":
        return StrategyLogged(event_id, run_id, "info", f"bench line {n}: a log line as strategies write "
                              "them, of a few words", ts)
    data: Any = templates.get(which)
    if which == "weights_path":  # one point of the path, as the strategy appends it
        wave = 0.1 * math.sin(n / 500)
        data = {"ts": ts, "weights": {b: round(1 / len(BASES) + (wave if i == 0 else -wave / 5), 6)
                                      for i, b in enumerate(BASES)}, "target": {}}
    elif which == "weights" and isinstance(data, dict):
        current = data.get("current") or {}
        moved = 1 + 0.01 * math.sin(n)
        data = {**data, "current": {a: round(w * moved, 6) for a, w in current.items()}}
    elif which == "orders":  # the strategy's table: its last 50 orders
        data = {"rows": [{"order_id": f"o{n}-{k}", "venue": "synthetic", "pair": f"{BASES[k % 6]}-USD",
                          "side": "buy" if k % 2 else "sell", "size": "0.0125", "limit": f"{100 + k}.5",
                          "filled": f"0.00{n % 10}", "status": "open"} for k in range(50)]}
    elif which == "risk" and isinstance(data, dict):
        data = {**data, "max": round(float(data.get("max", 2.0)) + (n % 7) * 1e-6, 6)}
    return UiComponentUpdated(event_id, run_id, which, json.dumps(data), ts)


class Feeder:
    """The run's outputs at ``rate`` events a second for ``seconds``, in a thread (bursts every 10 ms),
    each stamped with its produce time. ``sent``: how many ``UiComponentUpdated`` (what the pages count)."""

    def __init__(self, stack: Stack, rate: int, seconds: float) -> None:
        self.stack, self.rate, self.total = stack, rate, int(rate * seconds)
        self.prod = producer(stack.bootstrap)
        # connected, with its producer id, before the first round: a new idempotent producer holds its
        # first messages until then (bench/sse.py once saw 400 ms of it)
        warm = StrategyLogged(f"{stack.run_id}:bench:warm-up", stack.run_id, "info", "bench: warm-up",
                              time.time_ns() // 1000)
        self.prod.produce(stack.topic, key=stack.run_id.encode(), value=encode(warm))
        self.prod.flush(30)
        self.sent = 0
        self.serial = 0  # event ids stay unique over every round
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        n, start, per_burst = 0, time.monotonic(), self.rate // BURSTS_PER_S
        while n < self.total:
            due = min(self.total, int((time.monotonic() - start) * self.rate) + per_burst)
            while n < due:
                self.serial += 1
                run = self.stack.run_id
                e = stream_event(run, self.stack.templates, n, self.rate, time.time_ns() // 1000,
                                 f"{run}:bench:{self.serial}")
                self.prod.produce(self.stack.topic, key=run.encode(), value=encode(e))
                self.sent += isinstance(e, UiComponentUpdated)
                n += 1
            self.prod.poll(0)
            time.sleep(1 / BURSTS_PER_S)
        self.prod.flush(30)

    def start(self) -> None:
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


# --- the pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    ready: str  # a JS function: the page shows what is measured
    slider: str  # a CSS selector of what the key presses go to


def pages(s: Stack) -> dict[str, dict[str, Page]]:
    types = ",".join(t.__name__ for t in EVENT_TYPES)
    components = (f"document.querySelectorAll('[data-testid^=\"component-\"][data-kind]').length >= "
                  f"{len(s.templates)} && "
                  "!!document.querySelector('[data-testid=\"component-frontier\"] canvas')")
    live = "!!document.querySelector('[data-testid=\"connection-status\"][data-status=\"live\"]')"
    run_page = f"{s.base}/ui/runs/{s.run_id}"
    floor = f"{s.base}/assets/floor.html?run={s.run_id}&kinds={KINDS}&types={types}"
    risk = "[data-testid='component-risk'] [role='slider']"
    return {
        "paint": {"dashboard": Page("dashboard", run_page, f"() => {components}", risk),
                  "floor": Page("floor", f"{floor}&mode=paint",
                                "() => document.body.dataset.ready === 'true'", "#probe-input")},
        "stream": {"dashboard": Page("dashboard", run_page, f"() => {components} && {live}", risk),
                   "floor": Page("floor", f"{floor}&mode=stream",
                                 "() => document.getElementById('status').dataset.status === 'live'",
                                 "#probe-input")},
    }


def ready_ms(p: Any, name: str, timeout: float = 60.0) -> float:
    """Ms from the page's navigation to its first frame showing what is measured (probe.js)."""
    deadline = time.monotonic() + timeout
    # polled from here: the page's policy forbids the eval that wait_for_function needs
    while (ready := p.evaluate("window.__probe ? window.__probe.ready : null")) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {name} page was not ready in {timeout:g} s: {p.problems}")
        time.sleep(0.01)
    return float(ready)


def open_page(b: Any, state: Any, page: Page) -> tuple[Any, Any, float]:
    """A fresh context (empty cache, signed in) at ``page``; returns it, the page and ms to ready."""
    context = b.new_context(viewport=VIEWPORT, storage_state=state)
    context.add_init_script(path=str(FLOOR / "probe.js"))
    context.add_init_script(script=f"window.__probeWhen = {page.ready};")
    p = context.new_page()
    p.problems = []
    p.on("pageerror", lambda e: p.problems.append(f"page error: {e}"))
    p.goto(page.url)
    return context, p, ready_ms(p, page.name)


def paint_round(b: Any, state: Any, page: Page) -> tuple[float, float]:
    """Ms to ready of a first visit (empty cache) and of a second (its scripts cached), in one context."""
    context, p, cold = open_page(b, state, page)
    try:
        p.goto(page.url)
        return cold, ready_ms(p, page.name)
    finally:
        context.close()


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium, as tests/integration/browser.py starts it (``CRYPTICK_CHROMIUM`` or Debian's)."""
    from playwright.sync_api import sync_playwright

    path = os.environ.get("CRYPTICK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        sys.exit("no Chromium: `make setup` installs Debian's chromium, or set CRYPTICK_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def sign_in(b: Any, base: str) -> Any:
    """The trader's session (cookies), signed in through the dashboard's own form."""
    context = b.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base}/ui/")
    page.get_by_label("User").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("table", name="Runs").wait_for(timeout=30_000)
    state = context.storage_state()
    context.close()
    return state


@dataclass
class StreamFigures:
    frames: list[float]  # sorted ms
    longtasks: list[float]
    inputs: list[float]  # sorted ms
    lags: list[float]  # sorted ms
    received: int
    sent: int
    problems: list[str] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return 1000 * len(self.frames) / sum(self.frames) if self.frames else 0.0

    @property
    def lag_p99(self) -> float:
        return pct(self.lags, .99)

    def line(self) -> str:
        f, i = self.frames, self.inputs
        return (f"{self.fps:4.1f} frames/s, p50 {pct(f, .5):5.1f} p99 {pct(f, .99):6.1f} "
                f"max {max(f, default=0):6.1f} ms | "
                f"long tasks {len(self.longtasks):3d} ({sum(self.longtasks):6.0f} ms) | input p50 "
                f"{pct(i, .5):5.1f} p99 {pct(i, .99):6.1f} ms ({len(i)}) | lag p99 {self.lag_p99:7.1f} ms | "
                f"got {self.received}/{self.sent}")


LIBRARIES = ("react-", "mantine-", "rolldown-runtime-", "(native)")


def profile_lines(profile: dict[str, Any], top: int = 12) -> list[str]:
    """Where a CPU profile (Chrome DevTools protocol) spent its samples: the functions with the most
    self time, the scripts, and the page's own functions (not a library's) with the most time
    inclusive of what they called."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}

    def where(node: int) -> tuple[str, str]:
        frame = nodes[node]["callFrame"]
        file = frame["url"].rsplit("/", 1)[-1].split("?")[0] or "(native)"
        return f"{frame['functionName'] or '(anonymous)'} {file}:{frame['lineNumber'] + 1}", file

    self_time: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for node, dt in zip(profile.get("samples", []), profile.get("timeDeltas", []), strict=False):
        name, file = where(node)
        self_time[name] += dt
        by_file[file] += dt
        seen: set[str] = set()
        at: int | None = node
        while at is not None:
            name, file = where(at)
            if not file.startswith(LIBRARIES) and name not in seen:
                seen.add(name)
                inclusive[name] += dt
            at = parent.get(at)
    total = sum(by_file.values()) or 1
    lines = ["    self time:"] + [f"    {us / total:6.1%}  {name}" for name, us in self_time.most_common(top)]
    lines += ["    by script: " + ", ".join(f"{f} {us / total:.0%}" for f, us in by_file.most_common(8))]
    lines += ["    the page's own functions, with what they called:"]
    lines += [f"    {us / total:6.1%}  {name}" for name, us in inclusive.most_common(top)]
    return lines


def stream_round(b: Any, state: Any, page: Page, feeder: Feeder, seconds: float, profile: bool = False
                 ) -> StreamFigures:
    context, p, _ = open_page(b, state, page)
    cdp = None
    try:
        p.focus(page.slider)
        time.sleep(1.0)  # settle: what loading left behind is not measured
        if profile:  # sampling costs the page too: a profiled round's figures are not comparable
            cdp = context.new_cdp_session(p)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.start")
        p.evaluate("window.__probe.received = 0; window.__probe.recording = true")
        feeder.start()
        keys = ("ArrowRight", "ArrowLeft")
        n, next_key = 0, time.monotonic()
        while feeder.running():
            if time.monotonic() >= next_key:
                p.keyboard.press(keys[(n // 3) % 2])  # three right, three left: the value stays near
                n += 1
                next_key = time.monotonic() + KEY_EVERY_S  # a busy page gets no burst of held-up keys
            time.sleep(0.01)
        deadline = time.monotonic() + 10  # the last events on their way
        while p.evaluate("window.__probe.received") < feeder.sent and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        probe = p.evaluate("(() => { const q = window.__probe; q.recording = false; return q; })()")
        if cdp is not None:
            print(f"  CPU profile of the {page.name} page while the events stream in:")
            print("\n".join(profile_lines(cdp.send("Profiler.stop")["profile"])), flush=True)
        return StreamFigures(sorted(probe["frames"]), probe["longtasks"], sorted(probe["inputs"]),
                             sorted(probe["lags"]), probe["received"], feeder.sent, list(p.problems))
    finally:
        context.close()


# --- the run ------------------------------------------------------------------------------------


def min_med(xs: Sequence[float], unit: str = "ms") -> str:
    return f"min {min(xs):8.1f} {unit}, median {statistics.median(xs):8.1f} {unit}"


def import_candles(files: Sequence[str]) -> None:
    """``cryptick market import FILE --venue synthetic --pair <FILE's stem> --interval 1m`` for each
    file, in one process (one start instead of six)."""
    from cryptick.commands.market import import_file
    from producers.barfill import BarFill
    from streams.archive.clickhouse import get_client

    client = get_client(get_settings().dsn)
    for f in map(Path, files):
        import_file(client, f, "synthetic", f.stem, 60 * US, "ohlcv", BarFill())


def dist_dir(argv: Sequence[str]) -> Path:
    given = argv[argv.index("--dist") + 1] if "--dist" in argv else os.environ.get("DASHBOARD_DIR")
    path = Path(given) if given else ROOT / "dashboard" / "dist"
    if not (path / "index.html").is_file():
        sys.exit(f"no built dashboard in {path}: run `make dashboard` (or `cd dashboard && npx vite build "
                 "--outDir DIR`, then --dist DIR)")
    return path


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"


def main(argv: Sequence[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return
    if argv[:1] == ["--import-candles"]:
        import_candles(argv[1:])
        return
    quick = "--quick" in argv
    seconds = arg(argv, "--seconds", 10 if quick else 60)
    rate = int(arg(argv, "--rate", 1000))
    rounds = int(arg(argv, "--rounds", 1 if quick else 3))
    paints = int(arg(argv, "--paints", 3 if quick else 5))
    messages = int(arg(argv, "--messages", 10_000))
    dist = dist_dir(argv)
    if rate % BURSTS_PER_S:
        sys.exit(f"--rate must be a multiple of {BURSTS_PER_S} (events come in bursts every 10 ms)")
    print(f"dashboard bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    t0 = time.monotonic()
    with stack(get_settings().bootstrap, dist, messages) as s:
        print(f"run {s.run_id}: {s.messages:,} messages in its topics, a {len(s.templates)}-component page "
              f"with a 100-point frontier (ready in {time.monotonic() - t0:.0f} s)")
        ps = pages(s)
        feeder = Feeder(s, rate, seconds)
        with browser() as b:
            state = sign_in(b, s.base)
            paint: dict[str, list[float]] = {"dashboard": [], "floor": []}
            warm: dict[str, list[float]] = {"dashboard": [], "floor": []}
            for i in range(paints):
                for name in (("dashboard", "floor") if i % 2 == 0 else ("floor", "dashboard")):
                    first, again = paint_round(b, state, ps["paint"][name])
                    paint[name].append(first)
                    warm[name].append(again)
                print(f"  paint {i + 1}: run page {paint['dashboard'][-1]:7.1f} ms (cached "
                      f"{warm['dashboard'][-1]:7.1f}) | floor {paint['floor'][-1]:7.1f} ms (cached "
                      f"{warm['floor'][-1]:7.1f})", flush=True)
            if "--profile" in argv:  # a round of its own, before and apart from the measured ones
                for name in ("dashboard", "floor"):
                    stream_round(b, state, ps["stream"][name], feeder, seconds, profile=True)
            stream: dict[str, list[StreamFigures]] = {"dashboard": [], "floor": []}
            for i in range(rounds):
                for name in (("dashboard", "floor") if i % 2 == 0 else ("floor", "dashboard")):
                    figures = stream_round(b, state, ps["stream"][name], feeder, seconds)
                    stream[name].append(figures)
                    print(f"  stream {i + 1} {name:<9}: {figures.line()}", flush=True)
    report(paint, warm, stream, rate, seconds)


Figures = dict[str, list[float]]  # page -> one figure per round


def report(paint: Figures, warm: Figures, stream: dict[str, list[StreamFigures]], rate: int,
           seconds: float) -> None:
    d, f = stream["dashboard"], stream["floor"]

    def row(label: str, key: Any, unit: str = "ms") -> None:
        a, b = [key(x) for x in d], [key(x) for x in f]
        ratio = statistics.median(a) / statistics.median(b) if statistics.median(b) else math.inf
        print(f"  {label:<26} run page {min_med(a, unit)} | floor {min_med(b, unit)} | ratio {ratio:5.2f}")

    print("summary (min and median over rounds; ratio = run page / floor, of the medians):")
    for label, figures in (("first meaningful paint", paint), ("  again, scripts cached", warm)):
        pd, pf = figures["dashboard"], figures["floor"]
        print(f"  {label:<26} run page {min_med(pd)} | floor {min_med(pf)} | ratio "
              f"{statistics.median(pd) / statistics.median(pf):5.2f}")
    print(f"  while {rate:,} events/s stream in for {seconds:g} s:")
    row("frames per second", lambda x: x.fps, "/s")
    row("frame time p50", lambda x: pct(x.frames, .5))
    row("frame time p99", lambda x: pct(x.frames, .99))
    row("frame time max", lambda x: max(x.frames, default=math.nan))
    row("long tasks (> 50 ms)", lambda x: float(len(x.longtasks)), "  ")
    row("input latency p50", lambda x: pct(x.inputs, .5))
    row("input latency p99", lambda x: pct(x.inputs, .99))
    row("event lag p99", lambda x: x.lag_p99)
    missing = sum(x.sent - x.received for x in d + f)
    print(f"  events not seen by a page   {missing} of {sum(x.sent for x in d + f)}")
    problems = [p for x in d + f for p in x.problems]
    if problems:
        print(f"  page errors: {problems[:5]}")


if __name__ == "__main__":
    main(sys.argv[1:])
