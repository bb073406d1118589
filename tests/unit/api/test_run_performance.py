"""A paper run's performance from the replica: its wallet set against its allocation, at the same mids."""

from __future__ import annotations

from api.services.run_performance import paper_performance
from schemas.events import SCALE
from streams.ledger.projections import WalletBalance, WalletSetView

MIDS = {("BTC", "USD"): 20_000 * SCALE}


def _set(active: bool = True, **held: int) -> WalletSetView:
    balances = {("synthetic", c): WalletBalance(n * SCALE, n * SCALE, 0) for c, n in held.items()}
    return WalletSetView("ws-1", "run-1", active, balances, 0)


def test_a_run_that_made_money_shows_a_positive_return() -> None:
    got = paper_performance(_set(USD=12_000, BTC=1), [("synthetic", "USD", 30_000 * SCALE)], MIDS)
    assert got is not None
    assert (got.equity_usd, got.start_usd) == (32_000 * SCALE, 30_000 * SCALE)
    assert got.total_return == 32_000 / 30_000 - 1 and got.max_drawdown is None and got.basis == "replica"


def test_what_it_was_given_is_valued_at_the_same_mids_so_a_price_move_is_not_a_gain() -> None:
    got = paper_performance(_set(BTC=2), [("synthetic", "BTC", 2 * SCALE)], MIDS)
    assert got is not None and got.total_return == 0


def test_no_figures_for_a_released_set_or_an_unpriced_currency() -> None:
    assert paper_performance(_set(active=False, USD=1), [("synthetic", "USD", SCALE)], MIDS) is None
    assert paper_performance(_set(ETH=1), [("synthetic", "USD", SCALE)], MIDS) is None
    assert paper_performance(None, [("synthetic", "USD", SCALE)], MIDS) is None
