"""Decide wallet commands: deposits, withdrawals, wallet sets, reconciliation (pure reads).

Range (``MAX_UNITS``, the wire's): an amount above it is ``amount_out_of_range``; a deposit
that would take the account's funds of a (venue, currency) past it, and a move that would take
the balance it lands in past it, are ``balance_out_of_range``. Funds only pass the range
through trade proceeds, and then every command that would carry them is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.events import (
    MAX_UNITS,
    AdjustWalletSet,
    Allocation,
    BalanceDiscrepancy,
    BalanceReported,
    CommandRejected,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    Event,
    MovementKind,
    PostingLeg,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
    WithdrawFunds,
)
from streams.ledger.reasons import CommandReason
from streams.ledger.state import (
    AVAILABLE,
    EXTERNAL,
    POOL,
    RESERVED_WALLETS,
    Account,
    Key,
    LedgerState,
    WalletSet,
)
from streams.money import to_decimal_str as fmt

Command = DepositFunds | WithdrawFunds | CreateWalletSet | AdjustWalletSet | DeactivateWalletSet


def reject(cmd: Command, reason: CommandReason, detail: str, run_id: str = "") -> list[Event]:
    """The command refused; ``run_id``: the run of the wallet set it was about, when known."""
    return [CommandRejected(event_id=f"{cmd.event_id}:rejected", command_id=cmd.event_id,
                            account=cmd.account, reason=reason.value, detail=detail, ts=cmd.ts,
                            run_id=run_id)]


def _pool(acct: Account | None, key: Key) -> int:
    return acct.pool.get(key, 0) if acct is not None else 0


MAX = fmt(MAX_UNITS)


def _too_large(what: str, amount: int) -> str:
    return f"{what} {fmt(amount)} is above the largest amount the ledger takes, {MAX}"


def _past_range(what: str, now: int, amount: int) -> str:
    return (f"{what} holds {fmt(now)}; {fmt(amount)} more would pass the largest balance the "
            f"ledger keeps, {MAX} (room left: {fmt(max(MAX_UNITS - now, 0))})")


def decide_deposit(state: LedgerState, cmd: DepositFunds) -> list[Event]:
    v, c, amount = cmd.venue, cmd.currency, cmd.amount
    if amount <= 0:
        return reject(cmd, CommandReason.NON_POSITIVE_AMOUNT,
                      f"a deposit must be positive, got {fmt(amount)}")
    if amount > MAX_UNITS:
        return reject(cmd, CommandReason.AMOUNT_OUT_OF_RANGE, _too_large("the deposit", amount))
    held = exchange_balance(state.accounts.get(cmd.account), (v, c))
    if held + amount > MAX_UNITS:
        return reject(cmd, CommandReason.BALANCE_OUT_OF_RANGE,
                      _past_range(f"account {cmd.account!r} ({c} on {v})", held, amount))
    legs = [PostingLeg(EXTERNAL, EXTERNAL, v, c, -amount), PostingLeg(POOL, POOL, v, c, amount)]
    return [WalletMovement(event_id=f"{cmd.event_id}:deposit", account=cmd.account,
                           kind=MovementKind.DEPOSIT.value, cause_id=cmd.event_id, legs=legs, ts=cmd.ts,
                           run_id="")]  # the pool's: no run


def decide_withdraw(state: LedgerState, cmd: WithdrawFunds) -> list[Event]:
    v, c, amount = cmd.venue, cmd.currency, cmd.amount
    if amount <= 0:
        return reject(cmd, CommandReason.NON_POSITIVE_AMOUNT,
                      f"a withdrawal must be positive, got {fmt(amount)}")
    if amount > MAX_UNITS:
        return reject(cmd, CommandReason.AMOUNT_OUT_OF_RANGE, _too_large("the withdrawal", amount))
    have = _pool(state.accounts.get(cmd.account), (v, c))
    if have < amount:
        return reject(cmd, CommandReason.INSUFFICIENT_FUNDS,
                      f"withdraw {fmt(amount)} {c} on {v}: the pool holds {fmt(have)}")
    legs = [PostingLeg(POOL, POOL, v, c, -amount), PostingLeg(EXTERNAL, EXTERNAL, v, c, amount)]
    return [WalletMovement(event_id=f"{cmd.event_id}:withdrawal", account=cmd.account,
                           kind=MovementKind.WITHDRAWAL.value, cause_id=cmd.event_id, legs=legs, ts=cmd.ts,
                           run_id="")]  # the pool's: no run


def _config_problem(state: LedgerState, allocations: Sequence[Allocation], signed: bool) -> str:
    """Why these allocations are not a valid wallet configuration ("" when they are)."""
    seen: set[Key] = set()
    for a in allocations:
        key = (a.venue, a.currency)
        if key not in state.known:
            return f"unknown currency {a.currency} on venue {a.venue}"
        if key in seen:
            return f"{a.currency} on {a.venue} appears twice"
        seen.add(key)
        if a.amount == 0 or (a.amount < 0 and not signed):
            word = "non-zero" if signed else "positive"
            return f"the amount of {a.currency} on {a.venue} must be {word}, got {fmt(a.amount)}"
    return ""


def _range_problem(allocations: Sequence[Allocation]) -> str:
    """The first allocation whose amount is outside the wire's range ("" if none)."""
    for a in allocations:
        if abs(a.amount) > MAX_UNITS:
            return _too_large(f"the allocation of {a.currency} on {a.venue}", abs(a.amount))
    return ""


