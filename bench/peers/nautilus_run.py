"""The NautilusTrader side of ``bench/nautilus.py``: runs in NautilusTrader's own virtualenv, not ours.

Reads the stream ``bench/nautilus.py`` wrote (JSON: the instruments, then per market event its book
changes or its trade, as exact decimal strings, ``ts_event`` = the event's ``ts`` and ``ts_init`` = when it
was received, in ns), builds a ``BacktestEngine`` (one ``L2_MBP`` venue, no logging, no analysis) with
every event pre-loaded as ``OrderBookDelta`` / ``TradeTick`` objects (untimed), then times
``engine.run()`` only (of a second engine: the first run, untimed, pays the process's one-time costs):
a strategy subscribed to the deltas and trades of every instrument, doing the same trivial work as ours
(``work`` "none": nothing; "touch": per book message, read the best bid and ask of the engine-maintained
book and count the changes). Prints one JSON line: seconds, touch changes, events.

Run: ``<venv>/bin/python bench/peers/nautilus_run.py STREAM.json none|touch``.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.common.config import LoggingConfig
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.currencies import Currency
from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas, TradeTick
from nautilus_trader.model.enums import (
    AccountType,
    AggressorSide,
    BookAction,
    BookType,
    CurrencyType,
    OmsType,
    OrderSide,
    RecordFlag,
)
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TradeId, Venue
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

VENUE = Venue("COINBASE")
PRECISION = 8  # our fixed point (1e-8): the exported decimals are exact at this precision
F_LAST = RecordFlag.F_LAST


class Touch(Strategy):
    """Subscribes to every instrument's book deltas and trades; ``touch`` counts best bid/ask changes."""

    def __init__(self, instruments: list[InstrumentId], touch: bool) -> None:
        super().__init__(StrategyConfig())
        self.ids = instruments
        self.touch = touch
        self.last: dict[InstrumentId, tuple[Any, Any]] = {}
        self.changes = 0

    def on_start(self) -> None:
        for iid in self.ids:
            self.subscribe_order_book_deltas(iid, book_type=BookType.L2_MBP)
            self.subscribe_trade_ticks(iid)

    def on_order_book_deltas(self, deltas: OrderBookDeltas) -> None:
        if not self.touch:
            return
        book = self.cache.order_book(deltas.instrument_id)
        top = (book.best_bid_price(), book.best_ask_price())
        if self.last.get(deltas.instrument_id) != top:
            self.last[deltas.instrument_id] = top
            self.changes += 1

    def on_trade_tick(self, tick: TradeTick) -> None:
        pass


def currency(code: str) -> Currency:
    known = Currency.from_str(code)
    return known if known is not None else Currency(code, PRECISION, 0, code, CurrencyType.CRYPTO)


def instrument(pair: str) -> CurrencyPair:
    base, quote = pair.split("-")
    return CurrencyPair(
        instrument_id=InstrumentId(Symbol(pair), VENUE), raw_symbol=Symbol(pair),
        base_currency=currency(base), quote_currency=currency(quote),
        price_precision=PRECISION, size_precision=PRECISION,
        price_increment=Price.from_str("0.00000001"), size_increment=Quantity.from_str("0.00000001"),
        lot_size=None, max_quantity=None, min_quantity=None, max_notional=None, min_notional=None,
        max_price=None, min_price=None, margin_init=Decimal(0), margin_maint=Decimal(0),
        maker_fee=Decimal(0), taker_fee=Decimal(0), ts_event=0, ts_init=0)


def build(stream: dict[str, Any]) -> tuple[list[CurrencyPair], list[Any]]:
    """The instruments and the events as NautilusTrader objects: a message of one change an
    ``OrderBookDelta`` (flag F_LAST), a snapshot an ``OrderBookDeltas`` (CLEAR then its levels)."""
    pairs = {p: instrument(p) for p in stream["pairs"]}
    sides = {"bid": OrderSide.BUY, "ask": OrderSide.SELL}
    data: list[Any] = []
    for row in stream["events"]:
        kind, pair, ts_event, ts_init = row[0], row[1], row[2], row[3]
        iid = pairs[pair].id
        if kind == "t":
            _, _, _, _, price, size, side, trade_id = row
            aggressor = AggressorSide.BUYER if side == "buy" else AggressorSide.SELLER
            data.append(TradeTick(iid, Price.from_str(price), Quantity.from_str(size), aggressor,
                                  TradeId(trade_id), ts_event, ts_init))
            continue
        changes = row[4]
        deltas = []
        if kind == "s":
            deltas.append(OrderBookDelta.clear(iid, 0, ts_event, ts_init))
        for i, (side, price, size, action) in enumerate(changes):
            flags = F_LAST if i == len(changes) - 1 else 0
            order = BookOrder(sides[side], Price.from_str(price), Quantity.from_str(size), 0)
            deltas.append(OrderBookDelta(iid, BookAction(action), order, flags, 0, ts_event, ts_init))
        data.append(deltas[0] if len(deltas) == 1 else OrderBookDeltas(iid, deltas))
    return list(pairs.values()), data


def once(stream: dict[str, Any], touch: bool) -> tuple[float, int, int]:
    """A fresh engine with the stream pre-loaded (untimed); seconds of ``engine.run()``, touches, events."""
    instruments, data = build(stream)
    engine = BacktestEngine(BacktestEngineConfig(
        logging=LoggingConfig(bypass_logging=True, log_level="ERROR"), run_analysis=False))
    engine.add_venue(VENUE, OmsType.NETTING, AccountType.CASH, book_type=BookType.L2_MBP,
                     starting_balances=[Money(1_000, currency("USD"))])
    for inst in instruments:
        engine.add_instrument(inst)
    engine.add_data(data, validate=False, sort=True)
    strategy = Touch([i.id for i in instruments], touch)
    engine.add_strategy(strategy)
    t0 = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds, strategy.changes, len(data)


def main() -> None:
    path, work = sys.argv[1], sys.argv[2]
    with open(path) as f:
        stream = json.load(f)
    once(stream, work == "touch")  # warm: the first run in a process pays one-time costs ours has paid
    seconds, touches, events = once(stream, work == "touch")
    print(json.dumps({"seconds": seconds, "touches": touches, "events": events}))


if __name__ == "__main__":
    main()
