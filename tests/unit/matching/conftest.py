"""Builders of inbox events and expected outputs for the matching tests."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from schemas.events import (
    SCALE,
    BookDelta,
    BookSnapshot,
    BookStatusChanged,
    CancelRejected,
    CancelRequested,
    ClockTick,
    Event,
    Level,
    LevelChange,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    PublicTrade,
)
from streams.matching.book import L2Book
from streams.matching.engine import MatchingEngine
from streams.money import fee_for, notional

VENUE = "coinbase"  # maker 40 bps, taker 60 bps
PAIR = "BTC-USD"
T0 = 1_600_000_000_000_000
P = SCALE  # one unit of price or size


class Make:
    """Inbox events with running ids, and the outputs the engine should give."""

    VENUE = VENUE
    PAIR = PAIR
    T0 = T0

    def __init__(self) -> None:
        self.n = 0
        self.orders: dict[str, tuple[str, str, str]] = {}  # order_id -> run, side, pair

    def _id(self) -> str:
        self.n += 1
        return f"e{self.n}"

    # --- inputs -----------------------------------------------------------------

    def snapshot(
        self,
        bids: Iterable[tuple[int, int]] = (),
        asks: Iterable[tuple[int, int]] = (),
        seq: int | None = None,
        ts: int = T0,
        pair: str = PAIR,
        venue: str = VENUE,
    ) -> BookSnapshot:
        return BookSnapshot(
            self._id(),
            venue,
            pair,
            ts,
            ts,
            seq,
            [Level(p, s) for p, s in bids],
            [Level(p, s) for p, s in asks],
        )

    def delta(
        self,
        *changes: tuple[str, int, int],
        seq: int | None = None,
        ts: int = T0,
        pair: str = PAIR,
        venue: str = VENUE,
        prev_seq: int | None = None,
    ) -> BookDelta:
        return BookDelta(self._id(), venue, pair, ts, ts, seq,
                         [LevelChange(s, p, z) for s, p, z in changes], prev_seq)

    def trade(
        self, price: int, size: int, taker_side: str | None, ts: int = T0, pair: str = PAIR
    ) -> PublicTrade:
        eid = self._id()
        return PublicTrade(eid, VENUE, pair, ts, ts, f"t-{eid}", price, size, taker_side)

    def accept(
        self,
        order_id: str,
        side: str,
        size: int,
        price: int | None,
        order_type: str = "limit",
        post_only: bool = False,
        cancel_after_s: int | None = None,
        ts: int = T0,
        run_id: str = "run-1",
        pair: str = PAIR,
    ) -> OrderAccepted:
        self.orders[order_id] = (run_id, side, pair)
        return OrderAccepted(
            self._id(),
            order_id,
            "acct",
            run_id,
            f"ws-{run_id}",
            VENUE,
            pair,
            side,
            order_type,
            size,
            price,
            post_only,
            cancel_after_s,
            "USD",
            0,
            ts,
        )

    def cancel(self, order_id: str, ts: int = T0, run_id: str = "run-1") -> CancelRequested:
        return CancelRequested(self._id(), order_id, "acct", run_id, VENUE, PAIR, ts)

    def tick(self, ts: int, key: str = f"{VENUE}:{PAIR}") -> ClockTick:
        return ClockTick(self._id(), ts, key)

    @staticmethod
    def book(engine: MatchingEngine) -> L2Book:
        return engine.book(VENUE, PAIR)

    @staticmethod
    def given(engine: MatchingEngine, *events: Event) -> list[Event]:
        """Feed ``events`` in order; all the outputs."""
        return [out for ev in events for out in engine.handle(ev)]

    # --- expected outputs -----------------------------------------------------------

    def filled(
        self,
        order_id: str,
        n: int,
        price: int,
        size: int,
        liquidity: str,
        level_price: int | None = None,
        ts: int = T0,
        bps: int | None = None,
    ) -> OrderFilled:
        run, side, pair = self.orders[order_id]
        rate = bps if bps is not None else (60 if liquidity == "taker" else 40)
        return OrderFilled(
            f"{order_id}:fill:{n}",
            order_id,
            "acct",
            run,
            f"ws-{run}",
            VENUE,
            pair,
            side,
            price,
            size,
            fee_for(notional(price, size), rate),
            pair.split("-")[1],
            liquidity,
            price if level_price is None else level_price,
            n,
            ts,
        )

    def opened(
        self, order_id: str, price: int, size: int, remaining: int, queue_ahead: int, ts: int = T0
    ) -> OrderOpened:
        run, side, pair = self.orders[order_id]
        return OrderOpened(
            f"{order_id}:opened",
            order_id,
            "acct",
            run,
            f"ws-{run}",
            VENUE,
            pair,
            side,
            price,
            size,
            remaining,
            queue_ahead,
            ts,
        )

    def done(self, order_id: str, reason: str, fills: Iterable[OrderFilled] = (), ts: int = T0) -> OrderDone:
        """The OrderDone summing ``fills`` (all the fills the order had)."""
        run, side, pair = self.orders[order_id]
        fills = list(fills)
        size = sum(f.size for f in fills)
        avg = sum(f.price * f.size for f in fills) // size if size else None
        return OrderDone(
            f"{order_id}:done",
            order_id,
            "acct",
            run,
            f"ws-{run}",
            VENUE,
            pair,
            side,
            reason,
            size,
            avg,
            sum(f.fee for f in fills),
            ts,
        )

    def cancel_rejected(self, cancel: CancelRequested, reason: str) -> CancelRejected:
        return CancelRejected(
            f"{cancel.event_id}:rejected",
            cancel.order_id,
            cancel.account,
            cancel.run_id,
            cancel.venue,
            cancel.pair,
            reason,
            cancel.ts,
        )

    def status(self, cause: Event, stale: bool, reason: str) -> BookStatusChanged:
        suffix = "stale" if stale else "fresh"
        return BookStatusChanged(
            f"{cause.event_id}:{suffix}",
            VENUE,
            PAIR,
            stale,
            reason,
            cause.ts,
        )


@pytest.fixture
def mk() -> Make:
    return Make()
