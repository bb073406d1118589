"""Run the agents of one namespace (composition root): on Faust, or on the direct runtime."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

import faust

from floor.kafka import group_id
from streams.runtime.app import Runtime, create_app
from streams.runtime.logs import configure, dict_config
from streams.runtime.metrics import AgentCollector, agent_registry, serve
from streams.runtime.notices import install as notices_install
from streams.runtime.notices import uninstall as notices_uninstall
from streams.runtime.snapshots import SnapshotStore

log = logging.getLogger("cryptick.worker")

ROLES = ("matching", "fanout", "ledger", "routers", "strategies")
"""A live namespace: ``fanout`` (the market fan-out) forwards books to the runs that ``strategies`` hosts."""
REPLAY_ROLES = ("matching", "ledger", "strategies")
"""A replay's inboxes already hold what the routers and the market fan-out added: neither runs."""
RUNTIMES = ("faust", "direct")
INSTANCE_ENV = "CRYPTICK_WORKER_INSTANCE"
"""Set, a worker is a static member of its group under this name (unique per running worker): restarted
under the same name (a supervisor's restart), it resumes its partitions at once instead of after the dead
process's session timeout. Unset, membership is dynamic."""


def _check(roles: tuple[str, ...], runtime: str) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; choose from {', '.join(ROLES)}")
    if "fanout" in roles and "matching" not in roles:
        # the market fan-out reads venue.journal beside matching: split across workers of one group,
        # each would get only some of the books
        raise ValueError("the fanout role needs matching in the same worker (both read every book)")
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; choose from {', '.join(RUNTIMES)}")


def instance_name() -> str | None:
    """The worker's static group membership (``INSTANCE_ENV``), if any."""
    return os.environ.get(INSTANCE_ENV) or None


def build(bootstrap: str, namespace: str, roles: tuple[str, ...] = ROLES,
          instance: str | None = None, metrics: AgentCollector | None = None,
          snapshot_every: int = 0) -> faust.App:
    _check(roles, "faust")
    app = create_app(bootstrap, namespace, instance=instance)
    store = _store(bootstrap, namespace, snapshot_every)
    rt = Runtime(app, bootstrap, namespace, metrics, store, snapshot_every)
    if "matching" in roles:
        from streams.matching import agent as matching

        matching.register(rt)
    if "ledger" in roles:
        from streams.ledger import agent as ledger

        ledger.register(rt)
    if "routers" in roles:
        from streams.routing import agent as routing

        routing.register(rt)
    if "strategies" in roles or "fanout" in roles:
        from strategies import agent as strategy
        from streams.routing import agent as routing

        if "strategies" in roles:
            strategy.register(rt)
        if "fanout" in roles:
            routing.register_fanout(rt)
    return app


def _store(bootstrap: str, namespace: str, snapshot_every: int) -> SnapshotStore | None:
    """The namespace's snapshot store, if snapshots are taken."""
    if snapshot_every <= 0:
        return None
    from streams.runtime.kafka_snapshots import KafkaSnapshots

    return KafkaSnapshots(bootstrap, namespace)


def processors(bootstrap: str, namespace: str, roles: tuple[str, ...], snapshot_every: int = 0
               ) -> dict[str, Any]:
    """Logical inbox topic -> processor, for the direct runtime; with ``snapshot_every`` the agents' engines
    are snapshotted to the namespace's store every that many inputs of a partition."""
    _check(roles, "direct")
    from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_JOURNAL
    from strategies.agent import processor as strategies
    from streams.ledger.agent import processor as ledger
    from streams.matching.agent import processor as matching
    from streams.routing.agent import fanout_processor, routers
    from streams.runtime.direct import Together
    from streams.runtime.inbox import InboxProcessor

    out: dict[str, Any] = {}
    if "matching" in roles:
        out[VENUE_JOURNAL] = matching(None, bootstrap, namespace, observed=True)
    if "ledger" in roles:
        out[LEDGER_JOURNAL] = ledger(None, bootstrap, namespace, observed=True)
    if "routers" in roles:
        out.update({r.inbox: r for r in routers()})
    if "strategies" in roles:
        out[STRATEGY_JOURNAL] = strategies(bootstrap, namespace, observed=True)
    if "fanout" in roles:
        out[VENUE_JOURNAL] = Together([out[VENUE_JOURNAL], fanout_processor(bootstrap, namespace)])
    store = _store(bootstrap, namespace, snapshot_every)
    if store is not None:
        for proc in out.values():
            for p in proc.processors if isinstance(proc, Together) else (proc,):
                if isinstance(p, InboxProcessor) and p.history is not None:  # not a router
                    p.snapshots, p.snapshot_every = store, snapshot_every
    return out


def run(bootstrap: str, namespace: str, roles: tuple[str, ...] = ROLES, loglevel: str = "warning",
        runtime: str = "faust", metrics_port: int | None = None, metrics_host: str = "127.0.0.1",
        snapshot_every: int = 0) -> None:
    """The agents of ``roles`` until stopped; with ``metrics_port``, Prometheus's ``/metrics`` on it; with
    ``snapshot_every``, each engine snapshotted every that many inputs (a restart resumes from it)."""
    _check(roles, runtime)
    from floor.kafka import check_partitions
    from schemas.topics import all_topics

    check_partitions(bootstrap, all_topics(namespace))  # PartitionMismatch: keys would reach wrong inboxes
    configure("worker", loglevel)  # JSON lines unless on a terminal
    instance = instance_name()
    name = f"worker {instance}" if instance else "worker"  # an instance name only when one was given
    started = f"{name} started ({runtime}; roles {', '.join(roles)})"
    metrics: AgentCollector | None = None
    if metrics_port is not None:
        registry, metrics = agent_registry()
        try:
            server = serve(metrics_port, registry, metrics_host)
            started += f"; metrics on http://{metrics_host}:{server.server_port}/metrics"
        except OSError as exc:  # e.g. the port is taken: the agents' work matters more than their metrics
            log.error("metrics not served on %s:%s: %s", metrics_host, metrics_port, exc)
            started += f"; metrics NOT served ({metrics_host}:{metrics_port}: {exc})"
            metrics = None
    if runtime == "faust":
        app = build(bootstrap, namespace, roles, instance, metrics, snapshot_every)

        @app.task  # type: ignore[untyped-decorator]
        async def notices() -> None:  # once Faust has set up its logging (it replaces the root's handlers)
            configure("worker", loglevel)
            notices_install(bootstrap, namespace, "worker")
            log.info(started)

        faust.Worker(app, loglevel=loglevel, quiet=True,
                     logging_config=dict_config("worker", loglevel)).execute_from_commandline()
        return
    from streams.runtime.direct import DirectWorker

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    handler = notices_install(bootstrap, namespace, "worker")
    log.info(started)
    try:
        DirectWorker(bootstrap, namespace, processors(bootstrap, namespace, roles, snapshot_every),
                     group_id(namespace),
                     instance=instance, metrics=metrics).run(stop)
    finally:
        log.info(f"{name} stopped")
        notices_uninstall(handler)
