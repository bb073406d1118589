"""The ledger state as plain JSON data, and back: sorted, so equal states export equal.

The two bounded windows (applied input ids, closed order ids) keep their
insertion order, which decides what they forget first.
"""

from __future__ import annotations

from typing import Any

from streams.ledger.markets import MarketRules
from streams.ledger.state import Account, Balance, LedgerState, Order, WalletSet, Window

VERSION = 1

_MARKET_FIELDS = ("venue", "pair", "base", "quote", "price_increment", "size_increment",
                  "min_size", "max_size", "min_notional")
_ORDER_FIELDS = ("order_id", "run_id", "wallet_set_id", "venue", "pair", "is_buy", "order_type",
                 "base", "quote", "size", "price", "hold_currency", "hold_left", "filled", "opened")


def _order(o: Order) -> dict[str, Any]:
    data = {name: getattr(o, name) for name in _ORDER_FIELDS}
    data["fill_seqs"] = sorted(o.fill_seqs)
    return data


def _account(a: Account) -> dict[str, Any]:
    return {
        "pool": [[v, c, n] for (v, c), n in sorted(a.pool.items())],
        "external": [[v, c, n] for (v, c), n in sorted(a.external.items())],
        "wallet_sets": [
            {"wallet_set_id": ws.wallet_set_id, "run_id": ws.run_id, "active": ws.active,
             "balances": [[v, c, b.available, b.hold] for (v, c), b in sorted(ws.balances.items())]}
            for _, ws in sorted(a.wallet_sets.items())
        ],
        "orders": [_order(o) for _, o in sorted(a.orders.items())],
        "closed": [[order_id, seq] for order_id, seq in a.closed.items.items()],
    }


def export_state(state: LedgerState) -> dict[str, Any]:
    """The whole state as JSON-serialisable data."""
    return {
        "version": VERSION,
        "seen": list(state.seen.items),
        "markets": [{f: getattr(m, f) for f in _MARKET_FIELDS} for _, m in sorted(state.markets.items())],
        "known": [[v, c] for v, c in sorted(state.known)],
        "accounts": {name: _account(a) for name, a in sorted(state.accounts.items())},
    }


def _load_account(data: dict[str, Any], closed_capacity: int) -> Account:
    acct = Account(closed_capacity)
    acct.pool = {(v, c): n for v, c, n in data["pool"]}
    acct.external = {(v, c): n for v, c, n in data["external"]}
    for ws in data["wallet_sets"]:
        balances = {(v, c): Balance(av, hold) for v, c, av, hold in ws["balances"]}
        acct.wallet_sets[ws["wallet_set_id"]] = WalletSet(ws["wallet_set_id"], ws["run_id"],
                                                          ws["active"], balances)
    for o in data["orders"]:
        fields = {name: o[name] for name in _ORDER_FIELDS}
        acct.orders[o["order_id"]] = Order(**fields, fill_seqs=set(o["fill_seqs"]))
    acct.closed = Window(closed_capacity, {order_id: seq for order_id, seq in data["closed"]})
    return acct


def load_state(data: dict[str, Any], seen_capacity: int, closed_capacity: int) -> LedgerState:
    """Rebuild the state exported by :func:`export_state`."""
    if data.get("version") != VERSION:
        raise ValueError(f"ledger state version {data.get('version')!r}, expected {VERSION}")
    state = LedgerState(seen_capacity, closed_capacity)
    state.seen = Window(seen_capacity, dict.fromkeys(data["seen"], 0))
    for m in data["markets"]:
        state.markets[(m["venue"], m["pair"])] = MarketRules(**m)
    state.known = {(v, c) for v, c in data["known"]}
    state.accounts = {name: _load_account(a, closed_capacity) for name, a in data["accounts"].items()}
    return state
