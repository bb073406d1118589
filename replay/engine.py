"""The in-process backtest engine: one deterministic scheduler, the same cores the agents run.

Market events from a ``MarketSource`` and everything the cores emit go through
one ``Scheduler`` (tie rule: ``replay.scheduler``). Each delivery is appended
to the inbox it belongs to — ``venue.journal`` (key ``venue:PAIR``),
``ledger.journal`` (key account), ``strategy.journal`` (key run id) — and
handed to the cores the live worker runs on that inbox, one per inbox
partition as the agents shard them: a ``MatchingEngine`` and a
``MarketFanOut`` on ``venue.journal``, a ``Ledger`` on ``ledger.journal``, a
``StrategyHost`` on ``strategy.journal`` (the nodes of ``strategies.topology``, built with the
backtest's configuration). So a backtest's runs live exactly as
paper runs do: started by a ``StartRun``, funded by the ledger, subscribed to
their books through the fan-out; their inboxes replay through the real worker
(strategy agent included). The outputs are appended to ``venue.events``,
``ledger.events`` and ``strategy.events`` under the nodes' keys and routed on by the
topology's hops, their latency classes mapped to delays:

| from -> to                                  | delay                  |
| ------------------------------------------- | ---------------------- |
| market -> venue, market -> subscribed runs  | 0 (when received)      |
| run -> ledger (orders, cancels, wallet set) | 0                      |
| run -> venue (market subscriptions)         | 0                      |
| ledger -> venue (accepted orders, cancels)  | ``latency.order_us``   |
| venue -> ledger and run (opened/fill/done)  | ``latency.report_us``  |
| ledger -> run (rejections, wallet events)   | 0 (routing rules of the routers) |

So an order decided at ``t`` reaches the venue at ``t + order_us`` and its
fills reach the run ``report_us`` after they happen. A run's timer (a
``TimerSet`` output) becomes a ``ClockTick`` to the run at its time; an order
with ``cancel_after_s`` gets a ``ClockTick`` to its book at its deadline.

Setup happens ``setup_lead_us`` before the start: listings to the books and
the ledgers, then per run a deposit of its allocations and its ``StartRun``,
followed by the archived candles its lookback reads (``HistoryLoaded``, from
the run's ``HistorySource`` as of the start), so each run is funded and
subscribed before the first market event.

At ``end_ts`` each run gets a ``StopRun`` ("end of the run reached"), as a
paper run's ``--for`` ends it: its open orders are cancelled and it
unsubscribes. No market event at or after ``end_ts`` is delivered; everything
else still in flight then (the cancels, fills reported late, their settlement)
is, until nothing is left — so holds are released and every fill is settled
before the last sample. Equity is sampled every ``sample_us`` from ``start_ts``: the run's wallet set
(the ledger's projection) valued in USD at the venue books' mids, after every
delivery up to and including that time, plus one last sample at ``end_ts``;
a sample is skipped while some holding has no price yet (no book with both sides); a run's first
sample, if its holdings had no price at the start, is taken right after the delivery that prices them
(at that delivery's time), so its returns count from its first price, not a sample interval later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from producers.clock import tick as clock_tick
from replay.scheduler import Priority, Scheduler
from replay.sources import JournalSink, MarketEvent, MarketSource, NullJournal, require
from schemas.codec import default_codec
from schemas.events import (
    SCALE,
    BookStatusChanged,
    CancelRequested,
    CommandRejected,
    Event,
    MarketListed,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    RunState,
    RunStateChanged,
    StartRun,
)
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    VENUE_JOURNAL,
    partition_of,
    venue_key,
)
from schemas.units import US
from strategies import commands
from strategies.api import MarketRef, Strategy
from strategies.candles import HistorySource
from strategies.host import StrategyHost
from strategies.records import ControlMessage, StrategyRecord, TimerSet
from strategies.run import RunSpec
from strategies.runtime import StrategyRuntime
from strategies.topology import FANOUT, LEDGER, MATCHING, ORDER, REPORT, STRATEGIES, Configs, hop_from
from streams.ledger.engine import Ledger, LedgerConfig
from streams.ledger.projections import WalletSetView
from streams.ledger.valuation import Valuer
from streams.matching.engine import MatchingConfig, MatchingEngine
from streams.money import notional
from streams.routing.fanout import MarketFanOut

Item = Event | StrategyRecord
Delivery = tuple[str, str, Item, bytes | None]
"""(inbox topic, key, item, its encoding if already made)."""

MARKET = Priority.MARKET
PRIORITY = {VENUE_JOURNAL: Priority.VENUE, LEDGER_JOURNAL: Priority.LEDGER,
            STRATEGY_JOURNAL: Priority.STRATEGY}
MARKET_NOTIONAL = 10**9 * SCALE  # USD per market of the market benchmark's holdings (then scaled to the run)
END_REASON = "end of the run reached"
BACKTEST_PRINCIPAL = "backtest"
"""The principal of a backtest's own setup commands (deposit, start, stop): the engine issues them, the same
whoever asked for the backtest, so a backtest's inboxes stay the same for every caller."""


