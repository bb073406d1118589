"""Invariants of the matching engine on random streams of book events and orders."""

from __future__ import annotations

import json
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.events import (
    BookDelta,
    BookSnapshot,
    CancelRequested,
    ClockTick,
    Event,
    Level,
    LevelChange,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    PublicTrade,
)
from streams.matching.engine import MatchingConfig, MatchingEngine

VENUE = "coinbase"
PAIRS = ("BTC-USD", "ETH-USD")
TICK = 1_000
T0 = 1_600_000_000_000_000

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

prices = st.integers(90, 110).map(lambda t: t * TICK)
bid_prices = st.integers(90, 100).map(lambda t: t * TICK)
ask_prices = st.integers(100, 110).map(lambda t: t * TICK)
order_prices = st.integers(94, 106).map(lambda t: t * TICK)
sizes = st.integers(1, 8).map(lambda n: n * 100)
pairs = st.sampled_from(PAIRS)
bids = st.lists(st.tuples(bid_prices, sizes), max_size=8)
asks = st.lists(st.tuples(ask_prices, sizes), max_size=8)

snapshot = st.tuples(st.just("snapshot"), pairs, bids, asks)
delta = st.tuples(
    st.just("delta"),
    pairs,
    st.lists(
        st.tuples(st.sampled_from(["bid", "ask"]), prices, st.integers(0, 8)),
        max_size=3,
        unique_by=lambda c: (c[0], c[1]),
    ),
    st.sampled_from(["next"] * 8 + ["gap", "old", "none"]),
)
trade = st.tuples(st.just("trade"), pairs, order_prices, sizes, st.sampled_from(["buy", "sell", None]))
accept = st.tuples(
    st.just("accept"),
    pairs,
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["limit", "limit", "market", "ioc", "fok"]),
    st.integers(1, 12).map(lambda n: n * 100),
    st.one_of(order_prices, st.none()),
    st.integers(0, 4).map(lambda n: n == 0),  # post-only one time in five
    st.one_of(st.none(), st.integers(0, 3)),
)
cancel = st.tuples(st.just("cancel"), st.integers(0, 30))
tick = st.tuples(st.just("tick"), st.sampled_from(["coinbase:BTC-USD", "coinbase:ETH-USD", "*"]))
# Repeats weight the choice: mostly book updates, trades and orders.
actions = st.one_of(snapshot, delta, delta, delta, trade, trade, accept, accept, accept, cancel, tick)
opening = st.tuples(st.just("snapshot"), st.just(PAIRS[0]), bids, asks)


def build(drawn: list[tuple]) -> list[Event]:
    """Turn drawn actions into a well-formed inbox (ids, times, sequence numbers)."""
    events: list[Event] = []
    seq = dict.fromkeys(PAIRS, 0)
    orders = 0
    for i, action in enumerate(drawn):
        ts = T0 + i * 700_000
        eid = f"e{i}"
        kind = action[0]
        if kind == "snapshot":
            _, pair, bids, asks = action
            seq[pair] += 1
            events.append(
                BookSnapshot(
                    eid, VENUE, pair, ts, ts, seq[pair],
                    [Level(p, s) for p, s in bids], [Level(p, s) for p, s in asks],
                )
            )  # fmt: skip
        elif kind == "delta":
            _, pair, changes, mode = action
            step = {"next": 1, "gap": 3, "old": -1, "none": 0}[mode]
            seq[pair] += step
            number = None if mode == "none" else seq[pair]
            events.append(
                BookDelta(
                    eid, VENUE, pair, ts, ts, number,
                    [LevelChange(side, p, n * 100) for side, p, n in changes],
                )
            )  # fmt: skip
        elif kind == "trade":
            _, pair, price, size, taker = action
            events.append(PublicTrade(eid, VENUE, pair, ts, ts, eid, price, size, taker))
        elif kind == "accept":
            _, pair, side, order_type, size, price, post_only, cancel_after = action
            if price is None and order_type != "market":
                price = 100 * TICK
            orders += 1
            events.append(
                OrderAccepted(
                    eid, f"o{orders}", "acct", f"run-{orders % 3}", "ws", VENUE, pair, side,
                    order_type, size, price, post_only, cancel_after, "USD", 0, ts,
                )
            )  # fmt: skip
        elif kind == "cancel":
            target = f"o{action[1] % (orders + 2)}"
            events.append(CancelRequested(eid, target, "acct", "run-0", VENUE, PAIRS[0], ts))
        else:
            events.append(ClockTick(eid, ts, action[1]))
    return events


