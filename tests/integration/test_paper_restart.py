"""A worker hosting paper runs, killed mid-stream (SIGKILL) and restarted, loses nothing and applies
nothing twice: the runs go on from their inboxes, and what reached the output topics is checked on its
own terms (each re-sent output an exact copy of the first; every fill settled once, per order; the
wallet set's balances equal deposits plus the fills' net) and against the engines run in-process on the
recorded inboxes with the re-sent copies taken out, i.e. on the inboxes of an uninterrupted run."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from cryptick import paper
from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import Record, create_topics, read_topic
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from replay.inprocess import Source, run
from replay.parity import OutputDigest, digest
from replay.projections import BalanceKey, balances
from schemas.codec import default_codec
from schemas.events import (
    SCALE,
    Allocation,
    Event,
    MovementKind,
    OrderDone,
    OrderFilled,
    OrderRequested,
    WalletMovement,
)
from schemas.topics import (
    DEAD_LETTERS,
    LEDGER_EVENTS,
    RUN_INBOXES,
    RUN_OUTPUTS,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    all_topics,
    qualified,
    run_wallet_set,
)
from schemas.units import US
from strategies.wallet import WalletProjection
from streams.money import notional
from tests.integration.test_restart import committed

pytestmark = pytest.mark.integration
EXTERNAL = "external"
Records = dict[str, list[Record]]  # logical topic -> its messages, offset order per partition


def snapshot(bootstrap: str, namespace: str) -> Records:
    """Every message of the namespace's inboxes, output topics and dead letters, read once."""
    return {t: list(read_topic(bootstrap, qualified(t, namespace)))
            for t in (*RUN_INBOXES, *RUN_OUTPUTS, DEAD_LETTERS)}


def first_copies(topic: str, records: Iterable[Record], by_key: bool) -> list[tuple[Record, Event]]:
    """The first copy of each event, after checking every later one is a byte-for-byte copy of it.

    Both runtimes are at-least-once (``streams.runtime.sender`` for Faust, ``streams.runtime.direct``):
    an input's offset is committed only once all its outputs are delivered, so a worker killed between
    the two reprocesses that input after the restart and produces its outputs again, under the same
    deterministic ``event_id``. Duplicates on the output topics (and, routed on, in the inboxes) are
    therefore allowed, and every consumer drops them by id: the ledger (``Ledger.handle``, its seen
    window), the strategy runtime (``IdWindow``), the matching engine (order id, cancel id, last market
    event), the readers (``replay.parity.digest``, ``ledger_history.balances_at``). That is harmless only
    if a re-sent copy is the *same* event: a copy that differs (a decision taken again, differently) is
    dropped unseen, so this fails on it; the folds that follow check the consumers' view is unaffected.
    Inboxes are keyed by (partition, key, id): one market event goes to every run subscribed, under each
    run's key, and one listing to every ledger partition, under one key and id.
    """
    decode = default_codec().decode
    first: dict[tuple[int, bytes, str] | str, Record] = {}
    out = []
    for r in records:
        event = decode(r.value)
        ident = (r.partition, (r.key or b""), event.event_id) if by_key else event.event_id
        seen = first.get(ident)
        if seen is None:
            first[ident] = r
            out.append((r, event))
        else:
            assert (seen.key, seen.value) == (r.key, r.value), \
                f"{topic}: {event.event_id} re-sent with other contents ({seen.partition}@{seen.offset}, " \
                f"{r.partition}@{r.offset})"
    return out


def replay(records: Records, uninterrupted: bool) -> OutputDigest:
    """The engines in-process (``replay.inprocess``, as ``replay_from_kafka``) on the recorded inboxes,
    each partition in offset order; ``uninterrupted``: as an uninterrupted run would have left them, the
    copies re-sent after the restart left out. The inboxes as they are would replay any double
    application in them too, so only the uninterrupted replay tells whether the engines dropped them."""
    def source(topic: str) -> Source:
        ordered = sorted(records[topic], key=lambda r: (r.partition, r.offset))
        kept = [r for r, _ in first_copies(topic, ordered, by_key=True)] if uninterrupted else ordered
        for r in kept:
            yield r.partition, r.offset, r.key, r.value

    return digest(o for o in run({t: source(t) for t in RUN_INBOXES}) if o[0] != DEAD_LETTERS)


def live_outputs(records: Records) -> OutputDigest:
    """What ``replay.parity.kafka_outputs`` gives: the output topics, deduplicated by id."""
    return digest((t, r.key or b"", r.value) for t in RUN_OUTPUTS for r in records[t])