def utc(ts: int) -> str:
    """Event time as 'YYYY-MM-DD HH:MM:SS' (UTC), for messages."""
    return datetime.fromtimestamp(ts / US, UTC).strftime("%Y-%m-%d %H:%M:%S")


class BacktestError(ValueError):
    """A backtest that cannot run as configured (the message says what to change)."""


# --- configuration and results ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Latency:
    """One-way delays of the hops to and from the venue, in microseconds."""

    order_us: int = 50_000
    report_us: int = 50_000

    def __post_init__(self) -> None:
        if self.order_us < 0 or self.report_us < 0:
            raise BacktestError("latency cannot be negative")


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    start_ts: int
    end_ts: int
    latency: Latency = field(default_factory=Latency)
    sample_us: int = 60 * US
    gap_us: int = 3600 * US  # a market silent longer than this is reported as a gap in the data
    setup_lead_us: int = US
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)

    def __post_init__(self) -> None:
        if self.end_ts <= self.start_ts:
            raise BacktestError("empty time range: the end must be after the start")
        if self.sample_us <= 0 or self.setup_lead_us <= 0:
            raise BacktestError("sample_us and setup_lead_us must be positive")


@dataclass(slots=True)
class RunSetup:
    """A run to backtest: its spec, a fresh strategy object, scripted control messages, archived candles."""

    spec: RunSpec
    strategy: Strategy
    controls: Sequence[ControlMessage] = ()
    history: HistorySource | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run did: equity and benchmark curves (ts, USD) and its trading figures."""

    spec: RunSpec
    equity: tuple[tuple[int, float], ...]
    benchmark: tuple[tuple[int, float], ...]
    fees_usd: float
    traded_usd: float
    orders: int
    fills: int
    rejected: int
    cancels: int
    outputs: int
    final: WalletSetView | None
    market: tuple[tuple[int, float], ...] = ()  # HODL of the run's markets (equal USD weights)
    gaps: tuple[Gap, ...] = ()  # the run's markets' silences longer than ``BacktestConfig.gap_us``


@dataclass(frozen=True, slots=True)
class Gap:
    """A market of a run that went silent (no event received) for longer than the config's ``gap_us``."""

    market: str  # venue:PAIR
    count: int
    longest_us: int
    first_ts: int  # where the longest began


@dataclass(frozen=True, slots=True)
class BacktestResult:
    runs: tuple[RunResult, ...]
    market_events: int
    deliveries: int
    start_ts: int
    end_ts: int


@dataclass(slots=True)
class _Run:
    setup: RunSetup
    markets: tuple[MarketRef, ...]
    equity: list[tuple[int, float]] = field(default_factory=list)
    benchmark: list[tuple[int, float]] = field(default_factory=list)
    fees: int = 0  # fixed-point USD
    traded: int = 0
    orders: int = 0
    fills: int = 0
    rejected: int = 0
    cancels: int = 0
    outputs: int = 0
    market: list[tuple[int, float]] = field(default_factory=list)
    units: dict[str, int] | None = None  # the market benchmark's holdings, fixed at the first sample
    market_start: int = 0  # the run's value then (fixed-point USD)


