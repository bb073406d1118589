"""The strategy API: subclass ``Strategy``, override the handlers you need, act through the context.

A strategy is a pure stream processor (DESIGN §3): its handlers receive what
arrives in the run's inbox (``strategy.journal``) and act only through the
``Context`` they are given — submit and cancel orders, set timers, declare
and update dashboard components, log, read the wallet set, the books and the
candle history. It never touches Kafka, ClickHouse or the clock, so the same
object runs live, in paper mode and in a backtest.

Handlers run only once the run has started (see ``strategies.runtime``);
``on_start`` runs first, once. Every figure is fixed-point (``SCALE`` = 1e8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from schemas.events import CancelRejected, OrderDone, OrderFilled, OrderOpened, OrderRejected, PublicTrade

if TYPE_CHECKING:
    from strategies.book import BookView
    from strategies.candles import Candle
    from strategies.context import Context
    from strategies.records import ControlMessage


class MarketRef(NamedTuple):
    """One pair on one venue, e.g. ``MarketRef("coinbase", "BTC-USD")``."""

    venue: str
    pair: str

    @property
    def base(self) -> str:
        return self.pair.partition("-")[0]

    @property
    def quote(self) -> str:
        return self.pair.rpartition("-")[2]

    def __str__(self) -> str:
        return f"{self.venue}:{self.pair}"


OrderEvent = OrderOpened | OrderDone | OrderRejected | CancelRejected
"""What happens to an order besides fills: rests, ends, is refused, or a cancel is refused."""


@dataclass(frozen=True, slots=True)
class Timer:
    """A timer the strategy set: it fires on the first clock tick at or after ``at_ts``."""

    timer_id: str
    name: str
    at_ts: int


@dataclass(frozen=True, slots=True)
class NoParams:
    """Parameters of a strategy that takes none."""


class Strategy:
    """Base class of every strategy; each handler does nothing unless overridden."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params_type: ClassVar[type] = NoParams
    candle_interval_s: ClassVar[int | None] = None
    """Build candles at this interval from the subscribed pairs' trades (None: no candles)."""
    history_candles: ClassVar[int] = 0
    """How many closed candles from before its start the strategy reads (its lookback): a paper run is
    given that many from the archive as it starts. A strategy may set both from its parameters."""
    params: Any  # subclasses narrow it to their ``params_type``

    def __init__(self, params: object = None) -> None:
        self.params = params if params is not None else self.params_type()

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        """The markets whose books and trades the run subscribes to."""
        return ()

    def on_start(self, ctx: Context) -> None:
        """Once, before the first market event, tick or control message at or after the run's start."""

    def on_book(self, ctx: Context, book: BookView) -> None:
        """A subscribed book changed (snapshot or delta)."""

    def on_trade(self, ctx: Context, trade: PublicTrade) -> None:
        """A public trade printed on a subscribed market."""

    def on_candle(self, ctx: Context, candle: Candle) -> None:
        """A candle closed."""

    def on_order_event(self, ctx: Context, event: OrderEvent) -> None:
        """One of the run's orders rested, ended or was rejected, or a cancel was refused."""

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        """One of the run's orders (partly) filled."""

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        """A timer set with ``ctx.set_timer`` is due."""

    def on_control(self, ctx: Context, message: ControlMessage) -> None:
        """The dashboard posted to one of the run's components."""
