"""Chaos: workers killed with SIGKILL at random points (during their own restart too), the broker stopped
and restarted mid-run, and a group scaled out to two workers and back in by killing one mid-stream (its
partitions go back to the first); on both runtimes.

After each, once the workers are caught up, what reached Kafka equals an uninterrupted run: per output
topic, the events (first copies, by id) are those, in that order per key, that the engines give run
in-process on the recorded inboxes; every re-sent copy is a byte-for-byte copy of its first; every inbox
holds what was published plus what the routers owe it; no dead letters. 0 lost, 0 doubled
(``chaos_support``). Kill points and outage times come from a seeded random: the seed is printed;
``CRYPTICK_CHAOS_SEED=<seed>`` repeats the plan (the timing of the processes, not the plan, still varies).

The feed is the demo scenario for four accounts (one per ``ledger.journal`` partition) over one market:
deposits, wallet sets, market/limit/IOC/FOK orders, a cancel and rejections, so matching, the ledger and
the routers all work. The workers run every role (``cryptick worker``'s default). Each scenario runs the
Faust and the direct runtime side by side, each in its own namespace: most of a scenario's wall time is
waiting (a restart, a session timeout, a broker coming back), which the two share.
"""

from __future__ import annotations

import dataclasses
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import create_topics, end_offsets
from infra.kafka.local import KafkaError, LocalKafka
from producers.publish import publish
from producers.scenario import Message
from schemas.codec import default_codec
from schemas.events import OrderFilled, WalletMovement
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL, VENUE_EVENTS, VENUE_JOURNAL, all_topics, qualified
from streams.runtime.lag import group_lag
from tests.integration.chaos_support import (
    StaticWorker,
    Tally,
    committed_offsets,
    dead_letters,
    feed,
    group_members,
    progress,
    simulated,
    tally_inboxes,
    tally_outputs,
    wait_progress,
)
from tests.integration.test_paper_restart import Records, snapshot

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
RUNTIMES = ("faust", "direct")
KILLS = 10  # per runtime
RUNNING_KILLS = 4  # of them, kills of a worker at work; the others land within its restart


