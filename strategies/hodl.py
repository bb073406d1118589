"""HODL: buy the configured bases with the run's quote balance at the start, then hold.

At start the run's available quote balance (``quote`` on the run's venue) is
split equally over ``bases``; each share buys its base with a market order as
soon as that base's book shows an ask, with a protection price
``slippage_bps`` above the ask. The size leaves ``fee_reserve_bps`` of the
share for fees (the ledger holds the highest fee of the venue). Once an order
ends, what is left of the share (the unused reserve, or a remainder a thin
book could not fill) buys again on the next book, until it cannot buy the
minimum size or ``max_attempts`` orders were made; a rejection stops that
base. After that the strategy holds and does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import SCALE, OrderDone, OrderFilled, OrderRejected, OrderType, Side
from strategies.api import MarketRef, OrderEvent, Strategy
from strategies.book import BookView
from strategies.context import Context
from strategies.pricing import moved, round_down, round_up
from streams.money import BPS, notional


@dataclass(frozen=True, slots=True)
class HodlParams:
    bases: tuple[str, ...] = ("BTC",)
    quote: str = "USD"
    venue: str = ""  # default: the venue of the run's first allocation
    slippage_bps: int = 50
    fee_reserve_bps: int = 100
    max_attempts: int = 5

    def __post_init__(self) -> None:
        if not self.bases:
            raise ValueError("bases must name at least one currency")
        if self.quote in self.bases:
            raise ValueError(f"the quote {self.quote} cannot also be a base")


@dataclass(slots=True)
class _Leg:
    market: MarketRef
    budget: int = 0  # quote still to spend
    order_id: str | None = None
    attempts: int = 0
    finished: bool = False


class HodlStrategy(Strategy):
    name = "hodl"
    description = "Spend the quote balance equally on the configured bases at the start, then hold."
    params_type = HodlParams
    params: HodlParams

    def __init__(self, params: HodlParams | None = None) -> None:
        super().__init__(params)
        self.legs: dict[str, _Leg] = {}

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        venue = self.params.venue or default_venue
        return [MarketRef(venue, f"{base}-{self.params.quote}") for base in self.params.bases]

    def on_start(self, ctx: Context) -> None:
        markets = self.markets(ctx.run.default_venue)
        venue = markets[0].venue
        share = ctx.wallet().available(self.params.quote, venue) // len(markets)
        self.legs = {m.pair: _Leg(m, share, finished=share <= 0) for m in markets}
        ctx.log(f"hodl: {share / SCALE:.2f} {self.params.quote} for each of {', '.join(self.params.bases)}")

    def on_book(self, ctx: Context, book: BookView) -> None:
        leg = self.legs.get(book.pair)
        if leg is None or leg.finished or leg.order_id is not None:
            return
        ask = book.ask
        rules = ctx.market(book.venue, book.pair)
        if ask is None or rules is None:
            return
        if leg.attempts >= self.params.max_attempts:
            leg.finished = True
            ctx.log(f"hodl: gave up on {book.pair} after {leg.attempts} orders", "warning")
            return
        protection = round_up(moved(ask, self.params.slippage_bps), rules.price_increment)
        size = leg.budget * SCALE * BPS // (protection * (BPS + self.params.fee_reserve_bps))
        size = round_down(size, rules.size_increment)
        if size < rules.min_size:
            leg.finished = True
            return
        leg.attempts += 1
        leg.order_id = ctx.submit_order(book.venue, book.pair, Side.BUY, size, protection, OrderType.MARKET)

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        leg = self.legs.get(fill.pair)
        if leg is not None and fill.order_id == leg.order_id:
            leg.budget -= notional(fill.price, fill.size) + fill.fee

    def on_order_event(self, ctx: Context, event: OrderEvent) -> None:
        leg = self.legs.get(event.pair)
        if leg is None or event.order_id != leg.order_id:
            return
        if isinstance(event, OrderRejected):
            leg.order_id, leg.finished = None, True
            ctx.log(f"hodl: buying {event.pair} was rejected: {event.detail}", "warning")
        elif isinstance(event, OrderDone):
            leg.order_id = None
