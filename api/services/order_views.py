"""Orders as a client reads them back (pure): folded from the ledger's inbox (requests, cancels, the
venue's reports: opened, filled, done) and the ledger's decisions (accepted, rejected).

Per account: every open order, and the last ``DONE_KEPT`` finished ones; each with its state, filled
size, average price, fees, done or rejection reason, and its whole trail (every message about it).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from schemas.events import (
    CancelRequested,
    Event,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    OrderRequested,
)

DONE_KEPT = 1_000
TYPES = frozenset({OrderRequested, OrderAccepted, OrderRejected, OrderOpened, OrderFilled, OrderDone,
                   CancelRequested})
"""The events of an order's life; only these are decoded for the read model."""


@dataclass
class OrderView:
    order_id: str
    account: str
    run_id: str = ""
    wallet_set_id: str = ""
    venue: str = ""
    pair: str = ""
    side: str = ""
    order_type: str = ""
    size: int = 0
    price: int | None = None
    state: str = "requested"  # requested, accepted, open, rejected, done
    filled: int = 0
    notional: int = 0  # sum of price * size / SCALE of the fills, for the average price
    fees: dict[str, int] = field(default_factory=dict)
    reason: str | None = None  # why it ended (DoneReason) or was rejected
    created_ts: int | None = None
    updated_ts: int | None = None
    trail: list[tuple[int, str, str]] = field(default_factory=list)  # (ts, type, event id)
    fills: list[OrderFilled] = field(default_factory=list)

    @property
    def avg_price(self) -> int | None:
        from schemas.events import SCALE

        return self.notional * SCALE // self.filled if self.filled else None

    @property
    def open(self) -> bool:
        return self.state in ("requested", "accepted", "open")


class OrdersFold:
    """Every account's orders; ``apply`` takes the order events of the ledger's inbox and outputs in order."""

    def __init__(self) -> None:
        self.accounts: dict[str, OrderedDict[str, OrderView]] = {}
        self._done: dict[str, int] = {}  # account -> finished orders kept

    def fills(self, account: str, run_id: str | None = None) -> list[OrderFilled]:
        """The account's fills of the orders still kept (every open one, the last finished ones), newest
        first; only the run's with ``run_id``."""
        out = [f for o in self.accounts.get(account, OrderedDict()).values()
               if run_id is None or o.run_id == run_id for f in o.fills]
        out.sort(key=lambda f: (f.ts, f.event_id), reverse=True)
        return out

    def order(self, account: str, order_id: str) -> OrderView | None:
        return self.accounts.get(account, OrderedDict()).get(order_id)

    def apply(self, event: Event) -> None:
        if type(event) not in TYPES:
            return
        account, order_id = getattr(event, "account", ""), getattr(event, "order_id", "")
        if not account or not order_id:
            return
        orders = self.accounts.setdefault(account, OrderedDict())
        o = orders.get(order_id)
        if o is None:
            if not isinstance(event, OrderRequested | OrderAccepted | OrderRejected):
                return  # a report for an order finished long ago and dropped from the window
            o = orders[order_id] = OrderView(order_id, account, created_ts=event.ts)
        if any(event_id == event.event_id for _, _, event_id in o.trail):
            return  # a redelivered message: applied once
        was_open = o.open
        o.trail.append((event.ts, type(event).__name__, event.event_id))
        o.created_ts = o.created_ts or event.ts  # a command sent over HTTP has no time of its own (ts 0)
        o.updated_ts = event.ts or o.updated_ts
        if isinstance(event, OrderRequested | OrderAccepted):
            o.run_id, o.wallet_set_id, o.venue, o.pair = event.run_id, event.wallet_set_id, event.venue, \
                event.pair
            o.side, o.order_type, o.size, o.price = event.side, event.order_type, event.size, event.price
            if isinstance(event, OrderAccepted) and o.state == "requested":
                o.state = "accepted"
        elif isinstance(event, OrderRejected):
            o.run_id, o.venue, o.pair = o.run_id or event.run_id, o.venue or event.venue, o.pair or event.pair
            o.state = "rejected"
            o.reason = f"{event.reason}: {event.detail}" if event.detail else event.reason
        elif isinstance(event, OrderOpened) and o.state in ("requested", "accepted"):
            o.state = "open"
        elif isinstance(event, OrderFilled):
            from schemas.events import SCALE

            o.filled += event.size
            o.notional += event.price * event.size // SCALE
            o.fees[event.fee_currency] = o.fees.get(event.fee_currency, 0) + event.fee
            o.fills.append(event)
        elif isinstance(event, OrderDone):
            o.state, o.reason = "done", event.reason
        if was_open and not o.open:
            self._finished(account, orders)

    def _finished(self, account: str, orders: OrderedDict[str, OrderView]) -> None:
        self._done[account] = self._done.get(account, 0) + 1
        if self._done[account] <= DONE_KEPT:
            return
        for order_id, o in orders.items():  # drop the oldest finished order
            if not o.open:
                del orders[order_id]
                self._done[account] -= 1
                return
