"""The strategy agent and the market fan-out (shells): ``strategy.journal`` -> ``StrategyHost``
-> ``strategy.events``, and ``venue.journal`` -> ``MarketFanOut`` -> the runs' ``strategy.journal``."""

from __future__ import annotations

import logging
from typing import Any

from schemas.events import Event, RunState, RunStateChanged
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL, VENUE_JOURNAL
from strategies.host import INBOX_TYPES, StrategyFactory, StrategyHost, output_key, registry_factory
from streams.matching.engine import INBOX_TYPES as VENUE_INBOX_TYPES
from streams.routing.fanout import MarketFanOut
from streams.runtime.app import Runtime, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.kafka import inbox_processor

log = logging.getLogger(__name__)


def log_run_failures(engine: Any, event: Event, out: list[Any]) -> None:
    """The processor's observer: a run that fails (a strategy's error, a refused start) is logged with its
    reason and run id when it happens (not on a rebuild); the run's own state says it too."""
    for o in out:
        e = o.event
        if type(e) is RunStateChanged and e.state == RunState.FAILED:
            log.warning("run %s (%s) failed: %s", e.run_id, e.strategy, e.detail,
                        extra={"run_id": e.run_id, "event_id": e.event_id})


def processor(bootstrap: str | None = None, namespace: str = "",
              factory: StrategyFactory = registry_factory, *, observed: bool = False) -> InboxProcessor:
    """The strategy agent's inbox shell; with ``bootstrap`` it rebuilds its runs from the inbox on restart;
    ``observed`` (a worker's agent) logs the runs that fail."""
    p = inbox_processor(STRATEGY_JOURNAL, STRATEGY_EVENTS, lambda: StrategyHost(factory), INBOX_TYPES,
                        output_key, bootstrap, namespace, keyed=True)
    if observed:
        p.observer = log_run_failures
    return p


def fanout_processor(bootstrap: str | None = None, namespace: str = "") -> InboxProcessor:
    """The market fan-out's shell on ``venue.journal`` (its outputs go to the runs' inboxes)."""
    # the matching agent dead-letters what does not belong on venue.journal
    return inbox_processor(VENUE_JOURNAL, STRATEGY_JOURNAL, MarketFanOut, VENUE_INBOX_TYPES,
                           output_key, bootstrap, namespace, keyed=True, dead_letters=False)


def register_host(rt: Runtime) -> None:
    register_inbox_agent(rt, "strategies", processor(rt.bootstrap, rt.namespace, observed=True))


def register_fanout(rt: Runtime) -> None:
    register_inbox_agent(rt, "market_fanout", fanout_processor(rt.bootstrap, rt.namespace))
