"""A strategy that records every handler call, and can be told to act from a handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from schemas.events import OrderFilled, PublicTrade
from strategies.api import MarketRef, OrderEvent, Strategy, Timer
from strategies.book import BookView
from strategies.candles import Candle
from strategies.context import Context
from strategies.records import ControlMessage

Action = Callable[[Context], object]


class Recorder(Strategy):
    name = "recorder"

    def __init__(self, pairs: Sequence[str] = ("BTC-USD",), candle_interval_s: int | None = None) -> None:
        super().__init__()
        self.pairs = tuple(pairs)
        self.candle_interval_s = candle_interval_s  # type: ignore[misc]
        self.calls: list[tuple[str, object]] = []
        self.on: dict[str, Action] = {}  # handler name -> what to do in it (once)

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return [MarketRef(default_venue, p) for p in self.pairs]

    def _record(self, ctx: Context, name: str, arg: object) -> None:
        self.calls.append((name, arg))
        action = self.on.pop(name, None)
        if action is not None:
            action(ctx)

    def on_start(self, ctx: Context) -> None:
        self._record(ctx, "start", ctx.now)

    def on_book(self, ctx: Context, book: BookView) -> None:
        self._record(ctx, "book", (book.pair, book.bid, book.ask, book.ts))

    def on_trade(self, ctx: Context, trade: PublicTrade) -> None:
        self._record(ctx, "trade", trade.event_id)

    def on_candle(self, ctx: Context, candle: Candle) -> None:
        self._record(ctx, "candle", candle)

    def on_order_event(self, ctx: Context, event: OrderEvent) -> None:
        self._record(ctx, "order", (type(event).__name__, event.order_id))

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        self._record(ctx, "fill", fill.event_id)

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        self._record(ctx, "timer", timer)

    def on_control(self, ctx: Context, message: ControlMessage) -> None:
        self._record(ctx, "control", message.payload)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]