def ledger_events_of(d: OutputDigest) -> list[Event]:
    decode = default_codec().decode
    return [decode(v) for (topic, _), values in d.per_key.items() if topic == LEDGER_EVENTS for v in values]


def wallet_set(bal: dict[BalanceKey, int], ws: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(venue, currency) -> (available, hold) of one wallet set."""
    available: dict[tuple[str, str], int] = defaultdict(int)
    hold: dict[tuple[str, str], int] = defaultdict(int)
    for (wallet, venue, currency, bucket), amount in bal.items():
        if wallet == ws:
            (available if bucket == "available" else hold)[(venue, currency)] += amount
    keys = sorted({*available, *hold})
    return {k: (available[k], hold[k]) for k in keys if available[k] or hold[k]}


def check_orders(run_id: str, venue: Sequence[Event], ledger: Sequence[Event], strategy: Sequence[Event]
                 ) -> int:
    """Per order of the run: what it filled on the venue is what the ledger settled, once per fill,
    and no more than the order's size; the venue's own done tally agrees. Returns the fills' count."""
    ws = run_wallet_set(run_id)
    requested = [e for e in strategy if isinstance(e, OrderRequested) and e.run_id == run_id]
    size = {o.order_id: o.size for o in requested}
    assert len(size) == len(requested), "an order requested twice under new ids"
    fills = {f.event_id: f for f in venue if isinstance(f, OrderFilled) and f.run_id == run_id}
    filled: dict[str, int] = defaultdict(int)
    fees: dict[str, int] = defaultdict(int)
    for f in fills.values():
        assert f.order_id in size, f"fill {f.event_id} of an order the run never requested"
        filled[f.order_id] += f.size
        fees[f.order_id] += f.fee
    seqs = Counter((f.order_id, f.fill_seq) for f in fills.values())
    assert max(seqs.values(), default=1) == 1, "one fill of an order sent twice under new ids"
    for order_id, n in filled.items():
        assert n <= size[order_id], f"{order_id} filled {n}, more than its size {size[order_id]}"

    settled: dict[str, int] = defaultdict(int)
    fee_paid: dict[str, int] = defaultdict(int)
    causes: Counter[tuple[str, str]] = Counter()
    for m in ledger:
        if not isinstance(m, WalletMovement) or m.kind not in (MovementKind.TRADE, MovementKind.FEE):
            continue
        if not any(leg.wallet == ws for leg in m.legs):
            continue
        fill = fills.get(m.cause_id)
        assert fill is not None, f"{m.kind} posting {m.event_id} for no fill of the run on venue.events"
        causes[(m.kind, m.cause_id)] += 1
        base, quote = fill.pair.partition("-")[0], fill.pair.rpartition("-")[2]
        mine = [leg for leg in m.legs if leg.wallet == ws]
        if m.kind == MovementKind.TRADE:
            moved_base = sum(leg.amount for leg in mine if leg.currency == base)
            moved_quote = sum(leg.amount for leg in mine if leg.currency == quote)
            sign = 1 if fill.side == "buy" else -1
            assert (moved_base, moved_quote) == (sign * fill.size, -sign * notional(fill.price, fill.size)), \
                f"settlement {m.event_id} does not move what {fill.event_id} filled"
            settled[fill.order_id] += abs(moved_base)
        else:
            fee_paid[fill.order_id] -= sum(leg.amount for leg in mine)
    assert max(causes.values(), default=1) == 1, \
        f"fills settled more than once: {[c for c, n in causes.items() if n > 1]}"
    assert {c for k, c in causes if k == MovementKind.TRADE} == set(fills), "fills the ledger never settled"
    assert dict(settled) == dict(filled), "per order, the ledger settled other sizes than the venue filled"
    assert {k: v for k, v in fee_paid.items() if v} == {k: v for k, v in fees.items() if v}
    for d in venue:
        if isinstance(d, OrderDone) and d.run_id == run_id:
            assert (d.filled_size, d.fees) == (filled.get(d.order_id, 0), fees.get(d.order_id, 0)), d
    return len(fills)


def expected_totals(allocations: Sequence[Allocation], fills: Iterable[OrderFilled]
                    ) -> dict[tuple[str, str], int]:
    """Deposits plus the net of the fills minus their fees, per (venue, currency)."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for a in allocations:
        out[(a.venue, a.currency)] += a.amount
    for f in fills:
        sign = 1 if f.side == "buy" else -1
        out[(f.venue, f.pair.partition("-")[0])] += sign * f.size
        out[(f.venue, f.pair.rpartition("-")[2])] -= sign * notional(f.price, f.size)
        out[(f.venue, f.fee_currency)] -= f.fee
    return {k: v for k, v in sorted(out.items()) if v}


def check_namespace(records: Records, run_id: str, allocations: Sequence[Allocation]) -> None:
    """Every check of this test on what reached Kafka (``records``) after the restarted worker caught up.

    A fill or a posting applied twice fails them: the per-order tally and the totals fail on a doubled
    fill or settlement, the uninterrupted replay on an engine that does not drop re-sent copies (the
    replay of the inboxes as they are would do the same and agree), the dead letters on a double fill
    the ledger refused (the replays leave dead letters out)."""
    assert not records[DEAD_LETTERS], "dead letters (e.g. a fill the ledger refused as a double)"
    outputs = {t: first_copies(t, records[t], by_key=False) for t in RUN_OUTPUTS}
    venue, ledger, strategy = ([e for _, e in outputs[t]]
                               for t in (VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS))
    assert check_orders(run_id, venue, ledger, strategy) > 0

    live = live_outputs(records)
    uninterrupted = replay(records, uninterrupted=True)
    assert uninterrupted.counts == live.counts
    assert uninterrupted.sha256 == live.sha256

    ws = run_wallet_set(run_id)
    live_balances = balances(ledger)
    assert live_balances == balances(ledger_events_of(uninterrupted))
    run_set = wallet_set(live_balances, ws)
    assert run_set == wallet_set(balances(ledger_events_of(uninterrupted)), ws)
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for (wallet, venue_name, currency, _bucket), amount in live_balances.items():
        if wallet != EXTERNAL:  # the pool and the wallet sets: what the venues hold for the account
            totals[(venue_name, currency)] += amount
    fills = [f for f in venue if isinstance(f, OrderFilled)]
    assert {k: v for k, v in sorted(totals.items()) if v} == expected_totals(allocations, fills)

    # the run's own view, folded from its inbox (re-sent copies dropped by id, as its runtime does):
    # every fill came back to it once, and its wallet set is the ledger's
    inbox = [e for r, e in first_copies(STRATEGY_JOURNAL, records[STRATEGY_JOURNAL], by_key=True)
             if r.key == run_id.encode()]
    assert {e.event_id for e in inbox if isinstance(e, OrderFilled)} == {f.event_id for f in fills}
    view = WalletProjection(ws)
    for e in inbox:
        view.apply(e)
    seen_by_run = {k: (b.available, b.hold) for k, b in view.view().balances.items() if b.available or b.hold}
    assert seen_by_run == run_set


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_paper_runs_survive_a_killed_worker(kafka_bootstrap: str, namespace: str, tmp_path: Path,
                                            runtime: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log",
                           runtime=runtime).start()
    now = int(time.time()) * US
    listings, events = synthetic_messages(steps=800, seed=21, start_ts=now)
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(60))], namespace)
    usd = [Allocation("synthetic", "USD", 20_000 * SCALE)]
    demo = paper.start(kafka_bootstrap, namespace, "demo", {"interval_s": "2", "offset_bps": "0"}, usd)
    state = paper.wait_for_state(kafka_bootstrap, namespace, demo.run_id, ("running",), 120)
    assert state is not None and state.state == "running"
    feeder = threading.Thread(target=publish, args=(kafka_bootstrap, list(events), namespace, 20.0))
    feeder.start()
    deadline = time.monotonic() + 60
    while committed(kafka_bootstrap, worker.group_id, qualified(STRATEGY_JOURNAL, namespace)) < 300:
        assert time.monotonic() < deadline, "the strategy agent never committed progress"
        time.sleep(0.1)
    assert feeder.is_alive()
    decode = default_codec().decode
    orders_before = {e.order_id for r in read_topic(kafka_bootstrap, qualified(STRATEGY_EVENTS, namespace))
                     if isinstance(e := decode(r.value), OrderRequested)}
    worker.kill()
    time.sleep(1.0)
    worker.start()
    feeder.join()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()

    records = snapshot(kafka_bootstrap, namespace)
    orders = {e.order_id for r in records[STRATEGY_EVENTS]
              if isinstance(e := decode(r.value), OrderRequested)}
    assert orders > orders_before  # the run went on after the restart
    assert any(isinstance(decode(r.value), OrderFilled) for r in records[STRATEGY_JOURNAL])  # back to it
    # the recorded inboxes replayed as they are (copies included) give the live outputs too
    replayed = replay(records, uninterrupted=False)
    live = live_outputs(records)
    assert replayed.counts == live.counts
    assert replayed.sha256 == live.sha256
    check_namespace(records, demo.run_id, usd)
