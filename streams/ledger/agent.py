"""The ledger agent's own metrics and logs (its node, ``ledger.journal`` -> Ledger -> ``ledger.events``, is in
``strategies.topology``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily

from schemas.events import (
    COMMAND_TYPES,
    BalanceDiscrepancy,
    BalanceReported,
    CancelRejected,
    CommandRejected,
    Event,
    OrderRejected,
)

log = logging.getLogger(__name__)

COMMANDS = frozenset(COMMAND_TYPES)
REJECTIONS = frozenset({CommandRejected, OrderRejected, CancelRejected})


class LedgerObserver:
    """The processor's observer, on the live path only (not a rebuild): commands by type and how the
    ledger decided them (``accepted`` or the rejection's reason code: bounded labels), and a balance the
    exchange reports other than the ledger's logged as an error an operator must see (and an error
    reporter receives)."""

    __slots__ = ("commands",)

    def __init__(self) -> None:
        self.commands: dict[tuple[str, str], int] = {}  # (command type, outcome) -> commands

    def __call__(self, engine: Any, event: Event, out: list[Any]) -> None:
        kind = type(event)
        if kind in COMMANDS and out:  # no output: an id seen before, nothing decided
            outcome = "accepted"
            for o in out:
                if type(o.event) in REJECTIONS:
                    outcome = o.event.reason
                    break
            key = (kind.__name__, outcome)
            self.commands[key] = self.commands.get(key, 0) + 1
        elif kind is BalanceReported:
            for o in out:
                e = o.event
                if type(e) is BalanceDiscrepancy:
                    log.error("%s %s: the exchange reports %d, the ledger holds %d (nothing was overwritten)",
                              e.venue, e.currency, e.reported_amount, e.ledger_amount,
                              extra={"account": e.account, "venue": e.venue, "event_id": e.event_id})

    def families(self, agent: list[str]) -> Iterable[Any]:
        commands = CounterMetricFamily("cryptick_ledger_commands", "Commands the ledger decided, by type and "
                                       "outcome (accepted, or the rejection's reason code).",
                                       labels=["inbox", "output", "command", "outcome"])
        for (command, outcome), n in sorted(dict(self.commands).items()):
            commands.add_metric([*agent, command, outcome], n)
        yield commands
