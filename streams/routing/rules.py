"""Where each output event must go next (pure): event -> (inbox topic, key) pairs.

``routes`` covers the agents' outputs (``venue.events``, ``ledger.events``);
``strategy_routes`` the strategy agent's (``strategy.events``), where the same
event type can mean something else: a ``CancelRequested`` from a run goes to
its ledger first, one from the ledger goes on to the venue.

Wallet events reach a run by the run's key conventions (``schemas.topics``): a
run's wallet set is ``<run id>:ws`` and its create command ``<run id>:create``,
so no router needs to remember which wallet set belongs to which run.
"""

from __future__ import annotations

from schemas.events import (
    CancelRejected,
    CancelRequested,
    CommandRejected,
    CreateWalletSet,
    DeactivateWalletSet,
    Event,
    FundsHeld,
    HoldReleased,
    MarketSubscription,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    OrderRequested,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
)
from schemas.topics import (
    LEDGER_JOURNAL,
    STRATEGY_JOURNAL,
    VENUE_JOURNAL,
    run_of_command,
    run_of_wallet_set,
    venue_key,
)

Route = tuple[str, str]


def routes(event: Event) -> list[Route]:
    """The inboxes an agent's output event is appended to (may be none: archive only)."""
    match event:
        case OrderOpened() | OrderFilled() | OrderDone() | CancelRejected():
            return [(LEDGER_JOURNAL, event.account), (STRATEGY_JOURNAL, event.run_id)]
        case OrderAccepted() | CancelRequested():
            return [(VENUE_JOURNAL, venue_key(event.venue, event.pair))]
        case OrderRejected():
            return [(STRATEGY_JOURNAL, event.run_id)]
        case WalletMovement():
            runs = sorted({r for leg in event.legs if (r := run_of_wallet_set(leg.wallet)) is not None})
            return [(STRATEGY_JOURNAL, r) for r in runs]
        case WalletSetCreated():
            return [(STRATEGY_JOURNAL, event.run_id)] if event.run_id else []
        case FundsHeld() | HoldReleased() | WalletSetDeactivated():
            run = run_of_wallet_set(event.wallet_set_id)
            return [(STRATEGY_JOURNAL, run)] if run is not None else []
        case CommandRejected():
            run = run_of_command(event.command_id)
            return [(STRATEGY_JOURNAL, run)] if run is not None else []
        case _:
            return []


def strategy_routes(event: Event) -> list[Route]:
    """The inboxes a run's output (``strategy.events``) is appended to; records stay archive-only."""
    match event:
        case OrderRequested() | CancelRequested() | CreateWalletSet() | DeactivateWalletSet():
            return [(LEDGER_JOURNAL, event.account)]
        case MarketSubscription():
            return [(VENUE_JOURNAL, venue_key(event.venue, event.pair))]
        case _:
            return []
