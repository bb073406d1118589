"""Support for the chaos suite (``test_chaos.py``): a feed for several accounts, a worker with a static
group membership, the group's progress, and the tally of what a disturbed run lost or doubled.

The tally compares what reached Kafka with an uninterrupted run of the same inboxes, the way the restart
tests do (``test_paper_restart``): every re-sent output must be a byte-for-byte copy of its first copy;
the first copies, per (topic, key) in order, must equal the engines' outputs in-process on the recorded
inboxes with their re-sent copies left out; and every inbox must hold exactly what was published plus
what the routers owe it from those outputs (a router or a producer that lost a message is seen there,
not in the engines' outputs).
"""

from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from cryptick.flows import WorkerProcess
from cryptick.worker import INSTANCE_ENV
from floor.kafka import Record
from producers.scenario import Message, Scenario, demo_messages
from replay.inprocess import Source, processors, run
from replay.parity import OutputDigest, digest
from schemas.codec import default_codec
from schemas.events import Event
from schemas.topics import (
    DEAD_LETTERS,
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    RUN_INBOXES,
    RUN_OUTPUTS,
    STRATEGY_EVENTS,
    VENUE_EVENTS,
    partition_of,
    run_wallet_set,
)
from streams.routing.rules import routes, strategy_routes
from tests.integration.test_paper_restart import Records, first_copies, live_outputs

ACCOUNTS = ("main", "acct-c", "acct-d", "acct-b")
"""One account per ``ledger.journal`` partition, with 4 partitions as with 2 (CRC-32 of the key)."""


def feed(steps: int = 400, accounts: Sequence[str] = ACCOUNTS) -> list[Message]:
    """The demo scenario's market (2 books) with the funds, wallet set and orders of every account
    woven in where the scenario puts them: deposits, allocations, market/limit/IOC/FOK orders, a cancel,
    rejections; the wallet sets are the runs' (``<run>:ws``), so the routers forward their movements."""
    scenarios = [demo_messages(Scenario(account=a, run_id=f"{a}-run", steps=steps,
                                        wallet_set_id=run_wallet_set(f"{a}-run"))) for a in accounts]
    out: list[Message] = []
    for first, *others in zip(*scenarios, strict=True):
        out.append(first)
        for m in others:
            assert m.topic == first.topic, "the scenarios drift apart"
            if m.topic == LEDGER_JOURNAL and m != first:  # a listing may go to every account alike
                out.append(m)
            elif m.topic != LEDGER_JOURNAL:
                assert m == first, "one market for every account"
    return out


@dataclass(slots=True)
class StaticWorker(WorkerProcess):
    """A worker that is a static member of its group (``cryptick.worker.INSTANCE_ENV``): a restart
    takes its partitions back at once, as under a supervisor, instead of a session timeout later."""

    instance: str = "w1"

    def start(self) -> StaticWorker:
        before = os.environ.get(INSTANCE_ENV)
        os.environ[INSTANCE_ENV] = self.instance  # WorkerProcess passes its environment on
        try:
            WorkerProcess.start(self)
        finally:
            if before is None:
                os.environ.pop(INSTANCE_ENV, None)
            else:
                os.environ[INSTANCE_ENV] = before
        return self


def progress(bootstrap: str, group: str, topics: Iterable[str]) -> int:
    """Messages the group has committed over ``topics`` (one consumer; ``test_restart.committed`` per topic
    takes a few for each)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        meta = c.list_topics(timeout=10).topics
        parts = [TopicPartition(t, p) for t in topics for p in meta[t].partitions]
        return sum(max(tp.offset, 0) for tp in c.committed(parts, timeout=10))
    finally:
        c.close()


def committed_offsets(bootstrap: str, group: str,
                      parts: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """(topic, partition) -> the group's committed offset there (0 for none)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return {(tp.topic, tp.partition): max(tp.offset, 0)
                for tp in c.committed([TopicPartition(t, p) for t, p in parts], timeout=10)}
    finally:
        c.close()


