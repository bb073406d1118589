"""The L2 data path against NautilusTrader: the real Coinbase stream, one change per message, both backtests.

The data: the Coinbase capture ``COINBASE.ws.28.0`` (level2 snapshots and l2updates of 10 books, one
change per message, and their matches: 9,836 market events over 31 s), parsed once by our feed parser
as ``cryptick market import`` reads it (``producers.importer.capture_events``), the listings from its
product list ``COINBASE.0``. The same events, converted, for NautilusTrader: a one-change delta an
``OrderBookDelta`` (ADD for a new price level, UPDATE, DELETE for size 0; flag F_LAST), a snapshot an
``OrderBookDeltas`` (CLEAR, then an ADD per level), a match a ``TradeTick``; prices and sizes as the exact
decimals of our fixed point (precision 8); ``ts_event`` the event's ``ts``, ``ts_init`` when it was
received (clamped non-decreasing, as our scheduler does), so both deliver in the same order.

- Ours: ``replay.engine.Backtest`` over a ``ListSource`` of the parsed events (in memory), one run
  subscribed to the 10 books, no journals (the CLI's default): every event goes through the scheduler,
  the matching core, the market fan-out and the run's strategy host. Timed: building and running the
  ``Backtest``.
- NautilusTrader (1.221.0) at its documented fast path: a ``BacktestEngine`` with the data pre-loaded
  (``add_data``), logging bypassed, no analysis, a venue of ``book_type=L2_MBP``; a strategy subscribed
  to the book deltas and trades of the 10 instruments. It runs in its own virtualenv
  (``~/.cache/cryptick/bench-nautilus``, made by this bench when missing: ``python3.11 -m venv`` and
  ``pip install nautilus_trader==1.221.0``), a subprocess per round (``bench/peers/nautilus_run.py``) that
  loads the stream from a file, builds everything untimed, and times ``engine.run()`` only (of its second
  engine: the first, untimed, pays the process's one-time costs, as ours are paid by earlier rounds).

The strategy's work, alike on both sides (``--work``): ``none`` (handlers do nothing) or ``touch``
(default: per book message, read the best bid and ask of the book the framework keeps and count the
changes). Both counts must agree — the check that both sides saw the same books.

Lengths (``--repeat``, default "1,10"): the stream once, then 10 copies of it back to back (each later by
the stream's span, its ids suffixed; every copy opens with the books' snapshots). Once, NautilusTrader's
fixed cost per ``run()`` (~0.1 s here, from the stream once against five times) weighs about as much as
the messages; the 10 copies show the per-message path, where the issue's aim lies.

Figures: wall seconds for the whole stream (events/s as context), ``--rounds`` interleaved rounds
(A B, B A, ...; default 5), min and median, the ratio of the mins and of the medians; date and load
printed before and after.

Run: ``.venv/bin/python bench/nautilus.py [--rounds N] [--work none|touch] [--repeat 1,10] [--profile]``
(``--profile``: cProfile of our side on the longest length, top functions by own time, no comparison).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from interleave import conditions, interleaved, min_median, ratios

from producers.importer import ImportStats, capture_events
from replay.engine import Backtest, BacktestConfig, BacktestResult, RunSetup
from replay.sources import JournalSink, ListSource, MarketEvent, received
from schemas.events import SCALE, Allocation, BookDelta, BookSnapshot, MarketListed, PublicTrade
from strategies.api import MarketRef, Strategy
from strategies.book import BookView
from strategies.context import Context
from strategies.run import new_run

CAPTURES = Path("/work/shared/data/exchange-captures")
STREAM, PRODUCTS = "COINBASE.ws.28.0", "COINBASE.0"
PEER_VERSION = "1.221.0"
PEER_VENV = Path.home() / ".cache" / "cryptick" / "bench-nautilus"
PEER_SCRIPT = Path(__file__).resolve().parent / "peers" / "nautilus_run.py"


# --- the data -------------------------------------------------------------------------------------------


def capture(folder: Path = CAPTURES) -> tuple[list[MarketListed], list[MarketEvent]]:
    """The stream's market events, as ``cryptick market import`` parses them, and its books' listings."""
    stats = ImportStats()
    events = [e for e in capture_events(STREAM, (folder / STREAM).read_text().splitlines(), "coinbase", stats)
              if isinstance(e, BookSnapshot | BookDelta | PublicTrade)]
    pairs = {e.pair for e in events}
    listed = capture_events(PRODUCTS, (folder / PRODUCTS).read_text().splitlines(), "coinbase", stats)
    listings = sorted((e for e in listed if isinstance(e, MarketListed) and e.pair in pairs),
                      key=lambda e: e.pair)
    return listings, events


def repeated(events: Sequence[MarketEvent], times: int) -> list[MarketEvent]:
    """The stream ``times`` times back to back, each copy later by the stream's span and its ids suffixed
    (each copy opens with the books' snapshots, so every copy replays the same books)."""
    if times == 1:
        return list(events)
    first, end = span(events)
    out: list[MarketEvent] = []
    for k in range(times):
        shift = k * (end - first)
        out += [replace(e, event_id=f"{e.event_id}:{k}", ts=e.ts + shift, recv_ts=e.recv_ts + shift)
                for e in events]
    return out


def decimal(units: int) -> str:
    """A fixed-point quantity (1e-8) as its exact decimal string."""
    return f"{units // SCALE}.{units % SCALE:08d}"


def peer_stream(events: Sequence[MarketEvent]) -> dict[str, object]:
    """The events as ``bench/peers/nautilus_run.py`` reads them (times in ns; see the module docstring)."""
    rows: list[list[object]] = []
    levels: dict[tuple[str, str], set[int]] = {}  # (pair, side) -> prices in the book, for ADD or UPDATE
    last = 0
    for e in events:
        last = max(last, received(e))
        ts_event, ts_init = e.ts * 1000, last * 1000
        if isinstance(e, PublicTrade):
            rows.append(["t", e.pair, ts_event, ts_init, decimal(e.price), decimal(e.size), e.taker_side,
                         e.trade_id])
        elif isinstance(e, BookSnapshot):
            changes = []
            for side, book_side in (("bid", e.bids), ("ask", e.asks)):
                levels[(e.pair, side)] = {lv.price for lv in book_side}
                changes += [[side, decimal(lv.price), decimal(lv.size), 1] for lv in book_side]  # ADD
            rows.append(["s", e.pair, ts_event, ts_init, changes])
        else:
            assert isinstance(e, BookDelta)
            changes = []
            for ch in e.changes:
                held = levels.setdefault((e.pair, ch.side), set())
                action = 3 if ch.size == 0 else 2 if ch.price in held else 1  # DELETE, UPDATE, ADD
                (held.discard if ch.size == 0 else held.add)(ch.price)
                changes.append([ch.side, decimal(ch.price), decimal(ch.size), action])
            rows.append(["d", e.pair, ts_event, ts_init, changes])
    return {"pairs": sorted({e.pair for e in events}), "events": rows}


# --- our side -------------------------------------------------------------------------------------------


class Touch(Strategy):
    """Subscribed to every book of the stream; ``touch``: counts the changes of each book's best bid/ask."""

    name = "touch"

    def __init__(self, markets: Sequence[MarketRef], touch: bool) -> None:
        super().__init__()
        self._markets = tuple(markets)
        self.touch = touch
        self.last: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        self.changes = 0

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return self._markets

    def on_book(self, ctx: Context, book: BookView) -> None:
        if not self.touch:
            return
        key, top = (book.venue, book.pair), (book.bid, book.ask)
        if self.last.get(key) != top:
            self.last[key] = top
            self.changes += 1


def span(events: Sequence[MarketEvent]) -> tuple[int, int]:
    """The backtest's start and end: from the first event received to past the last event's time."""
    return received(events[0]), max(max(received(e), e.ts) for e in events) + 1


def backtest(listings: Sequence[MarketListed], source: ListSource, strategy: Strategy, start: int, end: int,
             journal: JournalSink | None = None) -> BacktestResult:
    """Our backtest of the whole stream with one run of ``strategy`` (1,000 USD on coinbase)."""
    spec = new_run(strategy.name, {}, [Allocation("coinbase", "USD", 1_000 * SCALE)], start, end)
    return Backtest(BacktestConfig(start, end), source, [RunSetup(spec, strategy)], journal=journal).run()


def ours(listings: Sequence[MarketListed], events: Sequence[MarketEvent], touch: bool) -> tuple[float, int]:
    """Seconds of our backtest (built and run; the events in memory, as the peer's), and its touches."""
    markets = [MarketRef(e.venue, e.pair) for e in listings]
    strategy = Touch(markets, touch)
    source = ListSource(tuple(listings), tuple(events))
    start, end = span(events)
    gc.collect()
    t = time.perf_counter()
    result = backtest(listings, source, strategy, start, end)
    seconds = time.perf_counter() - t
    assert result.market_events == len(events), (result.market_events, len(events))
    return seconds, strategy.changes


# --- the peer -------------------------------------------------------------------------------------------


def peer_python() -> Path:
    """NautilusTrader's virtualenv python, made (once) when missing."""
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", f"import nautilus_trader as n; assert n.__version__ == {PEER_VERSION!r}"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"NautilusTrader {PEER_VERSION} is not in {PEER_VENV}: making it (python3.11 -m venv {PEER_VENV}; "
          f"{python.parent}/pip install nautilus_trader=={PEER_VERSION}) ...", flush=True)
    subprocess.run(["python3.11", "-m", "venv", str(PEER_VENV)], check=True)
    pip = str(python.parent / "pip")
    subprocess.run([pip, "install", "-q", f"nautilus_trader=={PEER_VERSION}"], check=True)
    subprocess.run(check, check=True)
    return python


def peer(python: Path, stream: Path, touch: bool) -> tuple[float, int]:
    out = subprocess.run([str(python), str(PEER_SCRIPT), str(stream), "touch" if touch else "none"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"the NautilusTrader run failed:\n{out.stderr[-3000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return float(figures["seconds"]), int(figures["touches"])


# --- main -----------------------------------------------------------------------------------------------


def profile(listings: Sequence[MarketListed], events: Sequence[MarketEvent], touch: bool) -> None:
    ours(listings, events, touch)  # warm
    prof = cProfile.Profile()
    prof.enable()
    ours(listings, events, touch)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def compare(python: Path, listings: Sequence[MarketListed], events: Sequence[MarketEvent], times: int,
            rounds: int, touch: bool) -> None:
    """Interleaved rounds of both sides on the stream ``times`` times over; prints the figures."""
    stream_events = repeated(events, times)
    counts: dict[str, set[int]] = {"ours": set(), "nautilus": set()}
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "stream.json"
        stream.write_text(json.dumps(peer_stream(stream_events)))

        def arm(name: str, run: Callable[[], tuple[float, int]]) -> Callable[[], float]:
            def timed() -> float:
                seconds, changes = run()
                counts[name].add(changes)
                return seconds
            return timed

        print(f"-- the stream x{times}: {len(stream_events):,} market events", flush=True)
        print(conditions("before"), flush=True)
        secs = interleaved(rounds, [("ours", arm("ours", lambda: ours(listings, stream_events, touch))),
                                    ("nautilus", arm("nautilus", lambda: peer(python, stream, touch)))])
        print(conditions("after"))
    if touch and (len(counts["ours"]) != 1 or counts["ours"] != counts["nautilus"]):
        raise SystemExit(f"the two sides saw different touches: {counts}")
    if touch:
        print(f"touch changes seen: {counts['ours'].pop():,} on both sides")
    for name, xs in secs.items():
        lo, med = min_median(xs)
        print(f"  {name:9s} {lo:.3f} s min, {med:.3f} s median ({len(stream_events) / lo:,.0f} events/s at "
              f"best)  rounds: {', '.join(f'{x:.3f}' for x in xs)}")
    by_min, by_median = ratios(secs["nautilus"], secs["ours"])
    print(f"  ours vs NautilusTrader: {by_min:.2f}x as fast (mins), {by_median:.2f}x (medians)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--work", choices=("none", "touch"), default="touch")
    ap.add_argument("--repeat", default="1,10", help="the stream's lengths, in copies of it back to back")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    touch = args.work == "touch"
    listings, events = capture()
    deltas = sum(isinstance(e, BookDelta) for e in events)
    one = sum(isinstance(e, BookDelta) and len(e.changes) == 1 for e in events)
    print(f"{STREAM}: {len(events):,} market events of {len(listings)} books ({deltas:,} deltas, "
          f"{one:,} of one change; {sum(isinstance(e, BookSnapshot) for e in events)} snapshots, "
          f"{sum(isinstance(e, PublicTrade) for e in events)} trades); strategy work: {args.work}")
    lengths = [int(x) for x in args.repeat.split(",")]
    if args.profile:
        profile(listings, repeated(events, max(lengths)), touch)
        return
    python = peer_python()
    for times in lengths:
        compare(python, listings, events, times, args.rounds, touch)


if __name__ == "__main__":
    main()