def run(events: list[Event], config: MatchingConfig | None = None) -> list[list[Event]]:
    engine = MatchingEngine(config)
    return [engine.handle(ev) for ev in events]


streams = st.tuples(opening, st.lists(actions, min_size=15, max_size=60)).map(lambda d: build([d[0], *d[1]]))


@SETTINGS
@given(streams)
def test_fills_respect_limits_sizes_and_order_types(events):
    accepted = {ev.order_id: ev for ev in events if isinstance(ev, OrderAccepted)}
    filled: dict[str, int] = defaultdict(int)
    fees: dict[str, int] = defaultdict(int)
    done: set[str] = set()
    for ev, outputs in zip(events, run(events), strict=True):
        for out in outputs:
            if isinstance(out, OrderFilled | OrderOpened | OrderDone):
                assert out.order_id not in done, "nothing happens to a finished order"
            if isinstance(out, OrderFilled):
                order = accepted[out.order_id]
                if order.price is not None:  # never beyond the limit or protection price
                    assert out.price <= order.price if order.side == "buy" else out.price >= order.price
                assert out.size > 0
                filled[out.order_id] += out.size
                fees[out.order_id] += out.fee
                assert out.fill_seq == int(out.event_id.rsplit(":", 1)[1])
                assert filled[out.order_id] <= order.size
            elif isinstance(out, OrderOpened):
                order = accepted[out.order_id]
                assert order.order_type == "limit", "IOC, FOK and market orders never rest"
                assert ev is order
            elif isinstance(out, OrderDone):
                done.add(out.order_id)
                order = accepted[out.order_id]
                assert out.filled_size == filled[out.order_id]
                assert out.fees == fees[out.order_id]
                if order.order_type != "limit":
                    assert ev is order, "taker-only orders end on the event that brought them"
                if order.order_type == "fok":
                    assert out.filled_size in (0, order.size)
                    assert out.reason in ("filled", "killed", "book_stale", "post_only_rejected")
                if out.reason == "filled":
                    assert out.filled_size == order.size
    for order in accepted.values():
        if order.order_type != "limit":
            assert order.order_id in done


def displayed(engine: MatchingEngine, pair: str) -> dict[tuple[str, int], int]:
    book = engine.book(VENUE, pair)
    return {(side, lv.price): lv.size for side in ("bid", "ask") for lv in book.depth(side, 10_000)}


@SETTINGS
@given(streams)
def test_no_displayed_size_is_used_twice(events):
    """A reference count of what virtual orders took from each level, worked off as it shrinks."""
    engine = MatchingEngine()
    used: dict[tuple[str, str, int], int] = defaultdict(int)
    for ev in events:
        pair = getattr(ev, "pair", None)
        before = displayed(engine, pair) if pair else {}
        outputs = engine.handle(ev)
        fills = [out for out in outputs if isinstance(out, OrderFilled)]
        if isinstance(ev, PublicTrade):
            assert sum(f.size for f in fills) <= ev.size, "printed size is shared, not reused"
            for f in fills:
                assert f.price >= ev.price if f.side == "buy" else f.price <= ev.price
            continue
        if pair is None:
            continue
        after = displayed(engine, pair)
        for (side, price), size in before.items():
            key = (pair, side, price)
            shrink = size - after.get((side, price), 0)
            if shrink > 0 and key in used:
                used[key] = max(used[key] - shrink, 0)
        for f in fills:  # fills on book and order events take displayed size
            used[(pair, "ask" if f.side == "buy" else "bid", f.level_price)] += f.size
        for (key_pair, side, price), amount in used.items():
            if key_pair == pair:
                assert amount <= after.get((side, price), 0), (side, price)
        for side_index in (0, 1):  # the engine's own count agrees: never above displayed
            book = engine.book(VENUE, pair)
            for price, amount in book.consumed[side_index].items():
                assert 0 < amount <= book.displayed(side_index, price)


@SETTINGS
@given(streams)
def test_the_same_inbox_gives_the_same_outputs(events):
    config = MatchingConfig(queue_position={"coinbase": False})
    assert run(events) == run(events)
    assert run(events, config) == run(events, config)


@SETTINGS
@given(streams, st.integers(0, 60))
def test_a_restored_engine_continues_identically(events, cut):
    cut = min(cut, len(events))
    whole = run(events)
    engine = MatchingEngine()
    for ev in events[:cut]:
        engine.handle(ev)
    restored = MatchingEngine.from_state(engine.config, json.loads(json.dumps(engine.export_state())))
    assert [restored.handle(ev) for ev in events[cut:]] == whole[cut:]