def _balance_of(ws: WalletSet | None, key: Key) -> int:
    bal = ws.balances.get(key) if ws is not None else None
    return bal.available + bal.hold if bal is not None else 0


def _overflow(acct: Account | None, ws: WalletSet | None, allocations: Sequence[Allocation]) -> str:
    """Where moving ``allocations`` (into ``ws`` if positive, back to the pool if not) would take
    the receiving balance past ``MAX_UNITS`` ("" if nowhere)."""
    for a in allocations:
        key = (a.venue, a.currency)
        if a.amount > 0:
            now, where = _balance_of(ws, key), f"the wallet set's {a.currency} on {a.venue}"
        else:
            now, where = _pool(acct, key), f"the unallocated pool's {a.currency} on {a.venue}"
        if now + abs(a.amount) > MAX_UNITS:
            return _past_range(where, now, abs(a.amount))
    return ""


def _pool_shortfall(acct: Account | None, allocations: Sequence[Allocation]) -> str:
    short: list[str] = []
    for a in allocations:
        have = _pool(acct, (a.venue, a.currency))
        if a.amount > have:
            short.append(f"{fmt(a.amount)} {a.currency} on {a.venue} (pool holds {fmt(have)})")
    return "; ".join(short)


def _moves(cmd: CreateWalletSet | AdjustWalletSet, allocations: Sequence[Allocation],
           kind: str, run_id: str) -> list[Event]:
    """One posting moving each allocation between the pool and the set's available funds."""
    if not allocations:
        return []
    ws = cmd.wallet_set_id
    legs: list[PostingLeg] = []
    for a in allocations:
        legs.append(PostingLeg(POOL, POOL, a.venue, a.currency, -a.amount))
        legs.append(PostingLeg(ws, AVAILABLE, a.venue, a.currency, a.amount))
    return [WalletMovement(event_id=f"{cmd.event_id}:{kind}", account=cmd.account, kind=kind,
                           cause_id=cmd.event_id, legs=legs, ts=cmd.ts, run_id=run_id)]


def decide_create(state: LedgerState, cmd: CreateWalletSet) -> list[Event]:
    acct = state.accounts.get(cmd.account)
    ws_id = cmd.wallet_set_id
    if acct is not None and ws_id in acct.wallet_sets:
        return reject(cmd, CommandReason.DUPLICATE_WALLET_SET, f"wallet set {ws_id!r} already exists",
                      cmd.run_id)
    if not ws_id or ws_id in RESERVED_WALLETS:
        return reject(cmd, CommandReason.BAD_WALLET_CONFIG, f"{ws_id!r} cannot name a wallet set", cmd.run_id)
    problem = _config_problem(state, cmd.allocations, signed=False)
    if problem:
        return reject(cmd, CommandReason.BAD_WALLET_CONFIG, problem, cmd.run_id)
    problem = _range_problem(cmd.allocations)
    if problem:
        return reject(cmd, CommandReason.AMOUNT_OUT_OF_RANGE, problem, cmd.run_id)
    short = _pool_shortfall(acct, cmd.allocations)
    if short:
        return reject(cmd, CommandReason.INSUFFICIENT_FUNDS, f"not enough unallocated funds: {short}",
                      cmd.run_id)
    created = WalletSetCreated(event_id=f"{cmd.event_id}:created", account=cmd.account,
                               wallet_set_id=ws_id, run_id=cmd.run_id,
                               allocations=list(cmd.allocations), ts=cmd.ts)
    return [created, *_moves(cmd, cmd.allocations, MovementKind.ALLOCATION.value, cmd.run_id)]


