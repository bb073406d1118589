"""Where each output event must go next (pure): event -> (inbox topic, key) pairs.

``routes`` covers the agents' outputs (``venue.events``, ``ledger.events``);
``strategy_routes`` the strategy agent's (``strategy.events``), where the same
event type can mean something else: a ``CancelRequested`` from a run goes to
its ledger first, one from the ledger goes on to the venue.

Wallet events name their run (``run_id``: the ledger knows each wallet set's run;
'' for none), so no router needs to remember which wallet set belongs to which
run. Events written before that field existed read it as None: for them alone
the run is recovered from the run's key conventions (``schemas.topics``): a
run's wallet set is ``<run id>:ws``, its create command ``<run id>:create``, its
release ``<run id>:release[:n]``.
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
            run = _run_of_legs(event) if event.run_id is None else event.run_id
            return [(STRATEGY_JOURNAL, run)] if run else []
        case WalletSetCreated():
            return [(STRATEGY_JOURNAL, event.run_id)] if event.run_id else []
        case FundsHeld() | HoldReleased() | WalletSetDeactivated():
            run = run_of_wallet_set(event.wallet_set_id) if event.run_id is None else event.run_id
            return [(STRATEGY_JOURNAL, run)] if run else []
        case CommandRejected():
            run = run_of_command(event.command_id) if event.run_id is None else event.run_id
            return [(STRATEGY_JOURNAL, run)] if run else []
        case _:
            return []


def _run_of_legs(event: WalletMovement) -> str | None:
    """An event written before ``run_id`` existed: its run read from its wallet set's name."""
    return next((r for leg in event.legs if (r := run_of_wallet_set(leg.wallet)) is not None), None)


def strategy_routes(event: Event) -> list[Route]:
    """The inboxes a run's output (``strategy.events``) is appended to; records stay archive-only."""
    match event:
        case OrderRequested() | CancelRequested() | CreateWalletSet() | DeactivateWalletSet():
            return [(LEDGER_JOURNAL, event.account)]
        case MarketSubscription():
            return [(VENUE_JOURNAL, venue_key(event.venue, event.pair))]
        case _:
            return []
