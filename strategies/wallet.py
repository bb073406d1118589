"""A run's view of its wallet set, folded from the ledger events routed to the run (pure).

The ledger is the authority; this projection folds the same events the ledger
emits about the run's wallet set (allocation and trade postings, holds and
their releases), in the order they reach the run's inbox, so the strategy
reads its balances without reaching into another agent's state. It uses the
ledger's own ``WalletBalance`` record and agrees with ``Ledger.wallet_set``
once both have seen the same events (a test checks it after a backtest).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import (
    Bucket,
    Event,
    FundsHeld,
    HoldReleased,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
)
from streams.ledger.projections import WalletBalance, balance_changes

Key = tuple[str, str]
"""(venue, currency)."""

AVAILABLE = Bucket.AVAILABLE.value
HOLD = Bucket.HOLD.value
WALLET_EVENTS = (WalletMovement, FundsHeld, HoldReleased, WalletSetCreated, WalletSetDeactivated)


@dataclass(frozen=True, slots=True)
class WalletView:
    """A frozen copy of the run's balances per (venue, currency)."""

    wallet_set_id: str
    active: bool
    balances: dict[Key, WalletBalance]

    def _get(self, currency: str, venue: str | None) -> list[WalletBalance]:
        return [b for (v, c), b in self.balances.items() if c == currency and venue in (None, v)]

    def available(self, currency: str, venue: str | None = None) -> int:
        """Spendable amount of ``currency`` (on ``venue``, or summed over venues)."""
        return sum(b.available for b in self._get(currency, venue))

    def hold(self, currency: str, venue: str | None = None) -> int:
        return sum(b.hold for b in self._get(currency, venue))

    def balance(self, currency: str, venue: str | None = None) -> int:
        return sum(b.balance for b in self._get(currency, venue))

    def currencies(self) -> list[str]:
        return sorted({c for (_v, c) in self.balances})


class WalletProjection:
    """Balances of one wallet set, updated by ``apply`` (mutable, private to the runtime)."""

    __slots__ = ("_view", "active", "available", "hold", "wallet_set_id")

    def __init__(self, wallet_set_id: str) -> None:
        self.wallet_set_id = wallet_set_id
        self.active = False
        self.available: dict[Key, int] = {}
        self.hold: dict[Key, int] = {}
        self._view: WalletView | None = None

    def apply(self, event: Event) -> bool:
        """Fold one ledger event; False if it is not about this wallet set."""
        ws = self.wallet_set_id
        if isinstance(event, WalletMovement | FundsHeld | HoldReleased):
            touched = False
            for wallet, venue, currency, bucket, amount in balance_changes(event):
                if wallet == ws:
                    side = self.available if bucket == AVAILABLE else self.hold
                    side[(venue, currency)] = side.get((venue, currency), 0) + amount
                    touched = True
        elif isinstance(event, WalletSetCreated | WalletSetDeactivated):
            touched = event.wallet_set_id == ws
            if touched:
                self.active = isinstance(event, WalletSetCreated)
        else:
            touched = False
        if touched:
            self._view = None
        return touched

    def view(self) -> WalletView:
        if self._view is None:
            keys = sorted({*self.available, *self.hold})
            balances = {}
            for k in keys:
                a, h = self.available.get(k, 0), self.hold.get(k, 0)
                balances[k] = WalletBalance(a + h, a, h)
            self._view = WalletView(self.wallet_set_id, self.active, balances)
        return self._view
