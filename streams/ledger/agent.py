"""The ledger agent: ``ledger.journal`` -> Ledger -> ``ledger.events``."""

from __future__ import annotations

from schemas.events import Event
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL
from streams.ledger.engine import INBOX_TYPES, Ledger, LedgerConfig
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.kafka import inbox_processor


def output_key(event: Event) -> str:
    return event.account  # type: ignore[union-attr]


def processor(config: LedgerConfig | None = None, bootstrap: str | None = None,
              namespace: str = "") -> InboxProcessor:
    """The agent's inbox shell; with ``bootstrap`` it rebuilds state from the inbox on restart."""
    cfg = config or LedgerConfig()
    return inbox_processor(LEDGER_JOURNAL, LEDGER_EVENTS, lambda: Ledger(cfg), INBOX_TYPES, output_key,
                           bootstrap, namespace)


def register(rt: Runtime, config: LedgerConfig | None = None) -> None:
    register_inbox_agent(rt, "ledger", processor(config, rt.bootstrap, rt.namespace))
