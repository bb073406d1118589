"""The topology, declared once as data (pure): the agents, their inboxes and outputs, and the routers.

Which engine reads which inbox, which event types belong there, the topic its outputs go to and their
key, and where each output goes next (with its latency class in a backtest). The Faust worker and the
direct worker (``cryptick.worker``), the in-process backtest scheduler (``replay.engine``), the in-process
replay (``replay.inprocess``) and the API's read replica (``api.services.views``) all read this; none
restates it. Adding an agent is one ``Node`` here (and a role for the workers that should run it).

It lives with the strategies because it names their host: ``strategies`` is the lowest folder that sees
every engine (DESIGN §1).

| agent | inbox | output (key) |
| --- | --- | --- |
| matching | ``venue.journal`` | ``venue.events`` (``venue:PAIR``) |
| market fan-out | ``venue.journal`` | the subscribed runs' ``strategy.journal`` (its own keys) |
| ledger | ``ledger.journal`` | ``ledger.events`` (account) |
| strategies | ``strategy.journal`` | ``strategy.events`` (run id) |

| router | from | to (backtest delay) |
| --- | --- | --- |
| venue | ``venue.events`` | ledger and run (``report``) |
| ledger | ``ledger.events`` | venue (``order``), run (at once) |
| strategy | ``strategy.events`` | ledger, venue (at once) |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import Event
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    VENUE_JOURNAL,
    venue_key,
)
from strategies.host import INBOX_TYPES as RUN_INBOX
from strategies.host import StrategyFactory, StrategyHost, registry_factory
from strategies.host import output_key as run_key
from streams.core import Hop, Node
from streams.ledger.engine import INBOX_TYPES as LEDGER_INBOX
from streams.ledger.engine import Ledger, LedgerConfig
from streams.matching.engine import INBOX_TYPES as VENUE_INBOX
from streams.matching.engine import MatchingConfig, MatchingEngine
from streams.routing.fanout import MarketFanOut
from streams.routing.rules import routes, strategy_routes

ORDER = "order"
"""Latency class of an accepted order or cancel on its way to the venue (``Latency.order_us``)."""
REPORT = "report"
"""Latency class of the venue's reports (opened, fills, done) on their way back (``Latency.report_us``)."""


@dataclass(frozen=True, slots=True)
class Configs:
    """What the engines are built with: the venues' fees and matching rules, the ledger's, and how a run's
    strategy object is made from its ``StartRun``."""

    matching: MatchingConfig = field(default_factory=MatchingConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    strategies: StrategyFactory = registry_factory


def venue_of(event: Event) -> str:
    return venue_key(event.venue, event.pair)  # type: ignore[union-attr]


def account_of(event: Event) -> str:
    return event.account  # type: ignore[union-attr]


def forwards_only(event: Event) -> str:
    raise TypeError(f"the market fan-out sends Forward messages only, not {type(event).__name__}")


MATCHING = Node("matching", "matching", VENUE_JOURNAL, VENUE_INBOX, VENUE_EVENTS, venue_of,
                lambda c: MatchingEngine(c.matching))
FANOUT = Node("market_fanout", "fanout", VENUE_JOURNAL, VENUE_INBOX, STRATEGY_JOURNAL, forwards_only,
              lambda c: MarketFanOut(), keyed=True, dead_letters=False)  # matching reports bad messages
LEDGER = Node("ledger", "ledger", LEDGER_JOURNAL, LEDGER_INBOX, LEDGER_EVENTS, account_of,
              lambda c: Ledger(c.ledger))
STRATEGIES = Node("strategies", "strategies", STRATEGY_JOURNAL, RUN_INBOX, STRATEGY_EVENTS, run_key,
                  lambda c: StrategyHost(c.strategies), keyed=True)
NODES: tuple[Node, ...] = (MATCHING, FANOUT, LEDGER, STRATEGIES)

HOPS: tuple[Hop, ...] = (
    Hop("route_venue", VENUE_EVENTS, routes, {LEDGER_JOURNAL: REPORT, STRATEGY_JOURNAL: REPORT}),
    Hop("route_ledger", LEDGER_EVENTS, routes, {VENUE_JOURNAL: ORDER}),
    Hop("route_strategy", STRATEGY_EVENTS, strategy_routes),
)
ROUTERS_ROLE = "routers"
"""The worker role that runs the routers (every ``Hop``)."""


def node(name: str) -> Node:
    return next(n for n in NODES if n.name == name)


def hop_from(output: str) -> Hop:
    """The router of an output topic."""
    return next(h for h in HOPS if h.output == output)
