"""The ledger engine: one inbox partition of ``ledger.journal`` (many accounts) in, events out.

Policies, each with its test:
- A deposit or withdrawal moves funds between the outside and the account's pool;
  wallet sets take from and give back to the pool, all allocations or none.
- Deactivating a wallet set with open orders is refused (``open_orders``): their
  holds are live money the venue may still trade; cancel first, then deactivate.
- An order request reusing a live, done or rejected order id yields nothing.
- A cancel is forwarded unchanged only for a live order of the asking run.
- Fills settle fees in the quote currency; a buy pays them from the hold, a sell
  from its proceeds. Done releases what is left of the hold (no event if nothing is).
- A venue event about an order the ledger never accepted, or one that would
  overdraw a hold, raises ``LedgerInvariantError`` (the shell dead-letters it).
  A late copy of a fill or done of an order already closed is ignored.
- A reported exchange balance is compared, never written over the ledger's.
- Range: every amount the ledger takes or emits fits the wire (``MAX_UNITS``); an amount
  above it, or a deposit, move or order that would take a balance past it, is rejected with
  ``amount_out_of_range`` or ``balance_out_of_range`` (see ``wallets`` and ``orders``).
- ``decide`` only reads the state and ``apply`` folds an input and its outputs in, so the
  shell encodes the outputs in between: an input whose outputs cannot be sent changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.events import (
    AdjustWalletSet,
    BalanceReported,
    CancelRejected,
    CancelRequested,
    ClockTick,
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
from streams.ledger import invariants, projections, snapshot, valuation
from streams.ledger.evolve import EVOLVERS
from streams.ledger.markets import MarketRules
from streams.ledger.orders import decide_cancel, decide_order
from streams.ledger.projections import Amounts, WalletSetView
from streams.ledger.settlement import decide_done, decide_fill, decide_opened
from streams.ledger.state import LedgerState
from streams.ledger.wallets import (
    decide_adjust,
    decide_create,
    decide_deactivate,
    decide_deposit,
    decide_reported,
    decide_withdraw,
)
from streams.money import DEFAULT_FEES, FALLBACK_FEES, FeeSchedule


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    """Fees per venue, static market rules (MarketListed events add and override), window sizes."""

    fees: Mapping[str, FeeSchedule] = field(default_factory=lambda: dict(DEFAULT_FEES))
    markets: tuple[MarketRules, ...] = ()
    seen_window: int = 200_000
    """Input event ids remembered for de-duplication (redeliveries come close together)."""
    closed_order_window: int = 20_000
    """Done or rejected order ids remembered per account (reused order ids are ignored)."""

    def __post_init__(self) -> None:
        if self.seen_window < 1 or self.closed_order_window < 1:
            raise ValueError("seen_window and closed_order_window must be at least 1")

    def fee_schedule(self, venue: str) -> FeeSchedule:
        """The venue's fees; venues missing from ``fees`` pay ``FALLBACK_FEES`` (as in matching)."""
        return self.fees.get(venue, FALLBACK_FEES)


def _no_output(state: LedgerState, event: Any) -> list[Event]:
    return []


_Decide = Callable[[LedgerState, Any], list[Event]]

_DECIDERS: dict[type, _Decide] = {
    DepositFunds: decide_deposit,
    WithdrawFunds: decide_withdraw,
    CreateWalletSet: decide_create,
    AdjustWalletSet: decide_adjust,
    DeactivateWalletSet: decide_deactivate,
    BalanceReported: decide_reported,
    MarketListed: _no_output,
    CancelRequested: decide_cancel,
    OrderOpened: decide_opened,
    OrderFilled: decide_fill,
    OrderDone: decide_done,
    CancelRejected: _no_output,  # the venue refused a cancel: the order runs on, nothing to do
}
"""Inbox events with meaning for the ledger (OrderRequested is decided with its venue's fee)."""

INBOX_TYPES: frozenset[type] = frozenset({*_DECIDERS, OrderRequested, ClockTick})
"""What belongs on ``ledger.journal``; anything else is dead-lettered by the agent shell."""


