"""Run the agents of one namespace (composition root): on Faust, or on the direct runtime."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

import faust

from floor.kafka import group_id
from strategies.agent import log_run_failures
from strategies.topology import Configs
from streams.core import Node
from streams.ledger.agent import LedgerObserver
from streams.matching.agent import MatchingTally
from streams.runtime.app import Runtime, create_app, register_inbox_agent
from streams.runtime.inbox import InboxProcessor
from streams.runtime.logs import configure, dict_config
from streams.runtime.metrics import AgentCollector, agent_registry, serve
from streams.runtime.notices import install as notices_install
from streams.runtime.notices import uninstall as notices_uninstall
from streams.runtime.shell import processor
from streams.runtime.snapshots import SnapshotStore

log = logging.getLogger("cryptick.worker")

ROLES = ("matching", "fanout", "ledger", "routers", "strategies")
"""A live namespace (the roles of the topology's nodes, and the routers): ``fanout`` (the market fan-out)
forwards books to the runs that ``strategies`` hosts."""
OBSERVERS: dict[str, Callable[[], Any]] = {
    "matching": MatchingTally, "ledger": LedgerObserver, "strategies": lambda: log_run_failures}
"""A worker's agents' own metrics and logs, by node name (on the live path only: never a rebuild)."""
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


def agents(bootstrap: str, namespace: str, roles: tuple[str, ...], snapshot_every: int = 0
           ) -> list[tuple[str, Any]]:
    """(name, shell) of every agent and router of ``roles``, from the topology, in its order: a worker's
    shells rebuild from their inbox on restart, count their metrics, and (``snapshot_every``) snapshot
    their engines to the namespace's store every that many inputs of a partition."""
    from strategies.topology import HOPS, NODES, ROUTERS_ROLE, Configs
    from streams.routing.agent import router

    store = _store(bootstrap, namespace, snapshot_every)
    configs = Configs()
    out: list[tuple[str, Any]] = []
    for node in NODES:
        if node.role in roles:
            agent = shell(node, bootstrap, namespace, configs)
            if store is not None:
                agent.snapshots, agent.snapshot_every = store, snapshot_every
            out.append((node.name, agent))
    if ROUTERS_ROLE in roles:
        out += [(hop.name, router(hop)) for hop in HOPS]
    return out


def shell(node: Node, bootstrap: str | None = None, namespace: str = "", configs: Configs | None = None
          ) -> InboxProcessor:
    """A worker's shell of ``node``: with its own metrics and logs (``OBSERVERS``); with ``bootstrap`` it
    rebuilds an engine from its inbox on restart."""
    agent = processor(node, configs or Configs(), bootstrap, namespace)
    observer = OBSERVERS.get(node.name)
    if observer is not None:
        agent.observer = observer()
    return agent


def build(bootstrap: str, namespace: str, roles: tuple[str, ...] = ROLES,
          instance: str | None = None, metrics: AgentCollector | None = None,
          snapshot_every: int = 0) -> faust.App:
    _check(roles, "faust")
    app = create_app(bootstrap, namespace, instance=instance)
    rt = Runtime(app, bootstrap, namespace, metrics)
    for name, shell in agents(bootstrap, namespace, roles, snapshot_every):
        register_inbox_agent(rt, name, shell)
    return app


def _store(bootstrap: str, namespace: str, snapshot_every: int) -> SnapshotStore | None:
    """The namespace's snapshot store, if snapshots are taken."""
    if snapshot_every <= 0:
        return None
    from streams.runtime.kafka_snapshots import KafkaSnapshots

    return KafkaSnapshots(bootstrap, namespace)


def processors(bootstrap: str, namespace: str, roles: tuple[str, ...], snapshot_every: int = 0
               ) -> dict[str, Any]:
    """Logical inbox topic -> processor, for the direct runtime: the agents of one inbox (matching and the
    market fan-out) together in one consumer."""
    _check(roles, "direct")
    from streams.runtime.direct import Together

    by_inbox: dict[str, list[Any]] = {}
    for _, shell in agents(bootstrap, namespace, roles, snapshot_every):
        by_inbox.setdefault(shell.inbox, []).append(shell)
    return {inbox: shells[0] if len(shells) == 1 else Together(shells) for inbox, shells in by_inbox.items()}


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
