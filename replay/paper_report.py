"""A paper run's figures, folded from its own inbox (pure): the same report a backtest gets.

The run's ``strategy.journal`` holds everything it saw, in order: the books of
its markets (from the fan-out), its fills and order events, and the ledger's
events about its wallet set. Folding it gives the equity curve the way the
backtest engine samples it — the wallet set valued in USD at the mids of the
run's books, every ``sample_us`` of event time from the moment it was funded,
skipped while some holding has no price yet — and the benchmark: the initial
allocation valued at the same prices (HODL of what it started with).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from replay.engine import RunResult
from replay.report import Report, build_report
from schemas.events import (
    SCALE,
    BookDelta,
    BookSnapshot,
    CancelRequested,
    Event,
    MarketListed,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    WalletMovement,
)
from schemas.topics import is_release_of, run_create_command
from strategies.book import BookView
from strategies.run import RunSpec
from strategies.wallet import WalletProjection
from streams.ledger.valuation import Valuer
from streams.money import notional

MAX_SAMPLES = 1000


def sample_every(start_ts: int, end_ts: int, at_least_us: int = 1_000_000) -> int:
    """A sampling period giving at most ``MAX_SAMPLES`` points (whole seconds, at least one)."""
    span = max(end_ts - start_ts, 0)
    period = -(-span // MAX_SAMPLES)
    return max(at_least_us, -(-period // 1_000_000) * 1_000_000)


def paper_result(spec: RunSpec, inbox: Iterable[Event], outputs: Sequence[Event], end_ts: int | None = None
                 ) -> tuple[RunResult, int, int, int]:
    """(the run's result, start, end, sample period) from its inbox and outputs, both in journal order.

    Starts when the allocation reaches the wallet set; ends at ``end_ts`` or the inbox's last event.
    """
    items = list(inbox)
    create = run_create_command(spec.run_id)
    funded = next((e.ts for e in items if type(e) is WalletMovement and e.cause_id == create), None)
    if funded is None:
        raise ValueError(f"run {spec.run_id} was never funded: no report")
    last = max(e.ts for e in items)
    start, end = funded, max(end_ts if end_ts is not None else last, funded + 1)
    period = sample_every(start, end)
    listings = [e for e in items if type(e) is MarketListed]
    valuer = Valuer(listings)
    books: dict[tuple[str, str], BookView] = {}
    wallet = WalletProjection(spec.wallet_set_id)
    initial: dict[str, int] = {}
    for a in spec.allocations:
        initial[a.currency] = initial.get(a.currency, 0) + a.amount
    equity: list[tuple[int, float]] = []
    bench: list[tuple[int, float]] = []
    fees = traded = fills = rejected = 0
    seen: set[str] = set()

    def mid(venue: str, pair: str) -> int | None:
        book = books.get((venue, pair))
        return book.mid if book is not None else None

    def sample(ts: int) -> None:
        prices = valuer.prices(mid)
        held: dict[str, int] = {}
        for (_venue, currency), b in wallet.view().balances.items():
            held[currency] = held.get(currency, 0) + b.balance
        value, benchmark = valuer.usd(held, prices), valuer.usd(initial, prices)
        if value is not None and benchmark is not None:
            equity.append((ts, value / SCALE))
            bench.append((ts, benchmark / SCALE))

    next_sample = start
    for e in items:
        if e.event_id in seen:
            continue
        seen.add(e.event_id)
        while e.ts > next_sample and next_sample <= end:
            sample(next_sample)
            next_sample += period
        match e:
            case BookDelta() | BookSnapshot():
                book = books.get((e.venue, e.pair))
                if book is None:
                    book = books[(e.venue, e.pair)] = BookView(e.venue, e.pair)
                book.apply(e)
            case OrderFilled():
                fills += 1
                prices = valuer.prices(mid)
                fees += valuer.usd({e.fee_currency: e.fee}, prices) or 0
                quote = e.pair.rpartition("-")[2]
                traded += valuer.usd({quote: notional(e.price, e.size)}, prices) or 0
            case OrderRejected():
                rejected += 1
            case WalletMovement() if is_release_of(spec.run_id, e.cause_id):
                pass  # given back to the pool after the run ended: not the run's result
            case _:
                wallet.apply(e)
    while next_sample < end:
        sample(next_sample)
        next_sample += period
    sample(end)
    orders = sum(1 for o in outputs if type(o) is OrderRequested)
    cancels = sum(1 for o in outputs if type(o) is CancelRequested)
    result = RunResult(spec, tuple(equity), tuple(bench), fees / SCALE, traded / SCALE, orders, fills,
                       rejected, cancels, len(outputs), None)
    return result, start, end, period


def paper_report(spec: RunSpec, inbox: Iterable[Event], outputs: Sequence[Event], end_ts: int | None = None
                 ) -> Report:
    result, start, end, period = paper_result(spec, inbox, outputs, end_ts)
    if not result.equity:
        raise ValueError(f"run {spec.run_id}: no moment where every holding had a price, no report")
    return build_report(result, start, end, period)