Progress = Callable[[int, int], None]
"""(market events so far, current event time), called every ``progress_every`` market events."""


class Backtest:
    """Runs ``runs`` over ``source`` in event time; ``run()`` once per object."""

    def __init__(self, config: BacktestConfig, source: MarketSource, runs: Sequence[RunSetup],
                 journal: JournalSink | None = None, progress: Progress | None = None,
                 progress_every: int = 20_000) -> None:
        self.config = config
        self.source = source
        self.journal = journal or NullJournal()
        self.progress = progress
        self.progress_every = progress_every
        ids = [r.spec.run_id for r in runs]
        if len(set(ids)) != len(ids):
            raise BacktestError("two runs share a run id; give one of them a tag")
        self._runs: dict[str, _Run] = {}
        self._unpriced: set[str] = set()  # runs whose first sample waits for prices
        self._last_heard: dict[str, int] = {}  # venue:PAIR -> when its last event was received
        self._gaps: dict[str, tuple[int, int, int]] = {}  # venue:PAIR -> (gaps, longest, its start)
        for setup in sorted(runs, key=lambda r: r.spec.run_id):
            markets = tuple(setup.strategy.markets(setup.spec.default_venue))
            self._runs[setup.spec.run_id] = _Run(setup, markets)
        self._matching: dict[int, MatchingEngine] = {}
        self._fanouts: dict[int, MarketFanOut] = {}
        self._ledgers: dict[int, Ledger] = {}
        self._hosts: dict[int, StrategyHost] = {}
        self._host_of: dict[str, StrategyHost] = {}  # run id -> the host of its partition
        self._runtimes: dict[str, StrategyRuntime] = {}  # run id -> its runtime, from its start on
        self._books: dict[str, tuple[MatchingEngine, MarketFanOut]] = {}  # venue:PAIR -> its partition's
        self._wants = {t: self.journal.wants(t) for t in (VENUE_JOURNAL, LEDGER_JOURNAL, STRATEGY_JOURNAL,
                                                         VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS)}
        self._encode = default_codec().encode
        self._configs = Configs(config.matching, config.ledger, self._strategy_of)
        delays = {ORDER: config.latency.order_us, REPORT: config.latency.report_us}
        # per output topic: its router's rules, and each destination inbox's delay
        self._hops = {h.output: (h.rules, {inbox: delays[c] for inbox, c in h.delay.items()})
                      for h in map(hop_from, (VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS))}
        # a sink that takes the items themselves encodes them later, in batches (``ItemSink``)
        self._append_item: Callable[[str, str, Item, bytes | None], None] | None = getattr(
            self.journal, "append_item", None)
        self._ticks: set[tuple[str, int]] = set()
        self._sched: Scheduler[MarketEvent | Delivery] = Scheduler(())
        self._to_venue, self._to_run = self._delivery()
        self._valuer = Valuer(())
        self._setup_ids: set[str] = set()
        self._market_events = 0
        self._deliveries = 0
        self._ran = False

    # --- the loop -----------------------------------------------------------------

    def run(self) -> BacktestResult:
        if self._ran:
            raise RuntimeError("a Backtest runs once; build a new one")
        self._ran = True
        cfg = self.config
        listings = self.source.listings()
        span = f"from {utc(cfg.start_ts)} to {utc(cfg.end_ts)}"
        require(self.source, sorted({m for r in self._runs.values() for m in r.markets}), span)
        self._valuer = Valuer(listings)
        for run in self._runs.values():
            for a in run.setup.spec.allocations:
                if not self._valuer.can_value(a.currency):
                    raise BacktestError(f"cannot value {a.currency} in USD: no listed pair of the source "
                                        f"connects it (listed: {self._valuer.describe()})")
        self._sched = Scheduler(self._market_items())
        self._setup(listings, cfg.start_ts - cfg.setup_lead_us)
        next_sample, end = cfg.start_ts, cfg.end_ts
        every = self.progress_every
        progress = self.progress
        deliver, to_venue, sched = self._deliver, self._to_venue, self._sched
        # The per-message path (most deliveries are market events): what was a call each (``_heard``)
        # is inline, and the counters are locals until the loop ends
        last_heard, gap_us, start, unpriced = self._last_heard, cfg.gap_us, cfg.start_ts, self._unpriced
        markets, deliveries = self._market_events, self._deliveries
        ended: tuple[int, int, MarketEvent | Delivery] | None = None
        for time, priority, item in sched:
            if time >= end:
                ended = time, priority, item
                break
            while time > next_sample:
                self._sample(next_sample)
                next_sample += cfg.sample_us
            if priority is MARKET:
                event: MarketEvent = item  # type: ignore[assignment]  # (not ``cast``: a call per message)
                key = event.venue + ":" + event.pair
                last = last_heard.get(key, start)  # a market silent longer than gap_us: a gap in the data
                last_heard[key] = time
                if time - last > gap_us:
                    self._silence(key, last, time)
                to_venue(key, event, None)
                markets += 1
                if progress is not None and markets % every == 0:
                    progress(markets, time)
            else:
                deliver(time, item)  # type: ignore[arg-type]
            deliveries += 1
            if unpriced and time >= start:
                self._sample(time, unpriced)
        self._market_events, self._deliveries = markets, deliveries
        if ended is not None:
            time, priority, item = ended
            sched.close_market()  # the market ends here; what the runs' ends set off settles
            while next_sample < end:  # the samples before the end see only what happened before it
                self._sample(next_sample)
                next_sample += cfg.sample_us
            self._settle_after_end(None if priority is MARKET else (time, cast(Delivery, item)))
        while next_sample < end:
            self._sample(next_sample)
            next_sample += cfg.sample_us
        self._sample(end)  # after the runs' ends have settled: fills reported late are in the wallet
        for key, last in self._last_heard.items():
            self._silence(key, last, end)
        for key in {venue_key(m.venue, m.pair) for r in self._runs.values() for m in r.markets}:
            if key not in self._last_heard:
                self._silence(key, cfg.start_ts, end)
        if progress is not None:
            progress(self._market_events, end)
        return self._result()

    def _settle_after_end(self, first: tuple[int, Delivery] | None) -> None:
        """From ``end_ts`` on, no market event is delivered (the market is closed); the runs' ``StopRun``
        (scheduled at the end) and everything it and earlier decisions set off — cancels, reports in
        flight, their settlement — are delivered until nothing is left, so each run ends as a paper run
        does. ``first`` is the delivery the loop had already taken, if any."""
        pending = first if first is not None else self._next_delivery()
        while pending is not None:
            self._deliver(*pending)
            self._deliveries += 1
            pending = self._next_delivery()

    def _next_delivery(self) -> tuple[int, Delivery] | None:
        nxt = next(self._sched, None)
        return None if nxt is None else (nxt[0], cast(Delivery, nxt[2]))

    def _market_items(self) -> Iterator[tuple[int, MarketEvent]]:
        # ``received`` inline (a call per market event saved): a status change at its ts, else recv_ts
        return ((e.ts if isinstance(e, BookStatusChanged) else e.recv_ts, e) for e in self.source.events())

    def _setup(self, listings: Sequence[MarketListed], at: int) -> None:
        accounts = sorted({r.setup.spec.account for r in self._runs.values()})
        sched = self._sched
        for listing in listings:
            key = venue_key(listing.venue, listing.pair)
            sched.schedule(at, Priority.VENUE, (VENUE_JOURNAL, key, listing, None))
            for account in accounts:
                sched.schedule(at, Priority.LEDGER, (LEDGER_JOURNAL, account, listing, None))
        for run in self._runs.values():
            spec = run.setup.spec
            for deposit in commands.deposits(spec, at, principal=BACKTEST_PRINCIPAL):
                sched.schedule(at, Priority.LEDGER, (LEDGER_JOURNAL, spec.account, deposit, None))
                self._setup_ids.add(deposit.event_id)
            start = commands.start_run(spec, at, principal=BACKTEST_PRINCIPAL)
            sched.schedule(at, Priority.STRATEGY, (STRATEGY_JOURNAL, spec.run_id, start, None))
            history = run.setup.history
            if history is not None:
                for loaded in commands.history(run.setup.strategy, spec, history, self.config.start_ts):
                    sched.schedule(at, Priority.STRATEGY, (STRATEGY_JOURNAL, spec.run_id, loaded, None))
            for msg in sorted(run.setup.controls, key=lambda m: (m.ts, m.event_id)):
                sched.schedule(max(msg.ts, at), Priority.STRATEGY, (STRATEGY_JOURNAL, spec.run_id, msg, None))
            stop = commands.stop_run(spec.run_id, END_REASON, self.config.end_ts,
                                     principal=BACKTEST_PRINCIPAL)
            sched.schedule(self.config.end_ts, Priority.STRATEGY, (STRATEGY_JOURNAL, spec.run_id, stop, None))

    # --- deliveries ---------------------------------------------------------------

    def _record(self, topic: str, key: str, item: Item, value: bytes | None) -> bytes | None:
        if not self._wants[topic]:
            return value
        if self._append_item is not None:
            self._append_item(topic, key, item, value)
            return value
        if value is None:
            value = self._encode(item)
        self.journal.append(topic, key, value)
        return value

    def _book(self, key: str) -> tuple[MatchingEngine, MarketFanOut]:
        """The matching engine and the market fan-out of ``key``'s ``venue.journal`` partition."""
        cores = self._books.get(key)
        if cores is None:
            part = partition_of(VENUE_JOURNAL, key.encode())
            engine = self._matching.get(part)
            if engine is None:
                engine = self._matching[part] = cast(MatchingEngine, MATCHING.engine(self._configs))
                self._fanouts[part] = cast(MarketFanOut, FANOUT.engine(self._configs))
            cores = self._books[key] = (engine, self._fanouts[part])
        return cores

    def _silence(self, key: str, since: int, until: int) -> None:
        since = max(since, self.config.start_ts)
        if until - since <= self.config.gap_us:
            return
        count, longest, at = self._gaps.get(key, (0, 0, 0))
        self._gaps[key] = (count + 1, *((until - since, since) if until - since > longest else (longest, at)))

    def _deliver(self, now: int, delivery: Delivery) -> None:
        topic, key, item, value = delivery
        if topic == STRATEGY_JOURNAL:
            self._to_run(key, item, value)
        elif topic == LEDGER_JOURNAL:
            self._to_ledger(now, key, item, value)
        else:
            self._to_venue(key, item, value)

    def _delivery(self) -> tuple[Callable[[str, Event, bytes | None], None],
                                 Callable[[str, Item, bytes | None], None]]:
        """The deliveries to a book's ``venue.journal`` partition and to a run's ``strategy.journal``: every
        market event takes both (its book's cores, then the fan-out's copy to each subscribed run), so they
        are closures over the tables they read, which cost less per call than a method's lookups."""
        books, book, host_of, host = self._books, self._book, self._host_of, self._host
        record, venue_outputs, strategy_outputs = self._record, self._venue_outputs, self._strategy_outputs
        journal_venue, journal_run = self._wants[VENUE_JOURNAL], self._wants[STRATEGY_JOURNAL]

        def to_run(run_id: str, item: Item, value: bytes | None) -> None:
            if journal_run:
                record(STRATEGY_JOURNAL, run_id, item, value)
            outs = (host_of.get(run_id) or host(run_id)).handle_keyed(run_id, item)
            if outs:
                strategy_outputs(run_id, outs)

        def to_venue(key: str, item: Event, value: bytes | None) -> None:
            if journal_venue:
                value = record(VENUE_JOURNAL, key, item, value)
            engine, fanout = books.get(key) or book(key)
            outs = engine.handle(item)
            if outs:
                venue_outputs(outs)
            for topic, to, raw, event in fanout.handle_keyed(key, item, value or b""):
                if topic == STRATEGY_JOURNAL:  # a book's event to a run: at once
                    to_run(to, event, raw or None)
                else:  # a listing to a ledger: when scheduled
                    sched = self._sched
                    sched.schedule(sched.now, PRIORITY[topic], (topic, to, event, raw or None))

        return to_venue, to_run

    def _venue_outputs(self, outs: list[Event]) -> None:
        now, (rules, delay), key_of = self._sched.now, self._hops[VENUE_EVENTS], MATCHING.key_of
        for out in outs:
            value = self._record(VENUE_EVENTS, key_of(out), out, None)
            if type(out) is OrderFilled:
                self._count_fill(out)
            for topic, key in rules(out):
                self._sched.schedule(now + delay.get(topic, 0), PRIORITY[topic], (topic, key, out, value))

    def _to_ledger(self, now: int, account: str, item: Item, value: bytes | None) -> None:
        self._record(LEDGER_JOURNAL, account, item, value)
        part = partition_of(LEDGER_JOURNAL, account.encode())
        ledger = self._ledgers.get(part)
        if ledger is None:
            ledger = self._ledgers[part] = cast(Ledger, LEDGER.engine(self._configs))
        sched, (rules, delay), key_of = self._sched, self._hops[LEDGER_EVENTS], LEDGER.key_of
        order_at = now + self.config.latency.order_us
        for out in ledger.handle(item):
            value = self._record(LEDGER_EVENTS, key_of(out), out, None)
            for topic, key in rules(out):
                sched.schedule(now + delay.get(topic, 0), PRIORITY[topic], (topic, key, out, value))
            if type(out) is OrderAccepted and out.cancel_after_s is not None:
                self._tick(VENUE_JOURNAL, venue_key(out.venue, out.pair),
                           max(order_at, out.ts + out.cancel_after_s * US))
            elif type(out) is OrderRejected:
                rejected = self._runs.get(out.run_id)
                if rejected is not None:
                    rejected.rejected += 1
            elif type(out) is CommandRejected and (out.command_id in self._setup_ids
                                                   or out.run_id in self._runs):
                raise BacktestError(f"setting up the runs failed: {out.reason}: {out.detail}")

    def _host(self, run_id: str) -> StrategyHost:
        """The strategy host of ``run_id``'s ``strategy.journal`` partition."""
        host = self._host_of.get(run_id)
        if host is None:
            part = partition_of(STRATEGY_JOURNAL, run_id.encode())
            host = self._hosts.get(part)
            if host is None:
                host = self._hosts[part] = cast(StrategyHost, STRATEGIES.engine(self._configs))
            self._host_of[run_id] = host
        return host

    def runtime(self, run_id: str) -> StrategyRuntime | None:
        """The run's strategy runtime, running or ended (for inspection after a run)."""
        return self._runtimes.get(run_id)

    def _strategy_of(self, cmd: StartRun) -> Strategy:
        return self._runs[cmd.run_id].setup.strategy

    def _strategy_outputs(self, run_id: str, outs: list[Event]) -> None:
        run = self._runs.get(run_id)
        now, (rules, delay), key_of = self._sched.now, self._hops[STRATEGY_EVENTS], STRATEGIES.key_of
        for out in outs:
            value = self._record(STRATEGY_EVENTS, key_of(out), out, None)
            kind = type(out)
            if run is not None:
                run.outputs += 1
                if kind is OrderRequested:
                    run.orders += 1
                elif kind is CancelRequested:
                    run.cancels += 1
            if isinstance(out, RunStateChanged):
                if out.state == RunState.FAILED:
                    raise BacktestError(f"run {run_id} failed: {out.detail}")
                if out.state == RunState.WAITING:  # started: keep its runtime (the host drops ended runs)
                    self._runtimes[run_id] = self._host_of[run_id].runs[run_id].runtime
            if kind is TimerSet:
                self._tick(STRATEGY_JOURNAL, run_id, max(out.at_ts, now))  # type: ignore[union-attr]
                continue
            for topic, key in rules(out):
                self._sched.schedule(now + delay.get(topic, 0), PRIORITY[topic], (topic, key, out, value))

    def _tick(self, topic: str, key: str, at: int) -> None:
        if (key, at) in self._ticks:
            return
        self._ticks.add((key, at))
        tick = clock_tick(key, at)
        self._sched.schedule(at, Priority.TIMER if topic == STRATEGY_JOURNAL else Priority.VENUE,
                             (topic, key, tick, None))

    # --- figures ------------------------------------------------------------------

    def _count_fill(self, fill: OrderFilled) -> None:
        run = self._runs.get(fill.run_id)
        if run is None:
            return
        prices = self._valuer.prices(self._mid)
        quote = fill.pair.rpartition("-")[2]
        run.fills += 1
        run.fees += self._valuer.usd({fill.fee_currency: fill.fee}, prices) or 0
        run.traded += self._valuer.usd({quote: notional(fill.price, fill.size)}, prices) or 0

    def _sample(self, ts: int, only: set[str] | None = None) -> None:
        """Append each run's equity and benchmark at ``ts``; a run not yet valued once (some holding had
        no price at the start) is retried after every delivery (``only``) until it is."""
        prices = self._valuer.prices(self._mid)
        for run_id in sorted(self._runs if only is None else only):
            run = self._runs[run_id]
            spec = run.setup.spec
            view = self._wallet(spec)
            if view is None:
                continue
            held: dict[str, int] = {}
            for (_venue, currency), b in view.balances.items():
                held[currency] = held.get(currency, 0) + b.balance
            initial: dict[str, int] = {}
            for a in spec.allocations:
                initial[a.currency] = initial.get(a.currency, 0) + a.amount
            value, bench = self._valuer.usd(held, prices), self._valuer.usd(initial, prices)
            if value is not None and bench is not None:
                run.equity.append((ts, value / SCALE))
                run.benchmark.append((ts, bench / SCALE))
                self._sample_market(run, ts, bench, prices)
                self._unpriced.discard(run_id)
            elif not run.equity:
                self._unpriced.add(run_id)

    def _sample_market(self, run: _Run, ts: int, start_value: int,
                       prices: Mapping[tuple[str, str], int]) -> None:
        """HODL of the run's markets: at its first sample the initial value split equally over the bases
        of its markets, held at their prices since (from prices, so it moves even if the run never fills)."""
        if run.units is None:
            bases = sorted({m.base for m in run.markets})
            per = {b: self._valuer.usd({b: SCALE}, prices) for b in bases}
            if not bases or any(not p for p in per.values()):
                return
            # units of a notional large enough to be exact whatever the run's size; scaled to it below
            run.units = {b: MARKET_NOTIONAL * SCALE // p for b, p in per.items() if p}
            run.market_start = start_value
        value = self._valuer.usd(run.units, prices)
        if value is not None:
            run.market.append((ts, value * run.market_start / (MARKET_NOTIONAL * len(run.units)) / SCALE))

    def _mid(self, venue: str, pair: str) -> int | None:
        cores = self._books.get(venue_key(venue, pair))
        if cores is None:
            return None
        book = cores[0].book(venue, pair)
        bid, ask = book.best_bid(), book.best_ask()
        return None if bid is None or ask is None else (bid.price + ask.price) // 2

    def _wallet(self, spec: RunSpec) -> WalletSetView | None:
        ledger = self._ledgers.get(partition_of(LEDGER_JOURNAL, spec.account.encode()))
        return ledger.wallet_set(spec.account, spec.wallet_set_id) if ledger is not None else None

    def _run_gaps(self, run: _Run) -> tuple[Gap, ...]:
        keys = sorted({venue_key(m.venue, m.pair) for m in run.markets})
        return tuple(Gap(k, *self._gaps[k]) for k in keys if k in self._gaps)

    def _result(self) -> BacktestResult:
        runs = tuple(
            RunResult(r.setup.spec, tuple(r.equity), tuple(r.benchmark), r.fees / SCALE, r.traded / SCALE,
                      r.orders, r.fills, r.rejected, r.cancels, r.outputs, self._wallet(r.setup.spec),
                      tuple(r.market), self._run_gaps(r))
            for r in self._runs.values())
        return BacktestResult(runs, self._market_events, self._deliveries, self.config.start_ts,
                              self.config.end_ts)
