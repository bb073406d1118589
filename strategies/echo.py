"""Echo: logs what the run receives (every Nth book update and trade, every candle and order event)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import OrderFilled, PublicTrade
from strategies.api import MarketRef, OrderEvent, Strategy, Timer
from strategies.book import BookView
from strategies.candles import Candle
from strategies.context import Context
from strategies.records import ControlMessage
from streams.money import to_decimal_str as fmt


@dataclass(frozen=True, slots=True)
class EchoParams:
    pairs: tuple[str, ...] = ("BTC-USD",)
    venue: str = ""
    book_every: int = 100  # log one book update in this many (0: none)
    trade_every: int = 100  # log one trade in this many (0: none)

    def __post_init__(self) -> None:
        if self.book_every < 0 or self.trade_every < 0:
            raise ValueError("book_every and trade_every must be >= 0")


class EchoStrategy(Strategy):
    name = "echo"
    description = "Log what the run receives: books, trades, candles, order events, fills, timers, controls."
    params_type = EchoParams
    params: EchoParams
    candle_interval_s = 60

    def __init__(self, params: EchoParams | None = None) -> None:
        super().__init__(params)
        self.books = 0
        self.trades = 0

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return [MarketRef(self.params.venue or default_venue, pair) for pair in self.params.pairs]

    def on_start(self, ctx: Context) -> None:
        held = ", ".join(f"{fmt(b.balance)} {c}@{v}" for (v, c), b in ctx.wallet().balances.items())
        ctx.log(f"start {ctx.run_id} with {held or 'nothing'}")

    def on_book(self, ctx: Context, book: BookView) -> None:
        self.books += 1
        if self.params.book_every and self.books % self.params.book_every == 0:
            ctx.log(f"book {book.pair} bid {_price(book.bid)} ask {_price(book.ask)}", "debug")

    def on_trade(self, ctx: Context, trade: PublicTrade) -> None:
        self.trades += 1
        if self.params.trade_every and self.trades % self.params.trade_every == 0:
            ctx.log(f"trade {trade.pair} {fmt(trade.size)} @ {fmt(trade.price)}", "debug")

    def on_candle(self, ctx: Context, candle: Candle) -> None:
        ctx.log(f"candle {candle.pair} {candle.start_ts} o {fmt(candle.open)} h {fmt(candle.high)} "
                f"l {fmt(candle.low)} c {fmt(candle.close)} v {fmt(candle.volume)}")

    def on_order_event(self, ctx: Context, event: OrderEvent) -> None:
        ctx.log(f"{type(event).__name__} {event.order_id}")

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        ctx.log(f"fill {fill.order_id} {fill.side} {fmt(fill.size)} @ {fmt(fill.price)}")

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        ctx.log(f"timer {timer.timer_id} {timer.name}")

    def on_control(self, ctx: Context, message: ControlMessage) -> None:
        ctx.log(f"control {message.component_id} {message.payload_json}")


def _price(value: int | None) -> str:
    return "-" if value is None else fmt(value)
