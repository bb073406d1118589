"""The ledger agent: ``ledger.journal`` -> Ledger -> ``ledger.events``."""

from __future__ import annotations

import logging
from typing import Any

from schemas.events import BalanceDiscrepancy, Event
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL
from streams.ledger.engine import INBOX_TYPES, Ledger, LedgerConfig
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.kafka import inbox_processor

log = logging.getLogger(__name__)


def log_discrepancies(engine: Any, event: Event, out: list[Any]) -> None:
    """The processor's observer: a balance the exchange reports other than the ledger's is an error an
    operator must see (and an error reporter receives), logged once, when it is decided (not on a rebuild)."""
    for o in out:
        e = o.event
        if type(e) is BalanceDiscrepancy:
            log.error("%s %s: the exchange reports %d, the ledger holds %d (nothing was overwritten)",
                      e.venue, e.currency, e.reported_amount, e.ledger_amount,
                      extra={"account": e.account, "venue": e.venue, "event_id": e.event_id})


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
        p.observer = log_discrepancies
    return p


def register(rt: Runtime, config: LedgerConfig | None = None) -> None:
    register_inbox_agent(rt, "ledger", processor(config, rt.bootstrap, rt.namespace, observed=True))
