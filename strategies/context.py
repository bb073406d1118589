"""What a strategy acts through: orders, timers, dashboard components, logs, and read access."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.events import MAX_UNITS, CancelRequested, Event, OrderRequested, OrderType, Side
from strategies.book import BookView
from strategies.candles import Candle, CandleBuilder, HistorySource
from strategies.records import (
    StrategyLogged,
    StrategyRecord,
    TimerSet,
    UiComponentDeclared,
    UiComponentUpdated,
    canonical_json,
)
from strategies.run import RunSpec
from strategies.wallet import WalletProjection, WalletView
from streams.ledger.markets import MarketRules

StrategyOutput = Event | StrategyRecord
SIDES = frozenset(Side)
ORDER_TYPES = frozenset(OrderType)
LOG_LEVELS = frozenset({"debug", "info", "warning", "error"})


def _text(value: str, what: str) -> str:
    """``value`` if the wire can carry it (UTF-8: no lone surrogates); else ValueError, here."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} is not valid Unicode text: {exc.reason} at {exc.start}") from None
    return value


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order of the run that has not ended: ``requested`` until the venue rests it, then ``open``;
    ``cancelling`` once the run asked to cancel it."""

    order_id: str
    venue: str
    pair: str
    side: str
    order_type: str
    size: int
    price: int | None
    filled: int
    state: str
    ts: int


class Context:
    """The run's hands and eyes. Every act becomes an output event with a deterministic id.

    Ids: orders ``{run_id}:o{n}``, cancels ``{run_id}:c{n}``, timers ``{run_id}:t{n}``,
    dashboard records ``{run_id}:ui{n}``, logs ``{run_id}:log{n}`` — counters of the
    run's own state, so the same inbox always yields the same ids.
    """

    def __init__(self, run: RunSpec, wallet: WalletProjection, books: Mapping[tuple[str, str], BookView],
                 markets: Mapping[tuple[str, str], MarketRules],
                 candles: Mapping[tuple[str, str], CandleBuilder], candle_interval_s: int | None,
                 history_source: HistorySource | None = None) -> None:
        self.run = run
        self.now = 0
        """Event time: the largest ``ts`` the run's inbox has carried so far."""
        self.outputs: list[StrategyOutput] = []
        self.orders: dict[str, OpenOrder] = {}
        self.finished: set[str] = set()
        self._wallet = wallet
        self._books = books
        self._markets = markets
        self._candles = candles
        self._interval = candle_interval_s
        self._history = history_source
        self._n = {"o": 0, "c": 0, "t": 0, "ui": 0, "log": 0}

    def _next(self, kind: str) -> str:
        self._n[kind] += 1
        return f"{self.run.run_id}:{kind}{self._n[kind]}"

    @property
    def run_id(self) -> str:
        return self.run.run_id

    # --- orders ---------------------------------------------------------------------

    def submit_order(self, venue: str, pair: str, side: str, size: int, price: int | None,
                     order_type: str = OrderType.LIMIT, *, post_only: bool = False,
                     cancel_after_s: int | None = None) -> str:
        """Ask for an order (an ``OrderRequested`` to the ledger); returns its order id.

        ``price`` is the limit, or for a market order the protection price. Size and
        price must be in 1..``MAX_UNITS`` (the wire's range): anything else raises
        ``ValueError`` here (the host fails the run). Business rules (funds, increments,
        minimum size) are the ledger's: a breach comes back as an ``OrderRejected`` to
        ``on_order_event``.
        """
        if side not in SIDES:
            raise ValueError(f"side must be buy or sell, got {side!r}")
        if order_type not in ORDER_TYPES:
            raise ValueError(f"unknown order type {order_type!r}")
        if not isinstance(size, int) or (price is not None and not isinstance(price, int)):
            raise TypeError("size and price are fixed-point integers (1e-8 units)")
        # the wire holds 1..MAX_UNITS: refused here, where the number enters, not at encoding
        if not 0 < size <= MAX_UNITS:
            raise ValueError(f"size must be between 1 and {MAX_UNITS} units (1e-8), got {size}")
        if price is not None and not 0 < price <= MAX_UNITS:
            raise ValueError(f"price must be between 1 and {MAX_UNITS} units (1e-8), got {price}")
        if cancel_after_s is not None and not 0 <= cancel_after_s <= MAX_UNITS:
            raise ValueError(f"cancel_after_s must be between 0 and {MAX_UNITS}, got {cancel_after_s}")
        order_id = self._next("o")
        run = self.run
        self.outputs.append(OrderRequested(event_id=order_id, order_id=order_id, account=run.account,
                                           run_id=run.run_id, wallet_set_id=run.wallet_set_id, venue=venue,
                                           pair=pair, side=str(side), order_type=str(order_type), size=size,
                                           price=price, post_only=post_only, cancel_after_s=cancel_after_s,
                                           ts=self.now, principal=run.principal))
        self.orders[order_id] = OpenOrder(order_id, venue, pair, str(side), str(order_type), size, price,
                                          0, "requested", self.now)
        return order_id

    def cancel_order(self, order_id: str) -> str | None:
        """Ask to cancel one of the run's orders; the cancel's id, or None if the order already ended
        or a cancel of it is already on its way (until the venue answers, asking again is noise)."""
        order = self.orders.get(order_id)
        if order is None:
            if order_id in self.finished:
                return None
            raise ValueError(f"{order_id!r} is not an order of run {self.run.run_id}")
        if order.state == "cancelling":
            return None
        self.orders[order_id] = dataclasses.replace(order, state="cancelling")
        cancel_id = self._next("c")
        run = self.run
        self.outputs.append(CancelRequested(event_id=cancel_id, order_id=order_id, account=run.account,
                                            run_id=run.run_id, venue=order.venue, pair=order.pair,
                                            ts=self.now, principal=run.principal))
        return cancel_id

    def cancel_all(self, venue: str | None = None, pair: str | None = None) -> list[str]:
        """Cancel every open order (of one market if given), in order-id order of submission."""
        return [c for o in list(self.orders.values())
                if venue in (None, o.venue) and pair in (None, o.pair)
                and (c := self.cancel_order(o.order_id)) is not None]

    def open_orders(self) -> list[OpenOrder]:
        """The run's orders that have not ended, in submission order."""
        return list(self.orders.values())

    # --- time -----------------------------------------------------------------------

    def set_timer(self, at_ts: int, name: str = "") -> str:
        """Be called back (``on_timer``) at event time ``at_ts``; returns the timer id."""
        if not isinstance(at_ts, int) or not 0 <= at_ts <= MAX_UNITS:
            raise ValueError(f"at_ts must be event time in microseconds, 0..{MAX_UNITS}, got {at_ts!r}")
        _text(name, "a timer's name")
        timer_id = self._next("t")
        self.outputs.append(TimerSet(event_id=timer_id, run_id=self.run.run_id, timer_id=timer_id, name=name,
                                     at_ts=at_ts, ts=self.now))
        return timer_id

    # --- dashboard ------------------------------------------------------------------

    def declare_component(self, component_id: str, kind: str, spec: Mapping[str, Any]) -> None:
        """Declare a dashboard component (``kind`` e.g. 'table', 'line_chart', 'slider') with a JSON spec."""
        spec_json = _text(canonical_json(spec), "a component's spec")
        self.outputs.append(UiComponentDeclared(event_id=self._next("ui"), run_id=self.run.run_id,
                                                component_id=_text(component_id, "a component id"),
                                                kind=_text(kind, "a component kind"), spec_json=spec_json,
                                                ts=self.now))

    def update_component(self, component_id: str, data: Any) -> None:
        """New JSON data for a declared component."""
        data_json = _text(canonical_json(data), "a component's data")
        self.outputs.append(UiComponentUpdated(self._next("ui"), self.run.run_id,
                                               _text(component_id, "a component id"), data_json, self.now))

    def log(self, message: str, level: str = "info") -> None:
        if level not in LOG_LEVELS:
            raise ValueError(f"log level must be one of {sorted(LOG_LEVELS)}, got {level!r}")
        _text(message, "a log message")
        self.outputs.append(StrategyLogged(self._next("log"), self.run.run_id, level, message, self.now))

    # --- reads ----------------------------------------------------------------------

    def wallet(self) -> WalletView:
        """The run's wallet set: balance, available and hold per (venue, currency)."""
        return self._wallet.view()

    def book(self, venue: str, pair: str) -> BookView | None:
        """A subscribed book, or None if the run has not seen it."""
        return self._books.get((venue, pair))

    def market(self, venue: str, pair: str) -> MarketRules | None:
        """The venue's trading rules for a pair (increments, minimum size), once listed."""
        return self._markets.get((venue, pair))

    def history(self, pair: str, lookback: int, venue: str | None = None) -> list[Candle]:
        """The last ``lookback`` closed candles of a subscribed pair, oldest first, none after now.

        Candles built from the run's inbox come first; an archived ``HistorySource``
        fills in older ones when the lookback reaches before them. Whatever a source
        returns, nothing ending after the current event time is served.
        """
        if self._interval is None:
            raise ValueError("this strategy builds no candles: set candle_interval_s")
        venue = venue if venue is not None else self.run.default_venue
        builder = self._candles.get((venue, pair))
        if builder is None:
            raise ValueError(f"{venue}:{pair} is not a subscribed market")
        now = self.now
        recent = builder.last(lookback, now)
        if len(recent) < lookback and self._history is not None:
            before = recent[0].start_ts if recent else now
            older = [c for c in self._history.candles(venue, pair, self._interval, min(before, now),
                                                      lookback - len(recent))
                     if c.end_ts <= before and c.end_ts <= now]
            recent = older[-(lookback - len(recent)):] + recent
        return recent

    # --- the runtime's bookkeeping ----------------------------------------------------

    def order_opened(self, order_id: str) -> None:
        order = self.orders.get(order_id)
        if order is not None and order.state == "requested":
            self.orders[order_id] = dataclasses.replace(order, state="open")

    def cancel_refused(self, order_id: str) -> None:
        """The venue refused a cancel (e.g. the order was not there yet): the run may ask again."""
        order = self.orders.get(order_id)
        if order is not None and order.state == "cancelling":
            self.orders[order_id] = dataclasses.replace(order, state="open")

    def order_filled(self, order_id: str, size: int) -> None:
        order = self.orders.get(order_id)
        if order is not None:
            self.orders[order_id] = dataclasses.replace(order, filled=order.filled + size)

    def order_ended(self, order_id: str) -> None:
        if self.orders.pop(order_id, None) is not None:
            self.finished.add(order_id)
