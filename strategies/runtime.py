"""Runs one strategy on its inbox (``strategy.journal``, key = run id): pure and deterministic.

``handle(item)`` takes one inbox item and returns the run's outputs for it
(order requests, cancels, timers, dashboard records, logs), like the domain
engines' ``handle``. The strategy's state depends on nothing but the inbox:

- Event time (``ctx.now``) is the largest ``ts`` seen so far.
- The run starts (``on_start``) just before the first market event, clock tick
  or control message with ``ts >= run.start_ts``; earlier items (listings,
  wallet events, warm-up market data) update books, candles and the wallet
  without calling handlers.
- Timers fire on a ``ClockTick`` addressed to the run (key = run id, or '*'),
  every timer with ``at_ts <= tick.ts``, in (at_ts, timer id) order.
- Candles close on the first item with ``ts >= end_ts`` (before that item is
  handled), in (end_ts, venue, pair) order.
- A redelivered item (same ``event_id``) yields nothing and changes nothing.
- ``HistoryLoaded`` items (archived candles from before the run, journaled as
  it starts) are the run's history source unless one is given: the lookback
  is then served from the inbox itself.

A handler that raises is a strategy bug: ``StrategyError`` says which run,
handler and input; the runtime does not guess how to continue.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import Any

from schemas.events import (
    BookDelta,
    BookSnapshot,
    CancelRejected,
    ClockTick,
    Event,
    HistoryLoaded,
    MarketListed,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    OrderRequested,
    PublicTrade,
)
from strategies.api import MarketRef, Strategy, Timer
from strategies.book import BookView
from strategies.candles import Candle, CandleBuilder, HistorySource, PreloadedHistory
from strategies.context import Context, StrategyOutput
from strategies.records import ControlMessage, StrategyRecord, TimerSet
from strategies.run import RunSpec
from strategies.wallet import WALLET_EVENTS, WalletProjection
from streams.core import IdWindow
from streams.ledger.markets import MarketRules

StrategyInput = Event | StrategyRecord
ALL_KEYS = frozenset({"", "*"})
NEVER = 1 << 62


class StrategyError(RuntimeError):
    """A strategy handler raised: the run cannot go on deterministically."""


class StrategyRuntime:
    """One run of one strategy: books, candles, wallet, timers and the context, fed by ``handle``."""

    def __init__(self, strategy: Strategy, run: RunSpec, markets: Sequence[MarketRef] | None = None,
                 history: HistorySource | None = None, seen_window: int = 100_000) -> None:
        self.strategy = strategy
        self.run = run
        self.markets = tuple(markets if markets is not None else strategy.markets(run.default_venue))
        self.books = {(m.venue, m.pair): BookView(m.venue, m.pair) for m in self.markets}
        self.rules: dict[tuple[str, str], MarketRules] = {}
        interval = strategy.candle_interval_s
        self.candles = ({(m.venue, m.pair): CandleBuilder(m.venue, m.pair, interval) for m in self.markets}
                        if interval else {})
        self.wallet = WalletProjection(run.wallet_set_id)
        self.preloaded = PreloadedHistory()
        self.ctx = Context(run, self.wallet, self.books, self.rules, self.candles, interval,
                           history if history is not None else self.preloaded)
        self.started = False
        self._seen = IdWindow(seen_window)
        self._timers: list[tuple[int, int, Timer]] = []
        self._timer_seq = 0
        self._next_close = NEVER
        self._handlers: dict[type, Callable[[Any], object]] = {
            PublicTrade: self._on_trade,
            ClockTick: self._on_tick,
            ControlMessage: self._on_control,
            OrderOpened: self._on_opened,
            OrderFilled: self._on_fill,
            OrderDone: self._on_done,
            OrderRejected: self._on_done,
            CancelRejected: self._on_cancel_rejected,
            MarketListed: self._on_listed,
            HistoryLoaded: self._on_history,
        }
        for kind in WALLET_EVENTS:
            self._handlers[kind] = self.wallet.apply
        self._starters = (BookDelta, BookSnapshot, PublicTrade, ClockTick, ControlMessage)

    def handle(self, item: StrategyInput) -> list[StrategyOutput]:
        """The run's outputs for one inbox item."""
        if not self._seen.add(item.event_id):
            return []
        kind = type(item)
        # a book's event (most of the inbox) is handled here, below: no handler looked up and called
        book_event = kind is BookDelta or kind is BookSnapshot
        handler = None if book_event else self._handlers.get(kind)
        if handler is None and not book_event:
            return []
        ctx = self.ctx
        ts = item.ts
        if ts > ctx.now:
            ctx.now = ts
        if ts >= self._next_close:
            self._close_candles(ts)
        started = self.started
        if not started and kind in self._starters and ts >= self.run.start_ts:
            self.started = started = True
            self._call("on_start", item, self.strategy.on_start, ctx)
        if handler is None:
            book = self.books.get((item.venue, item.pair))  # type: ignore[union-attr]
            if book is not None:
                book.apply(item)  # type: ignore[arg-type]
                if started:  # ``_call`` inline: a call less on the path of most messages
                    try:
                        self.strategy.on_book(ctx, book)
                    except Exception as exc:
                        raise self._failed("on_book", item, exc) from exc
        else:
            handler(item)
        out = ctx.outputs
        if out:
            ctx.outputs = []
            self._track(out)
        return out

    # --- plumbing -----------------------------------------------------------------

    def wind_down(self, ts: int) -> tuple[list[StrategyOutput], set[str]]:
        """End the run's trading at ``ts`` (the host ends the run): what a failing handler asked for before it
        raised is dropped unsent, its orders with it; every open order is cancelled. Returns the cancels
        and the ids of the orders still open (their ends are on their way)."""
        ctx = self.ctx
        ctx.now = max(ctx.now, ts)
        for unsent in ctx.outputs:
            if isinstance(unsent, OrderRequested):
                ctx.orders.pop(unsent.order_id, None)
        ctx.outputs = []
        ctx.cancel_all()
        cancels, ctx.outputs = ctx.outputs, []
        return cancels, set(ctx.orders)

    def _call(self, name: str, cause: StrategyInput | Candle, fn: Callable[..., None], *args: object
              ) -> None:
        try:
            fn(*args)
        except Exception as exc:
            raise self._failed(name, cause, exc) from exc

    def _failed(self, name: str, cause: StrategyInput | Candle, exc: Exception) -> StrategyError:
        what = (f"candle {cause.venue}:{cause.pair} ending {cause.end_ts}" if isinstance(cause, Candle)
                else f"{type(cause).__name__} {cause.event_id}")
        return StrategyError(f"run {self.run.run_id}: {type(self.strategy).__name__}.{name} failed "
                             f"on {what}: {exc!r}")

    def _track(self, outputs: list[StrategyOutput]) -> None:
        for out in outputs:
            if type(out) is TimerSet:
                self._timer_seq += 1
                heapq.heappush(self._timers, (out.at_ts, self._timer_seq,
                                              Timer(out.timer_id, out.name, out.at_ts)))

    def _close_candles(self, ts: int) -> None:
        closed: list[Candle] = []
        for builder in self.candles.values():
            candle = builder.advance(ts)
            if candle is not None:
                closed.append(candle)
        self._next_close = min((b.current_end for b in self.candles.values()
                                if b.current_end is not None), default=NEVER)
        if self.started:
            closed.sort(key=lambda c: (c.end_ts, c.venue, c.pair))
            for candle in closed:
                self._call("on_candle", candle, self.strategy.on_candle, self.ctx, candle)

    # --- inputs -------------------------------------------------------------------

    def _on_trade(self, ev: PublicTrade) -> None:
        key = (ev.venue, ev.pair)
        if key not in self.books:
            return
        builder = self.candles.get(key)
        if builder is not None:
            closed = builder.trade(ev.price, ev.size, ev.ts)
            if builder.current_end is not None and builder.current_end < self._next_close:
                self._next_close = builder.current_end
            if closed is not None and self.started:
                self._call("on_candle", closed, self.strategy.on_candle, self.ctx, closed)
        if self.started:
            self._call("on_trade", ev, self.strategy.on_trade, self.ctx, ev)

    def _on_tick(self, ev: ClockTick) -> None:
        if ev.key != self.run.run_id and ev.key not in ALL_KEYS:
            return
        timers = self._timers
        while timers and timers[0][0] <= ev.ts:
            _at, _seq, timer = heapq.heappop(timers)
            self._call("on_timer", ev, self.strategy.on_timer, self.ctx, timer)

    def _on_control(self, ev: ControlMessage) -> None:
        if ev.run_id == self.run.run_id:
            self._call("on_control", ev, self.strategy.on_control, self.ctx, ev)

    def _on_history(self, ev: HistoryLoaded) -> None:
        venue, pair = ev.venue, ev.pair
        self.preloaded.add(venue, pair, ev.interval_s, [
            Candle(venue, pair, c.start_ts, c.end_ts, c.open, c.high, c.low, c.close, c.volume, c.trades)
            for c in ev.candles])

    def _on_listed(self, ev: MarketListed) -> None:
        if (ev.venue, ev.pair) in self.books:
            self.rules[(ev.venue, ev.pair)] = MarketRules.from_listing(ev)

    def _on_opened(self, ev: OrderOpened) -> None:
        self.ctx.order_opened(ev.order_id)
        self._call("on_order_event", ev, self.strategy.on_order_event, self.ctx, ev)

    def _on_fill(self, ev: OrderFilled) -> None:
        self.ctx.order_filled(ev.order_id, ev.size)
        self._call("on_fill", ev, self.strategy.on_fill, self.ctx, ev)

    def _on_done(self, ev: OrderDone | OrderRejected) -> None:
        self.ctx.order_ended(ev.order_id)
        self._call("on_order_event", ev, self.strategy.on_order_event, self.ctx, ev)

    def _on_cancel_rejected(self, ev: CancelRejected) -> None:
        self.ctx.cancel_refused(ev.order_id)
        self._call("on_order_event", ev, self.strategy.on_order_event, self.ctx, ev)

