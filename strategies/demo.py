"""Demo: quotes a limit bid and ask around the touch on a timer, and shows them on a dashboard table.

Every ``interval_s`` of event time it cancels its open orders, then places a
limit buy ``offset_bps`` below the best bid (if the quote balance covers it)
and a limit sell ``offset_bps`` above the best ask (if it holds the base),
each of ``size_fx`` (a decimal such as ``0.01``), and updates the ``quotes``
component. A control message on ``settings`` with ``{"offset_bps": n}``
changes the offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import OrderFilled, Side
from schemas.units import US
from strategies.api import MarketRef, Strategy, Timer
from strategies.context import Context
from strategies.pricing import moved, round_down, round_up
from strategies.records import ControlMessage
from streams.money import BPS, notional
from streams.money import to_decimal_str as fmt


@dataclass(frozen=True, slots=True)
class DemoParams:
    pair: str = "BTC-USD"
    venue: str = ""
    interval_s: int = 10
    offset_bps: int = 5
    size_fx: int = 1_000_000  # 0.01 of the base
    fee_reserve_bps: int = 100

    def __post_init__(self) -> None:
        if self.interval_s <= 0 or self.size_fx <= 0 or self.offset_bps < 0:
            raise ValueError("interval_s and size_fx must be positive, offset_bps not negative")


class DemoStrategy(Strategy):
    name = "demo"
    description = "Quote a limit bid and ask around the touch on a timer; show them on a dashboard table."
    params_type = DemoParams
    params: DemoParams

    def __init__(self, params: DemoParams | None = None) -> None:
        super().__init__(params)
        self.offset_bps = self.params.offset_bps
        self.fills = 0
        self.rounds = 0

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return [MarketRef(self.params.venue or default_venue, self.params.pair)]

    def _market(self, ctx: Context) -> MarketRef:
        return self.markets(ctx.run.default_venue)[0]

    def on_start(self, ctx: Context) -> None:
        ctx.declare_component("quotes", "table", {
            "title": f"Quotes on {self._market(ctx)}",
            "columns": ["round", "best_bid", "best_ask", "our_bid", "our_ask", "fills", "base", "quote"],
        })
        ctx.declare_component("settings", "slider", {"field": "offset_bps", "min": 0, "max": 100,
                                                     "value": self.offset_bps})
        ctx.set_timer(ctx.now + self.params.interval_s * US, "quote")

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        ctx.set_timer(timer.at_ts + self.params.interval_s * US, "quote")
        market = self._market(ctx)
        ctx.cancel_all(market.venue, market.pair)
        book, rules = ctx.book(market.venue, market.pair), ctx.market(market.venue, market.pair)
        if book is None or rules is None or book.bid is None or book.ask is None:
            return
        self.rounds += 1
        size = round_up(self.params.size_fx, rules.size_increment)
        wallet = ctx.wallet()
        our_bid = round_down(moved(book.bid, -self.offset_bps), rules.price_increment)
        our_ask = round_up(moved(book.ask, self.offset_bps), rules.price_increment)
        cost = notional(our_bid, size) * (BPS + self.params.fee_reserve_bps) // BPS
        placed_bid = wallet.available(market.quote, market.venue) >= cost
        placed_ask = wallet.available(market.base, market.venue) >= size
        if placed_bid:
            ctx.submit_order(market.venue, market.pair, Side.BUY, size, our_bid)
        if placed_ask:
            ctx.submit_order(market.venue, market.pair, Side.SELL, size, our_ask)
        ctx.update_component("quotes", {
            "round": self.rounds, "best_bid": fmt(book.bid), "best_ask": fmt(book.ask),
            "our_bid": fmt(our_bid) if placed_bid else None,
            "our_ask": fmt(our_ask) if placed_ask else None, "fills": self.fills,
            "base": fmt(wallet.balance(market.base, market.venue)),
            "quote": fmt(wallet.balance(market.quote, market.venue)),
        })

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        self.fills += 1
        ctx.log(f"filled {fill.side} {fmt(fill.size)} {fill.pair} @ {fmt(fill.price)}")

    def on_control(self, ctx: Context, message: ControlMessage) -> None:
        payload = message.payload
        if message.component_id == "settings" and isinstance(payload, dict) \
                and isinstance(payload.get("offset_bps"), int) and payload["offset_bps"] >= 0:
            self.offset_bps = payload["offset_bps"]
            ctx.log(f"offset now {self.offset_bps} bps")
        else:
            ctx.log(f"ignored control message on {message.component_id}: {message.payload_json}", "warning")