def decide_adjust(state: LedgerState, cmd: AdjustWalletSet) -> list[Event]:
    acct = state.accounts.get(cmd.account)
    ws = acct.wallet_sets.get(cmd.wallet_set_id) if acct is not None else None
    if ws is None:
        return reject(cmd, CommandReason.UNKNOWN_WALLET_SET, f"no wallet set {cmd.wallet_set_id!r}")
    if not ws.active:
        return reject(cmd, CommandReason.INACTIVE_WALLET_SET,
                      f"wallet set {cmd.wallet_set_id!r} is deactivated", ws.run_id)
    if not cmd.allocations:
        return reject(cmd, CommandReason.BAD_WALLET_CONFIG, "nothing to adjust", ws.run_id)
    problem = _config_problem(state, cmd.allocations, signed=True)
    if problem:
        return reject(cmd, CommandReason.BAD_WALLET_CONFIG, problem, ws.run_id)
    problem = _range_problem(cmd.allocations)
    if problem:
        return reject(cmd, CommandReason.AMOUNT_OUT_OF_RANGE, problem, ws.run_id)
    short = _pool_shortfall(acct, cmd.allocations)
    for a in cmd.allocations:
        bal = ws.balances.get((a.venue, a.currency))
        available = bal.available if bal is not None else 0
        if a.amount < 0 and available < -a.amount:
            more = f"reduce {a.currency} on {a.venue} by {fmt(-a.amount)} (available {fmt(available)})"
            short = f"{short}; {more}" if short else more
    if short:
        return reject(cmd, CommandReason.INSUFFICIENT_FUNDS, f"not enough funds: {short}", ws.run_id)
    problem = _overflow(acct, ws, cmd.allocations)
    if problem:
        return reject(cmd, CommandReason.BALANCE_OUT_OF_RANGE, problem, ws.run_id)
    ups = [a for a in cmd.allocations if a.amount > 0]
    downs = [a for a in cmd.allocations if a.amount < 0]
    return [*_moves(cmd, ups, MovementKind.ALLOCATION.value, ws.run_id),
            *_moves(cmd, downs, MovementKind.DEALLOCATION.value, ws.run_id)]


def decide_deactivate(state: LedgerState, cmd: DeactivateWalletSet) -> list[Event]:
    """Return every fund to the pool; refused while the set has open orders (their holds are live)."""
    acct = state.accounts.get(cmd.account)
    ws = acct.wallet_sets.get(cmd.wallet_set_id) if acct is not None else None
    if acct is None or ws is None:
        return reject(cmd, CommandReason.UNKNOWN_WALLET_SET, f"no wallet set {cmd.wallet_set_id!r}")
    if not ws.active:
        return reject(cmd, CommandReason.INACTIVE_WALLET_SET,
                      f"wallet set {cmd.wallet_set_id!r} is already deactivated", ws.run_id)
    open_ids = sorted(o.order_id for o in acct.orders.values() if o.wallet_set_id == ws.wallet_set_id)
    if open_ids:
        shown = ", ".join(open_ids[:5]) + (" ..." if len(open_ids) > 5 else "")
        return reject(cmd, CommandReason.OPEN_ORDERS,
                      f"{len(open_ids)} open order(s) must be done first: {shown}", ws.run_id)
    ws_id = ws.wallet_set_id
    back = [Allocation(v, c, -bal.available) for (v, c), bal in sorted(ws.balances.items())
            if bal.available]
    problem = _range_problem(back) or _overflow(acct, ws, back)
    if problem:  # only trade proceeds take a balance this far: withdraw or reduce some first
        return reject(cmd, CommandReason.BALANCE_OUT_OF_RANGE, problem, ws.run_id)
    legs: list[PostingLeg] = []
    for (v, c), bal in sorted(ws.balances.items()):
        if bal.available:
            legs.append(PostingLeg(ws_id, AVAILABLE, v, c, -bal.available))
            legs.append(PostingLeg(POOL, POOL, v, c, bal.available))
    out: list[Event] = []
    if legs:
        out.append(WalletMovement(event_id=f"{cmd.event_id}:deallocation", account=cmd.account,
                                  kind=MovementKind.DEALLOCATION.value, cause_id=cmd.event_id,
                                  legs=legs, ts=cmd.ts, run_id=ws.run_id))
    out.append(WalletSetDeactivated(event_id=f"{cmd.event_id}:deactivated", account=cmd.account,
                                    wallet_set_id=ws_id, ts=cmd.ts, run_id=ws.run_id))
    return out


def exchange_balance(acct: Account | None, key: Key) -> int:
    """What the exchange should hold for (venue, currency): the pool plus every wallet set."""
    if acct is None:
        return 0
    total = acct.pool.get(key, 0)
    for ws in acct.wallet_sets.values():
        bal = ws.balances.get(key)
        if bal is not None:
            total += bal.available + bal.hold
    return total


def decide_reported(state: LedgerState, report: BalanceReported) -> list[Event]:
    """Compare, never overwrite: a difference is reported for a person to resolve."""
    ours = exchange_balance(state.accounts.get(report.account), (report.venue, report.currency))
    if ours == report.amount:
        return []
    return [BalanceDiscrepancy(event_id=f"{report.event_id}:discrepancy", account=report.account,
                               venue=report.venue, currency=report.currency, ledger_amount=ours,
                               reported_amount=report.amount, ts=report.ts)]
