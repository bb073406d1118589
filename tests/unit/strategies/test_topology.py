"""The topology is declared once, and every runtime is built from it.

Given ``strategies.topology`` (the agents and the routers), the workers of both runtimes run exactly its
nodes and hops for their roles, the in-process replay and the API's replica build their shells from its
nodes, and every output of an agent has a router to the inboxes that read it; a node added to the
topology is run by the workers without another change."""

from __future__ import annotations

import dataclasses

import pytest

from cryptick import worker
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_JOURNAL
from strategies import topology
from strategies.topology import FANOUT, HOPS, LEDGER, MATCHING, NODES, ROUTERS_ROLE, STRATEGIES
from streams.runtime.direct import Together
from streams.runtime.inbox import InboxProcessor

BOOTSTRAP = "127.0.0.1:1"  # nothing is read: shells read their inbox only when an engine is rebuilt


def test_the_workers_run_every_node_and_router_of_their_roles_in_the_topology_s_order() -> None:
    names = [name for name, _ in worker.agents(BOOTSTRAP, "ns", worker.ROLES)]

    assert names == [n.name for n in NODES] + [h.name for h in HOPS]
    assert set(worker.ROLES) == {n.role for n in NODES} | {ROUTERS_ROLE}
    replay = [name for name, _ in worker.agents(BOOTSTRAP, "ns", worker.REPLAY_ROLES)]
    assert replay == [MATCHING.name, LEDGER.name, STRATEGIES.name]


def test_a_node_s_shell_reads_its_inbox_and_writes_its_output() -> None:
    shells = dict(worker.agents(BOOTSTRAP, "ns", worker.ROLES))
    for node in NODES:
        shell = shells[node.name]
        assert isinstance(shell, InboxProcessor)
        assert (shell.inbox, shell.output_topic, shell.accepts, shell.keyed, shell.dead_letters) == (
            node.inbox, node.output, node.accepts, node.keyed, node.dead_letters)
        assert shell.source == f"ns.{node.inbox}" and shell.history is not None
    direct = worker.processors(BOOTSTRAP, "ns", worker.ROLES)
    assert isinstance(direct[VENUE_JOURNAL], Together)  # matching and the fan-out in one consumer
    assert [p.output_topic for p in direct[VENUE_JOURNAL].processors] == [MATCHING.output, FANOUT.output]


def test_every_output_is_routed_to_inboxes_the_topology_reads() -> None:
    inboxes = {n.inbox for n in NODES}
    outputs = {n.output for n in NODES} - inboxes  # the fan-out writes straight into the runs' inboxes
    assert outputs == {h.output for h in HOPS}
    for hop in HOPS:
        assert set(hop.delay) <= inboxes and set(hop.delay.values()) <= {topology.ORDER, topology.REPORT}
    assert inboxes == {VENUE_JOURNAL, LEDGER_JOURNAL, STRATEGY_JOURNAL}


def test_a_node_added_to_the_topology_is_run_by_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = dataclasses.replace(LEDGER, name="ledger_audit", role="ledger")
    monkeypatch.setattr(topology, "NODES", (*NODES, extra))

    shells = dict(worker.agents(BOOTSTRAP, "ns", ("ledger",)))

    assert set(shells) == {"ledger", "ledger_audit"}
    assert isinstance(worker.processors(BOOTSTRAP, "ns", ("ledger",))[LEDGER_JOURNAL], Together)


def test_the_replays_build_their_shells_from_the_nodes() -> None:
    from replay.inprocess import processors

    procs = processors()
    for node in (MATCHING, LEDGER, STRATEGIES):
        assert procs[node.inbox].output_topic == node.output and procs[node.inbox].key_of is node.key_of
