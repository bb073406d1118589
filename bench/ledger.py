"""Ledger core throughput: a long deterministic inbox through ``Ledger.handle``.

Prints events/s and postings/s, and the same figures for a naive dict-of-floats
ledger doing the same arithmetic on the same stream, measured in the same run
(the ratio is what to compare across machines).

Run: ``.venv/bin/python bench/ledger.py [orders]``.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from schemas.events import (
    SCALE,
    Allocation,
    CreateWalletSet,
    DepositFunds,
    Event,
    FundsHeld,
    HoldReleased,
    MarketListed,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderRequested,
    PostingLeg,
    WalletMovement,
)
from streams.ledger.engine import Ledger, LedgerConfig
from streams.money import DEFAULT_FEES, fee_for, notional

VENUE = "coinbase"
PAIR = "BTC-USD"
ACCOUNTS = 16
TS = 1_700_000_000_000_000


def stream(orders: int) -> list[Event]:
    """Listing, deposits and a wallet set per account, then ``orders`` orders, each filled twice and done."""
    events: list[Event] = [MarketListed("listed", VENUE, PAIR, "BTC", "USD", SCALE // 100,
                                       SCALE // 10_000, SCALE // 10_000, None, None, TS)]
    for a in range(ACCOUNTS):
        acct = f"acct-{a}"
        events.append(DepositFunds(f"{acct}:dep:usd", acct, VENUE, "USD", 10**9 * SCALE, TS))
        events.append(DepositFunds(f"{acct}:dep:btc", acct, VENUE, "BTC", 10**5 * SCALE, TS))
        events.append(CreateWalletSet(f"{acct}:ws", acct, "ws", "run", [
            Allocation(VENUE, "USD", 10**9 * SCALE), Allocation(VENUE, "BTC", 10**5 * SCALE)], TS))
    fees = DEFAULT_FEES[VENUE]
    for i in range(orders):
        acct, oid = f"acct-{i % ACCOUNTS}", f"o{i}"
        side = "buy" if i % 2 == 0 else "sell"
        price = (50_000 + i % 500) * SCALE
        size = (1 + i % 40) * SCALE // 1000
        ts = TS + i
        events.append(OrderRequested(f"req:{oid}", oid, acct, "run", "ws", VENUE, PAIR, side, "limit",
                                     size, price, False, None, ts))
        first = size // 2 // (SCALE // 10_000) * (SCALE // 10_000)
        for seq, (part, bps, liq) in enumerate(((first, fees.maker_bps, "maker"),
                                                (size - first, fees.taker_bps, "taker")), start=1):
            fee = fee_for(notional(price, part), bps)
            events.append(OrderFilled(f"{oid}:fill:{seq}", oid, acct, "run", "ws", VENUE, PAIR, side,
                                      price, part, fee, "USD", liq, price, seq, ts))
        events.append(OrderDone(f"{oid}:done", oid, acct, "run", "ws", VENUE, PAIR, side, "filled",
                                size, price, 0, ts))
    return events


@dataclass(frozen=True, slots=True)
class Figures:
    events: int
    postings: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    @property
    def postings_per_s(self) -> float:
        return self.postings / self.seconds


def _best_of(runs: int, once: Callable[[], Figures]) -> Figures:
    return min((once() for _ in range(runs)), key=lambda f: f.seconds)


def run_core(events: Sequence[Event]) -> Figures:
    """The pure core alone: decide, evolve, output events built."""
    ledger = Ledger(LedgerConfig())
    handle = ledger.handle
    postings = 0
    gc.collect()
    start = time.perf_counter()
    for event in events:
        for out in handle(event):
            if type(out) is WalletMovement:
                postings += 1
    seconds = time.perf_counter() - start
    assert ledger.problems() == []
    return Figures(len(events), postings, seconds)


def run_naive(events: Sequence[Event]) -> Figures:
    """Baseline: dict-of-floats balances and holds, the same arithmetic; no checks, no dedupe, no outputs."""
    avail: dict[tuple[str, str], float] = {}
    hold: dict[str, float] = {}
    bps = DEFAULT_FEES[VENUE].max_bps
    postings = 0
    gc.collect()
    start = time.perf_counter()
    for e in events:
        t = type(e)
        if t is OrderRequested:
            assert isinstance(e, OrderRequested) and e.price is not None
            cur = "USD" if e.side == "buy" else "BTC"
            value = e.price * e.size / SCALE
            amount = value + value * bps / 10_000 if cur == "USD" else float(e.size)
            avail[(e.account, cur)] -= amount
            hold[e.order_id] = amount
        elif t is OrderFilled:
            assert isinstance(e, OrderFilled)
            value = e.price * e.size / SCALE
            if e.side == "buy":
                hold[e.order_id] -= value + e.fee
                avail[(e.account, "BTC")] += e.size
            else:
                hold[e.order_id] -= e.size
                avail[(e.account, "USD")] += value - e.fee
            postings += 2
        elif t is OrderDone:
            assert isinstance(e, OrderDone)
            left = hold.pop(e.order_id)
            avail[(e.account, "USD" if e.side == "buy" else "BTC")] += left
        elif t is DepositFunds:
            assert isinstance(e, DepositFunds)
            key = (e.account, e.currency)
            avail[key] = avail.get(key, 0.0) + e.amount
            postings += 1
    return Figures(len(events), postings, time.perf_counter() - start)


def run_naive_with_outputs(events: Sequence[Event]) -> Figures:
    """Second baseline: the naive arithmetic plus building the same output events the contract asks for.

    Shows what the event objects alone cost, so core / this is the price of the checks,
    the de-duplication and the exact integer state.
    """
    avail: dict[tuple[str, str], float] = {}
    hold: dict[str, float] = {}
    bps = DEFAULT_FEES[VENUE].max_bps
    postings = 0
    out: list[Event] = []
    gc.collect()
    start = time.perf_counter()
    for e in events:
        out.clear()
        t = type(e)
        if t is OrderRequested:
            assert isinstance(e, OrderRequested) and e.price is not None
            cur = "USD" if e.side == "buy" else "BTC"
            value = e.price * e.size // SCALE
            amount = value + value * bps // 10_000 if cur == "USD" else e.size
            avail[(e.account, cur)] -= amount
            hold[e.order_id] = amount
            out.append(FundsHeld(f"{e.event_id}:hold", e.account, e.order_id, e.wallet_set_id,
                                 e.venue, cur, amount, e.ts))
            out.append(OrderAccepted(f"{e.event_id}:accepted", e.order_id, e.account, e.run_id,
                                     e.wallet_set_id, e.venue, e.pair, e.side, e.order_type, e.size,
                                     e.price, e.post_only, e.cancel_after_s, cur, amount, e.ts))
        elif t is OrderFilled:
            assert isinstance(e, OrderFilled)
            value = e.price * e.size // SCALE
            ws, v, x = e.wallet_set_id, e.venue, "external"
            if e.side == "buy":
                hold[e.order_id] -= value + e.fee
                avail[(e.account, "BTC")] += e.size
                legs = [PostingLeg(ws, "hold", v, "USD", -value), PostingLeg(x, x, v, "USD", value),
                        PostingLeg(x, x, v, "BTC", -e.size), PostingLeg(ws, "available", v, "BTC", e.size)]
                fee_from = "hold"
            else:
                hold[e.order_id] -= e.size
                avail[(e.account, "USD")] += value - e.fee
                legs = [PostingLeg(ws, "hold", v, "BTC", -e.size), PostingLeg(x, x, v, "BTC", e.size),
                        PostingLeg(x, x, v, "USD", -value), PostingLeg(ws, "available", v, "USD", value)]
                fee_from = "available"
            fee_legs = [PostingLeg(ws, fee_from, v, "USD", -e.fee), PostingLeg(x, x, v, "USD", e.fee)]
            out.append(WalletMovement(f"{e.event_id}:settle", e.account, "trade", e.event_id, legs, e.ts))
            out.append(WalletMovement(f"{e.event_id}:fee", e.account, "fee", e.event_id, fee_legs, e.ts))
            postings += 2
        elif t is OrderDone:
            assert isinstance(e, OrderDone)
            cur = "USD" if e.side == "buy" else "BTC"
            left = hold.pop(e.order_id)
            avail[(e.account, cur)] += left
            out.append(HoldReleased(f"{e.event_id}:release", e.account, e.order_id, e.wallet_set_id,
                                    e.venue, cur, int(left), e.reason, e.ts))
        elif t is DepositFunds:
            assert isinstance(e, DepositFunds)
            key = (e.account, e.currency)
            avail[key] = avail.get(key, 0) + e.amount
            postings += 1
    return Figures(len(events), postings, time.perf_counter() - start)


def core_throughput(n: int, runs: int = 3) -> Figures:
    """Best of ``runs`` of the core on a stream of ``n`` orders (4 inbox events each, 2 fills)."""
    events = stream(n)
    return _best_of(runs, lambda: run_core(events))


def naive_throughput(n: int, runs: int = 3, outputs: bool = False) -> Figures:
    """A baseline on the same stream: bare arithmetic, or with the output events built too."""
    events = stream(n)
    run = run_naive_with_outputs if outputs else run_naive
    return _best_of(runs, lambda: run(events))


def main(argv: Sequence[str]) -> None:
    agent = "--agent" in argv
    args = [a for a in argv if not a.startswith("--")]
    n = int(args[0]) if args else 50_000
    core = core_throughput(n)
    naive, built = naive_throughput(n), naive_throughput(n, outputs=True)
    print(f"stream: {n:,} orders, {core.events:,} inbox events, {core.postings:,} postings")
    print(f"core:           {core.events_per_s:12,.0f} events/s {core.postings_per_s:12,.0f} postings/s")
    print(f"naive:          {naive.events_per_s:12,.0f} events/s (dict of floats, same arithmetic)")
    print(f"naive+outputs:  {built.events_per_s:12,.0f} events/s (and the same output events built)")
    print(f"ratio: core / naive = {core.events_per_s / naive.events_per_s:.3f}, "
          f"core / naive+outputs = {core.events_per_s / built.events_per_s:.3f}")
    if agent:
        agent_part(min(n, 20_000))


def agent_inbox(orders: int) -> list[tuple[str, Event]]:
    """The stream as the agent's inbox messages (key, event): the listing once under each account's key,
    as every account's inbox partition needs it."""
    out: list[tuple[str, Event]] = []
    for e in stream(orders):
        if isinstance(e, MarketListed):
            out += [(f"acct-{a}", e) for a in range(ACCOUNTS)]
        else:
            out.append((e.account, e))  # type: ignore[union-attr]
    return out


def agent_part(orders: int) -> None:
    """The same stream through the ledger agent on the real broker, vs. raw consume + decode."""
    from agent_path import measure

    from floor.settings import get_settings
    from schemas.topics import LEDGER_JOURNAL

    inbox = agent_inbox(orders)
    keys = iter([key for key, _ in inbox])  # measure asks each event's key once, in order
    figures = measure(get_settings().bootstrap, LEDGER_JOURNAL, [e for _, e in inbox], lambda e: next(keys),
                      ("ledger",))
    print("\n".join(figures.lines("ledger")))


if __name__ == "__main__":
    main(sys.argv[1:])