def chaos_seed() -> int:
    seed = int(os.environ.get("CRYPTICK_CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"chaos seed {seed} (CRYPTICK_CHAOS_SEED={seed} repeats this plan)")
    return seed


@pytest.fixture()
def reaper() -> Iterator[list[WorkerProcess]]:
    """The workers a test starts: killed at its end whatever happened (a test that timed out, with its
    threads still running, leaves none behind)."""
    workers: list[WorkerProcess] = []
    yield workers
    for w in workers:
        w.kill()


def new_namespace(bootstrap: str) -> str:
    namespace = f"t{uuid.uuid4().hex[:10]}"
    create_topics(bootstrap, all_topics(namespace))
    return namespace


def check_uninterrupted(bootstrap: str, namespace: str, published: list[Message], note: str) -> None:
    """The run in ``namespace``, caught up, against an uninterrupted one; ``note`` names the run."""
    records = snapshot(bootstrap, namespace)
    outputs, live, uninterrupted = tally_outputs(records)
    inboxes = tally_inboxes(records, published)
    print(f"{note}:\n  " + "\n  ".join(str(t) for t in (*outputs, *inboxes)))
    bad = [str(t) for t in (*outputs, *inboxes) if not t.ok]
    assert not bad, f"{note}: " + "; ".join(bad)
    assert live.sha256 == uninterrupted.sha256, note
    assert not dead_letters(records), f"{note}: dead letters {dead_letters(records)[:3]}"
    # the feed did what it is for: fills settled, and the routers fed the runs' inboxes
    assert uninterrupted.counts.get("OrderFilled", 0) >= 8, uninterrupted.counts
    assert uninterrupted.counts.get("WalletMovement", 0) >= 16, uninterrupted.counts
    assert all(t.expected > 0 for t in inboxes), [str(t) for t in inboxes]


def test_the_tally_sees_what_is_lost_doubled_or_changed() -> None:
    """The check the scenarios below rest on can fail: on an undisturbed run built in-process it passes
    (re-sent identical copies included); an output lost, an output under a new id, an inbox message
    lost, a re-sent copy that differs: each is named."""
    messages = feed()
    codec = default_codec()

    def verdict(records: Records) -> dict[str, Tally]:
        outputs, _, _ = tally_outputs(records)
        return {t.topic: t for t in (*outputs, *tally_inboxes(records, messages))}

    clean = simulated(messages)
    assert all(t.ok for t in verdict(clean).values())
    fills = [i for i, r in enumerate(clean[VENUE_EVENTS]) if isinstance(codec.decode(r.value), OrderFilled)]
    assert len(fills) >= 8

    resent = {**clean, LEDGER_EVENTS: [*clean[LEDGER_EVENTS], *clean[LEDGER_EVENTS][:3]]}
    v = verdict(resent)
    assert v[LEDGER_EVENTS].ok and v[LEDGER_EVENTS].resent == 3

    lost_fill = codec.decode(clean[VENUE_EVENTS][fills[0]].value).event_id
    lost = {**clean, VENUE_EVENTS: [r for i, r in enumerate(clean[VENUE_EVENTS]) if i != fills[0]]}
    assert verdict(lost)[VENUE_EVENTS].lost == [lost_fill]

    movement = next(r for r in clean[LEDGER_EVENTS] if isinstance(codec.decode(r.value), WalletMovement))
    again = dataclasses.replace(codec.decode(movement.value), event_id="settled-again")
    doubled = {**clean, LEDGER_EVENTS: [*clean[LEDGER_EVENTS], dataclasses.replace(
        movement, offset=movement.offset + 10_000, value=codec.encode(again))]}
    assert verdict(doubled)[LEDGER_EVENTS].doubled == ["settled-again"]

    routed = next(r for r in clean[LEDGER_JOURNAL] if isinstance(codec.decode(r.value), OrderFilled))
    unrouted = {**clean, LEDGER_JOURNAL: [r for r in clean[LEDGER_JOURNAL] if r != routed]}
    assert verdict(unrouted)[LEDGER_JOURNAL].lost == [codec.decode(routed.value).event_id]

    fill = clean[VENUE_EVENTS][fills[0]]
    other = dataclasses.replace(codec.decode(fill.value), fee=codec.decode(fill.value).fee + 1)
    changed = {**clean, VENUE_EVENTS: [*clean[VENUE_EVENTS], dataclasses.replace(
        fill, offset=fill.offset + 10_000, value=codec.encode(other))]}
    with pytest.raises(AssertionError, match="re-sent with other contents"):
        verdict(changed)


def side_by_side(runs: Mapping[str, Callable[[], None]]) -> None:
    """Run one callable per runtime in threads; re-raise the first failure, naming its runtime."""
    errors: dict[str, BaseException] = {}

    def guarded(name: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except BaseException as exc:
            errors[name] = exc

    threads = [threading.Thread(target=guarded, args=(n, fn), daemon=True) for n, fn in runs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, exc in errors.items():
        raise AssertionError(f"{name}: {exc!r}") from exc


# --- kill -9 at random points ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kill:
    during_restart: bool
    """True: within start-up, group join, rebuild, at ``at`` x the last measured restart time after spawn;
    False: once the process has committed work, ``at`` seconds after a burst of input."""
    at: float


def kill_plan(rnd: random.Random) -> list[Kill]:
    """The first kill is of a worker at work (it measures a restart); the others in a seeded order."""
    kinds = [False] * (RUNNING_KILLS - 1) + [True] * (KILLS - RUNNING_KILLS)
    rnd.shuffle(kinds)
    return [Kill(k, rnd.uniform(0.05, 1.0) if k else rnd.uniform(0.0, 0.3)) for k in [False, *kinds]]


@dataclass(slots=True)
class KillRun:
    """One runtime's worker killed along a plan while the feed is published in pieces between kills."""

    bootstrap: str
    runtime: str
    plan: list[Kill]
    cuts: list[int]  # the feed's pieces: a backlog at each spawn, a burst before each running kill
    messages: list[Message]
    log_path: Path
    reaper: list[WorkerProcess]
    namespace: str = ""
    landed: list[str] = field(default_factory=list)

    def __call__(self) -> None:
        self.namespace = new_namespace(self.bootstrap)
        worker = StaticWorker(self.bootstrap, self.namespace, ROLES, log_path=self.log_path,
                              runtime=self.runtime, instance=f"{self.namespace}-1")
        self.reaper.append(worker)
        topics = worker.consumed_topics()
        done = 0  # committed when the last process was killed
        restart = 5.0  # seconds from spawn to the first commit, measured at each running kill
        cuts = self.cuts
        try:
            for i, kill in enumerate(self.plan):
                spawned, before = time.monotonic(), done
                worker.start()
                # a backlog for the new process to rebuild from and work through
                self._publish(cuts[2 * i], cuts[2 * i + 1])
                if kill.during_restart:
                    self._publish(cuts[2 * i + 1], cuts[2 * i + 2])
                    time.sleep(max(0.0, spawned + kill.at * restart - time.monotonic()))
                else:
                    done = wait_progress(worker, done, timeout=40)  # it joined, rebuilt, works
                    restart = time.monotonic() - spawned
                    self._publish(cuts[2 * i + 1], cuts[2 * i + 2])
                    time.sleep(kill.at)
                worker.kill()
                at = time.monotonic() - spawned
                # what the killed process left uncommitted (it cannot commit any more) is redelivered
                lag = group_lag(self.bootstrap, worker.group_id, topics)
                done = progress(self.bootstrap, worker.group_id, topics)
                self.landed.append(f"{'during restart' if kill.during_restart else 'at work'} "
                                   f"+{at:.2f}s after spawn: it committed {done - before}, left {lag}")
            worker.start()
            self._publish(cuts[-2], len(self.messages))
            worker.wait_caught_up(idle=1.5, timeout=60)
        finally:
            worker.stop()

    def _publish(self, start: int, end: int) -> None:
        publish(self.bootstrap, self.messages[start:end], self.namespace)


def test_kill_9_at_random_points(kafka_bootstrap: str, tmp_path: Path, reaper: list[WorkerProcess]) -> None:
    seed = chaos_seed()
    rnd = random.Random(seed)
    messages = feed()
    runs = {}
    for runtime in RUNTIMES:
        plan = kill_plan(rnd)
        cuts = [0, *sorted(rnd.sample(range(1, len(messages)), 2 * KILLS)), len(messages)]
        runs[runtime] = KillRun(kafka_bootstrap, runtime, plan, cuts, messages, tmp_path / f"{runtime}.log",
                                reaper)
    side_by_side(runs)
    for runtime, run in runs.items():
        note = f"{runtime}, seed {seed}"
        print(f"{note}: {len(run.landed)} kills:\n  " + "\n  ".join(run.landed))
        assert len(run.landed) == KILLS
        assert "rebuilt" in run.log_path.read_text(), note  # restarts resumed mid-log, from the inbox
        check_uninterrupted(kafka_bootstrap, run.namespace, messages, note)


# --- the broker stopped and restarted -------------------------------------------------------------


class Feeder(threading.Thread):
    """Publishes messages paced by event time in the background; keeps what it raised."""

    def __init__(self, bootstrap: str, messages: list[Message], namespace: str, speed: float) -> None:
        super().__init__(daemon=True)
        self.args_ = (bootstrap, messages, namespace, speed)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            publish(*self.args_)
        except BaseException as exc:
            self.error = exc

    def finish(self, timeout: float) -> None:
        self.join(timeout)
        assert not self.is_alive(), f"the feed did not finish within {timeout:.0f}s"
        if self.error is not None:
            raise self.error


def local_broker(bootstrap: str) -> LocalKafka:
    """The local broker the session runs on (skip when the broker is not ours to restart)."""
    kafka = LocalKafka.from_env()
    if kafka.bootstrap != bootstrap or kafka.pid() is None:
        pytest.skip(f"{bootstrap} is not the local broker (infra/kafka/local.py): not ours to restart")
    return kafka


def restart(kafka: LocalKafka) -> None:
    """Start the broker again (a second try if the first start fails: the session needs it)."""
    try:
        kafka.start()
    except KafkaError:
        kafka.stop()
        kafka.start()


def test_broker_stopped_and_restarted_mid_run(kafka_bootstrap: str, tmp_path: Path,
                                              reaper: list[WorkerProcess]) -> None:
    """One outage for a worker of each runtime, with a producer feeding each through it."""
    kafka = local_broker(kafka_bootstrap)
    seed = chaos_seed()
    rnd = random.Random(seed)
    messages = feed()
    runs = {}
    for runtime in RUNTIMES:
        namespace = new_namespace(kafka_bootstrap)
        worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / f"{runtime}.log",
                               runtime=runtime)
        reaper.append(worker)
        runs[runtime] = (namespace, worker, Feeder(kafka_bootstrap, messages, namespace, speed=12.0))  # ~9 s
    try:
        for _, worker, feeder in runs.values():
            worker.start()
            feeder.start()
        for _, worker, _ in runs.values():
            wait_progress(worker, 0, timeout=40)  # the outage hits workers at work
        time.sleep(rnd.uniform(0.0, 3.0))
        down = time.monotonic()
        try:
            kafka.stop()
            time.sleep(rnd.uniform(0.5, 2.0))
        finally:
            restart(kafka)  # the same broker, same port and data, left running for the session
        print(f"broker down for {time.monotonic() - down:.1f}s")
        for _, _, feeder in runs.values():
            feeder.finish(timeout=240)  # the last messages wait for the broker to be back
        for _, worker, _ in runs.values():
            worker.wait_caught_up(idle=1.5, timeout=90)
    finally:
        for _, worker, _ in runs.values():
            worker.stop()
    for runtime, (namespace, _, _) in runs.items():
        check_uninterrupted(kafka_bootstrap, namespace, messages, f"{runtime}, seed {seed}")


# --- two workers, one killed: a rebalance ---------------------------------------------------------


@dataclass(slots=True)
class Rebalance:
    """Scale out, then in: a worker alone works through the first part of the feed; a second joins and
    takes half the partitions over; mid-stream in the second part it is killed, and the first takes
    them back, and works through the rest. Partitions move away and come back to the same process: it
    must resume them from what the other did, not from the state it had when they left."""

    bootstrap: str
    runtime: str
    messages: list[Message]
    cuts: tuple[int, int]  # the feed's parts: alone, shared (paced, the kill within), alone again
    kill_after: float  # seconds after the second worker committed work of its own
    tmp_path: Path
    reaper: list[WorkerProcess]
    namespace: str = ""
    members: list[str] = field(default_factory=list)

    def __call__(self) -> None:
        self.namespace = new_namespace(self.bootstrap)
        assert len(end_offsets(self.bootstrap, qualified(VENUE_JOURNAL, self.namespace))) >= 4
        first, second = (WorkerProcess(self.bootstrap, self.namespace, ROLES, runtime=self.runtime,
                                       log_path=self.tmp_path / f"{self.runtime}-{i}.log") for i in (1, 2))
        self.reaper += [first, second]
        group = first.group_id
        one, two = self.cuts
        first.start()
        try:
            publish(self.bootstrap, self.messages[:one], self.namespace)
            wait_progress(first, 0, timeout=40)
            (alone,) = group_members(self.bootstrap, group)
            self.members.append(self._sizes())
            second.start()
            deadline = time.monotonic() + 40
            while len(taken := [parts for member, parts in group_members(self.bootstrap, group).items()
                                if member != alone and parts]) < 1:
                assert time.monotonic() < deadline, "the second worker never took partitions over"
                time.sleep(0.2)
            self.members.append(self._sizes())
            moved = taken[0]
            at_join = committed_offsets(self.bootstrap, group, moved)
            feeder = Feeder(self.bootstrap, self.messages[one:two], self.namespace, speed=8.0)
            feeder.start()
            # the second worker has committed work of its own on what it took over: the first must not
            # resume those partitions from its old state
            while committed_offsets(self.bootstrap, group, moved) == at_join:
                assert time.monotonic() < deadline + 30, "the second worker never committed any work"
                time.sleep(0.1)
            time.sleep(self.kill_after)
            second.kill()
            self.members.append("killed " + ("mid-feed" if feeder.is_alive() else "after the feed's part"))
            feeder.finish(timeout=60)
            publish(self.bootstrap, self.messages[two:], self.namespace)
            first.wait_caught_up(idle=1.5, timeout=60)
            self.members.append(self._sizes())
            assert len(group_members(self.bootstrap, group)) == 1
        finally:
            first.stop()
            second.stop()

    def _sizes(self) -> str:
        members = group_members(self.bootstrap, f"cryptick-{self.namespace}")
        return " + ".join(f"{len(parts)}" for parts in members.values()) + " partitions"


def test_scale_out_then_in_a_worker_killed_mid_stream(kafka_bootstrap: str, tmp_path: Path,
                                                      reaper: list[WorkerProcess]) -> None:
    seed = chaos_seed()
    rnd = random.Random(seed)
    messages = feed()
    n = len(messages)
    runs = {runtime: Rebalance(kafka_bootstrap, runtime, messages,
                               (rnd.randint(n // 6, n // 3), rnd.randint(2 * n // 3, 5 * n // 6)),
                               rnd.uniform(0.0, 0.5), tmp_path, reaper) for runtime in RUNTIMES}
    side_by_side(runs)
    for runtime, run in runs.items():
        note = f"{runtime}, seed {seed}"
        print(f"{note}: feed cut at {run.cuts}, the second worker killed {run.kill_after:.1f}s after it "
              f"committed work; the group: {' -> '.join(run.members)}")
        check_uninterrupted(kafka_bootstrap, run.namespace, messages, note)
