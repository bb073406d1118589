"""Ledger invariants over random histories of deposits, wallet sets, orders, fills and cancels.

A small simulator plays the venue: it fills only orders the ledger accepted,
within their size and limit price, charging the venue's maker or taker fee.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import (
    SCALE,
    AdjustWalletSet,
    Allocation,
    BalanceReported,
    CancelRequested,
    CommandRejected,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    Event,
    MarketListed,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRequested,
    WalletMovement,
    WithdrawFunds,
)
from streams.ledger.engine import Ledger, LedgerConfig
from streams.money import fee_for, fees_for_venue, notional

ACCOUNTS = ("alice", "bob")
VENUES = ("coinbase", "bitfinex")
CURRENCIES = ("USD", "BTC", "ETH")
# pair -> (base, quote, price_increment, size_increment)
PAIRS = {"BTC-USD": ("BTC", "USD", SCALE // 100, SCALE // 1000),
         "ETH-BTC": ("ETH", "BTC", SCALE // 100_000, SCALE // 100)}
TYPICAL_TICKS = {"BTC-USD": 5_000_000, "ETH-BTC": 5_000}  # 50000 USD, 0.05 BTC
TS = 1_700_000_000_000_000

LISTINGS = [
    MarketListed(event_id=f"listed:{v}:{p}", venue=v, pair=p, base=b, quote=q, price_increment=pi,
                 size_increment=si, min_size=si, max_size=100 * SCALE, min_notional=SCALE // 100, ts=TS)
    for v in VENUES for p, (b, q, pi, si) in PAIRS.items()
]

amounts = st.integers(min_value=-1, max_value=20).map(lambda n: n * SCALE // 4)
account_i = st.integers(0, len(ACCOUNTS) - 1)
venue_i = st.integers(0, len(VENUES) - 1)
currency_i = st.integers(0, len(CURRENCIES) - 1)
ws_i = st.integers(0, 2)
pick = st.integers(0, 50)
allocations = st.lists(st.tuples(venue_i, currency_i, amounts), max_size=3)

WALLET_OPS = (
    st.tuples(st.just("deposit"), account_i, venue_i, currency_i, amounts.map(lambda n: 4 * n)),
    st.tuples(st.just("withdraw"), account_i, venue_i, currency_i, amounts),
    st.tuples(st.just("create"), account_i, ws_i, allocations),
    st.tuples(st.just("adjust"), account_i, ws_i, allocations, st.booleans()),
    st.tuples(st.just("deactivate"), account_i, st.integers(0, 5)),  # mostly sets that do not exist
    st.tuples(st.just("report"), account_i, venue_i, currency_i, amounts),
)
ORDER_OP = st.tuples(
    st.just("order"), account_i, ws_i, st.sampled_from([True, True, True, True, False]), venue_i,
    st.sampled_from(sorted(PAIRS)), st.sampled_from(["buy", "sell"]),
    st.sampled_from(["limit", "market", "ioc", "fok"]), st.integers(0, 600), st.floats(0.5, 1.5))
FILL_OP = st.tuples(st.just("fill"), pick, st.floats(0.05, 1.0), st.integers(0, 5), st.booleans())
VENUE_OPS = (
    st.tuples(st.just("done"), pick, st.sampled_from(["filled", "cancelled", "expired"])),
    st.tuples(st.just("cancel"), pick, st.booleans()),
    st.tuples(st.just("opened"), pick),
)
_KINDS = {"wallet": st.one_of(*WALLET_OPS), "order": ORDER_OP, "fill": FILL_OP,
          "venue": st.one_of(*VENUE_OPS)}
OPS = st.sampled_from(["wallet"] * 2 + ["order"] * 3 + ["fill"] * 4 + ["venue"]).flatmap(_KINDS.__getitem__)
"""Weighted towards trading: 2 in 10 ops are wallet commands, 3 orders, 5 venue events (4 fills)."""

# Every history starts funded: each account deposits everywhere and creates ws-0 and ws-1.
PRELUDE = [("deposit", a, v, c, 100_000 * SCALE) for a in range(len(ACCOUNTS))
           for v in range(len(VENUES)) for c in range(len(CURRENCIES))] + [
    ("create", a, w, [(v, c, [20_000, 2, 20][c] * SCALE) for v in range(len(VENUES))
                      for c in range(len(CURRENCIES))])
    for a in range(len(ACCOUNTS)) for w in range(2)]


Op = tuple[Any, ...]
"""One step of a history: its kind, then the parameters the simulator turns into an event."""


@dataclass
class Live:
    accepted: OrderAccepted
    filled: int = 0
    fills: int = 0


@dataclass
class Venue:
    """Plays the exchange and the users, turning ops into inbox events."""

    ledger: Ledger
    inbox: list[Event] = field(default_factory=list)
    outputs: list[Event] = field(default_factory=list)
    live: list[Live] = field(default_factory=list)
    counter: int = 0
    inflow: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # deposits - withdrawals + trades
    check_each: bool = False  # check every invariant after every event, not only at the end

    def send(self, event: Event) -> list[Event]:
        self.inbox.append(event)
        out = self.ledger.handle(event)
        if self.check_each:
            assert self.ledger.problems() == [], event
        self.outputs.extend(out)
        for e in out:
            if isinstance(e, OrderAccepted):
                self.live.append(Live(e))
        return out

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def play(self, op: Op) -> None:
        kind = op[0]
        if kind == "deposit":
            _, a, v, c, amount = op
            key = (ACCOUNTS[a], VENUES[v], CURRENCIES[c])
            self.send(DepositFunds(self.next_id("dep"), key[0], key[1], key[2], amount, TS))
            if amount > 0:
                self.inflow[key] += amount
        elif kind == "withdraw":
            _, a, v, c, amount = op
            key = (ACCOUNTS[a], VENUES[v], CURRENCIES[c])
            out = self.send(WithdrawFunds(self.next_id("wd"), key[0], key[1], key[2], amount, TS))
            if not any(isinstance(e, CommandRejected) for e in out):
                self.inflow[key] -= amount
        elif kind in ("create", "adjust"):
            allocs = [Allocation(VENUES[v], CURRENCIES[c], n) for v, c, n in op[3]]
            if kind == "adjust" and op[4]:
                allocs = [Allocation(x.venue, x.currency, -x.amount) for x in allocs]
            account, ws = ACCOUNTS[op[1]], f"ws-{op[2]}"
            if kind == "create":
                self.send(CreateWalletSet(self.next_id("create"), account, ws, f"run-{op[2]}", allocs, TS))
            else:
                self.send(AdjustWalletSet(self.next_id("adjust"), account, ws, allocs, TS))
        elif kind == "deactivate":
            self.send(DeactivateWalletSet(self.next_id("deact"), ACCOUNTS[op[1]], f"ws-{op[2]}", TS))
        elif kind == "order":
            self._order(op)
        elif kind == "report":
            _, a, v, c, amount = op
            self.send(BalanceReported(self.next_id("rep"), ACCOUNTS[a], VENUES[v], CURRENCIES[c], amount, TS))
        elif self.live:
            self._venue_event(op)

    def _order(self, op: Op) -> None:
        _, a, w, own_run, v, pair, side, order_type, steps, scale = op
        _b, _q, tick, step = PAIRS[pair]
        price = max(1, int(TYPICAL_TICKS[pair] * scale)) * tick
        oid = self.next_id("o")
        self.send(OrderRequested(
            event_id=f"req:{oid}", order_id=oid, account=ACCOUNTS[a], run_id=f"run-{w if own_run else 9}",
            wallet_set_id=f"ws-{w}", venue=VENUES[v], pair=pair, side=side, order_type=order_type,
            size=steps * step, price=price, post_only=False, cancel_after_s=None, ts=TS))

    def _venue_event(self, op: Op) -> None:
        kind, k = op[0], op[1] % len(self.live)
        o = self.live[k]
        acc = o.accepted
        base, quote, tick, step = PAIRS[acc.pair]
        if kind == "cancel":
            run = acc.run_id if op[2] else "run-x"
            self.send(CancelRequested(self.next_id("cx"), acc.order_id, acc.account, run, acc.venue,
                                      acc.pair, TS))
        elif kind == "opened":
            assert acc.price is not None
            self.send(OrderOpened(f"{acc.order_id}:opened:{self.counter}", acc.order_id, acc.account,
                                  acc.run_id, acc.wallet_set_id, acc.venue, acc.pair, acc.side, acc.price,
                                  acc.size, acc.size - o.filled, 0, TS))
        elif kind == "done":
            self.send(OrderDone(f"{acc.order_id}:done", acc.order_id, acc.account, acc.run_id,
                                acc.wallet_set_id, acc.venue, acc.pair, acc.side, op[2], o.filled,
                                None, 0, TS))
            self.live.pop(k)
        elif kind == "fill":
            _, _, fraction, improve, maker = op
            remaining = acc.size - o.filled
            size = min(remaining, max(step, int(acc.size * fraction) // step * step))
            if size <= 0:
                return
            assert acc.price is not None
            better = -improve * tick if acc.side == "buy" else improve * tick
            price = max(tick, acc.price + better)
            fees = fees_for_venue(acc.venue)
            value = notional(price, size)
            fee = fee_for(value, fees.maker_bps if maker else fees.taker_bps)
            o.fills += 1
            self.send(OrderFilled(f"{acc.order_id}:{o.fills}", acc.order_id, acc.account, acc.run_id,
                                  acc.wallet_set_id, acc.venue, acc.pair, acc.side, price, size, fee,
                                  quote, "maker" if maker else "taker", price, o.fills, TS))
            o.filled += size
            sign = 1 if acc.side == "buy" else -1
            self.inflow[(acc.account, acc.venue, base)] += sign * size
            self.inflow[(acc.account, acc.venue, quote)] -= sign * value + fee


def _play(ops: list[Op], check_each: bool = False) -> Venue:
    venue = Venue(Ledger(LedgerConfig()), check_each=check_each)
    for listing in LISTINGS:
        venue.send(listing)
    for op in [*PRELUDE, *ops]:
        venue.play(op)
    return venue


def _figures(ledger: Ledger) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    for account in ACCOUNTS:
        for (v, c), n in ledger.total(account).items():
            out[(account, v, c)] = n
    return {k: n for k, n in out.items() if n}


HISTORIES = st.lists(OPS, min_size=20, max_size=120)
SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(HISTORIES)
def test_no_figure_negative_balance_is_available_plus_hold_and_funds_are_conserved(ops: list[Op]) -> None:
    venue = _play(ops, check_each=True)
    ledger = venue.ledger
    for account in ACCOUNTS:
        assert all(n >= 0 for n in ledger.unallocated(account).values())
        for view in ledger.wallet_sets(account):
            for b in view.balances.values():
                assert b.available >= 0 and b.hold >= 0 and b.balance == b.available + b.hold
    assert _figures(ledger) == {k: n for k, n in venue.inflow.items() if n}


@SETTINGS
@given(HISTORIES)
def test_every_posting_is_balanced_per_currency(ops: list[Op]) -> None:
    for movement in _play(ops).outputs:
        if isinstance(movement, WalletMovement):
            sums: Counter[tuple[str, str]] = Counter()
            for leg in movement.legs:
                sums[(leg.venue, leg.currency)] += leg.amount
            assert all(n == 0 for n in sums.values()), movement


@SETTINGS
@given(HISTORIES, st.integers(0, 10_000))
def test_replaying_the_inbox_gives_the_same_outputs_and_state(ops: list[Op], cut: int) -> None:
    venue = _play(ops)
    replay = Ledger(LedgerConfig())
    assert [out for event in venue.inbox for out in replay.handle(event)] == venue.outputs
    assert replay.export_state() == venue.ledger.export_state()
    # A restart from a snapshot taken anywhere carries on exactly as if nothing happened.
    cut %= len(venue.inbox) + 1
    first = Ledger(LedgerConfig())
    outputs = [out for event in venue.inbox[:cut] for out in first.handle(event)]
    restored = Ledger.from_state(LedgerConfig(), json.loads(json.dumps(first.export_state())))
    outputs += [out for event in venue.inbox[cut:] for out in restored.handle(event)]
    assert outputs == venue.outputs
    assert restored.export_state() == venue.ledger.export_state()


@SETTINGS
@given(HISTORIES, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), max_size=20))
def test_any_event_delivered_twice_changes_nothing(ops: list[Op], copies: list[tuple[int, int]]) -> None:
    venue = _play(ops)
    inbox = list(venue.inbox)
    for which, where in copies:  # a copy of an earlier event, delivered again later
        i = which % len(inbox)
        inbox.insert(i + 1 + where % (len(inbox) - i), inbox[i])
    ledger = Ledger(LedgerConfig())
    assert [out for event in inbox for out in ledger.handle(event)] == venue.outputs
    assert ledger.export_state() == venue.ledger.export_state()