def wait_progress(worker: WorkerProcess, beyond: int, timeout: float) -> int:
    """Wait until the worker's group has committed more than ``beyond``; the new count."""
    deadline = time.monotonic() + timeout
    while True:
        now = progress(worker.bootstrap, worker.group_id, worker.consumed_topics())
        if now > beyond:
            return now
        if not worker.alive():
            raise RuntimeError(f"the worker exited; see {worker.log_path}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing committed beyond {beyond} in {timeout:.0f}s; see {worker.log_path}")
        time.sleep(0.1)


def group_members(bootstrap: str, group: str) -> dict[str, list[tuple[str, int]]]:
    """Member (client host and id) -> its assigned (topic, partition)s, now."""
    client = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until its answer is in
    desc = client.describe_consumer_groups([group])[group].result(10)
    return {f"{m.host}/{m.member_id[-8:]}":
            sorted((tp.topic, tp.partition) for tp in m.assignment.topic_partitions) for m in desc.members}


@dataclass(slots=True)
class Tally:
    """One topic of a disturbed run against the uninterrupted one."""

    topic: str
    expected: int  # distinct events an uninterrupted run gives (outputs) or owes (inboxes)
    lost: list[str] = field(default_factory=list)  # ids expected and missing
    doubled: list[str] = field(default_factory=list)  # ids present and never expected (a second decision)
    changed: list[str] = field(default_factory=list)  # same id, other bytes or key than expected
    reordered: list[str] = field(default_factory=list)  # keys whose events came in another order
    resent: int = 0  # re-sent byte-identical copies (at-least-once; dropped by id downstream)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.changed or self.reordered)

    def __str__(self) -> str:
        head = f"{self.topic}: {self.expected} expected, {self.resent} re-sent copies"
        if self.ok:
            return head + ", none lost, none doubled"
        return (f"{head}; LOST {len(self.lost)} {self.lost[:5]}, "
                f"DOUBLED {len(self.doubled)} {self.doubled[:5]}, "
                f"CHANGED {len(self.changed)} {self.changed[:5]}, REORDERED keys {self.reordered[:5]}")


def inbox_first_copies(topic: str, records: Sequence[Record]) -> list[tuple[Record, Event]]:
    """``test_paper_restart.first_copies`` by key and id, partition by partition: one message may go to
    several partitions of an inbox on purpose (a market's listing to every ``ledger.journal`` partition),
    and a re-sent copy lands on the partition of its first."""
    out: list[tuple[Record, Event]] = []
    for p in sorted({r.partition for r in records}):
        out += first_copies(topic, sorted((r for r in records if r.partition == p), key=lambda r: r.offset),
                            by_key=True)
    return out


def uninterrupted_outputs(records: Records) -> OutputDigest:
    """The engines in-process (``replay.inprocess.run``) on the recorded inboxes, each partition in offset
    order, the re-sent copies left out: the outputs of an uninterrupted run on these inboxes."""
    def source(topic: str) -> Source:
        for r, _ in inbox_first_copies(topic, records[topic]):
            yield r.partition, r.offset, r.key, r.value

    return digest(o for o in run({t: source(t) for t in RUN_INBOXES}) if o[0] != DEAD_LETTERS)


Identified = dict[tuple[int, bytes, str], bytes]  # (partition, key, event id) -> value


def _identified(items: Iterable[tuple[int, bytes, bytes]]) -> Identified:
    decode = default_codec().decode
    return {(p, k, decode(v).event_id): v for p, k, v in items}


def _compare(topic: str, expected: Identified, actual: Identified, resent: int,
             order: tuple[dict[bytes, list[bytes]], dict[bytes, list[bytes]]] | None = None) -> Tally:
    tally = Tally(topic, len(expected), resent=resent)
    exp_ids = {i for _, _, i in expected}
    act_ids = {i for _, _, i in actual}
    tally.lost = sorted(exp_ids - act_ids)
    tally.doubled = sorted(act_ids - exp_ids)
    both = exp_ids & act_ids
    tally.changed = sorted({i for pki in expected.keys() & actual.keys() if expected[pki] != actual[pki]
                            for i in (pki[2],)}
                           | {i for _, _, i in expected.keys() ^ actual.keys() if i in both})
    if order is not None:
        want, got = order
        tally.reordered = sorted(k.decode(errors="replace") for k in want.keys() & got.keys()
                                 if want[k] != got[k])
    return tally


