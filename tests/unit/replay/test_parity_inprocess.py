"""A backtest's recorded inboxes, replayed through the agents' own inbox shell, give its outputs."""

from __future__ import annotations

from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.inprocess import run as replay_inboxes
from replay.parity import digest
from replay.sources import MemoryJournal, SyntheticSource
from schemas.codec import default_codec
from schemas.events import SCALE, Allocation
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    VENUE_JOURNAL,
)
from strategies import registry
from strategies.run import new_run
from tests.unit.replay.kit import T0, S

END = T0 + 600 * S
PARAMS = {"interval_s": "5", "offset_bps": "1"}


def recorded() -> tuple[MemoryJournal, object]:
    allocations = [Allocation("synthetic", "USD", 20_000 * SCALE), Allocation("synthetic", "BTC", SCALE)]
    spec = new_run("demo", PARAMS, allocations, T0, END)
    journal = MemoryJournal()
    Backtest(BacktestConfig(T0, END), SyntheticSource("synthetic", ("BTC",), T0, END),
             [RunSetup(spec, registry.get("demo").create(PARAMS))], journal=journal).run()
    return journal, spec


def test_venue_and_ledger_outputs_equal_a_replay_of_the_inboxes() -> None:
    journal, _ = recorded()
    ours = digest((m.topic, m.key, m.value) for t in (VENUE_EVENTS, LEDGER_EVENTS) for m in journal.topic(t))
    replayed = digest(replay_inboxes({VENUE_JOURNAL: journal.by_partition(VENUE_JOURNAL),
                                      LEDGER_JOURNAL: journal.by_partition(LEDGER_JOURNAL)}))
    assert ours.counts["OrderFilled"] > 0 and ours.counts["OrderDone"] > 50
    assert replayed.counts == ours.counts
    assert replayed.sha256 == ours.sha256


def test_strategy_outputs_equal_a_replay_of_its_inbox_through_the_strategy_agent() -> None:
    journal, _spec = recorded()  # the run is rebuilt from its StartRun, by name, as the strategy agent does
    inbox = {STRATEGY_JOURNAL: journal.by_partition(STRATEGY_JOURNAL)}
    replayed = [value for _t, _k, value in replay_inboxes(inbox)]
    assert replayed == [m.value for m in journal.topic(STRATEGY_EVENTS)]
    assert len(replayed) > 200
    kinds = {type(default_codec().decode(v)).__name__ for v in replayed}
    assert {"RunStateChanged", "CreateWalletSet", "MarketSubscription", "OrderRequested", "TimerSet"} <= kinds


def test_messages_carry_the_partition_of_their_key_and_dense_offsets() -> None:
    from schemas.topics import partition_of

    journal, _ = recorded()
    for topic, messages in journal.messages.items():
        next_offset: dict[int, int] = {}
        for m in messages:
            assert m.partition == partition_of(topic, m.key)
            assert m.offset == next_offset.get(m.partition, 0)
            next_offset[m.partition] = m.offset + 1
