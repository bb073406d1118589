"""The API's Prometheus metrics: its requests, its event streams, its replica and what the replica sees
of the feeds' books. One registry per app (tests start many apps in one process).

Requests are counted by method, route *template* (``/accounts/{account}/orders``, never an account or an
order id) and status, and timed per route; an SSE stream's request is counted, not timed (it lasts as long
as its client). Everything else is read when Prometheus scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.events import SCALE
from streams.archive.metrics import archive_families

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNTIMED = ("/streams/", "/backtests/{backtest_id}/events")
"""Routes that stream for as long as their client listens: counted, not timed."""


class ApiMetrics:
    """The registry of one app, with its request metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("cryptick_api_requests", "HTTP requests answered, by route template and "
                                "status.", ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("cryptick_api_request_seconds", "Time to answer a request (streams "
                                 "excluded), by route template.", ["method", "route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.commands = Histogram("cryptick_api_command_seconds", "Time from taking a command to knowing "
                                  "its outcome (the broker's confirmation and the ledger's decision as the "
                                  "replica folds it), by command type and how it ended.",
                                  ["command", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)

    def observe_command(self, command: str, outcome: Any, seconds: float) -> None:
        """A command's time to its outcome (``CommandBus.observe``)."""
        from api.services.command_outcome import status_of

        self.commands.labels(command, status_of(outcome)).observe(seconds)


def route_of(scope: Scope) -> str:
    """The template of the route that answered (bounded), else what kind of path it was."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    path = str(scope.get("path", ""))
    if path.startswith("/assets/"):
        return "/assets"
    if path.startswith("/ui"):
        return "/ui"
    return "unmatched"


class RequestMetrics:
    """ASGI middleware: each HTTP request counted (and timed) under its route template."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_of(scope)
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, route, str(status[0])).inc()
            if not route.startswith(UNTIMED):
                self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)


class StateCollector(Collector):
    """What the API's services know, read when scraped: the replica, the streams, the books and feeds."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the app's state: views, hub, archive are set once its lifespan starts

    def collect(self) -> Iterable[Any]:
        views = getattr(self.state, "views", None)
        hub = getattr(self.state, "hub", None)
        if hub is not None:
            yield _gauge("cryptick_sse_clients", "Clients connected to /streams/events.", hub.clients)
            yield _counter("cryptick_sse_events", "Events sent to SSE clients (each once, whatever the "
                           "number of clients).", hub.events)
            yield _counter("cryptick_sse_dropped_clients", "SSE clients dropped as too slow (they resume "
                           "with Last-Event-ID).", hub.dropped_clients)
        archive = getattr(self.state, "archive", None)
        if archive is not None:
            yield from archive_families(archive.sink, archive.alive)
        if views is None:
            return
        st = views.status()
        yield _gauge("cryptick_replica_up", "1 while the API's read replica folds the inboxes.",
                     1 if st.alive else 0)
        yield _gauge("cryptick_replica_behind_messages", "Inbox messages the replica has not folded yet.",
                     st.behind)
        yield _counter("cryptick_replica_dead_letters", "Messages the replica could not fold.",
                       st.dead_letters)
        start_s = getattr(views, "start_s", None)
        if start_s is not None:
            yield _gauge("cryptick_replica_start_seconds", "Time from the API's start to its replica caught "
                         "up (from a snapshot and the tail, or every journal from its start).", start_s)
        yield _gauge("cryptick_replica_from_snapshot", "1 when the replica resumed from a snapshot at start.",
                     1 if getattr(views, "from_snapshot", False) else 0)
        yield _counter("cryptick_replica_snapshots", "Snapshots of the replica written.",
                       getattr(views, "snapshots_written", 0))
        took = getattr(views, "snapshot_seconds", None)
        if took is not None:
            yield _gauge("cryptick_replica_snapshot_write_seconds", "Time the last snapshot took to write.",
                         took)
        stale = GaugeMetricFamily("cryptick_book_stale", "1 when the venue's book is stale (a gap or a "
                                  "reconnect: no fills until a fresh snapshot).", labels=["venue", "pair"])
        age = GaugeMetricFamily("cryptick_book_last_message_age_seconds", "Seconds since the book's last "
                                "message (snapshot, delta or clock tick) reached the replica.",
                                labels=["venue", "pair"])
        for key, (is_stale, seconds) in sorted(st.books.items()):
            venue, _, pair = key.partition(":")
            stale.add_metric([venue, pair], 1 if is_stale else 0)
            age.add_metric([venue, pair], seconds)
        yield stale
        yield age
        feeds = GaugeMetricFamily("cryptick_feed_connected", "1 when the venue's feed last said it is "
                                  "connected.", labels=["venue"])
        for venue, (state, _notice, _ts) in sorted(views.feeds().items()):
            feeds.add_metric([venue], 1 if state == "connected" else 0)
        yield feeds
        yield from _run_families(views)


def _run_families(views: Any) -> Iterable[Any]:
    """Runs by state; for each running run (a bounded set: a run id is a label only while it runs) its
    orders sent, fills received and equity in USD (its wallet set at the latest mids)."""
    from api.services.run_performance import paper_performance

    fold, lock = views.run_views()
    with lock:
        runs = [(r.run_id, r.state, r.account, r.wallet_set_id, list(r.allocations),
                 r.outputs.get("OrderRequested", 0), r.inbox.get("OrderFilled", 0))
                for r in fold.runs.values()]
    by_state = GaugeMetricFamily("cryptick_runs", "Runs of the namespace by state.", labels=["state"])
    counts: dict[str, int] = {}
    for _, state, *_rest in runs:
        counts[state] = counts.get(state, 0) + 1
    for state, n in sorted(counts.items()):
        by_state.add_metric([state], n)
    yield by_state
    orders = CounterMetricFamily("cryptick_run_orders", "Orders a running run sent.", labels=["run_id"])
    fills = CounterMetricFamily("cryptick_run_fills", "Fills a running run received.", labels=["run_id"])
    equity = GaugeMetricFamily("cryptick_run_equity_usd", "A running paper run's wallet set at the latest "
                               "mids, in USD.", labels=["run_id"])
    prices = views.mids()
    for run_id, state, account, wallet_set_id, given, n_orders, n_fills in runs:
        if state != "running":
            continue
        orders.add_metric([run_id], n_orders)
        fills.add_metric([run_id], n_fills)
        ledger, ledger_lock = views.ledger(account)
        with ledger_lock:
            wallet_set = ledger.wallet_set(account, wallet_set_id) if ledger else None
        p = paper_performance(wallet_set, given, prices)
        if p is not None and p.equity_usd is not None:
            equity.add_metric([run_id], float(p.equity_usd) / SCALE)
    yield from (orders, fills, equity)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def install(app: Any) -> ApiMetrics:
    """The app's metrics: its registry (also the process's CPU, memory and GC), the request middleware and
    the services' collector."""
    from prometheus_client import GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR

    metrics = ApiMetrics()
    for c in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        metrics.registry.register(c)
    metrics.registry.register(StateCollector(app.state))
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.state.metrics = metrics
    return metrics
