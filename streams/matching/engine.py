"""The virtual exchange: one engine per ``venue.journal`` partition (pure, deterministic).

``handle(event)`` decides and applies in one step and returns the output
events (OrderOpened, OrderFilled, OrderDone, CancelRejected,
BookStatusChanged). Every ``venue:PAIR`` key gets its own book and orders.
Matching rules: ``market.accept`` (new orders) and ``maker`` (resting orders).

Policies:
- Stale book: a book is stale before its first snapshot, after a producer's
  BookStatusChanged(stale) (a feed gap, a bad checksum), and after a delta
  that breaks the sequence: ``out_of_order`` (``seq`` not above the last; the
  delta is dropped) or ``sequence_gap`` (its ``prev_seq``, or ``seq - 1`` when
  the venue numbers contiguously, is not the last ``seq``; it is applied). Deltas
  keep being applied while stale (best effort: for display, consumed size
  and queues); the next snapshot makes it fresh. A stale book matches
  nothing: market, IOC and FOK orders end at once with ``book_stale``; limit
  orders (post-only too) rest and take their queue position from the next
  snapshot; public trades fill nothing and move no queue; crossings wait for
  the fresh snapshot.
- Snapshots and consumed size: a snapshot counts as one big delta for every
  level that carries consumed size (or resting orders): a shrink works the
  consumed size off, a level missing from the snapshot clears it, and it
  never exceeds the new displayed size. Consumed size is *not* wiped by a
  snapshot, since our fills never showed up in the real book.
- Timers: an order with ``cancel_after_s`` expires (``expired``) on the first
  event of its book, or ClockTick for its key, with
  ``ts >= accepted ts + cancel_after_s * 1e6``, before that event is matched.
  A ClockTick with key ``*`` or ``""`` expires the due orders of every book.
- Idempotence: a repeated OrderAccepted (same ``order_id``), CancelRequested
  (same ``event_id``) or market event (same ``event_id`` as the last one of
  its book) returns [] and changes nothing. Other event types return [].
- Invalid accepted orders (unknown side or type, size <= 0, missing or
  non-positive limit) end at once with ``cancelled`` and nothing filled.
- Virtual orders never match each other, only real liquidity.
- Range: a fill whose value, fee, or the order's fees with it, would pass
  ``MAX_UNITS`` (the wire's range) is not made; the order ends at once with
  ``value_out_of_range`` and takes nothing from the book.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from schemas.events import (
    BookDelta,
    BookSnapshot,
    BookStatusChanged,
    CancelRejected,
    CancelRequested,
    ClockTick,
    DoneReason,
    Event,
    MarketListed,
    MarketSubscription,
    OrderAccepted,
    PublicTrade,
)
from streams.matching.book import ASK, BID, L2Book
from streams.matching.config import MatchingConfig
from streams.matching.maker import cross, on_level_changes, on_trade, requeue_unknown
from streams.matching.market import Market, Registry, accept
from streams.matching.orders import VirtualOrder

__all__ = ["MatchingConfig", "MatchingEngine"]

STATE_VERSION = 1
ALL_KEYS = frozenset({"", "*"})
INBOX_TYPES: frozenset[type] = frozenset({
    BookDelta, BookSnapshot, BookStatusChanged, PublicTrade, ClockTick, MarketListed, OrderAccepted,
    CancelRequested, MarketSubscription,
})
"""What belongs on ``venue.journal`` (MarketListed and MarketSubscription, the market fan-out's, are
accepted and have no effect on matching)."""


class MatchingEngine:
    """Matches virtual orders against the real books of one inbox partition."""

    def __init__(self, config: MatchingConfig | None = None) -> None:
        self.config = config or MatchingConfig()
        self._registry = Registry()
        self._markets: dict[tuple[str, str], Market] = {}
        self._last: Market | None = None
        """The market of the last delta or trade: a partition's next one is mostly of the same book, and
        two string comparisons cost less than building and hashing the key (a tenth of the delta path)."""
        self.refused = False
        """Whether the last accepted order was a consumed-liquidity refusal (``market.accept``): read by
        the agent's metrics; not state (a rebuild need not restore it)."""
        self._handlers: dict[type, Callable[[Any], list[Event]]] = {
            BookSnapshot: self._on_snapshot,
            PublicTrade: self._on_trade,
            OrderAccepted: self._on_accepted,
            CancelRequested: self._on_cancel,
            ClockTick: self._on_tick,
            BookStatusChanged: self._on_status,
        }

    def handle(self, event: Event) -> list[Event]:
        """Outputs of one inbox event; the engine's state moves on accordingly."""
        if type(event) is not BookDelta:
            handler = self._handlers.get(type(event))
            return handler(event) if handler is not None else []
        # A delta, most of the inbox, is handled here rather than in a method of its own: the call
        # cost 3-5 % of the whole stream (bench/matching.py).
        ev = event
        m = self._last
        if m is None or m.pair != ev.pair or m.venue != ev.venue:
            m = self._last = self._market(ev.venue, ev.pair)
        book = m.book
        event_id = ev.event_id
        if event_id == book.last_event_id:
            return []
        book.last_event_id = event_id
        ts = ev.ts
        if ts > m.clock:
            m.clock = ts
        out: list[Event] = []
        expiries = m.expiries
        if expiries and expiries[0][0] <= ts:
            m.expire(m.due(ts), ts, out)
        seq = ev.seq
        if seq is not None:
            last = book.last_seq
            if last is not None:
                if seq <= last:
                    _turn_stale(book, event_id, "out_of_order", ts, out)
                    return out
                prev = ev.prev_seq
                if (seq - 1 if prev is None else prev) != last:
                    _turn_stale(book, event_id, "sequence_gap", ts, out)
            book.last_seq = seq
        touched = book.apply_changes(ev.changes, m.watch)
        if touched:
            on_level_changes(m, touched)
        if book.new_best or m.check_cross:
            # maker.cross's condition can only turn true when a level enters better than its side's best
            # (book.new_best), an order rests or ends, or the book turns fresh (m.check_cross), so it is
            # checked only then (on every delta it cost a tenth of the delta path), and on every delta
            # while it holds (the crossing size may have been used up, and may come back).
            book.new_best = False
            m.check_cross = False
            buys, sells = m.resting[BID].keys, m.resting[ASK].keys
            if (buys or sells) and not book.stale:
                bids, asks = book.keys
                if (buys and asks and -asks[-1] <= buys[-1]) or (sells and bids and -bids[-1] <= sells[-1]):
                    m.check_cross = True
                    cross(m, ts, out)
        return out

    def markets(self) -> list[tuple[str, str]]:
        """The (venue, pair) books this engine holds, in order."""
        return sorted(self._markets)

    def book(self, venue: str, pair: str) -> L2Book:
        """Read access to a book (an empty stale one if the key has not been seen)."""
        market = self._markets.get((venue, pair))
        return market.book if market else L2Book(venue, pair, self.config.max_levels)

    # --- handlers ---------------------------------------------------------------

    def _market(self, venue: str, pair: str) -> Market:
        market = self._markets.get((venue, pair))
        if market is None:
            market = Market(venue, pair, self.config, self._registry)
            self._markets[(venue, pair)] = market
        return market

    def _on_snapshot(self, ev: BookSnapshot) -> list[Event]:
        m = self._market(ev.venue, ev.pair)
        book = m.book
        if ev.event_id == book.last_event_id:
            return []
        book.last_event_id = ev.event_id
        m.clock = max(m.clock, ev.ts)
        out: list[Event] = []
        m.expire(m.due(ev.ts), ev.ts, out)
        touched = book.load_snapshot(ev.bids, ev.asks, (m.watch[0].keys(), m.watch[1].keys()))
        book.last_seq = ev.seq
        if touched:
            on_level_changes(m, touched)
        requeue_unknown(m)
        if book.stale:
            book.stale = False
            out.append(BookStatusChanged(event_id=f"{ev.event_id}:fresh", venue=book.venue, pair=book.pair,
                                         stale=False, reason="snapshot", ts=ev.ts))
        cross(m, ev.ts, out)
        m.check_cross = True  # fresh, or its levels all replaced: the next delta checks for a cross
        return out

    def _on_trade(self, ev: PublicTrade) -> list[Event]:
        # The second most frequent event: written like the delta path (no call when no timer is due).
        m = self._last
        if m is None or m.pair != ev.pair or m.venue != ev.venue:
            m = self._last = self._market(ev.venue, ev.pair)
        book = m.book
        if ev.event_id == book.last_event_id:
            return []
        book.last_event_id = ev.event_id
        ts = ev.ts
        if ts > m.clock:
            m.clock = ts
        out: list[Event] = []
        if m.expiries and m.expiries[0][0] <= ts:
            m.expire(m.due(ts), ts, out)
        if (m.resting[BID].keys or m.resting[ASK].keys) and not book.stale:  # no order rests: nothing fills
            on_trade(m, ev, out)
        return out

    def _on_accepted(self, ev: OrderAccepted) -> list[Event]:
        if self._registry.knows(ev.order_id):
            return []
        m = self._market(ev.venue, ev.pair)
        if ev.ts == 0 and m.clock:  # an order sent over HTTP: it happens at the book's time
            ev = dataclasses.replace(ev, ts=m.clock)
        out: list[Event] = []
        m.expire(m.due(ev.ts), ev.ts, out)
        self.refused = accept(m, ev, out)
        return out

    def _on_cancel(self, ev: CancelRequested) -> list[Event]:
        registry = self._registry
        if ev.event_id in registry.cancels_seen:
            return []
        registry.cancels_seen.add(ev.event_id)
        out: list[Event] = []
        m = self._markets.get((ev.venue, ev.pair))
        if m is not None:
            if ev.ts == 0 and m.clock:  # a cancel sent over HTTP: at the book's time
                ev = dataclasses.replace(ev, ts=m.clock)
            m.expire(m.due(ev.ts), ev.ts, out)
        order = registry.open.get(ev.order_id)
        if order is not None:
            self._market(order.venue, order.pair).finish(order, DoneReason.CANCELLED, ev.ts, out)
            return out
        reason = "order_already_done" if ev.order_id in registry.done else "unknown_order"
        out.append(
            CancelRejected(
                event_id=f"{ev.event_id}:rejected",
                order_id=ev.order_id,
                account=ev.account,
                run_id=ev.run_id,
                venue=ev.venue,
                pair=ev.pair,
                reason=reason,
                ts=ev.ts,
            )
        )
        return out

    def _on_status(self, ev: BookStatusChanged) -> list[Event]:
        """A producer saw its feed break (connection gap, bad checksum): stale until a snapshot."""
        out: list[Event] = []
        if ev.stale:
            _turn_stale(self._market(ev.venue, ev.pair).book, ev.event_id, ev.reason, ev.ts, out)
        return out

    def _on_tick(self, ev: ClockTick) -> list[Event]:
        out: list[Event] = []
        if ev.key in ALL_KEYS:
            for m in self._markets.values():
                m.clock = max(m.clock, ev.ts)
            due = sorted((timer, m) for m in self._markets.values() for timer in m.due(ev.ts))
            for timer, market in due:
                market.expire([timer], ev.ts, out)
        else:
            venue, _, pair = ev.key.partition(":")
            one = self._markets.get((venue, pair))
            if one is not None:
                one.clock = max(one.clock, ev.ts)
                one.expire(one.due(ev.ts), ev.ts, out)
        return out

    # --- state ------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """Everything needed to continue, JSON-serialisable and deterministic."""
        registry = self._registry
        books = []
        for key in sorted(self._markets):
            m = self._markets[key]
            pending = [sorted([p, n] for p, n in side.items()) for side in m.pending]
            books.append({**m.book.to_dict(), "pending": pending, "clock": m.clock})
        return {
            "version": STATE_VERSION,
            "next_seq": registry.next_seq,
            "books": books,
            "orders": [o.to_dict() for o in sorted(registry.open.values(), key=_by_seq)],
            "done": list(registry.done),  # oldest first, so a restore forgets in the same order
            "cancels_seen": list(registry.cancels_seen),
        }

    @classmethod
    def from_state(cls, config: MatchingConfig, state: dict[str, Any]) -> MatchingEngine:
        """An engine that continues exactly where ``export_state`` left off."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported matching state version {state.get('version')!r}")
        engine = cls(config)
        registry = engine._registry
        registry.next_seq = state["next_seq"]
        for order_id in state["done"]:
            registry.done.add(order_id)
        for cancel_id in state["cancels_seen"]:
            registry.cancels_seen.add(cancel_id)
        for data in state["books"]:
            m = engine._market(data["venue"], data["pair"])
            m.book = L2Book.from_dict(data, config.max_levels)
            m.clock = data.get("clock", 0)  # absent from a state saved before the clock was kept
            for side, levels in zip(m.pending, data["pending"], strict=True):
                side.update((p, n) for p, n in levels)
        for data in state["orders"]:
            order = VirtualOrder.from_dict(data)
            engine._market(order.venue, order.pair).rest(order)
        return engine


def _by_seq(order: VirtualOrder) -> int:
    return order.seq


def _turn_stale(book: L2Book, cause: str, reason: str, ts: int, out: list[Event]) -> None:
    if not book.stale:
        book.stale = True
        out.append(BookStatusChanged(event_id=f"{cause}:stale", venue=book.venue, pair=book.pair, stale=True,
                                     reason=reason, ts=ts))
