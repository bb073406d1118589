"""The agents' metrics as Prometheus reads them: counted per inbox partition, dead letters by reason,
redeliveries, rebuilds, the processing time, and the consumer lag from the inbox's end offsets."""

from __future__ import annotations

import time

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from schemas.codec import encode
from schemas.events import ClockTick, DepositFunds
from schemas.topics import LEDGER_JOURNAL
from streams.runtime.metrics import BUCKETS, Timings, agent_registry
from tests.unit.streams.test_inbox_processor import deposit, make


def scrape(registry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    matching = [v for (n, ls), v in samples.items()
                if n == name and all((k, v2) in ls for k, v2 in labels.items())]
    assert matching, f"no {name} {labels}"
    return sum(matching)


def test_counts_per_partition_dead_letters_by_reason_and_redeliveries() -> None:
    registry, agents = agent_registry()
    p = make()
    agents.watch(p)
    p.process(0, 0, b"main", deposit(0))
    p.process(0, 1, b"main", deposit(1, currency="boom"))  # the engine fails: a dead letter, "failed"
    p.process(0, 2, b"k", b"not avro")  # "undecodable"
    p.process(1, 0, b"main", encode(ClockTick("t", 1, "x")))  # not a ledger command: "foreign"
    p.process(1, 1, b"main", deposit(3))
    p.process(0, 0, b"main", deposit(0))  # redelivered: skipped and counted
    s = scrape(registry)
    agent = {"inbox": LEDGER_JOURNAL}
    assert value(s, "cryptick_agent_events_in_total", partition="0", **agent) == 3
    assert value(s, "cryptick_agent_events_in_total", partition="1", **agent) == 2
    assert value(s, "cryptick_agent_events_out_total", **agent) == 5  # 2 outputs and 3 letters
    assert value(s, "cryptick_agent_dead_letters_total", reason="undecodable", **agent) == 1
    assert value(s, "cryptick_agent_dead_letters_total", reason="foreign", **agent) == 1
    assert value(s, "cryptick_agent_dead_letters_total", reason="failed", **agent) == 1
    assert value(s, "cryptick_agent_redeliveries_total", **agent) == 1
    assert value(s, "cryptick_agent_processing_seconds_count", **agent) == 5
    assert value(s, "cryptick_agent_processing_seconds_sum", **agent) > 0
    assert value(s, "cryptick_agent_outputs_total", type="ClockTick", **agent) == 2
    assert value(s, "cryptick_agent_outputs_total", type="DeadLetter", **agent) == 3


def test_the_lag_is_the_end_offset_after_the_last_processed_and_its_age() -> None:
    registry, agents = agent_registry()
    p = make()
    watched = agents.watch(p)
    sent_ms = int(time.time() * 1000) - 30_000  # a message the broker got 30 s ago
    p.process(0, 0, b"main", deposit(0), timestamp_ms=sent_ms)
    watched.set_highwater(0, 8)  # 7 more wait
    s = scrape(registry)
    assert value(s, "cryptick_agent_consumer_lag_messages", partition="0") == 7
    assert 29 < value(s, "cryptick_agent_consumer_lag_seconds", partition="0") < 60
    watched.set_highwater(0, 1)  # caught up: no lag, in messages or in seconds
    s = scrape(registry)
    assert value(s, "cryptick_agent_consumer_lag_messages", partition="0") == 0
    assert value(s, "cryptick_agent_consumer_lag_seconds", partition="0") == 0


def test_a_rebuild_is_counted_and_timed_apart_from_processing() -> None:
    registry, agents = agent_registry()
    history = {0: [deposit(i) for i in range(50)]}
    p = make(history)
    agents.watch(p)
    p.process(0, 50, b"main", encode(DepositFunds("d50", "main", "v", "USD", 1, 50)))
    s = scrape(registry)
    assert value(s, "cryptick_agent_rebuilds_total") == 1
    assert value(s, "cryptick_agent_rebuild_seconds_total") > 0
    assert value(s, "cryptick_agent_processing_seconds_count") == 1


def test_the_histogram_buckets_are_cumulative_and_end_at_inf() -> None:
    t = Timings()
    for seconds in (0.000001, 0.00003, 0.00003, 0.3, 99.0):
        t.observe(seconds)
    buckets = dict(t.buckets())
    assert buckets["+Inf"] == 5 and list(buckets)[-1] == "+Inf"
    assert buckets[str(BUCKETS[0])] == 1 and buckets["5e-05"] == 3 and buckets["0.5"] == 4
    counts = list(buckets.values())
    assert counts == sorted(counts)
