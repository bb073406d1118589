"""The ledger's state: mutable and private to the engine (projections hand out frozen views).

Mutable on purpose: the hot path (order requests, fills) updates a few integers
per event, and copying frozen state per event would dominate its cost.
"""

from __future__ import annotations

from collections import deque

from schemas.events import Bucket, OrderFilled
from streams.ledger.markets import MarketRules
from streams.money import notional

Key = tuple[str, str]
"""(venue, currency)."""

POOL = Bucket.POOL.value
EXTERNAL = Bucket.EXTERNAL.value
RESERVED_WALLETS = frozenset({POOL, EXTERNAL})
"""Posting-leg wallets that are not wallet sets; each has the one bucket of its own name."""
AVAILABLE = Bucket.AVAILABLE.value
HOLD = Bucket.HOLD.value


class Window:
    """A bounded, insertion-ordered map of ids; the oldest id is forgotten first (deterministic)."""

    __slots__ = ("_order", "capacity", "items")

    def __init__(self, capacity: int, items: dict[str, int] | None = None) -> None:
        self.capacity = capacity
        self.items: dict[str, int] = items if items is not None else {}
        # Eviction order in a deque: popping a dict's first key by iteration slows down
        # as deleted slots pile up at its front.
        self._order: deque[str] = deque(self.items)
        while len(self.items) > capacity:
            del self.items[self._order.popleft()]

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def __len__(self) -> int:
        return len(self.items)

    def get(self, key: str) -> int | None:
        return self.items.get(key)

    def add(self, key: str, value: int = 0) -> None:
        items = self.items
        if key not in items:
            self._order.append(key)
        items[key] = value
        if len(items) > self.capacity:
            del items[self._order.popleft()]


class Balance:
    """One currency on one venue in a wallet set: balance = available + hold."""

    __slots__ = ("available", "hold")

    def __init__(self, available: int = 0, hold: int = 0) -> None:
        self.available = available
        self.hold = hold


class WalletSet:
    """The funds partitioned to one strategy run."""

    __slots__ = ("active", "balances", "run_id", "wallet_set_id")

    def __init__(self, wallet_set_id: str, run_id: str, active: bool = True,
                 balances: dict[Key, Balance] | None = None) -> None:
        self.wallet_set_id = wallet_set_id
        self.run_id = run_id
        self.active = active
        self.balances: dict[Key, Balance] = balances if balances is not None else {}


class Order:
    """An accepted order that is not done yet, with what is left of its hold."""

    __slots__ = (
        "base", "fill_seqs", "filled", "hold_currency", "hold_left", "is_buy", "opened",
        "order_id", "order_type", "pair", "price", "quote", "run_id", "size", "venue",
        "wallet_set_id",
    )

    def __init__(self, order_id: str, run_id: str, wallet_set_id: str, venue: str, pair: str,
                 is_buy: bool, order_type: str, base: str, quote: str, size: int, price: int,
                 hold_currency: str, hold_left: int, filled: int = 0, opened: bool = False,
                 fill_seqs: set[int] | None = None) -> None:
        self.order_id = order_id
        self.run_id = run_id
        self.wallet_set_id = wallet_set_id
        self.venue = venue
        self.pair = pair
        self.is_buy = is_buy
        self.order_type = order_type
        self.base = base
        self.quote = quote
        self.size = size
        self.price = price  # the worst price: limit or protection price
        self.hold_currency = hold_currency
        self.hold_left = hold_left
        self.filled = filled
        self.opened = opened
        self.fill_seqs: set[int] = fill_seqs if fill_seqs is not None else set()

    def hold_used(self, fill: OrderFilled) -> int:
        """What a fill takes out of this order's hold: quote value plus fee for a buy, size for a sell."""
        if self.is_buy:
            return notional(fill.price, fill.size) + fill.fee
        return fill.size


class Account:
    """One account: its unallocated pool, wallet sets, live orders and what the outside holds."""

    __slots__ = ("closed", "external", "orders", "pool", "wallet_sets")

    def __init__(self, closed_capacity: int) -> None:
        self.pool: dict[Key, int] = {}
        # Sum of the legs posted against the outside world: minus (deposits - withdrawals
        # + net trade flows). Kept so the conservation invariant is checkable at any time.
        self.external: dict[Key, int] = {}
        self.wallet_sets: dict[str, WalletSet] = {}
        self.orders: dict[str, Order] = {}
        # Order ids that are done or were rejected -> last applied fill_seq (0 if none):
        # a request reusing one is a duplicate; a late copy of an applied fill is ignored.
        self.closed = Window(closed_capacity)


class LedgerState:
    """Everything one inbox partition's ledger knows."""

    __slots__ = ("accounts", "closed_capacity", "known", "markets", "seen")

    def __init__(self, seen_capacity: int, closed_capacity: int) -> None:
        self.accounts: dict[str, Account] = {}
        self.closed_capacity = closed_capacity
        self.seen = Window(seen_capacity)  # input event ids already applied
        self.markets: dict[tuple[str, str], MarketRules] = {}  # (venue, pair) -> rules
        self.known: set[Key] = set()  # (venue, currency) a wallet set may allocate

    def account(self, name: str) -> Account:
        """The account, created empty on first use (evolve only: deciding never creates)."""
        acct = self.accounts.get(name)
        if acct is None:
            acct = self.accounts[name] = Account(self.closed_capacity)
        return acct

    def add_market(self, rules: MarketRules) -> None:
        self.markets[(rules.venue, rules.pair)] = rules
        self.known.add((rules.venue, rules.base))
        self.known.add((rules.venue, rules.quote))
