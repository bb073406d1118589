"""Builders of ledger inbox events for tests: short to call, explicit where it matters."""

from __future__ import annotations

from schemas.events import (
    AdjustWalletSet,
    Allocation,
    BalanceReported,
    CancelRequested,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    Event,
    MarketListed,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRequested,
    WithdrawFunds,
)
from streams.ledger.engine import Ledger, LedgerConfig
from streams.money import to_fixed

ACCOUNT = "alice"
VENUE = "coinbase"  # fees: maker 40 bps, taker 60 bps
PAIR = "BTC-USD"
WS = "ws-1"
RUN = "run-1"
TS = 1_700_000_000_000_000


def u(text: str) -> int:
    """A decimal string as fixed-point units."""
    return to_fixed(text)


def listed(venue: str = VENUE, pair: str = PAIR, base: str = "BTC", quote: str = "USD",
           price_increment: str = "0.01", size_increment: str = "0.001", min_size: str = "0.001",
           max_size: str | None = "100", min_notional: str | None = "10") -> MarketListed:
    return MarketListed(
        event_id=f"listed:{venue}:{pair}", venue=venue, pair=pair, base=base, quote=quote,
        price_increment=u(price_increment), size_increment=u(size_increment), min_size=u(min_size),
        max_size=None if max_size is None else u(max_size),
        min_notional=None if min_notional is None else u(min_notional), ts=TS)


def deposit(event_id: str, currency: str, amount: str, venue: str = VENUE,
            account: str = ACCOUNT) -> DepositFunds:
    return DepositFunds(event_id=event_id, account=account, venue=venue, currency=currency,
                        amount=u(amount), ts=TS)


def withdraw(event_id: str, currency: str, amount: str, venue: str = VENUE,
             account: str = ACCOUNT) -> WithdrawFunds:
    return WithdrawFunds(event_id=event_id, account=account, venue=venue, currency=currency,
                         amount=u(amount), ts=TS)


def alloc(currency: str, amount: str, venue: str = VENUE) -> Allocation:
    return Allocation(venue=venue, currency=currency, amount=u(amount))


def create(event_id: str, *allocations: Allocation, ws: str = WS, run: str = RUN,
           account: str = ACCOUNT) -> CreateWalletSet:
    return CreateWalletSet(event_id=event_id, account=account, wallet_set_id=ws, run_id=run,
                           allocations=list(allocations), ts=TS)


def adjust(event_id: str, *allocations: Allocation, ws: str = WS,
           account: str = ACCOUNT) -> AdjustWalletSet:
    return AdjustWalletSet(event_id=event_id, account=account, wallet_set_id=ws,
                           allocations=list(allocations), ts=TS)


def deactivate(event_id: str, ws: str = WS, account: str = ACCOUNT) -> DeactivateWalletSet:
    return DeactivateWalletSet(event_id=event_id, account=account, wallet_set_id=ws, ts=TS)


def reported(event_id: str, currency: str, amount: str, venue: str = VENUE,
             account: str = ACCOUNT) -> BalanceReported:
    return BalanceReported(event_id=event_id, account=account, venue=venue, currency=currency,
                           amount=u(amount), ts=TS)


def order(order_id: str, side: str, size: str, price: str | None, order_type: str = "limit",
          ws: str = WS, run: str = RUN, pair: str = PAIR, venue: str = VENUE,
          account: str = ACCOUNT, event_id: str | None = None) -> OrderRequested:
    return OrderRequested(
        event_id=event_id or f"req:{order_id}", order_id=order_id, account=account, run_id=run,
        wallet_set_id=ws, venue=venue, pair=pair, side=side, order_type=order_type, size=u(size),
        price=None if price is None else u(price), post_only=False, cancel_after_s=None, ts=TS)


def cancel(order_id: str, run: str = RUN, event_id: str | None = None, pair: str = PAIR,
           account: str = ACCOUNT) -> CancelRequested:
    return CancelRequested(event_id=event_id or f"cancel:{order_id}", order_id=order_id,
                           account=account, run_id=run, venue=VENUE, pair=pair, ts=TS)


def opened(order_id: str, side: str, size: str, price: str, ws: str = WS,
           run: str = RUN) -> OrderOpened:
    return OrderOpened(event_id=f"{order_id}:opened", order_id=order_id, account=ACCOUNT,
                       run_id=run, wallet_set_id=ws, venue=VENUE, pair=PAIR, side=side,
                       price=u(price), size=u(size), remaining=u(size), queue_ahead=0, ts=TS)


def fill(order_id: str, seq: int, side: str, size: str, price: str, fee: str,
         ws: str = WS, run: str = RUN, liquidity: str = "taker") -> OrderFilled:
    return OrderFilled(
        event_id=f"{order_id}:{seq}", order_id=order_id, account=ACCOUNT, run_id=run,
        wallet_set_id=ws, venue=VENUE, pair=PAIR, side=side, price=u(price), size=u(size),
        fee=u(fee), fee_currency="USD", liquidity=liquidity, level_price=u(price), fill_seq=seq,
        ts=TS)


def done(order_id: str, side: str, filled: str, reason: str = "filled", ws: str = WS,
         run: str = RUN) -> OrderDone:
    return OrderDone(
        event_id=f"{order_id}:done", order_id=order_id, account=ACCOUNT, run_id=run,
        wallet_set_id=ws, venue=VENUE, pair=PAIR, side=side, reason=reason,
        filled_size=u(filled), avg_price=None, fees=0, ts=TS)


def given(*events: Event, config: LedgerConfig | None = None) -> Ledger:
    """A ledger that has handled ``events``."""
    ledger = Ledger(config or LedgerConfig())
    for event in events:
        ledger.handle(event)
    return ledger


def funded(usd: str = "10000", btc: str = "2") -> Ledger:
    """BTC-USD listed on coinbase, and wallet set ws-1 of run-1 holding ``usd`` USD and ``btc`` BTC."""
    allocations = [alloc(c, amount) for c, amount in (("USD", usd), ("BTC", btc)) if u(amount)]
    return given(listed(), deposit("dep-usd", "USD", "50000"), deposit("dep-btc", "BTC", "10"),
                 create("create-ws-1", *allocations))


def balance(ledger: Ledger, currency: str, ws: str = WS) -> tuple[int, int, int]:
    """(balance, available, hold) of ``currency`` on coinbase in ``ws``."""
    view = ledger.wallet_set(ACCOUNT, ws)
    assert view is not None
    b = view.balances.get((VENUE, currency))
    return (0, 0, 0) if b is None else (b.balance, b.available, b.hold)


def pool(ledger: Ledger, currency: str) -> int:
    return ledger.unallocated(ACCOUNT).get((VENUE, currency), 0)
