"""The ledger agent: ``ledger.journal`` -> Ledger -> ``ledger.events``."""

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
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL
from streams.ledger.engine import INBOX_TYPES, Ledger, LedgerConfig
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.shell import inbox_processor

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


def output_key(event: Event) -> str:
    return event.account  # type: ignore[union-attr]


def processor(config: LedgerConfig | None = None, bootstrap: str | None = None,
              namespace: str = "", *, observed: bool = False) -> InboxProcessor:
    """The agent's inbox shell; with ``bootstrap`` it rebuilds state from the inbox on restart; ``observed``
    (a worker's agent, not a read replica or a CLI's fold) logs the discrepancies it decides."""
    cfg = config or LedgerConfig()
    p = inbox_processor(LEDGER_JOURNAL, LEDGER_EVENTS, lambda: Ledger(cfg), INBOX_TYPES, output_key,
                        bootstrap, namespace)
    if observed:
        p.observer = LedgerObserver()
    return p


def register(rt: Runtime, config: LedgerConfig | None = None) -> None:
    register_inbox_agent(rt, "ledger", processor(config, rt.bootstrap, rt.namespace, observed=True))