def tally_outputs(records: Records) -> tuple[list[Tally], OutputDigest, OutputDigest]:
    """Per output topic, the live outputs (first copies) against an uninterrupted run's, with both
    digests. Raises if a re-sent copy differs from its first."""
    live = live_outputs(records)
    uninterrupted = uninterrupted_outputs(records)
    tallies = []
    for topic in RUN_OUTPUTS:
        firsts = first_copies(topic, records[topic], by_key=False)
        want = {k: v for (t, k), v in uninterrupted.per_key.items() if t == topic}
        got = {k: v for (t, k), v in live.per_key.items() if t == topic}
        tallies.append(_compare(
            topic, _identified((partition_of(topic, k), k, v) for k, vs in want.items() for v in vs),
            _identified((r.partition, r.key or b"", r.value) for r, _ in firsts),
            len(records[topic]) - len(firsts), (want, got)))
    return tallies, live, uninterrupted


def tally_inboxes(records: Records, published: Sequence[Message]) -> list[Tally]:
    """Per inbox, what it holds (first copies) against what it is owed: the published messages and what
    the routers forward from the first copies of the outputs."""
    encode = default_codec().encode
    owed: dict[str, list[tuple[int, bytes, bytes]]] = {t: [] for t in RUN_INBOXES}
    for m in published:
        key = m.key.encode()
        named = getattr(m, "partition", None)  # a message may name its partition
        owed[m.topic].append((partition_of(m.topic, key) if named is None else named, key, encode(m.event)))
    for topic, rules in ((VENUE_EVENTS, routes), (LEDGER_EVENTS, routes), (STRATEGY_EVENTS, strategy_routes)):
        for r, event in first_copies(topic, records[topic], by_key=False):
            for inbox, key in rules(event):
                owed[inbox].append((partition_of(inbox, key.encode()), key.encode(), r.value))
    tallies = []
    for topic in RUN_INBOXES:
        held = inbox_first_copies(topic, records[topic])
        actual = _identified((r.partition, r.key or b"", r.value) for r, _ in held)
        tallies.append(_compare(topic, _identified(owed[topic]), actual, len(records[topic]) - len(held)))
    return tallies


def dead_letters(records: Records) -> list[Record]:
    return records[DEAD_LETTERS]


def simulated(published: Sequence[Message]) -> Records:
    """What an undisturbed system leaves on its topics for ``published``, built in this process: the
    engines (``replay.inprocess``) and the routing rules, every message appended to its partition.
    For tests of the tally itself: it must pass this, and fail it once an output is lost or doubled."""
    procs = processors()
    encode = default_codec().encode
    offsets: Counter[tuple[str, int]] = Counter()
    records: Records = {t: [] for t in (*RUN_INBOXES, *RUN_OUTPUTS, DEAD_LETTERS)}

    def append(topic: str, partition: int, key: bytes, value: bytes) -> Record:
        r = Record(topic, partition, offsets[(topic, partition)], key, value, 0)
        offsets[(topic, partition)] += 1
        records[topic].append(r)
        return r

    queue = deque((m.topic, m.key.encode(), encode(m.event), getattr(m, "partition", None))
                  for m in published)
    rules_of = {VENUE_EVENTS: routes, LEDGER_EVENTS: routes, STRATEGY_EVENTS: strategy_routes}
    while queue:
        topic, key, value, named = queue.popleft()
        r = append(topic, partition_of(topic, key) if named is None else named, key, value)
        for o in procs[topic].process(r.partition, r.offset, key, value):
            append(o.topic, partition_of(o.topic, o.key), o.key, o.value)
            rules = rules_of.get(o.topic)
            if rules is not None and o.event is not None:
                queue.extend((inbox, k.encode(), o.value, None) for inbox, k in rules(o.event))
    return records