class Ledger:
    """The logical-wallet ledger: ``decide`` an inbox event (pure), then ``apply`` it and its outputs.

    Every input is applied once: an event id seen before yields ``[]`` and changes
    nothing. A decision only reads the state; an input that would break an
    invariant raises :class:`~streams.ledger.errors.LedgerInvariantError` before
    anything changes. ``handle`` is both steps at once.
    """

    __slots__ = ("_fee_bps", "_state", "config")

    def __init__(self, config: LedgerConfig | None = None, *, _state: LedgerState | None = None
                 ) -> None:
        self.config = config if config is not None else LedgerConfig()
        if _state is None:
            _state = LedgerState(self.config.seen_window, self.config.closed_order_window)
            for rules in self.config.markets:
                _state.add_market(rules)
        self._state = _state
        self._fee_bps: dict[str, int] = {}

    def market_rules(self) -> list[MarketRules]:
        """The trading rules this ledger knows (listings, and static rules where none was listed)."""
        return [self._state.markets[k] for k in sorted(self._state.markets)]

    # --- decide then evolve -------------------------------------------------------

    def handle(self, event: Event) -> list[Event]:
        """Output events for one inbox event; the state is updated with them (``decide`` then
        ``apply``, inlined: this is the hot path of backtests)."""
        kind = type(event)
        decide: _Decide | None = self._decide_order if kind is OrderRequested else _DECIDERS.get(kind)
        if decide is None:  # clock ticks and anything else not for the ledger
            return []
        state = self._state
        event_id: str = event.event_id
        seen = state.seen
        if event_id in seen.items:
            return []
        outputs = decide(state, event)
        seen.add(event_id)  # its deque finds the oldest id in O(1): the dict's first key costs O(deleted)
        evolvers = EVOLVERS
        fold = evolvers.get(kind)
        if fold is not None:
            fold(state, event)
        for out in outputs:
            fold = evolvers.get(type(out))
            if fold is not None:
                fold(state, out)
        return outputs

    def decide(self, event: Event) -> list[Event]:
        """Output events for one inbox event; reads the state, changes nothing (``apply`` does)."""
        kind = type(event)
        decide: _Decide | None = self._decide_order if kind is OrderRequested else _DECIDERS.get(kind)
        if decide is None or event.event_id in self._state.seen.items:  # not for the ledger, or seen
            return []
        return decide(self._state, event)

    def apply(self, event: Event, outputs: list[Event]) -> None:
        """Fold an inbox event and the outputs ``decide`` gave for it into the state."""
        kind = type(event)
        if kind is not OrderRequested and kind not in _DECIDERS:
            return
        state = self._state
        event_id: str = event.event_id
        seen = state.seen
        if event_id in seen.items:
            return
        seen.add(event_id)  # its deque finds the oldest id in O(1): the dict's first key costs O(deleted)
        evolvers = EVOLVERS  # inlined evolve(): this loop is the hot path
        fold = evolvers.get(kind)
        if fold is not None:
            fold(state, event)
        for out in outputs:
            fold = evolvers.get(type(out))
            if fold is not None:
                fold(state, out)

    def _decide_order(self, state: LedgerState, req: OrderRequested) -> list[Event]:
        bps = self._fee_bps.get(req.venue)
        if bps is None:
            bps = self._fee_bps[req.venue] = self.config.fee_schedule(req.venue).max_bps
        return decide_order(state, req, bps)

    # --- snapshots ------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """The state as JSON-serialisable data; equal states export equal."""
        return snapshot.export_state(self._state)

    @classmethod
    def from_state(cls, config: LedgerConfig, data: dict[str, Any]) -> Ledger:
        """A ledger that continues exactly where the exported one stopped."""
        state = snapshot.load_state(data, config.seen_window, config.closed_order_window)
        for rules in config.markets:  # static rules only fill gaps: listings won over them
            if (rules.venue, rules.pair) not in state.markets:
                state.add_market(rules)
        return cls(config, _state=state)

    # --- projections ----------------------------------------------------------------

    def wallet_set(self, account: str, wallet_set_id: str) -> WalletSetView | None:
        """One wallet set's balances, or None if the account has no such set."""
        acct = self._state.accounts.get(account)
        ws = acct.wallet_sets.get(wallet_set_id) if acct is not None else None
        if acct is None or ws is None:
            return None
        return projections.wallet_set_view(acct, ws)

    def wallet_sets(self, account: str) -> list[WalletSetView]:
        """Every wallet set of the account, active or not, by id."""
        return projections.wallet_set_views(self._state.accounts.get(account))

    def allocated(self, account: str) -> Amounts:
        return projections.allocated(self._state.accounts.get(account))

    def unallocated(self, account: str, venue: str | None = None) -> Amounts:
        return projections.unallocated(self._state.accounts.get(account), venue)

    def total(self, account: str) -> Amounts:
        return projections.total(self._state.accounts.get(account))

    def accounts(self) -> list[str]:
        return sorted(self._state.accounts)

    def value_in_usd(self, amounts: Mapping[str, int], prices: valuation.Prices
                     ) -> dict[str, int | valuation.NoRoute]:
        """Per-currency USD value, or ``valuation.NO_ROUTE``; see :mod:`streams.ledger.valuation`."""
        return valuation.value_in_usd(amounts, prices)

    def problems(self) -> list[str]:
        """Broken invariants of the whole state (empty when sound); O(state), for tests and audits."""
        return invariants.problems(self._state)
