"""Read-only views of the ledger state: frozen copies, keyed and ordered deterministically."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.events import Event, FundsHeld, HoldReleased, WalletMovement
from streams.ledger.state import Account, Key, WalletSet

BalanceChange = tuple[str, str, str, str, int]
"""(wallet, venue, currency, bucket, signed amount)."""

Amounts = dict[Key, int]
"""(venue, currency) -> fixed-point amount, in key order."""


@dataclass(frozen=True, slots=True)
class WalletBalance:
    """One currency on one venue: balance = available + hold."""

    balance: int
    available: int
    hold: int


@dataclass(frozen=True, slots=True)
class WalletSetView:
    """A wallet set as the API shows it."""

    wallet_set_id: str
    run_id: str
    active: bool
    balances: dict[Key, WalletBalance]
    open_orders: int


def wallet_set_view(acct: Account, ws: WalletSet) -> WalletSetView:
    balances = {key: WalletBalance(b.available + b.hold, b.available, b.hold)
                for key, b in sorted(ws.balances.items())}
    open_orders = sum(1 for o in acct.orders.values() if o.wallet_set_id == ws.wallet_set_id)
    return WalletSetView(ws.wallet_set_id, ws.run_id, ws.active, balances, open_orders)


def wallet_set_views(acct: Account | None) -> list[WalletSetView]:
    if acct is None:
        return []
    return [wallet_set_view(acct, ws) for _, ws in sorted(acct.wallet_sets.items())]


def allocated(acct: Account | None) -> Amounts:
    """Funds in the active wallet sets (holds included)."""
    total: Amounts = {}
    if acct is not None:
        for ws in acct.wallet_sets.values():
            if ws.active:
                for key, b in ws.balances.items():
                    total[key] = total.get(key, 0) + b.available + b.hold
    return dict(sorted(total.items()))


def unallocated(acct: Account | None, venue: str | None = None) -> Amounts:
    """The pool, optionally of one venue."""
    if acct is None:
        return {}
    return {key: n for key, n in sorted(acct.pool.items()) if venue is None or key[0] == venue}


def total(acct: Account | None) -> Amounts:
    """Pool plus every wallet set: what the exchanges should hold for the account."""
    out = dict(unallocated(acct))
    if acct is not None:
        for ws in acct.wallet_sets.values():
            for key, b in ws.balances.items():
                out[key] = out.get(key, 0) + b.available + b.hold
    return dict(sorted(out.items()))


def by_currency(amounts: Mapping[Key, int]) -> dict[str, int]:
    """Sum (venue, currency) amounts over venues, e.g. to value them."""
    out: dict[str, int] = {}
    for (_venue, currency), n in amounts.items():
        out[currency] = out.get(currency, 0) + n
    return dict(sorted(out.items()))


def balance_changes(event: Event) -> list[BalanceChange]:
    """How one ledger output event moves balances: the one fold every reader of ledger events shares.

    Postings move their legs; a hold moves funds from available to hold, a release back.
    """
    if isinstance(event, WalletMovement):
        return [(leg.wallet, leg.venue, leg.currency, leg.bucket, leg.amount) for leg in event.legs]
    if isinstance(event, FundsHeld | HoldReleased):
        amount = event.amount if isinstance(event, FundsHeld) else -event.amount
        ws, venue, currency = event.wallet_set_id, event.venue, event.currency
        return [(ws, venue, currency, "available", -amount), (ws, venue, currency, "hold", amount)]
    return []
