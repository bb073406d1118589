"""Whole-state checks of the ledger's invariants (for tests, restores and audits; not per event)."""

from __future__ import annotations

from streams.ledger.state import Account, Key, LedgerState


def _account_problems(name: str, acct: Account) -> list[str]:
    problems: list[str] = []
    wallets: dict[Key, int] = {}
    held: dict[tuple[str, Key], int] = {}
    for key, n in acct.pool.items():
        if n < 0:
            problems.append(f"{name}: pool {key} is {n}")
        wallets[key] = wallets.get(key, 0) + n
    for ws_id, ws in acct.wallet_sets.items():
        for key, b in ws.balances.items():
            if b.available < 0 or b.hold < 0:
                problems.append(f"{name}: {ws_id} {key} available {b.available} hold {b.hold}")
            if not ws.active and (b.available or b.hold):
                problems.append(f"{name}: deactivated {ws_id} still holds {key}")
            wallets[key] = wallets.get(key, 0) + b.available + b.hold
    for order in acct.orders.values():
        if order.hold_left < 0 or order.filled > order.size:
            problems.append(f"{name}: order {order.order_id} hold {order.hold_left}")
        k = (order.wallet_set_id, (order.venue, order.hold_currency))
        held[k] = held.get(k, 0) + order.hold_left
    for ws_id, ws in acct.wallet_sets.items():
        for key, b in ws.balances.items():
            if b.hold != held.get((ws_id, key), 0):
                problems.append(f"{name}: {ws_id} {key} hold {b.hold} != orders' holds")
    # Conservation: what the wallets hold is exactly what came in from outside.
    for key in sorted(set(wallets) | set(acct.external)):
        if wallets.get(key, 0) + acct.external.get(key, 0) != 0:
            problems.append(f"{name}: {key} wallets {wallets.get(key, 0)} "
                            f"!= inflow {-acct.external.get(key, 0)}")
    return problems


def problems(state: LedgerState) -> list[str]:
    """Every broken invariant, described; empty when the state is sound."""
    out: list[str] = []
    for name, acct in sorted(state.accounts.items()):
        out.extend(_account_problems(name, acct))
    return out
