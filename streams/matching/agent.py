"""The matching agent's own metrics (its node, ``venue.journal`` -> MatchingEngine -> ``venue.events``, is
in ``strategies.topology``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily

from schemas.events import Event, OrderAccepted, OrderDone, OrderOpened


class MatchingTally:
    """Orders by type and how their acceptance ended, and consumed-liquidity refusals, counted on the live
    path (the processor's observer; a rebuild counts nothing). Labels are bounded: order types, done
    reasons and ``rested``."""

    __slots__ = ("orders", "refusals")

    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], int] = {}  # (order type, outcome) -> orders
        self.refusals: dict[str, int] = {}  # order type -> refusals

    def __call__(self, engine: Any, event: Event, out: list[Any]) -> None:
        if type(event) is not OrderAccepted or not out:  # not an order, or one seen before
            return
        order_id, outcome = event.order_id, ""
        for o in out:
            e = o.event
            if type(e) is OrderDone and e.order_id == order_id:
                outcome = e.reason
            elif type(e) is OrderOpened and e.order_id == order_id:
                outcome = "rested"
        if not outcome:
            return
        key = (event.order_type, outcome)
        self.orders[key] = self.orders.get(key, 0) + 1
        if engine.refused:
            self.refusals[event.order_type] = self.refusals.get(event.order_type, 0) + 1

    def families(self, agent: list[str]) -> Iterable[Any]:
        """The tally as metric families, under the agent's labels (inbox, output)."""
        orders = CounterMetricFamily("cryptick_matching_orders", "Orders accepted by the matching engine, by "
                                     "type and how their acceptance ended (a done reason, or rested on the "
                                     "book).", labels=["inbox", "output", "order_type", "outcome"])
        for (order_type, outcome), n in sorted(dict(self.orders).items()):
            orders.add_metric([*agent, order_type, outcome], n)
        refusals = CounterMetricFamily("cryptick_matching_consumed_refusals", "Orders that did not fill "
                                       "whole while displayed size within their limit had been consumed by "
                                       "earlier virtual orders (double-trade protection).",
                                       labels=["inbox", "output", "order_type"])
        for order_type, n in sorted(dict(self.refusals).items()):
            refusals.add_metric([*agent, order_type], n)
        yield from (orders, refusals)
