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


def test_a_partition_assigned_and_not_processed_lags_from_where_its_reading_starts() -> None:
    registry, agents = agent_registry()
    p = make()
    watched = agents.watch(p)
    watched.set_highwater(3, 10)  # where its consumer starts is not known yet: no lag rather than a false 0
    assert not any(n == "cryptick_agent_consumer_lag_messages" for n, _ in scrape(registry))
    assert watched.needs_start(3)
    watched.set_highwater(3, 10, start=4)  # the group's committed offset
    assert not watched.needs_start(3)
    assert value(scrape(registry), "cryptick_agent_consumer_lag_messages", partition="3") == 6
    p.process(3, 4, b"main", deposit(0))  # once it processes, its own position counts
    watched.set_highwater(3, 12)
    assert value(scrape(registry), "cryptick_agent_consumer_lag_messages", partition="3") == 7
    watched.forget(3)  # revoked: its next owner reports it
    p.forget(3)
    assert not any(n == "cryptick_agent_consumer_lag_messages" for n, _ in scrape(registry))


def test_the_matching_agent_counts_orders_by_type_and_outcome_and_consumed_liquidity_refusals() -> None:
    from cryptick.worker import shell
    from schemas.events import SCALE, BookSnapshot, Level, OrderAccepted
    from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL
    from strategies.topology import MATCHING

    registry, agents = agent_registry()
    p = shell(MATCHING)
    agents.watch(p)
    book = BookSnapshot("s1", "coinbase", "BTC-USD", 1, 1, None, [Level(99 * SCALE, SCALE)],
                        [Level(101 * SCALE, SCALE)])

    def order(n: int, order_type: str, price: int | None) -> bytes:
        return encode(OrderAccepted(f"a{n}", f"o{n}", "main", "run", "ws", "coinbase", "BTC-USD", "buy",
                                    order_type, SCALE, price, False, None, "USD", 200 * SCALE, 2))

    inputs = [encode(book), order(1, "ioc", 101 * SCALE),  # takes the whole ask
              order(2, "market", 105 * SCALE),  # the ask was taken: a refusal, its remainder cancelled
              order(3, "limit", 101 * SCALE),  # rests, after a refusal too
              order(4, "limit", 98 * SCALE),  # rests below everything: no refusal
              order(1, "ioc", 101 * SCALE)]  # the same order again: nothing happens, nothing counted
    for offset, value_ in enumerate(inputs):
        p.process(0, offset, b"coinbase:BTC-USD", value_)
    s = scrape(registry)
    agent = {"inbox": VENUE_JOURNAL, "output": VENUE_EVENTS}
    assert value(s, "cryptick_matching_orders_total", order_type="ioc", outcome="filled", **agent) == 1
    assert value(s, "cryptick_matching_orders_total", order_type="market",
                 outcome="market_remainder_cancelled", **agent) == 1
    assert value(s, "cryptick_matching_orders_total", order_type="limit", outcome="rested", **agent) == 2
    assert sum(v for (n, _), v in s.items() if n == "cryptick_matching_orders_total") == 4
    assert value(s, "cryptick_matching_consumed_refusals_total", order_type="market") == 1
    assert value(s, "cryptick_matching_consumed_refusals_total", order_type="limit") == 1
    assert not any(n == "cryptick_matching_consumed_refusals_total" and ("order_type", "ioc") in ls
                   for n, ls in s)


def test_the_ledger_agent_counts_commands_by_type_and_how_they_were_decided() -> None:
    from cryptick.worker import shell
    from schemas.events import OrderRequested
    from strategies.topology import LEDGER

    registry, agents = agent_registry()
    p = shell(LEDGER)
    agents.watch(p)
    order = OrderRequested("req-1", "o-1", "main", "run", "no-such-set", "v", "BTC-USD", "buy", "limit", 1, 1,
                           False, None, 5)
    for offset, value_ in enumerate([deposit(0), deposit(1), deposit(0), encode(order)]):  # one id twice
        p.process(0, offset, b"main", value_)
    s = scrape(registry)
    assert value(s, "cryptick_ledger_commands_total", command="DepositFunds", outcome="accepted") == 2
    assert value(s, "cryptick_ledger_commands_total", command="OrderRequested",
                 outcome="unknown_wallet_set") == 1


def test_an_observer_that_fails_costs_its_metric_not_the_message() -> None:
    p = make()

    def broken(engine: object, event: object, out: object) -> None:
        raise KeyError("boom")

    p.observer = broken
    out = p.process(0, 0, b"main", deposit(0))
    assert out and not any(type(o.event).__name__ == "DeadLetter" for o in out)
    assert p.counters.dead_letters["failed"] == 0 and p.next_offset[0] == 1


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
